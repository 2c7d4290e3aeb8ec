"""Exchanges and the rest of §7.3 over HTTP: real orders, the whole exchange through
`/_dev` approve, receive and reship to confirm-replacement, quality reasons and photos,
the platform's decision on appeals, the closed tab; bad input is a documented error that
changes nothing, an illegal move a 409, another user's after-sale a 404."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from tests.backend.conftest import error_code
from tests.backend.test_after_sales_http import API, PINEAPPLE, T_SHIRT, Headers, Shop, png_bytes


@pytest.fixture
def shop(client: TestClient, app_ctx: Ctx, demo_headers: Headers) -> Shop:
    return Shop(client, app_ctx, demo_headers)


def delivered_order(shop: Shop, product_id: int = T_SHIRT) -> tuple[dict[str, Any], dict[str, Any]]:
    """A delivered order of one item, and that item's eligibility."""
    order = shop.paid_order((product_id, 1))
    shop.ship(order["id"], deliver=True)
    return order, shop.eligibility(order["id"])["items"][0]


def exchange_body(
    order_id: int, item: dict[str, Any], sku_id: int, **fields: Any
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "type": "exchange",
        "exchange_items": [{"item_id": item["item_id"], "sku_id": sku_id}],
        "reason": "size_fit",
        "description": "换大一码",
        **fields,
    }


def in_stock_other_spec(item: dict[str, Any], shop: Shop) -> int:
    ordered = shop.ctx.db.scalar("SELECT sku_id FROM order_items WHERE id = ?", (item["item_id"],))
    return next(
        choice["sku_id"]
        for choice in item["exchange_skus"]
        if choice["sku_id"] != ordered and choice["stock"] >= 10
    )


def upload(shop: Shop) -> int:
    sent = shop.client.post(
        f"{API}/uploads",
        files={"file": ("破损.png", png_bytes(), "image/png")},
        headers=shop.headers,
    )
    assert sent.status_code == 201
    photo_id: int = sent.json()["id"]
    return photo_id


