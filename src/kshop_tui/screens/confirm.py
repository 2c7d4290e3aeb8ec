"""The yes/no questions several areas ask: `ConfirmDialog` (the wallet, bills and account
screens) and `ConfirmModal` (after-sales and customer service). Dialogs are modal screens,
so they live here with the screens (beside help and too-small, which serve every area)
rather than in widgets/, which never reach up to the screen bases."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.widgets.footer import ShopFooter


class ConfirmDialog(ShopModal):
    """A yes/no question; dismisses True on yes, False on no, None on escape."""

    DEFAULT_CLASSES = "wl-modal"
    # A sheet rather than DEFAULT_CSS, which ranks below every sheet: its rules keep the
    # weight they had in the wallet's sheet, whose dialog classes (.wl-…) it shares.
    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "key.wl_yes", id="confirm.yes"),
        Binding("n", "answer(False)", "key.wl_no", id="confirm.no"),
    ]

    def __init__(self, question: str, *, confirm_label: str, danger: bool = False) -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="wl-confirm", classes="wl-dialog"):
            yield Static(Text(self.question), id="wl-confirm-question")
            with Horizontal(classes="wl-dialog-actions"):
                yield Button(
                    self.confirm_label,
                    id="wl-confirm-yes",
                    variant="error" if self.danger else "primary",
                    compact=True,
                )
                yield Button(t("wallet.cancel"), id="wl-confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#wl-confirm-yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#wl-confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#wl-confirm-no")
    def _no(self) -> None:
        self.dismiss(False)


class ConfirmModal(ShopModal):
    """A yes/no question; answers True only on an explicit yes."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 60; max-width: 100%; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmModal #confirm-question { height: auto; margin-bottom: 1; }
    ConfirmModal Horizontal { height: 1; align-horizontal: right; }
    ConfirmModal Button { margin-left: 2; }
    """
    BINDINGS = [Binding("y", "yes", "as.key.yes", id="confirm.yes")]

    def __init__(self, question: str, yes_label: str) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="confirm-question")
            with Horizontal():
                yield Button(t("as.confirm.no"), id="confirm-no", compact=True)
                yield Button(self.yes_label, id="confirm-yes", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)
