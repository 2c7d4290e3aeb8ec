"""After-sales through HTTP: real orders (POST /orders, pay, /_dev ship and deliver),
the whole return life, idempotency, validation, other users, illegal transitions."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from fake_backend.context import Ctx
from fake_backend.services import sessions
from tests.backend.conftest import error_code
from tests.backend.test_orders import DEMO_COUPON_ID, sku_between
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
T_SHIRT = 1  # returnable, 7-day window
JACKET = 5  # returnable, 15-day window
PINEAPPLE = 13  # perishable
DAY = 86400

Headers = dict[str, str]


@pytest.fixture
def shop(client: TestClient, app_ctx: Ctx, demo_headers: Headers) -> Shop:
    return Shop(client, app_ctx, demo_headers)


class Shop:
    """Drives the demo user's orders through the real endpoints."""

    def __init__(self, client: TestClient, ctx: Ctx, headers: Headers) -> None:
        self.client = client
        self.ctx = ctx
        self.headers = headers

    def sku(self, product_id: int) -> int:
        sku_id: int = self.ctx.db.scalar(
            "SELECT id FROM skus WHERE product_id = ? AND stock >= 10 ORDER BY id LIMIT 1",
            (product_id,),
        )
        return sku_id

    def stock(self, sku_id: int) -> int:
        stock: int = self.ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,))
        return stock

    def advance(self, seconds: float) -> None:
        """Moves the backend clock; a fresh token, as the old one may have expired."""
        assert self.client.post("/_dev/clock/advance", json={"seconds": seconds}).status_code == 200
        token, _ = sessions.issue(self.ctx, DEMO_USER_ID)
        self.headers = {"Authorization": f"Bearer {token}"}

    def keyed(self) -> Headers:
        return {**self.headers, "Idempotency-Key": str(uuid.uuid4())}

    def paid_order(self, *lines: tuple[int, int]) -> dict[str, Any]:
        """An order of (product id, qty) paid from the balance."""
        body = {
            "items": [{"sku_id": self.sku(product), "qty": qty} for product, qty in lines],
            "payment_method": "balance",
        }
        placed = self.client.post(f"{API}/orders", json=body, headers=self.keyed())
        assert placed.status_code == 201, placed.text
        order = placed.json()
        paid = self.client.post(
            f"{API}/orders/{order['id']}/pay",
            json={"method": "balance", "payment_password": "123456"},
            headers=self.keyed(),
        )
        assert paid.status_code == 201 and paid.json()["status"] == "succeeded", paid.text
        return self.order(order["id"])

    def order(self, order_id: int) -> dict[str, Any]:
        found = self.client.get(f"{API}/orders/{order_id}", headers=self.headers)
        assert found.status_code == 200
        body: dict[str, Any] = found.json()
        return body

    def ship(self, order_id: int, *, deliver: bool = False) -> None:
        assert self.client.post(f"/_dev/orders/{order_id}/ship").status_code == 200
        if deliver:
            assert self.client.post(f"/_dev/orders/{order_id}/deliver").status_code == 200

    def eligibility(self, order_id: int, lang: str = "zh") -> dict[str, Any]:
        found = self.client.get(
            f"{API}/orders/{order_id}/after-sale-eligibility",
            headers={**self.headers, "Accept-Language": lang},
        )
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body

    def request(self, order_id: int, kind: str, **fields: Any) -> Any:
        """POSTs an after-sale (every eligible item for its maximum unless told)."""
        found = self.eligibility(order_id)
        body = {
            "order_id": order_id,
            "type": kind,
            "item_ids": [item["item_id"] for item in found["items"] if kind in item["types"]],
            "reason": "wrong_item",
            "description": "",
            "amount_fen": found["max_refund_by_type"].get(kind, 1),
            "refund_to": "original",
            "photo_ids": [],
            **fields,
        }
        return self.client.post(f"{API}/after-sales", json=body, headers=self.keyed())

    def created(self, order_id: int, kind: str, **fields: Any) -> dict[str, Any]:
        response = self.request(order_id, kind, **fields)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def after_sale(self, after_sale_id: int, lang: str = "zh") -> dict[str, Any]:
        found = self.client.get(
            f"{API}/after-sales/{after_sale_id}",
            headers={**self.headers, "Accept-Language": lang},
        )
        assert found.status_code == 200, found.text
        body: dict[str, Any] = found.json()
        return body

    def wallet(self) -> tuple[int, int]:
        body = self.client.get(f"{API}/wallet", headers=self.headers).json()
        return body["balance_fen"], body["red_packet_fen"]

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"{API}{path}", json=body, headers=self.headers)


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def field_of(response: Any, name: str) -> str:
    assert response.status_code == 422, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    code: str = response.json()["error"]["details"]["fields"][name]["code"]
    return code


