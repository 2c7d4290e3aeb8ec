"""Orders over HTTP: placing (stock, coupon, cart, money), idempotency, viewing and
listing, changing, cancelling, confirming, the 30-minute auto-cancel, and every illegal
transition answering 409 with nothing changed."""

from __future__ import annotations

import base64
import re
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.services import logistics, pricing
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

DEMO_COUPON_ID = 1  # the seeded 满199减20 coupon of the demo user
DEMO_ADDRESS_ID = 1
MakeUser = Callable[..., tuple[int, dict[str, str]]]


# --- helpers shared with the payments tests ----------------------------------------------


def sku_between(
    ctx: Ctx,
    low_fen: int,
    high_fen: int,
    *,
    min_stock: int = 20,
    skip_products: tuple[int, ...] = (),
) -> sqlite3.Row:
    """An in-stock SKU priced in [low, high) whose product is not in `skip_products`."""
    marks = ",".join("?" for _ in skip_products)
    row = ctx.db.one(
        "SELECT s.id, s.product_id, s.price_fen, s.stock FROM skus s JOIN products p"
        " ON p.id = s.product_id WHERE s.price_fen >= ? AND s.price_fen < ? AND s.stock >= ?"
        f" AND s.product_id NOT IN ({marks}) AND p.promotions = '[]' ORDER BY s.id LIMIT 1",
        (low_fen, high_fen, min_stock, *skip_products),
    )
    assert row is not None, "the seed has no such SKU"
    return row


def stock_of(ctx: Ctx, sku_id: int) -> tuple[int, int]:
    """(SKU stock, its product's stock)."""
    row = ctx.db.one(
        "SELECT s.stock, p.stock AS product_stock FROM skus s JOIN products p"
        " ON p.id = s.product_id WHERE s.id = ?",
        (sku_id,),
    )
    assert row is not None
    return row["stock"], row["product_stock"]


def set_stock(ctx: Ctx, sku_id: int, stock: int) -> None:
    """Puts exactly `stock` pieces of a SKU on the shelf, keeping its product's sum right."""
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE products SET stock = stock - (SELECT stock FROM skus WHERE id = ?) + ?"
            " WHERE id = (SELECT product_id FROM skus WHERE id = ?)",
            (sku_id, stock, sku_id),
        )
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku_id))


def coupon_state(ctx: Ctx, coupon_id: int = DEMO_COUPON_ID) -> tuple[str, int | None]:
    row = ctx.db.one("SELECT status, used_order_id FROM user_coupons WHERE id = ?", (coupon_id,))
    assert row is not None
    return row["status"], row["used_order_id"]


