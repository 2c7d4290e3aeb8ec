"""A guest pays with a card typed for this one payment (docs/api.md §7.4): its number and
holder go to the backend with the payment and are kept nowhere here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from kshop_tui.api import errors
from kshop_tui.api.intent import Intent
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.flows.payment import (
    MethodOption,
    failed_outcome,
    failure_words,
    settled_outcome,
)
from kshop_tui.text import clean, money
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Payment

CARD_NUMBER_MAX = 23  # 19 digits and the spaces people type between groups


class GuestCardModal(ShopModal):
    """Dismisses with a `PayOutcome` once the payment is decided, None when the user backs
    out first. A refused card number stays on the dialog, beside its field."""

    CSS_PATH = "payment.tcss"

    def __init__(self, order_id: int, choice: MethodOption, amount_fen: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.choice = choice
        self.amount_fen = amount_fen
        self.intent = Intent()

    def compose(self) -> ComposeResult:
        with Vertical(id="gc-dialog", classes="pay-dialog") as dialog:
            dialog.border_title = t("pay.guest_card_title")
            what = Text(self.choice.label, style="bold")
            what.append("  " + money(self.amount_fen), style="bold yellow")
            yield Static(what, id="gc-what")
            with Horizontal(classes="gc-row"):
                yield Label(t("pay.guest_card_number_label"), classes="gc-label")
                yield TextBox(
                    placeholder=t("pay.guest_card_number_placeholder"),
                    id="gc-number",
                    restrict=r"[0-9 ]*",
                    max_length=CARD_NUMBER_MAX,
                    compact=True,
                )
            with Horizontal(classes="gc-row"):
                yield Label(t("pay.guest_card_holder_label"), classes="gc-label")
                yield TextBox(id="gc-holder", max_length=40, compact=True)
            yield Static(id="gc-status", markup=False)
            yield Button(t("pay.guest_card_pay"), id="gc-pay", variant="primary", compact=True)
        yield ShopFooter()

    def on_mount(self) -> None:
        self.query_one("#gc-number", Input).focus()

    def _status(self, message: str) -> None:
        self.query_one("#gc-status", Static).update(Text(message, style="red"))

    @on(Input.Submitted)
    @on(Button.Pressed, "#gc-pay")
    def _submit(self) -> None:
        number = self.query_one("#gc-number", Input).value.replace(" ", "")
        holder = self.query_one("#gc-holder", Input).value.strip()
        if not 16 <= len(number) <= 19:
            self._status(t("pay.guest_card_number"))
            self.query_one("#gc-number", Input).focus()
            return
        if not holder:
            self._status(t("pay.guest_card_holder"))
            self.query_one("#gc-holder", Input).focus()
            return
        self.pay(number, holder)

    @work(exclusive=True, group="guest-card")
    async def pay(self, number: str, holder: str) -> None:
        from kshop_tui.api.models import CardDetails

        card = CardDetails(card_number=number, holder_name=holder)
        button = self.query_one("#gc-pay", Button)
        button.disabled = True
        self._status("")

        async def pay(api: KshopClient, key: str) -> Payment:
            return await api.pay(self.order_id, "bank_card", idempotency_key=key, card=card)

        try:
            payment = await self.intent.send(
                lambda key: self.shop.run_api(lambda api: pay(api, key), needs_login=True)
            )
        except errors.ApiError as error:
            button.disabled = False
            if self.intent.pending:
                self._status(t("pay.retry_same", reason=failure_words(error)))
            elif isinstance(error, errors.ValidationFailed) and error.fields:
                self._status("; ".join(clean(words) for words in error.fields.values()))
            else:
                self.dismiss(await failed_outcome(self.shop, self.order_id, error))
            return
        self.dismiss(settled_outcome(payment))
