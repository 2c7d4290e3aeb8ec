"""Products of three kinds at service level (docs/api.md §7.1, no HTTP): virtual goods
delivered as codes on payment, services booked for a 2-hour slot, and every transition of
both, legal and illegal (an illegal one changes nothing)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import (
    after_sale_rules,
    appointments,
    order_changes,
    order_states,
    order_views,
    pricing,
    service_slots,
    sweeper,
    virtual_codes,
)
from fake_backend.storage import orders as order_store
from tests.backend.kinds_helpers import (
    DAY,
    booked,
    create,
    free_slot,
    full_slot,
    pay,
    physical_sku,
    service_order,
    service_sku,
    virtual_sku,
)
from tests.conftest import DEMO_USER_ID


def fails(code: str, call: object, *args: object, **kwargs: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code, caught.value.params
    return caught.value


def field_of(error: ApiError) -> set[str]:
    return set(error.details.get("fields", {}))


def balance(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,)))


def order_count(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM orders"))


# ---- the seed -----------------------------------------------------------------------------


def test_the_seed_has_ten_virtual_goods_and_ten_services_at_least(ctx: Ctx) -> None:
    kinds = dict(ctx.db.all("SELECT kind, COUNT(*) FROM products GROUP BY kind"))
    assert kinds["virtual"] >= 10 and kinds["service"] >= 10
    virtual_names = [
        row[0] for row in ctx.db.all("SELECT name FROM products WHERE kind = 'virtual'")
    ]
    assert any("会员 年卡" in name for name in virtual_names)
    assert any("游戏点卡" in name for name in virtual_names)
    service_names = " ".join(
        row[0] for row in ctx.db.all("SELECT name FROM products WHERE kind = 'service'")
    )
    for word in ("空调清洗", "安装", "保洁"):
        assert word in service_names
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM products WHERE kind = 'service'"
            " AND (slot_capacity IS NULL OR returnable = 1)"
        )
        == 0
    )


# ---- slots --------------------------------------------------------------------------------


def test_slots_are_the_days_2_hour_slots_not_started_with_what_they_have_left(ctx: Ctx) -> None:
    sku = service_sku(ctx)
    first, last = service_slots.booking_days(ctx.now())
    today = service_slots.list_slots(ctx, sku["product_id"], None)["items"]
    # The frozen clock is 10:00 in Shanghai: the 08:00 and 10:00 slots have started.
    assert [slot["id"][-2:] for slot in today] == ["12", "14", "16", "18"]
    later = service_slots.list_slots(ctx, sku["product_id"], str(last))["items"]
    assert len(later) == len(service_slots.SLOT_HOURS)
    for slot in later:
        product_id, starts_at = service_slots.parse_slot_id(slot["id"], "slot")
        assert product_id == sku["product_id"]
        assert slot["capacity_left"] == sku["slot_capacity"] - booked(ctx, slot["id"])
        assert 0 <= slot["capacity_left"] <= sku["slot_capacity"]


@pytest.mark.parametrize(
    "day, reason",
    [
        ("2026-13-01", "bad_date"),
        ("26-11-30", "bad_date"),
        ("2026-11-23", "date_out_of_range"),
        ("2026-12-08", "date_out_of_range"),
    ],
)
def test_slots_of_a_bad_or_far_day_are_refused(ctx: Ctx, day: str, reason: str) -> None:
    error = fails(
        "VALIDATION_ERROR", service_slots.list_slots, ctx, service_sku(ctx)["product_id"], day
    )
    assert error.details["fields"]["date"][0] == reason


def test_slots_of_a_product_that_is_no_service_or_none_at_all(ctx: Ctx) -> None:
    fails("NOT_A_SERVICE", service_slots.list_slots, ctx, physical_sku(ctx)["product_id"], None)
    fails("NOT_FOUND", service_slots.list_slots, ctx, 999_999, None)


# ---- virtual goods --------------------------------------------------------------------------


def test_a_virtual_order_has_no_address_no_shipping_and_no_delivery_estimate(ctx: Ctx) -> None:
    sku = virtual_sku(ctx)
    quote = pricing.quote(ctx, DEMO_USER_ID, [(sku["id"], 2)], None, None, "zh")
    assert quote["kind"] == "virtual" and quote["shipping_fen"] == 0
    assert quote["estimated_delivery"] is None and quote["address_id"] is None
    order = create(ctx, [(sku["id"], 2)])
    assert order["kind"] == "virtual" and order["address"] is None
    assert order["shipping_fen"] == 0 and order["total_fen"] == sku["price_fen"] * 2
    assert order["delivery"] is None and order["actions"] == ["pay", "cancel"]


def test_a_virtual_order_with_an_address_is_refused(ctx: Ctx) -> None:
    before = order_count(ctx)
    error = fails("VALIDATION_ERROR", create, ctx, [(virtual_sku(ctx)["id"], 1)], address_id=1)
    assert field_of(error) == {"address_id"} and order_count(ctx) == before


def test_paying_a_virtual_order_delivers_one_code_per_unit_and_completes_it(ctx: Ctx) -> None:
    order = create(ctx, [(virtual_sku(ctx)["id"], 3)])
    paid = pay(ctx, order["id"])
    assert paid["status"] == "completed" and paid["completed_at"] is not None
    assert paid["delivery"] == {"count": 3, "codes_viewed": False}
    assert "view_codes" in paid["actions"] and "after_sale" in paid["actions"]
    assert [event["status"] for event in paid["timeline"]] == ["created", "paid", "completed"]
    shown = virtual_codes.reveal(ctx, DEMO_USER_ID, order["id"])["codes"]
    assert len({code["code"] for code in shown}) == 3
    assert all(code["expires_at"] and code["item_id"] == paid["items"][0]["id"] for code in shown)
    again = order_views.order_view(ctx, order["id"], "zh")
    assert again["delivery"] == {"count": 3, "codes_viewed": True}
    assert "after_sale" not in again["actions"]
    assert virtual_codes.reveal(ctx, DEMO_USER_ID, order["id"])["codes"] == shown


def test_codes_are_only_the_owners_and_only_once_paid(ctx: Ctx) -> None:
    order = create(ctx, [(virtual_sku(ctx)["id"], 1)])
    fails("INVALID_STATE", virtual_codes.reveal, ctx, DEMO_USER_ID, order["id"])
    pay(ctx, order["id"])
    with ctx.db.tx():
        stranger = ctx.db.insert(
            "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000001', 'x', 0)"
        )
    fails("NOT_FOUND", virtual_codes.reveal, ctx, stranger, order["id"])
    assert order_views.order_view(ctx, order["id"], "zh")["delivery"]["codes_viewed"] is False
    physical = create(ctx, [(physical_sku(ctx)["id"], 1)])
    fails("NOT_VIRTUAL", virtual_codes.reveal, ctx, DEMO_USER_ID, physical["id"])


def test_virtual_goods_allow_a_refund_only_while_no_code_was_viewed(ctx: Ctx) -> None:
    order = pay(ctx, create(ctx, [(virtual_sku(ctx)["id"], 1)])["id"])
    row = order_store.get_order(ctx.db, order["id"])
    assessment = after_sale_rules.assess(ctx, row)
    assert assessment.allowed_types() == ["refund_only"]
    assert assessment.blocked["return_refund"].code == "virtual"
    virtual_codes.reveal(ctx, DEMO_USER_ID, order["id"])
    viewed = after_sale_rules.assess(ctx, order_store.get_order(ctx.db, order["id"]))
    assert viewed.allowed_types() == []
    assert viewed.blocked["refund_only"].code == "codes_viewed"


def test_a_virtual_order_cannot_be_cancelled_once_delivered_nor_changed(ctx: Ctx) -> None:
    sku = virtual_sku(ctx)
    unpaid = create(ctx, [(sku["id"], 1)])
    fails(
        "INVALID_STATE",
        order_changes.change_items,
        ctx,
        DEMO_USER_ID,
        unpaid["id"],
        [(sku["id"], 2)],
        "zh",
    )
    fails("INVALID_STATE", order_changes.change_address, ctx, DEMO_USER_ID, unpaid["id"], 1, "zh")
    pay(ctx, unpaid["id"])
    fails(
        "INVALID_STATE", order_states.cancel_order, ctx, DEMO_USER_ID, unpaid["id"], "other", "zh"
    )
    assert order_views.order_view(ctx, unpaid["id"], "zh")["status"] == "completed"


def test_a_virtual_order_paid_later_starts_its_bill_at_once(ctx: Ctx) -> None:
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE users SET bnpl_enabled = 1, bnpl_limit_fen = 100000 WHERE id = ?",
            (DEMO_USER_ID,),
        )
    order = create(ctx, [(virtual_sku(ctx)["id"], 1)], payment_method="bnpl")
    paid = pay(ctx, order["id"], "bnpl")
    assert paid["status"] == "completed" and paid["shipped_at"] is None
    due = ctx.db.scalar("SELECT due_at FROM bnpl_bills WHERE order_id = ?", (order["id"],))
    assert due is not None


def test_goods_of_different_kinds_or_two_services_are_ordered_apart(ctx: Ctx) -> None:
    before = order_count(ctx)
    mixed = fails(
        "VALIDATION_ERROR", create, ctx, [(virtual_sku(ctx)["id"], 1), (physical_sku(ctx)["id"], 1)]
    )
    assert mixed.details["fields"]["items"][0] == "mixed_kinds"
    two = fails(
        "VALIDATION_ERROR",
        create,
        ctx,
        [(service_sku(ctx)["id"], 1), (service_sku(ctx, skip=5)["id"], 1)],
        slot_id=free_slot(ctx, service_sku(ctx)["product_id"]),
        service_note="x",
    )
    assert two.details["fields"]["items"][0] == "one_service"
    assert order_count(ctx) == before


# ---- services: placing ----------------------------------------------------------------------


def test_a_service_order_books_its_slot_and_keeps_the_note(ctx: Ctx) -> None:
    sku = service_sku(ctx)
    slot = free_slot(ctx, sku["product_id"])
    held = booked(ctx, slot)
    order = create(ctx, [(sku["id"], 1)], slot_id=slot, service_note="  两台挂机  ")
    assert order["kind"] == "service" and order["status"] == "pending_payment"
    assert order["service_note"] == "两台挂机" and order["shipping_fen"] == 0
    assert order["address"] is not None and order["estimated_delivery"] is None
    appointment = order["appointment"]
    assert appointment is not None and appointment["slot_id"] == slot
    assert appointment["rescheduled"] is False
    _, starts_at = service_slots.parse_slot_id(slot, "slot")
    assert appointment["changeable_until"] is not None
    assert booked(ctx, slot) == held + 1
    assert order["actions"] == ["pay", "reschedule", "cancel"]
    assert starts_at - ctx.now() > DAY


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, {"appointment", "service_note"}),
        ({"service_note": "   "}, {"appointment", "service_note"}),
        ({"slot_id": "nonsense"}, {"service_note"}),
    ],
)
def test_a_service_needs_its_slot_and_its_note(
    ctx: Ctx, fields: dict[str, str], expected: set[str]
) -> None:
    before = order_count(ctx)
    error = fails("VALIDATION_ERROR", create, ctx, [(service_sku(ctx)["id"], 1)], **fields)
    assert field_of(error) == expected and order_count(ctx) == before


def test_goods_that_are_no_service_take_no_slot_or_note(ctx: Ctx) -> None:
    error = fails(
        "VALIDATION_ERROR",
        create,
        ctx,
        [(physical_sku(ctx)["id"], 1)],
        slot_id="1-2026112512",
        service_note="x",
    )
    assert field_of(error) == {"appointment", "service_note"}


@pytest.mark.parametrize(
    "slot_of",
    [
        lambda ctx, product_id: f"{product_id}-2026112599",  # no such hour
        lambda ctx, product_id: f"{product_id}-2026113011",  # not a slot's start
        lambda ctx, product_id: f"{product_id}-2026022910",  # no such day
        lambda ctx, product_id: f"{product_id}-2026112408",  # started already
        lambda ctx, product_id: f"{product_id}-2026122010",  # beyond 14 days
        lambda ctx, product_id: free_slot(ctx, product_id + 1),  # another service's
    ],
    ids=["hour", "odd-hour", "day", "started", "too-far", "other-service"],
)
def test_a_slot_that_cannot_be_booked_is_refused_and_nothing_changes(
    ctx: Ctx, slot_of: object
) -> None:
    sku = service_sku(ctx)
    slot = slot_of(ctx, sku["product_id"])  # type: ignore[operator]
    before = order_count(ctx)
    stock = ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku["id"],))
    error = fails("VALIDATION_ERROR", create, ctx, [(sku["id"], 1)], slot_id=slot, service_note="x")
    assert field_of(error) == {"appointment.slot_id"}
    assert order_count(ctx) == before
    assert ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku["id"],)) == stock


def test_a_full_slot_is_refused_and_nothing_changes(ctx: Ctx) -> None:
    sku = service_sku(ctx)
    slot = full_slot(ctx, sku["product_id"])
    held = booked(ctx, slot)
    before = order_count(ctx)
    fails("SLOT_FULL", create, ctx, [(sku["id"], 1)], slot_id=slot, service_note="x")
    assert booked(ctx, slot) == held and order_count(ctx) == before


def test_a_slot_never_takes_more_bookings_than_its_capacity_under_concurrency(ctx: Ctx) -> None:
    sku = service_sku(ctx)
    slot = free_slot(ctx, sku["product_id"], days_ahead=5)
    room = sku["slot_capacity"] - booked(ctx, slot)
    assert room > 0
    start = threading.Barrier(8)

    def attempt(_: int) -> str:
        start.wait()
        try:
            create(ctx, [(sku["id"], 1)], slot_id=slot, service_note="x")
        except ApiError as error:
            return error.code
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count("ok") == room and results.count("SLOT_FULL") == 8 - room
    assert booked(ctx, slot) == sku["slot_capacity"]
    left = [
        s["capacity_left"]
        for s in service_slots.list_slots(ctx, sku["product_id"], slot_day(slot))["items"]
        if s["id"] == slot
    ]
    assert left == [0]


def slot_day(slot: str) -> str:
    digits = slot.split("-")[1]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


# ---- services: the state machine ----------------------------------------------------------


def test_paying_a_service_awaits_it_and_the_merchant_completes_it_after_the_slot(ctx: Ctx) -> None:
    order, slot = service_order(ctx, days_ahead=2)
    assert order["status"] == "awaiting_service"
    assert order["actions"] == ["reschedule", "cancel"]
    _, starts_at = service_slots.parse_slot_id(slot, "slot")
    ctx.clock.advance(starts_at + service_slots.SLOT_SECONDS - 1 - ctx.now())
    appointments.simulate(ctx)
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "awaiting_service"
    ctx.clock.advance(1)
    appointments.simulate(ctx)
    done = order_views.order_view(ctx, order["id"], "zh")
    assert done["status"] == "completed" and done["timeline"][-1]["note"] == "商家已完成服务"
    assert done["actions"] == ["review", "buy_again"]
    fails("INVALID_STATE", order_states.complete_service, ctx, order["id"], "service_done")


def test_the_backend_completes_a_service_24_hours_after_its_slot(ctx: Ctx) -> None:
    order, slot = service_order(ctx, days_ahead=2)
    _, starts_at = service_slots.parse_slot_id(slot, "slot")
    ends_at = starts_at + service_slots.SLOT_SECONDS
    ctx.clock.advance(ends_at + DAY - 1 - ctx.now())
    sweeper.run(ctx)
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "awaiting_service"
    ctx.clock.advance(1)
    sweeper.run(ctx)
    done = order_views.order_view(ctx, order["id"], "en")
    assert done["status"] == "completed"
    assert done["timeline"][-1]["note"] == "Completed automatically 24 hours after the slot"


def test_an_unpaid_service_cannot_be_completed(ctx: Ctx) -> None:
    order, _ = service_order(ctx, paid=False)
    fails("INVALID_STATE", order_states.complete_service, ctx, order["id"], "service_done")


def test_cancelling_a_service_a_day_ahead_refunds_it_in_full_and_frees_the_slot(ctx: Ctx) -> None:
    before = balance(ctx)
    order, slot = service_order(ctx)
    held = booked(ctx, slot)
    assert balance(ctx) == before - order["total_fen"]
    cancelled = order_states.cancel_order(ctx, DEMO_USER_ID, order["id"], "no_longer_needed", "zh")
    assert cancelled["status"] == "cancelled" and cancelled["refunded_fen"] == order["total_fen"]
    assert balance(ctx) == before and booked(ctx, slot) == held - 1


def test_cancelling_a_service_within_24_hours_is_too_late_and_changes_nothing(ctx: Ctx) -> None:
    order, slot = service_order(ctx, days_ahead=2)
    _, starts_at = service_slots.parse_slot_id(slot, "slot")
    ctx.clock.advance(starts_at - service_slots.NOTICE_SECONDS - ctx.now())
    assert "cancel" in order_views.order_view(ctx, order["id"], "zh")["actions"]
    ctx.clock.advance(1)
    held, money = booked(ctx, slot), balance(ctx)
    error = fails(
        "TOO_LATE_TO_CANCEL",
        order_states.cancel_order,
        ctx,
        DEMO_USER_ID,
        order["id"],
        "other",
        "zh",
    )
    assert error.details["deadline"]
    view = order_views.order_view(ctx, order["id"], "zh")
    assert view["status"] == "awaiting_service" and view["actions"] == []
    assert booked(ctx, slot) == held and balance(ctx) == money


def test_an_unpaid_service_cancels_any_time_and_frees_its_slot(ctx: Ctx) -> None:
    order, slot = service_order(ctx, days_ahead=1, paid=False)
    held = booked(ctx, slot)
    order_states.cancel_order(ctx, DEMO_USER_ID, order["id"], "other", "zh")
    assert booked(ctx, slot) == held - 1


def test_an_unpaid_service_times_out_and_frees_its_slot(ctx: Ctx) -> None:
    order, slot = service_order(ctx, paid=False)
    held = booked(ctx, slot)
    ctx.clock.advance(30 * 60)
    sweeper.run(ctx)
    assert order_views.order_view(ctx, order["id"], "zh")["status"] == "cancelled"
    assert booked(ctx, slot) == held - 1


def test_a_service_reschedules_once_moving_its_booking(ctx: Ctx) -> None:
    order, slot = service_order(ctx)
    product_id = service_sku(ctx)["product_id"]
    other = free_slot(ctx, product_id, days_ahead=4)
    old_held, new_held = booked(ctx, slot), booked(ctx, other)
    moved = appointments.reschedule(ctx, DEMO_USER_ID, order["id"], other, "zh")
    assert moved["appointment"]["slot_id"] == other and moved["appointment"]["rescheduled"]
    assert moved["timeline"][-1]["status"] == "rescheduled"
    assert booked(ctx, slot) == old_held - 1 and booked(ctx, other) == new_held + 1
    assert moved["actions"] == ["cancel"]
    fails("RESCHEDULE_LIMIT", appointments.reschedule, ctx, DEMO_USER_ID, order["id"], slot, "zh")
    assert booked(ctx, slot) == old_held - 1


def test_rescheduling_refuses_bad_slots_and_late_moves_changing_nothing(ctx: Ctx) -> None:
    order, slot = service_order(ctx, days_ahead=2)
    product_id = service_sku(ctx)["product_id"]
    same = fails(
        "VALIDATION_ERROR", appointments.reschedule, ctx, DEMO_USER_ID, order["id"], slot, "zh"
    )
    assert same.details["fields"]["slot_id"][0] == "same_slot"
    fails(
        "SLOT_FULL",
        appointments.reschedule,
        ctx,
        DEMO_USER_ID,
        order["id"],
        full_slot(ctx, product_id),
        "zh",
    )
    fails("VALIDATION_ERROR", appointments.reschedule, ctx, DEMO_USER_ID, order["id"], "12-x", "zh")
    _, starts_at = service_slots.parse_slot_id(slot, "slot")
    ctx.clock.advance(starts_at - service_slots.NOTICE_SECONDS + 1 - ctx.now())
    target = free_slot(ctx, product_id, days_ahead=5)
    fails(
        "TOO_LATE_TO_RESCHEDULE",
        appointments.reschedule,
        ctx,
        DEMO_USER_ID,
        order["id"],
        target,
        "zh",
    )
    view = order_views.order_view(ctx, order["id"], "zh")
    assert view["appointment"]["slot_id"] == slot and not view["appointment"]["rescheduled"]


def test_only_a_live_service_order_reschedules(ctx: Ctx) -> None:
    physical = create(ctx, [(physical_sku(ctx)["id"], 1)])
    fails(
        "NOT_A_SERVICE",
        appointments.reschedule,
        ctx,
        DEMO_USER_ID,
        physical["id"],
        "1-2026112512",
        "zh",
    )
    order, _ = service_order(ctx)
    order_states.cancel_order(ctx, DEMO_USER_ID, order["id"], "other", "zh")
    target = free_slot(ctx, service_sku(ctx)["product_id"], days_ahead=6)
    fails("INVALID_STATE", appointments.reschedule, ctx, DEMO_USER_ID, order["id"], target, "zh")
    fails("NOT_FOUND", appointments.reschedule, ctx, DEMO_USER_ID, 999_999, target, "zh")


def test_a_service_takes_no_change_of_lines_or_address_and_no_after_sale_before_it_happens(
    ctx: Ctx,
) -> None:
    order, _ = service_order(ctx, paid=False)
    sku = service_sku(ctx)
    fails(
        "INVALID_STATE",
        order_changes.change_items,
        ctx,
        DEMO_USER_ID,
        order["id"],
        [(sku["id"], 2)],
        "zh",
    )
    fails("INVALID_STATE", order_changes.change_address, ctx, DEMO_USER_ID, order["id"], 1, "zh")
    paid = pay(ctx, order["id"])
    assessment = after_sale_rules.assess(ctx, order_store.get_order(ctx.db, paid["id"]))
    assert assessment.allowed_types() == []
    assert assessment.blocked["refund_only"].code == "service_booked"


def test_orders_list_and_count_services_awaiting_under_their_own_filter(ctx: Ctx) -> None:
    order, _ = service_order(ctx)
    page = order_views.list_orders(ctx, DEMO_USER_ID, "awaiting_service", None, 20)
    assert [item["id"] for item in page["items"]] == [order["id"]]
    assert page["items"][0]["kind"] == "service"
    assert order_views.order_counts(ctx, DEMO_USER_ID)["awaiting_service"] == 1
