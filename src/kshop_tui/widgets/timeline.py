"""A vertical timeline, newest first: a dot per event joined by a line, the time on the
left, what happened and its details wrapped beside it (orders, parcels, after-sales)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

Tone = Literal["normal", "current", "problem"]


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    """Already formatted for the reader (local time)."""
    title: str
    detail: str = ""
    tone: Tone = "normal"


class Timeline(Widget):
    DEFAULT_CSS = """
    Timeline { height: auto; }
    Timeline > .timeline--line { color: $text-muted; }
    Timeline > .timeline--time { color: $text-muted; }
    Timeline > .timeline--current { color: $text-primary; text-style: bold; }
    Timeline > .timeline--problem { color: $text-error; text-style: bold; }
    Timeline > .timeline--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES = {
        "timeline--line",
        "timeline--time",
        "timeline--current",
        "timeline--problem",
        "timeline--empty",
    }

    entries: reactive[tuple[TimelineEntry, ...]] = reactive((), layout=True)
    """The events, newest first."""

    def __init__(self, empty_text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.empty_text = empty_text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.content_size.width))

    def _lines(self, width: int) -> list[Text]:
        if not self.entries:
            return [Text(self.empty_text, style=self.get_component_rich_style("timeline--empty"))]
        line_style = self.get_component_rich_style("timeline--line")
        time_style = self.get_component_rich_style("timeline--time")
        time_width = max(cell_len(entry.at) for entry in self.entries)
        text_width = max(8, width - time_width - 4)
        console = Console(width=text_width, legacy_windows=False)
        indent = " " * time_width
        lines: list[Text] = []
        for index, entry in enumerate(self.entries):
            last = index == len(self.entries) - 1
            if entry.tone == "normal":
                dot, body_style = "○", None
            else:
                dot, body_style = "●", self.get_component_rich_style(f"timeline--{entry.tone}")
            body = Text(entry.title, style=body_style or "")
            if entry.detail:
                body.append("  ")
                body.append(entry.detail, style=body_style or "")
            wrapped = body.wrap(console, text_width)
            for row, part in enumerate(wrapped):
                line = Text()
                if row == 0:
                    padding = " " * (time_width - cell_len(entry.at))
                    line.append(entry.at + padding, style=time_style)
                    line.append(" ")
                    line.append(dot, style=body_style or line_style)
                else:
                    line.append(indent + " ")
                    line.append(" " if last else "│", style=line_style)
                line.append(" ")
                line.append_text(part)
                lines.append(line)
        return lines
