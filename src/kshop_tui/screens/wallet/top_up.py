"""Topping up the balance (充值): an amount in yuan from one of the bound cards. The
amount's rules and the top-up's idempotency are `kshop_tui.shop.flows.wallet`'s."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.screens.wallet.labels import card_label
from kshop_tui.shop.flows.wallet import TOPUP_MAX_FEN, TOPUP_MIN_FEN, TopUpIntent, top_up_amount
from kshop_tui.text import clean, money
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import BankCard, TopUp


class TopUpModal(ShopModal):
    """Dismisses with the `TopUp` done, or None. A retry after a lost answer repeats the
    same top-up, so it never tops up twice."""

    DEFAULT_CLASSES = "wl-modal"
    CSS_PATH = ["../confirm.tcss", "top_up.tcss"]

    def __init__(self, cards: list[BankCard]) -> None:
        super().__init__()
        self.cards = list(cards)
        self._top_up = TopUpIntent()

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="wl-topup", classes="wl-dialog") as dialog:
            dialog.border_title = t("wallet.topup.title")
            with Horizontal(classes="wl-field"):
                yield Label(t("wallet.topup.amount"), classes="wl-label")
                yield TextBox(
                    placeholder=t("wallet.topup.amount_placeholder"),
                    id="wl-amount",
                    restrict=r"[0-9.,¥]*",
                    max_length=12,
                    compact=True,
                )
            yield Static(id="wl-amount-hint", classes="wl-hint")
            with Horizontal(classes="wl-field"):
                yield Label(t("wallet.topup.from"), classes="wl-label")
                if self.cards:
                    yield Select[int](
                        [(card_label(card), card.id) for card in self.cards],
                        id="wl-card",
                        allow_blank=False,
                        compact=True,
                    )
                else:
                    yield Static(Text(t("wallet.topup.no_card")), id="wl-no-card")
            yield Static(id="wl-card-hint", classes="wl-hint")
            yield Static(id="wl-topup-general", classes="wl-general")
            with Horizontal(classes="wl-dialog-actions"):
                yield Button(
                    t("wallet.topup.submit"),
                    id="wl-topup-submit",
                    variant="primary",
                    compact=True,
                    disabled=not self.cards,
                )
                yield Button(t("wallet.cancel"), id="wl-topup-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#wl-amount", Input).focus()

    @on(Button.Pressed, "#wl-topup-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#wl-amount")
    def _typed(self) -> None:
        self._check_amount(loud=False)

    @on(Input.Submitted, "#wl-amount")
    @on(Button.Pressed, "#wl-topup-submit")
    def _submit(self) -> None:
        amount = self._check_amount(loud=True)
        if amount is None or not self.cards:
            self.query_one("#wl-amount", Input).focus()
            return
        card = self.query_one("#wl-card", Select).value
        self.top_up(amount, card if isinstance(card, int) else None)

    def _check_amount(self, *, loud: bool) -> int | None:
        """The amount in fen when it is one we can send; shows what is wrong otherwise.
        An empty field says nothing until the user submits."""
        amount = top_up_amount(self.query_one("#wl-amount", Input).value)
        if amount.problem == "wallet.topup.required":
            self._hint("wl-amount-hint", t(amount.problem) if loud else "", loud)
        elif amount.problem is not None:
            limits = {"min": money(TOPUP_MIN_FEN), "max": money(TOPUP_MAX_FEN)}
            self._hint("wl-amount-hint", t(amount.problem, **limits), True)
        elif amount.fen is not None:
            self._hint("wl-amount-hint", "✓ " + money(amount.fen), False, ok=True)
        return amount.fen

    def _hint(self, hint_id: str, message: str, error: bool, *, ok: bool = False) -> None:
        hint = self.query_one(f"#{hint_id}", Static)
        hint.update(Text(message))
        hint.set_class(error, "-error")
        hint.set_class(ok, "-ok")

    def top_up(self, amount_fen: int, card_id: int | None) -> None:
        """Asks for the payment password, which confirms the top-up (docs/api.md §7.5), and
        tops up with it; a retry after a lost answer repeats the same top-up."""
        intent = self._top_up.of(amount_fen, card_id)

        async def top_up_with(password: str) -> TopUp:
            result: TopUp = await intent.send(
                lambda key: self.shop.run_api(
                    lambda api: api.top_up(
                        amount_fen, card_id, payment_password=password, idempotency_key=key
                    ),
                    needs_login=True,
                )
            )
            return result

        card = next((card for card in self.cards if card.id == card_id), None)
        question = t(
            "wallet.topup.confirm",
            amount=money(amount_fen),
            card=card_label(card) if card is not None else "",
        )
        self.app.push_screen(
            SecretPromptModal(
                question,
                kind="payment",
                confirm_label=t("wallet.topup.submit"),
                attempt=top_up_with,
                explain=_top_up_refusal,
            ),
            partial(self._topped_up, amount_fen),
        )

    def _topped_up(self, amount_fen: int, result: TopUp | None) -> None:
        if result is None:
            return
        self.notify(
            t("wallet.topup.done", amount=money(amount_fen), balance=money(result.balance_fen))
        )
        self.dismiss(result)


def _top_up_refusal(error: ApiError) -> str:
    from kshop_tui.api import errors

    if isinstance(error, errors.BackendUnreachable):
        return t("wallet.topup.unreachable")
    if isinstance(error, errors.ValidationFailed) and error.fields:
        return "; ".join(clean(message) for message in error.fields.values())
    return clean(error.message)