# ---- the whole life of a return ------------------------------------------------------


def test_return_and_refund_to_the_end_with_money_back_to_the_fen(shop: Shop) -> None:
    balance_start, red_start = shop.wallet()
    order = shop.paid_order((JACKET, 1), (T_SHIRT, 2))
    assert shop.wallet() == (balance_start - order["total_fen"], red_start)
    shop.ship(order["id"], deliver=True)
    found = shop.eligibility(order["id"])
    assert found["types"] == ["refund_only", "return_refund", "exchange"]
    assert list(found["quality_only"]) == ["refund_only"]
    assert found["max_refund_fen"] == order["total_fen"] - order["shipping_fen"]

    upload = shop.client.post(
        f"{API}/uploads",
        files={"file": ("破损.png", png_bytes(), "image/png")},
        headers=shop.headers,
    )
    assert upload.status_code == 201
    key = shop.keyed()
    body = {
        "order_id": order["id"],
        "type": "return_refund",
        "item_ids": [item["item_id"] for item in found["items"]],
        "reason": "damaged",
        "description": "外包装破损，<b>衣领</b>开线",
        "amount_fen": found["max_refund_fen"],
        "refund_to": "original",
        "photo_ids": [upload.json()["id"]],
    }
    created = shop.client.post(f"{API}/after-sales", json=body, headers=key)
    assert created.status_code == 201, created.text
    after_sale = created.json()
    assert after_sale["status"] == "requested" and after_sale["type"] == "return_refund"
    assert after_sale["description"] == "外包装破损，<b>衣领</b>开线"  # stored as typed
    assert after_sale["merchant_pays_return_shipping"] is True
    assert after_sale["reason_label"] == "商品破损"
    assert after_sale["photo_ids"] == [upload.json()["id"]]
    assert after_sale["timeline"][0]["actor"] == "user"
    assert shop.order(order["id"])["after_sale_status"] == "in_progress"

    replay = shop.client.post(f"{API}/after-sales", json=body, headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == after_sale
    reused = shop.client.post(f"{API}/after-sales", json={**body, "amount_fen": 100}, headers=key)
    assert reused.status_code == 422 and error_code(reused) == "IDEMPOTENCY_KEY_REUSED"
    listed = shop.client.get(f"{API}/after-sales", headers=shop.headers).json()
    assert [item["id"] for item in listed["items"]] == [after_sale["id"]]

    approved = shop.client.post(f"/_dev/after-sales/{after_sale['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "awaiting_return"
    assert approved.json()["return_address"]["city"]
    shipped = shop.post(
        f"/after-sales/{after_sale['id']}/return-shipment",
        {"carrier": "ZTO", "tracking_no": "75123456789012"},
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "return_shipped"
    tracked = shop.client.get(f"{API}/logistics/75123456789012", headers=shop.headers)
    assert tracked.status_code == 200 and tracked.json()["carrier"] == "ZTO"
    received = shop.client.post(f"/_dev/after-sales/{after_sale['id']}/receive")
    assert received.status_code == 200 and received.json()["status"] == "refunded"

    done = shop.after_sale(after_sale["id"], "en")
    assert done["refund_account"] == "balance" and done["refunded_at"] is not None
    assert done["actions"] == ["track_return"]
    assert done["timeline"][-1]["note"].endswith("refunded to the balance")
    assert shop.wallet() == (balance_start - order["shipping_fen"], red_start)
    final = shop.order(order["id"])
    # Every item came back and was refunded: 交易关闭.
    assert final["after_sale_status"] == "refunded" and final["status"] == "closed"
    assert final["actions"] == ["buy_again"]


def test_return_into_red_packets_after_confirmed_receipt(shop: Shop) -> None:
    balance_start, red_start = shop.wallet()
    order = shop.paid_order((T_SHIRT, 1))
    shop.ship(order["id"], deliver=True)
    confirmed = shop.post(f"/orders/{order['id']}/confirm-receipt")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "completed"
    created = shop.created(
        order["id"], "return_refund", reason="changed_mind", refund_to="red_packet", amount_fen=1234
    )
    assert created["merchant_pays_return_shipping"] is False
    shop.client.post(f"/_dev/after-sales/{created['id']}/approve")
    slots = shop.client.get(
        f"{API}/after-sales/{created['id']}/pickup-slots", headers=shop.headers
    ).json()["items"]
    booked = shop.post(
        f"/after-sales/{created['id']}/return-shipment",
        {"pickup": {"address_id": 1, "slot": slots[0]}},
    )
    assert booked.status_code == 200, booked.text
    assert booked.json()["return_tracking_no"].startswith("SF")
    assert booked.json()["pickup"]["slot"] == slots[0]
    shop.client.post(f"/_dev/after-sales/{created['id']}/receive")
    assert shop.wallet() == (balance_start - order["total_fen"], red_start + 1234)
    assert shop.after_sale(created["id"])["refund_account"] == "red_packet"


def test_refund_only_before_shipment_closes_the_order_and_restores_stock(shop: Shop) -> None:
    balance_start, _ = shop.wallet()
    sku_id = shop.sku(T_SHIRT)
    stock_start = shop.stock(sku_id)
    order = shop.paid_order((T_SHIRT, 2))
    assert shop.stock(sku_id) == stock_start - 2
    found = shop.eligibility(order["id"])
    assert found["types"] == ["refund_only"] and found["max_refund_fen"] == order["total_fen"]
    created = shop.created(order["id"], "refund_only", reason="other")
    refunded = shop.client.post(f"/_dev/after-sales/{created['id']}/approve").json()
    assert refunded["status"] == "refunded" and refunded["amount_fen"] == order["total_fen"]
    assert shop.wallet()[0] == balance_start
    assert shop.stock(sku_id) == stock_start
    final = shop.order(order["id"])
    assert final["status"] == "closed" and final["after_sale_status"] == "refunded"
    closed_tab = shop.client.get(f"{API}/orders?status=closed", headers=shop.headers).json()
    assert [listed["id"] for listed in closed_tab["items"]] == [order["id"]]
    counts = shop.client.get(f"{API}/orders/counts", headers=shop.headers).json()
    assert counts["closed"] == 1 and counts["cancelled"] == 0


def test_refund_only_of_a_shipped_undelivered_order(shop: Shop) -> None:
    balance_start, _ = shop.wallet()
    order = shop.paid_order((JACKET, 1))
    shop.ship(order["id"])
    assert shop.eligibility(order["id"])["types"] == ["refund_only", "return_refund", "exchange"]
    created = shop.created(order["id"], "refund_only", reason="not_received")
    shop.client.post(f"/_dev/after-sales/{created['id']}/approve")
    assert shop.after_sale(created["id"])["status"] == "refunded"
    assert shop.wallet()[0] == balance_start - order["shipping_fen"]
    assert shop.order(order["id"])["status"] == "closed"


def test_unanswered_request_is_approved_when_the_clock_passes_24_hours(shop: Shop) -> None:
    balance_start, _ = shop.wallet()
    order = shop.paid_order((T_SHIRT, 1))
    created = shop.created(order["id"], "refund_only")
    shop.advance(24 * 3600 - 60)
    assert shop.after_sale(created["id"])["status"] == "requested"
    shop.advance(60)
    done = shop.after_sale(created["id"])
    assert done["status"] == "refunded"
    assert done["timeline"][1]["actor"] == "system"
    assert shop.wallet()[0] == balance_start


# ---- rejection, modification, appeal ------------------------------------------------


def test_rejection_then_modify_then_approval(shop: Shop) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    shop.ship(order["id"], deliver=True)
    created = shop.created(order["id"], "return_refund", reason="changed_mind")
    rejected = shop.client.post(
        f"/_dev/after-sales/{created['id']}/reject", json={"note": "已影响二次销售"}
    ).json()
    assert rejected["status"] == "rejected" and rejected["merchant_note"] == "已影响二次销售"
    assert rejected["actions"] == ["modify", "appeal"]
    fields = {
        "type": "return_refund",
        "item_ids": [created["items"][0]["item_id"]],
        "reason": "size_fit",
        "description": "尺码偏小",
        "amount_fen": 500,
        "refund_to": "original",
        "photo_ids": [],
    }
    modified = shop.client.put(
        f"{API}/after-sales/{created['id']}", json=fields, headers=shop.headers
    )
    assert modified.status_code == 200, modified.text
    assert modified.json()["status"] == "requested" and modified.json()["amount_fen"] == 500
    again = shop.client.put(f"{API}/after-sales/{created['id']}", json=fields, headers=shop.headers)
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"
    with_order = shop.client.put(
        f"{API}/after-sales/{created['id']}",
        json={**fields, "order_id": order["id"]},
        headers=shop.headers,
    )
    assert field_of(with_order, "order_id") == "unknown_field"
    approved = shop.client.post(f"/_dev/after-sales/{created['id']}/approve").json()
    assert approved["status"] == "awaiting_return"


@pytest.mark.parametrize("platform", ["approve", "reject"])
def test_rejection_then_appeal_then_the_platform_decides(shop: Shop, platform: str) -> None:
    balance_start, _ = shop.wallet()
    order = shop.paid_order((T_SHIRT, 1))
    created = shop.created(order["id"], "refund_only")
    shop.client.post(f"/_dev/after-sales/{created['id']}/reject")
    path = f"/after-sales/{created['id']}/appeal"
    assert field_of(shop.post(path, {"reason": ""}), "reason") == "too_short"
    assert field_of(shop.post(path, {"reason": "不行"}), "reason") == "too_short"
    assert field_of(shop.post(path, {"reason": "理" * 501}), "reason") == "too_long"
    assert field_of(shop.post(path, {}), "reason") == "required"
    appealed = shop.post(path, {"reason": "商家未发货却拒绝退款"})
    assert appealed.status_code == 200 and appealed.json()["status"] == "appealed"
    decided = shop.client.post(f"/_dev/after-sales/{created['id']}/{platform}").json()
    if platform == "approve":
        assert decided["status"] == "refunded"
        assert shop.wallet()[0] == balance_start
        assert shop.order(order["id"])["after_sale_status"] == "refunded"
    else:
        assert decided["status"] == "closed"
        assert shop.wallet()[0] == balance_start - order["total_fen"]
        assert shop.order(order["id"])["after_sale_status"] == "closed"
    assert decided["timeline"][-1]["actor"] == "platform"


@pytest.mark.parametrize("when", ["requested", "awaiting_return"])
def test_cancel_while_requested_or_awaiting_return(shop: Shop, when: str) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    shop.ship(order["id"], deliver=True)
    created = shop.created(order["id"], "return_refund")
    if when == "awaiting_return":
        shop.client.post(f"/_dev/after-sales/{created['id']}/approve")
    cancelled = shop.post(f"/after-sales/{created['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert shop.order(order["id"])["after_sale_status"] == "none"
    found = shop.eligibility(order["id"])
    assert found["types"] == ["refund_only", "return_refund", "exchange"]
    assert list(found["quality_only"]) == ["refund_only"]


# ---- what is not allowed -----------------------------------------------------------


def test_window_closed_says_the_date(shop: Shop) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    shop.ship(order["id"], deliver=True)
    shop.advance(7 * DAY + 60)
    found = shop.eligibility(order["id"], "en")
    assert found["quality_only"].keys() == {"refund_only", "return_refund", "exchange"}
    closed_text = found["quality_only"]["return_refund"]
    assert closed_text.startswith("the return window closed on 20")
    refused = shop.request(
        order["id"], "return_refund", item_ids=[order["items"][0]["id"]], amount_fen=100
    )
    assert refused.status_code == 409 and error_code(refused) == "AFTER_SALE_NOT_ALLOWED"
    assert closed_text[-10:] in refused.json()["error"]["message"]


def test_non_returnable_product_cannot_be_returned(shop: Shop) -> None:
    order = shop.paid_order((PINEAPPLE, 1))
    shop.ship(order["id"], deliver=True)
    found = shop.eligibility(order["id"])
    assert found["quality_only"]["return_refund"] == "生鲜易腐商品不支持退货"
    assert found["items"][0]["quality_only_types"] == ["refund_only", "return_refund", "exchange"]
    refused = shop.request(
        order["id"], "return_refund", item_ids=[found["items"][0]["item_id"]], amount_fen=100
    )
    assert refused.status_code == 409 and error_code(refused) == "AFTER_SALE_NOT_ALLOWED"


def test_pending_payment_and_type_not_allowed(shop: Shop) -> None:
    placed = shop.client.post(
        f"{API}/orders",
        json={"items": [{"sku_id": shop.sku(T_SHIRT), "qty": 1}], "payment_method": "alipay"},
        headers=shop.keyed(),
    ).json()
    found = shop.eligibility(placed["id"], "en")
    assert found["types"] == [] and found["not_allowed"]["refund_only"] == (
        "the order is not paid yet"
    )
    paid = shop.paid_order((T_SHIRT, 1))
    refused = shop.client.post(
        f"{API}/after-sales",
        json={
            "order_id": paid["id"],
            "type": "return_refund",
            "item_ids": [paid["items"][0]["id"]],
            "reason": "damaged",
            "amount_fen": 100,
        },
        headers={**shop.keyed(), "Accept-Language": "en"},
    )
    assert refused.status_code == 409 and error_code(refused) == "AFTER_SALE_NOT_ALLOWED"
    assert "has not shipped" in refused.json()["error"]["message"]


def test_amounts_reasons_and_shapes_are_validated(shop: Shop) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    maximum = shop.eligibility(order["id"])["max_refund_fen"]
    above = shop.request(order["id"], "refund_only", amount_fen=maximum + 1)
    assert field_of(above, "amount_fen") == "bad_amount"
    assert above.json()["error"]["details"]["max_refund_fen"] == maximum
    assert f"{maximum // 100}.{maximum % 100:02d}" in above.json()["error"]["message"]
    assert field_of(shop.request(order["id"], "refund_only", amount_fen=0), "amount_fen")
    assert field_of(shop.request(order["id"], "refund_only", amount_fen=-100), "amount_fen")
    assert field_of(shop.request(order["id"], "refund_only", amount_fen="12.5"), "amount_fen")
    shop.ship(order["id"], deliver=True)
    wrong = shop.request(order["id"], "return_refund", reason="not_received")
    assert field_of(wrong, "reason") == "not_for_type"
    assert field_of(shop.request(order["id"], "return_refund", reason="x" * 33), "reason")
    assert (
        field_of(shop.request(order["id"], "return_refund", description="字" * 501), "description")
        == "too_long"
    )
    assert field_of(shop.request(order["id"], "return_refund", refund_to="cash"), "refund_to")
    assert (
        field_of(
            shop.request(order["id"], "return_refund", photo_ids=list(range(1, 11))), "photo_ids"
        )
        == "too_many"
    )
    assert field_of(shop.request(order["id"], "return_refund", item_ids=[]), "item_ids")
    assert (
        field_of(shop.request(order["id"], "return_refund", colour="red"), "colour")
        == "unknown_field"
    )
    assert (
        field_of(shop.request(order["id"], "return_refund", item_ids=[99999]), "item_ids")
        == "not_selectable"
    )
    no_key = shop.client.post(
        f"{API}/after-sales",
        json={
            "order_id": order["id"],
            "type": "return_refund",
            "item_ids": [order["items"][0]["id"]],
            "reason": "damaged",
            "amount_fen": 1,
        },
        headers=shop.headers,
    )
    assert no_key.status_code == 422
    assert shop.client.get(f"{API}/after-sales", headers=shop.headers).json()["items"] == []


def test_return_shipment_input_is_checked(shop: Shop) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    shop.ship(order["id"], deliver=True)
    created = shop.created(order["id"], "return_refund")
    path = f"/after-sales/{created['id']}/return-shipment"
    early = shop.post(path, {"carrier": "SF", "tracking_no": "SF1234567890123"})
    assert early.status_code == 409 and error_code(early) == "INVALID_STATE"
    shop.client.post(f"/_dev/after-sales/{created['id']}/approve")
    bad_shape = shop.post(path, {"carrier": "SF", "tracking_no": "SF12-34"})
    assert field_of(bad_shape, "tracking_no") == "bad_tracking_no"
    assert field_of(shop.post(path, {"carrier": "UPS", "tracking_no": "1Z999"}), "carrier")
    assert field_of(shop.post(path, {"carrier": "SF"}), "tracking_no") == "required"
    assert field_of(shop.post(path, {}), "carrier") == "required"
    both = {
        "carrier": "SF",
        "tracking_no": "SF1234567890123",
        "pickup": {"address_id": 1, "slot": "2026-11-25 09:00-11:00"},
    }
    assert field_of(shop.post(path, both), "pickup") == "not_with"
    past = shop.post(path, {"pickup": {"address_id": 1, "slot": "2026-11-24 09:00-11:00"}})
    assert field_of(past, "pickup.slot") == "in_past"
    unknown = shop.post(path, {"pickup": {"address_id": 1, "slot": "2026-11-25 08:00-10:00"}})
    assert field_of(unknown, "pickup.slot") == "not_selectable"
    nowhere = shop.post(path, {"pickup": {"address_id": 999, "slot": "2026-11-25 09:00-11:00"}})
    assert nowhere.status_code == 404
    assert shop.after_sale(created["id"])["status"] == "awaiting_return"


# ---- other users ---------------------------------------------------------------------


def test_another_users_order_after_sale_and_upload_are_not_found(
    shop: Shop, make_user: Callable[..., tuple[int, Headers]]
) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    created = shop.created(order["id"], "refund_only")
    _, stranger = make_user()
    checks = [
        shop.client.get(f"{API}/orders/{order['id']}/after-sale-eligibility", headers=stranger),
        shop.client.get(f"{API}/after-sales/{created['id']}", headers=stranger),
        shop.client.post(f"{API}/after-sales/{created['id']}/cancel", headers=stranger),
        shop.client.post(
            f"{API}/after-sales/{created['id']}/appeal",
            json={"reason": "理由充分的申诉"},
            headers=stranger,
        ),
        shop.client.get(f"{API}/after-sales/{created['id']}/pickup-slots", headers=stranger),
        shop.client.post(
            f"{API}/after-sales",
            json={
                "order_id": order["id"],
                "type": "refund_only",
                "item_ids": [order["items"][0]["id"]],
                "reason": "other",
                "amount_fen": 1,
            },
            headers={**stranger, "Idempotency-Key": "k-1"},
        ),
    ]
    for response in checks:
        assert response.status_code == 404, response.text
        assert error_code(response) == "NOT_FOUND"
    assert shop.client.get(f"{API}/after-sales", headers=stranger).json()["items"] == []
    assert shop.after_sale(created["id"])["status"] == "requested"

    theirs = shop.client.post(
        f"{API}/uploads", files={"file": ("a.png", png_bytes(), "image/png")}, headers=stranger
    ).json()
    shop.post(f"/after-sales/{created['id']}/cancel")
    with_their_photo = shop.request(order["id"], "refund_only", photo_ids=[theirs["id"]])
    assert with_their_photo.status_code == 404 and error_code(with_their_photo) == "NOT_FOUND"


def test_list_pages_newest_first_and_refuses_a_bad_cursor(shop: Shop) -> None:
    ids = []
    for _ in range(3):
        order = shop.paid_order((T_SHIRT, 1))
        ids.append(shop.created(order["id"], "refund_only")["id"])
        shop.advance(1)
    first = shop.client.get(f"{API}/after-sales?limit=2", headers=shop.headers).json()
    assert [item["id"] for item in first["items"]] == ids[::-1][:2]
    rest = shop.client.get(
        f"{API}/after-sales",
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=shop.headers,
    ).json()
    assert [item["id"] for item in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    bad = shop.client.get(f"{API}/after-sales?cursor=!!notacursor", headers=shop.headers)
    assert field_of(bad, "cursor") == "bad_cursor"
    assert (
        shop.client.get(f"{API}/after-sales/{ids[0] + 100}", headers=shop.headers).status_code
        == 404
    )


def test_reasons_answer_in_the_request_language(client: TestClient) -> None:
    zh = client.get(f"{API}/after-sale-reasons").json()["items"]
    en = client.get(f"{API}/after-sale-reasons", headers={"Accept-Language": "en"}).json()["items"]
    assert [item["code"] for item in zh] == [item["code"] for item in en]
    assert zh[0]["label"] == "质量问题" and en[0]["label"] == "Quality problem"


# ---- illegal transitions over HTTP ---------------------------------------------------


def test_illegal_transitions_answer_409_and_change_nothing(shop: Shop) -> None:
    order = shop.paid_order((T_SHIRT, 1))
    created = shop.created(order["id"], "refund_only")
    after_sale_id = created["id"]
    before = shop.after_sale(after_sale_id)
    balance = shop.wallet()
    for response in (
        shop.post(f"/after-sales/{after_sale_id}/appeal", {"reason": "理由充分的申诉"}),
        shop.post(
            f"/after-sales/{after_sale_id}/return-shipment",
            {"carrier": "SF", "tracking_no": "SF1234567890123"},
        ),
        shop.client.get(f"{API}/after-sales/{after_sale_id}/pickup-slots", headers=shop.headers),
        shop.client.post(f"/_dev/after-sales/{after_sale_id}/receive"),
    ):
        assert response.status_code == 409 and error_code(response) == "INVALID_STATE"
        assert response.json()["error"]["details"] == {"state": "requested"}
    assert shop.after_sale(after_sale_id) == before and shop.wallet() == balance
    shop.client.post(f"/_dev/after-sales/{after_sale_id}/approve")
    refunded = shop.after_sale(after_sale_id)
    balance = shop.wallet()
    for response in (
        shop.post(f"/after-sales/{after_sale_id}/cancel"),
        shop.client.post(f"/_dev/after-sales/{after_sale_id}/approve"),
        shop.client.post(f"/_dev/after-sales/{after_sale_id}/reject"),
    ):
        assert response.status_code == 409 and error_code(response) == "INVALID_STATE"
    assert shop.after_sale(after_sale_id) == refunded and shop.wallet() == balance


def test_refund_of_a_qr_payment_goes_back_to_alipay(shop: Shop) -> None:
    balance_start, red_start = shop.wallet()
    placed = shop.client.post(
        f"{API}/orders",
        json={"items": [{"sku_id": shop.sku(JACKET), "qty": 1}], "payment_method": "alipay"},
        headers=shop.keyed(),
    ).json()
    payment = shop.client.post(
        f"{API}/orders/{placed['id']}/pay", json={"method": "alipay"}, headers=shop.keyed()
    ).json()
    assert shop.client.post(f"/_dev/payments/{payment['id']}/succeed").status_code == 200
    created = shop.created(placed["id"], "refund_only", amount_fen=placed["total_fen"] - 1)
    done = shop.client.post(f"/_dev/after-sales/{created['id']}/approve").json()
    assert done["status"] == "refunded" and done["refund_account"] == "alipay"
    assert shop.wallet() == (balance_start, red_start)
    refunds = shop.ctx.db.all(
        "SELECT account, amount_fen FROM wallet_transactions"
        " WHERE order_id = ? AND kind = 'refund'",
        (placed["id"],),
    )
    assert [(row["account"], row["amount_fen"]) for row in refunds] == [
        ("alipay", placed["total_fen"] - 1)
    ]
    # Every item is refunded (the buyer asked for a fen less): nothing is left to ship.
    assert shop.order(placed["id"])["status"] == "closed"
    assert shop.eligibility(placed["id"])["types"] == []


def test_a_full_refund_that_cancels_gives_the_coupon_back_and_speaks_the_language(
    shop: Shop,
) -> None:
    body = {
        "items": [{"sku_id": sku_between(shop.ctx, 20000, 30000)["id"], "qty": 1}],
        "payment_method": "balance",
        "coupon_id": DEMO_COUPON_ID,
    }
    placed = shop.client.post(f"{API}/orders", json=body, headers=shop.keyed())
    assert placed.status_code == 201 and placed.json()["discount_fen"] == 2000, placed.text
    order_id = placed.json()["id"]
    paid = shop.client.post(
        f"{API}/orders/{order_id}/pay",
        json={"method": "balance", "payment_password": "123456"},
        headers=shop.keyed(),
    )
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded"
    usable = shop.client.get(f"{API}/coupons?status=usable", headers=shop.headers).json()
    assert DEMO_COUPON_ID not in [coupon["id"] for coupon in usable["items"]]

    after_sale = shop.created(order_id, "refund_only")
    approved = shop.client.post(f"/_dev/after-sales/{after_sale['id']}/approve")
    assert approved.status_code == 200

    usable = shop.client.get(f"{API}/coupons?status=usable", headers=shop.headers).json()
    assert DEMO_COUPON_ID in [coupon["id"] for coupon in usable["items"]]
    english = shop.client.get(
        f"{API}/orders/{order_id}", headers={**shop.headers, "Accept-Language": "en"}
    ).json()
    assert english["status"] == "closed"
    notes = {event["status"]: event["note"] for event in english["timeline"]}
    assert notes["after_sale_requested"].startswith("Requested a refund only of ¥")
    assert notes["after_sale_refunded"].endswith("refunded to the balance")
    assert notes["closed"] == "Every item was refunded; the order is closed"
    chinese = shop.order(order_id)
    assert {event["status"]: event["note"] for event in chinese["timeline"]}["closed"] == (
        "全部商品已退款，交易关闭"
    )
