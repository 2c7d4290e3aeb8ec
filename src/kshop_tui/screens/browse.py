"""Browse: search, filters, sort, and results fetched a page at a time around the cursor."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.widgets.filters import Filters
from kshop_tui.widgets.product_list import PAGE_ROWS, ProductList, Row

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import ProductPage
    from kshop_tui.widgets.filter_panel import FilterPanel

SORTS = ("sales_desc", "sales_asc", "price_asc", "price_desc", "newest")
# The backend breaks ties by id in the sort's own direction, so each of these orders is the
# exact reverse of its mirror: the last page in one is the first page of the other.
MIRROR_SORTS = {
    "sales_desc": "sales_asc",
    "sales_asc": "sales_desc",
    "price_asc": "price_desc",
    "price_desc": "price_asc",
}
WALK_PAGES = 2
"""Pages per request on the way to a page no known cursor reaches (the API's limit: 100)."""
DEBOUNCE_SECONDS = 0.2
WIDE_ENOUGH_FOR_PANEL = 100


@dataclass(frozen=True)
class Query:
    """Everything that decides the result set; a page is kept only if it still matches."""

    words: str = ""
    sort: str = "sales_desc"
    filters: Filters = Filters()


@dataclass(frozen=True)
class PageRequest:
    """`pages` pages from page `page` on in the list's order or, `backward`, from page
    `page` back, read in the mirror sort."""

    page: int
    pages: int
    backward: bool
    cursor: str | None


@dataclass
class ResultPages:
    """How to fetch any page of one search's results again.

    `forward[p]` is the keyset cursor that gives page p in the list's sort: None for the
    first page, then each page's `next_cursor`. For a sort with a mirror, `backward[p]`
    gives page p read in the mirror sort: the last page is the mirror's first (with the last
    page's size as the limit) and each such page's `next_cursor` gives the page above it.
    So `end` costs one request, and so does every page on the way back up. A cursor is
    ~60 bytes: 100 000 results have 2 000 pages.
    """

    query: Query
    total: int
    forward: dict[int, str | None] = field(default_factory=lambda: {0: None})
    backward: dict[int, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.query.sort in MIRROR_SORTS and self.total:
            self.backward[self.last_page] = None

    @property
    def last_page(self) -> int:
        return max(0, (self.total - 1) // PAGE_ROWS)

    def size(self, page: int) -> int:
        return max(0, min(PAGE_ROWS, self.total - page * PAGE_ROWS))

    def request_for(self, page: int) -> PageRequest:
        """The request that fetches `page`; when no known cursor reaches it (after `end`
        in the newest-first sort, which has no mirror), the next step of a walk to it from
        the nearest page one does reach."""
        if page in self.forward:
            return PageRequest(page, 1, backward=False, cursor=self.forward[page])
        if page in self.backward:
            return PageRequest(page, 1, backward=True, cursor=self.backward[page])
        above = max(known for known in self.forward if known < page)
        below = min((known for known in self.backward if known > page), default=None)
        if below is not None and below - page < page - above:
            return PageRequest(below, WALK_PAGES, backward=True, cursor=self.backward[below])
        return PageRequest(above, WALK_PAGES, backward=False, cursor=self.forward[above])

    def pages_of(self, request: PageRequest) -> list[int]:
        """The pages a request returns, in the order its rows come."""
        step = -1 if request.backward else 1
        pages = range(request.page, request.page + step * request.pages, step)
        return [page for page in pages if 0 <= page <= self.last_page]

    def learn(self, request: PageRequest, response: ProductPage) -> list[tuple[int, list[Row]]]:
        """Remembers the cursor the response gives for the next page on; returns its rows
        cut into pages, each in the list's order."""
        pages = self.pages_of(request)
        if response.next_cursor is not None:
            step = -1 if request.backward else 1
            following = request.page + step * request.pages
            (self.backward if request.backward else self.forward)[following] = response.next_cursor
        rows = _rows(response)
        found: list[tuple[int, list[Row]]] = []
        start = 0
        for page in pages:
            chunk = rows[start : start + self.size(page)]
            start += len(chunk)
            if chunk:
                found.append((page, chunk[::-1] if request.backward else chunk))
        return found


class BrowseScreen(ShopScreen):
    # browse.tcss is read by KshopApp.CSS_PATH: this is the app's default screen.
    AUTO_FOCUS = "#results"
    BINDINGS = [
        Binding("f", "toggle_filters", "key.filters", id="browse.filters"),
        Binding("s", "next_sort", "key.sort", id="browse.sort"),
        # Shown only to a guest: the first screen says how to log in.
        Binding("l", "login", "key.log_in", id="browse.login"),
        # The root screen has nowhere to go back to; escape only leaves the search box.
        Binding("escape", "back", "key.back", show=False, id="screen.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = Query()
        self.total = 0
        self.result_pages: ResultPages | None = None
        self._fetching_pages = False
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
        self.watch(self.app, "user", self._user_changed, init=False)
        self._show_sort()
        self.run_search(self.query_state)
        if not self.has_class("-narrow"):
            self.call_after_refresh(self._ensure_filter_panel)

    def reload_after_outage(self) -> None:
        self.run_search(self.query_state)
        if self.query("FilterPanel"):
            self.load_filters()

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "login":
            return self.shop.user is None
        return True

    async def action_login(self) -> None:
        await self.app.run_action("app.login")

    def _user_changed(self) -> None:
        self.refresh_bindings()

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
        self.open("product", event.row.id)

    @on(ProductList.AddRequested)
    def _add(self, event: ProductList.AddRequested) -> None:
        self.quick_add(event.row)

    @on(ProductList.PagesWanted)
    def _pages_wanted(self) -> None:
        if not self._fetching_pages:
            self._fetching_pages = True
            self.load_pages()

    def _start(self, query: Query, *, debounce: bool) -> None:
        """Searches for `query`. Typing is debounced: a keystroke after a pause searches at
        once; keystrokes in quick succession wait until the typing stops. A search asked
        for now (enter) runs now, and the one the typing left waiting is dropped: it would
        search again and take the cursor back to the top."""
        waiting = self._debounce is not None
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        if query == self.query_state and not debounce and not waiting:
            return
        self.query_state = query
        now = time.monotonic()
        typing_fast = now - self._last_keystroke < DEBOUNCE_SECONDS
        self._last_keystroke = now
        if debounce and typing_fast:
            self._debounce = self.set_timer(DEBOUNCE_SECONDS, partial(self._debounced, query))
        else:
            self.run_search(query)

    def _debounced(self, query: Query) -> None:
        self._debounce = None
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
            page = await self.shop.run_api(
                lambda api: _fetch(api, query, query.sort, None, PAGE_ROWS)
            )
        except errors.ApiError as error:
            # An outage or a refusal is not an empty result: the list says so.
            offline = isinstance(error, errors.BackendUnreachable)
            results.show_failure("browse.offline" if offline else "browse.load_failed")
            self.shop.show_error(error)
            return
        if query != self.query_state:
            return  # the user has asked for something else meanwhile
        self.total = page.total
        self.result_pages = pages = ResultPages(query, page.total)
        first = pages.learn(pages.request_for(0), page)
        results.show_results(first[0][1] if first else [], total=page.total)
        self._show_count()

    @work(exclusive=True, group="pages")
    async def load_pages(self) -> None:
        """Fetches the pages the list wants, the most needed first, one request at a time,
        asking the list again after each: the cursor may have moved meanwhile."""
        from kshop_tui.api import errors

        results = self.query_one(ProductList)
        results.set_loading(True)
        try:
            while (pages := self.result_pages) is not None and pages.query == self.query_state:
                wanted = results.wanted_pages()
                if not wanted:
                    break
                request = pages.request_for(wanted[0])
                response = await self.shop.run_api(partial(_fetch_pages, pages, request))
                if pages is self.result_pages:
                    for index, rows in pages.learn(request, response):
                        results.put_page(index, rows)
        except errors.ApiError as error:
            self.shop.show_error(error)
        finally:
            self._fetching_pages = False
            results.set_loading(False)

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
        from kshop_tui.shop.cart_outbox import CartChange

        try:
            product = await self.shop.run_api(lambda api: api.product(row.id))
            in_stock = [sku for sku in product.skus if sku.stock > 0]
            if len(product.skus) != 1 or not in_stock:
                self.open("product", row.id)
                return
            cart = await self.shop.change_cart(CartChange("add", sku_id=in_stock[0].id, qty=1))
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        if cart is not None:
            self.notify(t("cart.added", name=row.name), markup=False)


async def _fetch_pages(pages: ResultPages, request: PageRequest, api: KshopClient) -> ProductPage:
    query = pages.query
    sort = MIRROR_SORTS[query.sort] if request.backward else query.sort
    limit = sum(pages.size(page) for page in pages.pages_of(request))
    return await _fetch(api, query, sort, request.cursor, limit)


async def _fetch(
    api: KshopClient, query: Query, sort: str, cursor: str | None, limit: int
) -> ProductPage:
    filters = query.filters
    return await api.search_products(
        q=query.words,
        category=filters.category_id,
        brand=filters.brand,
        price_min_fen=filters.price_min_fen,
        price_max_fen=filters.price_max_fen,
        in_stock=True if filters.in_stock else None,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


def _rows(page: ProductPage) -> list[Row]:
    return [Row(p.id, p.name, p.brand, p.price_fen, p.sales, p.stock, p.rating) for p in page.items]
