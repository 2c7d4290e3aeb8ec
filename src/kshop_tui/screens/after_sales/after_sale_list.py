"""The user's after-sales, newest first, paged from the server; enter opens one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.widgets.data_table import ColumnKey

from kshop_tui.i18n import t
from kshop_tui.paged_screen import PagedListScreen
from kshop_tui.text import money, short_time
from kshop_tui.widgets.paged_table import PagedTable
from kshop_tui.widgets.status_badge import after_sale_status_name

if TYPE_CHECKING:
    from kshop_tui.api.models import AfterSale

PAGE_SIZE = 20
CREATED_WIDTH = 11
ORDER_WIDTH = 15
TYPE_WIDTH = 8
AMOUNT_WIDTH = 11
FIXED_WIDTH = CREATED_WIDTH + ORDER_WIDTH + TYPE_WIDTH + AMOUNT_WIDTH


class AfterSalesScreen(PagedListScreen["AfterSale"]):
    CSS_PATH = "after_sale_list.tcss"
    BINDINGS = [
        Binding("enter", "open", "key.open", id="after_sales.open"),
        Binding("r", "reload", "as.key.refresh", id="after_sales.refresh"),
    ]
    EMPTY_ID = "after-sales-empty"
    TABLE_ID = "after-sales-table"
    EMPTY_KEY = "as.list.empty"

    def where(self) -> str:
        return t("as.list.title")

    def make_table(self) -> PagedTable[AfterSale]:
        return PagedTable(
            lambda api, cursor: api.after_sales(cursor=cursor, limit=PAGE_SIZE),
            lambda after_sale: _cells(after_sale, self.shop.clock.now()),
            lambda after_sale: after_sale.id,
            id=self.TABLE_ID,
        )

    def compose_below(self) -> ComposeResult:
        yield Static(id="after-sales-more", markup=False)

    def add_columns(self, table: PagedTable[AfterSale]) -> None:
        table.add_column(Text(t("as.list.col.created")), key="created", width=CREATED_WIDTH)
        table.add_column(Text(t("as.list.col.order")), key="order", width=ORDER_WIDTH)
        table.add_column(Text(t("as.list.col.type")), key="type", width=TYPE_WIDTH)
        table.add_column(Text(t("as.list.col.status")), key="status")
        table.add_column(
            Text(t("as.list.col.amount"), justify="right"), key="amount", width=AMOUNT_WIDTH
        )

    def size_columns(self, table: PagedTable[AfterSale]) -> None:
        # What the fixed columns, their padding and the table's margins leave.
        status = table.columns[ColumnKey("status")]
        status.width = max(10, self.size.width - 2 - 2 * 5 - FIXED_WIDTH)
        status.auto_width = False

    @on(PagedTable.Loaded)
    def _more_below(self) -> None:
        more = self.query_one("#after-sales-more", Static)
        more.update(Text(t("as.list.more"), style="dim") if self.table.next_cursor else "")

    def open_entry(self, entry: AfterSale) -> None:
        self.open("after_sale_detail", entry.id)


def _cells(after_sale: AfterSale, now: float) -> tuple[Text, ...]:
    return (
        Text(short_time(after_sale.created_at, now)),
        Text(after_sale.order_no),
        Text(t(f"as.type_short.{after_sale.type}")),
        Text(after_sale_status_name(after_sale.status)),
        # An exchange moves no money: no amount, rather than ¥0.00.
        Text(
            "—" if after_sale.type == "exchange" else money(after_sale.amount_fen),
            justify="right",
        ),
    )
