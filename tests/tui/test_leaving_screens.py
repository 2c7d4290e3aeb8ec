"""Leaving screens while their work is under way: an answer that arrives after its
screen has gone is dropped, not drawn."""

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
from kshop_tui.screens.browse import BrowseScreen
from kshop_tui.screens.order_detail import OrderDetailScreen
from tests.tui.helpers import settle
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
        await app.open_order(order_id)  # the same order's detail again, on top
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
