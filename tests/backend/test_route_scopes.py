"""Every operation declares the scope an access token needs for it (`route_scopes`), and
each scope is enforced on every operation: a token gets 403 SCOPE_REQUIRED outside its
scopes and passes inside them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.route_scopes import LOGIN, PUBLIC, ROUTE_SCOPES
from fake_backend.services.access_tokens import GRANTS, SCOPES
from tests.backend.openapi_check import api_operations, needs_login

API = "/api/v1"
Headers = dict[str, str]


def served() -> dict[tuple[str, str], Any]:
    return {(method, path.removeprefix(API)): route for method, path, route in api_operations()}


def test_every_served_operation_declares_its_scope_and_nothing_else_is_declared() -> None:
    operations = served()
    assert set(ROUTE_SCOPES) == set(operations)
    assert set(ROUTE_SCOPES.values()) <= {*SCOPES, LOGIN, PUBLIC}


def test_public_exactly_when_the_operation_reads_no_login() -> None:
    wrong = [
        key
        for key, route in served().items()
        if (ROUTE_SCOPES[key] == PUBLIC) == needs_login(route)
    ]
    assert not wrong


def test_the_document_names_each_operations_scope_and_its_403(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            scope = ROUTE_SCOPES[(method.upper(), path.removeprefix(API))]
            assert operation["x-token-scope"] == scope
            assert ("403" in operation["responses"]) or scope == PUBLIC


def concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "1", path.replace("{provider}", "wechat"))


@pytest.fixture
def scope_tokens(client: TestClient, demo_headers: Headers) -> dict[str, Headers]:
    """One token per scope, each with that scope alone."""
    tokens = {}
    for scope in SCOPES:
        response = client.post(
            f"{API}/me/tokens",
            json={"name": f"only {scope}", "scopes": [scope], "expires_in_days": 7},
            headers=demo_headers,
        )
        tokens[scope] = {"Authorization": f"Bearer {response.json()['token']}"}
    return tokens


@pytest.mark.parametrize("scope", SCOPES)
def test_each_scope_against_every_operation(
    client: TestClient, scope_tokens: dict[str, Headers], scope: str
) -> None:
    """Inside its scope a token reaches the operation (whatever it then answers: a 404 for
    id 1, a 422 for an empty body); outside, 403 SCOPE_REQUIRED naming the scope needed."""
    headers = {**scope_tokens[scope], "Idempotency-Key": "scope-walk"}
    wrong = []
    for (method, path), needed in sorted(ROUTE_SCOPES.items()):
        if needed == PUBLIC or (method, path) == ("DELETE", "/me/tokens/{token_id}"):
            continue  # revoking token 1 would end the walk for the read token
        response = client.request(method, f"{API}{concrete(path)}", json={}, headers=headers)
        body = response.json() if response.content else {}
        code = body.get("error", {}).get("code") if isinstance(body, dict) else None
        refused = response.status_code == 403 and code == "SCOPE_REQUIRED"
        if needed in GRANTS[scope]:
            if refused or response.status_code in (401, 500):
                wrong.append((method, path, response.status_code, code))
        elif not refused or body["error"]["details"]["required"] != needed:
            wrong.append((method, path, response.status_code, code))
    assert not wrong, wrong


def test_a_read_token_reads_every_area_an_order_token_orders_a_pay_token_pays(
    client: TestClient, scope_tokens: dict[str, Headers]
) -> None:
    """The areas by example: what each scope adds, and what it does not."""
    sku = {"sku_id": 1, "qty": 1}
    topup = {"amount_fen": 100}
    for scope, headers in scope_tokens.items():
        assert client.get(f"{API}/orders", headers=headers).status_code == 200
        assert client.get(f"{API}/wallet", headers=headers).status_code == 200
        added = client.post(f"{API}/cart/items", json=sku, headers=headers)
        assert (added.status_code == 403) == (scope != "order"), (scope, added.text)
        topped = client.post(
            f"{API}/wallet/topup", json=topup, headers={**headers, "Idempotency-Key": scope}
        )
        assert (topped.status_code == 403) == (scope != "pay"), (scope, topped.text)
