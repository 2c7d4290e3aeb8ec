"""Changing an unpaid order (docs/api.md §3): its lines or its address, at most
`MAX_ORDER_CHANGES` times; each change prices the order again, takes its stock again and
returns a coupon that no longer applies. Only orders of physical goods change."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, invalid_state
from fake_backend.services import addresses, pricing
from fake_backend.services.order_creation import address_snapshot, money_columns, reserve
from fake_backend.services.order_records import MAX_ORDER_CHANGES
from fake_backend.services.order_states import release_stock, require_status
from fake_backend.services.order_views import OrderView, order_view
from fake_backend.storage import orders as store
from fake_backend.storage import payments as payment_store


def change_items(
    ctx: Ctx, user_id: int, order_id: int, items: Sequence[tuple[int, int]], lang: str
) -> OrderView:
    """Replaces an unpaid order's lines: stock re-reserved, prices and coupon re-checked."""
    with ctx.db.tx():
        order = _require_changeable(ctx, user_id, order_id)
        _requote(ctx, order, list(items), order["address_id"], lang, "items_changed")
    return order_view(ctx, order_id, lang)


def change_address(ctx: Ctx, user_id: int, order_id: int, address_id: int, lang: str) -> OrderView:
    """Ships an unpaid order elsewhere; shipping and total follow the new province."""
    with ctx.db.tx():
        order = _require_changeable(ctx, user_id, order_id)
        address = addresses.get_address(ctx, user_id, address_id)
        lines = [(line["sku_id"], line["qty"]) for line in store.items_for_stock(ctx.db, order_id)]
        store.update_order(
            ctx.db, order_id, address=address_snapshot(address), address_id=address_id
        )
        _requote(ctx, order, lines, address_id, lang, "address_changed")
    return order_view(ctx, order_id, lang)


def _require_changeable(ctx: Ctx, user_id: int, order_id: int) -> sqlite3.Row:
    """An unpaid order changed fewer than MAX_ORDER_CHANGES times (else 409)."""
    order = require_status(ctx, user_id, order_id, "pending_payment")
    if order["kind"] != "physical":
        # A virtual order has no address, and a service's lines hold its booked slot: such
        # an order is cancelled and placed again instead (docs/api.md §7.1).
        raise invalid_state(order["kind"])
    if store.times_changed(ctx.db, order_id) >= MAX_ORDER_CHANGES:
        raise ApiError(
            "ORDER_CHANGE_LIMIT", limit=MAX_ORDER_CHANGES, details={"limit": MAX_ORDER_CHANGES}
        )
    return order


def _requote(
    ctx: Ctx,
    order: sqlite3.Row,
    lines: list[tuple[int, int]],
    address_id: int | None,
    lang: str,
    event: str,
) -> None:
    """Re-prices an unpaid order for new lines or a new address, inside the caller's
    transaction. The old stock goes back first so the order can keep what it held; a
    coupon that no longer applies is returned to the user and the timeline says so."""
    order_id = order["id"]
    user_id = order["user_id"]
    release_stock(ctx, order_id)
    coupon_id = order["coupon_id"]
    note = ""
    if coupon_id is not None:
        store.free_coupon(ctx.db, coupon_id)
    try:
        quote = pricing.quote(ctx, user_id, lines, address_id, coupon_id, lang)
    except ApiError as refusal:
        if coupon_id is None or refusal.code != "COUPON_NOT_APPLICABLE":
            raise
        coupon_id, note = None, "coupon_released"
        quote = pricing.quote(ctx, user_id, lines, address_id, None, lang)
    priced = reserve(ctx, quote)
    store.delete_items(ctx.db, order_id)
    store.insert_items(ctx.db, order_id, priced)
    if coupon_id is not None:
        store.use_coupon(ctx.db, coupon_id, user_id, order_id)
    store.update_order(ctx.db, order_id, coupon_id=coupon_id, **money_columns(quote))
    now = ctx.now()
    payment_store.fail_pending_of_order(ctx.db, order_id, "order changed", now)
    store.add_event(ctx.db, order_id, event, note, now)
