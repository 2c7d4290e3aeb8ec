"""A full screen that is one paged list (`PagedTable`): a line above the table says it is
loading, that the list is empty, or the backend's refusal; enter (or a click) opens the
row under the cursor; r reloads; coming back to the screen reloads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

RowT = TypeVar("RowT")


class PagedListScreen(ShopScreen, Generic[RowT]):
    """Subclasses give the ids, the empty-list words, `make_table` (fetch, cells, key),
    `add_columns`, `size_columns` and `open_entry`; `compose_below` adds lines under it."""

    EMPTY_ID = "list-empty"
    TABLE_ID = "list-table"
    EMPTY_KEY = "as.list.empty"

    def compose_body(self) -> ComposeResult:
        yield Static(id=self.EMPTY_ID, markup=False)
        yield self.make_table()
        yield from self.compose_below()

    def make_table(self) -> PagedTable[RowT]:
        raise NotImplementedError

    def compose_below(self) -> ComposeResult:
        yield from ()

    def add_columns(self, table: PagedTable[RowT]) -> None:
        raise NotImplementedError

    def size_columns(self, table: PagedTable[RowT]) -> None:
        """Gives the flexible columns what the screen's width leaves."""

    def open_entry(self, entry: RowT) -> None:
        raise NotImplementedError

    @property
    def table(self) -> PagedTable[RowT]:
        return self.query_one(f"#{self.TABLE_ID}", PagedTable)

    def on_mount(self) -> None:
        table = self.table
        self.add_columns(table)
        table.focus()
        self.query_one(f"#{self.EMPTY_ID}", Static).update(Text(t("as.loading"), style="dim"))
        self.size_columns(table)
        table.load()

    def on_screen_resume(self) -> None:
        if self.table.entries:
            self.table.load()

    def reload_after_outage(self) -> None:
        self.table.load()

    def on_resize(self) -> None:
        self.size_columns(self.table)
        if self.table.entries:
            self.table.draw()

    @on(PagedTable.Loaded)
    def _loaded(self) -> None:
        entries = self.table.entries
        empty = self.query_one(f"#{self.EMPTY_ID}", Static)
        empty.display = not entries
        empty.update(Text(t(self.EMPTY_KEY), style="dim") if not entries else "")
        self.table.display = bool(entries)

    @on(PagedTable.Failed)
    def _failed(self, event: PagedTable.Failed) -> None:
        if event.error is None:
            self.action_back()
            return
        empty = self.query_one(f"#{self.EMPTY_ID}", Static)
        empty.update(Text(event.error.message, style="bold red"))
        empty.display = True

    def action_open(self) -> None:
        entry = self.table.current
        if entry is not None:
            self.open_entry(entry)

    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        self.action_open()

    def action_reload(self) -> None:
        self.table.load()
