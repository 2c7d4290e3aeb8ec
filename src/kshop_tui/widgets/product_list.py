"""The results list: a Line-API virtual list, so 100 000 results cost what is on screen.

Rows arrive page by page from the server (keyset cursors) and are kept as small tuples;
only the visible lines are rendered. When the cursor comes within `PREFETCH_ROWS` of the
last loaded row, the list asks for the next page with `NeedMore`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.text import compact_count, money

PREFETCH_ROWS = 30


class Row(NamedTuple):
    """One product as the list needs it (a tuple: 100k of them must stay small)."""

    id: int
    name: str
    brand: str
    price_fen: int
    sales: int
    stock: int
    rating: float


class ProductList(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ProductList {
        height: 1fr;
        background: $surface;
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
    """
    COMPONENT_CLASSES = {
        "product-list--header",
        "product-list--cursor",
        "product-list--soldout",
        "product-list--price",
        "product-list--more",
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
    class NeedMore(Message):
        """The cursor is near the end of what is loaded and the server has more."""

        product_list: ProductList

        @property
        def control(self) -> ProductList:
            return self.product_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self)
        self.rows: list[Row] = []
        self.has_more = False
        # Not `loading`: Widget.loading disables the widget, which drops the keys pressed
        # while a page loads and takes the focus away.
        self.fetching = False
        self._asked_for_more = False

    # --- data ----------------------------------------------------------------------

    def replace_rows(self, rows: list[Row], *, has_more: bool) -> None:
        self.rows = rows
        self.has_more = has_more
        self.fetching = False
        self._asked_for_more = False
        self.cursor = 0
        self.scroll_to(0, 0, animate=False)
        self._resize()

    def append_rows(self, rows: list[Row], *, has_more: bool) -> None:
        self.rows.extend(rows)
        self.has_more = has_more
        self.fetching = False
        self._asked_for_more = False
        self._resize()
        self._maybe_need_more()

    def set_loading(self, loading: bool) -> None:
        self.fetching = loading
        self.refresh()

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _resize(self) -> None:
        extra = 1 if (self.has_more or self.fetching or not self.rows) else 0
        self.virtual_size = Size(self.size.width, len(self.rows) + extra + 1)
        self.refresh()

    def on_resize(self) -> None:
        self._resize()

    # --- cursor --------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current))
        self._maybe_need_more()

    def _scroll_cursor_into_view(self) -> None:
        body_height = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body_height:
            self.scroll_to(y=self.cursor - body_height + 1, animate=False)

    def _maybe_need_more(self) -> None:
        near_end = self.cursor >= len(self.rows) - PREFETCH_ROWS
        visible_end = self.scroll_offset.y + self.size.height >= len(self.rows)
        if self.has_more and not self._asked_for_more and (near_end or visible_end):
            self._asked_for_more = True
            self.post_message(self.NeedMore(self))

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.size.height - 2)

    def action_page_down(self) -> None:
        self.cursor += max(1, self.size.height - 2)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.rows) - 1

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def action_add(self) -> None:
        if self.current is not None:
            self.post_message(self.AddRequested(self, self.current))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.rows):
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    def on_mouse_scroll_down(self) -> None:
        self._maybe_need_more()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._maybe_need_more()

    # --- drawing -------------------------------------------------------------------

    def _columns(self) -> tuple[int, int, int, int]:
        """Widths of name, brand, price and sold for the current width."""
        width = self.scrollable_content_region.width
        price, sold = 11, 6
        brand = 10 if width >= 70 else 0
        name = max(10, width - 2 - brand - price - sold - 3)
        return name, brand, price, sold

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header_line(width)
        index = self.scroll_offset.y + y - 1
        if index < len(self.rows):
            return self._row_line(index, width)
        if index == len(self.rows):
            if self.fetching or self.has_more:
                label = t("browse.loading_more") if self.rows else t("browse.loading")
            else:
                label = "" if self.rows else t("browse.no_results")
            style = self.get_component_rich_style("product-list--more")
            return Strip([Segment(_fit(f"  {label}", width), style)], width)
        return Strip.blank(width, self.rich_style)

    def _header_line(self, width: int) -> Strip:
        name, brand, price, sold = self._columns()
        style = self.get_component_rich_style("product-list--header")
        text = "  " + _fit(t("browse.col.product"), name) + " "
        if brand:
            text += _fit(t("browse.col.brand"), brand) + " "
        text += _fit(t("browse.col.price"), price, right=True) + " "
        text += _fit(t("browse.col.sold"), sold, right=True)
        return Strip([Segment(_fit(text, width), style)], width)

    def _row_line(self, index: int, width: int) -> Strip:
        row = self.rows[index]
        name_w, brand_w, price_w, sold_w = self._columns()
        base = self.rich_style
        if row.stock <= 0:
            base = base + self.get_component_rich_style("product-list--soldout")
        if index == self.cursor:
            base = base + self.get_component_rich_style("product-list--cursor")
        price_style = base
        if row.stock > 0 and index != self.cursor:
            price_style = base + self.get_component_rich_style("product-list--price")
        marker = "▶ " if index == self.cursor else "  "
        name = row.name if row.stock > 0 else f"{t('browse.sold_out_tag')} {row.name}"
        segments = [Segment(marker, base), Segment(_fit(name, name_w) + " ", base)]
        if brand_w:
            segments.append(Segment(_fit(row.brand, brand_w) + " ", base))
        segments.append(Segment(_fit(money(row.price_fen), price_w, right=True) + " ", price_style))
        segments.append(Segment(_fit(compact_count(row.sales), sold_w, right=True), base))
        used = sum(cell_len(s.text) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width).crop(0, width)


def _fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` cut or padded to exactly `width` cells (CJK counts two)."""
    if width <= 0:
        return ""
    rich_text = Text(text, no_wrap=True, overflow="ellipsis")
    rich_text.truncate(width, overflow="ellipsis", pad=False)
    plain = rich_text.plain
    padding = " " * max(0, width - cell_len(plain))
    return padding + plain if right else plain + padding
