"""The outage banner: shown while the backend does not answer, with a retry key."""

from __future__ import annotations

from textual.widgets import Static

from kshop_tui.i18n import t


class OutageBanner(Static):
    DEFAULT_CSS = """
    OutageBanner {
        dock: top;
        height: 1;
        display: none;
        background: $error;
        color: $text;
        padding: 0 1;
    }
    OutageBanner.-down { display: block; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "backend_down", self._show)

    def _show(self, down: bool) -> None:
        self.set_class(down, "-down")
        self.update(t("backend.banner") if down else "")
