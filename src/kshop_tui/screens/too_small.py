"""Shown instead of the shop while the terminal is smaller than the shop can lay out.

It covers whatever screen was showing, so nothing underneath is lost: when the window is
big enough again it goes away and the user is exactly where they were. Being modal, it
keeps every key but the priority ones (ctrl+q) from acting on screens nobody can see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.command import CommandPalette
from textual.events import Resize
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

from kshop_tui.i18n import t

if TYPE_CHECKING:
    from textual.app import App

# Below 60 columns the browse list squeezes product names to a few characters and the
# footer loses its keys; below 16 rows the checkout form and the cart's totals no longer
# fit beside the header, banner and footer.
MIN_WIDTH = 60
MIN_HEIGHT = 16


def is_too_small(size: Size) -> bool:
    return size.width < MIN_WIDTH or size.height < MIN_HEIGHT


def follow_terminal_size(app: App[object]) -> None:
    """Covers the shop with the too-small screen, or uncovers it, to suit the terminal.
    Call on every resize; the screen calls it too when something is pushed over it."""
    if not app.screen_stack:
        return
    top = app.screen
    if is_too_small(app.size):
        if isinstance(top, CommandPalette):
            # ctrl+p is a priority key, so it still opens the palette: close it again.
            app.pop_screen()
        elif not isinstance(top, TooSmallScreen):
            app.push_screen(TooSmallScreen())
    elif isinstance(top, TooSmallScreen):
        app.pop_screen()


class TooSmallScreen(ModalScreen[None]):
    CSS_PATH = "too_small.tcss"

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-message")

    def on_mount(self) -> None:
        self._show(self.app.size)

    def on_resize(self, event: Resize) -> None:
        self._show(event.size)

    def on_screen_resume(self) -> None:
        # Resumed after a screen above it closed: the terminal may be big enough by now.
        self.app.call_later(follow_terminal_size, self.app)

    def on_screen_suspend(self) -> None:
        # Something (a worker finishing, a deep link) pushed a screen over this one while
        # the terminal is still too small: cover that one too.
        self.app.call_later(follow_terminal_size, self.app)

    def _show(self, size: Size) -> None:
        self.query_one("#too-small-message", Static).update(message_for(size))


def message_for(size: Size) -> Text:
    """The full message when it fits, else the size in as few cells as possible."""
    title = t("too_small.title", width=size.width, height=size.height)
    need = t("too_small.need", width=MIN_WIDTH, height=MIN_HEIGHT)
    hint = t("too_small.hint")
    if max(cell_len(line) for line in (title, need, hint)) <= size.width and size.height >= 5:
        return Text.assemble((title, "bold"), "\n\n", need, "\n\n", hint)
    return Text.assemble(
        (t("too_small.short"), "bold"), f"\n{size.width}×{size.height}\n→ {MIN_WIDTH}×{MIN_HEIGHT}"
    )
