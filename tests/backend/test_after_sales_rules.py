"""After-sale rules at service level (no HTTP): eligibility, maxima, every transition,
money back to the fen, stock, the 24 h deadline and the merchant simulator."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from fake_backend.clock import parse_iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import (
    after_sale_appeals,
    after_sale_merchant,
    after_sale_requests,
    after_sale_returns,
    after_sale_rules,
    after_sale_views,
    ledger,
    logistics,
    order_views,
    sweeper,
)
from fake_backend.services.after_sale_requests import Request
from fake_backend.services.rules import dumps, split_proportionally
from tests.backend.test_orders import DEMO_COUPON_ID, coupon_state, sku_between
from tests.backend.test_orders_service import paid_order
from tests.conftest import DEMO_USER_ID

DAY = 86400.0
T_SHIRT = 1  # returnable, 7-day window
JACKET = 5  # returnable, 15-day window
PINEAPPLE = 13  # perishable: not returnable
_order_numbers = itertools.count(1)


# ---- building orders directly (the order area's pricing is not under test here) -------


def sku_of(ctx: Ctx, product_id: int) -> sqlite3.Row:
    row = ctx.db.one(
        "SELECT s.id, s.price_fen, s.stock, p.name, s.specs FROM skus s"
        " JOIN products p ON p.id = s.product_id WHERE s.product_id = ? AND s.stock >= 10"
        " ORDER BY s.id LIMIT 1",
        (product_id,),
    )
    assert row is not None
    return row


def stock_of(ctx: Ctx, sku_id: int) -> int:
    stock: int = ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,))
    return stock


def wallet(ctx: Ctx, user_id: int = DEMO_USER_ID) -> tuple[int, int]:
    row = ctx.db.one("SELECT balance_fen, red_packet_fen FROM users WHERE id = ?", (user_id,))
    assert row is not None
    return row["balance_fen"], row["red_packet_fen"]


def place_paid_order(
    ctx: Ctx,
    lines: list[tuple[int, int]],
    *,
    shipping_fen: int = 0,
    discount_fen: int = 0,
    user_id: int = DEMO_USER_ID,
) -> int:
    """An order of (product id, qty) lines paid from the balance, stock reserved."""
    skus = [(sku_of(ctx, product_id), qty) for product_id, qty in lines]
    amounts = [sku["price_fen"] * qty for sku, qty in skus]
    shares = split_proportionally(discount_fen, amounts)
    total = sum(amounts) + shipping_fen - discount_fen
    now = ctx.now()
    with ctx.db.tx():
        order_id = ctx.db.insert(
            "INSERT INTO orders(order_no, user_id, status, subtotal_fen, shipping_fen,"
            " discount_fen, total_fen, payment_method, paid_method, address, address_id,"
            " created_at, paid_at) VALUES (?,?, 'awaiting_shipment', ?,?,?,?, 'balance',"
            " 'balance', ?, 1, ?, ?)",
            (
                f"TEST{next(_order_numbers):08d}",
                user_id,
                sum(amounts),
                shipping_fen,
                discount_fen,
                total,
                dumps({"name": "张三", "province": "浙江省", "city": "杭州市"}),
                now,
                now,
            ),
        )
        for (sku, qty), share in zip(skus, shares, strict=True):
            ctx.db.execute(
                "INSERT INTO order_items(order_id, product_id, sku_id, name, specs, price_fen,"
                " qty, discount_share_fen) VALUES (?, (SELECT product_id FROM skus WHERE id = ?),"
                " ?,?,?,?,?,?)",
                (
                    order_id,
                    sku["id"],
                    sku["id"],
                    sku["name"],
                    sku["specs"],
                    sku["price_fen"],
                    qty,
                    share,
                ),
            )
            ctx.db.execute("UPDATE skus SET stock = stock - ? WHERE id = ?", (qty, sku["id"]))
        ledger.record(ctx, user_id, "balance", "payment", -total, order_id=order_id)
    return order_id


def order_row(ctx: Ctx, order_id: int) -> sqlite3.Row:
    row = ctx.db.one("SELECT * FROM orders WHERE id = ?", (order_id,))
    assert row is not None
    return row


def item_ids(ctx: Ctx, order_id: int) -> list[int]:
    return [
        r["id"] for r in ctx.db.all("SELECT id FROM order_items WHERE order_id = ?", (order_id,))
    ]


def delivered(ctx: Ctx, order_id: int) -> None:
    logistics.ship(ctx, order_id)
    logistics.deliver(ctx, order_id)


def ask(
    ctx: Ctx,
    order_id: int,
    kind: str = "refund_only",
    *,
    items: list[int] | None = None,
    reason: str = "wrong_item",
    amount_fen: int | None = None,
    refund_to: str = "original",
    user_id: int = DEMO_USER_ID,
    lang: str = "zh",
    photo_ids: list[int] | None = None,
) -> dict[str, Any]:
    """Creates an after-sale; by default every eligible item for its maximum, with a
    photo when the reason needs one."""
    chosen = items if items is not None else item_ids(ctx, order_id)
    if photo_ids is None:
        known = after_sale_rules.REASONS.get(reason)
        photo_ids = [photo(ctx, user_id)] if known is not None and known.quality else []
    if amount_fen is None:
        assessment = after_sale_rules.assess(ctx, order_row(ctx, order_id))
        amount_fen = assessment.max_refund(chosen)
    request = Request(
        type=kind,
        item_ids=chosen,
        reason=reason,
        description="",
        amount_fen=amount_fen,
        refund_to=refund_to,
        photo_ids=photo_ids,
    )
    return after_sale_requests.create(ctx, user_id, order_id, request, lang)


def photo(ctx: Ctx, user_id: int = DEMO_USER_ID) -> int:
    """An upload of the user's (its bytes are not looked at once stored)."""
    return ctx.db.insert(
        "INSERT INTO uploads(user_id, content_type, size, filename, data, created_at)"
        " VALUES (?, 'image/png', 1, 'a.png', x'00', ?)",
        (user_id, ctx.now()),
    )


def state(ctx: Ctx, after_sale_id: int) -> str:
    status: str = ctx.db.scalar("SELECT status FROM after_sales WHERE id = ?", (after_sale_id,))
    return status


