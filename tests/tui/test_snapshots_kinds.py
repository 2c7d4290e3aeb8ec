"""How products of three kinds look (docs/api.md §7.1), at 80×24 in English and Chinese:
a virtual product's and a service's page, checkout of virtual goods (no address) and of a
service (its slot and 服务需求), the slot picker with full slots greyed, a booked service's
order with the 24-hour rule, and a virtual order's codes masked and revealed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import pytest
from textual.pilot import Pilot

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.orders.codes import OrderCodesModal
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.slot_picker import SlotPickerModal
from tests.backend.kinds_helpers import create, free_slot, pay, service_sku, virtual_sku
from tests.tui import helpers

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]
SSH = (80, 24)
LANGS = [pytest.param("en", id="en"), pytest.param("zh_CN", id="zh")]
WAITING = {"place", "pay", "flow", "slot", "order-codes", "order-reschedule", "buy-now"}
settle = partial(helpers.settle, waiting=WAITING)
wait_until = partial(helpers.wait_until, waiting=WAITING)


async def checkout_quoted(pilot: Pilot[None]) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CheckoutScreen))
    screen = pilot.app.screen
    assert isinstance(screen, CheckoutScreen)
    await wait_until(pilot, lambda: screen.quote is not None and screen.chosen_method() is not None)
    await helpers.settle_debounced(pilot, waiting=WAITING)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["virtual", "service"])
def test_product_page_says_its_kind(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    kind: str,
) -> None:
    sku = virtual_sku(backend_ctx) if kind == "virtual" else service_sku(backend_ctx)
    app = make_app(lang=lang, token=demo_token, open_target=f"product {sku['product_id']}")
    assert snap_compare(app, terminal_size=SSH, run_before=settle)


@pytest.mark.parametrize("lang", LANGS)
def test_checkout_of_virtual_goods_asks_no_address(
    snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    sku = virtual_sku(backend_ctx)
    app = make_app(lang=lang, token=demo_token, open_target=f"product {sku['product_id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("B")  # buy now
        await checkout_quoted(pilot)

    assert snap_compare(app, terminal_size=SSH, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_checkout_of_a_service_with_its_slot_and_note(
    snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    sku = service_sku(backend_ctx)
    app = make_app(lang=lang, token=demo_token, open_target=f"product {sku['product_id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("B")  # book
        await checkout_quoted(pilot)
        await pilot.press("t")  # choose a slot
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SlotPickerModal))
        await pilot.press("down", "down")  # two days ahead
        await settle(pilot)
        await pilot.press("right")  # its first free slot
        await settle(pilot)
        await pilot.press("enter")  # book it
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CheckoutScreen))
        await pilot.press(*"2 units")  # the 服务需求
        await settle(pilot)

    assert snap_compare(app, terminal_size=SSH, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_slot_picker_greys_full_slots(
    snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    product_id = service_sku(backend_ctx)["product_id"]
    app = make_app(lang=lang, token=demo_token)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.push_screen(SlotPickerModal(product_id))
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SlotPickerModal))
        await pilot.press("down")  # tomorrow: every slot is still ahead
        await settle(pilot)

    assert snap_compare(app, terminal_size=SSH, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_a_booked_service_explains_the_24_hour_rule(
    snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    sku = service_sku(backend_ctx)
    slot = free_slot(backend_ctx, sku["product_id"], days_ahead=3)
    order = create(backend_ctx, [(sku["id"], 1)], slot_id=slot, service_note="客厅挂机，需梯子")
    pay(backend_ctx, order["id"])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order['id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SSH, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("revealed", [False, True], ids=["masked", "revealed"])
def test_a_virtual_orders_codes(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    demo_token: str,
    lang: str,
    revealed: bool,
) -> None:
    order = create(backend_ctx, [(virtual_sku(backend_ctx)["id"], 2)])
    pay(backend_ctx, order["id"])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order['id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
        await settle(pilot)
        await pilot.press("k")  # the codes
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderCodesModal))
        if revealed:
            await pilot.press("v")  # reveal them
            modal = pilot.app.screen
            await wait_until(pilot, lambda: getattr(modal, "codes", None) is not None)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SSH, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_a_booked_service_on_a_wide_terminal(
    snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    """120×40: the order's facts beside its timeline, the appointment and its rule."""
    sku = service_sku(backend_ctx)
    slot = free_slot(backend_ctx, sku["product_id"], days_ahead=3)
    order = create(backend_ctx, [(sku["id"], 1)], slot_id=slot, service_note="客厅挂机，需梯子")
    pay(backend_ctx, order["id"])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order['id']}")

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, OrderDetailScreen))
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
