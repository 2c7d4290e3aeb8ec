"""The table of rows every kshop list uses, and `tone`, the theme colours its cells take."""

from __future__ import annotations

from typing import Any, Literal

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.widgets import DataTable

Tone = Literal["error", "success", "warning", "primary"]


def tone(app: App[Any], name: Tone) -> Style:
    """A theme colour for Rich text (DataTable cells cannot take `$error`)."""
    variables = app.theme_variables or app.get_css_variables()
    return Style(color=variables.get(f"text-{name}") or variables.get(name))


class RowTable(DataTable[Text]):
    """A table of rows where home/end (and g/G) go to the first/last row, as in every
    kshop list (a plain DataTable moves between columns on them)."""

    BINDINGS = [
        Binding("home,g", "scroll_top", show=False),
        Binding("end,G", "scroll_bottom", show=False),
    ]