def raises(code: str, action: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        action()
    assert caught.value.code == code, caught.value.envelope("en")
    return caught.value


# ---- reasons and eligibility ------------------------------------------------------------


def test_reasons_say_which_types_and_who_pays_return_shipping() -> None:
    listed = {item["code"]: item for item in after_sale_views.reasons("zh")["items"]}
    assert set(listed) == {
        "quality_problem",
        "damaged",
        "missing_items",
        "wrong_item",
        "not_as_described",
        "size_fit",
        "not_received",
        "changed_mind",
        "other",
    }
    payers = {code for code, item in listed.items() if item["merchant_pays_return_shipping"]}
    assert payers == {
        "quality_problem",
        "damaged",
        "missing_items",
        "wrong_item",
        "not_as_described",
    }
    quality = {code for code, item in listed.items() if item["quality"]}
    assert quality == {"quality_problem", "damaged", "missing_items", "not_as_described"}
    assert all(item["photo_required"] == item["quality"] for item in listed.values())
    assert listed["not_received"]["types"] == ["refund_only"]
    assert listed["changed_mind"]["types"] == ["refund_only", "return_refund"]
    assert listed["size_fit"]["types"] == ["return_refund", "exchange"]
    assert listed["missing_items"]["types"] == ["refund_only", "return_refund", "exchange"]
    assert after_sale_views.reasons("en")["items"][0]["label"] == "Quality problem"


def test_unpaid_and_cancelled_orders_allow_nothing(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    ctx.db.execute("UPDATE orders SET status = 'pending_payment' WHERE id = ?", (order_id,))
    unpaid = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert unpaid["types"] == [] and unpaid["max_refund_fen"] == 0
    assert unpaid["not_allowed"] == {
        "refund_only": "the order is not paid yet",
        "return_refund": "the order is not paid yet",
        "exchange": "the order is not paid yet",
    }
    assert unpaid["quality_only"] == {} and unpaid["reasons_by_type"] == {}
    assert unpaid["items"][0]["eligible"] is False
    ctx.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,))
    cancelled = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert cancelled["types"] == []
    assert cancelled["not_allowed"]["refund_only"] == "订单已取消"
    raises("AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, amount_fen=100))


def test_before_shipment_only_a_refund_and_the_maximum_includes_shipping(ctx: Ctx) -> None:
    order_id = place_paid_order(
        ctx, [(T_SHIRT, 2), (JACKET, 1)], shipping_fen=800, discount_fen=2000
    )
    order = order_row(ctx, order_id)
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert found["types"] == ["refund_only"]
    assert "return_refund" in found["not_allowed"]
    assert (
        found["max_refund_fen"] == order["total_fen"] == found["max_refund_by_type"]["refund_only"]
    )
    assert found["window_ends_at"] is None
    shirt, jacket = found["items"]
    assert shirt["refundable_fen"] + jacket["refundable_fen"] == order["total_fen"] - 800
    assert shirt["refundable_fen"] == shirt["price_fen"] * 2 - ctx.db.scalar(
        "SELECT discount_share_fen FROM order_items WHERE id = ?", (shirt["item_id"],)
    )
    assessment = after_sale_rules.assess(ctx, order)
    # One item alone: its own share only, no shipping.
    assert assessment.max_refund([shirt["item_id"]]) == shirt["refundable_fen"]
    assert set(found["merchant_pays_return_shipping_reasons"]) == {
        "quality_problem",
        "damaged",
        "missing_items",
        "wrong_item",
        "not_as_described",
    }


def test_shipped_undelivered_allows_both_delivered_only_a_return(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    logistics.ship(ctx, order_id)
    shipped = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert shipped["types"] == ["refund_only", "return_refund", "exchange"]
    assert shipped["not_allowed"] == {} and shipped["quality_only"] == {}
    # Shipping is no longer refundable once the parcel left.
    assert shipped["max_refund_fen"] == order_row(ctx, order_id)["total_fen"]
    logistics.deliver(ctx, order_id)
    got = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    # After delivery a refund only is for missing items, a lost parcel or a quality problem.
    assert got["types"] == ["refund_only", "return_refund", "exchange"]
    assert got["not_allowed"] == {}
    assert "missing items" in got["quality_only"]["refund_only"]
    assert set(got["quality_only"]) == {"refund_only"}
    assert got["reasons_by_type"]["refund_only"] == [
        "quality_problem",
        "damaged",
        "missing_items",
        "not_as_described",
        "not_received",
    ]
    assert "changed_mind" in got["reasons_by_type"]["return_refund"]
    assert got["items"][0]["quality_only_types"] == ["refund_only"]
    raises(
        "AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, reason="changed_mind", amount_fen=1)
    )
    delivered_at = order_row(ctx, order_id)["delivered_at"]
    assert got["window_ends_at"] is not None
    assert parse_iso(got["window_ends_at"]) == delivered_at + 7 * DAY
    assert got["quality_window_ends_at"] is not None
    assert parse_iso(got["quality_window_ends_at"]) == delivered_at + 90 * DAY


def test_return_window_closes_with_the_date_and_per_product_days(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1), (JACKET, 1)])
    delivered(ctx, order_id)
    shirt_id, jacket_id = item_ids(ctx, order_id)
    ctx.clock.advance(7 * DAY + 1)
    got = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert got["types"] == ["refund_only", "return_refund", "exchange"]
    by_id = {item["item_id"]: item for item in got["items"]}
    # Past its no-reason window the shirt is heard for a quality problem only.
    assert by_id[shirt_id]["quality_only_types"] == ["refund_only", "return_refund", "exchange"]
    assert by_id[shirt_id]["reason"].startswith("the return window closed on 2026-12-01")
    assert by_id[jacket_id]["quality_only_types"] == ["refund_only"]
    raises(
        "AFTER_SALE_NOT_ALLOWED",
        lambda: ask(ctx, order_id, "return_refund", items=[shirt_id], amount_fen=1),
    )
    ctx.clock.advance(8 * DAY)
    closed = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert closed["types"] == ["refund_only", "return_refund", "exchange"]
    assert closed["quality_only"]["return_refund"] == "退货期已于 2026-12-09 结束"
    error = raises(
        "AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, "return_refund", amount_fen=1)
    )
    assert "2026-12-09" in error.message("en")
    # A quality problem is still heard, with a photo.
    quality = ask(ctx, order_id, "return_refund", items=[shirt_id], reason="damaged")
    assert quality["status"] == "requested"


