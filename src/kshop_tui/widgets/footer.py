"""The footer of every shop screen: Textual's, with its keys sooner and rebuilt less often."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

BindingsShown = tuple[tuple[str, str, str, bool, str], ...]


class ShopFooter(Footer):
    """Textual's Footer shows no keys until the frame after the screen's first, then rebuilds
    all of them on every change of the active bindings; a screen changes them several times
    as it starts (it resumes, a widget takes focus …), each rebuild restyling every key.
    This one composes its first keys at once, in time for the screen's first frame, then
    rebuilds once per burst of changes, and not at all when the keys shown are the same."""

    def __init__(self) -> None:
        super().__init__()
        self._rebuild_queued = False
        self._shown: BindingsShown | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_queued:
            self._rebuild_queued = True
            if self._shown is None:
                # The first keys go into the screen's first frame rather than a frame later.
                self.call_next(self._rebuild)
            else:
                self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        # The screen may have gone in the meantime (a login dismissed).
        if self.is_attached and self._bindings_shown() != self._shown:
            await self.recompose()

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._bindings_shown()
        yield from super().compose()

    def _bindings_shown(self) -> BindingsShown:
        return tuple(
            (key, binding.action, binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )
