"""A table of a cursor-paged list (`{items, next_cursor}`): it loads the first page, asks
for the next one as the cursor nears the last rows, and draws its rows with the cells the
screen gives. The screen sizes the columns and says what it means when a page arrives
(`Loaded`) or does not (`Failed`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from kshop_tui.gone import WorkUntilGone
from kshop_tui.shop.session import shop_of

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.errors import ApiError

RowT = TypeVar("RowT")
RowT_co = TypeVar("RowT_co", covariant=True)


class Page(Protocol[RowT_co]):
    @property
    def items(self) -> Sequence[RowT_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


class PagedTable(WorkUntilGone, DataTable[Text], Generic[RowT]):
    """Entries of type RowT (`entries`), a page at a time; home/end (g/G) go to the first
    and the last row. A page that arrives after its screen has gone is dropped."""

    BINDINGS = [
        Binding("home,g", "scroll_top", show=False),
        Binding("end,G", "scroll_bottom", show=False),
    ]

    class Loaded(Message):
        """A page arrived and is drawn; `more` when it was a further page."""

        def __init__(self, table: PagedTable[Any], more: bool) -> None:
            super().__init__()
            self.table = table
            self.more = more

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

    class Failed(Message):
        """A page did not arrive: the backend's refusal, or None when the user backed out
        of logging in."""

        def __init__(self, table: PagedTable[Any], error: ApiError | None, more: bool) -> None:
            super().__init__()
            self.table = table
            self.error = error
            self.more = more

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

    def __init__(
        self,
        fetch: Callable[[KshopClient, str | None], Awaitable[Page[RowT]]],
        cells: Callable[[RowT], Sequence[Text]],
        key: Callable[[RowT], int],
        *,
        prefetch: int = 1,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.fetch = fetch
        self.cells = cells
        self.row_key = key
        self.prefetch = prefetch
        self.entries: list[RowT] = []
        self.next_cursor: str | None = None
        self.fetching = False

    @property
    def current(self) -> RowT | None:
        """The row under the cursor."""
        return self.entries[self.cursor_row] if 0 <= self.cursor_row < len(self.entries) else None

    @work(exclusive=True, group="page")
    async def load(self, *, more: bool = False) -> None:
        """The first page again (replacing the rows), or with `more` the next one."""

        shop = shop_of(self.app)
        cursor = self.next_cursor if more else None
        if more and cursor is None:
            return
        fetch = self.fetch
        self.fetching = True
        try:
            page = await shop.attempt(
                lambda api: fetch(api, cursor),
                needs_login=True,
                on_refusal=lambda error: self.post_message(self.Failed(self, error, more)),
                on_login_cancelled=lambda: self.post_message(self.Failed(self, None, more)),
            )
        finally:
            self.fetching = False
        if page is None:
            return
        self.entries = [*self.entries, *page.items] if more else list(page.items)
        self.next_cursor = page.next_cursor
        self.draw()
        self.post_message(self.Loaded(self, more))

    def draw(self) -> None:
        """Redraws every row, the cursor staying on the row it was on."""
        keep = self.cursor_row
        self.clear()
        for row in self.entries:
            self.add_row(*self.cells(row), key=str(self.row_key(row)))
        if self.entries:
            self.move_cursor(row=min(keep, len(self.entries) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if (
            self.next_cursor
            and not self.fetching
            and event.cursor_row >= len(self.entries) - self.prefetch
        ):
            self.load(more=True)
