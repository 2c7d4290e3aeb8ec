"""The list under the search box: completions of what is typed, or past searches. It never
takes the focus (typing goes on in the box; the screen moves the chosen row with ↓/↑), and
it draws on the Line API: a few rows, each a search's text — the backend's, drawn as data,
never markup — and how many products it finds. The results list draws the closest
searches of a search that found nothing with the same rows (`search_row_segments`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widget import Widget

from kshop_tui.i18n import t
from kshop_tui.shop.flows.search import MenuRow


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells (CJK counts two)."""
    if width <= 0:
        return ""
    rich_text = Text(text, no_wrap=True, overflow="ellipsis")
    rich_text.truncate(width, overflow="ellipsis", pad=False)
    plain = rich_text.plain
    padding = " " * max(0, width - cell_len(plain))
    return padding + plain if right else plain + padding


def search_row_strip(
    row: MenuRow, width: int, *, chosen: bool, base: Style, chosen_style: Style, count_style: Style
) -> Strip:
    """An offered search as one line: `chosen_style` over the whole row when chosen, the
    count in `count_style` when not (the suggestions here, the closest searches in
    ProductList)."""
    style = base + chosen_style if chosen else base
    counts = style if chosen else style + count_style
    segments = search_row_segments(row, width, chosen=chosen, style=style, count_style=counts)
    return Strip(segments, width).crop(0, width)


def search_row_segments(
    row: MenuRow, width: int, *, chosen: bool, style: Style, count_style: Style
) -> list[Segment]:
    """One offered search, `width` cells: a marker when chosen, its text, and on the right
    how many products it finds (nothing for a past search)."""
    count = "" if row.found is None else t("suggest.count", count=f"{row.found:,}")
    count_width = cell_len(count) + 1 if count else 0
    marker = "▶ " if chosen else "  "
    text_width = max(1, width - cell_len(marker) - count_width - 1)
    segments = [Segment(marker, style), Segment(fit(row.text, text_width) + " ", style)]
    if count:
        segments.append(Segment(fit(count, count_width, right=True), count_style))
    used = sum(cell_len(segment.text) for segment in segments)
    if used < width:
        segments.append(Segment(" " * (width - used), style))
    return segments


class SuggestionList(Widget):
    DEFAULT_CSS = """
    SuggestionList {
        height: auto;
        background: $panel;
        display: none;
    }
    SuggestionList > .suggestion-list--title { color: $text-muted; text-style: italic; }
    SuggestionList > .suggestion-list--count { color: $text-muted; }
    SuggestionList > .suggestion-list--chosen {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {
        "suggestion-list--title",
        "suggestion-list--count",
        "suggestion-list--chosen",
    }

    @dataclass
    class Picked(Message):
        """A row was clicked: search for `text`."""

        suggestion_list: SuggestionList
        text: str

        @property
        def control(self) -> SuggestionList:
            return self.suggestion_list

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)
    """Set by each layout that changes the list's height (Textual's `_size_updated`); a
    layout reactive would lay the whole screen out a second time, for the size the first
    one has just given it, and a repainting one paint the list a second time, a frame
    after the one that showed it (nothing scrolls in this list)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[MenuRow] = []
        self.chosen: int | None = None
        self.title = ""

    def show(self, rows: Sequence[MenuRow], chosen: int | None, title: str = "") -> None:
        """Shows `rows` (none: the list is hidden), `chosen` marked, under `title`."""
        if (list(rows), chosen, title) == (self.rows, self.chosen, self.title):
            return  # the focus moved elsewhere, or a keystroke left the list as it was
        height = self.lines
        self.rows = list(rows)
        self.chosen = chosen
        self.title = title
        self.display = bool(self.rows)
        # A layout only when the list's height changes: one with the same number of rows
        # (the next keystroke's) repaints in place, the results under it untouched.
        self.refresh(layout=self.lines != height)

    @property
    def lines(self) -> int:
        """The list's height: its rows, under their title if it has one."""
        return len(self.rows) + (1 if self.title else 0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.lines

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = y - 1 if self.title else y
        if self.title and y == 0:
            style = self.get_component_rich_style("suggestion-list--title")
            return Strip([Segment(fit(f"  {self.title}", width), style)], width)
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        return search_row_strip(
            self.rows[index],
            width,
            chosen=index == self.chosen,
            base=self.rich_style,
            chosen_style=self.get_component_rich_style("suggestion-list--chosen"),
            count_style=self.get_component_rich_style("suggestion-list--count"),
        )

    def on_click(self, event: events.Click) -> None:
        index = event.y - 1 if self.title else event.y
        if 0 <= index < len(self.rows):
            self.post_message(self.Picked(self, self.rows[index].text))
