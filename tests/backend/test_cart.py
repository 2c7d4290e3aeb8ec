"""The cart over HTTP, plus the service functions order creation uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.services import cart
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

Headers = dict[str, str]
MakeUser = Callable[..., tuple[int, Headers]]


def in_stock_skus(ctx: Ctx, count: int, stock: int = 50) -> list[int]:
    """`count` SKUs with `stock` units each."""
    ids = [row["id"] for row in ctx.db.all("SELECT id FROM skus ORDER BY id LIMIT ?", (count,))]
    with ctx.db.tx():
        for sku_id in ids:
            ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku_id))
    return ids


def sku_price(ctx: Ctx, sku_id: int) -> int:
    price: int = ctx.db.scalar("SELECT price_fen FROM skus WHERE id = ?", (sku_id,))
    return price


def add(client: TestClient, headers: Headers, sku_id: int, qty: int = 1) -> Any:
    return client.post("/api/v1/cart/items", json={"sku_id": sku_id, "qty": qty}, headers=headers)


def field_codes(response: Any) -> dict[str, str]:
    fields = response.json()["error"]["details"]["fields"]
    return {name: value["code"] for name, value in fields.items()}


def cart_rows(ctx: Ctx, user_id: int = DEMO_USER_ID) -> list[tuple[int, int, int]]:
    return [
        (row["sku_id"], row["qty"], row["selected"])
        for row in ctx.db.all(
            "SELECT sku_id, qty, selected FROM cart_items WHERE user_id = ? ORDER BY id", (user_id,)
        )
    ]


def test_cart_needs_login(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/cart"),
        client.post("/api/v1/cart/items", json={"sku_id": 1, "qty": 1}),
        client.patch("/api/v1/cart/items/1", json={"qty": 1}),
        client.delete("/api/v1/cart/items/1"),
        client.put("/api/v1/cart/selection", json={"selected": True}),
    ):
        assert response.status_code == 401 and error_code(response) == "UNAUTHENTICATED"


def test_empty_cart(client: TestClient, demo_headers: Headers) -> None:
    response = client.get("/api/v1/cart", headers=demo_headers)
    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "count": 0,
        "selected_count": 0,
        "selected_subtotal_fen": 0,
    }


def test_add_answers_201_and_the_whole_cart(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    first, second = in_stock_skus(app_ctx, 2)
    add(client, demo_headers, first, 2)
    response = add(client, demo_headers, second, 3)
    assert response.status_code == 201
    body = response.json()
    assert [item["sku_id"] for item in body["items"]] == [second, first]  # newest first
    line = body["items"][1]
    price = sku_price(app_ctx, first)
    assert line["qty"] == 2 and line["selected"] is True
    assert line["price_fen"] == line["added_price_fen"] == price
    assert line["line_total_fen"] == 2 * price
    assert line["price_changed"] is False and line["available"] is True
    assert line["stock"] == 50 and line["product_id"] >= 1 and line["name"]
    assert isinstance(line["specs"], dict) and line["image"].startswith("/api/v1/images/")
    assert body["count"] == body["selected_count"] == 5
    assert body["selected_subtotal_fen"] == 2 * price + 3 * sku_price(app_ctx, second)


def test_adding_a_sku_again_merges_into_its_line(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1)
    first = add(client, demo_headers, sku_id, 2).json()["items"][0]
    client.patch(
        f"/api/v1/cart/items/{first['id']}", json={"selected": False}, headers=demo_headers
    )
    body = add(client, demo_headers, sku_id, 5).json()
    assert len(body["items"]) == 1
    assert body["items"][0]["id"] == first["id"]
    assert body["items"][0]["qty"] == 7 and body["items"][0]["selected"] is True
    assert body["count"] == 7
    assert cart_rows(app_ctx) == [(sku_id, 7, 1)]


def test_merging_past_99_is_refused_and_changes_nothing(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1, stock=500)
    add(client, demo_headers, sku_id, 60)
    response = add(client, demo_headers, sku_id, 40)
    assert response.status_code == 422 and field_codes(response) == {"qty": "bad_quantity"}
    assert cart_rows(app_ctx) == [(sku_id, 60, 1)]
    assert add(client, demo_headers, sku_id, 39).json()["items"][0]["qty"] == 99


@pytest.mark.parametrize("qty", [0, -1, 100, 10**30, "abc", 2.5, True, None])
def test_bad_quantities_are_422_bad_quantity(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, qty: object
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1)
    response = client.post(
        "/api/v1/cart/items", json={"sku_id": sku_id, "qty": qty}, headers=demo_headers
    )
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert field_codes(response) == {"qty": "bad_quantity"}
    assert cart_rows(app_ctx) == []
    missing = client.post("/api/v1/cart/items", json={"sku_id": sku_id}, headers=demo_headers)
    assert missing.status_code == 422 and field_codes(missing) == {"qty": "required"}


@pytest.mark.parametrize("qty", [0, -1, 100, 10**30, "abc"])
def test_bad_quantities_in_patch(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, qty: object
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1)
    item_id = add(client, demo_headers, sku_id, 2).json()["items"][0]["id"]
    response = client.patch(
        f"/api/v1/cart/items/{item_id}", json={"qty": qty}, headers=demo_headers
    )
    assert response.status_code == 422 and field_codes(response) == {"qty": "bad_quantity"}
    assert cart_rows(app_ctx) == [(sku_id, 2, 1)]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"sku_id": 1, "qty": 1, "price_fen": 1}, "price_fen", "unknown_field"),
        ({"qty": 1}, "sku_id", "required"),
        ({"sku_id": 0, "qty": 1}, "sku_id", "too_small"),
        ({"sku_id": 10**30, "qty": 1}, "sku_id", "too_large"),
        ({"sku_id": "x" * 5000, "qty": 1}, "sku_id", "not_integer"),
    ],
)
def test_malformed_add_bodies(
    client: TestClient, demo_headers: Headers, body: dict[str, Any], field: str, code: str
) -> None:
    response = client.post("/api/v1/cart/items", json=body, headers=demo_headers)
    assert response.status_code == 422
    assert field_codes(response)[field] == code


def test_unknown_sku_is_404(client: TestClient, demo_headers: Headers) -> None:
    response = add(client, demo_headers, 10**9)
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert response.json()["error"]["details"] == {"resource": "sku"}


def test_more_than_stock_is_409_out_of_stock_with_what_is_available(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1, stock=3)
    response = add(client, demo_headers, sku_id, 4)
    assert response.status_code == 409 and error_code(response) == "OUT_OF_STOCK"
    assert response.json()["error"]["details"] == {"sku_id": sku_id, "available": 3}
    assert cart_rows(app_ctx) == []

    item_id = add(client, demo_headers, sku_id, 3).json()["items"][0]["id"]
    merged = add(client, demo_headers, sku_id, 1)
    assert merged.status_code == 409 and merged.json()["error"]["details"]["available"] == 3
    patched = client.patch(f"/api/v1/cart/items/{item_id}", json={"qty": 4}, headers=demo_headers)
    assert patched.status_code == 409
    english = add(client, {**demo_headers, "Accept-Language": "en"}, sku_id, 1)
    assert english.json()["error"]["message"].startswith("Not enough stock: only 3 left of ")
    assert cart_rows(app_ctx) == [(sku_id, 3, 1)]


def test_sold_out_sku_cannot_be_added(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1, stock=0)
    response = add(client, demo_headers, sku_id, 1)
    assert response.status_code == 409
    assert response.json()["error"]["details"]["available"] == 0


def test_patch_qty_and_selection(client: TestClient, demo_headers: Headers, app_ctx: Ctx) -> None:
    first, second = in_stock_skus(app_ctx, 2)
    add(client, demo_headers, first, 1)
    body = add(client, demo_headers, second, 2).json()
    ids = {item["sku_id"]: item["id"] for item in body["items"]}
    response = client.patch(
        f"/api/v1/cart/items/{ids[first]}", json={"qty": 4, "selected": False}, headers=demo_headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6 and body["selected_count"] == 2
    assert body["selected_subtotal_fen"] == 2 * sku_price(app_ctx, second)
    assert cart_rows(app_ctx) == [(first, 4, 0), (second, 2, 1)]

    only_qty = client.patch(
        f"/api/v1/cart/items/{ids[first]}", json={"qty": 1}, headers=demo_headers
    )
    assert only_qty.json()["count"] == 3
    assert cart_rows(app_ctx)[0] == (first, 1, 0)


def test_patch_needs_a_field_and_refuses_unknown_ones(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1)
    item_id = add(client, demo_headers, sku_id).json()["items"][0]["id"]
    empty = client.patch(f"/api/v1/cart/items/{item_id}", json={}, headers=demo_headers)
    assert empty.status_code == 422 and field_codes(empty) == {"body": "nothing_to_change"}
    extra = client.patch(
        f"/api/v1/cart/items/{item_id}", json={"qty": 2, "price_fen": 1}, headers=demo_headers
    )
    assert extra.status_code == 422 and field_codes(extra) == {"price_fen": "unknown_field"}
    bad_flag = client.patch(
        f"/api/v1/cart/items/{item_id}", json={"selected": "maybe"}, headers=demo_headers
    )
    assert bad_flag.status_code == 422
    assert cart_rows(app_ctx) == [(sku_id, 1, 1)]


def test_delete_item(client: TestClient, demo_headers: Headers, app_ctx: Ctx) -> None:
    first, second = in_stock_skus(app_ctx, 2)
    add(client, demo_headers, first)
    body = add(client, demo_headers, second, 2).json()
    item_id = next(item["id"] for item in body["items"] if item["sku_id"] == first)
    response = client.delete(f"/api/v1/cart/items/{item_id}", headers=demo_headers)
    assert response.status_code == 200
    assert [item["sku_id"] for item in response.json()["items"]] == [second]
    again = client.delete(f"/api/v1/cart/items/{item_id}", headers=demo_headers)
    assert again.status_code == 404 and again.json()["error"]["details"] == {
        "resource": "cart_item"
    }


@pytest.mark.parametrize(
    ("item_id", "reason"),
    [("0", "too_small"), ("-3", "too_small"), ("abc", "not_integer"), (str(10**30), "too_large")],
)
def test_bad_item_ids_are_422(
    client: TestClient, demo_headers: Headers, item_id: str, reason: str
) -> None:
    for response in (
        client.patch(f"/api/v1/cart/items/{item_id}", json={"qty": 1}, headers=demo_headers),
        client.delete(f"/api/v1/cart/items/{item_id}", headers=demo_headers),
    ):
        assert response.status_code == 422 and field_codes(response) == {"item_id": reason}


def test_another_users_item_is_404_and_untouched(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, make_user: MakeUser
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1)
    item_id = add(client, demo_headers, sku_id, 2).json()["items"][0]["id"]
    other_id, other = make_user()
    assert client.get("/api/v1/cart", headers=other).json()["items"] == []
    patched = client.patch(f"/api/v1/cart/items/{item_id}", json={"qty": 5}, headers=other)
    deleted = client.delete(f"/api/v1/cart/items/{item_id}", headers=other)
    assert patched.status_code == deleted.status_code == 404
    assert cart_rows(app_ctx) == [(sku_id, 2, 1)]
    client.put("/api/v1/cart/selection", json={"selected": False}, headers=other)
    assert cart_rows(app_ctx) == [(sku_id, 2, 1)]
    assert cart_rows(app_ctx, other_id) == []


def test_select_and_deselect_all(client: TestClient, demo_headers: Headers, app_ctx: Ctx) -> None:
    first, second = in_stock_skus(app_ctx, 2)
    add(client, demo_headers, first, 1)
    add(client, demo_headers, second, 2)
    off = client.put("/api/v1/cart/selection", json={"selected": False}, headers=demo_headers)
    assert off.status_code == 200
    assert off.json()["selected_count"] == 0 and off.json()["selected_subtotal_fen"] == 0
    assert [row[2] for row in cart_rows(app_ctx)] == [0, 0]
    on = client.put("/api/v1/cart/selection", json={"selected": True}, headers=demo_headers)
    assert on.json()["selected_count"] == 3
    bad = client.put("/api/v1/cart/selection", json={}, headers=demo_headers)
    assert bad.status_code == 422 and field_codes(bad) == {"selected": "required"}


def test_price_change_is_flagged_and_the_current_price_counts(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    (sku_id,) = in_stock_skus(app_ctx, 1)
    old_price = sku_price(app_ctx, sku_id)
    add(client, demo_headers, sku_id, 3)
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE skus SET price_fen = ? WHERE id = ?", (old_price + 1234, sku_id))
    line = client.get("/api/v1/cart", headers=demo_headers).json()["items"][0]
    assert line["price_changed"] is True
    assert line["added_price_fen"] == old_price
    assert line["price_fen"] == old_price + 1234
    assert line["line_total_fen"] == 3 * (old_price + 1234)
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE skus SET price_fen = ? WHERE id = ?", (old_price, sku_id))
    assert (
        client.get("/api/v1/cart", headers=demo_headers).json()["items"][0]["price_changed"]
        is False
    )


def test_lines_short_of_stock_show_unavailable(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    first, second = in_stock_skus(app_ctx, 2, stock=10)
    add(client, demo_headers, first, 5)
    add(client, demo_headers, second, 5)
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE skus SET stock = 0 WHERE id = ?", (first,))
        app_ctx.db.execute("UPDATE skus SET stock = 4 WHERE id = ?", (second,))
    items = {
        item["sku_id"]: item
        for item in client.get("/api/v1/cart", headers=demo_headers).json()["items"]
    }
    assert items[first]["available"] is False and items[first]["stock"] == 0
    assert items[second]["available"] is False and items[second]["stock"] == 4
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE skus SET stock = 5 WHERE id = ?", (second,))
    items = {
        item["sku_id"]: item
        for item in client.get("/api/v1/cart", headers=demo_headers).json()["items"]
    }
    assert items[second]["available"] is True


def test_at_most_100_lines(client: TestClient, demo_headers: Headers, app_ctx: Ctx) -> None:
    skus = in_stock_skus(app_ctx, 101)
    with app_ctx.db.tx():
        app_ctx.db.executemany(
            "INSERT INTO cart_items(user_id, sku_id, qty, added_price_fen, created_at)"
            " VALUES (?, ?, 1, 100, 0)",
            [(DEMO_USER_ID, sku_id) for sku_id in skus[:100]],
        )
    response = add(client, demo_headers, skus[100])
    assert response.status_code == 422 and field_codes(response) == {"cart": "too_many"}
    assert len(cart_rows(app_ctx)) == 100
    merged = add(client, demo_headers, skus[0], 1)  # growing an existing line is still fine
    assert merged.status_code == 201 and merged.json()["count"] == 101


def test_selected_lines_and_remove_items_for_order_creation(ctx: Ctx) -> None:
    first, second, third = in_stock_skus(ctx, 3)
    for sku_id, qty in ((first, 1), (second, 2), (third, 3)):
        cart.add_item(ctx, DEMO_USER_ID, sku_id, qty)
    third_id = next(
        i["id"] for i in cart.view_cart(ctx, DEMO_USER_ID)["items"] if i["sku_id"] == third
    )
    cart.update_item(ctx, DEMO_USER_ID, third_id, qty=None, selected=False)
    lines = cart.selected_lines(ctx, DEMO_USER_ID)
    assert [(line.sku_id, line.qty) for line in lines] == [(second, 2), (first, 1)]
    assert all(line.added_price_fen == sku_price(ctx, line.sku_id) for line in lines)

    with ctx.db.tx():
        cart.remove_items(ctx, DEMO_USER_ID, [line.cart_item_id for line in lines])
    assert cart_rows(ctx) == [(third, 3, 0)]
    assert cart.selected_lines(ctx, DEMO_USER_ID) == []

    with ctx.db.tx():
        other = ctx.db.insert(
            "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000009', 'x', 0)"
        )
    cart.remove_items(ctx, other, [third_id])  # not theirs: nothing happens
    assert cart_rows(ctx) == [(third, 3, 0)]