def test_completed_order_window_counts_from_delivery(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    ctx.clock.advance(3 * DAY)
    ctx.db.execute(
        "UPDATE orders SET status = 'completed', completed_at = ? WHERE id = ?",
        (ctx.now(), order_id),
    )
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert found["quality_only"].keys() == {"refund_only"}
    ctx.clock.advance(4 * DAY + 1)
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert found["quality_only"].keys() == {"refund_only", "return_refund", "exchange"}
    # Quality problems are heard up to 90 days after delivery, not after.
    ctx.clock.advance(83 * DAY)
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert found["types"] == []
    assert found["not_allowed"]["return_refund"].startswith("after-sales closed 90 days")
    raises(
        "AFTER_SALE_NOT_ALLOWED",
        lambda: ask(ctx, order_id, "return_refund", reason="quality_problem", amount_fen=1),
    )


def test_non_returnable_goods_refund_before_shipment_but_never_return(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(PINEAPPLE, 1), (T_SHIRT, 1)])
    fruit_id, shirt_id = item_ids(ctx, order_id)
    before = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert before["types"] == ["refund_only"]
    assert all(item["eligible"] for item in before["items"])
    delivered(ctx, order_id)
    after = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert after["types"] == ["refund_only", "return_refund", "exchange"]
    by_id = {item["item_id"]: item for item in after["items"]}
    # Perishable goods are heard for a quality problem only.
    assert by_id[fruit_id]["quality_only_types"] == ["refund_only", "return_refund", "exchange"]
    assert by_id[fruit_id]["reason"] == "perishable goods cannot be returned"
    assert by_id[shirt_id]["quality_only_types"] == ["refund_only"]
    error = raises(
        "AFTER_SALE_NOT_ALLOWED",
        lambda: ask(ctx, order_id, "return_refund", items=[fruit_id], amount_fen=100),
    )
    assert error.details == {"type": "return_refund", "reason": "perishable", "item_id": fruit_id}
    rotten = ask(ctx, order_id, "refund_only", items=[fruit_id], reason="quality_problem")
    assert rotten["status"] == "requested" and len(rotten["photo_ids"]) == 1


# ---- creating: validation ------------------------------------------------------------


def test_amount_must_be_within_the_maximum(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)], shipping_fen=600)
    maximum = order_row(ctx, order_id)["total_fen"]
    error = raises("VALIDATION_ERROR", lambda: ask(ctx, order_id, amount_fen=maximum + 1))
    assert error.details["max_refund_fen"] == maximum
    field = error.wire_details("en")["fields"]["amount_fen"]
    assert field["code"] == "bad_amount" and f"¥{maximum // 100}" in field["message"]
    raises("VALIDATION_ERROR", lambda: ask(ctx, order_id, amount_fen=0))
    raises("VALIDATION_ERROR", lambda: ask(ctx, order_id, amount_fen=-5))
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0
    assert ask(ctx, order_id, amount_fen=maximum)["amount_fen"] == maximum


def test_reason_must_suit_the_type_and_items_must_be_the_orders(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    wrong = raises(
        "VALIDATION_ERROR", lambda: ask(ctx, order_id, "return_refund", reason="not_received")
    )
    assert wrong.wire_details("en")["fields"]["reason"]["code"] == "not_for_type"
    unknown = raises(
        "VALIDATION_ERROR", lambda: ask(ctx, order_id, "return_refund", reason="because")
    )
    assert unknown.wire_details("en")["fields"]["reason"]["code"] == "not_one_of"
    other_order = place_paid_order(ctx, [(JACKET, 1)])
    foreign = raises(
        "VALIDATION_ERROR",
        lambda: ask(ctx, order_id, "return_refund", items=item_ids(ctx, other_order), amount_fen=1),
    )
    assert "item_ids" in foreign.wire_details("en")["fields"]
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


def test_another_users_order_is_not_found(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    raises("NOT_FOUND", lambda: after_sale_views.eligibility(ctx, 999, order_id, "zh"))
    raises("NOT_FOUND", lambda: ask(ctx, order_id, user_id=999, amount_fen=100))
    created = ask(ctx, order_id)
    raises("NOT_FOUND", lambda: after_sale_views.get(ctx, 999, created["id"], "zh"))
    raises("NOT_FOUND", lambda: after_sale_requests.cancel(ctx, 999, created["id"], "zh"))
    assert state(ctx, created["id"]) == "requested"


def test_one_active_after_sale_per_order(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1), (JACKET, 1)])
    shirt_id, jacket_id = item_ids(ctx, order_id)
    first = ask(ctx, order_id, items=[shirt_id])
    assert order_row(ctx, order_id)["after_sale_status"] == "in_progress"
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert found["types"] == []
    assert "under way" in found["not_allowed"]["refund_only"]
    error = raises(
        "AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, items=[jacket_id], amount_fen=1)
    )
    assert error.details["reason"] == "in_progress"
    after_sale_requests.cancel(ctx, DEMO_USER_ID, first["id"], "zh")
    assert after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")["types"] == [
        "refund_only"
    ]


