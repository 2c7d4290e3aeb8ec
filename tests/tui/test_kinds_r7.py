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
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
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
