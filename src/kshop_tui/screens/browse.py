"""Browse: search, filters, sort, and results that load as the cursor nears the end."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.widgets.filters import Filters
from kshop_tui.widgets.product_list import ProductList, Row

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import ProductPage
    from kshop_tui.widgets.filter_panel import FilterPanel

SORTS = ("sales_desc", "sales_asc", "price_asc", "price_desc", "newest")
PAGE_SIZE = 50
DEBOUNCE_SECONDS = 0.2
WIDE_ENOUGH_FOR_PANEL = 100


@dataclass(frozen=True)
class Query:
    """Everything that decides the result set; a page is kept only if it still matches."""

    words: str = ""
    sort: str = "sales_desc"
    filters: Filters = Filters()


class BrowseScreen(ShopScreen):
    # browse.tcss is read by KshopApp.CSS_PATH: this is the app's default screen.
    AUTO_FOCUS = "#results"
    BINDINGS = [
        Binding("f", "toggle_filters", "key.filters", id="browse.filters"),
        Binding("s", "next_sort", "key.sort", id="browse.sort"),
        # The root screen has nowhere to go back to; escape only leaves the search box.
        Binding("escape", "back", "key.back", show=False, id="screen.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = Query()
        self.total = 0
        self.next_cursor: str | None = None
        self._debounce: Timer | None = None
        self._last_keystroke = 0.0
        self._filters_loaded = False

    def where(self) -> str:
        return t("browse.title")

    def compose_body(self) -> ComposeResult:
        # Classes set before the children mount cost no second styling pass.
        self.set_class(self.app.size.width < WIDE_ENOUGH_FOR_PANEL, "-narrow")
        with Horizontal(id="browse-body"), Vertical(id="results-pane"):
            with Horizontal(id="search-row"):
                yield Input(placeholder=t("browse.search_placeholder"), id="search", max_length=50)
                yield Static(id="sort-label")
                yield Static(id="count-label")
            yield Static(id="filter-summary")
            yield ProductList(id="results")

    def on_mount(self) -> None:
        self._show_sort()
        self.run_search(self.query_state)
        if not self.has_class("-narrow"):
            self.call_after_refresh(self._ensure_filter_panel)

    def on_resize(self) -> None:
        narrow = self.size.width < WIDE_ENOUGH_FOR_PANEL
        self.set_class(narrow, "-narrow")
        if not narrow:
            self._ensure_filter_panel()

    def _ensure_filter_panel(self) -> FilterPanel:
        """The filter panel, built when first shown: a narrow first screen never pays for
        its tree, lists and inputs."""
        from kshop_tui.widgets.filter_panel import FilterPanel

        existing = self.query(FilterPanel)
        if existing:
            return existing.first()
        panel = FilterPanel(id="filters")
        self.query_one("#browse-body").mount(panel, before=0)
        self.load_filters()
        return panel

    # --- actions -------------------------------------------------------------------

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def search_for(self, words: str) -> None:
        self.query_one("#search", Input).value = words
        self._start(replace(self.query_state, words=words), debounce=False)

    def action_toggle_filters(self) -> None:
        self.toggle_class("-show-filters")
        if self.has_class("-show-filters"):
            panel = self._ensure_filter_panel()
            self.call_after_refresh(lambda: panel.query_one("#categories").focus())
        else:
            self.query_one(ProductList).focus()

    def action_next_sort(self) -> None:
        index = (SORTS.index(self.query_state.sort) + 1) % len(SORTS)
        self._start(replace(self.query_state, sort=SORTS[index]), debounce=False)
        self._show_sort()

    def action_back(self) -> None:
        if self.has_class("-show-filters"):
            self.action_toggle_filters()
        elif self.focused is not None and self.focused.id == "search":
            self.query_one(ProductList).focus()

    # --- reacting ------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        self._start(replace(self.query_state, words=event.value.strip()), debounce=True)

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        self._start(replace(self.query_state, words=event.value.strip()), debounce=False)
        self.query_one(ProductList).focus()

    def on_filter_panel_changed(self, event: FilterPanel.Changed) -> None:
        category_changed = event.filters.category_id != self.query_state.filters.category_id
        self._start(replace(self.query_state, filters=event.filters), debounce=True)
        summary = event.filters.summary()
        self.query_one("#filter-summary", Static).update(Text(summary))
        self.query_one("#filter-summary").set_class(bool(summary), "-active")
        if category_changed:
            self.load_brands(event.filters.category_id)

    @on(ProductList.Selected)
    def _open(self, event: ProductList.Selected) -> None:
        self.shop.open_product(event.row.id)

    @on(ProductList.AddRequested)
    def _add(self, event: ProductList.AddRequested) -> None:
        self.quick_add(event.row)

    @on(ProductList.NeedMore)
    def _more(self) -> None:
        self.load_more(self.query_state, self.next_cursor)

    def _start(self, query: Query, *, debounce: bool) -> None:
        """Searches for `query`. Typing is debounced: a keystroke after a pause searches at
        once; keystrokes in quick succession wait until the typing stops."""
        if query == self.query_state and not debounce:
            return
        self.query_state = query
        if self._debounce is not None:
            self._debounce.stop()
        now = time.monotonic()
        typing_fast = now - self._last_keystroke < DEBOUNCE_SECONDS
        self._last_keystroke = now
        if debounce and typing_fast:
            self._debounce = self.set_timer(DEBOUNCE_SECONDS, lambda: self.run_search(query))
        else:
            self.run_search(query)

    def _show_sort(self) -> None:
        self.query_one("#sort-label", Static).update(
            Text(t("browse.sort", order=t(f"sort.{self.query_state.sort}")))
        )

    def _show_count(self) -> None:
        self.query_one("#count-label", Static).update(
            Text(t("browse.found", count=f"{self.total:,}"))
        )

    # --- workers -------------------------------------------------------------------

    @work(exclusive=True, group="search")
    async def run_search(self, query: Query) -> None:
        from kshop_tui.api import errors

        results = self.query_one(ProductList)
        results.set_loading(True)
        try:
            page = await self.shop.run_api(lambda api: _fetch(api, query, None))
        except errors.ApiError as error:
            results.set_loading(False)
            self.shop.show_error(error)
            return
        if query != self.query_state:
            return  # the user has asked for something else meanwhile
        self.total = page.total
        self.next_cursor = page.next_cursor
        results.replace_rows(_rows(page), has_more=page.next_cursor is not None)
        self._show_count()

    @work(exclusive=True, group="more")
    async def load_more(self, query: Query, cursor: str | None) -> None:
        from kshop_tui.api import errors

        if cursor is None:
            return
        results = self.query_one(ProductList)
        results.set_loading(True)
        try:
            page = await self.shop.run_api(lambda api: _fetch(api, query, cursor))
        except errors.ApiError as error:
            results.set_loading(False)
            self.shop.show_error(error)
            return
        if query != self.query_state or cursor != self.next_cursor:
            return
        self.next_cursor = page.next_cursor
        results.append_rows(_rows(page), has_more=page.next_cursor is not None)

    @work(group="filters")
    async def load_filters(self) -> None:
        from kshop_tui.api import errors

        panel = self._ensure_filter_panel()
        try:
            categories = await self.shop.run_api(lambda api: api.categories())
            brands = await self.shop.run_api(lambda api: api.brands())
        except errors.ApiError:
            return  # the banner already says the backend is down; results will retry
        panel.show_categories(categories)
        panel.show_brands(brands)

    @work(exclusive=True, group="brands")
    async def load_brands(self, category_id: int | None) -> None:
        from kshop_tui.api import errors

        try:
            brands = await self.shop.run_api(lambda api: api.brands(category_id))
        except errors.ApiError:
            return
        self._ensure_filter_panel().show_brands(brands)

    @work(group="quick-add")
    async def quick_add(self, row: Row) -> None:
        """`a` on a result: a product with one spec goes straight to the cart; others
        open their page to choose."""
        from kshop_tui.api import errors
        from kshop_tui.app import LoginCancelled
        from kshop_tui.cart_outbox import CartChange

        try:
            product = await self.shop.run_api(lambda api: api.product(row.id))
            in_stock = [sku for sku in product.skus if sku.stock > 0]
            if len(product.skus) != 1 or not in_stock:
                self.shop.open_product(row.id)
                return
            cart = await self.shop.change_cart(CartChange("add", sku_id=in_stock[0].id, qty=1))
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        if cart is not None:
            self.notify(t("cart.added", name=row.name), markup=False)


async def _fetch(api: KshopClient, query: Query, cursor: str | None) -> ProductPage:
    filters = query.filters
    return await api.search_products(
        q=query.words,
        category=filters.category_id,
        brand=filters.brand,
        price_min_fen=filters.price_min_fen,
        price_max_fen=filters.price_max_fen,
        in_stock=True if filters.in_stock else None,
        sort=query.sort,
        cursor=cursor,
        limit=PAGE_SIZE,
    )


def _rows(page: ProductPage) -> list[Row]:
    return [Row(p.id, p.name, p.brand, p.price_fen, p.sales, p.stock, p.rating) for p in page.items]
