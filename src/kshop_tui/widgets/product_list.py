"""The results list: a Line-API virtual list, so 100 000 results cost what is on screen.

Rows come from the server a page (`PAGE_ROWS`) at a time and only a window of pages is
kept: those within `KEEP_PAGES` of the cursor's page or of the pages on screen. A page
that was dropped is fetched again when the user comes back to it (the screen keeps the
keyset cursor of every page). The list spans `extent` rows, every row up to the furthest
page reached (all `total` once `end` has jumped to the last page), so the scrollbar and the
cursor keep their places; a row whose page is not loaded yet reads "Loading…" until it
comes. Whenever a page on screen, or near the cursor, is missing, the list posts
`PagesWanted` and the screen asks `wanted_pages()` which.

The parts of each name the search matched are emphasised (`Row.highlights`, as styled
segments of the name: backend text stays data). When a search with words finds nothing,
the list says so and offers the closest searches that do find something (`show_closest`):
↑/↓ choose one and enter posts `ClosestPicked`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.strip import Strip
from textual.timer import Timer

from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.shop.flows.search import PAGE_ROWS, MenuRow, Row, has_words
from kshop_tui.text import compact_count, money
from kshop_tui.widgets.steady_scrollbars import SteadyScrollbars
from kshop_tui.widgets.suggestion_list import fit, search_row_strip

PREFETCH_ROWS = 30
"""The next page is wanted once the cursor is this close to it."""
KEEP_PAGES = 2
"""Pages kept on each side of the cursor's page and of the pages on screen."""
LOADING_NOTE_AFTER_S = 0.1
"""A list that shows an answer says that the next one loads only once it has taken this
long: most searches answer in 10-30 ms, and a note painted a few milliseconds before the
rows took a frame of its own, which held the rows' frame back by up to a frame period
(the frame timer allows one a period). Under 0.1 s a change reads as instantaneous."""