def test_an_exchange_from_request_to_confirmed_replacement(shop: Shop) -> None:
    order, item = delivered_order(shop)
    wanted = in_stock_other_spec(item, shop)
    stock_before = shop.stock(wanted)
    balance_before = shop.wallet()
    body = exchange_body(order["id"], item, wanted)
    key = shop.keyed()
    created = shop.client.post(f"{API}/after-sales", json=body, headers=key)
    assert created.status_code == 201, created.text
    after_sale = created.json()
    assert after_sale["type"] == "exchange" and after_sale["amount_fen"] == 0
    assert after_sale["exchange_items"][0]["sku_id"] == wanted
    replay = shop.client.post(f"{API}/after-sales", json=body, headers=key)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["id"] == after_sale["id"]

    path = f"/_dev/after-sales/{after_sale['id']}"
    approved = shop.client.post(f"{path}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "awaiting_return"
    assert shop.stock(wanted) == stock_before - 1
    early = shop.client.post(f"{path}/reship")
    assert early.status_code == 409 and error_code(early) == "INVALID_STATE"
    sent = shop.post(
        f"/after-sales/{after_sale['id']}/return-shipment",
        {"carrier": "SF", "tracking_no": "SF1234567890777"},
    )
    assert sent.status_code == 200 and sent.json()["status"] == "return_shipped"
    received = shop.client.post(f"{path}/receive")
    assert received.status_code == 200 and received.json()["status"] == "received"
    reshipped = shop.client.post(f"{path}/reship")
    assert reshipped.status_code == 200, reshipped.text
    parcel = reshipped.json()["replacement"]
    assert reshipped.json()["status"] == "reshipped"
    assert reshipped.json()["actions"] == ["confirm_replacement", "track_replacement"]
    tracked = shop.client.get(f"{API}/logistics/{parcel['tracking_no']}", headers=shop.headers)
    assert tracked.status_code == 200 and tracked.json()["carrier"] == parcel["carrier"]

    confirmed = shop.post(f"/after-sales/{after_sale['id']}/confirm-replacement")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "completed"
    again = shop.post(f"/after-sales/{after_sale['id']}/confirm-replacement")
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"
    assert shop.wallet() == balance_before
    final = shop.order(order["id"])
    assert final["status"] == "shipped" and final["after_sale_status"] == "none"
    english = shop.after_sale(after_sale["id"], "en")
    assert english["timeline"][-1]["note"] == "The buyer confirmed the replacement; exchange done"


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"exchange_items": []}, 422, "VALIDATION_ERROR", "exchange_items"),
        ({"exchange_items": None}, 422, "VALIDATION_ERROR", "exchange_items"),
        ({"item_ids": [1]}, 422, "VALIDATION_ERROR", "item_ids"),
        ({"amount_fen": 100}, 422, "VALIDATION_ERROR", "amount_fen"),
        ({"exchange_items": [{"item_id": 1}]}, 422, "VALIDATION_ERROR", None),
        ({"exchange_items": [{"item_id": 1, "sku_id": 1, "x": 1}]}, 422, "VALIDATION_ERROR", None),
        ({"reason": "changed_mind"}, 422, "VALIDATION_ERROR", "reason"),
        ({"sku": "other_price"}, 422, "VALIDATION_ERROR", "exchange_items.0.sku_id"),
        ({"sku": "other_product"}, 422, "VALIDATION_ERROR", "exchange_items.0.sku_id"),
        ({"sku": "sold_out"}, 409, "OUT_OF_STOCK", None),
        ({"sku": 2**62}, 422, "VALIDATION_ERROR", "exchange_items.0.sku_id"),
        ({"sku": 2**63}, 422, "VALIDATION_ERROR", None),
    ],
)
def test_bad_exchange_requests_are_refused_and_change_nothing(
    shop: Shop, change: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    order, item = delivered_order(shop)
    sku_choice = change.pop("sku", None)
    ordered = shop.ctx.db.one(
        "SELECT sku_id, price_fen FROM order_items WHERE id = ?", (item["item_id"],)
    )
    assert ordered is not None
    lookups = {
        "other_price": "SELECT id FROM skus WHERE product_id = ? AND price_fen != ? LIMIT 1",
        "other_product": "SELECT id FROM skus WHERE product_id != ? AND price_fen != ? LIMIT 1",
        "sold_out": "SELECT id FROM skus WHERE product_id = ? AND price_fen = ? AND stock = 0",
    }
    if isinstance(sku_choice, str):
        sku_id = shop.ctx.db.scalar(lookups[sku_choice], (T_SHIRT, ordered["price_fen"]))
    elif sku_choice is not None:
        sku_id = sku_choice
    else:
        sku_id = ordered["sku_id"]
    body = {**exchange_body(order["id"], item, sku_id), **change}
    if "exchange_items" in change and change["exchange_items"] is None:
        del body["exchange_items"]
    refused = shop.client.post(f"{API}/after-sales", json=body, headers=shop.keyed())
    assert refused.status_code == status, refused.text
    assert error_code(refused) == code
    if field is not None:
        assert field in refused.json()["error"]["details"]["fields"]
    assert shop.ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0
    assert shop.order(order["id"])["after_sale_status"] == "none"


def test_quality_reasons_need_a_photo_and_reach_perishable_goods(shop: Shop) -> None:
    order, item = delivered_order(shop, PINEAPPLE)
    found = shop.eligibility(order["id"], "en")
    assert found["quality_only"]["return_refund"] == "perishable goods cannot be returned"
    reasons = shop.client.get(f"{API}/after-sale-reasons", headers={"Accept-Language": "en"}).json()
    quality = {reason["code"] for reason in reasons["items"] if reason["photo_required"]}
    assert quality == {"quality_problem", "damaged", "missing_items", "not_as_described"}
    body = {
        "order_id": order["id"],
        "type": "refund_only",
        "item_ids": [item["item_id"]],
        "reason": "quality_problem",
        "amount_fen": item["refundable_fen"],
    }
    no_photo = shop.client.post(
        f"{API}/after-sales", json=body, headers={**shop.keyed(), "Accept-Language": "en"}
    )
    assert no_photo.status_code == 422 and error_code(no_photo) == "PHOTO_REQUIRED"
    assert no_photo.json()["error"]["message"] == (
        "A request for Quality problem needs at least one photo"
    )
    assert no_photo.json()["error"]["details"]["fields"]["photo_ids"]["code"] == "photo_required"
    ordinary = shop.client.post(
        f"{API}/after-sales", json={**body, "reason": "changed_mind"}, headers=shop.keyed()
    )
    assert ordinary.status_code == 409 and error_code(ordinary) == "AFTER_SALE_NOT_ALLOWED"
    assert shop.ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0
    created = shop.client.post(
        f"{API}/after-sales", json={**body, "photo_ids": [upload(shop)]}, headers=shop.keyed()
    )
    assert created.status_code == 201, created.text
    approved = shop.client.post(f"/_dev/after-sales/{created.json()['id']}/approve")
    assert approved.json()["status"] == "refunded"
    assert shop.order(order["id"])["status"] == "closed"


@pytest.mark.parametrize(
    ("kind", "approve", "outcome"),
    [
        ("return_refund", True, "awaiting_return"),
        ("return_refund", False, "closed"),
        ("refund_only", True, "refunded"),
        ("refund_only", False, "closed"),
    ],
)
def test_the_platform_decides_an_appeal(shop: Shop, kind: str, approve: bool, outcome: str) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    if kind == "return_refund":
        shop.ship(order["id"], deliver=True)
    created = shop.created(order["id"], kind, reason="changed_mind")
    decide = f"/_dev/after-sales/{created['id']}/platform-decide"
    too_early = shop.client.post(decide, json={"approve": approve})
    assert too_early.status_code == 409 and error_code(too_early) == "INVALID_STATE"
    shop.client.post(f"/_dev/after-sales/{created['id']}/reject", json={"note": "不支持"})
    appealed = shop.post(f"/after-sales/{created['id']}/appeal", {"reason": "商家拒绝没有道理"})
    assert appealed.status_code == 200 and appealed.json()["status"] == "appealed"
    for bad in ({}, {"approve": "maybe"}, {"approve": True, "extra": 1}):
        refused = shop.client.post(decide, json=bad)
        assert refused.status_code == 422 and error_code(refused) == "VALIDATION_ERROR"
    assert shop.after_sale(created["id"])["status"] == "appealed"
    decided = shop.client.post(decide, json={"approve": approve})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == outcome
    assert decided.json()["appeal_outcome"] == ("approved" if approve else "upheld")
    twice = shop.client.post(decide, json={"approve": approve})
    assert twice.status_code == 409


def test_another_users_exchange_is_not_found(shop: Shop, make_user: Any) -> None:
    order, item = delivered_order(shop)
    created = shop.client.post(
        f"{API}/after-sales",
        json=exchange_body(order["id"], item, in_stock_other_spec(item, shop)),
        headers=shop.keyed(),
    ).json()
    _, stranger = make_user()
    for method, path in (
        ("get", f"{API}/after-sales/{created['id']}"),
        ("post", f"{API}/after-sales/{created['id']}/confirm-replacement"),
    ):
        answer = getattr(shop.client, method)(path, headers=stranger)
        assert answer.status_code == 404 and error_code(answer) == "NOT_FOUND"
    missing = shop.post("/after-sales/999999/confirm-replacement")
    assert missing.status_code == 404
    assert shop.client.post("/_dev/after-sales/999999/reship").status_code == 404
    unauthenticated = shop.client.post(f"{API}/after-sales/{created['id']}/confirm-replacement")
    assert unauthenticated.status_code == 401


def test_the_closed_tab_lists_fully_refunded_orders_only(shop: Shop, client: TestClient) -> None:
    whole = shop.paid_order((T_SHIRT, 1))
    part = shop.paid_order((T_SHIRT, 1), (PINEAPPLE, 1))
    for order, items in ((whole, whole["items"]), (part, part["items"][:1])):
        created = shop.created(
            order["id"],
            "refund_only",
            item_ids=[line["id"] for line in items],
            amount_fen=1,
            reason="other",
        )
        assert shop.client.post(f"/_dev/after-sales/{created['id']}/approve").status_code == 200
    listed = client.get(f"{API}/orders?status=closed", headers=shop.headers).json()["items"]
    assert [order["id"] for order in listed] == [whole["id"]]
    assert listed[0]["status"] == "closed" and listed[0]["after_sale_status"] == "refunded"
    kept = shop.order(part["id"])
    assert kept["status"] == "awaiting_shipment"
    assert kept["after_sale_status"] == "refunded_partly"
    zh = client.get(f"{API}/orders/{whole['id']}", headers=shop.headers).json()
    assert zh["actions"] == ["buy_again"]
