"""POST /checkout/quote over HTTP: sources, address, coupon, problems and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from tests.backend.conftest import error_code

Headers = dict[str, str]
MakeUser = Callable[..., tuple[int, Headers]]
QUOTE = "/api/v1/checkout/quote"
DEMO_COUPON_ID = 1  # 满199减20


def priced_skus(ctx: Ctx, *prices: int, stock: int = 50) -> list[int]:
    """In-stock SKUs (of one ordinary brand) at the given prices."""
    ids = [
        row["id"]
        for row in ctx.db.all(
            "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
            " WHERE p.brand = '优衣库' ORDER BY s.id LIMIT ?",
            (len(prices),),
        )
    ]
    with ctx.db.tx():
        for sku_id, price in zip(ids, prices, strict=True):
            ctx.db.execute(
                "UPDATE skus SET price_fen = ?, stock = ? WHERE id = ?", (price, stock, sku_id)
            )
    return ids


def field_codes(response: Any) -> dict[str, str]:
    fields = response.json()["error"]["details"]["fields"]
    return {name: value["code"] for name, value in fields.items()}


def add_to_cart(client: TestClient, headers: Headers, sku_id: int, qty: int) -> int:
    body = client.post(
        "/api/v1/cart/items", json={"sku_id": sku_id, "qty": qty}, headers=headers
    ).json()
    item_id: int = next(item["id"] for item in body["items"] if item["sku_id"] == sku_id)
    return item_id


def test_quote_needs_login(client: TestClient) -> None:
    response = client.post(QUOTE, json={"items": [{"sku_id": 1, "qty": 1}]})
    assert response.status_code == 401


def test_quote_of_items_with_its_whole_shape(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    first, second = priced_skus(app_ctx, 12900, 7050)
    response = client.post(
        QUOTE,
        json={"items": [{"sku_id": first, "qty": 1}, {"sku_id": second, "qty": 1}]},
        headers=demo_headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "lines", "subtotal_fen", "shipping_fen", "discount_fen", "total_fen",
        "estimated_delivery", "address_id", "coupon_id", "best_coupon_id", "coupons",
        "shipping_rule", "problems", "kind",
    }  # fmt: skip
    assert body["subtotal_fen"] == 19950 and body["total_fen"] == 19950
    assert body["best_coupon_id"] == DEMO_COUPON_ID and body["coupon_id"] is None
    line = body["lines"][0]
    assert line["sku_id"] == first and line["qty"] == 1 and line["price_fen"] == 12900
    assert line["line_total_fen"] == 12900 and line["available"] is True and line["stock"] == 50
    assert line["image"].startswith("/api/v1/images/") and isinstance(line["specs"], dict)
    assert body["coupons"] == [
        {
            "id": DEMO_COUPON_ID,
            "title": "满199减20",
            "threshold_fen": 19900,
            "discount_fen": 2000,
            "brand": None,
            "expires_at": body["coupons"][0]["expires_at"],
            "usable": True,
            "reason": None,
        }
    ]
    with_coupon = client.post(
        QUOTE,
        json={"items": [{"sku_id": first, "qty": 1}, {"sku_id": second, "qty": 1}],
              "coupon_id": DEMO_COUPON_ID},
        headers=demo_headers,
    ).json()  # fmt: skip
    assert with_coupon["discount_fen"] == 2000 and with_coupon["total_fen"] == 17950
    assert with_coupon["coupon_id"] == DEMO_COUPON_ID
    assert sum(line["discount_share_fen"] for line in with_coupon["lines"]) == 2000


def test_quote_from_cart_uses_only_selected_lines_and_flags_price_changes(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    first, second, third = priced_skus(app_ctx, 1000, 2000, 3000)
    add_to_cart(client, demo_headers, first, 1)
    add_to_cart(client, demo_headers, second, 2)
    third_item = add_to_cart(client, demo_headers, third, 3)
    client.patch(f"/api/v1/cart/items/{third_item}", json={"selected": False}, headers=demo_headers)
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE skus SET price_fen = 2100 WHERE id = ?", (second,))
    body = client.post(QUOTE, json={"from_cart": True}, headers=demo_headers).json()
    assert {line["sku_id"]: line["qty"] for line in body["lines"]} == {first: 1, second: 2}
    assert body["subtotal_fen"] == 1000 + 4200
    assert body["shipping_fen"] == 600 and body["total_fen"] == 5800
    assert [(p["sku_id"], p["code"]) for p in body["problems"]] == [(second, "price_changed")]
    assert body["problems"][0]["message"].endswith("加入购物车时 ¥20.00，现价 ¥21.00")


def test_quote_from_an_empty_selection_is_422_on_from_cart(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    empty = client.post(QUOTE, json={"from_cart": True}, headers=demo_headers)
    assert empty.status_code == 422 and field_codes(empty) == {"from_cart": "cart_empty"}
    (sku_id,) = priced_skus(app_ctx, 500)
    add_to_cart(client, demo_headers, sku_id, 1)
    client.put("/api/v1/cart/selection", json={"selected": False}, headers=demo_headers)
    deselected = client.post(QUOTE, json={"from_cart": True}, headers=demo_headers)
    assert deselected.status_code == 422 and field_codes(deselected) == {"from_cart": "cart_empty"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"from_cart": False},
        {"items": [{"sku_id": 1, "qty": 1}], "from_cart": True},
        {"address_id": 1},
    ],
)
def test_exactly_one_source(
    client: TestClient, demo_headers: Headers, body: dict[str, Any]
) -> None:
    response = client.post(QUOTE, json=body, headers=demo_headers)
    assert response.status_code == 422 and field_codes(response) == {"items": "exactly_one_of"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"items": []}, {"items": "too_few"}),
        ({"items": [{"sku_id": 1, "qty": 0}]}, {"items.0.qty": "bad_quantity"}),
        ({"items": [{"sku_id": 1, "qty": -1}]}, {"items.0.qty": "bad_quantity"}),
        ({"items": [{"sku_id": 1, "qty": 1}, {"sku_id": 2, "qty": 100}]},
         {"items.1.qty": "bad_quantity"}),
        ({"items": [{"sku_id": 1, "qty": 10**30}]}, {"items.0.qty": "bad_quantity"}),
        ({"items": [{"sku_id": 1, "qty": "abc"}]}, {"items.0.qty": "bad_quantity"}),
        ({"items": [{"sku_id": 1, "qty": 1, "price_fen": 1}]},
         {"items.0.price_fen": "unknown_field"}),
        ({"items": [{"sku_id": 1, "qty": 1}], "total_fen": 1}, {"total_fen": "unknown_field"}),
        ({"items": [{"sku_id": 1, "qty": 1}] * 2}, {"items": "duplicate_sku"}),
        ({"items": [{"sku_id": n, "qty": 1} for n in range(1, 102)]}, {"items": "too_many"}),
        ({"items": [{"sku_id": 1, "qty": 1}], "coupon_id": 0}, {"coupon_id": "too_small"}),
        ({"items": [{"sku_id": 1, "qty": 1}], "address_id": 10**30}, {"address_id": "too_large"}),
        ({"items": "all"}, {"items": "not_list"}),
    ],
)  # fmt: skip
def test_bad_quote_bodies(
    client: TestClient, demo_headers: Headers, body: dict[str, Any], expected: dict[str, str]
) -> None:
    response = client.post(QUOTE, json=body, headers=demo_headers)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert field_codes(response) == expected


def test_unknown_sku_and_others_address_are_404(
    client: TestClient, demo_headers: Headers, make_user: MakeUser
) -> None:
    unknown = client.post(
        QUOTE, json={"items": [{"sku_id": 10**9, "qty": 1}]}, headers=demo_headers
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["details"] == {"resource": "sku"}
    _, other = make_user()
    theirs = client.post(
        "/api/v1/addresses",
        json={"name": "赵六", "phone": "13912345678", "province": "上海市", "city": "上海市",
              "district": "黄浦区", "detail": "南京东路1号"},
        headers=other,
    ).json()  # fmt: skip
    response = client.post(
        QUOTE,
        json={"items": [{"sku_id": 1, "qty": 1}], "address_id": theirs["id"]},
        headers=demo_headers,
    )
    assert response.status_code == 404 and response.json()["error"]["details"] == {
        "resource": "address"
    }


def test_unusable_coupon_is_422_coupon_not_applicable_on_coupon_id(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = priced_skus(app_ctx, 19899)
    response = client.post(
        QUOTE,
        json={"items": [{"sku_id": sku_id, "qty": 1}], "coupon_id": DEMO_COUPON_ID},
        headers={**demo_headers, "Accept-Language": "en-GB"},
    )
    assert response.status_code == 422 and error_code(response) == "COUPON_NOT_APPLICABLE"
    error = response.json()["error"]
    assert error["message"] == "Coupon not usable: usable over ¥199.00; ¥0.01 more needed"
    assert error["details"]["fields"]["coupon_id"]["code"] == "coupon_below_threshold"
    assert error["details"]["reason"] == "coupon_below_threshold"


def test_a_user_without_addresses_gets_the_default_template(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    _, headers = make_user()
    (sku_id,) = priced_skus(app_ctx, 5000)
    body = client.post(
        QUOTE, json={"items": [{"sku_id": sku_id, "qty": 1}]}, headers=headers
    ).json()
    assert body["address_id"] is None and body["coupons"] == []
    assert body["shipping_rule"] == {"province": "*", "base_fen": 800, "free_over_fen": 9900}
    assert body["shipping_fen"] == 800 and body["total_fen"] == 5800


def test_sold_out_lines_are_quoted_with_a_problem(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = priced_skus(app_ctx, 5000, stock=0)
    response = client.post(
        QUOTE,
        json={"items": [{"sku_id": sku_id, "qty": 2}]},
        headers={**demo_headers, "Accept-Language": "en"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["lines"][0]["available"] is False
    assert body["problems"][0]["code"] == "sold_out"
    assert body["problems"][0]["message"].endswith(" is sold out")
