"""Products of three kinds (docs/api.md §7.1) as the shop shows them: what a kind is
called, a service's days and 2-hour slots, its 服务需求 note, the 24-hour rule of a booked
appointment and moving it; a virtual order's codes, hidden until revealed. No Textual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from kshop_tui.i18n import t, tn
from kshop_tui.text import CHINA_TZ, local_time, parse_time

if TYPE_CHECKING:
    from kshop_tui.api.models import DeliveryCode, Order, Slot
    from kshop_tui.shop.session import ShopSession

KINDS = ("physical", "virtual", "service")
BOOKING_DAYS = 14
SERVICE_NOTE_MAX = 200
CODE_MASK = "••••-••••-••••-••••"


def kind_label(kind: str) -> str:
    """A product's or an order's kind in words ("Physical goods", "虚拟商品", ...)."""
    return t(f"kinds.kind.{kind if kind in KINDS else 'physical'}")


def kind_promise(kind: str) -> str:
    """What buying it means, for the product page: how it is delivered."""
    return t(f"kinds.promise.{kind if kind in KINDS else 'physical'}")


# --- a service's slots -------------------------------------------------------------------


def booking_days(now: float) -> list[date]:
    """The days a service can be booked on (today in China time, and 13 more)."""
    today = datetime.fromtimestamp(now, CHINA_TZ).date()
    return [today + timedelta(days=offset) for offset in range(BOOKING_DAYS)]


def day_label(day: date, today: date) -> str:
    """`Today 11-24`, `Tomorrow 11-25`, `Thu 11-26` (今天 / 明天 / 周四)."""
    offset = (day - today).days
    name = (
        t("kinds.day.today")
        if offset == 0
        else t("kinds.day.tomorrow")
        if offset == 1
        else t(f"kinds.weekday.{day.weekday()}")
    )
    return f"{name} {day:%m-%d}"


def slot_hours(slot: Slot) -> str:
    """`10:00–12:00` in China time."""
    return f"{local_time(slot.starts_at, '%H:%M')}–{local_time(slot.ends_at, '%H:%M')}"


def slot_room(slot: Slot) -> str:
    """`Full` or `3 left` (约满 / 剩 3 个名额)."""
    return t("kinds.slot.full") if slot.full else tn("kinds.slot.left", slot.capacity_left)


def slot_when(starts_at: str, ends_at: str) -> str:
    """`2026-11-27 10:00–12:00`: a booked slot, in one line."""
    return f"{local_time(starts_at)}–{local_time(ends_at, '%H:%M')}"


def note_problem(note: str) -> str | None:
    """Why the 服务需求 note cannot be sent as typed, or None."""
    if not note.strip():
        return t("kinds.note.required")
    if len(note.strip()) > SERVICE_NOTE_MAX:
        return t("kinds.note.too_long", max=SERVICE_NOTE_MAX)
    return None


async def load_slots(shop: ShopSession, product_id: int, day: date) -> list[Slot] | None:
    """The day's slots that have not started (None when refused: that was said)."""
    return await shop.attempt(lambda api: api.service_slots(product_id, day.isoformat()))


# --- a booked appointment ----------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentRules:
    """What a service order allows about its appointment now, and the rule in words."""

    can_reschedule: bool
    can_cancel: bool
    explanation: str


def appointment_rules(order: Order, now: float) -> AppointmentRules | None:
    """The 24-hour rule of a service order's booked slot (None for other orders)."""
    appointment = order.appointment
    if order.kind != "service" or appointment is None:
        return None
    deadline = local_time(appointment.changeable_until)
    before_deadline = parse_time(appointment.changeable_until).timestamp() >= now
    can_reschedule = "reschedule" in order.actions
    can_cancel = "cancel" in order.actions
    if order.status not in ("pending_payment", "awaiting_service"):
        words = ""
    elif before_deadline:
        key = "kinds.rule.moved" if appointment.rescheduled else "kinds.rule.open"
        words = t(key, deadline=deadline)
    else:
        words = t("kinds.rule.closed", deadline=deadline)
    return AppointmentRules(can_reschedule, can_cancel, words)


async def reschedule(shop: ShopSession, order_id: int, slot: Slot) -> Order | None:
    """Moves the order to `slot` and says so; None when refused (that was said)."""
    order = await shop.attempt(lambda api: api.reschedule(order_id, slot.id), needs_login=True)
    if order is not None:
        shop.host.tell(t("kinds.rescheduled", when=slot_when(slot.starts_at, slot.ends_at)))
    return order


# --- a virtual order's codes -------------------------------------------------------------


def delivery_words(order: Order) -> str:
    """`2 codes delivered · not viewed yet` for a paid virtual order ("" otherwise)."""
    if order.delivery is None:
        return ""
    seen = "kinds.codes.viewed" if order.delivery.codes_viewed else "kinds.codes.unviewed"
    return f"{tn('kinds.codes.count', order.delivery.count)} · {t(seen)}"


def reveal_warning(order: Order) -> str:
    """What revealing the codes costs: while none was viewed, the refund."""
    if order.delivery is not None and not order.delivery.codes_viewed:
        return t("kinds.codes.reveal_warning")
    return ""


async def reveal_codes(shop: ShopSession, order_id: int) -> list[DeliveryCode] | None:
    """The order's codes (the first call marks them viewed); None when refused."""
    return await shop.attempt(lambda api: api.order_codes(order_id), needs_login=True)


def codes_text(codes: list[DeliveryCode]) -> str:
    """The codes to copy: one a line."""
    return "\n".join(code.code for code in codes)