def test_photos_must_be_the_users_own_uploads(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    other_upload = ctx.db.insert(
        "INSERT INTO uploads(user_id, content_type, size, filename, data, created_at)"
        " VALUES (?, 'image/png', 1, 'a.png', x'00', 0)",
        (_other_user(ctx),),
    )
    request = Request(
        "refund_only", item_ids(ctx, order_id), "damaged", "", 100, "original", [other_upload]
    )
    raises(
        "NOT_FOUND", lambda: after_sale_requests.create(ctx, DEMO_USER_ID, order_id, request, "zh")
    )
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


def _other_user(ctx: Ctx) -> int:
    return ctx.db.insert(
        "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000001', 'x', 0)"
    )


# ---- refunds: money, items, stock, order --------------------------------------------


def test_full_refund_before_shipment_closes_the_order_and_returns_stock(ctx: Ctx) -> None:
    balance_before, _ = wallet(ctx)
    sku = sku_of(ctx, T_SHIRT)
    stock_before = stock_of(ctx, sku["id"])
    order_id = place_paid_order(ctx, [(T_SHIRT, 3)], shipping_fen=600, discount_fen=150)
    total = order_row(ctx, order_id)["total_fen"]
    assert wallet(ctx)[0] == balance_before - total
    assert stock_of(ctx, sku["id"]) == stock_before - 3
    created = ask(ctx, order_id)
    assert created["amount_fen"] == total
    assert created["status"] == "requested" and created["actions"] == ["cancel"]
    after_sale_merchant.approve(ctx, created["id"])
    done = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")
    assert done["status"] == "refunded"
    assert done["refund_account"] == "balance"
    assert [entry["status"] for entry in done["timeline"]] == ["requested", "approved", "refunded"]
    assert done["timeline"][-1]["note"] == f"退款 ¥{total // 100}.{total % 100:02d} 已退回余额"
    assert wallet(ctx)[0] == balance_before
    assert stock_of(ctx, sku["id"]) == stock_before
    order = order_row(ctx, order_id)
    assert order["status"] == "closed" and order["after_sale_status"] == "refunded"
    assert order["refunded_fen"] == total
    events = [
        r["status"]
        for r in ctx.db.all(
            "SELECT status FROM order_events WHERE order_id = ? ORDER BY id", (order_id,)
        )
    ]
    assert events[-1] == "closed" and "after_sale_refunded" in events


def test_partial_refund_before_shipment_keeps_the_order_then_the_rest_closes_it(
    ctx: Ctx,
) -> None:
    balance_before, _ = wallet(ctx)
    shirt_sku, jacket_sku = sku_of(ctx, T_SHIRT), sku_of(ctx, JACKET)
    jacket_stock = stock_of(ctx, jacket_sku["id"])
    shirt_stock = stock_of(ctx, shirt_sku["id"])
    order_id = place_paid_order(
        ctx, [(T_SHIRT, 1), (JACKET, 2)], shipping_fen=800, discount_fen=2000
    )
    shirt_id, jacket_id = item_ids(ctx, order_id)
    first = ask(ctx, order_id, items=[jacket_id])
    after_sale_merchant.approve(ctx, first["id"])
    order = order_row(ctx, order_id)
    assert order["status"] == "awaiting_shipment"
    assert order["after_sale_status"] == "refunded_partly"
    assert stock_of(ctx, jacket_sku["id"]) == jacket_stock
    assert stock_of(ctx, shirt_sku["id"]) == shirt_stock - 1
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert [item["eligible"] for item in found["items"]] == [True, False]
    assert found["items"][1]["reason"] == "该商品已退款"
    again = raises(
        "AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, items=[jacket_id], amount_fen=1)
    )
    assert again.details == {"type": "refund_only", "reason": "refunded", "item_id": jacket_id}
    # The last item carries the shipping fee: together exactly what was paid.
    assert first["amount_fen"] + found["max_refund_fen"] == order["total_fen"]
    second = ask(ctx, order_id, items=[shirt_id], refund_to="red_packet")
    after_sale_merchant.approve(ctx, second["id"])
    assert order_row(ctx, order_id)["status"] == "closed"
    assert order_row(ctx, order_id)["after_sale_status"] == "refunded"
    assert stock_of(ctx, shirt_sku["id"]) == shirt_stock
    assert wallet(ctx) == (
        balance_before - order["total_fen"] + first["amount_fen"],
        second["amount_fen"],
    )
    assert after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")["types"] == []


def test_refund_only_of_a_shipped_undelivered_order(ctx: Ctx) -> None:
    balance_before, _ = wallet(ctx)
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)], shipping_fen=600)
    logistics.ship(ctx, order_id)
    created = ask(ctx, order_id, reason="not_received")
    assert created["amount_fen"] == order_row(ctx, order_id)["total_fen"] - 600
    after_sale_merchant.approve(ctx, created["id"])
    assert state(ctx, created["id"]) == "refunded"
    order = order_row(ctx, order_id)
    # Its only item refunded: the order is closed (交易关闭).
    assert order["status"] == "closed" and order["after_sale_status"] == "refunded"
    assert wallet(ctx)[0] == balance_before - 600


def test_return_and_refund_to_the_end_on_the_original_method(ctx: Ctx) -> None:
    balance_before, red_before = wallet(ctx)
    order_id = place_paid_order(ctx, [(JACKET, 1)], shipping_fen=0, discount_fen=1999)
    delivered(ctx, order_id)
    created = ask(ctx, order_id, "return_refund", reason="quality_problem", lang="en")
    assert created["merchant_pays_return_shipping"] is True
    assert created["deadline_at"] is not None and created["return_address"] is None
    after_sale_merchant.approve(ctx, created["id"])
    waiting = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")
    assert waiting["status"] == "awaiting_return"
    assert waiting["actions"] == ["ship_return", "book_pickup", "cancel"]
    assert waiting["return_address"]["city"] == logistics.warehouse_city(ctx, order_id)
    bad = raises(
        "VALIDATION_ERROR",
        lambda: after_sale_returns.ship_return(
            ctx, DEMO_USER_ID, created["id"], "SF", "SF12345", "zh"
        ),
    )
    assert bad.wire_details("en")["fields"]["tracking_no"]["code"] == "bad_tracking_no"
    shape = raises(
        "VALIDATION_ERROR",
        lambda: after_sale_returns.ship_return(
            ctx, DEMO_USER_ID, created["id"], "ZTO", "SF1234567890123", "zh"
        ),
    )
    assert "tracking_no" in shape.details["fields"]
    taken = order_row(ctx, order_id)["tracking_no"]
    in_use = raises(
        "VALIDATION_ERROR",
        lambda: after_sale_returns.ship_return(
            ctx, DEMO_USER_ID, created["id"], logistics.carrier_of(taken) or "", taken, "zh"
        ),
    )
    assert in_use.wire_details("en")["fields"]["tracking_no"]["code"] == "tracking_no_in_use"
    assert state(ctx, created["id"]) == "awaiting_return"
    shipped = after_sale_returns.ship_return(
        ctx, DEMO_USER_ID, created["id"], "YTO", "yt1234567890123", "zh"
    )
    assert shipped["status"] == "return_shipped"
    assert shipped["return_tracking_no"] == "YT1234567890123"
    assert shipped["actions"] == ["track_return"]
    parcel = logistics.parcel_tracking(ctx, "YT1234567890123", "zh")
    assert parcel["status"] == "collected"
    after_sale_merchant.receive(ctx, created["id"])
    done = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert done["status"] == "refunded" and done["refund_account"] == "balance"
    assert [e["status"] for e in done["timeline"]] == [
        "requested",
        "approved",
        "awaiting_return",
        "return_shipped",
        "received",
        "refunded",
    ]
    assert {e["actor"] for e in done["timeline"]} == {"user", "merchant"}
    assert wallet(ctx) == (balance_before, red_before)
    assert ctx.db.scalar("SELECT refunded FROM order_items WHERE order_id = ?", (order_id,)) == 1
    assert order_row(ctx, order_id)["after_sale_status"] == "refunded"


