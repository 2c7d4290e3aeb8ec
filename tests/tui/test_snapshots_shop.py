"""How the spine's screens look: browse, product, cart and help, at 80×24 and 120×40,
in English and Chinese, filled, empty and with the backend down."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot

from fake_backend.context import Ctx
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.config import Settings
from kshop_tui.shop.options import AppOptions
from tests.tui.conftest import SIZES
from tests.tui.helpers import settle, settle_debounced, wait_until

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]


async def settle_product(pilot: Pilot[None]) -> None:
    """Waits until the product page has its picture, reviews and coupon row: their workers
    start only when the product itself has loaded, so one settle can come too early. Fails
    if the page never gets there (an error page, say)."""
    from textual.widgets import Static

    from kshop_tui.screens.catalogue.product import ProductScreen
    from kshop_tui.widgets.image import ProductImage

    def complete() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, ProductScreen) or screen.product is None:
            return False
        product = screen.product
        picture_done = not product.images or screen.query_one(ProductImage)._png is not None
        reviews_done = bool(screen.reviews) or product.review_count == 0
        # The coupon row fills in after the page is shown; a key pressed before it did
        # scrolled the page by its height (one CI run in two, at 80×24).
        coupons_done = bool(str(screen.query_one("#coupons", Static).render()))
        return picture_done and reviews_done and coupons_done

    await wait_until(pilot, complete, what="the product page with its picture and reviews")
    await settle(pilot)


def first_multi_spec_product(ctx: Ctx) -> int:
    product_id: int = ctx.db.scalar(
        "SELECT p.id FROM products p WHERE p.stock > 0 AND p.review_count > 0 AND"
        " (SELECT COUNT(*) FROM skus s WHERE s.product_id = p.id) >= 4 ORDER BY p.id LIMIT 1"
    )
    return product_id


class TestBrowse:
    @pytest.mark.parametrize("size", SIZES)
    def test_first_screen(
        self, snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=settle)

    def test_first_screen_chinese(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(lang="zh_CN"), terminal_size=(80, 24), run_before=settle)

    @pytest.mark.parametrize("size", SIZES)
    def test_search_results(
        self, snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("slash")  # focus search
            await pilot.press(*"保温杯")  # type a keyword
            await pilot.press("enter")  # search now and move to the results
            await settle(pilot)
            await pilot.press("down", "down")  # move the cursor to the third result

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)

    def test_no_results(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("slash")  # focus search
            await pilot.press(*"zzzqqq")  # something no product has
            await pilot.press("enter")  # search now
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_suggestions_open(
        self, snap_compare: SnapCompare, make_app: MakeApp, lang: str
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("slash")  # focus search
            await pilot.press(*"保温")  # the start of a word
            await settle_debounced(pilot)  # its search and its suggestions
            await pilot.press("down")  # choose the first suggestion

        assert snap_compare(make_app(lang=lang), terminal_size=(80, 24), run_before=run_before)

    def test_no_results_offer_the_closest_searches_in_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("slash")  # focus search
            await pilot.press(*"zzz保温杯")  # a word no product has, and one many have
            await pilot.press("enter")  # search now
            await settle_debounced(pilot)  # the search, then the closest searches

        assert snap_compare(make_app(lang="zh_CN"), terminal_size=(120, 40), run_before=run_before)

    def test_filters_open_on_a_narrow_terminal(
        self, snap_compare: SnapCompare, make_app: MakeApp
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("f")  # open the filter panel
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)

    def test_price_filter_error_in_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.click("#price-min")  # the minimum price box
            await pilot.press(*"300")  # min ¥300
            await pilot.click("#price-max")  # the maximum price box
            await pilot.press(*"20")  # max ¥20: below the minimum
            await settle_debounced(pilot)  # the searches typing the minimum debounced

        assert snap_compare(make_app(lang="zh_CN"), terminal_size=(120, 40), run_before=run_before)

    def test_backend_down_shows_the_banner(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        client = KshopClient(IN_PROCESS_URL, transport=httpx.MockTransport(refuse))
        backend = Backend(client=client, in_process=False, description="down")
        app = KshopApp(
            AppOptions(
                language="en",
                backend=backend,
                data_dir=tmp_path,
                settings=Settings(),
                persistent_tokens=False,
            )
        )

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class TestProduct:
    @pytest.mark.parametrize("size", SIZES)
    def test_detail(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, size: tuple[int, int]
    ) -> None:
        app = make_app(open_target=f"product {first_multi_spec_product(backend_ctx)}")
        assert snap_compare(app, terminal_size=size, run_before=settle_product)

    def test_detail_chinese_with_spec_changed(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle_product(pilot)
            await pilot.press("right")  # next value of the first spec
            await pilot.press("plus", "plus")  # quantity 3
            await settle(pilot)

        app = make_app(lang="zh_CN", open_target=f"product {first_multi_spec_product(backend_ctx)}")
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    def test_sold_out_and_not_returnable(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx
    ) -> None:
        product_id = backend_ctx.db.scalar(
            "SELECT id FROM products WHERE stock = 0 AND returnable = 0 ORDER BY id LIMIT 1"
        )
        app = make_app(open_target=f"product {product_id}")
        assert snap_compare(app, terminal_size=(120, 40), run_before=settle_product)

    def test_unknown_product(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(
            make_app(open_target="product 999999"), terminal_size=(80, 24), run_before=settle
        )


class TestCart:
    @staticmethod
    def fill_cart(ctx: Ctx) -> None:
        skus = ctx.db.all(
            "SELECT s.id, s.price_fen FROM skus s JOIN products p ON p.id = s.product_id"
            " WHERE s.stock > 10 ORDER BY s.id LIMIT 3"
        )
        with ctx.db.tx():
            for index, sku in enumerate(skus):
                ctx.db.execute(
                    "INSERT INTO cart_items(user_id, sku_id, qty, selected, added_price_fen,"
                    " created_at) VALUES (1, ?, ?, ?, ?, ?)",
                    (
                        sku["id"],
                        index + 1,
                        int(index != 2),
                        sku["price_fen"] - 500 * (index == 1),
                        float(index),
                    ),
                )

    @pytest.mark.parametrize("size", SIZES)
    def test_filled(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        self.fill_cart(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await settle_debounced(pilot)  # the cart, then its quote after the debounce

        app = make_app(token=demo_token, open_target="cart")
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_filled_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        self.fill_cart(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await settle_debounced(pilot)  # the cart, then its quote after the debounce

        app = make_app(lang="zh_CN", token=demo_token, open_target="cart")
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    def test_empty(self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str) -> None:
        app = make_app(token=demo_token, open_target="cart")
        assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


class TestHelp:
    @pytest.mark.parametrize("size", SIZES)
    def test_help(
        self, snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("question_mark")  # open help from browse
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
