"""Subscriptions (周期购, docs/api.md §7.8): the backend clock places and pays one order a
period; a refused placement is retried a day apart three times, then the period is
skipped; a period is never placed twice; pause, resume, skip, edit and cancel only where
the state allows; bad input refused with nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.schemas import subscriptions as schemas
from fake_backend.services import sessions, subscriptions
from tests.backend.conftest import error_code
from tests.backend.shapes import assert_shape, same_fields
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
DAY = 86400
TODAY = "2026-11-24"  # the frozen start is 10:00 in China
Headers = dict[str, str]
MakeUser = Callable[..., tuple[int, Headers]]


@pytest.fixture
def demo_headers(app_ctx: Ctx) -> Headers:
    """A login that outlives the months these tests advance the clock by."""
    token, _ = sessions.issue(app_ctx, DEMO_USER_ID, lifetime=400 * DAY)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sku(app_ctx: Ctx) -> int:
    sku_id: int = app_ctx.db.scalar(
        "SELECT id FROM skus WHERE stock >= 50 AND price_fen BETWEEN 1000 AND 10000"
        " ORDER BY id LIMIT 1"
    )
    return sku_id


@pytest.fixture
def address(app_ctx: Ctx) -> int:
    address_id: int = app_ctx.db.scalar(
        "SELECT id FROM addresses WHERE user_id = ? ORDER BY id LIMIT 1", (DEMO_USER_ID,)
    )
    return address_id


def body(sku: int, address: int, **changes: Any) -> dict[str, Any]:
    return {
        "sku_id": sku,
        "qty": 2,
        "address_id": address,
        "payment_method": "balance",
        "every": "week",
        "starts_on": TODAY,
        "payment_password": "123456",
        **changes,
    }


def subscribe(client: TestClient, headers: Headers, sent: dict[str, Any], key: str = "k1") -> Any:
    response = client.post(
        f"{API}/subscriptions", json=sent, headers={**headers, "Idempotency-Key": key}
    )
    return response


def made(client: TestClient, headers: Headers, sku: int, address: int, **changes: Any) -> Any:
    response = subscribe(client, headers, body(sku, address, **changes), key=str(changes))
    assert response.status_code == 201, response.text
    return response.json()


def advance(client: TestClient, seconds: int) -> None:
    assert client.post("/_dev/clock/advance", json={"seconds": seconds}).status_code == 200


def show(client: TestClient, headers: Headers, subscription_id: int) -> Any:
    response = client.get(f"{API}/subscriptions/{subscription_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def orders_of(ctx: Ctx, subscription_id: int) -> list[Any]:
    return ctx.db.all(
        "SELECT o.id, o.status, o.total_fen, p.period_on FROM subscription_periods p"
        " JOIN orders o ON o.id = p.order_id WHERE p.subscription_id = ? ORDER BY p.period_on",
        (subscription_id,),
    )


def balance(ctx: Ctx, user_id: int = DEMO_USER_ID) -> int:
    value: int = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (user_id,))
    return value


def set_stock(ctx: Ctx, sku: int, stock: int) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku))


def test_made_with_the_payment_password_and_placed_when_its_day_begins(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    before = balance(app_ctx)
    sub = made(client, demo_headers, sku, address)
    assert sub["status"] == "active" and sub["next_on"] == TODAY
    assert sub["actions"] == ["pause", "skip_next", "edit", "cancel"]
    assert sub["history"] == [] and sub["last_outcome"] is None
    assert orders_of(app_ctx, sub["id"]) == []  # the clock places it, not the request
    advance(client, 1)
    [order] = orders_of(app_ctx, sub["id"])
    assert order["status"] == "awaiting_shipment" and order["period_on"] == TODAY
    assert balance(app_ctx) == before - order["total_fen"]
    shown = show(client, demo_headers, sub["id"])
    assert shown["next_on"] == "2026-12-01"
    assert shown["last_outcome"]["status"] == "placed"
    assert shown["last_outcome"]["order_id"] == order["id"]
    detail = client.get(f"{API}/orders/{order['id']}", headers=demo_headers).json()
    assert detail["remark"] == f"周期购 #{sub['id']} {TODAY}"


def test_three_periods_one_sold_out_retried_then_skipped(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    sub = made(client, demo_headers, sku, address)
    advance(client, 1)  # period 1: placed
    set_stock(app_ctx, sku, 0)
    advance(client, 7 * DAY)  # period 2: sold out
    failing = show(client, demo_headers, sub["id"])["last_outcome"]
    assert failing["status"] == "failing" and failing["error_code"] == "OUT_OF_STOCK"
    assert failing["attempts"] == 1
    for retry in (2, 3):
        advance(client, DAY)  # tried again a day later
        assert show(client, demo_headers, sub["id"])["last_outcome"]["attempts"] == retry
    advance(client, DAY)  # the third retry fails too: skipped
    shown = show(client, demo_headers, sub["id"])
    assert shown["last_outcome"]["status"] == "skipped"
    assert shown["last_outcome"]["attempts"] == 4 and shown["next_on"] == "2026-12-08"
    set_stock(app_ctx, sku, 50)
    advance(client, 4 * DAY)  # period 3
    shown = show(client, demo_headers, sub["id"])
    assert [(p["period_on"], p["status"]) for p in shown["history"]] == [
        ("2026-12-08", "placed"),
        ("2026-12-01", "skipped"),
        ("2026-11-24", "placed"),
    ]
    assert [order["period_on"] for order in orders_of(app_ctx, sub["id"])] == [
        "2026-11-24",
        "2026-12-08",
    ]


def test_a_retry_succeeds_once_the_money_is_there(
    client: TestClient, app_ctx: Ctx, make_user: MakeUser, sku: int
) -> None:
    user_id, headers = make_user(balance_fen=100, payment_password="123456")
    address = client.post(
        f"{API}/addresses",
        json={
            "name": "李四",
            "phone": "13912345678",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "detail": "文三路100号",
            "is_default": True,
        },
        headers=headers,
    ).json()["id"]
    sub = made(client, headers, sku, address, qty=1)
    advance(client, 1)
    failing = show(client, headers, sub["id"])["last_outcome"]
    assert failing["error_code"] == "INSUFFICIENT_FUNDS" and failing["status"] == "failing"
    assert "Insufficient" not in (failing["error_message"] or "")  # zh by default
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE users SET balance_fen = 1000000 WHERE id = ?", (user_id,))
    advance(client, DAY)
    placed = show(client, headers, sub["id"])["last_outcome"]
    assert placed["status"] == "placed" and placed["attempts"] == 2
    assert len(orders_of(app_ctx, sub["id"])) == 1


def test_a_long_clock_jump_places_each_period_once(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    sub = made(client, demo_headers, sku, address, every="two_weeks")
    advance(client, 43 * DAY)  # 11-24, 12-08, 12-22, 01-05
    periods = [order["period_on"] for order in orders_of(app_ctx, sub["id"])]
    assert periods == ["2026-11-24", "2026-12-08", "2026-12-22", "2027-01-05"]
    subscriptions.place_due(app_ctx)  # again, at the same moment: nothing more
    assert len(orders_of(app_ctx, sub["id"])) == 4
    assert show(client, demo_headers, sub["id"])["next_on"] == "2027-01-19"


def test_monthly_periods_keep_their_day() -> None:
    assert subscriptions.following("2027-01-31", "month", "2027-01-31") == "2027-02-28"
    assert subscriptions.following("2027-02-28", "month", "2027-01-31") == "2027-03-31"
    assert subscriptions.following("2026-12-15", "month", "2026-12-15") == "2027-01-15"
    assert subscriptions.following("2026-12-15", "two_weeks", "2026-12-15") == "2026-12-29"


def test_pause_resume_skip_and_cancel_only_where_allowed(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    sub = made(client, demo_headers, sku, address, starts_on="2026-11-25")
    url = f"{API}/subscriptions/{sub['id']}"
    assert client.post(f"{url}/resume", headers=demo_headers).status_code == 409
    paused = client.post(f"{url}/pause", headers=demo_headers).json()
    assert paused["status"] == "paused" and paused["actions"] == [
        "resume",
        "skip_next",
        "edit",
        "cancel",
    ]
    again = client.post(f"{url}/pause", headers=demo_headers)
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"
    advance(client, 15 * DAY)  # two periods pass while paused: nothing placed
    assert orders_of(app_ctx, sub["id"]) == []
    resumed = client.post(f"{url}/resume", headers=demo_headers).json()
    # Today (12-09) is a period day: the next period is today's, not one made up for.
    assert resumed["status"] == "active" and resumed["next_on"] == "2026-12-09"
    skipped = client.post(f"{url}/skip-next", headers=demo_headers).json()
    assert skipped["next_on"] == "2026-12-16"
    assert skipped["history"][0] == {**skipped["history"][0], "status": "skipped"}
    cancelled = client.delete(url, headers=demo_headers).json()
    assert cancelled["status"] == "cancelled" and cancelled["actions"] == []
    assert cancelled["next_on"] is None
    for method, path in (
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("POST", "/skip-next"),
        ("DELETE", ""),
    ):
        refused = client.request(method, f"{url}{path}", headers=demo_headers)
        assert refused.status_code == 409, (method, path)
    refused = client.put(url, json={"qty": 1}, headers=demo_headers)
    assert refused.status_code == 409
    advance(client, 30 * DAY)
    assert orders_of(app_ctx, sub["id"]) == []
    listed = client.get(f"{API}/subscriptions", headers=demo_headers).json()["items"]
    assert [item["status"] for item in listed] == ["cancelled"]


def test_an_edit_applies_from_the_next_placement(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    sub = made(client, demo_headers, sku, address)
    advance(client, 1)
    url = f"{API}/subscriptions/{sub['id']}"
    edited = client.put(url, json={"qty": 3, "every": "month"}, headers=demo_headers)
    assert edited.status_code == 200 and edited.json()["qty"] == 3
    no_password = client.put(url, json={"payment_method": "bank_card"}, headers=demo_headers)
    assert no_password.status_code == 422
    wrong = client.put(
        url,
        json={"payment_method": "bank_card", "payment_password": "000000"},
        headers=demo_headers,
    )
    assert wrong.status_code == 403 and error_code(wrong) == "WRONG_PAYMENT_PASSWORD"
    by_card = client.put(
        url,
        json={"payment_method": "bank_card", "payment_password": "123456"},
        headers=demo_headers,
    ).json()
    assert by_card["payment_method"] == "bank_card" and by_card["bank_card_id"] is not None
    assert client.put(url, json={}, headers=demo_headers).status_code == 422
    advance(client, 7 * DAY)  # monthly now: the next period is still 12-01 (then 01-01)
    qty = app_ctx.db.all(
        "SELECT i.qty FROM order_items i JOIN subscription_periods p ON p.order_id = i.order_id"
        " WHERE p.subscription_id = ? ORDER BY p.period_on",
        (sub["id"],),
    )
    assert [row["qty"] for row in qty] == [2, 3]
    assert show(client, demo_headers, sub["id"])["next_on"] == "2027-01-01"


def test_the_same_key_makes_one_subscription(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    first = subscribe(client, demo_headers, body(sku, address), key="same")
    second = subscribe(client, demo_headers, body(sku, address), key="same")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM subscriptions") == 1


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        pytest.param({"starts_on": "2026-11-23"}, 422, "VALIDATION_ERROR", "starts_on", id="past"),
        pytest.param({"starts_on": "2026-02-30"}, 422, "VALIDATION_ERROR", "starts_on", id="day"),
        pytest.param({"starts_on": "24/11/2026"}, 422, "VALIDATION_ERROR", "starts_on", id="shape"),
        pytest.param({"starts_on": "2028-01-01"}, 422, "VALIDATION_ERROR", "starts_on", id="far"),
        pytest.param({"qty": 0}, 422, "VALIDATION_ERROR", "qty", id="no-qty"),
        pytest.param({"qty": 100}, 422, "VALIDATION_ERROR", "qty", id="big-qty"),
        pytest.param({"every": "day"}, 422, "VALIDATION_ERROR", "every", id="period"),
        pytest.param({"payment_method": "alipay"}, 422, "VALIDATION_ERROR", "payment_method",
                     id="qr-method"),
        pytest.param({"payment_password": None}, 422, "VALIDATION_ERROR", "payment_password",
                     id="no-password"),
        pytest.param({"payment_password": "000000"}, 403, "WRONG_PAYMENT_PASSWORD", None,
                     id="wrong-password"),
        pytest.param({"sku_id": 99999999}, 404, "NOT_FOUND", None, id="unknown-sku"),
        pytest.param({"address_id": 99999999}, 404, "NOT_FOUND", None, id="unknown-address"),
        pytest.param({"payment_method": "bnpl"}, 409, "BNPL_NOT_ENABLED", None, id="no-bnpl"),
        pytest.param({"bank_card_id": 1}, 422, "VALIDATION_ERROR", "bank_card_id",
                     id="card-without-card-method"),
        pytest.param({"extra": 1}, 422, "VALIDATION_ERROR", "extra", id="unknown-field"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_changes_nothing(
    client: TestClient,
    demo_headers: Headers,
    app_ctx: Ctx,
    sku: int,
    address: int,
    changes: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
) -> None:
    response = subscribe(client, demo_headers, body(sku, address, **changes))
    assert response.status_code == status, response.text
    assert error_code(response) == code
    if field is not None:
        assert field in response.json()["error"]["details"]["fields"]
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM subscriptions") == 0


def test_more_than_the_stock_and_other_users_things_are_refused(
    client: TestClient,
    demo_headers: Headers,
    app_ctx: Ctx,
    make_user: MakeUser,
    sku: int,
    address: int,
) -> None:
    set_stock(app_ctx, sku, 3)
    beyond = subscribe(client, demo_headers, body(sku, address, qty=4))
    assert beyond.status_code == 409 and error_code(beyond) == "OUT_OF_STOCK"
    _, other = make_user(payment_password="123456")
    theirs = subscribe(client, other, body(sku, address))  # the demo user's address
    assert theirs.status_code == 404
    mine = made(client, demo_headers, sku, address)
    for method, path in (("GET", ""), ("POST", "/pause"), ("DELETE", "")):
        refused = client.request(method, f"{API}/subscriptions/{mine['id']}{path}", headers=other)
        assert refused.status_code == 404
    assert client.get(f"{API}/subscriptions", headers=other).json()["items"] == []
    assert show(client, demo_headers, mine["id"])["status"] == "active"


@pytest.mark.parametrize(
    ("shape", "model"),
    [
        (subscriptions.PeriodView, schemas.Period),
        (subscriptions.SubscriptionView, schemas.Subscription),
        (subscriptions.SubscriptionDetail, schemas.SubscriptionDetail),
        (subscriptions.SubscriptionList, schemas.SubscriptionList),
    ],
    ids=lambda item: item.__name__,
)
def test_each_answer_type_names_the_fields_of_its_response_model(
    shape: Any, model: type[BaseModel]
) -> None:
    same_fields(shape, model)


def test_what_the_service_answers_has_exactly_those_keys(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, sku: int, address: int
) -> None:
    sub = made(client, demo_headers, sku, address)
    advance(client, 1)
    detail = subscriptions.detail(app_ctx, DEMO_USER_ID, sub["id"], "en")
    assert_shape(detail, subscriptions.SubscriptionDetail)
    listed = subscriptions.list_subscriptions(app_ctx, DEMO_USER_ID, "en")
    assert_shape(listed, subscriptions.SubscriptionList)
