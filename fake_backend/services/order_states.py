"""An order's state changes (docs/api.md §3): cancelling (by the user, by the 30-minute
timeout), closing once after-sales refunded every item, confirming receipt (by the user or 10
days after delivery), and putting stock back. Each runs inside one transaction guarded
by the order's status. A service order cancels as an unshipped one does, until 24 h before its
slot, and gives its slot back."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state, not_found
from fake_backend.services import ledger, payments, service_slots
from fake_backend.services.order_records import (
    AUTO_CANCEL_SECONDS,
    AUTO_CONFIRM_SECONDS,
    CANCEL_REASONS,
    load_order,
)
from fake_backend.services.order_views import OrderView, order_view
from fake_backend.services.rules import china_date
from fake_backend.storage import orders as store
from fake_backend.storage import payments as payment_store


def close_fully_refunded(ctx: Ctx, order_id: int) -> None:
    """Closes (交易关闭) an order whose every item after-sales refunded; joins the caller's
    transaction. Before shipment it ends as a cancel does (coupon back while valid,
    pending payments closed); the refunds have put the stock back already."""
    with ctx.db.tx():
        order = store.get_order(ctx.db, order_id)
        if order is None or order["status"] not in ("awaiting_shipment", "shipped", "completed"):
            return
        now = ctx.now()
        if not store.set_status_if(
            ctx.db, order_id, order["status"], status="closed", closed_at=now
        ):
            raise invalid_state(order["status"])
        if order["status"] == "awaiting_shipment":
            coupon_id = order["coupon_id"]
            if coupon_id is not None and store.coupon_expires_at(ctx.db, coupon_id) > now:
                store.free_coupon(ctx.db, coupon_id)
            payment_store.fail_pending_of_order(ctx.db, order_id, "order closed", now)
        store.add_event(ctx.db, order_id, "closed", "all_refunded", now)


def release_stock(ctx: Ctx, order_id: int, item_ids: Sequence[int] | None = None) -> None:
    """Puts the stock of the order's lines back on the shelf: `item_ids`, or (None) every
    line not refunded yet (a refund before shipment has already put its lines back)."""
    with ctx.db.tx():
        for line in store.items_for_stock(ctx.db, order_id, item_ids):
            store.return_sku(ctx.db, line["sku_id"], line["qty"])


def cancel_unpaid(ctx: Ctx) -> None:
    """Sweeper rule: orders unpaid for 30 minutes of backend clock are cancelled."""
    for order_id in store.unpaid_before(ctx.db, ctx.now() - AUTO_CANCEL_SECONDS):
        with ctx.db.tx():
            order = store.get_order(ctx.db, order_id)
            if order is not None and order["status"] == "pending_payment":
                _cancel(ctx, order, "timeout")


def auto_confirm_delivered(ctx: Ctx) -> None:
    """Sweeper rule: parcels delivered 10 days ago count as received."""
    for order_id in store.delivered_before(ctx.db, ctx.now() - AUTO_CONFIRM_SECONDS):
        with ctx.db.tx():
            _complete(ctx, order_id, "auto_confirmed")


def cancel_order(ctx: Ctx, user_id: int, order_id: int, reason: str, lang: str) -> OrderView:
    """Cancels before shipment: stock and coupon come back; a paid order is refunded in full."""
    if reason not in CANCEL_REASONS:
        raise field_error("reason", "not_one_of", expected=", ".join(CANCEL_REASONS))
    with ctx.db.tx():
        order = load_order(ctx, user_id, order_id)
        if order["status"] not in ("pending_payment", "awaiting_shipment", "awaiting_service"):
            raise invalid_state(order["status"])
        if order["after_sale_status"] == "in_progress":
            raise invalid_state("after_sale_in_progress")
        deadline = service_slots.notice_ends_at(order)
        if order["status"] == "awaiting_service" and deadline is not None and ctx.now() > deadline:
            raise ApiError(
                "TOO_LATE_TO_CANCEL",
                deadline=china_date(deadline).strftime("%Y-%m-%d %H:%M"),
                details={"deadline": iso(deadline)},
            )
        _cancel(ctx, order, reason)
        refundable = order["total_fen"] - order["refunded_fen"]
        if order["status"] in ("awaiting_shipment", "awaiting_service") and refundable > 0:
            payments.refund(
                ctx, order_id, refundable, "original", f"取消订单退款 {order['order_no']}"
            )
            store.add_event(ctx.db, order_id, "refunded", "refund_on_cancel", ctx.now())
    return order_view(ctx, order_id, lang)


def complete_service(ctx: Ctx, order_id: int, note: str) -> None:
    """Awaiting service → completed (the merchant, or the backend 24 h after the slot);
    joins the caller's transaction; 409 unless the order awaits its service."""
    with ctx.db.tx():
        order = store.get_order(ctx.db, order_id)
        if order is None:
            raise not_found("order")
        if order["status"] != "awaiting_service":
            raise invalid_state(order["status"])
        _complete(ctx, order_id, note, from_status="awaiting_service")


def confirm_receipt(ctx: Ctx, user_id: int, order_id: int, lang: str) -> OrderView:
    with ctx.db.tx():
        require_status(ctx, user_id, order_id, "shipped")
        _complete(ctx, order_id, "")
    return order_view(ctx, order_id, lang)


def require_status(ctx: Ctx, user_id: int, order_id: int, status: str) -> sqlite3.Row:
    order = load_order(ctx, user_id, order_id)
    if order["status"] != status:
        raise invalid_state(order["status"])
    return order


def _cancel(ctx: Ctx, order: sqlite3.Row, reason: str) -> None:
    """Cancels inside the caller's transaction: stock back, coupon back while it is still
    valid, pending payments closed. Refunds are the caller's business."""
    now = ctx.now()
    order_id = order["id"]
    if not store.set_status_if(
        ctx.db,
        order_id,
        order["status"],
        status="cancelled",
        cancelled_at=now,
        cancel_reason=reason,
    ):
        raise invalid_state("cancelled")
    release_stock(ctx, order_id)
    service_slots.release(ctx, order)
    coupon_id = order["coupon_id"]
    if coupon_id is not None and store.coupon_expires_at(ctx.db, coupon_id) > now:
        store.free_coupon(ctx.db, coupon_id)
    payment_store.fail_pending_of_order(ctx.db, order_id, "order cancelled", now)
    store.add_event(ctx.db, order_id, "cancelled", reason, now)


def _complete(ctx: Ctx, order_id: int, note: str, from_status: str = "shipped") -> None:
    """Shipped (or awaiting service) → completed, inside the caller's transaction; a
    pay-later bill starts its term."""
    now = ctx.now()
    if not store.set_status_if(ctx.db, order_id, from_status, status="completed", completed_at=now):
        return
    store.add_event(ctx.db, order_id, "completed", note, now)
    order = store.get_order(ctx.db, order_id)
    if order is not None and order["paid_method"] == "bnpl":
        ledger.bnpl_start_due(ctx, order_id, now)
