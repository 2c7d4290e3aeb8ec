"""The merchant's side of after-sales, and the system's: approving, rejecting, receiving
the returned goods, reshipping an exchange's replacement, `/_dev`'s answers, the 24 h
answer deadline, the 10-day confirmation of a replacement, and the merchant simulator's
moves."""

from __future__ import annotations

from contextlib import suppress

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, invalid_state
from fake_backend.services import logistics, order_records
from fake_backend.services.after_sale_appeals import platform_approve, platform_reject
from fake_backend.services.after_sale_rules import AUTO_COMPLETE_REPLACEMENT
from fake_backend.services.after_sale_states import (
    accept,
    get_after_sale,
    move,
    refund,
    require_status,
    settle_order_status,
)
from fake_backend.services.rules import loads
from fake_backend.storage import after_sales as store


def approve(ctx: Ctx, after_sale_id: int, *, actor: str = "merchant") -> None:
    """requested → approved; a refund-only is refunded at once, a return or an exchange
    awaits the goods (an exchange whose replacement is out of stock becomes a return)."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "requested")
        accept(ctx, row, actor, note_key="auto_approved" if actor == "system" else None)


def reject(ctx: Ctx, after_sale_id: int, note: str = "", *, note_key: str | None = None) -> None:
    """requested → rejected, with the merchant's reason; the user may modify or appeal."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "requested")
        if not note.strip():
            note_key = note_key or "merchant_rejected"
        store.update_after_sale(ctx.db, after_sale_id, merchant_note=note if note.strip() else None)
        move(ctx, row, "rejected", "merchant", note=note, note_key=note_key)


def receive(ctx: Ctx, after_sale_id: int) -> None:
    """return_shipped → received: the goods are back; a return's money goes out
    (→ refunded), an exchange waits for the merchant to ship the replacement."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "return_shipped")
        if row["type"] == "exchange":
            move(ctx, row, "received", "merchant", note_key="parcel_received_exchange")
            return
        row = move(ctx, row, "received", "merchant", note_key="parcel_received")
        refund(ctx, row, "merchant")


def reship(ctx: Ctx, after_sale_id: int) -> None:
    """received → reshipped: the merchant sends the replacement from its warehouse to the
    order's address, a parcel trackable by its number like any other."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "received")
        if row["type"] != "exchange":
            raise invalid_state(f"{row['status']} ({row['type']})")
        order = store.order(ctx.db, row["order_id"])
        assert order is not None
        destination = str((loads(order["address"]) or {}).get("city") or "")
        origin = logistics.warehouse_city(ctx, row["order_id"])
        carrier, tracking_no = logistics.new_parcel(
            ctx, f"replacement:{after_sale_id}", origin, destination or origin
        )
        now = ctx.now()
        store.update_after_sale(
            ctx.db,
            after_sale_id,
            replacement_carrier=carrier,
            replacement_tracking_no=tracking_no,
            reshipped_at=now,
        )
        params = {"carrier": carrier, "tracking_no": tracking_no}
        move(ctx, row, "reshipped", "merchant", note_key="replacement_shipped", note_params=params)


def complete_replacement(ctx: Ctx, after_sale_id: int, *, actor: str) -> None:
    """reshipped → completed: the buyer has the replacement (said so, or 10 days passed)."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "reshipped")
        note_key = "replacement_confirmed" if actor == "user" else "replacement_auto_confirmed"
        move(ctx, row, "completed", actor, note_key=note_key)
        store.update_after_sale(ctx.db, after_sale_id, replacement_reserved=0)
        settle_order_status(ctx, row["order_id"])
        order_records.add_event(ctx, row["order_id"], "after_sale_exchanged", "exchange_done")


def auto_complete_replacements(ctx: Ctx) -> None:
    """Sweeper rule: replacements reshipped 10 days ago count as received."""
    for after_sale_id in store.reshipped_before(ctx.db, ctx.now() - AUTO_COMPLETE_REPLACEMENT):
        with suppress(ApiError):
            complete_replacement(ctx, after_sale_id, actor="system")


def answer(ctx: Ctx, after_sale_id: int, *, approved: bool, note: str = "") -> None:
    """`/_dev` approve/reject: the merchant answers a request, the platform an appeal."""
    with ctx.db.tx():
        appealed = get_after_sale(ctx, after_sale_id)["status"] == "appealed"
        if appealed and approved:
            platform_approve(ctx, after_sale_id)
        elif appealed:
            platform_reject(ctx, after_sale_id, note)
        elif approved:
            approve(ctx, after_sale_id)
        else:
            reject(ctx, after_sale_id, note)


def auto_approve_overdue(ctx: Ctx) -> None:
    """Requests the merchant left unanswered past their 24 h deadline are approved."""
    for after_sale_id in store.overdue_requested(ctx.db, ctx.now()):
        # The sweeper runs before every request: one refusal must not fail them all.
        with suppress(ApiError):
            approve(ctx, after_sale_id, actor="system")


def simulate(ctx: Ctx) -> None:
    """The merchant's auto mode: answers requests (rejecting a first no-reason return, so a
    demo shows modify and appeal), receives returns, reships exchanges, lets the platform
    settle appeals (for the buyer when the request has photos, else for the merchant)."""
    now = ctx.now()
    answer_by = now - ctx.delays["after_sale_answer"]
    for after_sale_id in store.ids_in_status(ctx.db, "requested", answer_by):
        row = get_after_sale(ctx, after_sale_id)
        with suppress(ApiError):  # answered meanwhile, or its refund was refused
            if (
                row["type"] == "return_refund"
                and row["reason"] == "changed_mind"
                and store.times_rejected(ctx.db, after_sale_id) == 0
            ):
                reject(ctx, after_sale_id, note_key="changed_mind_rejected")
            else:
                approve(ctx, after_sale_id)
    step_by = now - ctx.delays["logistics_step"]
    for after_sale_id in store.ids_in_status(ctx.db, "return_shipped"):
        row = get_after_sale(ctx, after_sale_id)
        tracking_no = row["return_tracking_no"]
        delivered = store.parcel_delivered(ctx.db, tracking_no)
        # The couriers (logistics.simulate) may have moved it this round already.
        last_step = store.last_parcel_event_at(ctx.db, tracking_no)
        if not delivered and (last_step is None or last_step <= step_by):
            delivered = logistics.advance_parcel(ctx, tracking_no)
        if delivered or row["updated_at"] <= now - ctx.delays["return_receive"]:
            with suppress(ApiError):
                receive(ctx, after_sale_id)
    reship_by = now - ctx.delays["reship"]
    for after_sale_id in store.ids_in_status(ctx.db, "received", reship_by):
        if get_after_sale(ctx, after_sale_id)["type"] == "exchange":
            with suppress(ApiError):
                reship(ctx, after_sale_id)
    for after_sale_id in store.ids_in_status(ctx.db, "appealed", now - ctx.delays["appeal"]):
        row = get_after_sale(ctx, after_sale_id)
        with suppress(ApiError):
            if loads(row["photo_ids"]):
                platform_approve(ctx, after_sale_id)
            else:
                platform_reject(ctx, after_sale_id)
