"""Pilot tests of products of three kinds (docs/api.md §7.1) against the in-process
backend: the product page names the kind; virtual goods check out with no address and show
their codes masked until revealed; a service books a day and a 2-hour slot (full slots
cannot be chosen) with its 服务需求, and its order reschedules once and explains the
24-hour rule. Each asserts what the backend holds."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from fake_backend.context import Ctx
from fake_backend.services import service_slots
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.orders.codes import OrderCodesModal
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.result import PaymentResultScreen
from kshop_tui.screens.slot_picker import SlotPickerModal
from tests.backend.kinds_helpers import (
    booked,
    create,
    free_slot,
    pay,
    service_sku,
    virtual_sku,
)
from tests.tui import helpers
from tests.tui.helpers import shown_text, text_of

MakeApp = Callable[..., KshopApp]
WAITING = {"place", "pay", "flow", "slot", "order-codes", "order-reschedule", "buy-now"}
settle = partial(helpers.settle, waiting=WAITING)
wait_until = partial(helpers.wait_until, waiting=WAITING)
settle_debounced = partial(helpers.settle_debounced, waiting=WAITING)


def orders_of(ctx: Ctx) -> list[dict[str, object]]:
    return [dict(row) for row in ctx.db.all("SELECT * FROM orders WHERE user_id = 1 ORDER BY id")]


async def buy_now(pilot: Pilot[None], app: KshopApp) -> CheckoutScreen:
    await settle(pilot)
    await pilot.press("B")  # buy now (book, for a service)
    await wait_until(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    screen = app.screen
    assert isinstance(screen, CheckoutScreen)
    await wait_until(
        pilot,
        lambda: screen.quote is not None and screen.chosen_method() is not None,
        what="a quote and a payment method",
    )
    await settle_debounced(pilot)
    return screen


async def place_and_pay(pilot: Pilot[None], app: KshopApp, screen: CheckoutScreen) -> None:
    await pilot.press("ctrl+s")  # to the review step
    await settle(pilot)
    assert screen.step == 2, text_of(screen, "#slot-hint") + text_of(screen, "#note-hint")
    await pilot.press("enter")  # place the order
    await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
    await pilot.press(*"123456")  # the payment password pays
    await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))


async def test_virtual_goods_check_out_without_an_address(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku = virtual_sku(backend_ctx)
    app = make_app(token=demo_token, open_target=f"product {sku['product_id']}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert t("kinds.kind.virtual") in text_of(app.screen, "#returns")
        screen = await buy_now(pilot, app)
        assert screen.kind == "virtual"
        assert not screen.query_one("#ship-row").display
        assert t("kinds.promise.virtual") in text_of(screen, "#kind-note")
        assert t("kinds.no_shipping.virtual") in shown_text(screen.query_one("#shipping"))
        await place_and_pay(pilot, app, screen)
        assert t("kinds.pay_next.virtual") in text_of(app.screen, "#result-next")
    (order,) = orders_of(backend_ctx)
    assert order["kind"] == "virtual" and order["status"] == "completed"
    assert order["address"] == "null" and order["shipping_fen"] == 0


async def test_codes_are_masked_until_revealed_then_copyable(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order = create(backend_ctx, [(virtual_sku(backend_ctx)["id"], 2)])
    pay(backend_ctx, order["id"])
    app = make_app(token=demo_token, open_target=f"order {order['id']}")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        await settle(pilot)
        assert t("kinds.codes.unviewed") in shown_text(app.screen.query_one("#detail-info"))
        await pilot.press("k")  # the codes
        await wait_until(pilot, lambda: isinstance(app.screen, OrderCodesModal))
        modal = app.screen
        masked = text_of(modal, "#codes-list")
        assert masked.count("••••-••••-••••-••••") == 2
        assert t("kinds.codes.reveal_warning") in text_of(modal, "#codes-note")
        assert (
            backend_ctx.db.scalar("SELECT codes_viewed_at FROM orders WHERE id = ?", (order["id"],))
            is None
        )
        await pilot.press("v")  # reveal
        await wait_until(
            pilot, lambda: isinstance(modal, OrderCodesModal) and modal.codes is not None
        )
        codes = [
            row["code"]
            for row in backend_ctx.db.all(
                "SELECT code FROM delivery_codes WHERE order_id = ? ORDER BY id", (order["id"],)
            )
        ]
        shown = text_of(modal, "#codes-list")
        assert all(code in shown for code in codes)
        await pilot.press("c")  # copy
        await settle(pilot)
        assert app.clipboard == "\n".join(codes)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        await wait_until(
            pilot,
            lambda: t("kinds.codes.viewed") in shown_text(app.screen.query_one("#detail-info")),
        )
    assert (
        backend_ctx.db.scalar("SELECT codes_viewed_at FROM orders WHERE id = ?", (order["id"],))
        is not None
    )


async def test_a_service_books_a_slot_and_its_note(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku = service_sku(backend_ctx)
    app = make_app(token=demo_token, open_target=f"product {sku['product_id']}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert t("kinds.kind.service") in text_of(app.screen, "#returns")
        await pilot.press("a")  # add to cart: a service cannot go there, and says why
        await settle(pilot)
        assert t("kinds.service_not_in_cart") in helpers.notifications(app)
        screen = await buy_now(pilot, app)
        assert screen.kind == "service" and screen.query_one("#slot-row").display
        await pilot.press("ctrl+s")  # review: the slot and the note are missing
        await settle(pilot)
        assert screen.step == 1
        assert text_of(screen, "#slot-hint") == t("kinds.need_slot")
        assert text_of(screen, "#note-hint") == t("kinds.note.required")
        await pilot.press("t")  # choose a slot
        await wait_until(pilot, lambda: isinstance(app.screen, SlotPickerModal))
        picker = app.screen
        await settle(pilot)
        days = picker.query_one("#slot-days", OptionList)
        for _ in range(3):
            await pilot.press("down")  # three days ahead
        await settle(pilot)
        await pilot.press("enter")  # to the day's slots
        times = picker.query_one("#slot-times", OptionList)
        await wait_until(pilot, lambda: times.has_focus and times.highlighted is not None)
        assert days.highlighted == 3
        chosen = picker.slots[times.highlighted or 0]
        assert not chosen.full
        await pilot.press("enter")  # book it
        await wait_until(pilot, lambda: app.screen is screen)
        assert screen.slot == chosen
        note = screen.query_one("#service-note", Input)
        assert note.has_focus
        await pilot.press(*"two units")  # the 服务需求
        await place_and_pay(pilot, app, screen)
        assert t("kinds.pay_next.service") in text_of(app.screen, "#result-next")
    (order,) = orders_of(backend_ctx)
    assert order["kind"] == "service" and order["status"] == "awaiting_service"
    assert order["service_note"] == "two units"
    _, starts_at = service_slots.parse_slot_id(chosen.id, "slot")
    assert order["slot_starts_at"] == starts_at


async def test_full_slots_are_greyed_and_cannot_be_chosen(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku = service_sku(backend_ctx)
    first, _ = service_slots.booking_days(backend_ctx.now())
    day = first.fromordinal(first.toordinal() + 2)
    every = service_slots.list_slots(backend_ctx, sku["product_id"], str(day))["items"]
    with backend_ctx.db.tx():  # every slot of that day but the last is full
        for slot in every[:-1]:
            _, starts = service_slots.parse_slot_id(slot["id"], "slot")
            backend_ctx.db.execute(
                "INSERT OR REPLACE INTO slot_bookings VALUES (?, ?, ?)",
                (sku["product_id"], starts, sku["slot_capacity"]),
            )
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(SlotPickerModal(sku["product_id"]))
        await wait_until(pilot, lambda: isinstance(app.screen, SlotPickerModal))
        picker = app.screen
        await pilot.press("down", "down")  # the day with one slot left
        await settle(pilot)
        times = picker.query_one("#slot-times", OptionList)
        await wait_until(pilot, lambda: times.option_count == len(every))
        disabled = [times.get_option_at_index(i).disabled for i in range(times.option_count)]
        assert disabled == [True] * (len(every) - 1) + [False]
        assert t("kinds.slot.full") in shown_text(times)
        await pilot.press("right")  # to the slots: the first free one is highlighted
        await settle(pilot)
        assert times.highlighted == len(every) - 1
        await pilot.press("left")  # back to the days
        times.highlighted = 0  # as the list may leave it after a reload: on a full slot
        await pilot.press("enter")  # to the slots again: off the full one
        await settle(pilot)
        assert times.has_focus and times.highlighted == len(every) - 1
        await pilot.press("enter")  # book the one left
        await wait_until(pilot, lambda: not isinstance(app.screen, SlotPickerModal))


async def test_an_appointment_reschedules_once_and_explains_the_24_hour_rule(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku = service_sku(backend_ctx)
    slot = free_slot(backend_ctx, sku["product_id"], days_ahead=3)
    order = create(backend_ctx, [(sku["id"], 1)], slot_id=slot, service_note="客厅挂机")
    pay(backend_ctx, order["id"])
    held = booked(backend_ctx, slot)
    app = make_app(token=demo_token, open_target=f"order {order['id']}")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        detail = app.screen
        await settle(pilot)
        info = shown_text(detail.query_one("#detail-info"))
        assert "客厅挂机" in info and "24 h" in info
        await pilot.press("m")  # reschedule
        await wait_until(pilot, lambda: isinstance(app.screen, SlotPickerModal))
        picker = app.screen
        await settle(pilot)
        await pilot.press("down", "down", "down", "down")  # four days ahead
        await settle(pilot)
        await pilot.press("right")  # the first free slot
        await settle(pilot)
        target = picker.slots[picker.query_one("#slot-times", OptionList).highlighted or 0]
        await pilot.press("enter")  # move there
        await wait_until(pilot, lambda: app.screen is detail)
        await wait_until(
            pilot,
            lambda: (
                detail.order is not None
                and detail.order.appointment is not None
                and detail.order.appointment.slot_id == target.id
            ),
        )
        assert booked(backend_ctx, slot) == held - 1
        await pilot.press("m")  # again: only once is allowed, and it says so
        await settle(pilot)
        assert t("kinds.why_not.moved_once") in helpers.notifications(app)
        assert not isinstance(app.screen, SlotPickerModal)
