"""What issue 14 still lacked in the TUI: the 待服务 (to be served) orders tab, looking up a
guest's order from the login screen, no "remember this device" for guests, and keys of
the §7 screens that say why they do nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fake_backend.context import Ctx
from kshop_tui.api.backend import Backend
from kshop_tui.api.models import AfterSale
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t, tn
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.orders.lookup import OrderLookupScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.orders.status_tabs import StatusTabs
from kshop_tui.text import mask_phone
from kshop_tui.widgets.toggles import Checkbox
from tests.backend.kinds_helpers import service_order
from tests.tui import helpers
from tests.tui.guest_orders import GUEST_PHONE, guest_order, latest_code
from tests.tui.helpers import notifications, text_of, wait_for_screen
from tests.tui.test_orders import order_in_state, skus_in_stock

MakeApp = Callable[..., KshopApp]
WAITING = {"lookup", "lookup-code", "slot", "order-codes", "order-reschedule"}
settle = partial(helpers.settle, waiting=WAITING)
wait_until = partial(helpers.wait_until, waiting=WAITING)


# --- the 待服务 tab ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_services_awaiting_their_slot_have_a_tab_of_their_own(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, size: tuple[int, int]
) -> None:
    booked, _ = service_order(backend_ctx)
    order_in_state(backend_ctx, "awaiting_shipment", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        tabs = screen.query_one(StatusTabs)
        assert tabs.counts is not None and tabs.counts.awaiting_service == 1
        await pilot.press("right_square_bracket", "right_square_bracket")  # to pay, to ship
        await pilot.press("right_square_bracket")  # to be served
        await settle(pilot)
        assert screen.tab == "awaiting_service"
        assert [row.id for row in screen.rows] == [booked["id"]]
        drawn = helpers.shown_text(tabs)
        # The chosen tab shows whole with its count, even where nine tabs do not fit.
        assert f"{t('orders.tab.awaiting_service')} 1" in drawn


async def test_the_to_be_served_tab_says_when_it_is_empty(
    make_app: MakeApp, demo_token: str
) -> None:
    app = make_app(lang="zh_CN", token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(OrdersScreen(tab="awaiting_service"))
        await settle(pilot)
        assert text_of(app.screen, "#orders-empty") == t("orders.empty.awaiting_service")
        assert "待服务 0" in helpers.shown_text(app.screen.query_one(StatusTabs))


# --- login: guests are never remembered ---------------------------------------------------


async def test_the_guest_tab_does_not_offer_to_remember_the_device(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        login = LoginScreen()
        await app.push_screen(login)
        await settle(pilot)
        remember = login.query_one("#remember", Checkbox)
        assert remember.display
        await pilot.press("ctrl+t", "ctrl+t", "ctrl+t")  # password, register, guest
        await settle(pilot)
        assert login.query_one("#methods").active == "tab-guest"  # type: ignore[attr-defined]
        assert not remember.display
        await pilot.press("ctrl+t")  # back to the SMS code login: offered again
        await settle(pilot)
        assert remember.display


# --- looking up a guest's order -----------------------------------------------------------


async def open_lookup(pilot: Pilot[None]) -> OrderLookupScreen:
    """The login screen, its Guest tab with a phone typed, then "look up an order"."""
    app = pilot.app
    await settle(pilot)
    await app.push_screen(LoginScreen())
    await settle(pilot)
    await pilot.press("ctrl+l")  # not on the SMS tab: it says where lookups are
    await settle(pilot)
    assert notifications(app)[-1] == t("lookup.why_not.not_guest_tab")
    await pilot.press("ctrl+t", "ctrl+t", "ctrl+t")  # to the guest tab
    await pilot.press(*GUEST_PHONE)
    await pilot.press("ctrl+l")  # look up an order
    return await wait_for_screen(pilot, OrderLookupScreen)


async def test_a_guest_finds_an_order_by_number_phone_and_code_read_only(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    order = guest_order(backend_ctx)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lookup(pilot)
        assert screen.query_one("#lookup-phone", Input).value == GUEST_PHONE  # came along
        await pilot.press(*order["order_no"].lower())  # case does not matter
        await pilot.press("ctrl+g")  # send a code to the phone
        await settle(pilot)
        assert screen.focused is screen.query_one("#lookup-code", Input)
        await pilot.press(*latest_code(backend_ctx, GUEST_PHONE), "enter")  # look it up
        await settle(pilot)
        assert screen.order is not None and screen.order.id == order["id"]
        assert screen.query_one("#lookup-order").display
        assert order["order_no"] in text_of(screen, "#lookup-order-no-shown")
        assert "张三" in helpers.shown_text(screen.query_one("#lookup-info"))
        # Read-only: none of the order screen's keys are here.
        for key in ("p", "x", "r"):
            await pilot.press(key)
        await settle(pilot)
        assert app.screen is screen
        status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order["id"],))
        assert status == "pending_payment"
        await pilot.press("escape")  # back to the login screen
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_an_unknown_number_or_another_phone_is_said_and_the_form_kept(
    make_app: MakeApp, backend_ctx: Ctx, lang: str
) -> None:
    order = guest_order(backend_ctx)
    other_phone = "13912345678"
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lookup(pilot)
        phone = screen.query_one("#lookup-phone", Input)
        phone.value = other_phone  # the order was placed with another phone
        await pilot.press(*order["order_no"])
        await pilot.press("ctrl+g")
        await settle(pilot)
        code = latest_code(backend_ctx, other_phone)
        await pilot.press(*code, "enter")
        await settle(pilot)
        said = t("lookup.not_found", order_no=order["order_no"], phone=mask_phone(other_phone))
        assert text_of(screen, "#lookup-order-no-hint") == said
        assert screen.focused is screen.query_one("#lookup-order-no", Input)
        assert not screen.query_one("#lookup-order").display
        typed = [screen.query_one(f"#lookup-{name}", Input).value for name in ("order-no", "code")]
        assert typed == [order["order_no"], code] and phone.value == other_phone
        # A number that does not exist reads the same (nobody learns which numbers exist).
        screen.query_one("#lookup-order-no", Input).value = "KS000000000001"
        await pilot.press("enter")
        await settle(pilot)
        assert "KS000000000001" in text_of(screen, "#lookup-order-no-hint")


async def test_the_lookup_checks_its_fields_before_asking(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lookup(pilot)
        await pilot.press(*"KS12")
        await pilot.press("tab", "tab", "tab", "tab")  # past phone, code and Send to Look up
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(screen, "#lookup-order-no-hint") == t("valid.order_no")
        assert text_of(screen, "#lookup-code-hint") == t("valid.required")
        assert screen.focused is screen.query_one("#lookup-order-no", Input)
        sent = backend_ctx.db.scalar("SELECT COUNT(*) FROM sms_codes")
        assert sent == 0


# --- keys that do not apply say why -------------------------------------------------------


def fill_day(ctx: Ctx, product_id: int, days_ahead: int) -> None:
    """Every slot of the day `days_ahead` from the backend's today booked full."""
    from datetime import timedelta

    from fake_backend.services import service_slots

    first, _ = service_slots.booking_days(ctx.now())
    day = str(first + timedelta(days=days_ahead))
    capacity = ctx.db.scalar("SELECT slot_capacity FROM products WHERE id = ?", (product_id,))
    with ctx.db.tx():
        for slot in service_slots.list_slots(ctx, product_id, day)["items"]:
            _, starts_at = service_slots.parse_slot_id(slot["id"], "slot")
            ctx.db.execute(
                "INSERT OR REPLACE INTO slot_bookings(product_id, starts_at, booked)"
                " VALUES (?, ?, ?)",
                (product_id, starts_at, capacity),
            )


