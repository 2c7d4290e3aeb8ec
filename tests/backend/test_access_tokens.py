"""Personal access tokens (docs/api.md §7.8): made once, stored as a hash, listed without
the token, refused at once when revoked or expired, limited to their scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.schemas import access_tokens as schemas
from fake_backend.services import access_tokens
from fake_backend.services.rules import sha256
from tests.backend.conftest import error_code
from tests.backend.shapes import assert_shape, same_fields
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
Headers = dict[str, str]
MakeUser = Callable[..., tuple[int, Headers]]
DAY = 86400


def make_token(
    client: TestClient,
    headers: Headers,
    scopes: list[str],
    *,
    name: str = "cron",
    days: int = 30,
) -> dict[str, Any]:
    response = client.post(
        f"{API}/me/tokens",
        json={"name": name, "scopes": scopes, "expires_in_days": days},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def bearer(made: dict[str, Any]) -> Headers:
    return {"Authorization": f"Bearer {made['token']}"}


def listed(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    response = client.get(f"{API}/me/tokens", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_token_is_shown_once_and_only_its_hash_is_kept(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    made = make_token(client, demo_headers, ["order", "read"], name="  nightly import  ")
    assert made["token"].startswith(access_tokens.TOKEN_PREFIX)
    assert made["name"] == "nightly import"
    assert made["scopes"] == ["read", "order"]
    assert made["last_used_at"] is None and made["expired"] is False
    assert made["expires_at"] == "2026-12-24T02:00:00Z"  # 30 days from the frozen start
    [item] = listed(client, demo_headers)
    assert "token" not in item
    assert item == {key: value for key, value in made.items() if key != "token"}
    rows = app_ctx.db.all("SELECT * FROM access_tokens")
    assert [row["token_hash"] for row in rows] == [sha256(made["token"])]
    assert not any(made["token"] in str(value) for row in rows for value in tuple(row))


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        pytest.param({"scopes": ["admin"]}, "scopes.0", "not_one_of", id="unknown-scope"),
        pytest.param({"scopes": []}, "scopes", "too_few", id="no-scope"),
        pytest.param({"scopes": ["read"] * 4}, "scopes", "too_many", id="too-many-scopes"),
        pytest.param({"scopes": "read"}, "scopes", "not_list", id="scopes-not-a-list"),
        pytest.param({"name": "x" * 41}, "name", "too_long", id="overlong-name"),
        pytest.param({"name": "   "}, "name", "required", id="blank-name"),
        pytest.param({"name": "a\x1b[2Jb"}, "name", "invalid", id="control-characters"),
        pytest.param({"expires_in_days": 0}, "expires_in_days", "too_small", id="zero-days"),
        pytest.param({"expires_in_days": 366}, "expires_in_days", "too_large", id="too-long"),
        pytest.param({"expires_in_days": "30"}, "expires_in_days", "not_integer", id="text-days"),
        pytest.param({"extra": 1}, "extra", "unknown_field", id="unknown-field"),
    ],
)
def test_bad_input_is_refused_and_makes_nothing(
    client: TestClient, demo_headers: Headers, body: dict[str, Any], field: str, reason: str
) -> None:
    sent = {"name": "cron", "scopes": ["read"], "expires_in_days": 30, **body}
    response = client.post(f"{API}/me/tokens", json=sent, headers=demo_headers)
    assert response.status_code == 422, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["details"]["fields"][field]["code"] == reason
    assert listed(client, demo_headers) == []


def test_repeated_scopes_count_once(client: TestClient, demo_headers: Headers) -> None:
    made = make_token(client, demo_headers, ["pay", "read", "pay"])
    assert made["scopes"] == ["read", "pay"]


def test_at_most_twenty_unexpired_tokens(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    make_token(client, demo_headers, ["read"], name="short", days=1)
    for number in range(access_tokens.MAX_ACTIVE_TOKENS - 1):
        make_token(client, demo_headers, ["read"], name=f"t{number}")
    body = {"name": "one more", "scopes": ["read"], "expires_in_days": 30}
    refused = client.post(f"{API}/me/tokens", json=body, headers=demo_headers)
    assert refused.status_code == 409 and error_code(refused) == "ACCESS_TOKEN_LIMIT"
    app_ctx.clock.advance(DAY)  # the short one expires and stops counting
    assert client.post(f"{API}/me/tokens", json=body, headers=demo_headers).status_code == 201


def test_a_revoked_token_is_refused_at_once(client: TestClient, demo_headers: Headers) -> None:
    made = make_token(client, demo_headers, ["read"])
    assert client.get(f"{API}/orders", headers=bearer(made)).status_code == 200
    revoked = client.delete(f"{API}/me/tokens/{made['id']}", headers=demo_headers)
    assert revoked.status_code == 200 and revoked.json() == {"ok": True}
    refused = client.get(f"{API}/orders", headers=bearer(made))
    assert refused.status_code == 401 and error_code(refused) == "TOKEN_REVOKED"
    assert listed(client, demo_headers) == []
    again = client.delete(f"{API}/me/tokens/{made['id']}", headers=demo_headers)
    assert again.status_code == 404 and error_code(again) == "NOT_FOUND"


def test_another_users_token_cannot_be_revoked(
    client: TestClient, demo_headers: Headers, make_user: MakeUser
) -> None:
    made = make_token(client, demo_headers, ["read"])
    _, other = make_user()
    refused = client.delete(f"{API}/me/tokens/{made['id']}", headers=other)
    assert refused.status_code == 404
    assert client.get(f"{API}/me", headers=bearer(made)).status_code == 200
    assert listed(client, other) == []


def test_an_expired_token_is_refused_and_listed_as_expired(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    made = make_token(client, demo_headers, ["read"], days=1)
    app_ctx.clock.advance(DAY - 1)
    assert client.get(f"{API}/me", headers=bearer(made)).status_code == 200
    app_ctx.clock.advance(1)
    refused = client.get(f"{API}/me", headers=bearer(made))
    assert refused.status_code == 401 and error_code(refused) == "ACCESS_TOKEN_EXPIRED"
    [item] = listed(client, demo_headers)
    assert item["expired"] is True


def test_an_unknown_token_of_the_token_shape_is_refused(client: TestClient) -> None:
    response = client.get(f"{API}/me", headers={"Authorization": "Bearer kspat_nothing"})
    assert response.status_code == 401 and error_code(response) == "UNAUTHENTICATED"


def test_last_used_is_the_last_accepted_use(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    made = make_token(client, demo_headers, ["read"])
    app_ctx.clock.advance(3600)
    client.get(f"{API}/me", headers=bearer(made))
    assert listed(client, demo_headers)[0]["last_used_at"] == "2026-11-24T03:00:00Z"
    app_ctx.clock.advance(3600)
    refused = client.post(f"{API}/cart/items", json={"sku_id": 1, "qty": 1}, headers=bearer(made))
    assert refused.status_code == 403
    assert listed(client, demo_headers)[0]["last_used_at"] == "2026-11-24T03:00:00Z"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/me/tokens", None),
        ("POST", "/me/tokens", {"name": "more", "scopes": ["read"], "expires_in_days": 1}),
        ("DELETE", "/me/tokens/1", None),
        ("PUT", "/me/password", {"current_password": "demo1234", "new_password": "other123"}),
        ("PUT", "/me/payment-password", {"payment_password": "654321"}),
        ("PUT", "/me/two-factor", {"enabled": True}),
        ("PUT", "/me/real-name", {"name": "张三", "id_number": "11010519491231002X"}),
        ("POST", "/auth/logout", None),
    ],
)
def test_tokens_cannot_manage_tokens_passwords_or_two_step(
    client: TestClient,
    demo_headers: Headers,
    app_ctx: Ctx,
    method: str,
    path: str,
    body: Any,
) -> None:
    made = make_token(client, demo_headers, ["read", "order", "pay"])
    before = app_ctx.db.one("SELECT * FROM users WHERE id = 1")
    response = client.request(method, f"{API}{path}", json=body, headers=bearer(made))
    assert response.status_code == 403 and error_code(response) == "SCOPE_REQUIRED"
    assert response.json()["error"]["details"] == {
        "required": "login",
        "granted": ["read", "order", "pay"],
    }
    assert tuple(app_ctx.db.one("SELECT * FROM users WHERE id = 1")) == tuple(before)
    [item] = listed(client, demo_headers)  # nothing made, nothing revoked
    assert item["id"] == made["id"]


def test_a_pay_token_still_needs_the_payment_password(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    sku_id = app_ctx.db.scalar("SELECT id FROM skus WHERE stock >= 5 ORDER BY id LIMIT 1")
    script = bearer(make_token(client, demo_headers, ["order", "pay"]))
    placed = client.post(
        f"{API}/orders",
        json={"items": [{"sku_id": sku_id, "qty": 1}], "payment_method": "balance"},
        headers={**script, "Idempotency-Key": "place-1"},
    )
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    pay = f"{API}/orders/{order_id}/pay"
    bare = client.post(
        pay, json={"method": "balance"}, headers={**script, "Idempotency-Key": "pay-1"}
    )
    assert bare.status_code == 422
    assert "payment_password" in bare.json()["error"]["details"]["fields"]
    paid = client.post(
        pay,
        json={"method": "balance", "payment_password": "123456"},
        headers={**script, "Idempotency-Key": "pay-2"},
    )
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded"
    order = client.get(f"{API}/orders/{order_id}", headers=script)
    assert order.json()["status"] == "awaiting_shipment"


@pytest.mark.parametrize(
    ("shape", "model"),
    [
        (access_tokens.AccessTokenView, schemas.AccessToken),
        (access_tokens.CreatedAccessToken, schemas.CreatedAccessToken),
        (access_tokens.AccessTokenList, schemas.AccessTokenList),
    ],
    ids=lambda item: item.__name__,
)
def test_each_answer_type_names_the_fields_of_its_response_model(
    shape: Any, model: type[BaseModel]
) -> None:
    same_fields(shape, model)


def test_what_the_service_answers_has_exactly_those_keys(ctx: Ctx) -> None:
    made = access_tokens.create(ctx, DEMO_USER_ID, "shape", ["read"], 1)
    assert_shape(made, access_tokens.CreatedAccessToken)
    assert_shape(access_tokens.list_tokens(ctx, DEMO_USER_ID), access_tokens.AccessTokenList)
