"""Guest ordering over HTTP (docs/api.md §7.4): the guest session, what a guest may and
may not do, inline addresses (from guests and accounts), guest payments, the order lookup
by number and phone, and an account registered later adopting the guest's orders."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from tests.backend.conftest import error_code
from tests.backend.test_auth import bearer, fields, other_code, request_code
from tests.backend.test_orders import (
    DEMO_ADDRESS_ID,
    MakeUser,
    order_count,
    pay,
    place,
    placed,
    sku_between,
    stock_of,
)

GUEST_PHONE = "13712345678"
DEMO_PHONE = "13800138000"
DAY = 86400
ADDRESS = {
    "name": "张三",
    "phone": "13800138001",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路100号",
}
CARD = {"card_number": "6225880137706868", "holder_name": "张三"}


def guest_login(client: TestClient, phone: str = GUEST_PHONE) -> dict[str, str]:
    code = request_code(client, phone, "guest")
    response = client.post("/api/v1/auth/guest", json={"phone": phone, "code": code})
    assert response.status_code == 201, response.text
    return bearer(response)


def guest_order(client: TestClient, ctx: Ctx, headers: dict[str, str], **body: Any) -> Any:
    sku = sku_between(ctx, 1000, 5000)
    return placed(
        client, headers, [(sku["id"], 1)], payment_method="alipay", address=ADDRESS, **body
    )


def addresses_in_book(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM addresses"))


# --- the guest session --------------------------------------------------------------------


def test_a_guest_code_opens_a_24_hour_guest_session(client: TestClient, app_ctx: Ctx) -> None:
    code = request_code(client, GUEST_PHONE, "guest")
    response = client.post("/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": code})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"] == {
        "id": body["user"]["id"],
        "guest": True,
        "phone": GUEST_PHONE,
        "phone_masked": "137****5678",
    }
    cart = client.get("/api/v1/cart", headers=bearer(response))
    assert cart.status_code == 200
    app_ctx.clock.advance(DAY + 1)
    expired = client.get("/api/v1/cart", headers=bearer(response))
    assert expired.status_code == 401 and error_code(expired) == "TOKEN_EXPIRED"


def test_the_same_phone_is_the_same_guest_next_time(client: TestClient, app_ctx: Ctx) -> None:
    first = guest_login(client)
    order = guest_order(client, app_ctx, first)
    app_ctx.clock.advance(61)
    second = guest_login(client)
    listed = client.get("/api/v1/orders", headers=second).json()["items"]
    assert [row["id"] for row in listed] == [order["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12345", "code": "123456"}, "phone"),
        ({"phone": GUEST_PHONE, "code": "12ab"}, "code"),
    ],
)
def test_a_malformed_guest_login_is_422_and_creates_nothing(
    client: TestClient, app_ctx: Ctx, body: dict[str, str], field: str
) -> None:
    users_before = app_ctx.db.scalar("SELECT COUNT(*) FROM users")
    response = client.post("/api/v1/auth/guest", json=body)
    assert response.status_code == 422 and field in fields(response)
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM users") == users_before


def test_wrong_guest_codes_count_towards_the_phone_s_lockout(
    client: TestClient, app_ctx: Ctx
) -> None:
    code = request_code(client, GUEST_PHONE, "guest")
    users_before = app_ctx.db.scalar("SELECT COUNT(*) FROM users")
    for attempts_left in (4, 3, 2, 1):
        wrong = client.post(
            "/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": other_code(code)}
        )
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["error"]["details"]["attempts_left"] == attempts_left
    locked = client.post(
        "/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": other_code(code)}
    )
    assert locked.status_code == 429 and error_code(locked) == "LOCKED"
    # Even the right code waits out the lock.
    right = client.post("/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": code})
    assert right.status_code == 429
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM users") == users_before


def test_a_code_of_another_purpose_does_not_open_a_guest_session(client: TestClient) -> None:
    code = request_code(client, GUEST_PHONE, "register")
    response = client.post("/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": code})
    assert response.status_code == 422 and fields(response) == {"code": "wrong_code"}


def test_a_guest_code_is_single_use(client: TestClient) -> None:
    code = request_code(client, GUEST_PHONE, "guest")
    first = client.post("/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": code})
    assert first.status_code == 201
    again = client.post("/api/v1/auth/guest", json={"phone": GUEST_PHONE, "code": code})
    assert again.status_code == 422


ACCOUNT_ONLY = [
    ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/wallet", None),
    ("POST", "/api/v1/wallet/bank-cards", CARD),
    ("GET", "/api/v1/addresses", None),
    ("POST", "/api/v1/addresses", {**ADDRESS, "is_default": True}),
    ("GET", "/api/v1/coupons", None),
    ("POST", "/api/v1/check-in", None),
    ("GET", "/api/v1/after-sales", None),
    ("GET", "/api/v1/support/threads", None),
    ("PUT", "/api/v1/me/two-factor", {"enabled": True}),
    ("POST", "/api/v1/auth/logout-all", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ACCOUNT_ONLY)
def test_a_guest_is_refused_what_needs_an_account(
    client: TestClient, app_ctx: Ctx, method: str, path: str, body: dict[str, Any] | None
) -> None:
    headers = guest_login(client)
    before = addresses_in_book(app_ctx)
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 403 and error_code(response) == "GUEST_NOT_ALLOWED"
    assert addresses_in_book(app_ctx) == before


def test_a_guest_logs_out(client: TestClient) -> None:
    headers = guest_login(client)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/cart", headers=headers).status_code == 401


# --- ordering as a guest ------------------------------------------------------------------


def test_a_guest_quotes_orders_and_pays_by_qr_with_an_inline_address(
    client: TestClient, app_ctx: Ctx
) -> None:
    headers = guest_login(client)
    sku = sku_between(app_ctx, 1000, 5000)
    added = client.post("/api/v1/cart/items", json={"sku_id": sku["id"], "qty": 2}, headers=headers)
    assert added.status_code in (200, 201), added.text
    quote = client.post(
        "/api/v1/checkout/quote", json={"from_cart": True, "address": ADDRESS}, headers=headers
    )
    assert quote.status_code == 200, quote.text
    assert quote.json()["address_id"] is None
    assert quote.json()["shipping_rule"]["province"] == "浙江省"
    order = placed(client, headers, None, from_cart=True, payment_method="alipay", address=ADDRESS)
    assert order["total_fen"] == quote.json()["total_fen"]
    assert order["address"]["detail"] == ADDRESS["detail"]
    assert "after_sale" not in order["actions"] and "change_address" not in order["actions"]
    assert client.get("/api/v1/cart", headers=headers).json()["items"] == []
    payment = pay(client, headers, order["id"], "alipay")
    assert payment.status_code == 201 and payment.json()["qr_payload"]
    paid = client.post(f"/_dev/payments/{payment.json()['id']}/succeed")
    assert paid.json()["status"] == "succeeded"
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=headers).json()
    assert shown["status"] == "awaiting_shipment"
    assert addresses_in_book(app_ctx) == 1  # the demo account's own


def test_a_guest_pays_with_a_card_given_for_that_payment(client: TestClient, app_ctx: Ctx) -> None:
    headers = guest_login(client)
    order = guest_order(client, app_ctx, headers)
    response = pay(client, headers, order["id"], "bank_card", card=CARD, payment_password=None)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "succeeded"
    card = app_ctx.db.one(
        "SELECT last4, removed FROM bank_cards WHERE id ="
        " (SELECT bank_card_id FROM payments WHERE id = ?)",
        (response.json()["id"],),
    )
    assert card is not None and card["last4"] == "6868" and card["removed"] == 1


@pytest.mark.parametrize(
    ("method", "extra", "code", "field"),
    [
        ("balance", {}, "NOT_FOR_GUESTS", None),
        ("bnpl", {}, "NOT_FOR_GUESTS", None),
        ("bank_card", {"payment_password": None}, "VALIDATION_ERROR", "card"),
        (
            "bank_card",
            {"card": {"card_number": "6225880137706869", "holder_name": "张三"}},
            "VALIDATION_ERROR",
            "card.card_number",
        ),
        ("alipay", {"card": CARD}, "VALIDATION_ERROR", "card"),
        ("bank_card", {"card": CARD, "bank_card_id": 1}, "VALIDATION_ERROR", "bank_card_id"),
    ],
)
def test_a_guest_payment_refused_changes_nothing(
    client: TestClient,
    app_ctx: Ctx,
    method: str,
    extra: dict[str, Any],
    code: str,
    field: str | None,
) -> None:
    headers = guest_login(client)
    order = guest_order(client, app_ctx, headers)
    response = pay(client, headers, order["id"], method, **extra)
    assert response.status_code == 422, response.text
    assert error_code(response) == code
    if field is not None:
        assert field in fields(response)
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 0
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=headers).json()
    assert shown["status"] == "pending_payment"


@pytest.mark.parametrize("method", ["balance", "bnpl"])
def test_a_guest_cannot_place_an_order_to_pay_from_an_account(
    client: TestClient, app_ctx: Ctx, method: str
) -> None:
    headers = guest_login(client)
    sku = sku_between(app_ctx, 1000, 5000)
    before = order_count(app_ctx), stock_of(app_ctx, sku["id"])
    response = place(client, headers, [(sku["id"], 1)], payment_method=method, address=ADDRESS)
    assert response.status_code == 422 and error_code(response) == "NOT_FOR_GUESTS"
    assert (order_count(app_ctx), stock_of(app_ctx, sku["id"])) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [({}, "address"), ({"address_id": DEMO_ADDRESS_ID}, "address")],
)
def test_a_guest_must_give_the_address_inline(
    client: TestClient, app_ctx: Ctx, extra: dict[str, Any], field: str
) -> None:
    headers = guest_login(client)
    sku = sku_between(app_ctx, 1000, 5000)
    before = order_count(app_ctx)
    response = place(client, headers, [(sku["id"], 1)], payment_method="alipay", **extra)
    assert response.status_code == 422 and field in fields(response)
    assert order_count(app_ctx) == before


def test_a_guest_sees_only_its_own_orders(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = sku_between(app_ctx, 1000, 5000)
    demo_order = placed(client, demo_headers, [(sku["id"], 1)])
    headers = guest_login(client)
    own = guest_order(client, app_ctx, headers)
    listed = client.get("/api/v1/orders", headers=headers).json()["items"]
    assert [row["id"] for row in listed] == [own["id"]]
    other = client.get(f"/api/v1/orders/{demo_order['id']}", headers=headers)
    assert other.status_code == 404
    refused = pay(client, headers, demo_order["id"], "alipay")
    assert refused.status_code == 404
    cancel = client.post(
        f"/api/v1/orders/{demo_order['id']}/cancel", json={"reason": "other"}, headers=headers
    )
    assert cancel.status_code == 404


def test_a_guest_cancels_its_unpaid_order(client: TestClient, app_ctx: Ctx) -> None:
    headers = guest_login(client)
    order = guest_order(client, app_ctx, headers)
    sku_id = order["items"][0]["sku_id"]
    stock_before = stock_of(app_ctx, sku_id)
    response = client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={"reason": "other"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert stock_of(app_ctx, sku_id)[0] == stock_before[0] + 1
    again = client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={"reason": "other"}, headers=headers
    )
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"


# --- inline addresses from accounts -------------------------------------------------------


def test_an_account_orders_to_an_inline_address_without_adding_it_to_the_book(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = sku_between(app_ctx, 1000, 5000)
    before = addresses_in_book(app_ctx)
    order = placed(client, demo_headers, [(sku["id"], 1)], address=ADDRESS)
    assert {key: order["address"][key] for key in ADDRESS} == ADDRESS
    assert addresses_in_book(app_ctx) == before
    stored = app_ctx.db.one(
        "SELECT address_id, guest_phone FROM orders WHERE id = ?", (order["id"],)
    )
    assert stored is not None and stored["address_id"] is None and stored["guest_phone"] is None


@pytest.mark.parametrize(
    ("change", "bad"),
    [
        ({"phone": "12800138000"}, {"address.phone": "bad_phone"}),
        ({"district": "朝阳区"}, {"address.district": "bad_region"}),
        ({"province": "浙江"}, {"address.province": "bad_region"}),
        (
            {"name": " ", "detail": "1号"},
            {"address.name": "required", "address.detail": "too_short"},
        ),
    ],
)
def test_a_bad_inline_address_is_422_naming_its_fields_and_places_nothing(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: dict[str, str],
    change: dict[str, str],
    bad: dict[str, str],
) -> None:
    sku = sku_between(app_ctx, 1000, 5000)
    before = order_count(app_ctx), stock_of(app_ctx, sku["id"])
    response = place(client, demo_headers, [(sku["id"], 1)], address={**ADDRESS, **change})
    assert response.status_code == 422
    assert fields(response) == bad
    quote = client.post(
        "/api/v1/checkout/quote",
        json={"items": [{"sku_id": sku["id"], "qty": 1}], "address": {**ADDRESS, **change}},
        headers=demo_headers,
    )
    assert quote.status_code == 422 and fields(quote) == bad
    assert (order_count(app_ctx), stock_of(app_ctx, sku["id"])) == before


def test_an_inline_address_and_an_address_id_together_are_422(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = sku_between(app_ctx, 1000, 5000)
    response = place(
        client, demo_headers, [(sku["id"], 1)], address=ADDRESS, address_id=DEMO_ADDRESS_ID
    )
    assert response.status_code == 422 and "address" in fields(response)


def test_an_account_cannot_pay_with_a_card_given_inline(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = sku_between(app_ctx, 1000, 5000)
    order = placed(client, demo_headers, [(sku["id"], 1)])
    response = pay(client, demo_headers, order["id"], "bank_card", card=CARD)
    assert response.status_code == 422 and "card" in fields(response)


# --- looking an order up, and adoption -----------------------------------------------------


def lookup(client: TestClient, order_no: str, phone: str, code: str) -> Any:
    return client.get(
        "/api/v1/orders/lookup", params={"order_no": order_no, "phone": phone, "code": code}
    )


def test_a_guest_order_is_found_by_number_phone_and_a_fresh_code(
    client: TestClient, app_ctx: Ctx
) -> None:
    order = guest_order(client, app_ctx, guest_login(client))
    app_ctx.clock.advance(61)
    code = request_code(client, GUEST_PHONE, "guest")
    found = lookup(client, order["order_no"], GUEST_PHONE, code)
    assert found.status_code == 200, found.text
    assert found.json()["id"] == order["id"]
    spent = lookup(client, order["order_no"], GUEST_PHONE, code)
    assert spent.status_code == 422 and fields(spent) == {"code": "wrong_code"}


def test_a_lookup_with_another_phone_or_an_account_s_order_is_404(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order = guest_order(client, app_ctx, guest_login(client))
    other_phone = "13698765432"
    code = request_code(client, other_phone, "guest")
    assert lookup(client, order["order_no"], other_phone, code).status_code == 404
    sku = sku_between(app_ctx, 1000, 5000)
    account_order = placed(client, demo_headers, [(sku["id"], 1)])
    app_ctx.clock.advance(61)
    code = request_code(client, DEMO_PHONE, "guest")
    assert lookup(client, account_order["order_no"], DEMO_PHONE, code).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order_no": "KS1", "phone": "123", "code": "123456"}, "phone"),
        ({"order_no": "KS1", "phone": GUEST_PHONE, "code": "12"}, "code"),
    ],
)
def test_a_malformed_lookup_is_422(client: TestClient, params: dict[str, str], field: str) -> None:
    response = client.get("/api/v1/orders/lookup", params=params)
    assert response.status_code == 422 and field in fields(response)


def test_a_lookup_with_a_wrong_code_counts_an_attempt(client: TestClient, app_ctx: Ctx) -> None:
    order = guest_order(client, app_ctx, guest_login(client))
    app_ctx.clock.advance(61)
    code = request_code(client, GUEST_PHONE, "guest")
    wrong = lookup(client, order["order_no"], GUEST_PHONE, other_code(code))
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"]["attempts_left"] == 4


def test_registering_the_phone_adopts_the_guest_orders(client: TestClient, app_ctx: Ctx) -> None:
    guest_headers = guest_login(client)
    order = guest_order(client, app_ctx, guest_headers)
    app_ctx.clock.advance(61)
    code = request_code(client, GUEST_PHONE, "register")
    registered = client.post(
        "/api/v1/auth/register",
        json={"phone": GUEST_PHONE, "code": code, "password": "Guest2026x"},
    )
    assert registered.status_code == 201, registered.text
    account = bearer(registered)
    listed = client.get("/api/v1/orders", headers=account).json()["items"]
    assert [row["id"] for row in listed] == [order["id"]]
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=account).json()
    assert "change_address" in shown["actions"]
    # The guest session is over: its orders are the account's now.
    assert client.get("/api/v1/orders", headers=guest_headers).status_code == 401


def test_an_account_s_login_adopts_guest_orders_placed_with_its_phone(
    client: TestClient, app_ctx: Ctx, make_user: MakeUser
) -> None:
    phone = "13566667777"
    user_id, _ = make_user(phone)
    order = guest_order(client, app_ctx, guest_login(client, phone))
    login = client.post("/api/v1/auth/login", json={"phone": phone, "password": "pass1234"})
    assert login.status_code == 200, login.text
    owner = app_ctx.db.scalar("SELECT user_id FROM orders WHERE id = ?", (order["id"],))
    assert owner == user_id


# --- idempotency of a guest's order --------------------------------------------------------


def test_a_guest_order_retried_with_its_key_is_placed_once(
    client: TestClient, app_ctx: Ctx
) -> None:
    headers = guest_login(client)
    sku = sku_between(app_ctx, 1000, 5000)
    key = str(uuid.uuid4())
    body = {"payment_method": "wechat_pay", "address": ADDRESS}
    first = place(client, headers, [(sku["id"], 1)], key=key, **body)
    again = place(client, headers, [(sku["id"], 1)], key=key, **body)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == again.json()["id"]