def test_return_and_refund_into_red_packets(ctx: Ctx) -> None:
    balance_before, red_before = wallet(ctx)
    order_id = place_paid_order(ctx, [(T_SHIRT, 2)])
    total = order_row(ctx, order_id)["total_fen"]
    delivered(ctx, order_id)
    created = ask(
        ctx,
        order_id,
        "return_refund",
        reason="changed_mind",
        refund_to="red_packet",
        amount_fen=total - 1,
    )
    assert created["merchant_pays_return_shipping"] is False
    after_sale_merchant.approve(ctx, created["id"])
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "JD", "JDVA12345678901", "zh")
    after_sale_merchant.receive(ctx, created["id"])
    assert wallet(ctx) == (balance_before - total, red_before + total - 1)
    done = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")
    assert done["refund_account"] == "red_packet"
    assert done["timeline"][-1]["note"].endswith("已退回红包")


# ---- rejection, modification, appeal, cancellation -----------------------------------


def test_rejection_then_modify_then_approval(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1), (JACKET, 1)])
    delivered(ctx, order_id)
    shirt_id, jacket_id = item_ids(ctx, order_id)
    created = ask(ctx, order_id, "return_refund", items=[shirt_id], reason="changed_mind")
    after_sale_merchant.reject(ctx, created["id"], "吊牌已剪，不支持无理由退货")
    rejected = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")
    assert rejected["status"] == "rejected" and rejected["actions"] == ["modify", "appeal"]
    assert rejected["merchant_note"] == "吊牌已剪，不支持无理由退货"
    assert order_row(ctx, order_id)["after_sale_status"] == "in_progress"
    ctx.clock.advance(8 * DAY)  # past the T-shirt's 7 days: the first request's date counts
    request = Request(
        "return_refund",
        [shirt_id, jacket_id],
        "quality_problem",
        "线头开裂",
        1000,
        "original",
        [photo(ctx)],
    )
    modified = after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], request, "en")
    assert modified["status"] == "requested" and modified["amount_fen"] == 1000
    assert [item["item_id"] for item in modified["items"]] == [shirt_id, jacket_id]
    assert modified["merchant_pays_return_shipping"] is True
    assert modified["timeline"][-1]["note"] == "Modified and resubmitted by the buyer"
    after_sale_merchant.approve(ctx, created["id"])
    assert state(ctx, created["id"]) == "awaiting_return"


def test_modify_is_checked_like_a_new_request(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    created = ask(ctx, order_id)
    after_sale_merchant.reject(ctx, created["id"])
    bigger = Request("refund_only", item_ids(ctx, order_id), "other", "", 10**9, "original", [])
    raises(
        "VALIDATION_ERROR",
        lambda: after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], bigger, "zh"),
    )
    returning = Request("return_refund", item_ids(ctx, order_id), "other", "", 1, "original", [])
    raises(
        "AFTER_SALE_NOT_ALLOWED",
        lambda: after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], returning, "zh"),
    )
    assert state(ctx, created["id"]) == "rejected"
    assert after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")["merchant_note"] == (
        "商家拒绝了申请"
    )


def test_appeal_upheld_refunds_and_appeal_dismissed_closes(ctx: Ctx) -> None:
    balance_before, _ = wallet(ctx)
    upheld_order = place_paid_order(ctx, [(T_SHIRT, 1)])
    upheld = ask(ctx, upheld_order)
    after_sale_merchant.reject(ctx, upheld["id"], "已发货")
    raises(
        "VALIDATION_ERROR",
        lambda: after_sale_appeals.appeal(ctx, DEMO_USER_ID, upheld["id"], "    ", "zh"),
    )
    appealed = after_sale_appeals.appeal(
        ctx, DEMO_USER_ID, upheld["id"], "商家并未发货却拒绝退款", "zh"
    )
    assert appealed["status"] == "appealed" and appealed["actions"] == []
    assert appealed["appeal_reason"] == "商家并未发货却拒绝退款"
    after_sale_appeals.platform_approve(ctx, upheld["id"])
    done = after_sale_views.get(ctx, DEMO_USER_ID, upheld["id"], "en")
    assert done["status"] == "refunded" and done["timeline"][-1]["actor"] == "platform"
    assert done["timeline"][-1]["note"].startswith("The platform sided with the buyer")
    assert wallet(ctx)[0] == balance_before

    dismissed_order = place_paid_order(ctx, [(JACKET, 1)])
    dismissed = ask(ctx, dismissed_order)
    after_sale_merchant.reject(ctx, dismissed["id"])
    after_sale_appeals.appeal(ctx, DEMO_USER_ID, dismissed["id"], "我要申诉，理由充分", "zh")
    after_sale_appeals.platform_reject(ctx, dismissed["id"])
    closed = after_sale_views.get(ctx, DEMO_USER_ID, dismissed["id"], "zh")
    assert closed["status"] == "closed" and closed["merchant_note"] == "平台介入：维持商家处理结果"
    assert order_row(ctx, dismissed_order)["after_sale_status"] == "closed"
    assert order_row(ctx, dismissed_order)["refunded_fen"] == 0


