"""Builds what FastAPI derives from a route's declaration once per test process.

FastAPI (0.16x) derives each included route's parameters and response fields lazily, per
app, on that app's first request: the endpoint's typed signature (evaluating its string
annotations) and a pydantic `TypeAdapter` per parameter and per documented response.
Every test builds its own app on its own database, so each paid ~0.2 s of CPU for the
same derivation of the same module-level routes (measured in one process: 0.27 s of CPU
for an app and its first request, 0.08 s with these shared).

Both results are pure functions of what they are derived from, and immutable once built:
a signature of its callable; a `TypeAdapter` of its type, the field's declaration and the
config. `install()` memoizes them in the process. The app, its routes' handlers and
everything holding a test's database stay per test: only these derived values are shared.
"""

from __future__ import annotations

import inspect
import threading
import typing
import weakref
from collections.abc import Callable
from typing import Any

import fastapi._compat.v2 as fastapi_fields
import fastapi.dependencies.utils as fastapi_dependencies
from pydantic import TypeAdapter
from pydantic.fields import FieldInfo

_lock = threading.Lock()
_adapters: dict[Any, TypeAdapter[Any]] = {}
# Weak keys: a callable made per app (a closure over its context) must not keep that
# app's database alive after its test.
_signatures: weakref.WeakKeyDictionary[Callable[..., Any], inspect.Signature] = (
    weakref.WeakKeyDictionary()
)


def _hashable(value: Any) -> Any:
    """`value` itself when it hashes (types, constraints, defaults: compared by equality),
    else its type and repr (a dict of examples, a list default)."""
    try:
        hash(value)
    except TypeError:
        return (type(value), repr(value))
    return value


def _declaration(info: FieldInfo) -> tuple[Any, ...]:
    """Every attribute of a field's declaration, as a key."""
    return tuple((slot, _hashable(getattr(info, slot, None))) for slot in info.__slots__)


def _adapter_key(type_form: Any, config: Any) -> Any:
    """`Annotated[annotation, *metadata, FieldInfo]` (what FastAPI passes) and the config,
    compared by value; any other type form as itself."""
    if typing.get_origin(type_form) is not typing.Annotated:
        return (type_form, _hashable(config))
    parts = tuple(
        _declaration(part) if isinstance(part, FieldInfo) else _hashable(part)
        for part in typing.get_args(type_form)
    )
    return (typing.Annotated, parts, _hashable(config))


def _shared_type_adapter(type_form: Any, *, config: Any = None) -> TypeAdapter[Any]:
    try:
        key = _adapter_key(type_form, config)
        hash(key)
    except TypeError:
        return TypeAdapter(type_form, config=config)
    adapter = _adapters.get(key)
    if adapter is None:
        adapter = TypeAdapter(type_form, config=config)
        with _lock:
            adapter = _adapters.setdefault(key, adapter)
    return adapter


_typed_signature = fastapi_dependencies.get_typed_signature


def _shared_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    try:
        signature = _signatures.get(call)
    except TypeError:  # not weakly referable: derive it each time, as FastAPI does
        return _typed_signature(call)
    if signature is None:
        signature = _typed_signature(call)
        with _lock:
            _signatures[call] = signature
    return signature


def install() -> None:
    """Makes FastAPI use the shared derivations in this process (idempotent)."""
    fastapi_fields.TypeAdapter = _shared_type_adapter  # type: ignore[assignment,attr-defined]
    fastapi_dependencies.get_typed_signature = _shared_typed_signature
