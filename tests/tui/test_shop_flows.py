"""Pilot tests of the spine's flows against the in-process backend: search, filters,
sort, paging, product detail → cart, cart edits, offline cart changes, literal text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.cart.cart import CartScreen
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.screens.catalogue.product import ProductScreen
from kshop_tui.shop.flows.search import Query
from kshop_tui.widgets.filter_panel import FilterPanel
from kshop_tui.widgets.product_list import ProductList
from kshop_tui.widgets.stepper import QuantityStepper
from tests.tui.helpers import (
    notifications,
    pending_timers,
    settle,
    settle_debounced,
    shown_text,
    text_of,
    wait_for_screen,
    wait_until,
)

MakeApp = Callable[..., KshopApp]


async def wait_for_rows(
    pilot: Pilot[None], wanted: Callable[[Query], bool] = lambda query: True
) -> ProductList:
    """Until the screen's search is one that `wanted` accepts and the list shows its
    results: its debounce (if any) has fired, the search and its pages have come and
    nothing is loading. Fails if that never happens."""
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen), f"not browsing: {screen!r}"
    results = screen.query_one(ProductList)

    def shown() -> bool:
        pages = screen.result_pages
        return (
            wanted(screen.query_state)
            and pages is not None
            and pages.query == screen.query_state
            and not results.fetching
        )

    await settle_debounced(pilot)
    await wait_until(pilot, shown, what=f"the results of the search wanted ({screen.query_state})")
    return results


async def type_search(pilot: Pilot[None], words: str) -> None:
    await pilot.press("slash")  # focus the search box
    await pilot.press(*list(words))
    await pilot.press("enter")  # search now, focus the results
    await wait_for_rows(pilot, lambda query: query.words == words)


async def test_keyword_search_filters_results_and_counts(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        await type_search(pilot, "保温杯")
        results = screen.query_one(ProductList)
        expected = backend_ctx.db.scalar(
            "SELECT COUNT(*) FROM products WHERE name LIKE '%保温杯%' OR brand LIKE '%保温杯%'"
        )
        assert expected > 0
        assert screen.total == expected
        assert results.rows and all("保温杯" in row.name for row in results.rows)
        count = screen.query_one("#count-label", Static).render()
        assert f"{expected:,} found" in str(count)


async def test_short_chinese_terms_are_found(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot)
        await type_search(pilot, "T恤")
        results = app.screen.query_one(ProductList)
        assert results.rows and all("T恤" in row.name for row in results.rows)


async def test_enter_searches_now_and_drops_the_search_the_typing_left_waiting(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kshop_tui.shop.flows import search

    monkeypatch.setattr(search, "DEBOUNCE_SECONDS", 60.0)  # every keystroke is "fast"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot)
        screen = app.screen
        await pilot.press("slash", *"保温杯")  # the first key searches, the rest wait
        assert pending_timers(screen), "the typing should have left a search waiting"
        await pilot.press("enter")  # search now
        assert pending_timers(screen) == []
        results = await wait_for_rows(pilot, lambda query: query.words == "保温杯")
        assert results.rows and all("保温杯" in row.name for row in results.rows)
        await pilot.press("down", "down")
        await settle_debounced(pilot)  # nothing left to search again
        assert results.cursor == 2


async def test_sort_cycles_and_orders_rows(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        results = await wait_for_rows(pilot)
        sales = [row.sales for row in results.rows]
        assert sales == sorted(sales, reverse=True)
        await pilot.press("s")  # sales ascending
        await wait_for_rows(pilot)
        await pilot.press("s")  # price ascending
        await wait_for_rows(pilot)
        prices = [row.price_fen for row in results.rows]
        assert prices == sorted(prices)
        assert isinstance(app.screen, BrowseScreen) and app.screen.query_state.sort == "price_asc"


async def test_filters_category_price_and_stock(make_app: MakeApp, backend_ctx: Ctx) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_rows(pilot)
        panel = app.screen.query_one(FilterPanel)
        panel.query_one("#price-min", Input).value = "100"
        panel.query_one("#price-max", Input).value = "200.5"
        await pilot.press("tab")
        await wait_for_rows(pilot, lambda query: query.filters.price_max_fen == 20050)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        assert screen.query_state.filters.price_min_fen == 10000
        assert screen.query_state.filters.price_max_fen == 20050
        expected = backend_ctx.db.scalar(
            "SELECT COUNT(*) FROM products WHERE price_fen BETWEEN 10000 AND 20050"
        )
        assert screen.total == expected
        rows = screen.query_one(ProductList).rows
        assert all(10000 <= row.price_fen <= 20050 for row in rows)
        panel.query_one("#in-stock").value = True  # type: ignore[attr-defined]
        await wait_for_rows(pilot, lambda query: query.filters.in_stock)
        assert all(row.stock > 0 for row in screen.query_one(ProductList).rows)


async def test_price_range_typed_backwards_is_refused_next_to_the_field(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_rows(pilot)
        panel = app.screen.query_one(FilterPanel)
        panel.query_one("#price-min", Input).value = "300"
        panel.query_one("#price-max", Input).value = "20"
        error = panel.query_one("#price-error", Static)
        await wait_until(
            pilot, lambda: "minimum is above the maximum" in str(error.render()), what="the error"
        )
        assert panel.query_one("#price-min", Input).value == "300"


async def test_results_page_in_as_the_cursor_nears_the_end(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        results = await wait_for_rows(pilot)
        assert len(results.rows) == 50 and results.has_more
        await pilot.press("pagedown")  # near the last loaded row: the next page is asked for
        await wait_for_rows(pilot)
        assert len(results.rows) == 100
        ids = [row.id for row in results.rows]
        assert len(set(ids)) == len(ids)


async def test_detail_pick_spec_and_add_to_cart_after_login(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    product_id = backend_ctx.db.scalar(
        "SELECT p.id FROM products p WHERE (SELECT COUNT(*) FROM skus s WHERE s.product_id = p.id"
        " AND s.stock > 5) >= 2 ORDER BY p.id LIMIT 1"
    )
    app = make_app(token=demo_token, open_target=f"product {product_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductScreen)
        first = screen.sku
        assert first is not None
        await pilot.press("right")  # next value of the first spec
        await settle(pilot)
        chosen = screen.sku
        assert chosen is not None
        await pilot.press("plus", "plus")  # quantity 3
        assert screen.query_one(QuantityStepper).value == 3
        await pilot.press("a")  # add to cart
        await settle(pilot)
        row = backend_ctx.db.one("SELECT sku_id, qty FROM cart_items WHERE user_id = 1")
        assert row is not None and row["sku_id"] == chosen.id and row["qty"] == 3
        assert app.cart_count == 3


async def test_quantity_is_bounded_by_stock(make_app: MakeApp, backend_ctx: Ctx) -> None:
    sku = backend_ctx.db.one("SELECT id, product_id FROM skus WHERE stock > 0 ORDER BY id LIMIT 1")
    assert sku is not None
    with backend_ctx.db.tx():
        backend_ctx.db.execute(
            "UPDATE skus SET stock = 2 WHERE product_id = ?", (sku["product_id"],)
        )
    app = make_app(open_target=f"product {sku['product_id']}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        stepper = app.screen.query_one(QuantityStepper)
        await pilot.press("plus", "plus", "plus", "plus")
        assert stepper.value == 2


async def test_cart_edit_select_and_remove(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    skus = backend_ctx.db.all("SELECT id, price_fen FROM skus WHERE stock > 10 ORDER BY id LIMIT 2")
    with backend_ctx.db.tx():
        for sku in skus:
            backend_ctx.db.execute(
                "INSERT INTO cart_items"
                "(user_id, sku_id, qty, selected, added_price_fen, created_at)"
                " VALUES (1, ?, 1, 1, ?, 0)",
                (sku["id"], sku["price_fen"]),
            )
    app = make_app(token=demo_token, open_target="cart")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle_debounced(pilot)  # the cart, then the quote after its debounce
        screen = app.screen
        assert isinstance(screen, CartScreen)
        assert screen.query_one(DataTable).row_count == 2
        assert screen.quote is not None
        subtotal = sum(s["price_fen"] for s in skus)
        assert screen.quote.subtotal_fen == subtotal
        assert screen.cart is not None
        first, second = screen.cart.items  # in the server's order: newest first
        await pilot.press("plus")  # first line: quantity 2
        await settle(pilot)
        assert backend_ctx.db.scalar("SELECT qty FROM cart_items WHERE id = ?", (first.id,)) == 2
        await pilot.press("space")  # deselect the first line
        await settle(pilot)
        assert (
            backend_ctx.db.scalar("SELECT selected FROM cart_items WHERE id = ?", (first.id,)) == 0
        )
        await settle_debounced(pilot)  # the new quote
        assert screen.quote is not None and screen.quote.subtotal_fen == second.price_fen
        await pilot.press("d")  # remove the first line
        await settle(pilot)
        remaining = backend_ctx.db.all("SELECT id FROM cart_items WHERE user_id = 1")
        assert [r["id"] for r in remaining] == [second.id]
        assert app.cart_count == 1


async def test_backend_text_with_markup_and_escapes_renders_literally(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    hostile = "[@click=app.quit]免费[/] \x1b]0;pwned\x07[link=http://x]点我[/link]\x1b[31m红"
    with backend_ctx.db.tx():
        backend_ctx.db.execute(
            "UPDATE products SET name = ?, sales = 999999 WHERE id = 1", (hostile,)
        )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        results = await wait_for_rows(pilot)
        assert results.rows[0].id == 1
        assert results.rows[0].name == "[@click=app.quit]免费[/] [link=http://x]点我[/link]红"
        await pilot.click(ProductList, offset=(10, 1))  # a click on the hostile row
        await settle(pilot)
        assert app.is_running
        await pilot.press("enter")  # open it: the name is shown as typed
        await settle(pilot)
        await settle(pilot)
        name = str(app.screen.query_one("#name", Static).render())
        assert "[@click=app.quit]免费[/]" in name and "\x1b" not in name


async def test_guest_adding_to_cart_is_asked_to_log_in_and_nothing_is_lost(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    product_id = backend_ctx.db.scalar("SELECT product_id FROM skus WHERE stock > 0 LIMIT 1")
    app = make_app(open_target=f"product {product_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        await pilot.press("a")  # needs a login
        await pilot.pause()
        assert type(app.screen).__name__ == "LoginScreen"
        await pilot.press("escape")  # back out: still on the product, nothing in any cart
        await settle(pilot)
        assert isinstance(app.screen, ProductScreen)
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM cart_items") == 0


async def test_cart_change_while_backend_down_is_kept_and_replayed(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    from kshop_tui.api import errors
    from kshop_tui.shop.cart_outbox import CartChange

    sku = backend_ctx.db.one("SELECT id FROM skus WHERE stock > 10 ORDER BY id LIMIT 1")
    assert sku is not None
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        client = await app.shop.client()
        real_apply = CartChange.apply

        async def down(self: CartChange, api: object) -> object:
            raise errors.BackendUnreachable("connection refused")

        CartChange.apply = down  # type: ignore[method-assign]
        try:
            cart = await app.shop.change_cart(CartChange("add", sku_id=sku["id"], qty=2))
        finally:
            CartChange.apply = real_apply  # type: ignore[method-assign]
        assert cart is None and app.backend_down
        assert app.shop.cart_outbox is not None and len(app.shop.cart_outbox.pending) == 1
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM cart_items") == 0
        app.action_retry_backend()  # the banner's ctrl+r
        await settle(pilot)
        assert not app.backend_down
        row = backend_ctx.db.one("SELECT sku_id, qty FROM cart_items WHERE user_id = 1")
        assert row is not None and (row["sku_id"], row["qty"]) == (sku["id"], 2)
        assert app.shop.cart_outbox.pending == []
        assert client is app.shop.backend.client  # type: ignore[union-attr]


def test_outbox_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kshop_tui.shop.cart_outbox import CartChange, CartOutbox

    path = tmp_path / "cart-outbox.json"
    outbox = CartOutbox(path)
    outbox.add(CartChange("set_qty", item_id=7, qty=3))
    assert json.loads(path.read_text()) == [
        {"op": "set_qty", "sku_id": None, "item_id": 7, "qty": 3, "selected": None}
    ]
    assert CartOutbox(path).pending == [CartChange("set_qty", item_id=7, qty=3)]


async def test_leaving_a_pending_login_for_another_screen_does_not_jam_the_next_login(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    product_id = backend_ctx.db.scalar("SELECT product_id FROM skus WHERE stock > 0 LIMIT 1")
    app = make_app(open_target=f"product {product_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        await pilot.press("a")  # a guest adding to the cart: the login screen opens
        first_login = await wait_for_screen(pilot, LoginScreen)
        await app.run_action("cart")  # the command palette's "Open cart"

        def names() -> list[str]:
            return [type(screen).__name__ for screen in app.screen_stack]

        # The cart needs a login of its own: a fresh login screen, so the first one ended.
        # (The cart's loader waits on that login: `wait_until` waits only for its screen.)
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, LoginScreen) and app.screen is not first_login,
            what="a fresh login screen",
        )
        assert names().count("LoginScreen") == 1 and "CartScreen" in names(), names()
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM cart_items") == 0


async def test_a_product_nobody_reviewed_shows_no_stars(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    unreviewed = backend_ctx.db.scalar(
        "SELECT id FROM products WHERE review_count = 0 ORDER BY id LIMIT 1"
    )
    reviewed = backend_ctx.db.one(
        "SELECT id, rating FROM products WHERE review_count > 0 ORDER BY id LIMIT 1"
    )
    assert unreviewed is not None and reviewed is not None
    for product_id, expected, absent in (
        (unreviewed, "no reviews yet", "★"),
        (reviewed["id"], f"★{reviewed['rating']:.1f}", "no reviews yet"),
    ):
        app = make_app(open_target=f"product {product_id}")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await settle(pilot)
            meta = str(app.screen.query_one("#meta", Static).render())
            assert expected in meta and absent not in meta


async def test_browse_loads_again_when_the_backend_comes_back(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kshop_tui.api import errors
    from kshop_tui.api.client import KshopClient

    real_call = KshopClient._call
    down = True

    async def flaky_call(self: KshopClient, *args: Any, **kwargs: Any) -> Any:
        if down:
            raise errors.BackendUnreachable("connection refused")
        return await real_call(self, *args, **kwargs)

    monkeypatch.setattr(KshopClient, "_call", flaky_call)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        assert app.backend_down and results.rows == []
        # An outage is not an empty result: the list says the products could not load.
        shown = " ".join(shown_text(results).split())
        assert "Could not load products — the shop is offline." in shown
        assert "They will load when it is back." in shown
        assert "No products match" not in shown
        down = False
        app.action_retry_backend()  # the banner's ctrl+r
        await wait_for_rows(pilot)
        await settle(pilot)
        assert not app.backend_down
        assert len(results.rows) > 0  # the search the outage left empty ran again
        assert "Could not load" not in shown_text(results)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Could not load products — the shop is offline."), ("zh_CN", "无法加载商品")],
)
async def test_an_outage_is_not_an_empty_result(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    from kshop_tui.api import errors
    from kshop_tui.api.client import KshopClient

    async def unreachable(self: KshopClient, *args: Any, **kwargs: Any) -> Any:
        raise errors.BackendUnreachable("connection refused")

    monkeypatch.setattr(KshopClient, "_call", unreachable)
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = shown_text(app.screen.query_one(ProductList))
        assert words in shown and "…" not in shown  # whole, at 80 columns too
        assert "No products match" not in shown and "没有符合条件" not in shown


async def test_a_search_that_matches_nothing_still_says_so(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot)
        await type_search(pilot, "zzzqqq")
        shown = shown_text(app.screen.query_one(ProductList))
        assert "No products match “zzzqqq”." in shown
        assert "Could not load" not in shown


async def test_a_guest_is_shown_how_to_log_in_from_the_first_screen(
    make_app: MakeApp, demo_token: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        browse = app.screen
        assert browse.active_bindings["l"].binding.description == "Log in"
        await pilot.press("l")  # log in
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
    logged_in = make_app(token=demo_token)
    async with logged_in.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "l" not in logged_in.screen.active_bindings


async def test_help_lists_textuals_own_keys_in_the_ui_language(make_app: MakeApp) -> None:
    app = make_app(lang="zh_CN")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")  # help
        await settle(pilot)
        shown = app.export_screenshot()  # the screen as SVG text
        assert "下一项" in shown and "Focus" not in shown


async def test_claiming_a_coupon_logged_out_logs_in_then_claims_and_the_row_shows_them(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    product_id = backend_ctx.db.scalar("SELECT product_id FROM skus WHERE stock > 0 LIMIT 1")
    mine = "SELECT COUNT(*) FROM user_coupons WHERE user_id = 1"
    before = backend_ctx.db.scalar(mine)
    app = make_app(open_target=f"product {product_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert t("product.login_for_coupons") in text_of(app.screen, "#coupons")
        await pilot.press("k")  # claim: which coupons are left is the user's to know
        login = await wait_for_screen(pilot, LoginScreen)
        await pilot.press("ctrl+t")  # the password method
        await pilot.press(*"13800138000", "tab", *"demo1234", "enter")
        await settle(pilot)
        await settle(pilot)
        assert not login.is_attached and isinstance(app.screen, ProductScreen)
        assert backend_ctx.db.scalar(mine) == before + 1
        row = text_of(app.screen, "#coupons")
        assert t("product.login_for_coupons") not in row and "🎫" in row
        claimed = t("product.coupon_claimed", title="")
        assert any(note.startswith(claimed) for note in notifications(app))


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_product_whose_specs_differ_in_price_lists_where_they_start(
    make_app: MakeApp, backend_ctx: Ctx, lang: str
) -> None:
    from kshop_tui.text import money

    app = make_app(lang=lang)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        results = app.screen.query_one(ProductList)
        shown = shown_text(results).splitlines()[1:]
        rows = [results.row_at(index) for index in range(len(shown))]
        varying = [(row, line) for row, line in zip(rows, shown, strict=True) if row is not None]
        starting = t("browse.price_from", price="")
        assert any(row.price_varies for row, _ in varying)
        for row, line in varying:
            price = backend_ctx.db.scalar("SELECT price_fen FROM products WHERE id = ?", (row.id,))
            said = t("browse.price_from", price=money(price)) if row.price_varies else money(price)
            assert said in line
            assert (starting.strip() in line) == row.price_varies
