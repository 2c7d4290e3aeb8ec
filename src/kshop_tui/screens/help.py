"""`?`: every key binding that works, globally and on the screen you came from."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import describe
from kshop_tui.screen_base import ShopScreen

# Keys that work in every list, documented even where a widget, not a screen, binds them.
LIST_KEYS = (
    ("↑ ↓ j k", "help.move"),
    ("PgUp PgDn", "help.page"),
    ("Home End g G", "help.ends"),
    ("enter", "key.open"),
    ("tab / shift+tab", "help.focus"),
    ("ctrl+p", "help.palette"),
)


class HelpScreen(ShopScreen):
    CSS_PATH = "help.tcss"

    def __init__(self, came_from: Screen[Any]) -> None:
        super().__init__()
        self.came_from = came_from

    def where(self) -> str:
        return t("help.title")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(
                self._table(t("help.global"), self._bindings_of(self.app)), classes="help-table"
            )
            yield Static(
                self._table(t("help.here"), self._bindings_of(self.came_from)), classes="help-table"
            )
            focused = self.came_from.focused
            if focused is not None:
                yield Static(
                    self._table(t("help.focused"), self._bindings_of(focused)), classes="help-table"
                )
            keys = [(k, t(d)) for k, d in LIST_KEYS]
            yield Static(self._table(t("help.lists"), keys), classes="help-table")

    def _bindings_of(self, node: Any) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                assert isinstance(binding, Binding)
                if not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                rows.append((self.app.get_key_display(binding), describe(binding.description)))
        return rows

    @staticmethod
    def _table(title: str, rows: list[tuple[str, str]]) -> Table:
        table = Table(title=title, title_justify="left", box=None, show_header=False, expand=False)
        table.add_column(style="bold", min_width=14)
        table.add_column()
        for key, description in rows:
            table.add_row(Text(key), Text(description))
        return table
