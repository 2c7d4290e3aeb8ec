"""Checks that a service's answer TypedDict matches its response model, and that a real
answer has exactly the TypedDict's keys, nested TypedDicts included."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

from pydantic import BaseModel


def same_fields(shape: Any, model: type[BaseModel]) -> None:
    assert is_typeddict(shape), shape
    assert set(shape.__annotations__) == set(model.model_fields), shape.__name__


def nested_typeddicts(annotation: Any) -> list[Any]:
    """The TypedDicts an annotation holds: itself, a list's items, an optional's value."""
    if is_typeddict(annotation):
        return [annotation]
    if get_origin(annotation) in (list, Union, types.UnionType):
        return [found for arg in get_args(annotation) for found in nested_typeddicts(arg)]
    return []


def assert_shape(value: Any, shape: Any, where: str = "answer") -> None:
    """`value` has exactly the keys of `shape`, and so has every nested value whose
    annotation names a TypedDict (in a list or an optional too)."""
    assert isinstance(value, dict), f"{where}: {value!r}"
    hints = get_type_hints(shape)
    assert set(value) == set(hints), f"{where}: {sorted(set(value) ^ set(hints))}"
    for key, annotation in hints.items():
        inner = nested_typeddicts(annotation)
        if not inner or value[key] is None:
            continue
        items = value[key] if isinstance(value[key], list) else [value[key]]
        for index, item in enumerate(items):
            assert_shape(item, inner[0], f"{where}.{key}[{index}]")