def test_cancel_while_requested_and_while_awaiting_return(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    first = ask(ctx, order_id, "return_refund")
    cancelled = after_sale_requests.cancel(ctx, DEMO_USER_ID, first["id"], "zh")
    assert cancelled["status"] == "cancelled" and cancelled["actions"] == []
    assert order_row(ctx, order_id)["after_sale_status"] == "none"
    second = ask(ctx, order_id, "return_refund")
    after_sale_merchant.approve(ctx, second["id"])
    after_sale_requests.cancel(ctx, DEMO_USER_ID, second["id"], "zh")
    assert state(ctx, second["id"]) == "cancelled"
    assert order_row(ctx, order_id)["after_sale_status"] == "none"
    assert order_row(ctx, order_id)["refunded_fen"] == 0


def test_cancel_after_an_earlier_refund_leaves_the_order_refunded_partly(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1), (JACKET, 1)])
    shirt_id, jacket_id = item_ids(ctx, order_id)
    after_sale_merchant.approve(ctx, ask(ctx, order_id, items=[shirt_id])["id"])
    second = ask(ctx, order_id, items=[jacket_id])
    assert order_row(ctx, order_id)["after_sale_status"] == "in_progress"
    after_sale_requests.cancel(ctx, DEMO_USER_ID, second["id"], "zh")
    order = order_row(ctx, order_id)
    assert order["after_sale_status"] == "refunded_partly"
    assert order["status"] == "awaiting_shipment"


# ---- pickup --------------------------------------------------------------------------


def test_pickup_slots_are_future_two_hour_windows_over_three_days(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    created = ask(ctx, order_id, "return_refund")
    raises(
        "INVALID_STATE", lambda: after_sale_returns.pickup_slots(ctx, DEMO_USER_ID, created["id"])
    )
    after_sale_merchant.approve(ctx, created["id"])
    # FROZEN_START is 10:00 in Beijing: today's 09:00 window has begun.
    slots = after_sale_returns.pickup_slots(ctx, DEMO_USER_ID, created["id"])["items"]
    assert slots[0] == "2026-11-24 11:00-13:00"
    assert slots[-1] == "2026-11-26 17:00-19:00"
    assert len(slots) == 4 + 5 + 5
    past = raises(
        "VALIDATION_ERROR",
        lambda: after_sale_returns.book_pickup(
            ctx, DEMO_USER_ID, created["id"], 1, "2026-11-24 09:00-11:00", "zh"
        ),
    )
    assert past.wire_details("en")["fields"]["pickup.slot"]["code"] == "in_past"
    for unknown in ("2026-11-24 10:00-12:00", "2026-12-30 09:00-11:00", "tomorrow"):
        error = raises(
            "VALIDATION_ERROR",
            partial(
                after_sale_returns.book_pickup, ctx, DEMO_USER_ID, created["id"], 1, unknown, "zh"
            ),
        )
        assert error.wire_details("en")["fields"]["pickup.slot"]["code"] == "not_selectable"
    raises(
        "NOT_FOUND",
        lambda: after_sale_returns.book_pickup(
            ctx, DEMO_USER_ID, created["id"], 999, slots[0], "zh"
        ),
    )
    assert state(ctx, created["id"]) == "awaiting_return"
    booked = after_sale_returns.book_pickup(ctx, DEMO_USER_ID, created["id"], 1, slots[1], "zh")
    assert booked["status"] == "return_shipped" and booked["return_carrier"] == "SF"
    assert logistics.valid_tracking_no("SF", booked["return_tracking_no"])
    assert booked["pickup"]["slot"] == slots[1]
    assert booked["pickup"]["address"]["city"] == "杭州市"


# ---- time: the 24 h deadline and the merchant simulator ------------------------------


def test_unanswered_requests_are_approved_after_24_hours(ctx: Ctx) -> None:
    balance_before, _ = wallet(ctx)
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    created = ask(ctx, order_id)
    ctx.clock.advance(24 * 3600 - 1)
    sweeper.run(ctx)
    assert state(ctx, created["id"]) == "requested"
    ctx.clock.advance(1)
    sweeper.run(ctx)
    done = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")
    assert done["status"] == "refunded"
    assert done["timeline"][1] == {
        "status": "approved",
        "at": done["timeline"][1]["at"],
        "actor": "system",
        "note": "商家超时未处理，系统自动同意",
    }
    assert wallet(ctx)[0] == balance_before


def test_resubmission_gets_a_new_deadline(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    created = ask(ctx, order_id)
    ctx.clock.advance(20 * 3600)
    after_sale_merchant.reject(ctx, created["id"])
    request = Request("refund_only", item_ids(ctx, order_id), "other", "", 100, "original", [])
    after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], request, "zh")
    ctx.clock.advance(5 * 3600)
    after_sale_merchant.auto_approve_overdue(ctx)
    assert state(ctx, created["id"]) == "requested"
    ctx.clock.advance(19 * 3600)
    after_sale_merchant.auto_approve_overdue(ctx)
    assert state(ctx, created["id"]) == "refunded"


