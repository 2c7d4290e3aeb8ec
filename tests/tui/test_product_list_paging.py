"""The results list keeps working while its next page loads (found by bench/scroll.py:
keys pressed during a page load were dropped and the list lost the focus, because its
own loading flag was Textual's `Widget.loading`, which disables the widget)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from kshop_tui.app import KshopApp
from kshop_tui.widgets.product_list import ProductList


async def settle(pilot: Pilot[None], app: KshopApp) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_keys_move_the_cursor_while_the_next_page_loads(
    make_app: Callable[..., KshopApp],
) -> None:
    app = make_app()
    assert app.options.backend is not None
    client = app.options.backend.client
    search = client.search_products
    page_may_load = asyncio.Event()
    page_may_load.set()
    page_requested = asyncio.Event()

    async def held_search(**arguments: Any) -> Any:
        page_requested.set()
        await page_may_load.wait()
        return await search(**arguments)

    client.search_products = held_search  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        results = app.screen.query_one(ProductList)
        assert len(results.rows) == 50 and results.has_more
        assert app.focused is results
        page_may_load.clear()
        page_requested.clear()

        await pilot.press("pagedown")  # to row 36 of 50: near the end, the next page is asked for
        await page_requested.wait()
        await pilot.pause()
        assert results.fetching
        assert len(results.rows) == 50
        moved_to = results.cursor

        await pilot.press("down")  # pressed while that page is still loading
        await pilot.pause()
        assert app.focused is results
        assert results.cursor == moved_to + 1

        page_may_load.set()
        await settle(pilot, app)
        assert len(results.rows) == 100
        assert not results.fetching
        assert app.focused is results

        await pilot.press("pagedown")  # the list still has the keys after the load
        await pilot.pause()
        assert results.cursor == moved_to + 1 + results.size.height - 2