async def test_the_slot_picker_says_a_full_day_has_no_slot_to_go_to(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    from kshop_tui.screens.slot_picker import SlotPickerModal
    from tests.backend.kinds_helpers import service_sku

    product_id = service_sku(backend_ctx)["product_id"]
    fill_day(backend_ctx, product_id, days_ahead=2)
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        picker = SlotPickerModal(product_id)
        app.push_screen(picker)
        await settle(pilot)
        await pilot.press("down", "down")  # the day after tomorrow: every slot is full
        await settle(pilot)
        await pilot.press("right")  # to its slots
        await settle(pilot)
        assert notifications(app) == [t("kinds.why_not.no_free_slot")]
        assert picker.focused is picker.query_one("#slot-days")  # stays on the days
        await pilot.press("enter")  # the same from enter on the day
        await settle(pilot)
        assert notifications(app)[-1] == t("kinds.why_not.no_free_slot")
        await pilot.press("up", "right")  # tomorrow has free slots: → goes there
        await settle(pilot)
        assert picker.focused is picker.query_one("#slot-times")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_codes_say_why_copy_waits_and_reveal_is_done(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    from kshop_tui.screens.orders.codes import OrderCodesModal
    from kshop_tui.screens.orders.detail import OrderDetailScreen
    from tests.backend.kinds_helpers import create, pay, virtual_sku

    order = create(backend_ctx, [(virtual_sku(backend_ctx)["id"], 2)])
    pay(backend_ctx, order["id"])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order['id']}")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        await settle(pilot)
        await pilot.press("x")  # cancel a delivered virtual order
        await settle(pilot)
        assert notifications(app) == [t("kinds.why_not.virtual_cancel")]
        await pilot.press("k")  # the codes
        modal = await wait_for_screen(pilot, OrderCodesModal)
        await pilot.press("c")  # copy before they are shown
        await settle(pilot)
        assert notifications(app)[-1] == t("kinds.why_not.copy_hidden")
        viewed = backend_ctx.db.scalar(
            "SELECT codes_viewed_at FROM orders WHERE id = ?", (order["id"],)
        )
        assert viewed is None  # copying did not reveal them behind the user's back
        await pilot.press("v")  # reveal
        await wait_until(pilot, lambda: modal.codes is not None)
        await pilot.press("v")  # again
        await settle(pilot)
        assert notifications(app)[-1] == tn("kinds.why_not.revealed", 2)


async def test_a_completed_service_says_why_it_cannot_be_cancelled_or_returned(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    from fake_backend.services import appointments
    from kshop_tui.screens.orders.detail import OrderDetailScreen

    booked, _ = service_order(backend_ctx, days_ahead=1)
    backend_ctx.clock.advance(3 * 86400)  # the slot is over
    appointments.complete_by_merchant(backend_ctx, booked["id"], "en")
    app = make_app(token=demo_token, open_target=f"order {booked['id']}")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, OrderDetailScreen))
        await settle(pilot)
        for key in ("x", "r", "m", "t"):
            await pilot.press(key)
            await settle(pilot)
        assert notifications(app) == [
            t("kinds.why_not.service_over"),
            t("kinds.why_not.service_after_sale"),
            t("kinds.why_not.service_over"),
            t("kinds.why_not.service_no_parcel"),
        ]