class ProductList(SteadyScrollbars, can_focus=True):
    DEFAULT_CSS = """
    ProductList {
        height: 1fr;
        background: $surface;
        /* Rows are cut to the width: a horizontal scrollbar would only hide the last row. */
        overflow-x: hidden;
    }
    ProductList > .product-list--header { color: $text-muted; text-style: bold; }
    ProductList > .product-list--cursor { background: $block-cursor-blurred-background; }
    ProductList:focus > .product-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    ProductList > .product-list--soldout { color: $text-disabled; }
    ProductList > .product-list--price { color: $text-warning; }
    ProductList > .product-list--more { color: $text-muted; text-style: italic; }
    ProductList > .product-list--match { color: $text-accent; text-style: bold underline; }
    ProductList > .product-list--count { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "product-list--header",
        "product-list--cursor",
        "product-list--soldout",
        "product-list--price",
        "product-list--more",
        "product-list--match",
        "product-list--count",
    }
    BINDINGS = [
        Binding("enter", "open", "key.open", id="list.open"),
        Binding("a", "add", "key.add", id="list.add"),
        Binding("up,k", "cursor_up", "", show=False),
        Binding("down,j", "cursor_down", "", show=False),
        Binding("pageup", "page_up", "", show=False),
        Binding("pagedown", "page_down", "", show=False),
        Binding("home,g", "first", "", show=False),
        Binding("end,G", "last", "", show=False),
    ]

    cursor: reactive[int] = reactive(0)
    """Index of the highlighted row."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)
    """The list's length neither lays the screen out nor repaints by itself: `_resize`
    repaints what changed and updates the scrollbar, which lays the screen out only when
    it comes or goes. Textual's repainted the whole list whenever the length changed (a
    search starting adds the note under the last row: every search painted the rows it
    kept twice), and laid out the whole screen (a filter panel's trees and lists, 6 ms
    at 120×40) for a scrollbar thumb."""

    @dataclass
    class Highlighted(Message):
        product_list: ProductList
        row: Row | None

        @property
        def control(self) -> ProductList:
            return self.product_list

    @dataclass
    class Selected(Message):
        """Enter (or a click) on a row."""

        product_list: ProductList
        row: Row

        @property
        def control(self) -> ProductList:
            return self.product_list

    @dataclass
    class AddRequested(Message):
        product_list: ProductList
        row: Row

        @property
        def control(self) -> ProductList:
            return self.product_list

    @dataclass
    class ClosestPicked(Message):
        """Enter (or a click) on one of the closest searches offered: search for `text`."""

        product_list: ProductList
        text: str

        @property
        def control(self) -> ProductList:
            return self.product_list

    @dataclass
    class PagesWanted(Message):
        """A page on screen or near the cursor is not loaded: see `wanted_pages()`."""

        product_list: ProductList

        @property
        def control(self) -> ProductList:
            return self.product_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self)
        self.total = 0
        """Rows matching the search."""
        self.extent = 0
        """Rows the list spans: up to the furthest page reached."""
        self.pages: dict[int, list[Row]] = {}
        """The window: loaded pages by index (page p holds rows p*PAGE_ROWS onwards)."""
        # Not `loading`: Widget.loading disables the widget, which drops the keys pressed
        # while a page loads and takes the focus away.
        self.fetching = False
        """A search or a page is being fetched."""
        self.loading_shown = False
        """The list says so (at once before the first answer, else after
        `LOADING_NOTE_AFTER_S`)."""
        self._loading_note: Timer | None = None
        self._paint: _Paint | None = None
        """Set while `render_lines` paints (see `_Paint`)."""
        self.answered = False
        """A search's results (or its failure) have been shown."""
        self.failure: str | None = None
        """Why the search's results could not be had (a catalogue key), shown where an
        empty list would say that nothing matches; None once results come."""
        self.searched_words = ""
        """The words of the search shown: an empty list names them."""
        self.closest: list[MenuRow] = []
        """The closest searches offered when the search found nothing."""
        self.closest_cursor = 0

    # --- data ----------------------------------------------------------------------

    def show_results(self, first_page: list[Row], *, total: int, words: str = "") -> None:
        """A new search's first page (`words`: what it searched for): the window starts
        again at the top."""
        self.pages = {0: first_page} if first_page else {}
        self.total = total
        self.extent = len(first_page)
        self._answer_came()
        self.failure = None
        self.searched_words = words
        self.closest = []
        self.closest_cursor = 0
        self.cursor = 0
        self.scroll_to(0, 0, animate=False)
        self._resize()

    def put_page(self, index: int, rows: list[Row]) -> None:
        """Page `index` has come from the server; pages far from the cursor and the
        screen are dropped."""
        self.pages[index] = rows
        self.extent = min(self.total, max(self.extent, index * PAGE_ROWS + len(rows)))
        self._drop_far_pages()
        self._resize()
        if index == self.cursor // PAGE_ROWS:
            self.post_message(self.Highlighted(self, self.current))
        self._want_pages()

    def show_closest(self, searches: list[MenuRow]) -> None:
        """The search found nothing: offer these searches instead (the first one chosen)."""
        self.closest = list(searches)
        self.closest_cursor = 0
        self._resize()

    @property
    def closest_shown(self) -> bool:
        """The list is empty and offers the closest searches (↑/↓/enter are theirs)."""
        return (
            bool(self.closest)
            and not self.extent
            and not self.loading_shown
            and self.failure is None
        )

    def set_loading(self, loading: bool) -> None:
        if loading == self.fetching:
            return
        self.fetching = loading
        self._cancel_loading_note()
        if loading and self.answered:
            self._loading_note = self.set_timer(LOADING_NOTE_AFTER_S, self._note_loading)
        else:
            self._show_loading(loading)

    def _answer_came(self) -> None:
        """Results or a failure: nothing loads any more (the caller repaints)."""
        self.fetching = False
        self._cancel_loading_note()
        self.loading_shown = False
        self.answered = True

    def _note_loading(self) -> None:
        self._loading_note = None
        self._show_loading(True)

    def _cancel_loading_note(self) -> None:
        if self._loading_note is not None:
            self._loading_note.stop()
            self._loading_note = None

    def _show_loading(self, shown: bool) -> None:
        if shown == self.loading_shown:
            return
        self.loading_shown = shown
        if self.extent:
            # The rows shown stay as they are (a search typed on keeps the last results until
            # the new ones come): only the note under the last row changes, and repainting
            # the whole list for it cost a full repaint a keystroke.
            self._resize(changed_line=self.extent)
        else:
            self._resize()

    def show_failure(self, reason: str) -> None:
        """The search failed: an empty list says why (`reason`, a catalogue key) rather
        than that nothing matches. Rows already shown stay."""
        self.failure = reason
        self._answer_came()
        # Over rows, only the note under them may change; an empty list says why.
        self._resize(changed_line=self.extent or None)

    @property
    def has_more(self) -> bool:
        """The server has rows past the extent."""
        return self.extent < self.total

    @property
    def rows(self) -> list[Row]:
        """The loaded rows in list order (with gaps where pages were dropped)."""
        return [row for index in sorted(self.pages) for row in self.pages[index]]

    @property
    def window_limit(self) -> int:
        """The most pages the window can hold at this height."""
        screen_pages = self.size.height // PAGE_ROWS + 2
        return (2 * KEEP_PAGES + 1) + (screen_pages + 2 * KEEP_PAGES)

    def row_at(self, index: int) -> Row | None:
        page = self.pages.get(index // PAGE_ROWS)
        offset = index % PAGE_ROWS
        return page[offset] if page is not None and index >= 0 and offset < len(page) else None

    @property
    def current(self) -> Row | None:
        return self.row_at(self.cursor)

    def wanted_pages(self) -> list[int]:
        """Missing pages, most needed first: those on screen, then those near the cursor."""
        if not self.total:
            return []
        last_page = (self.total - 1) // PAGE_ROWS
        top = self.scroll_offset.y
        on_screen = range(top // PAGE_ROWS, (top + self.size.height) // PAGE_ROWS + 1)
        cursor_page = self.cursor // PAGE_ROWS
        near_cursor = sorted(
            range(
                max(0, self.cursor - PREFETCH_ROWS) // PAGE_ROWS,
                (self.cursor + PREFETCH_ROWS) // PAGE_ROWS + 1,
            ),
            key=lambda page: abs(page - cursor_page),
        )
        wanted = (
            page
            for page in (*on_screen, *near_cursor)
            if page <= last_page and page not in self.pages
        )
        return list(dict.fromkeys(wanted))

    def _want_pages(self) -> None:
        if not self.fetching and self.wanted_pages():
            self.post_message(self.PagesWanted(self))

    def _drop_far_pages(self) -> None:
        cursor_page = self.cursor // PAGE_ROWS
        top = self.scroll_offset.y
        first_on_screen = top // PAGE_ROWS - KEEP_PAGES
        last_on_screen = (top + self.size.height) // PAGE_ROWS + KEEP_PAGES
        for page in list(self.pages):
            near_cursor = abs(page - cursor_page) <= KEEP_PAGES
            if not near_cursor and not first_on_screen <= page <= last_on_screen:
                del self.pages[page]

    def _resize(self, *, changed_line: int | None = None) -> None:
        """The list's length follows its rows; `changed_line`: the one row index whose line
        changed (None: any may have)."""
        extra = 1 if (self.has_more or self.loading_shown or not self.extent) else 0
        if self.closest_shown:
            extra += 1 + len(self.closest)  # their title and themselves, under the note
        # No wider than the rows (overflow-x is hidden too: the vertical scrollbar may come
        # only with this length), so nothing scrolls sideways.
        width = self.scrollable_content_region.width
        length = Size(width, self.extent + extra + 1)
        if length != self.virtual_size:
            self.virtual_size = length
            if self.is_mounted:
                # The thumb follows; showing or hiding the scrollbar lays the screen out
                # (Textual's `show_vertical_scrollbar` is a layout reactive).
                self._scroll_update(length)
        if changed_line is None:
            self.refresh()
            return
        y = changed_line - self.scroll_offset.y + 1  # under the header line
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_resize(self) -> None:
        self._resize()
        self._want_pages()

    # --- cursor --------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, self.extent - 1)) if self.extent else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current))
        self._want_pages()

    def _scroll_cursor_into_view(self) -> None:
        body_height = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body_height:
            self.scroll_to(y=self.cursor - body_height + 1, animate=False)

    def action_cursor_up(self) -> None:
        if self.closest_shown:
            self._move_closest(-1)
        else:
            self.cursor -= 1

    def action_cursor_down(self) -> None:
        if self.closest_shown:
            self._move_closest(1)
        else:
            self.cursor += 1

    def _move_closest(self, step: int) -> None:
        self.closest_cursor = max(0, min(self.closest_cursor + step, len(self.closest) - 1))
        self.refresh()

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.size.height - 2)

    def action_page_down(self) -> None:
        self.cursor += max(1, self.size.height - 2)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        """To the last row of the whole result set: the rows between need not load."""
        if self.extent < self.total:
            self.extent = self.total
            self._resize()
        self.cursor = self.extent - 1

    def action_open(self) -> None:
        if self.closest_shown:
            self.post_message(self.ClosestPicked(self, self.closest[self.closest_cursor].text))
        elif self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def action_add(self) -> None:
        if self.current is not None:
            self.post_message(self.AddRequested(self, self.current))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if self.closest_shown:
            picked = index - CLOSEST_FIRST_LINE
            if 0 <= picked < len(self.closest):
                self.closest_cursor = picked
                self.action_open()
        elif 0 <= index < self.extent:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._want_pages()

    # --- drawing -------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = self._new_paint()
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def _new_paint(self) -> _Paint:
        base = self.rich_style
        return _Paint(
            width=self.scrollable_content_region.width,
            columns=self._columns(),
            base=base,
            soldout=self.get_component_rich_style("product-list--soldout"),
            cursor=self.get_component_rich_style("product-list--cursor"),
            price=self.get_component_rich_style("product-list--price"),
            match=self.get_component_rich_style("product-list--match"),
        )

    def _columns(self) -> tuple[int, int, int, int]:
        """Widths of name, brand, price and sold for the current width."""
        width = self.scrollable_content_region.width
        # Room for a starting price: "from ¥1,299.00", "¥1,299.00起".
        price, sold = cell_len(t("browse.price_from", price="¥1,299.00")), 6
        brand = 10 if width >= 70 else 0
        name = max(10, width - 2 - brand - price - sold - 3)
        return name, brand, price, sold

    def render_line(self, y: int) -> Strip:
        paint = self._paint or self._new_paint()
        width = paint.width
        if y == 0:
            return self._header_line(paint)
        index = self.scroll_offset.y + y - 1
        if index < self.extent:
            row = self.row_at(index)
            if row is not None:
                return self._row_line(index, row, paint)
            return self._note_line(t("browse.loading"), width)
        if index == self.extent:
            if self.loading_shown or self.has_more:
                label = t("browse.loading_more") if self.extent else t("browse.loading")
            elif self.extent:
                label = ""
            else:
                label = self._empty_words()
            return self._note_line(label, width)
        if self.closest_shown:
            if index == CLOSEST_FIRST_LINE - 1:
                return self._note_line(t("browse.closest"), width)
            picked = index - CLOSEST_FIRST_LINE
            if 0 <= picked < len(self.closest):
                return self._closest_line(picked, width)
        return Strip.blank(width, self.rich_style)

    def _empty_words(self) -> str:
        """What an empty list says: why the search failed, or that nothing matches."""
        if self.failure:
            return t(self.failure)
        if has_words(self.searched_words):
            return t("browse.no_match", words=self.searched_words)
        return t("browse.no_results")

    def _note_line(self, label: str, width: int) -> Strip:
        style = self.get_component_rich_style("product-list--more")
        return Strip([Segment(fit(f"  {label}", width), style)], width)

    def _closest_line(self, picked: int, width: int) -> Strip:
        return search_row_strip(
            self.closest[picked],
            width,
            chosen=picked == self.closest_cursor,
            base=self.rich_style,
            chosen_style=self.get_component_rich_style("product-list--cursor"),
            count_style=self.get_component_rich_style("product-list--count"),
        )

    def _header_line(self, paint: _Paint) -> Strip:
        width = paint.width
        name, brand, price, sold = paint.columns
        style = self.get_component_rich_style("product-list--header")
        text = "  " + fit(t("browse.col.product"), name) + " "
        if brand:
            text += fit(t("browse.col.brand"), brand) + " "
        text += fit(t("browse.col.price"), price, right=True) + " "
        text += fit(t("browse.col.sold"), sold, right=True)
        return Strip([Segment(fit(text, width), style)], width)

    def _row_line(self, index: int, row: Row, paint: _Paint) -> Strip:
        width = paint.width
        name_w, brand_w, price_w, sold_w = paint.columns
        base = paint.base
        if row.stock <= 0:
            base = base + paint.soldout
        if index == self.cursor:
            base = base + paint.cursor
        price_style = base
        if row.stock > 0 and index != self.cursor:
            price_style = base + paint.price
        # The matched words stand out in the theme's accent, or, where the row has colours
        # of its own (the cursor's, a sold-out row's), by an underline.
        if row.stock > 0 and index != self.cursor:
            matched = base + paint.match
        else:
            matched = base + Style(underline=True)
        marker = "▶ " if index == self.cursor else "  "
        segments = [Segment(marker, base), *_name_segments(row, name_w, base, matched)]
        segments.append(Segment(" ", base))
        if brand_w:
            segments.append(Segment(fit(row.brand, brand_w) + " ", base))
        price = money(row.price_fen)
        if row.price_varies:
            price = t("browse.price_from", price=price)
        segments.append(Segment(fit(price, price_w, right=True) + " ", price_style))
        segments.append(Segment(fit(compact_count(row.sales), sold_w, right=True), base))
        used = sum(cell_len(s.text) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width).crop(0, width)


@dataclass(frozen=True)
class _Paint:
    """What the rows of one paint share, worked out once a paint rather than once a row
    (Textual's `rich_style` walks the widget's ancestors: 40 % of the rows' own cost)."""

    width: int
    columns: tuple[int, int, int, int]
    base: Style
    soldout: Style
    cursor: Style
    price: Style
    match: Style


CLOSEST_FIRST_LINE = 2
"""The list's line (below its header) of the first closest search: after the note that
nothing matched and the title of the searches offered."""


def _name_segments(row: Row, width: int, style: Style, matched: Style) -> list[Segment]:
    """The row's name in `width` cells, the parts the search matched in `matched`: only
    the characters shown whole (not those an ellipsis took) are styled."""
    prefix = "" if row.stock > 0 else f"{t('browse.sold_out_tag')} "
    name = prefix + row.name
    shown = fit(name, width)
    whole = 0
    while whole < min(len(name), len(shown)) and shown[whole] == name[whole]:
        whole += 1
    segments = []
    position = 0
    for start, end in row.highlights:
        start, end = max(start + len(prefix), position), min(end + len(prefix), whole)
        if start >= end:
            continue
        if start > position:
            segments.append(Segment(shown[position:start], style))
        segments.append(Segment(shown[start:end], matched))
        position = end
    segments.append(Segment(shown[position:], style))
    return segments
