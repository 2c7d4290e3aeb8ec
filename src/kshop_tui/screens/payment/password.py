"""The masked 6-digit payment password, asked for and paid with (balance, bank card)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kshop_tui.api import errors
from kshop_tui.api.intent import Intent
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.flows.payment import (
    MethodOption,
    PayOutcome,
    failed_outcome,
    failure_words,
    maybe_already_paid,
    settled_outcome,
)
from kshop_tui.text import CHINA_TZ, clean, money
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Payment

PASSWORD_LENGTH = 6


class PaymentPasswordModal(ShopModal):
    """Asks for the 6-digit payment password and pays with it. Stays open on a wrong
    password (saying how many attempts are left) and on a lockout (saying when it ends);
    dismisses with a `PayOutcome` once the payment is decided, None when the user backs
    out before anything was decided."""

    CSS_PATH = "payment.tcss"

    def __init__(self, order_id: int, choice: MethodOption, amount_fen: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.choice = choice
        self.amount_fen = amount_fen
        # Kept while a request got no answer; a retry with the same password repeats it.
        self.intent = Intent()
        self._pending_password: str | None = None
        self._paying = False
        self.locked_words = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="pw-dialog", classes="pay-dialog") as dialog:
            dialog.border_title = t("pay.password_title")
            yield Static(self._what(), id="pw-what")
            yield TextBox(
                password=True,
                restrict=r"[0-9]*",
                max_length=PASSWORD_LENGTH,
                placeholder=t("pay.password_placeholder"),
                id="pw-input",
                compact=True,
            )
            yield Static(id="pw-status", markup=False)
        yield ShopFooter()

    def _what(self) -> Text:
        text = Text(self.choice.label, style="bold")
        if self.choice.detail:
            text.append("  " + self.choice.detail, style="dim")
        text.append("\n")
        text.append(money(self.amount_fen), style="bold yellow")
        return text

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _status(self, message: str, *, problem: bool = True) -> None:
        status = self.query_one("#pw-status", Static)
        status.update(Text(message))
        status.set_class(problem, "-problem")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if len(event.value) == PASSWORD_LENGTH:
            self._start_paying(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if len(event.value) == PASSWORD_LENGTH:
            self._start_paying(event.value)
        else:
            self._status(t("pay.password_six"))

    def _start_paying(self, password: str) -> None:
        # The sixth digit and a quick Enter both ask; one request goes out.
        if self._paying or self.locked_words:
            return
        self._paying = True
        self.pay(password)

    def action_dismiss_none(self) -> None:
        # After a lockout, leaving is how the user gets to another method.
        if self.locked_words:
            self.dismiss(PayOutcome(paid=False, failure=self.locked_words))
        else:
            self.dismiss(None)

    @work(group="pay-password")
    async def pay(self, password: str) -> None:
        try:
            await self._pay(password)
        finally:
            self._paying = False

    async def _pay(self, password: str) -> None:
        field = self.query_one(Input)
        if password != self._pending_password:
            self.intent.forget()  # another password is another attempt
        self._pending_password = password
        field.disabled = True
        self._status(t("pay.paying"), problem=False)
        choice = self.choice

        async def pay(api: KshopClient, key: str) -> Payment:
            return await api.pay(
                self.order_id,
                choice.method,
                password,
                choice.bank_card_id,
                idempotency_key=key,
            )

        try:
            payment = await self.intent.send(
                lambda key: self.shop.run_api(lambda api: pay(api, key), needs_login=True)
            )
        except errors.ApiError as error:
            field.disabled = False
            if self.intent.pending:
                self._status(t("pay.retry_same", reason=failure_words(error)))
                field.focus()
                return
            await self._refused(error)
            return
        self.dismiss(settled_outcome(payment))

    async def _refused(self, error: errors.ApiError) -> None:
        field = self.query_one(Input)
        if isinstance(error, errors.Forbidden) and error.attempts_left is not None:
            field.value = ""
            field.focus()
            self._status(clean(error.message))
        elif isinstance(error, errors.RateLimited):
            field.value = ""
            field.disabled = True
            until = datetime.fromtimestamp(self.shop.clock.now() + error.retry_after, CHINA_TZ)
            self.locked_words = t(
                "pay.locked",
                minutes=math.ceil(error.retry_after / 60),
                until=until.strftime("%H:%M"),
            )
            self._status(self.locked_words + "\n" + t("pay.locked_hint"))
        elif isinstance(error, errors.ValidationFailed) and not maybe_already_paid(error):
            field.value = ""
            field.focus()
            self._status(failure_words(error))
        else:
            self.dismiss(await failed_outcome(self.shop, self.order_id, error))
