"""Payment rules at service level: refunds to every origin and to red packets (never more
than was paid), QR expiry, and the merchant simulator paying QR codes."""

from __future__ import annotations

from typing import Any

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import order_views, payments, wallet
from tests.backend.test_orders import sku_between
from tests.backend.test_orders_service import create
from tests.conftest import DEMO_USER_ID


def paid_with(ctx: Ctx, method: str) -> dict[str, Any]:
    order = create(ctx, [(sku_between(ctx, 3000, 5000)["id"], 2)])
    password = "123456" if method in ("balance", "bank_card", "bnpl") else None
    payment = payments.pay(ctx, DEMO_USER_ID, order["id"], method, password, None)
    if payment["status"] == "pending":
        payments.succeed(ctx, payment["id"])
    return order_views.order_view(ctx, order["id"], "zh")


def wallet_of(ctx: Ctx) -> tuple[int, int, int]:
    row = ctx.db.one(
        "SELECT balance_fen, red_packet_fen, bnpl_used_fen FROM users WHERE id = ?",
        (DEMO_USER_ID,),
    )
    assert row is not None
    return row["balance_fen"], row["red_packet_fen"], row["bnpl_used_fen"]


def last_ledger_row(ctx: Ctx, order_id: int) -> tuple[str, str, int]:
    row = ctx.db.one(
        "SELECT account, kind, amount_fen FROM wallet_transactions WHERE order_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (order_id,),
    )
    assert row is not None
    return row["account"], row["kind"], row["amount_fen"]


@pytest.mark.parametrize("method", ["alipay", "wechat_pay", "bank_card"])
def test_a_refund_to_an_outside_account_is_recorded_as_money_sent_back(
    ctx: Ctx, method: str
) -> None:
    order = paid_with(ctx, method)
    before = wallet_of(ctx)
    assert payments.refund(ctx, order["id"], 1000, "original", "售后退款") == method
    assert last_ledger_row(ctx, order["id"]) == (method, "refund", 1000)
    assert wallet_of(ctx) == before
    assert order_views.order_view(ctx, order["id"], "zh")["refunded_fen"] == 1000


def test_a_balance_refund_returns_to_the_balance_and_never_exceeds_what_was_paid(
    ctx: Ctx,
) -> None:
    order = paid_with(ctx, "balance")
    total = order["total_fen"]
    before = wallet_of(ctx)
    assert payments.refund(ctx, order["id"], total - 1, "original", "部分退款") == "balance"
    assert wallet_of(ctx)[0] == before[0] + total - 1
    with pytest.raises(ApiError) as too_much:
        payments.refund(ctx, order["id"], 2, "original", "再退")
    assert too_much.value.status == 422
    assert wallet_of(ctx)[0] == before[0] + total - 1
    with pytest.raises(ApiError):
        payments.refund(ctx, order["id"], 0, "original", "零")
    assert payments.refund(ctx, order["id"], 1, "red_packet", "最后一分") == "red_packet"
    assert wallet_of(ctx)[1] == before[1] + 1
    assert order_views.order_view(ctx, order["id"], "zh")["refunded_fen"] == total


def test_a_pay_later_refund_cancels_what_is_owed(ctx: Ctx) -> None:
    wallet.enable_bnpl(ctx, DEMO_USER_ID, "zh")
    order = paid_with(ctx, "bnpl")
    assert wallet_of(ctx)[2] == order["total_fen"]
    assert payments.refund(ctx, order["id"], order["total_fen"], "original", "取消") == "bnpl"
    assert wallet_of(ctx)[2] == 0
    cancelled = ctx.db.scalar("SELECT cancelled FROM bnpl_bills WHERE order_id = ?", (order["id"],))
    assert cancelled == 1


def test_an_unpaid_order_cannot_be_refunded(ctx: Ctx) -> None:
    order = create(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)])
    with pytest.raises(ApiError) as refused:
        payments.refund(ctx, order["id"], 100, "original", "x")
    assert refused.value.code == "INVALID_STATE"
    assert order_views.order_view(ctx, order["id"], "zh")["refunded_fen"] == 0


