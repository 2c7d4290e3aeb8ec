"""My orders: status tabs with counts (全部/待付款/待发货/已发货/已完成/已取消/售后), a paged list
that loads the next page near its end, the time left to pay each unpaid order, and the
order keys of docs/api.md §5. While visible it re-asks every few seconds, so an order the
merchant ships (or the backend cancels) moves by itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey, RowKey

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.orders.cancel import ask_reason_and_cancel
from kshop_tui.screens.orders.paying import pay_and_follow
from kshop_tui.screens.orders.status_tabs import TABS, StatusTabs
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.orders import refusal_words, row_allows
from kshop_tui.text import local_time, money, seconds_until, short_time
from kshop_tui.widgets.status_badge import badge_text, time_left

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import OrderCounts, OrderFilter, OrderPage, OrderSummary

PAGE_SIZE = 20
REFRESH_PAGE_LIMIT = 100
PREFETCH_ROWS = 3
REFRESH_SECONDS = 5.0
WIDE_DATES = 100
STATUS_WIDTH = 16


class OrdersTable(DataTable[Text]):
    """The list's table, with the list keys every kshop list has (Home/End reach the
    first and last order, not the first and last column)."""

    BINDINGS = [
        Binding("home,g", "scroll_top", show=False),
        Binding("end,G", "scroll_bottom", show=False),
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]


class OrdersScreen(ShopScreen):
    CSS_PATH = "order_list.tcss"
    BINDINGS = [
        Binding("right_square_bracket", "tab(1)", "orders.key.next_tab", id="orders.next_tab"),
        Binding(
            "left_square_bracket",
            "tab(-1)",
            "orders.key.previous_tab",
            id="orders.prev_tab",
            show=False,
        ),
        # The table would scroll sideways with these; here they switch tabs, as in the
        # wireframe, so they must come before the focused table's own bindings.
        Binding("right", "tab(1)", "", show=False, priority=True),
        Binding("left", "tab(-1)", "", show=False, priority=True),
        Binding("enter", "open", "orders.key.detail", id="orders.open", show=False),
        Binding("p", "pay", "orders.key.pay", id="orders.pay"),
        Binding("x", "cancel_order", "orders.key.cancel_order", id="orders.cancel"),
        Binding("t", "track", "orders.key.track", id="orders.track"),
        Binding("r", "after_sale", "orders.key.after_sale", id="orders.after_sale"),
        Binding("l", "track_any", "orders.key.track_any", id="orders.track_any", show=False),
        Binding("s", "insights", "orders.key.insights", id="orders.insights", show=False),
        Binding("i", "import_orders", "orders.key.import", id="orders.import", show=False),
        Binding("S", "subscriptions", "subs.key.subscriptions", id="orders.subscriptions"),
    ]

    def __init__(self, tab: str = "all") -> None:
        super().__init__()
        self.tab = tab if tab in TABS else "all"
        self.rows: list[OrderSummary] = []
        self.next_cursor: str | None = None
        self.counts: OrderCounts | None = None
        self.generation = 0
        """Bumped by whatever makes an answer in flight stale (a tab switch, a new page)."""
        self.loading_more = False

    def where(self) -> str:
        return t("orders.title")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="orders-body"):
            yield StatusTabs(id="orders-tabs")
            yield Static(id="orders-empty")
            yield OrdersTable(id="orders-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="orders-more", classes="muted")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text(t("orders.col.date")), key="date")
        table.add_column(Text(t("orders.col.order_no")), key="order_no", width=14)
        table.add_column(Text(t("orders.col.items")), key="items")
        table.add_column(Text(t("orders.col.total"), justify="right"), key="total", width=10)
        table.add_column(Text(t("orders.col.status")), key="status", width=STATUS_WIDTH)
        table.focus()
        self.query_one(StatusTabs).active = self.tab
        self.set_interval(REFRESH_SECONDS, self._refresh_if_visible)
        self.set_interval(1.0, self.tick)
        self.load_first()

    def on_resize(self) -> None:
        self._draw()

    def reload_after_outage(self) -> None:
        self.load_first()

    def on_screen_resume(self) -> None:
        # Back from an order's detail or a payment: what was done there shows at once.
        if self.counts is not None:
            self.refresh_visible()

    # --- loading -------------------------------------------------------------------

    @work(exclusive=True, group="orders-page")
    async def load_first(self) -> None:
        self.generation += 1
        generation, tab = self.generation, self.tab
        self.rows, self.next_cursor = [], None
        self._draw(loading=True)
        answer = await self.shop.attempt(
            lambda api: _counts_and_page(api, tab, None, PAGE_SIZE),
            needs_login=True,
            on_refusal=lambda error: self._show_problem(error_words(error)),
            on_login_cancelled=self.leave_if_on_top,
        )
        if answer is None:
            return
        counts, page = answer
        if generation != self.generation:
            return
        self.counts = counts
        self.rows = list(page.items)
        self.next_cursor = page.next_cursor
        self._draw()
        self.tick()

    @work(exclusive=True, group="orders-more")
    async def load_more(self) -> None:
        cursor, tab = self.next_cursor, self.tab
        if cursor is None or self.loading_more:
            return
        self.loading_more = True
        self.generation += 1
        generation = self.generation
        self.query_one("#orders-more", Static).update(Text(t("browse.loading_more")))
        try:
            page = await self.shop.run_api(
                lambda api: api.orders(_filter(tab), cursor, PAGE_SIZE), needs_login=True
            )
        except errors.ApiError as error:
            self.query_one("#orders-more", Static).update(Text(error.message))
            return
        finally:
            self.loading_more = False
        if generation != self.generation:
            return
        known = {row.id for row in self.rows}
        self.rows += [row for row in page.items if row.id not in known]
        self.next_cursor = page.next_cursor
        self._draw()
        self.tick()

    def _refresh_if_visible(self) -> None:
        if self.is_current and self.counts is not None and not self.loading_more:
            self.refresh_visible()

    @work(exclusive=True, group="orders-refresh")
    async def refresh_visible(self) -> None:
        """Re-asks the counts and the rows already shown; an answer that arrives after
        the user switched tabs or paged on is dropped."""
        generation, tab = self.generation, self.tab
        wanted = min(REFRESH_PAGE_LIMIT, max(PAGE_SIZE, len(self.rows)))
        try:
            counts, page = await self.shop.run_api(
                lambda api: _counts_and_page(api, tab, None, wanted)
            )
        except errors.ApiError:
            return  # a quiet background refresh; the banner shows an outage
        if generation != self.generation:
            return
        changed = page.items != self.rows[: len(page.items)] or counts != self.counts
        self.counts = counts
        if not changed:
            return
        self.rows = list(page.items)
        if len(page.items) >= wanted:
            self.next_cursor = page.next_cursor
        else:
            self.next_cursor = None
        self._draw()
        self.tick()

    # --- drawing -------------------------------------------------------------------

    def _draw(self, *, loading: bool = False) -> None:
        if not self.is_mounted:
            return
        tabs = self.query_one(StatusTabs)
        tabs.active = self.tab
        tabs.counts = self.counts
        table = self.query_one(DataTable)
        keep = self._current()
        table.clear()
        self._size_columns()
        empty = self.query_one("#orders-empty", Static)
        if loading:
            empty.update(Text(t("browse.loading"), style="dim"))
        elif not self.rows:
            empty.update(Text(t(f"orders.empty.{self.tab}"), style="dim"))
        empty.display = loading or not self.rows
        table.display = bool(self.rows)
        wide = self.size.width >= WIDE_DATES
        for row in self.rows:
            table.add_row(*self._cells(row, wide), key=str(row.id))
        if self.rows:
            index = next((i for i, row in enumerate(self.rows) if keep and row.id == keep.id), 0)
            table.move_cursor(row=index)
        more = t("orders.scroll_for_more") if self.next_cursor else ""
        self.query_one("#orders-more", Static).update(Text(more))
        self.refresh_bindings()

    def _size_columns(self) -> None:
        table = self.query_one(DataTable)
        wide = self.size.width >= WIDE_DATES
        date_width = 16 if wide else 11
        fixed = date_width + 14 + 10 + STATUS_WIDTH
        items_width = max(12, self.size.width - 4 - fixed - 2 * 5)
        for key, width in (("date", date_width), ("items", items_width)):
            column = table.columns[ColumnKey(key)]
            column.width = width
            column.auto_width = False

    def _cells(self, row: OrderSummary, wide: bool) -> tuple[Text, Text, Text, Text, Text]:
        # A wide list has room for the whole date; a narrow one writes it as lists do.
        when = (
            local_time(row.created_at)
            if wide
            else short_time(row.created_at, self.shop.clock.now())
        )
        date = Text(when)
        items = Text(no_wrap=True, overflow="ellipsis")
        if row.first_item is not None:
            items.append(row.first_item.name)
        # The units of the whole order, as Chinese shops write it (共3件): item_count
        # counts units, not lines, so it cannot say how many other products there are.
        if row.item_count > 1:
            items.append(" " + t("orders.unit_count", count=row.item_count), style="dim")
        total = Text(money(row.total_fen), justify="right")
        return date, Text(row.order_no), items, total, self._status_cell(row, None)

    def _status_cell(self, row: OrderSummary, now: float | None) -> Text:
        cell = badge_text(row.status, row.after_sale_status, self.app.theme_variables)
        if row.auto_cancel_at is not None and now is not None:
            cell.append(" " + time_left(seconds_until(row.auto_cancel_at, now)))
        cell.truncate(STATUS_WIDTH, overflow="ellipsis")
        return cell

    def tick(self) -> None:
        """Redraws the time left to pay on the unpaid rows."""
        pending = [row for row in self.rows if row.auto_cancel_at is not None]
        if not pending or not self.is_mounted:
            return
        now = self.shop.clock.now()
        table = self.query_one(DataTable)
        for row in pending:
            key = RowKey(str(row.id))
            if key in table.rows:
                table.update_cell(key, ColumnKey("status"), self._status_cell(row, now))

    def _show_problem(self, message: str) -> None:
        empty = self.query_one("#orders-empty", Static)
        empty.update(Text(message))
        empty.display = True
        self.query_one(DataTable).display = False

    # --- the cursor ----------------------------------------------------------------

    def _current(self) -> OrderSummary | None:
        if not self.rows or not self.is_mounted:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#orders-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()
        if self.next_cursor and event.cursor_row >= len(self.rows) - PREFETCH_ROWS:
            self.load_more()

    @on(DataTable.RowSelected, "#orders-table")
    def _selected(self) -> None:
        self.action_open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return row_allows(action, self._current())

    def refusal(self, action: str) -> str | None:
        row = self._current()
        if row is None or row_allows(action, row):
            return None
        return refusal_words(action, row)

    # --- actions -------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        self.tab = TABS[(TABS.index(self.tab) + step) % len(TABS)]
        self.load_first()

    def action_open(self) -> None:
        row = self._current()
        if row is not None:
            self.open("order", row.id)

    def action_pay(self) -> None:
        row = self._current()
        if row is not None:
            self.pay(row)

    @work(group="orders-pay")
    async def pay(self, row: OrderSummary) -> None:
        await pay_and_follow(self, row.id, row.total_fen, on_its_detail=False)
        self.refresh_visible()

    def action_cancel_order(self) -> None:
        row = self._current()
        if row is not None:
            self.cancel_order(row)

    @work(group="orders-cancel")
    async def cancel_order(self, row: OrderSummary) -> None:
        paid = row.status != "pending_payment"
        if await ask_reason_and_cancel(self, row.id, row.order_no, paid) is not None:
            self.refresh_visible()

    def action_track(self) -> None:
        row = self._current()
        if row is not None:
            self.open("logistics", order_id=row.id)

    def action_after_sale(self) -> None:
        row = self._current()
        if row is not None:
            self.open("after_sale", row.id)

    def action_track_any(self) -> None:
        self.open("track")

    def action_insights(self) -> None:
        self.open("insights")

    def action_import_orders(self) -> None:
        self.open("order_import")

    def action_subscriptions(self) -> None:
        self.open("subscriptions")


def _filter(tab: str) -> OrderFilter:
    """A tab's name is the API's status filter (TABS lists exactly those)."""
    return cast("OrderFilter", tab)


async def _counts_and_page(
    api: KshopClient, tab: str, cursor: str | None, limit: int
) -> tuple[OrderCounts, OrderPage]:
    counts = await api.order_counts()
    page = await api.orders(_filter(tab), cursor, limit)
    return counts, page