def place(
    client: TestClient,
    headers: dict[str, str],
    items: list[tuple[int, int]] | None = None,
    *,
    key: str | None = None,
    **fields: Any,
) -> Any:
    body: dict[str, Any] = {"payment_method": "balance", **fields}
    if items is not None:
        body["items"] = [{"sku_id": sku_id, "qty": qty} for sku_id, qty in items]
    return client.post(
        "/api/v1/orders",
        json=body,
        headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def placed(
    client: TestClient,
    headers: dict[str, str],
    items: list[tuple[int, int]] | None,
    **fields: Any,
) -> dict[str, Any]:
    response = place(client, headers, items, **fields)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def pay(
    client: TestClient,
    headers: dict[str, str],
    order_id: int,
    method: str = "balance",
    *,
    key: str | None = None,
    **fields: Any,
) -> Any:
    body: dict[str, Any] = {"method": method, **fields}
    if method in ("balance", "bank_card", "bnpl"):
        body.setdefault("payment_password", "123456")
    return client.post(
        f"/api/v1/orders/{order_id}/pay",
        json=body,
        headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def balance_of(ctx: Ctx, user_id: int = DEMO_USER_ID) -> int:
    return int(ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (user_id,)))


def order_count(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM orders"))


def assert_money_adds_up(order: dict[str, Any]) -> None:
    lines = order["items"]
    assert order["subtotal_fen"] == sum(line["line_total_fen"] for line in lines)
    assert all(line["line_total_fen"] == line["price_fen"] * line["qty"] for line in lines)
    assert sum(line["discount_share_fen"] for line in lines) == order["discount_fen"]
    assert (
        order["total_fen"] == order["subtotal_fen"] - order["discount_fen"] + order["shipping_fen"]
    )


# --- placing -----------------------------------------------------------------------------


def test_placing_an_order_reserves_stock_and_answers_the_full_view(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    before = stock_of(app_ctx, sku["id"])
    response = place(client, demo_headers, [(sku["id"], 2)], remark="[bold]放门口[/bold]")
    assert response.status_code == 201
    order = response.json()
    assert re.fullmatch(r"KS261124\d{6}", order["order_no"])  # 10:00 in Shanghai
    assert order["order_no"].endswith("000001")
    assert order["status"] == "pending_payment" and order["after_sale_status"] == "none"
    assert order["remark"] == "[bold]放门口[/bold]"
    assert order["actions"] == ["pay", "change_address", "change_items", "cancel"]
    assert order["auto_cancel_at"] == "2026-11-24T02:30:00Z"
    assert order["created_at"] == "2026-11-24T02:00:00Z"
    assert [event["status"] for event in order["timeline"]] == ["created"]
    assert order["address"]["phone_masked"] == "138****8000"
    assert order["address"]["province"] == "浙江省"
    assert order["coupon"] is None and order["discount_fen"] == 0
    assert order["estimated_delivery"] == {"earliest": "2026-11-25", "latest": "2026-11-26"}
    (line,) = order["items"]
    assert (line["sku_id"], line["product_id"], line["qty"]) == (sku["id"], sku["product_id"], 2)
    assert line["image"] is None or line["image"].startswith("/api/v1/images/")
    assert line["refunded"] is False and line["reviewed"] is False
    assert_money_adds_up(order)
    assert stock_of(app_ctx, sku["id"]) == (before[0] - 2, before[1] - 2)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=demo_headers).json() == order


def test_order_numbers_count_up_within_the_day(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    numbers = [placed(client, demo_headers, [(sku["id"], 1)])["order_no"] for _ in range(3)]
    assert numbers == ["KS261124000001", "KS261124000002", "KS261124000003"]
    client.post("/_dev/clock/advance", json={"seconds": 86400})
    assert placed(client, demo_headers, [(sku["id"], 1)])["order_no"] == "KS261125000001"


def test_a_coupon_is_used_and_its_discount_spread_over_the_lines_to_the_fen(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    first = sku_between(app_ctx, 10003, 15000)
    second = sku_between(app_ctx, 7001, 9000, skip_products=(first["product_id"],))
    order = placed(
        client, demo_headers, [(first["id"], 1), (second["id"], 3)], coupon_id=DEMO_COUPON_ID
    )
    assert order["coupon"]["id"] == DEMO_COUPON_ID and order["coupon"]["title"] == "满199减20"
    assert order["discount_fen"] == 2000
    assert_money_adds_up(order)
    assert all(line["discount_share_fen"] > 0 for line in order["items"])
    assert coupon_state(app_ctx) == ("used", order["id"])
    english = client.get(
        f"/api/v1/orders/{order['id']}", headers={**demo_headers, "Accept-Language": "en"}
    ).json()
    assert english["coupon"]["title"] == "¥20 off over ¥199"


def test_ordering_from_the_cart_takes_the_selected_lines_and_removes_them(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    chosen = sku_between(app_ctx, 3000, 5000)
    left = sku_between(app_ctx, 1000, 9000, skip_products=(chosen["product_id"],))
    with app_ctx.db.tx():
        for sku, selected in ((chosen, 1), (left, 0)):
            app_ctx.db.execute(
                "INSERT INTO cart_items(user_id, sku_id, qty, selected, added_price_fen,"
                " created_at) VALUES (?,?,2,?,?,?)",
                (DEMO_USER_ID, sku["id"], selected, sku["price_fen"], app_ctx.now()),
            )
    order = placed(client, demo_headers, None, from_cart=True)
    assert [(line["sku_id"], line["qty"]) for line in order["items"]] == [(chosen["id"], 2)]
    remaining = app_ctx.db.all("SELECT sku_id FROM cart_items WHERE user_id = ?", (DEMO_USER_ID,))
    assert [row["sku_id"] for row in remaining] == [left["id"]]


def test_an_empty_cart_selection_is_refused(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    response = place(client, demo_headers, None, from_cart=True)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"]["from_cart"]["code"] == "cart_empty"
    assert order_count(app_ctx) == 0


def test_not_enough_stock_is_409_naming_the_product_and_nothing_changes(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    plenty = sku_between(app_ctx, 10003, 30000)
    scarce = sku_between(app_ctx, 3000, 9000, min_stock=1, skip_products=(plenty["product_id"],))
    set_stock(app_ctx, scarce["id"], 1)
    stocks = (stock_of(app_ctx, plenty["id"]), stock_of(app_ctx, scarce["id"]))
    response = place(
        client, demo_headers, [(plenty["id"], 1), (scarce["id"], 2)], coupon_id=DEMO_COUPON_ID
    )
    assert response.status_code == 409 and error_code(response) == "OUT_OF_STOCK"
    error = response.json()["error"]
    name = app_ctx.db.scalar("SELECT name FROM products WHERE id = ?", (scarce["product_id"],))
    assert error["details"]["available"] == 1 and error["details"]["sku_id"] == scarce["id"]
    assert name in error["message"]
    assert (stock_of(app_ctx, plenty["id"]), stock_of(app_ctx, scarce["id"])) == stocks
    assert coupon_state(app_ctx) == ("usable", None)
    assert order_count(app_ctx) == 0


def test_bad_order_requests_are_422_naming_the_field(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku_id = sku_between(app_ctx, 3000, 5000)["id"]

    def field_of(response: Any) -> str:
        assert response.status_code == 422, response.text
        fields: dict[str, Any] = response.json()["error"]["details"]["fields"]
        return next(iter(fields))

    assert field_of(place(client, demo_headers, None)) == "items"
    assert field_of(place(client, demo_headers, [(sku_id, 1)], from_cart=True)) == "from_cart"
    assert field_of(place(client, demo_headers, [(sku_id, 0)])) == "items.0.qty"
    assert field_of(place(client, demo_headers, [(sku_id, 1), (sku_id, 2)])) == "items"
    assert field_of(place(client, demo_headers, [(sku_id, 1)], remark="话" * 201)) == "remark"
    assert field_of(place(client, demo_headers, [(sku_id, 1)], payment_method="cash")) == (
        "payment_method"
    )
    assert field_of(place(client, demo_headers, [(sku_id, 1)], price_fen=1)) == "price_fen"
    company = {"type": "company", "title": "快乐科技有限公司"}
    assert field_of(place(client, demo_headers, [(sku_id, 1)], invoice=company)) == (
        "invoice.tax_id"
    )
    bad_tax = place(client, demo_headers, [(sku_id, 1)], invoice={**company, "tax_id": "12345"})
    assert bad_tax.json()["error"]["details"]["fields"]["invoice.tax_id"]["code"] == "bad_tax_id"
    empty_title = {"type": "personal", "title": ""}
    assert field_of(place(client, demo_headers, [(sku_id, 1)], invoice=empty_title)) == (
        "invoice.title"
    )
    assert order_count(app_ctx) == 0


def test_an_invoice_is_kept_on_the_order(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku_id = sku_between(app_ctx, 3000, 5000)["id"]
    invoice = {"type": "company", "title": "快乐科技有限公司", "tax_id": "91330106MA2CFXXXX1"}
    order = placed(client, demo_headers, [(sku_id, 1)], invoice=invoice)
    assert order["invoice"] == invoice
    personal = placed(
        client, demo_headers, [(sku_id, 1)], invoice={"type": "personal", "title": "张三"}
    )
    assert personal["invoice"] == {"type": "personal", "title": "张三", "tax_id": None}


def test_someone_elses_address_coupon_or_missing_sku_is_404_and_changes_nothing(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx, make_user: MakeUser
) -> None:
    sku_id = sku_between(app_ctx, 25000, 40000)["id"]
    _, other_headers = make_user()
    assert (
        place(client, other_headers, [(sku_id, 1)], address_id=DEMO_ADDRESS_ID).status_code == 404
    )
    assert place(client, other_headers, [(sku_id, 1)]).status_code == 422  # no address at all
    assert place(client, demo_headers, [(10**9, 1)]).status_code == 404
    assert order_count(app_ctx) == 0
    assert coupon_state(app_ctx) == ("usable", None)


# --- idempotency -------------------------------------------------------------------------


def test_the_same_key_twice_places_one_order_and_replays_the_answer(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    before = stock_of(app_ctx, sku["id"])
    first = place(client, demo_headers, [(sku["id"], 1)], key="order-key-1")
    second = place(client, demo_headers, [(sku["id"], 1)], key="order-key-1")
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert first.json() == second.json()
    assert order_count(app_ctx) == 1
    assert stock_of(app_ctx, sku["id"])[0] == before[0] - 1
    changed = place(client, demo_headers, [(sku["id"], 2)], key="order-key-1")
    assert changed.status_code == 422 and error_code(changed) == "IDEMPOTENCY_KEY_REUSED"
    assert order_count(app_ctx) == 1


def test_a_refused_order_is_not_remembered_so_a_corrected_retry_with_its_key_works(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    set_stock(app_ctx, sku["id"], 5)
    too_many = place(client, demo_headers, [(sku["id"], 6)], key="retry-me")
    assert too_many.status_code == 409
    fixed = place(client, demo_headers, [(sku["id"], 1)], key="retry-me")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert order_count(app_ctx) == 1


def test_an_order_needs_an_idempotency_key(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku_id = sku_between(app_ctx, 3000, 5000)["id"]
    response = client.post(
        "/api/v1/orders",
        json={"items": [{"sku_id": sku_id, "qty": 1}], "payment_method": "balance"},
        headers=demo_headers,
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["details"]["fields"]
    assert client.post("/api/v1/orders", json={}).status_code in (401, 422)
    assert order_count(app_ctx) == 0


# --- viewing and listing -----------------------------------------------------------------


def test_other_users_orders_are_404_for_every_endpoint(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx, make_user: MakeUser
) -> None:
    sku_id = sku_between(app_ctx, 3000, 5000)["id"]
    order = placed(client, demo_headers, [(sku_id, 1)])
    _, other = make_user(balance_fen=10**7, payment_password="654321")
    base = f"/api/v1/orders/{order['id']}"
    assert client.get(base, headers=other).status_code == 404
    assert (
        client.put(
            f"{base}/items", json={"items": [{"sku_id": sku_id, "qty": 1}]}, headers=other
        ).status_code
        == 404
    )
    assert client.put(f"{base}/address", json={"address_id": 1}, headers=other).status_code == 404
    assert client.post(f"{base}/cancel", json={"reason": "other"}, headers=other).status_code == 404
    assert client.post(f"{base}/confirm-receipt", headers=other).status_code == 404
    paid = pay(client, other, order["id"], payment_password="654321")
    assert paid.status_code == 404 and error_code(paid) == "NOT_FOUND"
    assert client.get("/api/v1/orders", headers=other).json() == {"items": [], "next_cursor": None}
    assert client.get(base, headers=demo_headers).json()["status"] == "pending_payment"
    assert client.get("/api/v1/orders/999999", headers=demo_headers).status_code == 404
    assert client.get(base).status_code == 401


def test_the_list_pages_newest_first_filters_by_status_and_counts_each_tab(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    ids = []
    for _ in range(5):
        ids.append(placed(client, demo_headers, [(sku["id"], 2)])["id"])
        client.post("/_dev/clock/advance", json={"seconds": 60})
    assert pay(client, demo_headers, ids[0]).status_code == 201
    client.post(f"/api/v1/orders/{ids[1]}/cancel", json={"reason": "other"}, headers=demo_headers)
    with app_ctx.db.tx():
        app_ctx.db.execute(
            "UPDATE orders SET after_sale_status = 'in_progress' WHERE id = ?", (ids[0],)
        )

    first = client.get("/api/v1/orders?limit=2", headers=demo_headers).json()
    assert [item["id"] for item in first["items"]] == [ids[4], ids[3]]
    summary = first["items"][0]
    assert summary["item_count"] == 2 and summary["status"] == "pending_payment"
    assert summary["first_item"]["name"] and summary["auto_cancel_at"] is not None
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/orders?limit=2&cursor={cursor}", headers=demo_headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]

    def ids_for(status: str) -> list[int]:
        answer = client.get(f"/api/v1/orders?status={status}", headers=demo_headers).json()
        return [item["id"] for item in answer["items"]]

    assert ids_for("awaiting_shipment") == [ids[0]]
    assert ids_for("cancelled") == [ids[1]]
    assert ids_for("pending_payment") == [ids[4], ids[3], ids[2]]
    assert ids_for("after_sale") == [ids[0]]
    assert ids_for("shipped") == []
    counts = client.get("/api/v1/orders/counts", headers=demo_headers).json()
    assert counts == {
        "all": 5,
        "pending_payment": 3,
        "awaiting_shipment": 1,
        "awaiting_service": 0,
        "shipped": 0,
        "completed": 0,
        "cancelled": 1,
        "closed": 0,
        "after_sale": 1,
    }
    assert client.get("/api/v1/orders?status=lost", headers=demo_headers).status_code == 422
    assert client.get("/api/v1/orders?limit=0", headers=demo_headers).status_code == 422
    huge = base64.urlsafe_b64encode(b"[1, 99999999999999999999]").decode()
    for cursor in ("%%%", "bm90IGpzb24=", huge):
        bad_cursor = client.get(f"/api/v1/orders?cursor={cursor}", headers=demo_headers)
        assert bad_cursor.status_code == 422 and error_code(bad_cursor) == "VALIDATION_ERROR"


def test_cancel_reasons_are_listed_in_the_requested_language(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    zh = client.get("/api/v1/orders/cancel-reasons", headers=demo_headers).json()["items"]
    en = client.get(
        "/api/v1/orders/cancel-reasons", headers={**demo_headers, "Accept-Language": "en"}
    ).json()["items"]
    assert {"code": "no_longer_needed", "label": "不想要了"} in zh
    assert [item["code"] for item in zh] == [item["code"] for item in en]
    assert en[0]["label"] == "I no longer want it"
    assert "timeout" not in [item["code"] for item in zh]


# --- changing ----------------------------------------------------------------------------


def test_changing_items_moves_stock_reprices_and_keeps_a_coupon_that_still_applies(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    old = sku_between(app_ctx, 20000, 30000)
    new = sku_between(app_ctx, 10003, 15000, skip_products=(old["product_id"],))
    order = placed(client, demo_headers, [(old["id"], 1)], coupon_id=DEMO_COUPON_ID)
    old_stock, new_stock = stock_of(app_ctx, old["id"]), stock_of(app_ctx, new["id"])
    response = client.put(
        f"/api/v1/orders/{order['id']}/items",
        json={"items": [{"sku_id": new["id"], "qty": 2}]},
        headers=demo_headers,
    )
    assert response.status_code == 200
    changed = response.json()
    assert [(line["sku_id"], line["qty"]) for line in changed["items"]] == [(new["id"], 2)]
    assert changed["coupon"]["id"] == DEMO_COUPON_ID and changed["discount_fen"] == 2000
    assert_money_adds_up(changed)
    assert stock_of(app_ctx, old["id"])[0] == old_stock[0] + 1
    assert stock_of(app_ctx, new["id"])[0] == new_stock[0] - 2
    assert coupon_state(app_ctx) == ("used", order["id"])
    assert changed["timeline"][-1]["status"] == "items_changed"


def test_changing_items_below_the_coupon_threshold_returns_the_coupon_and_says_so(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    big = sku_between(app_ctx, 20000, 30000)
    small = sku_between(app_ctx, 3000, 5000, skip_products=(big["product_id"],))
    order = placed(client, demo_headers, [(big["id"], 1)], coupon_id=DEMO_COUPON_ID)
    changed = client.put(
        f"/api/v1/orders/{order['id']}/items",
        json={"items": [{"sku_id": small["id"], "qty": 1}]},
        headers={**demo_headers, "Accept-Language": "en"},
    ).json()
    assert changed["coupon"] is None and changed["discount_fen"] == 0
    assert_money_adds_up(changed)
    assert coupon_state(app_ctx) == ("usable", None)
    assert changed["timeline"][-1]["note"] == "The coupon no longer applies and was returned"


def test_changing_items_to_more_than_the_stock_is_409_and_keeps_the_order(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    set_stock(app_ctx, sku["id"], 10)
    order = placed(client, demo_headers, [(sku["id"], 2)])
    stock = stock_of(app_ctx, sku["id"])
    assert stock[0] == 8
    # The order may grow into the two pieces it already holds, but not beyond the shelf.
    response = client.put(
        f"/api/v1/orders/{order['id']}/items",
        json={"items": [{"sku_id": sku["id"], "qty": 11}]},
        headers=demo_headers,
    )
    assert response.status_code == 409 and error_code(response) == "OUT_OF_STOCK"
    assert response.json()["error"]["details"]["available"] == 10
    assert stock_of(app_ctx, sku["id"]) == stock
    assert client.get(f"/api/v1/orders/{order['id']}", headers=demo_headers).json() == order
    everything = client.put(
        f"/api/v1/orders/{order['id']}/items",
        json={"items": [{"sku_id": sku["id"], "qty": 10}]},
        headers=demo_headers,
    )
    assert everything.status_code == 200
    assert stock_of(app_ctx, sku["id"])[0] == 0


def test_changing_the_address_recomputes_shipping_and_total(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    with app_ctx.db.tx():
        far_id = app_ctx.db.insert(
            "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
            " created_at) VALUES (?, '张三', '13800138000', '西藏自治区', '拉萨市', '城关区',"
            " '北京中路 1 号', ?)",
            (DEMO_USER_ID, app_ctx.now()),
        )
    order = placed(client, demo_headers, [(sku["id"], 1)])
    expected = pricing.quote(app_ctx, DEMO_USER_ID, [(sku["id"], 1)], far_id, None, "zh")
    response = client.put(
        f"/api/v1/orders/{order['id']}/address", json={"address_id": far_id}, headers=demo_headers
    )
    assert response.status_code == 200
    moved = response.json()
    assert moved["address"]["province"] == "西藏自治区"
    assert moved["shipping_fen"] == expected["shipping_fen"] != order["shipping_fen"]
    assert moved["total_fen"] == expected["total_fen"]
    assert_money_adds_up(moved)
    assert stock_of(app_ctx, sku["id"])[0] == sku["stock"] - 1
    assert (
        client.put(
            f"/api/v1/orders/{order['id']}/address",
            json={"address_id": 10**6},
            headers=demo_headers,
        ).status_code
        == 404
    )


# --- cancelling and completing -----------------------------------------------------------


def test_cancelling_an_unpaid_order_returns_stock_and_coupon_and_closes_payments(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 20000, 30000)
    before = stock_of(app_ctx, sku["id"])
    order = placed(client, demo_headers, [(sku["id"], 1)], coupon_id=DEMO_COUPON_ID)
    qr = pay(client, demo_headers, order["id"], "alipay").json()
    response = client.post(
        f"/api/v1/orders/{order['id']}/cancel",
        json={"reason": "wrong_address"},
        headers=demo_headers,
    )
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "地址填错了"
    assert cancelled["cancelled_at"] == "2026-11-24T02:00:00Z"
    assert cancelled["actions"] == ["buy_again"] and cancelled["auto_cancel_at"] is None
    assert cancelled["timeline"][-1] == {
        "status": "cancelled",
        "at": "2026-11-24T02:00:00Z",
        "note": "地址填错了",
    }
    assert stock_of(app_ctx, sku["id"]) == before
    assert coupon_state(app_ctx) == ("usable", None)
    payment = client.get(f"/api/v1/payments/{qr['id']}", headers=demo_headers).json()
    assert payment["status"] == "failed" and payment["failure_reason"] == "order cancelled"
    bad = client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={"reason": "bored"}, headers=demo_headers
    )
    assert bad.status_code == 422


def test_cancelling_a_paid_order_refunds_it_in_full(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 20000, 30000)
    before_stock, before_balance = stock_of(app_ctx, sku["id"]), balance_of(app_ctx)
    order = placed(client, demo_headers, [(sku["id"], 1)], coupon_id=DEMO_COUPON_ID)
    assert pay(client, demo_headers, order["id"]).status_code == 201
    assert balance_of(app_ctx) == before_balance - order["total_fen"]
    cancelled = client.post(
        f"/api/v1/orders/{order['id']}/cancel",
        json={"reason": "no_longer_needed"},
        headers=demo_headers,
    ).json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["refunded_fen"] == order["total_fen"]
    assert [event["status"] for event in cancelled["timeline"]] == [
        "created",
        "paid",
        "cancelled",
        "refunded",
    ]
    assert balance_of(app_ctx) == before_balance
    assert stock_of(app_ctx, sku["id"]) == before_stock
    assert coupon_state(app_ctx) == ("usable", None)


def test_illegal_transitions_are_409_and_change_nothing(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    pending = placed(client, demo_headers, [(sku["id"], 1)])
    shipped = placed(client, demo_headers, [(sku["id"], 1)])
    assert pay(client, demo_headers, shipped["id"]).status_code == 201
    logistics.ship(app_ctx, shipped["id"])
    paid = placed(client, demo_headers, [(sku["id"], 1)])
    assert pay(client, demo_headers, paid["id"]).status_code == 201
    cancelled = placed(client, demo_headers, [(sku["id"], 1)])
    client.post(
        f"/api/v1/orders/{cancelled['id']}/cancel", json={"reason": "other"}, headers=demo_headers
    )

    def snapshot() -> Any:
        return (
            [
                client.get(f"/api/v1/orders/{o['id']}", headers=demo_headers).json()
                for o in (pending, shipped, paid, cancelled)
            ],
            stock_of(app_ctx, sku["id"]),
            balance_of(app_ctx),
            app_ctx.db.scalar("SELECT COUNT(*) FROM payments"),
        )

    before = snapshot()
    items = {"items": [{"sku_id": sku["id"], "qty": 2}]}
    refusals = [
        client.post(
            f"/api/v1/orders/{shipped['id']}/cancel", json={"reason": "other"}, headers=demo_headers
        ),
        client.post(
            f"/api/v1/orders/{cancelled['id']}/cancel",
            json={"reason": "other"},
            headers=demo_headers,
        ),
        client.put(f"/api/v1/orders/{paid['id']}/items", json=items, headers=demo_headers),
        client.put(f"/api/v1/orders/{shipped['id']}/items", json=items, headers=demo_headers),
        client.put(
            f"/api/v1/orders/{paid['id']}/address", json={"address_id": 1}, headers=demo_headers
        ),
        client.post(f"/api/v1/orders/{pending['id']}/confirm-receipt", headers=demo_headers),
        client.post(f"/api/v1/orders/{paid['id']}/confirm-receipt", headers=demo_headers),
        pay(client, demo_headers, cancelled["id"]),
        pay(client, demo_headers, paid["id"]),
        pay(client, demo_headers, shipped["id"], "alipay"),
    ]
    for response in refusals:
        assert response.status_code == 409, response.text
        assert error_code(response) == "INVALID_STATE"
    assert refusals[0].json()["error"]["details"]["state"] == "shipped"
    assert snapshot() == before


def test_confirming_receipt_completes_a_shipped_order(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 3000, 5000)
    order = placed(client, demo_headers, [(sku["id"], 1)])
    pay(client, demo_headers, order["id"])
    logistics.ship(app_ctx, order["id"])
    shipped = client.get(f"/api/v1/orders/{order['id']}", headers=demo_headers).json()
    assert shipped["actions"][:2] == ["track", "confirm_receipt"]
    assert shipped["tracking_no"] and shipped["carrier"]
    client.post("/_dev/clock/advance", json={"seconds": 3600})
    response = client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=demo_headers)
    assert response.status_code == 200
    done = response.json()
    assert done["status"] == "completed" and done["completed_at"] == "2026-11-24T03:00:00Z"
    assert done["timeline"][-1]["status"] == "completed"
    assert "review" in done["actions"] and "track" in done["actions"]
    again = client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=demo_headers)
    assert again.status_code == 409


def test_an_unpaid_order_cancels_itself_after_30_minutes(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    sku = sku_between(app_ctx, 20000, 30000)
    before = stock_of(app_ctx, sku["id"])
    order = placed(client, demo_headers, [(sku["id"], 1)], coupon_id=DEMO_COUPON_ID)
    client.post("/_dev/clock/advance", json={"seconds": 29 * 60})
    assert client.get(f"/api/v1/orders/{order['id']}", headers=demo_headers).json()["status"] == (
        "pending_payment"
    )
    client.post("/_dev/clock/advance", json={"seconds": 60})
    view = client.get(
        f"/api/v1/orders/{order['id']}", headers={**demo_headers, "Accept-Language": "en"}
    ).json()
    assert view["status"] == "cancelled"
    assert view["cancel_reason"] == "Not paid within 30 minutes; cancelled automatically"
    assert stock_of(app_ctx, sku["id"]) == before
    assert coupon_state(app_ctx) == ("usable", None)
    assert pay(client, demo_headers, order["id"]).status_code == 409
