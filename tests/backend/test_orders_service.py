"""Order rules at service level (no HTTP): the time rules of the sweeper, stock under
concurrency, the interface other areas use, and the actions each state allows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import (
    logistics,
    order_changes,
    order_creation,
    order_records,
    order_states,
    order_views,
    payments,
    sweeper,
)
from tests.backend.test_orders import DEMO_COUPON_ID, coupon_state, set_stock, sku_between, stock_of
from tests.conftest import DEMO_USER_ID


def create(ctx: Ctx, lines: list[tuple[int, int]], **fields: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "items": lines,
        "from_cart": False,
        "address_id": None,
        "coupon_id": None,
        "payment_method": "balance",
        "remark": "",
        "invoice": None,
        "lang": "zh",
        **fields,
    }
    return order_creation.create_order(ctx, DEMO_USER_ID, **arguments)


def paid_order(ctx: Ctx, lines: list[tuple[int, int]], **fields: Any) -> dict[str, Any]:
    order = create(ctx, lines, **fields)
    payments.pay(ctx, DEMO_USER_ID, order["id"], "balance", "123456", None)
    return order_views.order_view(ctx, order["id"], "zh")


def test_the_sweeper_cancels_orders_unpaid_for_30_minutes_only(ctx: Ctx) -> None:
    sku = sku_between(ctx, 20000, 30000)
    before = stock_of(ctx, sku["id"])
    stale = create(ctx, [(sku["id"], 1)], coupon_id=DEMO_COUPON_ID)
    ctx.clock.advance(10 * 60)
    fresh = create(ctx, [(sku["id"], 1)])
    paid = paid_order(ctx, [(sku["id"], 1)])
    ctx.clock.advance(20 * 60)
    sweeper.run(ctx)
    views = {o["id"]: order_views.order_view(ctx, o["id"], "zh") for o in (stale, fresh, paid)}
    assert views[stale["id"]]["status"] == "cancelled"
    assert views[stale["id"]]["timeline"][-1]["note"] == "超时未支付，系统自动取消"
    assert views[fresh["id"]]["status"] == "pending_payment"
    assert views[paid["id"]]["status"] == "awaiting_shipment"
    assert stock_of(ctx, sku["id"])[0] == before[0] - 2
    assert coupon_state(ctx) == ("usable", None)
    ctx.clock.advance(10 * 60)
    order_states.cancel_unpaid(ctx)
    assert order_views.order_view(ctx, fresh["id"], "zh")["status"] == "cancelled"
    assert stock_of(ctx, sku["id"])[0] == before[0] - 1


def test_an_expired_coupon_stays_used_when_its_order_is_cancelled(ctx: Ctx) -> None:
    sku = sku_between(ctx, 20000, 30000)
    order = create(ctx, [(sku["id"], 1)], coupon_id=DEMO_COUPON_ID)
    with ctx.db.tx():
        ctx.db.execute("UPDATE user_coupons SET expires_at = ? WHERE id = ?", (ctx.now() + 60, 1))
    ctx.clock.advance(30 * 60)
    order_states.cancel_unpaid(ctx)
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "cancelled"
    assert coupon_state(ctx) == ("used", order["id"])


def test_delivered_orders_are_confirmed_ten_days_later(ctx: Ctx) -> None:
    sku = sku_between(ctx, 3000, 5000)
    order = paid_order(ctx, [(sku["id"], 1)])
    undelivered = paid_order(ctx, [(sku["id"], 1)])
    logistics.ship(ctx, order["id"])
    logistics.ship(ctx, undelivered["id"])
    logistics.deliver(ctx, order["id"])
    ctx.clock.advance(10 * 86400 - 60)
    order_states.auto_confirm_delivered(ctx)
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "shipped"
    ctx.clock.advance(60)
    order_states.auto_confirm_delivered(ctx)
    done = order_views.order_view(ctx, order["id"], "en")
    assert done["status"] == "completed"
    assert done["timeline"][-1]["note"] == (
        "Receipt confirmed automatically 10 days after delivery"
    )
    assert order_views.order_view(ctx, undelivered["id"], "zh")["status"] == "shipped"


def test_stock_never_goes_below_zero_when_many_buy_the_last_pieces_at_once(ctx: Ctx) -> None:
    sku = sku_between(ctx, 3000, 5000)
    set_stock(ctx, sku["id"], 5)

    def attempt(_: int) -> str:
        try:
            create(ctx, [(sku["id"], 1)])
        except ApiError as refusal:
            return refusal.code
        return "placed"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("placed") == 5
    assert outcomes.count("OUT_OF_STOCK") == 15
    assert stock_of(ctx, sku["id"])[0] == 0
    product_stock = ctx.db.scalar(
        "SELECT SUM(stock) FROM skus WHERE product_id = ?", (sku["product_id"],)
    )
    assert stock_of(ctx, sku["id"])[1] == product_stock


def test_release_stock_puts_back_only_the_chosen_lines(ctx: Ctx) -> None:
    first = sku_between(ctx, 3000, 5000)
    second = sku_between(ctx, 1000, 9000, skip_products=(first["product_id"],))
    order = create(ctx, [(first["id"], 2), (second["id"], 3)])
    before = (stock_of(ctx, first["id"]), stock_of(ctx, second["id"]))
    second_line = next(line for line in order["items"] if line["sku_id"] == second["id"])
    order_states.release_stock(ctx, order["id"], [second_line["id"]])
    assert stock_of(ctx, first["id"]) == before[0]
    assert stock_of(ctx, second["id"])[0] == before[1][0] + 3


def test_load_order_hides_other_users_orders_and_add_event_appends(ctx: Ctx) -> None:
    order = create(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)])
    assert order_records.load_order(ctx, DEMO_USER_ID, order["id"])["order_no"] == order["order_no"]
    with pytest.raises(ApiError) as hidden:
        order_records.load_order(ctx, DEMO_USER_ID + 1, order["id"])
    assert hidden.value.status == 404
    ctx.clock.advance(5)
    order_records.add_event(ctx, order["id"], "merchant_note", "[red]已备货[/red]")
    last = order_views.order_view(ctx, order["id"], "en")["timeline"][-1]
    assert last == {
        "status": "merchant_note",
        "at": "2026-11-24T02:00:05Z",
        "note": "[red]已备货[/red]",
    }


def test_completed_orders_offer_review_and_after_sale_only_within_their_windows(ctx: Ctx) -> None:
    """…and tracking and buying again always."""
    sku = sku_between(ctx, 3000, 5000)
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE products SET returnable = 1, return_window_days = 7 WHERE id = ?",
            (sku["product_id"],),
        )
    order = paid_order(ctx, [(sku["id"], 1)])
    logistics.ship(ctx, order["id"])
    logistics.deliver(ctx, order["id"])
    order_states.confirm_receipt(ctx, DEMO_USER_ID, order["id"], "zh")
    assert order_views.order_view(ctx, order["id"], "zh")["actions"] == [
        "review",
        "after_sale",
        "track",
        "buy_again",
    ]
    ctx.clock.advance(8 * 86400)
    # Past the return window a quality problem is still heard, for 90 days after receipt.
    actions = order_views.order_view(ctx, order["id"], "zh")["actions"]
    assert actions == ["review", "after_sale", "track", "buy_again"]
    ctx.clock.advance(23 * 86400)
    actions = order_views.order_view(ctx, order["id"], "zh")["actions"]
    assert actions == ["after_sale", "track", "buy_again"]
    ctx.clock.advance(60 * 86400)
    assert order_views.order_view(ctx, order["id"], "zh")["actions"] == ["track", "buy_again"]


def test_an_after_sale_in_progress_blocks_cancelling(ctx: Ctx) -> None:
    order = paid_order(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)])
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE orders SET after_sale_status = 'in_progress' WHERE id = ?", (order["id"],)
        )
    assert order_views.order_view(ctx, order["id"], "zh")["actions"] == []
    with pytest.raises(ApiError) as refused:
        order_states.cancel_order(ctx, DEMO_USER_ID, order["id"], "other", "zh")
    assert refused.value.code == "INVALID_STATE"
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "awaiting_shipment"


def test_changing_the_order_closes_its_pending_payment(ctx: Ctx) -> None:
    sku = sku_between(ctx, 3000, 5000)
    order = create(ctx, [(sku["id"], 1)])
    payment = payments.pay(ctx, DEMO_USER_ID, order["id"], "alipay", None, None)
    order_changes.change_items(ctx, DEMO_USER_ID, order["id"], [(sku["id"], 2)], "zh")
    closed = payments.get_payment(ctx, DEMO_USER_ID, payment["id"])
    assert closed["status"] == "failed" and closed["failure_reason"] == "order changed"
    changed = order_views.order_view(ctx, order["id"], "zh")
    assert changed["items"][0]["qty"] == 2 and changed["status"] == "pending_payment"


def test_cancelling_after_a_partial_refund_returns_only_what_is_left(ctx: Ctx) -> None:
    first = sku_between(ctx, 3000, 5000)
    second = sku_between(ctx, 1000, 9000, skip_products=(first["product_id"],))
    before = (stock_of(ctx, first["id"]), stock_of(ctx, second["id"]))
    order = paid_order(ctx, [(first["id"], 1), (second["id"], 1)])
    refunded_line = next(line for line in order["items"] if line["sku_id"] == second["id"])
    part = refunded_line["line_total_fen"] - refunded_line["discount_share_fen"]
    # What an approved refund-only after-sale of one line does before shipment.
    payments.refund(ctx, order["id"], part, "original", "售后退款")
    with ctx.db.tx():
        ctx.db.execute("UPDATE order_items SET refunded = 1 WHERE id = ?", (refunded_line["id"],))
    order_states.release_stock(ctx, order["id"], [refunded_line["id"]])
    balance_before_cancel = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = 1")
    cancelled = order_states.cancel_order(ctx, DEMO_USER_ID, order["id"], "other", "zh")
    assert cancelled["refunded_fen"] == order["total_fen"]
    balance = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = 1")
    assert balance == balance_before_cancel + order["total_fen"] - part
    assert (stock_of(ctx, first["id"]), stock_of(ctx, second["id"])) == before
