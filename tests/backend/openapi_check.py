"""Checks real answers against the app's own `/openapi.json`.

`SchemaChecker(document).check(response)` finds the operation of the request (path
template + method), asserts the status is documented for it, and validates the body
against the documented schema for that status. Objects are checked *closed*: a field the
schema does not list fails, so a response model that leaks or forgets a field is caught.
Every checked answer is recorded in `seen` so a test can ask what was covered.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fake_backend.app import API_PREFIX, ROUTER_MODULES
from fake_backend.deps import current_user, shopper

DOC_URI = "urn:kshop:openapi"
ERROR_REF = "#/components/schemas/ErrorEnvelope"
METHODS = ("get", "post", "put", "patch", "delete")
JSON = "application/json"


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # e.g. /api/v1/orders/{order_id}
    spec: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.template)


def closed(node: Any) -> Any:
    """A copy of a schema where objects listing `properties` refuse other fields."""
    if isinstance(node, dict):
        out = {key: closed(value) for key, value in node.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [closed(value) for value in node]
    return node


@dataclass
class SchemaChecker:
    document: dict[str, Any]
    seen: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    checked: int = 0

    def __post_init__(self) -> None:
        strict = closed(copy.deepcopy(self.document))
        resource = Resource.from_contents(strict, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
        self._strict = strict
        self._patterns: list[tuple[re.Pattern[str], int, Operation]] = []
        for template, item in self.document["paths"].items():
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            params = template.count("{")
            for method in METHODS:
                if method in item:
                    operation = Operation(method.upper(), template, item[method])
                    self._patterns.append((re.compile(f"^{regex}$"), params, operation))

    # ---- the document -----------------------------------------------------------------

    def operations(self) -> Iterator[Operation]:
        for _, _, operation in self._patterns:
            yield operation

    def resolve(self, node: Any) -> Any:
        """`node` with a top-level `$ref` into the document replaced by its target."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def find(self, method: str, path: str) -> Operation | None:
        """The operation serving `method path`; literal segments beat parameters."""
        matches = [
            (params, operation)
            for pattern, params, operation in self._patterns
            if operation.method == method.upper() and pattern.match(path)
        ]
        if not matches:
            return None
        return min(matches, key=lambda match: match[0])[1]

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        """A validator for a schema of the document (its `#/...` refs resolved, closed)."""
        rooted = closed(json.loads(json.dumps(schema).replace('"#/', f'"{DOC_URI}#/')))
        return Draft202012Validator(rooted, registry=self._registry)

    # ---- answers ------------------------------------------------------------------------

    def check(self, response: httpx.Response) -> None:
        """Asserts `response` is one its operation documents (status, media type, body)."""
        request = response.request
        path = request.url.path
        if path.startswith("/_dev/") or path == "/openapi.json":
            if response.status_code >= 400:
                check_envelope(response)
            assert response.status_code < 500, describe(response)
            return
        operation = self.find(request.method, path)
        assert operation is not None, f"undocumented route: {request.method} {path}"
        status = str(response.status_code)
        documented = operation.spec["responses"]
        assert status in documented, (
            f"{operation.method} {operation.template} answered {status}, documented: "
            f"{sorted(documented)}\n{describe(response)}"
        )
        self.seen.setdefault(operation.key, set()).add(response.status_code)
        self.checked += 1
        content = documented[status].get("content", {})
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if not content:
            assert not response.content, describe(response)
            return
        assert media in content, (
            f"{operation.method} {operation.template}: {media} not in {content}"
        )
        if response.status_code == 429:
            assert response.headers.get("retry-after", "").isdigit(), describe(response)
        if media != JSON:
            return
        schema = content[JSON].get("schema")
        assert schema is not None, f"{operation.method} {operation.template} {status}: no schema"
        body = response.json()
        problems = sorted(self.validator(schema).iter_errors(body), key=lambda e: list(e.path))
        assert not problems, (
            f"{operation.method} {operation.template} {status} does not match its schema:\n"
            + "\n".join(f"  at {list(p.absolute_path)}: {p.message[:300]}" for p in problems[:10])
            + f"\n{describe(response)}"
        )
        if response.status_code >= 400:
            check_envelope(response)


def api_operations() -> list[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every operation the routers serve under /api/v1."""
    found: list[tuple[str, str, APIRoute]] = []
    for name in ROUTER_MODULES:
        router = importlib.import_module(f"fake_backend.routers.{name}").router
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in sorted(route.methods or ()):
                    if method != "HEAD":
                        found.append((method, f"{API_PREFIX}{route.path}", route))
    return found


def dev_routes() -> list[APIRoute]:
    found: list[APIRoute] = []
    for name in ROUTER_MODULES:
        router = getattr(
            importlib.import_module(f"fake_backend.routers.{name}"), "dev_router", None
        )
        if router is not None:
            found.extend(route for route in router.routes if isinstance(route, APIRoute))
    return found


def needs_login(route: APIRoute) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        # `shopper` lets guests in too (docs/api.md §7.4); both need a token.
        if dependant.call in (current_user, shopper):
            return True
        pending.extend(dependant.dependencies)
    return False


def check_envelope(response: httpx.Response) -> str:
    """The `error.code` of an error answer, asserting docs/api.md §4's envelope exactly."""
    assert response.headers.get("content-type", "").startswith(JSON), describe(response)
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, describe(response)
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, describe(response)
    assert isinstance(error["code"], str) and error["code"], describe(response)
    assert isinstance(error["message"], str) and error["message"], describe(response)
    assert isinstance(error["details"], dict), describe(response)
    return str(error["code"])


def describe(response: httpx.Response) -> str:
    request = response.request
    sent = request.content[:300].decode("utf-8", "replace") if request.content else ""
    return (
        f"{request.method} {request.url} {sent!r} -> {response.status_code} {response.text[:500]}"
    )
