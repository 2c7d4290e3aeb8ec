"""Asks whether the parcel arrived before the order is confirmed as received.

Not the shared `screens.confirm.ConfirmDialog`: this one has no buttons (enter or `y`
says yes) and the order dialogs' look, and the snapshots keep both as they are."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.widgets.footer import ShopFooter


class ConfirmReceiptDialog(ShopModal):
    """Dismisses True on enter or `y`, None on escape."""

    CSS_PATH = "detail.tcss"
    BINDINGS = [
        Binding("enter,y", "confirm", "orders.key.confirm", id="confirm.yes"),
        # Escape waits for the parcel: "Cancel" would read as cancelling the order.
        Binding("escape", "dismiss_none", "orders.key.not_yet", id="modal.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog") as dialog:
            dialog.border_title = t("orders.confirm_title")
            yield Static(Text(t("orders.confirm_body")), classes="dialog-intro")
        yield ShopFooter()

    def action_confirm(self) -> None:
        self.dismiss(True)
