"""Horizontal bar charts drawn with Unicode eighth blocks, the numbers beside each bar:

    2026-09  ██████████████▋           ¥1,234.50  3 orders
    2026-10  ████▏                       ¥356.00  1 order

Labels and numbers are measured in terminal cells, so Chinese labels line up.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉"
MIN_BAR_CELLS = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    """What the bar's length shows (fen, a count …); negative counts as zero."""
    figures: str
    """The numbers written beside the bar."""


def bar_cells(value: int, largest: int, width: int) -> str:
    """A bar `width` cells long at most, in eighths of a cell; a non-zero value shows."""
    if largest <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, value * width * 8 // largest)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def pad_to(text: str, cells: int, *, right: bool = False) -> str:
    gap = " " * max(0, cells - cell_len(text))
    return gap + text if right else text + gap


class BarChart(Widget):
    DEFAULT_CSS = """
    BarChart { height: auto; }
    BarChart > .bar-chart--bar { color: $primary; }
    BarChart > .bar-chart--label { color: $text; }
    BarChart > .bar-chart--figures { color: $text-muted; }
    BarChart > .bar-chart--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES = {
        "bar-chart--bar",
        "bar-chart--label",
        "bar-chart--figures",
        "bar-chart--empty",
    }

    bars: reactive[tuple[Bar, ...]] = reactive((), layout=True)
    """One bar per row, top to bottom."""

    def __init__(self, empty_text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.empty_text = empty_text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.bars))

    def render(self) -> Text:
        if not self.bars:
            return Text(self.empty_text, style=self.get_component_rich_style("bar-chart--empty"))
        width = self.content_size.width
        label_width = max(cell_len(bar.label) for bar in self.bars)
        figures_width = max(cell_len(bar.figures) for bar in self.bars)
        bar_width = max(MIN_BAR_CELLS, width - label_width - figures_width - 3)
        largest = max(bar.value for bar in self.bars)
        bar_style = self.get_component_rich_style("bar-chart--bar")
        label_style = self.get_component_rich_style("bar-chart--label")
        figures_style = self.get_component_rich_style("bar-chart--figures")
        lines = []
        for bar in self.bars:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(pad_to(bar.label, label_width), style=label_style)
            line.append(" ")
            line.append(
                pad_to(bar_cells(bar.value, largest, bar_width), bar_width), style=bar_style
            )
            line.append(" ")
            line.append(pad_to(bar.figures, figures_width, right=True), style=figures_style)
            lines.append(line)
        return Text("\n", no_wrap=True).join(lines)
