"""The user's support threads, newest first; enter opens one's chat, n starts a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets.data_table import ColumnKey

from kshop_tui.i18n import t
from kshop_tui.paged_screen import PagedListScreen
from kshop_tui.screens.support.common import PAGE_SIZE, status_style, thread_status_name
from kshop_tui.screens.support.new_thread import NewThreadModal
from kshop_tui.text import short_time
from kshop_tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from kshop_tui.api.models import SupportThread

ORDER_WIDTH = 16
STATUS_WIDTH = 8
TIME_WIDTH = 11


class SupportScreen(PagedListScreen["SupportThread"]):
    """The threads list."""

    CSS_PATH = "support.tcss"
    BINDINGS = [
        Binding("enter", "open", "key.open", id="support.open"),
        Binding("n", "new_thread", "cs.key.new", id="support.new"),
        Binding("r", "reload", "as.key.refresh", id="support.refresh"),
    ]
    EMPTY_ID = "threads-empty"
    TABLE_ID = "threads-table"
    EMPTY_KEY = "cs.empty"

    def __init__(self) -> None:
        super().__init__()
        self._last_width = 0

    def where(self) -> str:
        return t("cs.title")

    def make_table(self) -> PagedTable[SupportThread]:
        return PagedTable(
            lambda api, cursor: api.support_threads(cursor=cursor, limit=PAGE_SIZE),
            self._cells,
            lambda thread: thread.id,
            id=self.TABLE_ID,
        )

    def add_columns(self, table: PagedTable[SupportThread]) -> None:
        table.add_column(Text(t("cs.col.subject")), key="subject")
        table.add_column(Text(t("cs.col.order")), key="order", width=ORDER_WIDTH)
        table.add_column(Text(t("cs.col.status")), key="status", width=STATUS_WIDTH)
        table.add_column(Text(t("cs.col.last")), key="last")
        table.add_column(Text(t("cs.col.updated")), key="updated", width=TIME_WIDTH)

    def size_columns(self, table: PagedTable[SupportThread]) -> None:
        # The table's margins and each column's padding, then the fixed columns.
        free = max(24, self.size.width - 2 - 2 * 5 - ORDER_WIDTH - STATUS_WIDTH - TIME_WIDTH)
        subject_width = max(12, free * 2 // 5)
        self._last_width = free - subject_width
        for key, width in (("subject", subject_width), ("last", self._last_width)):
            column = table.columns[ColumnKey(key)]
            column.width = width
            column.auto_width = False

    def _cells(self, thread: SupportThread) -> tuple[Text, ...]:
        last = Text("")
        if thread.last_message is not None:
            who = t(f"cs.sender.{thread.last_message.sender}")
            last = Text(f"{who}: ", style="dim")
            last.append(" ".join(thread.last_message.text.split()))
            last.truncate(self._last_width, overflow="ellipsis")
        return (
            Text(thread.subject, overflow="ellipsis", no_wrap=True),
            Text(thread.order_no or "—", style="" if thread.order_no else "dim"),
            Text(thread_status_name(thread.status), style=status_style(thread.status)),
            last,
            Text(short_time(thread.updated_at, self.shop.clock.now())),
        )

    def open_entry(self, entry: SupportThread) -> None:
        self.open("support_chat", entry.id)

    def action_new_thread(self) -> None:
        self.new_thread()

    @work(group="cs-new")
    async def new_thread(self) -> None:
        thread = await self.app.push_screen_wait(NewThreadModal())
        if thread is not None:
            self.open("support_chat", thread.id)