async def test_a_virtual_checkout_says_it_needs_no_address_or_slot(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    from tests.backend.kinds_helpers import virtual_sku
    from tests.tui.test_snapshots_kinds import checkout_quoted

    sku = virtual_sku(backend_ctx)
    app = make_app(token=demo_token, open_target=f"product {sku['product_id']}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("B")  # buy now
        await checkout_quoted(pilot)
        screen = app.screen
        for key in ("e", "t", "p"):
            await pilot.press(key)
            await settle(pilot)
        assert notifications(app) == [
            t("kinds.why_not.no_address"),
            t("kinds.why_not.slot_not_service"),
            t("checkout.why_not.not_placed"),
        ]
        assert app.screen is screen


async def requested_exchange(backend: Backend, ctx: Ctx, token: str) -> AfterSale:
    """An exchange of a delivered order for another spec, not answered yet."""
    from kshop_tui.api.intent import new_intent_key
    from tests.tui.test_after_sale_flows import delivered_order

    order = await delivered_order(backend, ctx, token)
    item = (await backend.client.after_sale_eligibility(order.id)).items[0]
    wanted = next(
        choice.sku_id
        for choice in item.exchange_skus
        if choice.stock > 0 and choice.specs != item.specs
    )
    return await backend.client.create_after_sale(
        order_id=order.id,
        type="exchange",
        exchange_items={item.item_id: wanted},
        reason="size_fit",
        idempotency_key=new_intent_key(),
    )


async def test_an_exchange_says_why_its_replacement_cannot_be_confirmed_yet(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    from kshop_tui.screens.after_sales.detail import AfterSaleDetailScreen

    exchange = await requested_exchange(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(AfterSaleDetailScreen(exchange.id))
        await settle(pilot)
        for key in ("y", "t", "s", "a"):
            await pilot.press(key)
            await settle(pilot)
        assert notifications(app) == [
            t("as.why_not.confirm.not_shipped"),
            t("as.why_not.no_parcel"),
            t("as.why_not.ship.not_approved"),
            t("as.why_not.not_rejected"),
        ]


async def test_the_wizard_says_which_step_its_keys_belong_to(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    from tests.tui.test_after_sale_flows import delivered_order, open_wizard

    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        assert wizard.step == "type"
        for key in ("ctrl+s", "ctrl+o", "delete"):
            await pilot.press(key)
            await settle(pilot)
        assert notifications(app) == [
            t("as.why_not.not_reviewed"),
            t("as.why_not.photo_step"),
            t("as.why_not.photo_step"),
        ]
        assert wizard.step == "type"