def test_stale_qr_payments_expire_and_the_simulator_pays_fresh_ones(ctx: Ctx) -> None:
    sku_id = sku_between(ctx, 3000, 5000)["id"]
    old_order = create(ctx, [(sku_id, 1)])
    old = payments.pay(ctx, DEMO_USER_ID, old_order["id"], "alipay", None, None)
    ctx.clock.advance(15 * 60)
    payments.poll(ctx, DEMO_USER_ID, old["id"])
    new_order = create(ctx, [(sku_id, 1)])
    new = payments.pay(ctx, DEMO_USER_ID, new_order["id"], "wechat_pay", None, None)
    payments.simulate(ctx)  # the old code has expired: it is never paid
    assert payments.get_payment(ctx, DEMO_USER_ID, old["id"])["status"] == "pending"
    payments.expire_stale(ctx)
    expired = payments.get_payment(ctx, DEMO_USER_ID, old["id"])
    assert (expired["status"], expired["failure_reason"]) == ("failed", "expired")
    ctx.clock.advance(ctx.delays["qr_pay"] - 1)
    payments.poll(ctx, DEMO_USER_ID, new["id"])
    payments.simulate(ctx)
    assert payments.get_payment(ctx, DEMO_USER_ID, new["id"])["status"] == "pending"
    ctx.clock.advance(1)
    payments.simulate(ctx)
    assert payments.get_payment(ctx, DEMO_USER_ID, new["id"])["status"] == "succeeded"
    assert order_views.order_view(ctx, new_order["id"], "zh")["status"] == "awaiting_shipment"
    assert order_views.order_view(ctx, old_order["id"], "zh")["status"] == "pending_payment"


def qr_payment(ctx: Ctx) -> tuple[dict[str, Any], payments.PaymentView]:
    order = create(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)])
    return order, payments.pay(ctx, DEMO_USER_ID, order["id"], "alipay", None, None)


def status_of(ctx: Ctx, payment: payments.PaymentView) -> str:
    return payments.get_payment(ctx, DEMO_USER_ID, payment["id"])["status"]


def test_the_simulator_pays_a_polled_qr_code_after_its_delay(ctx: Ctx) -> None:
    order, payment = qr_payment(ctx)
    payments.poll(ctx, DEMO_USER_ID, payment["id"])
    ctx.clock.advance(ctx.delays["qr_pay"] - 1)
    payments.poll(ctx, DEMO_USER_ID, payment["id"])
    payments.simulate(ctx)
    assert status_of(ctx, payment) == "pending"
    ctx.clock.advance(1)
    payments.simulate(ctx)
    assert status_of(ctx, payment) == "succeeded"
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "awaiting_shipment"


def test_a_qr_code_nobody_polls_stays_pending_however_long_the_clock_runs(ctx: Ctx) -> None:
    order, payment = qr_payment(ctx)
    for _ in range(20):
        ctx.clock.advance(ctx.delays["qr_pay"])
        payments.simulate(ctx)
        assert status_of(ctx, payment) == "pending"
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "pending_payment"


def test_a_qr_code_left_then_polled_again_is_paid(ctx: Ctx) -> None:
    """The user left the QR screen (polls stop) and came back to it later."""
    _, payment = qr_payment(ctx)
    payments.poll(ctx, DEMO_USER_ID, payment["id"])
    ctx.clock.advance(payments.QR_WATCHED_SECONDS + 0.5)
    payments.simulate(ctx)
    assert status_of(ctx, payment) == "pending"  # polled, but not lately
    ctx.clock.advance(5 * 60)
    payments.simulate(ctx)
    assert status_of(ctx, payment) == "pending"
    payments.poll(ctx, DEMO_USER_ID, payment["id"])
    ctx.clock.advance(payments.QR_WATCHED_SECONDS)
    payments.simulate(ctx)
    assert status_of(ctx, payment) == "succeeded"


def test_only_a_poll_marks_a_code_watched_not_a_plain_read(ctx: Ctx) -> None:
    _, payment = qr_payment(ctx)
    payments.get_payment(ctx, DEMO_USER_ID, payment["id"])
    ctx.clock.advance(ctx.delays["qr_pay"])
    payments.simulate(ctx)
    assert status_of(ctx, payment) == "pending"
    polled_at = ctx.db.scalar("SELECT polled_at FROM payments WHERE id = ?", (payment["id"],))
    assert polled_at is None


def test_only_pending_qr_payments_can_be_moved_by_the_simulator_controls(ctx: Ctx) -> None:
    order = create(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)])
    settled = payments.pay(ctx, DEMO_USER_ID, order["id"], "balance", "123456", None)
    for move in (payments.succeed, lambda c, i: payments.fail(c, i, "declined")):
        with pytest.raises(ApiError) as refused:
            move(ctx, settled["id"])
        assert refused.value.code == "INVALID_STATE"
    assert payments.get_payment(ctx, DEMO_USER_ID, settled["id"])["status"] == "succeeded"
