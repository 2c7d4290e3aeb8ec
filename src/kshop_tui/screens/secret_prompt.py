"""`SecretPromptModal`: the password that confirms one action (docs/api.md §7.5) — the
payment password for a card top-up or a bill repayment, the login password to turn
two-step verification off. It performs the action itself, so a wrong password keeps it
open (saying how many attempts are left) and a lockout says so in place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

SecretKind = Literal["payment", "login"]
PAYMENT_PASSWORD_LENGTH = 6
MAX_LOGIN_PASSWORD_LENGTH = 64


class SecretPromptModal(ShopModal):
    """Asks for the `kind` of password and runs `attempt(password)`; dismisses with what
    the attempt answered, or None when the user backs out. Refusals stay on the dialog."""

    DEFAULT_CLASSES = "wl-modal"
    CSS_PATH = "confirm.tcss"

    def __init__(
        self,
        question: str,
        *,
        kind: SecretKind,
        confirm_label: str,
        attempt: Callable[[str], Awaitable[Any]],
        explain: Callable[[errors.ApiError], str] = error_words,
    ) -> None:
        """`explain` words a refusal (the backend's message by default)."""
        super().__init__()
        self.question = question
        self.kind = kind
        self.confirm_label = confirm_label
        self.attempt = attempt
        self.explain = explain
        self.locked = False

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="sp-dialog", classes="wl-dialog") as dialog:
            dialog.border_title = t(f"secret.title.{self.kind}")
            yield Static(Text(self.question), id="wl-confirm-question")
            payment = self.kind == "payment"
            yield TextBox(
                password=True,
                restrict=r"[0-9]*" if payment else None,
                max_length=PAYMENT_PASSWORD_LENGTH if payment else MAX_LOGIN_PASSWORD_LENGTH,
                placeholder=t(f"secret.placeholder.{self.kind}"),
                id="sp-input",
                compact=True,
            )
            yield Static(id="sp-status", markup=False)
            with Horizontal(classes="wl-dialog-actions"):
                yield Button(self.confirm_label, id="sp-confirm", variant="primary", compact=True)
                yield Button(t("wallet.cancel"), id="sp-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#sp-input", Input).focus()

    def _status(self, message: str) -> None:
        status = self.query_one("#sp-status", Static)
        status.update(Text(message, style="bold red" if message else ""))

    @on(Button.Pressed, "#sp-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#sp-input")
    @on(Button.Pressed, "#sp-confirm")
    def _submit(self) -> None:
        if self.locked:
            return
        secret = self.query_one("#sp-input", Input).value
        if self.kind == "payment" and len(secret) != PAYMENT_PASSWORD_LENGTH:
            self._status(t("pay.password_six"))
            return
        if not secret:
            self._status(t("secret.required"))
            return
        self.confirm(secret)

    @work(exclusive=True, group="secret-prompt")
    async def confirm(self, secret: str) -> None:
        field = self.query_one("#sp-input", Input)
        button = self.query_one("#sp-confirm", Button)
        field.disabled = button.disabled = True
        self._status("")
        try:
            result = await self.attempt(secret)
        except LoginCancelled:
            self.dismiss(None)
            return
        except errors.RateLimited as error:
            self.locked = True
            self._status(self.explain(error))
            return
        except errors.ApiError as error:
            field.disabled = button.disabled = False
            field.value = ""
            field.focus()
            self._status(self.explain(error))
            return
        self.dismiss(result)
