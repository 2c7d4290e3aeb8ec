"""The results list pages: it keeps working while its next page loads (found by
bench/scroll.py: keys pressed during a page load were dropped and the list lost the focus,
because its own loading flag was Textual's `Widget.loading`, which disables the widget),
and it holds only a window of pages around the cursor, fetching dropped pages again by
their keyset cursors, `end` by the mirror sort (bench/scroll.py: memory grew with every
row scrolled past)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed import seed_catalogue
from fake_backend.storage.db import Database
from kshop_tui.app import KshopApp
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.shop.flows.search import PAGE_ROWS
from kshop_tui.widgets.product_list import KEEP_PAGES, ProductList
from tests.conftest import FROZEN_START
from tests.tui.helpers import settle


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
        await settle(pilot)
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
        await settle(pilot)
        assert len(results.rows) == 100
        assert not results.fetching
        assert app.focused is results

        await pilot.press("pagedown")  # the list still has the keys after the load
        await pilot.pause()
        assert results.cursor == moved_to + 1 + results.size.height - 2


# --- the window of pages, on a catalogue of 3 000 products (60 pages) ------------------

PRODUCTS = 3_000
ORDERS = {
    "sales_desc": "sales DESC, id DESC",
    "price_asc": "price_fen ASC, id ASC",
    "newest": "created_at DESC, id DESC",
}


@pytest.fixture(scope="module")
def big_template(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path) -> Path:
    """The demo shop grown to PRODUCTS products, once for this module (~1 s)."""
    path = tmp_path_factory.mktemp("big") / "big.sqlite3"
    shutil.copyfile(seeded_template, path)
    ctx = Ctx(db=Database(path), clock=Clock(FROZEN_START, frozen=True))
    seed_catalogue(ctx, seed=42, products=PRODUCTS)
    ctx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.db.close()
    return path


@pytest.fixture
def db_path(big_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "backend.sqlite3"
    shutil.copyfile(big_template, path)
    return path


def backend_order(ctx: Ctx, sort: str = "sales_desc") -> list[tuple[int, str, int]]:
    """(id, name, stock) of every product in the order the list shows them."""
    return [
        (row["id"], row["name"], row["stock"])
        for row in ctx.db.all(f"SELECT id, name, stock FROM products ORDER BY {ORDERS[sort]}")
    ]


def assert_window_matches(results: ProductList, expected: list[tuple[int, str, int]]) -> None:
    """Every held page is the backend's rows at its place, and the window is bounded."""
    assert len(results.pages) <= results.window_limit
    for page, rows in results.pages.items():
        start = page * PAGE_ROWS
        assert [(row.id, row.name, row.stock) for row in rows] == expected[
            start : start + len(rows)
        ]


def counting_requests(app: KshopApp) -> list[dict[str, Any]]:
    """Records the arguments of every search the app makes."""
    assert app.options.backend is not None
    client = app.options.backend.client
    search = client.search_products
    calls: list[dict[str, Any]] = []

    async def counted(**arguments: Any) -> Any:
        calls.append(arguments)
        return await search(**arguments)

    client.search_products = counted  # type: ignore[method-assign]
    return calls


