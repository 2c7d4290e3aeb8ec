"""Snapshots of what issue 14 still lacked, at 80×24 and 120×40 in English and Chinese:
the orders' 待服务 (to be served) tab, a booked service's order with its appointment, a
virtual order's codes shown, the slot picker, a guest's order looked up from the login
screen, and the exchange wizard's spec step."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from textual.pilot import Pilot

from fake_backend.context import Ctx
from fake_backend.services import auth
from kshop_tui.api.backend import Backend
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.after_sales.wizard import AfterSaleWizard
from kshop_tui.screens.orders.codes import OrderCodesModal
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.lookup import OrderLookupScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.slot_picker import SlotPickerModal
from tests.backend.kinds_helpers import create, pay, service_order, service_sku, virtual_sku
from tests.tui import helpers
from tests.tui.conftest import SIZES
from tests.tui.guest_orders import GUEST_PHONE, guest_order
from tests.tui.test_after_sale_flows import delivered_order

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
LANGS = [pytest.param("en", id="en"), pytest.param("zh_CN", id="zh")]
WAITING = {"slots", "order-codes", "codes", "lookup", "lookup-code"}
FIXED_CODE = "246810"
settle = partial(helpers.settle, waiting=WAITING)
wait_until = partial(helpers.wait_until, waiting=WAITING)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_orders_to_be_served_tab(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    size: tuple[int, int],
) -> None:
    service_order(backend_ctx)
    app = make_app(lang=lang, token=demo_token)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.push_screen(OrdersScreen(tab="awaiting_service"))
        await wait_until(pilot, lambda: bool(getattr(pilot.app.screen, "rows", None)))
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_service_order_with_its_appointment(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    size: tuple[int, int],
) -> None:
    order, _ = service_order(backend_ctx)
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order['id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "order", None) is not None)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_virtual_order_codes_shown(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    size: tuple[int, int],
) -> None:
    order = create(backend_ctx, [(virtual_sku(backend_ctx)["id"], 2)])
    pay(backend_ctx, order["id"])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order['id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "order", None) is not None)
        await settle(pilot)
        await pilot.press("k")  # the codes
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderCodesModal))
        await pilot.press("v")  # reveal them
        modal = pilot.app.screen
        await wait_until(pilot, lambda: getattr(modal, "codes", None) is not None)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_slot_picker_on_a_day_ahead(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    size: tuple[int, int],
) -> None:
    product_id = service_sku(backend_ctx)["product_id"]
    app = make_app(lang=lang, token=demo_token)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.push_screen(SlotPickerModal(product_id))
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SlotPickerModal))
        await pilot.press("down", "down")  # two days ahead
        await settle(pilot)
        await pilot.press("right")  # its first free slot
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_guest_order_looked_up(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    lang: str,
    size: tuple[int, int],
) -> None:
    order = guest_order(backend_ctx)
    app = make_app(lang=lang)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.app.push_screen(LoginScreen())
        await settle(pilot)
        await pilot.press("ctrl+t", "ctrl+t", "ctrl+t")  # the guest tab
        await pilot.press(*GUEST_PHONE)
        await pilot.press("ctrl+l")  # look up an order
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderLookupScreen))
        await pilot.press(*order["order_no"])
        # The code sent outside the screen and fixed: the send button's countdown runs
        # on the wall clock, and a code is random.
        auth.send_sms_code(backend_ctx, GUEST_PHONE, "guest")
        with backend_ctx.db.tx():
            backend_ctx.db.execute(
                "UPDATE sms_codes SET code = ? WHERE phone = ?", (FIXED_CODE, GUEST_PHONE)
            )
        await pilot.press("enter", *FIXED_CODE, "enter")  # on to the code; look it up
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "order", None) is not None)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_exchange_wizard_spec_step(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend: Backend,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    size: tuple[int, int],
) -> None:
    app = make_app(lang=lang, token=demo_token)

    async def run_before(pilot: Pilot[None]) -> None:
        order = await delivered_order(backend, backend_ctx, demo_token)
        await settle(pilot)
        wizard = AfterSaleWizard(order.id)
        pilot.app.push_screen(wizard)
        await wait_until(pilot, lambda: wizard.draft is not None)
        await pilot.press("down", "enter")  # exchange
        await settle(pilot)
        await pilot.press("ctrl+n")  # the item is ticked: on to its new spec
        await wait_until(pilot, lambda: wizard.step == "spec")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
