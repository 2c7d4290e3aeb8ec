"""Subscribing to a SKU (周期购), or changing a subscription: quantity, how often, the
first day, the address and how each period is paid. A new one asks for the payment
password once, which authorises every period's payment (docs/api.md §7.8).

Checked before sending, each problem by its field; a refusal from the server lands by the
field it is about, and the form keeps what was typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioSet, Static

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.api.intent import Intent
from kshop_tui.i18n import t
from kshop_tui.screen_base import FormModal
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.subscriptions import (
    EVERY,
    MAX_QTY,
    Refused,
    SubscribeTarget,
    china_today,
    every_words,
    method_words,
    password_refusal,
    qty_problem,
    refused_field,
    starts_on_problem,
)
from kshop_tui.text import money
from kshop_tui.widgets.address_card import address_text
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import RadioButton

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Address, Subscription, SubscriptionDetail, Wallet


@dataclass(frozen=True)
class PayChoice:
    method: str
    bank_card_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.method}:{self.bank_card_id or ''}"


class SubscriptionFormModal(FormModal):
    """`SubscriptionFormModal(target=…)` subscribes; `SubscriptionFormModal(subscription=…)`
    edits one (quantity, how often, address). Dismisses with the subscription as the
    server answered it, or None when left."""

    DEFAULT_CLASSES = "sf-modal"
    CSS_PATH = "subscription_form.tcss"
    GENERAL_ID = "sf-general"
    FIELD_INPUTS = {
        "qty": "sf-qty",
        "every": "sf-every",
        "starts_on": "sf-starts",
        "address_id": "sf-address",
        "payment_method": "sf-pay",
        "bank_card_id": "sf-pay",
    }

    def __init__(
        self,
        target: SubscribeTarget | None = None,
        *,
        subscription: Subscription | None = None,
    ) -> None:
        super().__init__()
        assert (target is None) != (subscription is None)
        self.target = target
        self.subscription = subscription
        self.addresses: list[Address] = []
        self.address: Address | None = None
        self.pay_choices: list[PayChoice] = []
        self.has_payment_password = True
        self.intent = Intent()
        self.loaded = False

    @property
    def editing(self) -> bool:
        return self.subscription is not None

    # --- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="sf-dialog") as dialog:
            dialog.border_title = self._title()
            yield Static(self._what(), id="sf-what")
            with Horizontal(classes="sf-field"):
                yield Label(t("subs.field.qty"), classes="sf-label")
                yield TextBox(
                    value=str(self._start_qty()),
                    id="sf-qty",
                    max_length=2,
                    restrict=r"[0-9]*",
                    compact=True,
                )
            yield Static(id="sf-qty-hint", classes="sf-hint")
            with Horizontal(classes="sf-field"):
                yield Label(t("subs.field.every"), classes="sf-label")
                every = self.subscription.every if self.subscription else "week"
                with RadioSet(id="sf-every", compact=True):
                    for choice in EVERY:
                        yield RadioButton(every_words(choice), value=choice == every, name=choice)
            yield Static(id="sf-every-hint", classes="sf-hint")
            with Horizontal(classes="sf-field", id="sf-starts-row"):
                yield Label(t("subs.field.starts"), classes="sf-label")
                yield TextBox(
                    placeholder="YYYY-MM-DD",
                    id="sf-starts",
                    max_length=10,
                    restrict=r"[0-9-]*",
                    compact=True,
                )
            yield Static(id="sf-starts-hint", classes="sf-hint")
            with Horizontal(classes="sf-field"):
                yield Label(t("subs.field.address"), classes="sf-label")
                yield Static(Text(t("browse.loading"), style="dim"), id="sf-address-text")
                yield Button(t("subs.change"), id="sf-address", compact=True)
            yield Static(id="sf-address-hint", classes="sf-hint")
            with Horizontal(classes="sf-field", id="sf-pay-row"):
                yield Label(t("subs.field.pay"), classes="sf-label")
                yield RadioSet(id="sf-pay", compact=True)
            yield Static(id="sf-pay-hint", classes="sf-hint")
            yield Static(id="sf-general")
            with Horizontal(classes="sf-actions"):
                yield Button(
                    t("subs.save") if self.editing else t("subs.subscribe"),
                    id="sf-submit",
                    variant="primary",
                    compact=True,
                )
                yield Button(t("wallet.cancel"), id="sf-cancel", compact=True)

    def _title(self) -> str:
        if self.subscription is not None:
            return t("subs.edit_title", id=self.subscription.id)
        return t("subs.new_title")

    def _what(self) -> Text:
        if self.target is not None:
            name, specs, price = self.target.product_name, self.target.specs, self.target.price_fen
        else:
            assert self.subscription is not None
            name = self.subscription.product_name
            specs = "/".join(self.subscription.specs.values())
            price = self.subscription.price_fen
        text = Text(name, style="bold")
        if specs:
            text.append(" · " + specs, style="dim")
        text.append("  " + t("subs.each", price=money(price)))
        return text

    def _start_qty(self) -> int:
        if self.subscription is not None:
            return self.subscription.qty
        assert self.target is not None
        return max(1, min(self.target.qty, MAX_QTY))

    def show_general(self, message: str) -> None:
        # No blank line while there is nothing to say: the form fits 24 rows.
        super().show_general(message)
        self.query_one(f"#{self.GENERAL_ID}").display = bool(message)

    def on_mount(self) -> None:
        self.show_general("")
        editing = self.editing
        self.query_one("#sf-starts-row").display = not editing
        self.query_one("#sf-starts-hint").display = not editing
        self.query_one("#sf-pay-row").display = not editing
        self.query_one("#sf-pay-hint").display = not editing
        if not editing:
            today = china_today(self.shop.clock.now())
            self.query_one("#sf-starts", Input).value = today.isoformat()
            self.show_hint("sf-starts", t("subs.starts_hint"), "")
        self.query_one("#sf-qty", Input).focus()
        self.load()

    # --- loading the address book and the wallet ----------------------------------------

    @work(exclusive=True, group="subscription-form-load")
    async def load(self) -> None:
        async def fetch(api: KshopClient) -> tuple[list[Address], Wallet | None]:
            wallet = None if self.editing else await api.wallet()
            return await api.addresses(), wallet

        loaded = await self.shop.attempt(
            fetch,
            needs_login=True,
            on_refusal=lambda error: self.show_general(error_words(error)),
            on_login_cancelled=lambda: self.dismiss(None),
        )
        if loaded is None:
            return
        addresses, wallet = loaded
        self.addresses = addresses
        wanted = self.subscription.address_id if self.subscription else None
        self.address = next((a for a in addresses if a.id == wanted), None) or next(
            (a for a in addresses if a.is_default), addresses[0] if addresses else None
        )
        self._show_address()
        if wallet is not None:
            user = self.shop.user
            self.has_payment_password = user is not None and user.has_payment_password
            await self._fill_pay(wallet)
        self.loaded = True

    def _show_address(self) -> None:
        shown = self.query_one("#sf-address-text", Static)
        if self.address is None:
            shown.update(Text(t("subs.no_address"), style="dim"))
        else:
            shown.update(address_text(self.address))

    async def _fill_pay(self, wallet: Wallet) -> None:
        choices = [PayChoice("balance")]
        choices += [PayChoice("bank_card", card.id) for card in wallet.bank_cards]
        if wallet.bnpl.enabled:
            choices.append(PayChoice("bnpl"))
        self.pay_choices = choices
        buttons = []
        for index, choice in enumerate(choices):
            label = method_words(choice.method)
            if choice.method == "balance":
                label += f" {money(wallet.balance_fen)}"
            card = next((c for c in wallet.bank_cards if c.id == choice.bank_card_id), None)
            if card is not None:
                label = f"{card.bank} ••{card.last4}"
            buttons.append(RadioButton(Text(label), value=index == 0, name=choice.key))
        # A RadioSet learns its buttons when it mounts: a new set, not new buttons.
        old = self.query_one("#sf-pay", RadioSet)
        await old.remove()
        await self.query_one("#sf-pay-row", Horizontal).mount(
            RadioSet(*buttons, id="sf-pay", compact=True)
        )
        if not self.has_payment_password:
            self.show_hint("sf-pay", t("subs.problem.no_payment_password"), "-error")

    # --- what was chosen -----------------------------------------------------------------

    def _every(self) -> str:
        pressed = self.query_one("#sf-every", RadioSet).pressed_button
        return str(pressed.name) if pressed is not None and pressed.name else "week"

    def _pay(self) -> PayChoice | None:
        pressed = self.query_one("#sf-pay", RadioSet).pressed_button
        if pressed is None:
            return None
        return next((c for c in self.pay_choices if c.key == pressed.name), None)

    def _stock(self) -> int | None:
        return self.target.stock if self.target is not None else None

    # --- checking ------------------------------------------------------------------------

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self.intent.forget()  # a changed form is a new intent
        if event.input.id == "sf-qty":
            self._check_qty(loud=False)
        elif event.input.id == "sf-starts":
            self._check_starts(loud=False)

    @on(RadioSet.Changed)
    def _chose(self, event: RadioSet.Changed) -> None:
        self.intent.forget()
        if event.radio_set.id == "sf-pay" and self.has_payment_password:
            self.show_hint("sf-pay", "", "")

    def _check_qty(self, *, loud: bool) -> bool:
        problem = qty_problem(self.query_one("#sf-qty", Input).value, self._stock())
        if problem is None:
            self.show_hint("sf-qty", "", "")
        else:
            words = t(problem, max=MAX_QTY, stock=self._stock() or 0)
            self.show_hint("sf-qty", words, "-error" if loud else "")
        return problem is not None

    def _check_starts(self, *, loud: bool) -> bool:
        if self.editing:
            return False
        today = china_today(self.shop.clock.now())
        problem = starts_on_problem(self.query_one("#sf-starts", Input).value, today)
        if problem is None:
            self.show_hint("sf-starts", t("subs.starts_hint"), "")
        else:
            words = t(problem, today=today.isoformat())
            self.show_hint("sf-starts", words, "-error" if loud else "")
        return problem is not None

    def _check_address(self) -> bool:
        if self.address is None:
            self.show_hint("sf-address", t("subs.problem.address"), "-error")
            return True
        self.show_hint("sf-address", "", "")
        return False

    def _check_pay(self) -> bool:
        if self.editing:
            return False
        if not self.has_payment_password:
            self.show_hint("sf-pay", t("subs.problem.no_payment_password"), "-error")
            return True
        if self._pay() is None:
            self.show_hint("sf-pay", t("subs.problem.pay"), "-error")
            return True
        return False

    # --- sending -------------------------------------------------------------------------

    @on(Button.Pressed, "#sf-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#sf-address")
    def _address_pressed(self) -> None:
        if self.loaded:
            self.choose_address()

    @work(exclusive=True, group="subscription-form-address")
    async def choose_address(self) -> None:
        chosen: Address | None
        if not self.addresses:
            chosen = await self.open_for_result("address_form", None)
        else:
            current = self.address.id if self.address is not None else None
            chosen = await self.open_for_result("address_book", current)
        # The book may have changed (added, edited, deleted) whatever was picked.
        addresses = await self.shop.attempt(lambda api: api.addresses(), needs_login=True)
        if addresses is None:
            return
        self.addresses = addresses
        wanted = chosen.id if chosen is not None else (self.address.id if self.address else None)
        self.address = next((a for a in addresses if a.id == wanted), None) or next(
            (a for a in addresses if a.is_default), None
        )
        self.intent.forget()
        self._show_address()
        if self.address is not None:
            self.show_hint("sf-address", "", "")

    @on(Input.Submitted)
    @on(Button.Pressed, "#sf-submit")
    def _submit(self) -> None:
        if not self.loaded:
            return
        self.show_general("")
        problems = [
            field
            for field, problem in (
                ("#sf-qty", self._check_qty(loud=True)),
                ("#sf-starts", self._check_starts(loud=True)),
                ("#sf-address", self._check_address()),
                ("#sf-pay", self._check_pay()),
            )
            if problem
        ]
        if problems:
            self.query_one(problems[0]).focus()
            return
        if self.editing:
            self.save_changes()
        else:
            self._ask_password()

    def _ask_password(self) -> None:
        target, address, pay = self.target, self.address, self._pay()
        assert target is not None and address is not None and pay is not None
        qty = int(self.query_one("#sf-qty", Input).value)
        every = self._every()
        starts_on = self.query_one("#sf-starts", Input).value.strip()

        async def subscribe_with(password: str) -> SubscriptionDetail | Refused:
            try:
                made: SubscriptionDetail = await self.intent.send(
                    lambda key: self.shop.run_api(
                        lambda api: api.create_subscription(
                            sku_id=target.sku_id,
                            qty=qty,
                            address_id=address.id,
                            payment_method=pay.method,  # type: ignore[arg-type]
                            bank_card_id=pay.bank_card_id,
                            every=every,  # type: ignore[arg-type]
                            starts_on=starts_on,
                            payment_password=password,
                            idempotency_key=key,
                        ),
                        needs_login=True,
                    )
                )
            except errors.ApiError as error:
                if password_refusal(error):
                    raise  # the password dialog says so and asks again
                return Refused(error)
            return made

        question = t(
            "subs.confirm",
            qty=qty,
            name=target.product_name,
            every=every_words(every).lower(),
            day=starts_on,
            price=money(target.price_fen * qty),
            method=method_words(pay.method),
        )
        self.app.push_screen(
            SecretPromptModal(
                question,
                kind="payment",
                confirm_label=t("subs.subscribe"),
                attempt=subscribe_with,
            ),
            self._answered,
        )

    def _answered(self, result: SubscriptionDetail | Refused | None) -> None:
        if result is None:
            return  # backed out of the password: the form stays as it was
        if isinstance(result, Refused):
            self.show_refusal(result.error)
            return
        self.dismiss(result)

    def show_refusal(self, error: errors.ApiError) -> None:
        """A refusal by the field it is about (the server's words), else on the general
        line."""
        field_name = refused_field(error)
        input_id = self.FIELD_INPUTS.get(field_name or "")
        if input_id is not None:
            words = error_words(error, unreachable=t("backend.unreachable"))
            self.show_hint(input_id, words, "-error")
            self.query_one(f"#{input_id}").focus()
            return
        self.show_failure(error)

    @work(exclusive=True, group="subscription-form-save")
    async def save_changes(self) -> None:
        subscription, address = self.subscription, self.address
        assert subscription is not None and address is not None
        changes: dict[str, Any] = {}
        qty = int(self.query_one("#sf-qty", Input).value)
        if qty != subscription.qty:
            changes["qty"] = qty
        if self._every() != subscription.every:
            changes["every"] = self._every()
        if address.id != subscription.address_id:
            changes["address_id"] = address.id
        if not changes:
            self.show_general(t("subs.problem.nothing_changed"))
            return
        button = self.query_one("#sf-submit", Button)
        button.disabled = True
        try:
            saved = await self.shop.run_api(
                lambda api: api.edit_subscription(subscription.id, changes), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.show_refusal(error)
            return
        finally:
            button.disabled = False
        self.notify(t("subs.saved", id=subscription.id))
        self.dismiss(saved)