def test_simulated_merchant_rejects_a_first_no_reason_return_then_approves(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    created = ask(ctx, order_id, "return_refund", reason="changed_mind")
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "requested"  # the merchant has not looked yet
    ctx.clock.advance(ctx.delays["after_sale_answer"])
    after_sale_merchant.simulate(ctx)
    rejected = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")
    assert rejected["status"] == "rejected" and rejected["merchant_note"]
    request = Request(
        "return_refund", item_ids(ctx, order_id), "changed_mind", "未拆封", 100, "original", []
    )
    after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], request, "zh")
    ctx.clock.advance(ctx.delays["after_sale_answer"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "awaiting_return"


def test_simulated_merchant_receives_the_return_and_refunds(ctx: Ctx) -> None:
    balance_before, _ = wallet(ctx)
    order_id = place_paid_order(ctx, [(JACKET, 1)])
    delivered(ctx, order_id)
    created = ask(ctx, order_id, "return_refund", reason="damaged")
    ctx.clock.advance(ctx.delays["after_sale_answer"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "awaiting_return"
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "SF", "SF1234567890123", "zh")
    events_before = len(logistics.parcel_tracking(ctx, "SF1234567890123", "zh")["events"])
    after_sale_merchant.simulate(ctx)  # the courier has not moved yet
    assert state(ctx, created["id"]) == "return_shipped"
    ctx.clock.advance(ctx.delays["logistics_step"])
    after_sale_merchant.simulate(ctx)
    moved = logistics.parcel_tracking(ctx, "SF1234567890123", "zh")["events"]
    assert len(moved) == events_before + 1
    ctx.clock.advance(ctx.delays["return_receive"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "refunded"
    assert wallet(ctx)[0] == balance_before


@pytest.mark.parametrize(("with_photo", "outcome"), [(True, "refunded"), (False, "closed")])
def test_simulated_platform_settles_an_appeal_by_the_evidence(
    ctx: Ctx, with_photo: bool, outcome: str
) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    created = ask(ctx, order_id, photo_ids=[photo(ctx)] if with_photo else [])
    after_sale_merchant.reject(ctx, created["id"])
    after_sale_appeals.appeal(ctx, DEMO_USER_ID, created["id"], "并未发货，应当退款", "zh")
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "appealed"
    ctx.clock.advance(ctx.delays["appeal"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == outcome
    decided = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert decided["appeal_outcome"] == ("approved" if with_photo else "upheld")


# ---- every illegal transition: 409 and nothing changed -------------------------------


def _snapshot(ctx: Ctx, after_sale_id: int) -> tuple[Any, ...]:
    row = ctx.db.one("SELECT * FROM after_sales WHERE id = ?", (after_sale_id,))
    assert row is not None
    return (
        tuple(row),
        ctx.db.scalar(
            "SELECT COUNT(*) FROM after_sale_events WHERE after_sale_id = ?", (after_sale_id,)
        ),
        wallet(ctx),
        tuple(order_row(ctx, row["order_id"])),
        ctx.db.scalar("SELECT COUNT(*) FROM parcels"),
    )


def _reach(ctx: Ctx, status: str) -> int:
    """An after-sale (a return of a delivered order) brought to `status`."""
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    after_sale_id = int(ask(ctx, order_id, "return_refund")["id"])
    paths: dict[str, list[Callable[[], object]]] = {
        "requested": [],
        "rejected": [lambda: after_sale_merchant.reject(ctx, after_sale_id)],
        "appealed": [
            lambda: after_sale_merchant.reject(ctx, after_sale_id),
            lambda: after_sale_appeals.appeal(
                ctx, DEMO_USER_ID, after_sale_id, "理由充分的申诉", "zh"
            ),
        ],
        "closed": [
            lambda: after_sale_merchant.reject(ctx, after_sale_id),
            lambda: after_sale_appeals.appeal(
                ctx, DEMO_USER_ID, after_sale_id, "理由充分的申诉", "zh"
            ),
            lambda: after_sale_appeals.platform_reject(ctx, after_sale_id),
        ],
        "awaiting_return": [lambda: after_sale_merchant.approve(ctx, after_sale_id)],
        "return_shipped": [
            lambda: after_sale_merchant.approve(ctx, after_sale_id),
            lambda: after_sale_returns.ship_return(
                ctx, DEMO_USER_ID, after_sale_id, "EMS", f"EA{after_sale_id:09d}CN", "zh"
            ),
        ],
        "refunded": [
            lambda: after_sale_merchant.approve(ctx, after_sale_id),
            lambda: after_sale_returns.ship_return(
                ctx, DEMO_USER_ID, after_sale_id, "EMS", f"EA{after_sale_id:09d}CN", "zh"
            ),
            lambda: after_sale_merchant.receive(ctx, after_sale_id),
        ],
        "cancelled": [lambda: after_sale_requests.cancel(ctx, DEMO_USER_ID, after_sale_id, "zh")],
    }
    for step in paths[status]:
        step()
    assert state(ctx, after_sale_id) == status
    return after_sale_id


def _moves(ctx: Ctx, after_sale_id: int) -> dict[str, Callable[[], object]]:
    order_id = ctx.db.scalar("SELECT order_id FROM after_sales WHERE id = ?", (after_sale_id,))
    resubmit = Request("return_refund", item_ids(ctx, order_id), "other", "", 1, "original", [])
    return {
        "approve": lambda: after_sale_merchant.approve(ctx, after_sale_id),
        "reject": lambda: after_sale_merchant.reject(ctx, after_sale_id, "不行"),
        "receive": lambda: after_sale_merchant.receive(ctx, after_sale_id),
        "platform_approve": lambda: after_sale_appeals.platform_approve(ctx, after_sale_id),
        "platform_reject": lambda: after_sale_appeals.platform_reject(ctx, after_sale_id),
        "cancel": lambda: after_sale_requests.cancel(ctx, DEMO_USER_ID, after_sale_id, "zh"),
        "appeal": lambda: after_sale_appeals.appeal(
            ctx, DEMO_USER_ID, after_sale_id, "理由充分的申诉", "zh"
        ),
        "modify": lambda: after_sale_requests.modify(
            ctx, DEMO_USER_ID, after_sale_id, resubmit, "zh"
        ),
        "ship_return": lambda: after_sale_returns.ship_return(
            ctx, DEMO_USER_ID, after_sale_id, "YD", "4312345678901", "zh"
        ),
        "book_pickup": lambda: after_sale_returns.book_pickup(
            ctx, DEMO_USER_ID, after_sale_id, 1, "2026-11-25 09:00-11:00", "zh"
        ),
        "pickup_slots": lambda: after_sale_returns.pickup_slots(ctx, DEMO_USER_ID, after_sale_id),
        "reship": lambda: after_sale_merchant.reship(ctx, after_sale_id),
        "confirm_replacement": lambda: after_sale_requests.confirm_replacement(
            ctx, DEMO_USER_ID, after_sale_id, "zh"
        ),
        "platform_decide": lambda: after_sale_appeals.platform_decide(
            ctx, after_sale_id, approve=False
        ),
    }


LEGAL = {
    "requested": {"approve", "reject", "cancel"},
    "rejected": {"appeal", "modify"},
    "appealed": {"platform_approve", "platform_reject", "platform_decide"},
    "awaiting_return": {"cancel", "ship_return", "book_pickup", "pickup_slots"},
    "return_shipped": {"receive"},
    "refunded": set(),
    "closed": set(),
    "cancelled": set(),
}


@pytest.mark.parametrize("status", sorted(LEGAL))
def test_every_illegal_transition_is_409_and_changes_nothing(ctx: Ctx, status: str) -> None:
    after_sale_id = _reach(ctx, status)
    moves = _moves(ctx, after_sale_id)
    illegal = sorted(set(moves) - LEGAL[status])
    assert illegal
    for name in illegal:
        before = _snapshot(ctx, after_sale_id)
        error = raises("INVALID_STATE", moves[name])
        assert error.status == 409 and error.details == {"state": status}, name
        assert _snapshot(ctx, after_sale_id) == before, name


def test_a_refused_auto_approval_does_not_break_the_sweeper(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    stuck = ask(ctx, order_id)
    # The order's money is gone meanwhile (refunded elsewhere): approval cannot pay it.
    ctx.db.execute("UPDATE orders SET refunded_fen = total_fen WHERE id = ?", (order_id,))
    other_order = place_paid_order(ctx, [(JACKET, 1)])
    fine = ask(ctx, other_order)
    ctx.clock.advance(24 * 3600)
    sweeper.run(ctx)
    assert state(ctx, stuck["id"]) == "requested"
    assert state(ctx, fine["id"]) == "refunded"


# ---- the coupon on a refund that cancels, and timeline notes in both languages ----------


def _paid_with_coupon(ctx: Ctx) -> dict[str, Any]:
    """An order over ¥199 placed with the demo user's 满199减20 coupon and paid."""
    sku = sku_between(ctx, 20000, 30000)
    order = paid_order(ctx, [(sku["id"], 1)], coupon_id=DEMO_COUPON_ID)
    assert order["status"] == "awaiting_shipment" and order["discount_fen"] == 2000
    return order


def test_a_full_refund_that_cancels_returns_the_coupon_like_a_cancel(ctx: Ctx) -> None:
    order = _paid_with_coupon(ctx)
    assert coupon_state(ctx) == ("used", order["id"])
    created = ask(ctx, order["id"])
    assert created["amount_fen"] == order["total_fen"]
    after_sale_merchant.approve(ctx, created["id"])
    row = order_row(ctx, order["id"])
    assert row["status"] == "closed" and row["closed_at"] == ctx.now()
    assert row["refunded_fen"] == order["total_fen"]
    assert coupon_state(ctx) == ("usable", None)


def test_an_expired_coupon_stays_used_after_a_refund_cancels(ctx: Ctx) -> None:
    order = _paid_with_coupon(ctx)
    with ctx.db.tx():
        ctx.db.execute("UPDATE user_coupons SET expires_at = ? WHERE id = 1", (ctx.now() + 60,))
    created = ask(ctx, order["id"])
    ctx.clock.advance(120)
    after_sale_merchant.approve(ctx, created["id"])
    assert order_row(ctx, order["id"])["status"] == "closed"
    assert coupon_state(ctx) == ("used", order["id"])


def test_a_partial_refund_keeps_the_coupon_on_the_order(ctx: Ctx) -> None:
    first = sku_between(ctx, 20000, 30000)
    second = sku_between(ctx, 20000, 30000, skip_products=(first["product_id"],))
    order = paid_order(ctx, [(first["id"], 1), (second["id"], 1)], coupon_id=DEMO_COUPON_ID)
    one_item = [order["items"][0]["id"]]
    after_sale_merchant.approve(ctx, ask(ctx, order["id"], items=one_item)["id"])
    assert order_row(ctx, order["id"])["status"] == "awaiting_shipment"
    assert coupon_state(ctx) == ("used", order["id"])


def _order_notes(ctx: Ctx, order_id: int, lang: str) -> dict[str, str]:
    timeline = order_views.order_view(ctx, order_id, lang)["timeline"]
    return {event["status"]: event["note"] for event in timeline}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def test_after_sale_notes_on_the_order_follow_the_language(ctx: Ctx) -> None:
    def real_order() -> int:
        order_id: int = paid_order(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)])["id"]
        return order_id

    refunded_order = real_order()
    total = order_row(ctx, refunded_order)["total_fen"]
    after_sale_merchant.approve(ctx, ask(ctx, refunded_order)["id"])
    withdrawn_order = real_order()
    after_sale_requests.cancel(ctx, DEMO_USER_ID, ask(ctx, withdrawn_order)["id"], "zh")
    upheld_order = real_order()
    upheld = ask(ctx, upheld_order)
    after_sale_merchant.reject(ctx, upheld["id"])
    after_sale_appeals.appeal(ctx, DEMO_USER_ID, upheld["id"], "我要申诉，理由充分", "zh")
    after_sale_appeals.platform_reject(ctx, upheld["id"])
    amount = f"¥{total // 100}.{total % 100:02d}"

    english = _order_notes(ctx, refunded_order, "en")
    assert english["after_sale_requested"] == f"Requested a refund only of {amount}"
    assert english["after_sale_refunded"] == f"{amount} refunded to the balance"
    assert english["closed"] == "Every item was refunded; the order is closed"
    assert _order_notes(ctx, withdrawn_order, "en")["after_sale_cancelled"] == (
        "The buyer withdrew the after-sale request"
    )
    assert _order_notes(ctx, upheld_order, "en")["after_sale_closed"] == (
        "The platform upheld the merchant's decision"
    )
    chinese = _order_notes(ctx, refunded_order, "zh")
    assert chinese["after_sale_requested"] == f"申请仅退款 {amount}"
    assert chinese["after_sale_refunded"] == f"退款 {amount} 已退回余额"
    assert chinese["closed"] == "全部商品已退款，交易关闭"
    assert _order_notes(ctx, withdrawn_order, "zh")["after_sale_cancelled"] == "买家撤销售后申请"
    assert _order_notes(ctx, upheld_order, "zh")["after_sale_closed"] == "平台维持商家处理结果"
    for order_id in (refunded_order, withdrawn_order, upheld_order):
        assert not any(map(_has_chinese, _order_notes(ctx, order_id, "en").values()))
    view = order_views.order_view(ctx, refunded_order, "en")
    assert view["status"] == "closed" and view["cancel_reason"] is None
    assert view["actions"] == ["buy_again"]
