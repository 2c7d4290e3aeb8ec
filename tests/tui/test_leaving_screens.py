"""Leaving screens while their work is under way: an answer that arrives after its
screen has gone is dropped, not drawn; a worker that leaves its own screen does not take
the app down with it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.widget import Widget

from fake_backend import simulator
from fake_backend.context import Ctx
from kshop_tui.api.backend import Backend
from kshop_tui.api.models import Order
from kshop_tui.app import KshopApp
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.payment.method_picker import MethodPickerModal
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.result import PaymentResultScreen
from tests.tui.helpers import settle, wait_for_screen
from tests.tui.test_orders import order_in_state, skus_in_stock

MakeApp = Callable[..., KshopApp]


class SlowToUnmount(Widget):
    """Keeps its screen's teardown going until `done` is set."""

    def __init__(self, done: asyncio.Event) -> None:
        super().__init__()
        self.done = done

    async def on_unmount(self) -> None:
        await self.done.wait()


async def test_leaving_two_order_details_after_the_merchant_shipped(
    make_app: MakeApp,
    backend: Backend,
    backend_ctx: Ctx,
    demo_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order_id = order_in_state(backend_ctx, "awaiting_shipment", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.show("order", order_id)  # the same order's detail again, on top
        await settle(pilot)
        details = [s for s in app.screen_stack if isinstance(s, OrderDetailScreen)]
        assert len(details) == 2
        lower = details[0]
        backend_ctx.clock.advance(backend_ctx.delays["ship"])
        simulator.step(backend_ctx)  # the merchant ships it

        # Uncovered by `b`, the lower detail asks for the order again and is popped in turn.
        # Its answer arrives while Textual is taking that screen apart: the loading line is
        # gone, the screen itself not yet unmounted (a slow widget holds it open), so the
        # worker has not been cancelled.
        teardown_held = asyncio.Event()
        await lower.mount(SlowToUnmount(teardown_held))
        lower_loading = lower.query_one("#detail-loading")
        real_order = backend.client.order

        async def answer_during_teardown(asked: int) -> Order:
            try:
                answer = await real_order(asked)
                while lower_loading.is_attached:
                    await asyncio.sleep(0)  # one turn of the event loop, no time
                return answer
            finally:
                teardown_held.set()

        monkeypatch.setattr(backend.client, "order", answer_during_teardown)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
    assert app.return_code in (None, 0)


@pytest.mark.parametrize("start", ["orders", "order"])
async def test_browse_from_the_payment_result_leaves_the_screen_that_paid(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, start: str
) -> None:
    order_id = order_in_state(backend_ctx, "pending_payment", skus_in_stock(backend_ctx, 1)[0])
    target = "orders" if start == "orders" else f"order {order_id}"
    app = make_app(token=demo_token, open_target=target)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("p")  # pay this order
        await wait_for_screen(pilot, MethodPickerModal)
        await pilot.press("enter")  # the balance, offered first
        await wait_for_screen(pilot, PaymentPasswordModal)
        await pilot.press(*"123456")  # the payment password
        await wait_for_screen(pilot, PaymentResultScreen)
        # The worker that ran the payment pops its own screen on the way to browse.
        await pilot.press("b")
        await wait_for_screen(pilot, BrowseScreen)
        await settle(pilot)
        assert app.is_running
        assert len(app.screen_stack) == 1
    status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status == "awaiting_shipment"
