"""The after-sale state machine's moves: finding an after-sale, checking its status,
moving it on with a timeline entry, and the refund that ends a successful one.

Every move runs inside the caller's transaction and is guarded by the after-sale's
current status, so an illegal transition answers 409 INVALID_STATE and changes nothing.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fake_backend.context import Ctx
from fake_backend.errors import invalid_state, not_found
from fake_backend.services import order_records, order_states, payments
from fake_backend.services.after_sale_rules import localized_params, text
from fake_backend.services.rules import dumps, loads
from fake_backend.storage import after_sales as store


def get_after_sale(ctx: Ctx, after_sale_id: int) -> sqlite3.Row:
    """Whoever's after-sale it is (for the merchant's and the system's moves); 404 if none."""
    row = store.get_after_sale(ctx.db, after_sale_id)
    if row is None:
        raise not_found("after_sale")
    return row


def own_after_sale(ctx: Ctx, user_id: int, after_sale_id: int) -> sqlite3.Row:
    """The user's after-sale; another user's is 404, never 403."""
    row = get_after_sale(ctx, after_sale_id)
    if row["user_id"] != user_id:
        raise not_found("after_sale")
    return row


def require_status(row: sqlite3.Row, *statuses: str) -> None:
    if row["status"] not in statuses:
        raise invalid_state(row["status"])


def move(
    ctx: Ctx,
    row: sqlite3.Row,
    status: str,
    actor: str,
    *,
    note: str = "",
    note_key: str | None = None,
    note_params: dict[str, Any] | None = None,
) -> sqlite3.Row:
    """Sets the status and writes its timeline entry; answers the updated row."""
    now = ctx.now()
    store.update_after_sale(ctx.db, row["id"], status=status, updated_at=now)
    store.add_event(
        ctx.db,
        row["id"],
        status=status,
        actor=actor,
        at=now,
        note=note,
        note_key=note_key,
        note_params=dumps(note_params) if note_params is not None else None,
    )
    return get_after_sale(ctx, row["id"])


def refund_status(ctx: Ctx, order_id: int) -> str:
    """The order's after_sale_status when none is under way: `refunded` once every item
    is, `refunded_partly` for some, else `none`."""
    refunded = [bool(line["refunded"]) for line in store.order_lines(ctx.db, order_id)]
    if refunded and all(refunded):
        return "refunded"
    return "refunded_partly" if any(refunded) else "none"


def settle_order_status(ctx: Ctx, order_id: int) -> None:
    """After an after-sale ends without a refund (withdrawn, exchanged) the order shows
    what its refunds left."""
    store.set_order_after_sale_status(ctx.db, order_id, refund_status(ctx, order_id))


def accept(ctx: Ctx, row: sqlite3.Row, actor: str, *, note_key: str | None = None) -> None:
    """requested (or appealed) → approved, and on: a refund only is refunded at once; a
    return awaits the goods; an exchange takes its replacements off the shelf and awaits
    the goods, or, a replacement being out of stock, becomes a return and refund."""
    send_back = "send_back"
    note_params: dict[str, Any] | None = None
    if row["type"] == "exchange":
        missing = _reserve_replacements(ctx, row)
        if missing is None:
            send_back = "send_back_exchange"
        else:
            store.update_after_sale(ctx.db, row["id"], type="return_refund")
            note_key = "exchange_out_of_stock"
            note_params = {"specs": missing, "amount_fen": row["amount_fen"]}
    row = move(ctx, row, "approved", actor, note_key=note_key, note_params=note_params)
    if row["type"] == "refund_only":
        refund(ctx, row, actor)
    else:
        move(ctx, row, "awaiting_return", actor, note_key=send_back)


def release_replacement(ctx: Ctx, row: sqlite3.Row) -> None:
    """Puts an exchange's reserved replacements back on the shelf (it was withdrawn)."""
    if not row["replacement_reserved"]:
        return
    quantities = {line["id"]: line["qty"] for line in store.order_lines(ctx.db, row["order_id"])}
    for wanted in loads(row["exchange_items"]) or []:
        store.put_back_stock(ctx.db, wanted["sku_id"], quantities[wanted["item_id"]])
    store.update_after_sale(ctx.db, row["id"], replacement_reserved=0)


def _reserve_replacements(ctx: Ctx, row: sqlite3.Row) -> str | None:
    """Takes every replacement's stock, or none of it: answers the specs of the first one
    out of stock (nothing taken), or None when all are reserved."""
    lines = {line["id"]: line for line in store.order_lines(ctx.db, row["order_id"])}
    taken: list[tuple[int, int]] = []
    for wanted in loads(row["exchange_items"]) or []:
        qty = lines[wanted["item_id"]]["qty"]
        if not store.take_stock(ctx.db, wanted["sku_id"], qty):
            for sku_id, taken_qty in taken:
                store.put_back_stock(ctx.db, sku_id, taken_qty)
            sku = store.sku(ctx.db, wanted["sku_id"])
            specs = loads(sku["specs"]) if sku is not None else {}
            return " ".join(str(value) for value in (specs or {}).values()) or str(wanted["sku_id"])
        taken.append((wanted["sku_id"], qty))
    store.update_after_sale(ctx.db, row["id"], replacement_reserved=1)
    return None


def refund(ctx: Ctx, row: sqlite3.Row, actor: str) -> None:
    """Pays the amount back (original method or red packets), marks the items refunded,
    on an unshipped order releases their stock, and closes the order once every item is."""
    order_id = row["order_id"]
    order = store.order(ctx.db, order_id)
    assert order is not None
    item_ids: list[int] = loads(row["item_ids"])
    if row["amount_fen"] > order["total_fen"] - order["refunded_fen"]:
        raise invalid_state(order["status"])
    account = payments.refund(
        ctx, order_id, row["amount_fen"], row["refund_to"], f"售后退款 {order['order_no']}"
    )
    now = ctx.now()
    store.mark_items_refunded(ctx.db, order_id, item_ids)
    store.update_after_sale(ctx.db, row["id"], refunded_at=now, refund_account=account)
    params = {"amount_fen": row["amount_fen"], "account": account}
    note_key = "platform_refund" if actor == "platform" else "refund_sent"
    move(ctx, row, "refunded", actor, note_key=note_key, note_params=params)
    store.set_order_after_sale_status(ctx.db, order_id, refund_status(ctx, order_id))
    order_records.add_event(
        ctx,
        order_id,
        "after_sale_refunded",
        order_records.both_languages(
            *(
                text("refund_sent", language, **localized_params(params, language))
                for language in ("zh", "en")
            )
        ),
    )
    if order["status"] == "awaiting_shipment":
        order_states.release_stock(ctx, order_id, item_ids)
    if all(line["refunded"] for line in store.order_lines(ctx.db, order_id)):
        order_states.close_fully_refunded(ctx, order_id)