async def test_scrolling_far_down_and_back_keeps_a_window_and_refetches_in_order(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    expected = backend_order(backend_ctx)
    sold_out = {index for index, (_, _, stock) in enumerate(expected[:500]) if stock <= 0}
    assert sold_out  # the walk passes sold-out rows, which must come back dimmed
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        assert results.total == PRODUCTS and results.extent == PAGE_ROWS
        most_pages = 0
        while results.cursor < 500:
            await pilot.press("pagedown")  # down a screen; pages load as the cursor nears them
            await settle(pilot)
            current = results.current
            assert current is not None and current.id == expected[results.cursor][0]
            assert_window_matches(results, expected)
            most_pages = max(most_pages, len(results.pages))
        assert most_pages <= 2 * KEEP_PAGES + 2  # cursor on screen: its pages ± KEEP_PAGES
        assert 0 not in results.pages  # the top of the list was let go

        seen: list[int] = []
        while results.cursor > 0:
            await pilot.press("pageup")  # back up a screen: dropped pages are fetched again
            await settle(pilot)
            assert_window_matches(results, expected)
            top = results.scroll_offset.y
            for index in range(top, top + results.size.height - 1):
                row = results.row_at(index)
                assert row is not None  # nothing on screen is left "Loading…"
                seen.append(index)
            line = results.render_line(results.cursor - top + 1).text
            name = expected[results.cursor][1][:8]
            assert name in line and ("(sold out)" in line) == (results.cursor in sold_out)
        assert set(seen) >= set(range(0, 500))
        assert 0 in results.pages and results.current is not None
        assert results.current.id == expected[0][0]
        assert "3,000 found" in str(app.screen.query_one("#count-label", Static).render())


async def test_end_jumps_to_the_last_row_with_one_request_then_home_returns(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    expected = backend_order(backend_ctx)
    app = make_app()
    calls = counting_requests(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        calls.clear()

        await pilot.press("G")  # to the very last product
        await settle(pilot)
        assert results.cursor == PRODUCTS - 1 and results.extent == PRODUCTS
        assert results.current is not None and results.current.id == expected[-1][0]
        assert len(calls) == 1  # the mirror sort's first page, not 59 pages in between
        assert calls[0]["sort"] == "sales_asc" and calls[0]["limit"] == PAGE_ROWS
        assert_window_matches(results, expected)
        assert 0 not in results.pages

        for _ in range(4):
            await pilot.press("pageup")  # up from the end: pages come from the mirror sort
            await settle(pilot)
            assert results.current is not None
            assert results.current.id == expected[results.cursor][0]
        assert_window_matches(results, expected)
        assert all(call["sort"] == "sales_asc" for call in calls)

        await pilot.press("g")  # home: the first page again
        await settle(pilot)
        assert results.cursor == 0 and results.scroll_offset.y == 0
        assert results.current is not None and results.current.id == expected[0][0]
        assert_window_matches(results, expected)


async def test_end_in_a_sort_without_a_mirror_walks_there_in_few_requests(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app()
    calls = counting_requests(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        for _ in range(4):
            await pilot.press("s")  # sales ↑, price ↑, price ↓, newest
            await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen) and screen.query_state.sort == "newest"
        calls.clear()

        await pilot.press("end")  # newest first has no mirror: walk, two pages a request
        await settle(pilot)
        expected = backend_order(backend_ctx, "newest")
        assert results.current is not None and results.current.id == expected[-1][0]
        assert len(calls) <= PRODUCTS // PAGE_ROWS // 2 + 1
        assert_window_matches(results, expected)

        await pilot.press("pageup", "pageup")  # above the end: cursors the walk left
        await settle(pilot)
        assert results.current is not None
        assert results.current.id == expected[results.cursor][0]


async def test_the_price_sort_mirrors_too(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    expected = backend_order(backend_ctx, "price_asc")
    app = make_app()
    calls = counting_requests(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        await pilot.press("s", "s")  # sales ↑, then price ↑
        await settle(pilot)
        calls.clear()
        await pilot.press("G")  # the dearest product, from price ↓'s first page
        await settle(pilot)
        assert [call["sort"] for call in calls] == ["price_desc"]
        assert results.current is not None and results.current.id == expected[-1][0]
        assert_window_matches(results, expected)


async def every_id(app: KshopApp, words: str, sort: str) -> list[int]:
    """The ids the backend finds for `words`, in `sort`'s order, page after page."""
    assert app.options.backend is not None
    client = app.options.backend.client
    found: list[int] = []
    cursor: str | None = None
    while True:
        page = await client.search_products(q=words, sort=sort, cursor=cursor, limit=100)
        found += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return found


async def test_a_new_search_resets_the_window(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        await pilot.press("G")  # far from the top
        await settle(pilot)
        await pilot.press("slash", *"保温杯", "enter")  # search: focus, type, search now
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen) and app.screen.query_state.sort == "relevance"
        matching = await every_id(app, "保温杯", "relevance")
        assert len(matching) > PAGE_ROWS
        assert results.total == len(matching) and results.extent == PAGE_ROWS
        assert results.cursor == 0 and results.scroll_offset.y == 0
        assert list(results.pages) == [0]
        assert [row.id for row in results.rows] == matching[:PAGE_ROWS]

        await pilot.press("G")  # the end of the new results
        await settle(pilot)
        assert results.current is not None and results.current.id == matching[-1]
