"""POST /checkout/quote with `order_id`: the price of a change to an unpaid order, on the
same basis as `PUT /orders/{id}/items` (the coupon and the stock the order holds count as
the user's again; its address by default), read-only, and only for the user's unpaid
orders."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from tests.backend.conftest import error_code
from tests.backend.test_orders import (
    DEMO_COUPON_ID,
    MakeUser,
    coupon_state,
    pay,
    placed,
    set_stock,
    sku_between,
    stock_of,
)
from tests.conftest import DEMO_USER_ID

QUOTE = "/api/v1/checkout/quote"
Headers = dict[str, str]


def quote(client: TestClient, headers: Headers, lines: list[tuple[int, int]], **fields: Any) -> Any:
    body = {"items": [{"sku_id": sku_id, "qty": qty} for sku_id, qty in lines], **fields}
    return client.post(QUOTE, json=body, headers={**headers, "Accept-Language": "en"})


def change_items(
    client: TestClient, headers: Headers, order_id: int, lines: list[tuple[int, int]]
) -> Any:
    body = {"items": [{"sku_id": sku_id, "qty": qty} for sku_id, qty in lines]}
    return client.put(f"/api/v1/orders/{order_id}/items", json=body, headers=headers)


def test_the_orders_own_coupon_is_in_use_without_order_id_and_applies_with_it(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    big = sku_between(app_ctx, 20000, 30000)
    order = placed(client, demo_headers, [(big["id"], 1)], coupon_id=DEMO_COUPON_ID)
    new_lines = [(big["id"], 2)]

    plain = quote(client, demo_headers, new_lines, coupon_id=DEMO_COUPON_ID)
    assert plain.status_code == 422 and error_code(plain) == "COUPON_NOT_APPLICABLE"
    assert plain.json()["error"]["details"]["reason"] == "coupon_used"

    for_order = quote(
        client, demo_headers, new_lines, coupon_id=DEMO_COUPON_ID, order_id=order["id"]
    )
    assert for_order.status_code == 200, for_order.text
    quoted = for_order.json()
    assert quoted["coupon_id"] == DEMO_COUPON_ID and quoted["discount_fen"] == 2000
    own = next(coupon for coupon in quoted["coupons"] if coupon["id"] == DEMO_COUPON_ID)
    assert own["usable"] is True and quoted["best_coupon_id"] == DEMO_COUPON_ID
    # Read-only: the order still holds its coupon and its stock.
    assert coupon_state(app_ctx) == ("used", order["id"])
    assert stock_of(app_ctx, big["id"])[0] == big["stock"] - 1

    saved = change_items(client, demo_headers, order["id"], new_lines).json()
    assert saved["total_fen"] == quoted["total_fen"]
    assert saved["discount_fen"] == quoted["discount_fen"]
    assert saved["shipping_fen"] == quoted["shipping_fen"]


def test_a_change_below_the_threshold_says_why_the_coupon_would_go(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    big = sku_between(app_ctx, 20000, 30000)
    small = sku_between(app_ctx, 3000, 5000, skip_products=(big["product_id"],))
    order = placed(client, demo_headers, [(big["id"], 1)], coupon_id=DEMO_COUPON_ID)
    lines = [(small["id"], 1)]

    refused = quote(client, demo_headers, lines, coupon_id=DEMO_COUPON_ID, order_id=order["id"])
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["reason"] == "coupon_below_threshold"

    without = quote(client, demo_headers, lines, order_id=order["id"]).json()
    own = next(coupon for coupon in without["coupons"] if coupon["id"] == DEMO_COUPON_ID)
    assert own["usable"] is False and "199" in own["reason"]
    saved = change_items(client, demo_headers, order["id"], lines).json()
    assert saved["coupon"] is None and saved["total_fen"] == without["total_fen"]


def test_the_stock_the_order_holds_counts_as_available(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    set_stock(app_ctx, sku["id"], 3)
    order = placed(client, demo_headers, [(sku["id"], 3)])
    assert stock_of(app_ctx, sku["id"])[0] == 0

    plain = quote(client, demo_headers, [(sku["id"], 3)]).json()
    assert [problem["code"] for problem in plain["problems"]] == ["sold_out"]

    same = quote(client, demo_headers, [(sku["id"], 3)], order_id=order["id"]).json()
    assert same["problems"] == [] and same["lines"][0]["available"] is True
    assert same["lines"][0]["stock"] == 3

    more = quote(client, demo_headers, [(sku["id"], 4)], order_id=order["id"]).json()
    assert more["lines"][0]["available"] is False
    assert [problem["message"] for problem in more["problems"]] == [
        f"Only 3 left of {more['lines'][0]['name']}"
    ]


def test_the_orders_address_is_quoted_by_default(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    with app_ctx.db.tx():
        far_id = app_ctx.db.insert(
            "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
            " created_at) VALUES (?, '张三', '13800138000', '西藏自治区', '拉萨市', '城关区',"
            " '北京中路 1 号', ?)",
            (DEMO_USER_ID, app_ctx.now()),
        )
    order = placed(client, demo_headers, [(sku["id"], 1)], address_id=far_id)
    quoted = quote(client, demo_headers, [(sku["id"], 1)], order_id=order["id"]).json()
    assert quoted["address_id"] == far_id
    assert quoted["shipping_rule"]["province"] == "西藏自治区"
    assert quoted["shipping_fen"] == order["shipping_fen"]


def test_only_the_users_own_unpaid_orders_can_be_quoted_for(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, make_user: MakeUser
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    order = placed(client, demo_headers, [(sku["id"], 1)])
    _, stranger = make_user()
    lines = [(sku["id"], 1)]
    assert quote(client, stranger, lines, order_id=order["id"]).status_code == 404
    assert quote(client, demo_headers, lines, order_id=10**6).status_code == 404
    assert pay(client, demo_headers, order["id"]).status_code == 201
    paid = quote(client, demo_headers, lines, order_id=order["id"])
    assert paid.status_code == 409 and error_code(paid) == "INVALID_STATE"
    assert quote(client, demo_headers, lines, order_id=0).status_code == 422
