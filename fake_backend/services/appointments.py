"""A service order's appointment (docs/api.md §7.1): moving it to another slot (once, up to
24 h before it starts) and its completion — by the merchant once the slot is over (the
simulator, or `/_dev/orders/{id}/complete-service`), else by the backend 24 h later."""

from __future__ import annotations

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state
from fake_backend.services import order_states, service_slots
from fake_backend.services.order_records import both_languages, load_order
from fake_backend.services.order_views import OrderView, order_view
from fake_backend.services.rules import china_date
from fake_backend.storage import bookings as store
from fake_backend.storage import orders as order_store

RESCHEDULABLE = ("pending_payment", "awaiting_service")


def reschedule(ctx: Ctx, user_id: int, order_id: int, new_slot_id: str, lang: str) -> OrderView:
    """Moves the booking to `new_slot_id`: the new slot is reserved and the old one freed in
    one transaction. Once per order, and only until 24 h before the booked slot."""
    with ctx.db.tx():
        order = load_order(ctx, user_id, order_id)
        if order["kind"] != "service":
            raise ApiError("NOT_A_SERVICE")
        if order["status"] not in RESCHEDULABLE:
            raise invalid_state(order["status"])
        if order["rescheduled_at"] is not None:
            raise ApiError("RESCHEDULE_LIMIT")
        deadline = service_slots.notice_ends_at(order)
        assert deadline is not None
        now = ctx.now()
        if now > deadline:
            raise ApiError(
                "TOO_LATE_TO_RESCHEDULE",
                deadline=china_date(deadline).strftime("%Y-%m-%d %H:%M"),
                details={"deadline": iso(deadline)},
            )
        product_id = store.service_product_of(ctx.db, order_id)
        assert product_id is not None
        old_start = order["slot_starts_at"]
        if service_slots.slot_id(product_id, old_start) == new_slot_id:
            raise field_error("slot_id", "same_slot")
        new_start = service_slots.book(ctx, product_id, new_slot_id, "slot_id")
        store.release_slot(ctx.db, product_id, old_start)
        store.set_appointment(ctx.db, order_id, new_start, rescheduled_at=now)
        order_store.add_event(ctx.db, order_id, "rescheduled", _moved_note(new_start), now)
    return order_view(ctx, order_id, lang)


def complete_by_merchant(ctx: Ctx, order_id: int, lang: str) -> OrderView:
    """The merchant marks the service done (`/_dev`; the simulator once the slot is over)."""
    order_states.complete_service(ctx, order_id, "service_done")
    return order_view(ctx, order_id, lang)


def simulate(ctx: Ctx) -> None:
    """Merchant auto mode: a service is marked done as soon as its slot is over."""
    ended = store.awaiting_service_ended_before(
        ctx.db, ctx.now() - service_slots.SLOT_SECONDS, showcase=False
    )
    for order_id in ended:
        order_states.complete_service(ctx, order_id, "service_done")


def auto_complete(ctx: Ctx) -> None:
    """Sweeper rule: a service the merchant never marked done completes 24 h after its slot."""
    started_before = ctx.now() - service_slots.SLOT_SECONDS - service_slots.AUTO_COMPLETE_SECONDS
    for order_id in store.awaiting_service_ended_before(ctx.db, started_before):
        order_states.complete_service(ctx, order_id, "service_auto_completed")


def _moved_note(starts_at: float) -> str:
    start = china_date(starts_at)
    end = china_date(starts_at + service_slots.SLOT_SECONDS)
    return both_languages(
        f"预约改至 {start:%Y-%m-%d %H:%M}–{end:%H:%M}",
        f"Moved to {start:%Y-%m-%d %H:%M}–{end:%H:%M}",
    )
