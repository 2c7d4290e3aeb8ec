"""Products of three kinds in the shop's rules, without a screen (docs/api.md §7.1): the
checkout draft of virtual goods and services, a service's days and slots in words, the
24-hour rule of a booked appointment, a virtual order's codes; and, on the bundled backend
through a real `ShopSession`, loading slots, moving a booking and revealing codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fake_backend.context import Ctx
from fake_backend.services import service_slots
from kshop_tui.api.models import Appointment, DeliverySummary, Order, Quote, Slot
from kshop_tui.i18n import t, tn
from kshop_tui.shop.flows import booking
from kshop_tui.shop.flows.checkout import Checkout, CheckoutDraft
from kshop_tui.shop.session import ShopSession
from tests.backend.kinds_helpers import create, free_slot, pay, service_sku, virtual_sku
from tests.conftest import FROZEN_START
from tests.shop.fakes import FakeApi, FakeShop
from tests.shop.test_checkout_flow import ADDRESS, BALANCE, order
from tests.shop.test_orders_flow import (  # noqa: F401 (fixtures)
    backend_app,
    backend_ctx,
    host_of,
    shop,
)

SLOT = Slot(
    id="241-2026112710",
    starts_at="2026-11-27T02:00:00Z",
    ends_at="2026-11-27T04:00:00Z",
    capacity_left=2,
)


def quote(kind: str, total_fen: int = 8_900) -> Quote:
    return Quote.model_validate(
        {
            "lines": [],
            "subtotal_fen": total_fen,
            "shipping_fen": 0,
            "discount_fen": 0,
            "total_fen": total_fen,
            "kind": kind,
        }
    )


def draft(kind: str, **changes: Any) -> CheckoutDraft:
    fields: dict[str, Any] = {
        "lines": [(9, 1)],
        "address": ADDRESS,
        "quote": quote(kind),
        "method": BALANCE,
    }
    return CheckoutDraft(**{**fields, **changes})


# --- the checkout draft --------------------------------------------------------------------


def test_virtual_goods_need_no_address_and_send_none() -> None:
    virtual = draft("virtual", address=None)
    assert virtual.problems() == [] and virtual.ship_to() == {}
    assert draft("virtual").ship_to() == {}
    assert draft("physical").ship_to() == {"address_id": ADDRESS.id}
    assert [p.field for p in draft("physical", address=None).problems()] == ["address"]


def test_the_hint_speaks_for_the_kind_until_a_quote_does() -> None:
    before = CheckoutDraft(lines=[(9, 1)], kind_hint="virtual")
    assert before.kind == "virtual" and not before.needs_address
    assert draft("physical", kind_hint="virtual").kind == "physical"


def test_a_service_needs_a_slot_and_a_note() -> None:
    missing = draft("service")
    assert [p.field for p in missing.problems()] == ["slot", "service_note"]
    assert missing.problems()[0].words == t("kinds.need_slot")
    assert draft("service", slot=SLOT, service_note="  ").problems()[0].words == t(
        "kinds.note.required"
    )
    long = draft("service", slot=SLOT, service_note="修" * 201)
    assert long.problems()[0].field == "service_note"
    assert draft("service", slot=SLOT, service_note="修" * 200).problems() == []


async def test_placing_a_service_sends_its_slot_and_trimmed_note() -> None:
    api = FakeApi(quote=[quote("service")], create_order=[order()])
    ready = draft("service", slot=SLOT, service_note=" 两台挂机 ")
    checkout = Checkout()
    assert checkout.review(ready) == []
    assert (await checkout.place(FakeShop(api), ready)).kind == "placed"
    (_, sent) = api.calls[-1]
    assert sent["slot_id"] == SLOT.id and sent["service_note"] == "两台挂机"
    assert sent["address_id"] == ADDRESS.id


async def test_placing_virtual_goods_sends_no_address_and_no_service_fields() -> None:
    api = FakeApi(quote=[quote("virtual")], create_order=[order()])
    ready = draft("virtual")
    checkout = Checkout()
    checkout.review(ready)
    assert (await checkout.place(FakeShop(api), ready)).kind == "placed"
    (_, quoted), (_, sent) = api.calls
    for call in (quoted, sent):
        assert "address_id" not in call and "address" not in call
    assert sent["slot_id"] is None and sent["service_note"] is None


# --- words ---------------------------------------------------------------------------------


def test_kinds_days_and_slots_in_words() -> None:
    assert booking.kind_label("service") == t("kinds.kind.service")
    assert booking.kind_label("something new") == t("kinds.kind.physical")
    days = booking.booking_days(FROZEN_START)
    assert len(days) == 14 and days[0] == date(2026, 11, 24)
    assert booking.day_label(days[0], days[0]).startswith(t("kinds.day.today"))
    assert booking.day_label(days[1], days[0]) == f"{t('kinds.day.tomorrow')} 11-25"
    assert booking.day_label(days[2], days[0]) == f"{t('kinds.weekday.3')} 11-26"
    assert booking.slot_hours(SLOT) == "10:00–12:00"
    assert booking.slot_room(SLOT) == tn("kinds.slot.left", 2)
    full = SLOT.model_copy(update={"capacity_left": 0})
    assert full.full and booking.slot_room(full) == t("kinds.slot.full")


def service_order(status: str, actions: list[str], *, rescheduled: bool = False) -> Order:
    return Order.model_validate(
        {
            "id": 5,
            "order_no": "KS1",
            "kind": "service",
            "status": status,
            "after_sale_status": "none",
            "items": [],
            "subtotal_fen": 1,
            "shipping_fen": 0,
            "discount_fen": 0,
            "total_fen": 1,
            "refunded_fen": 0,
            "payment_method": "balance",
            "remark": "",
            "created_at": "2026-11-24T02:00:00Z",
            "timeline": [],
            "actions": actions,
            "appointment": Appointment(
                slot_id=SLOT.id,
                starts_at=SLOT.starts_at,
                ends_at=SLOT.ends_at,
                rescheduled=rescheduled,
                changeable_until="2026-11-26T02:00:00Z",
            ),
        }
    )


def test_the_24_hour_rule_in_words() -> None:
    now = FROZEN_START
    open_rules = booking.appointment_rules(
        service_order("awaiting_service", ["reschedule", "cancel"]), now
    )
    assert open_rules is not None and open_rules.can_reschedule and open_rules.can_cancel
    assert open_rules.explanation == t("kinds.rule.open", deadline="2026-11-26 10:00")
    moved = booking.appointment_rules(
        service_order("awaiting_service", ["cancel"], rescheduled=True), now
    )
    assert moved is not None and not moved.can_reschedule
    assert moved.explanation == t("kinds.rule.moved", deadline="2026-11-26 10:00")
    late = booking.appointment_rules(service_order("awaiting_service", []), now + 3 * 86400)
    assert late is not None and not late.can_cancel
    assert late.explanation == t("kinds.rule.closed", deadline="2026-11-26 10:00")
    done = booking.appointment_rules(service_order("completed", ["review"]), now)
    assert done is not None and done.explanation == ""


def test_codes_in_words() -> None:
    paid = service_order("completed", []).model_copy(
        update={"kind": "virtual", "delivery": DeliverySummary(count=2, codes_viewed=False)}
    )
    assert booking.delivery_words(paid).endswith(t("kinds.codes.unviewed"))
    assert booking.reveal_warning(paid) == t("kinds.codes.reveal_warning")
    seen = paid.model_copy(update={"delivery": DeliverySummary(count=2, codes_viewed=True)})
    assert booking.reveal_warning(seen) == ""


# --- on the bundled backend ----------------------------------------------------------------


async def test_slots_a_move_and_codes_through_the_session(
    shop: ShopSession,  # noqa: F811
    backend_ctx: Ctx,  # noqa: F811
    tmp_path: Path,
) -> None:
    sku = service_sku(backend_ctx)
    slot_id = free_slot(backend_ctx, sku["product_id"])
    placed = create(backend_ctx, [(sku["id"], 1)], slot_id=slot_id, service_note="x")
    day = booking.booking_days(FROZEN_START)[5]
    slots = await booking.load_slots(shop, sku["product_id"], day)
    assert slots is not None and len(slots) == len(service_slots.SLOT_HOURS)
    target = next(slot for slot in slots if not slot.full)
    moved = await booking.reschedule(shop, placed["id"], target)
    assert moved is not None and moved.appointment is not None
    assert moved.appointment.slot_id == target.id
    assert host_of(shop).told[-1][1].startswith(t("kinds.rescheduled", when="")[:3])
    again = await booking.reschedule(shop, placed["id"], target)
    assert again is None and host_of(shop).told[-1][0] in ("error", "warning")
    virtual = create(backend_ctx, [(virtual_sku(backend_ctx)["id"], 2)])
    pay(backend_ctx, virtual["id"])
    codes = await booking.reveal_codes(shop, virtual["id"])
    assert codes is not None and len(codes) == 2
    assert booking.codes_text(codes).count("\n") == 1
