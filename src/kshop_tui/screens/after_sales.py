"""The user's after-sales, newest first, paged from the server; enter opens one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.after_sale_detail import AfterSaleDetailScreen, status_name
from kshop_tui.text import local_time, money

if TYPE_CHECKING:
    from kshop_tui.api.models import AfterSale

PAGE_SIZE = 20
CREATED_WIDTH = 11
ORDER_WIDTH = 15
TYPE_WIDTH = 8
AMOUNT_WIDTH = 11
FIXED_WIDTH = CREATED_WIDTH + ORDER_WIDTH + TYPE_WIDTH + AMOUNT_WIDTH


class AfterSalesScreen(ShopScreen):
    CSS_PATH = "after_sales.tcss"
    BINDINGS = [
        Binding("enter", "open", "key.open", id="after_sales.open"),
        Binding("r", "reload", "as.key.refresh", id="after_sales.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[AfterSale] = []
        self.next_cursor: str | None = None
        self._loading = False

    def where(self) -> str:
        return t("as.list.title")

    def compose_body(self) -> ComposeResult:
        yield Static(id="after-sales-empty", markup=False)
        yield DataTable[Text](id="after-sales-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="after-sales-more", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text(t("as.list.col.created")), key="created", width=CREATED_WIDTH)
        table.add_column(Text(t("as.list.col.order")), key="order", width=ORDER_WIDTH)
        table.add_column(Text(t("as.list.col.type")), key="type", width=TYPE_WIDTH)
        table.add_column(Text(t("as.list.col.status")), key="status")
        table.add_column(
            Text(t("as.list.col.amount"), justify="right"), key="amount", width=AMOUNT_WIDTH
        )
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        if self.rows:
            self.load()

    def on_resize(self) -> None:
        if self.rows:
            self._fill()

    @work(exclusive=True, group="as-list")
    async def load(self, *, more: bool = False) -> None:
        from kshop_tui.api import errors
        from kshop_tui.app import LoginCancelled

        empty = self.query_one("#after-sales-empty", Static)
        cursor = self.next_cursor if more else None
        if not more:
            empty.update(Text(t("as.loading"), style="dim"))
        self._loading = True
        try:
            page = await self.shop.run_api(
                lambda api: api.after_sales(cursor=cursor, limit=PAGE_SIZE), needs_login=True
            )
        except LoginCancelled:
            self.action_back()
            return
        except errors.ApiError as error:
            empty.update(Text(error.message, style="bold red"))
            empty.display = True
            return
        finally:
            self._loading = False
        self.rows = [*self.rows, *page.items] if more else list(page.items)
        self.next_cursor = page.next_cursor
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        # What the fixed columns, their padding and the table's margins leave.
        status = table.columns[ColumnKey("status")]
        status.width = max(10, self.size.width - 2 - 2 * 5 - FIXED_WIDTH)
        status.auto_width = False
        for after_sale in self.rows:
            table.add_row(
                Text(local_time(after_sale.created_at, "%m-%d %H:%M")),
                Text(after_sale.order_no),
                Text(t(f"as.type_short.{after_sale.type}")),
                Text(status_name(after_sale.status)),
                Text(money(after_sale.amount_fen), justify="right"),
                key=str(after_sale.id),
            )
        empty = self.query_one("#after-sales-empty", Static)
        empty.display = not self.rows
        empty.update(Text(t("as.list.empty"), style="dim") if not self.rows else "")
        table.display = bool(self.rows)
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        more = self.query_one("#after-sales-more", Static)
        more.update(Text(t("as.list.more"), style="dim") if self.next_cursor else "")

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if self.next_cursor and not self._loading and event.cursor_row >= len(self.rows) - 1:
            self.load(more=True)

    def action_open(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.rows):
            self.app.push_screen(AfterSaleDetailScreen(self.rows[row].id))

    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        self.action_open()

    def action_reload(self) -> None:
        self.load()
