"""What every full screen shares: the header, the outage banner and the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.screen import ModalScreen, Screen

from kshop_tui.i18n.bindings import localize_active, localize_bindings
from kshop_tui.widgets.banner import OutageBanner
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.header import ShopHeader

if TYPE_CHECKING:
    from kshop_tui.app import KshopApp


class ShopScreen(Screen[Any]):
    """A full screen: subclasses give `compose_body` and `where` (the breadcrumb)."""

    BINDINGS = [
        Binding("escape", "back", "key.back", id="screen.back"),
        Binding("ctrl+r", "retry_backend", "key.retry", show=False, id="screen.retry"),
    ]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return localize_active(super().active_bindings)

    @property
    def shop(self) -> KshopApp:
        from kshop_tui.app import KshopApp

        assert isinstance(self.app, KshopApp)
        return self.app

    def where(self) -> str:
        return ""

    def compose(self) -> ComposeResult:
        yield ShopHeader(self.where())
        yield OutageBanner()
        yield from self.compose_body()
        yield ShopFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Runs besides the subclasses' own on_mount (Textual calls each class's handler).
        self.watch(self.app, "backend_down", self._backend_down_changed, init=False)

    def _backend_down_changed(self, was_down: bool, down: bool) -> None:
        if was_down and not down:
            self.reload_after_outage()

    def reload_after_outage(self) -> None:
        """The backend answers again: load what the outage left empty or stale. Screens
        showing server data override this; a form keeps what was typed."""

    def set_where(self, where: str) -> None:
        self.query_one(ShopHeader).where = where

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_retry_backend(self) -> None:
        self.shop.retry_backend()


class ShopModal(ModalScreen[Any]):
    """A dialog with translated bindings; escape dismisses it with None."""

    BINDINGS = [Binding("escape", "dismiss_none", "key.cancel", id="modal.cancel")]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return localize_active(super().active_bindings)

    @property
    def shop(self) -> KshopApp:
        from kshop_tui.app import KshopApp

        assert isinstance(self.app, KshopApp)
        return self.app

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
