"""The merchant's side of after-sales, and the system's: approving, rejecting, receiving
the returned goods, `/_dev`'s answers, the 24 h answer deadline, and the merchant
simulator's moves."""

from __future__ import annotations

from contextlib import suppress

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import logistics
from fake_backend.services.after_sale_appeals import platform_approve, platform_reject
from fake_backend.services.after_sale_states import get_after_sale, move, refund, require_status
from fake_backend.storage import after_sales as store


def approve(ctx: Ctx, after_sale_id: int, *, actor: str = "merchant") -> None:
    """requested → approved; a refund-only is refunded at once, a return awaits the goods."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "requested")
        row = move(
            ctx, row, "approved", actor, note_key="auto_approved" if actor == "system" else None
        )
        if row["type"] == "refund_only":
            refund(ctx, row, actor)
        else:
            move(ctx, row, "awaiting_return", actor, note_key="send_back")


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
    """return_shipped → received → refunded: the goods are back, the money goes out."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "return_shipped")
        row = move(ctx, row, "received", "merchant", note_key="parcel_received")
        refund(ctx, row, "merchant")


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
    demo shows modify and appeal), receives returns, lets the platform settle appeals."""
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
    for after_sale_id in store.ids_in_status(ctx.db, "appealed", now - ctx.delays["appeal"]):
        with suppress(ApiError):
            platform_approve(ctx, after_sale_id)
