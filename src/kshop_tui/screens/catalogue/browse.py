"""Browse: search, filters, sort, and results fetched a page at a time around the cursor.

Under the search box, while it has the focus, a list offers completions of what is typed
(or, in an empty box, a logged-in user's past searches); ↓/↑ choose one and enter searches
for it (`SuggestionMenu` holds the rules). The suggestions, the history and the closest
searches of a search that found nothing are fetched in workers that never hold up typing
or the results."""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.cells import cell_len
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
from kshop_tui.shop.flows import search
from kshop_tui.shop.flows.search import (
    SUGGEST_MAX_CHARS,
    FoundPages,
    Query,
    ResultPages,
    Row,
    SearchInput,
    Step,
    SuggestionMenu,
    closest_rows,
    first_page,
    search_to_record,
    suggestion_key,
    wants_closest,
)
from kshop_tui.widgets.product_list import ProductList
from kshop_tui.widgets.suggestion_list import SuggestionList
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.widgets.filter_panel import FilterPanel

WIDE_ENOUGH_FOR_PANEL = 100
SUGGESTIONS_HELD_S = 0.15
"""Suggestions that come while a search is under way wait for its results this long at
most, to be painted in the same frame."""


class BrowseScreen(ShopScreen):
    # browse.tcss is read by KshopApp.CSS_PATH: this is the app's default screen.
    AUTO_FOCUS = "#results"
    BINDINGS = [
        Binding("f", "toggle_filters", "key.filters", id="browse.filters"),
        Binding("s", "next_sort", "key.sort", id="browse.sort"),
        # Shown only to a guest: the first screen says how to log in.
        Binding("l", "login", "key.log_in", id="browse.login"),
        # The root screen has nowhere to go back to; escape closes the suggestions, or
        # leaves the search box.
        Binding("escape", "back", "key.back", show=False, id="screen.back"),
        # In the search box (which has no use for them), ↓/↑ choose among the suggestions.
        Binding("down", "menu_down", show=False),
        Binding("up", "menu_up", show=False),
        # Ahead of the search box's own ctrl+d (delete right: nothing, in an empty box);
        # offered only while the past searches show.
        Binding(
            "ctrl+d",
            "clear_history",
            "key.clear_history",
            priority=True,
            id="browse.clear_history",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.search_input = SearchInput()
        self.total = 0
        self.result_pages: ResultPages | None = None
        self._fetching_pages = False
        self._debounce: Timer | None = None
        self.menu = SuggestionMenu()
        self._sort_shown = ""
        self._clear_offered = False
        self._searching = False
        self._menu_held: Timer | None = None

    @property
    def query_state(self) -> Query:
        """The search the screen shows (or is about to)."""
        return self.search_input.query

    def where(self) -> str:
        return t("browse.title")

    def compose_body(self) -> ComposeResult:
        # Classes set before the children mount cost no second styling pass.
        self.set_class(self.app.size.width < WIDE_ENOUGH_FOR_PANEL, "-narrow")
        with Horizontal(id="browse-body"), Vertical(id="results-pane"):
            with Horizontal(id="search-row"):
                yield TextBox(
                    placeholder=t("browse.search_placeholder"), id="search", max_length=50
                )
                yield Static(id="sort-label")
                yield Static(id="count-label")
            yield SuggestionList(id="suggestions")
            yield Static(id="filter-summary")
            yield ProductList(id="results")

    def on_mount(self) -> None:
        self.watch(self.app, "user", self._user_changed, init=False)
        self.watch(self, "focused", self._focus_moved, init=False)
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

    def focus_search_now(self) -> bool:
        """Gives the search box the focus at once, ahead of the keys already on their way
        (`focus()` waits behind them); False when the box cannot take it (hidden behind
        the filters on a narrow screen)."""
        box = self.query_one("#search", Input)
        if not box.focusable:
            return False
        self.set_focus(box)
        return True

    def search_for(self, words: str) -> None:
        self.query_one("#search", Input).value = words
        self._start(self.query_state.with_words(words), debounce=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "login":
            return self.shop.user is None
        if action in ("menu_down", "menu_up", "clear_history"):
            if not self._in_search_box():
                return False
            if action == "menu_up":
                return self.menu.chosen is not None
            if action == "clear_history":
                return self.menu.kind == "history" and self.menu.is_open
            # Nothing to complete but closest searches offered: ↓ goes down to them.
            return self.menu.is_open or self.query_one(ProductList).closest_shown
        return True

    async def action_login(self) -> None:
        await self.app.run_action("app.login")

    def _user_changed(self) -> None:
        self.refresh_bindings()
        self._box_changed(ask=True)  # a login brings past searches to an empty box

    def action_toggle_filters(self) -> None:
        self.toggle_class("-show-filters")
        if self.has_class("-show-filters"):
            panel = self._ensure_filter_panel()
            self.call_after_refresh(lambda: panel.query_one("#categories").focus())
        else:
            self.query_one(ProductList).focus()

    def action_next_sort(self) -> None:
        self._start(self.query_state.next_sort(), debounce=False)

    def action_back(self) -> None:
        if self.menu.is_open:
            self.menu.close()
            self._show_menu()
        elif self.has_class("-show-filters"):
            self.action_toggle_filters()
        elif self.focused is not None and self.focused.id == "search":
            self.query_one(ProductList).focus()

    def action_menu_down(self) -> None:
        if not self.menu.is_open:
            self.query_one(ProductList).focus()  # the closest searches, the first chosen
        elif self.menu.down():
            self._show_menu()

    def action_menu_up(self) -> None:
        if self.menu.up():
            self._show_menu()

    def action_clear_history(self) -> None:
        self.clear_history()

    # --- reacting ------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        step = self._start(self.query_state.with_words(event.value.strip()), debounce=True)
        # Suggestions ride on the search's debounce: asked now, or when the search is.
        self._box_changed(ask=step == "now")

    @on(Input.Submitted, "#search")
    def _submitted(self, event: Input.Submitted) -> None:
        chosen = self.menu.chosen_text()
        self._search_now(event.value if chosen is None else chosen)

    @on(SuggestionList.Picked)
    def _suggestion_clicked(self, event: SuggestionList.Picked) -> None:
        self._search_now(event.text)

    @on(ProductList.ClosestPicked)
    def _closest_picked(self, event: ProductList.ClosestPicked) -> None:
        self._search_now(event.text)

    def _search_now(self, words: str) -> None:
        """A search the user submitted (enter, a suggestion or a past search picked):
        searched now, its results focused, remembered in a logged-in user's history."""
        box = self.query_one("#search", Input)
        if box.value != words:
            box.value = words  # the same query for the box's Changed: no second search
        self._start(self.query_state.with_words(words.strip()), debounce=False)
        self.menu.close()
        self._show_menu()
        self.query_one(ProductList).focus()
        to_record = search_to_record(words, logged_in=self.shop.user is not None)
        if to_record is not None:
            self.record_search(to_record)

    def _in_search_box(self) -> bool:
        return self.focused is not None and self.focused.id == "search"

    def _focus_moved(self) -> None:
        self._box_changed(ask=True)

    def _box_changed(self, *, ask: bool) -> None:
        """The search box's text or focus changed: the list under it follows; `ask`: the
        suggestions the text needs may be asked for now (else when the debounce ends)."""
        box = self.query_one("#search", Input)
        wanted = self.menu.box_changed(
            box.value, focused=self._in_search_box(), logged_in=self.shop.user is not None
        )
        if wanted == "history":
            self.load_history()
        elif wanted == "suggestions" and ask:
            self.load_suggestions(suggestion_key(box.value))
        self._show_menu()

    def _show_menu(self) -> None:
        menu = self.menu
        title = t("suggest.history") if menu.kind == "history" else ""
        self.query_one(SuggestionList).show(menu.rows if menu.is_open else [], menu.chosen, title)
        offered = menu.kind == "history" and menu.is_open
        if offered != self._clear_offered:
            self._clear_offered = offered
            self.refresh_bindings()  # ctrl+d in the footer comes and goes with the history

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

    def _start(self, query: Query, *, debounce: bool) -> Step:
        """Searches for `query` now, or once the typing stops (`SearchInput`)."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        step = self.search_input.change(query, debounce=debounce, now=time.monotonic())
        if step == "later":
            # Read at each call, not imported: tests stretch it.
            self._debounce = self.set_timer(search.DEBOUNCE_SECONDS, self._debounced)
        elif step == "now":
            self.run_search(query)
        return step

    def _debounced(self) -> None:
        self._debounce = None
        self.run_search(self.search_input.due())
        due = self.menu.due()
        if due is not None:
            self.load_suggestions(due)

    def _show_sort(self) -> None:
        """Names the order of the rows shown."""
        sort = self.query_state.sort
        if sort != self._sort_shown:
            self._sort_shown = sort
            label = t("browse.sort", order=t(f"sort.{sort}"))
            _update_label(self.query_one("#sort-label", Static), label)

    def _show_count(self) -> None:
        _update_label(
            self.query_one("#count-label", Static), t("browse.found", count=f"{self.total:,}")
        )

    # --- workers -------------------------------------------------------------------

    @work(exclusive=True, group="search")
    async def run_search(self, query: Query) -> None:
        from kshop_tui.api import errors

        results = self.query_one(ProductList)
        results.set_loading(True)
        self._searching = True
        try:
            pages, first = await self.shop.run_api(
                lambda api: first_page(query, api.search_products)
            )
        except errors.ApiError as error:
            # An outage or a refusal is not an empty result: the list says so.
            offline = isinstance(error, errors.BackendUnreachable)
            results.show_failure("browse.offline" if offline else "browse.load_failed")
            self.shop.show_error(error)
            self._searched()
            return
        if query != self.query_state:
            self._searched()
            return  # the user has asked for something else meanwhile
        self.total = pages.total
        self.result_pages = pages
        results.show_results(first, total=pages.total, words=query.words)
        self._show_count()
        # With the rows it names (words coming or going change the default order): the
        # label painted alone a few milliseconds earlier took a frame of its own.
        self._show_sort()
        self._searched()
        if wants_closest(query, pages.total):
            self.load_closest(query)

    def _searched(self) -> None:
        """A search has ended: suggestions held for its results are shown with them."""
        self._searching = False
        self._release_menu()

    def _hold_menu(self) -> None:
        """Suggestions have come while a search is under way: they wait for its results
        (at most `SUGGESTIONS_HELD_S`), so that one frame and one layout paint both where
        two did, the second a few milliseconds after the first."""
        if self._menu_held is None:
            self._menu_held = self.set_timer(SUGGESTIONS_HELD_S, self._release_menu)

    def _release_menu(self) -> None:
        if self._menu_held is not None:
            self._menu_held.stop()
            self._menu_held = None
            self._show_menu()

    @work(exclusive=True, group="pages")
    async def load_pages(self) -> None:
        """Fetches the pages the list wants, the most needed first, one request at a time,
        asking the list again after each: the cursor may have moved meanwhile."""
        results = self.query_one(ProductList)
        results.set_loading(True)
        try:
            while (pages := self.result_pages) is not None and pages.query == self.query_state:
                wanted = results.wanted_pages()
                if not wanted:
                    break
                found = await self._fetch_page(pages, wanted[0])
                if found is None:
                    break
                if pages is self.result_pages:
                    for index, rows in found:
                        results.put_page(index, rows)
        finally:
            self._fetching_pages = False
            results.set_loading(False)

    async def _fetch_page(self, pages: ResultPages, page: int) -> FoundPages | None:
        """One request towards `page`; None when it failed (and the user was told)."""
        return await self.shop.attempt(lambda api: pages.fetch(page, api.search_products))

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

    @work(exclusive=True, group="suggest")
    async def load_suggestions(self, key: str) -> None:
        """Completions of `key` for the list under the box. Quiet: a failure leaves the
        list as it was (the search beside it says what is wrong)."""
        from kshop_tui.api import errors

        client = await self.shop.client()
        try:
            suggestions = await client.search_suggest(key)
        except errors.ApiError:
            return
        self.menu.suggested(key, suggestions)
        if self._searching:
            self._hold_menu()
        else:
            self._show_menu()

    @work(exclusive=True, group="suggest")
    async def load_history(self) -> None:
        """A logged-in user's past searches, for an empty box; quiet when they fail."""
        from kshop_tui.api import errors

        client = await self.shop.client()
        try:
            entries = await client.search_history()
        except errors.ApiError:
            return
        self.menu.history_came(entries)
        self._show_menu()

    @work(group="search-history")
    async def record_search(self, words: str) -> None:
        """Remembers a submitted search. A failure is not the user's concern: the search
        itself went ahead."""
        from kshop_tui.api import errors

        client = await self.shop.client()
        with contextlib.suppress(errors.ApiError):
            await client.record_search(words)

    @work(exclusive=True, group="clear-history")
    async def clear_history(self) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(lambda api: api.clear_search_history(), needs_login=True)
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        self.menu.history_cleared()
        self._show_menu()
        self.notify(t("suggest.history_cleared"))

    @work(exclusive=True, group="closest")
    async def load_closest(self, query: Query) -> None:
        """The search for `query` found nothing: the closest searches that find something,
        from the answer the typing already brought when there is one."""
        from kshop_tui.api import errors

        answer = self.menu.known(query.words)
        if answer is None:
            key = suggestion_key(query.words)
            if len(key) > SUGGEST_MAX_CHARS:
                return  # longer than the backend completes (a deep link's words)
            client = await self.shop.client()
            try:
                answer = self.menu.suggested(key, await client.search_suggest(key))
            except errors.ApiError:
                return
            self._show_menu()
        if query == self.query_state and wants_closest(query, self.total):
            self.query_one(ProductList).show_closest(closest_rows(query.words, answer))

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


def _update_label(label: Static, text: str) -> None:
    """Sets a one-line label of `width: auto` beside the results. It keeps the widest
    width it has had (its `min-width` grows with it): a count or an order no wider than
    one shown before repaints in place, and only a wider one lays the screen out (a
    layout after each keystroke's count moved the list for nothing, and cost 6 ms at
    120×40 with the filter panel)."""
    needed = cell_len(text) + label.styles.gutter.width
    kept = label.styles.min_width
    grows = kept is None or needed > kept.value
    if grows:
        label.styles.min_width = needed
    label.update(Text(text), layout=grows)
