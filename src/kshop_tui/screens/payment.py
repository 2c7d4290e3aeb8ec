"""Paying an order: the payment methods and why some are unavailable, the masked 6-digit
payment password, the QR code for Alipay/WeChat Pay (drawn, counted down, polled), the
result, and `PayOrderFlow`, which runs those steps for an order from anywhere.

Money rules: every payment attempt has one Idempotency-Key, reused when that attempt is
retried after no answer; an order that is no longer unpaid when we try again is looked
up rather than paid twice; a failure leaves the order payable.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal, ShopScreen
from kshop_tui.shop.flows.payment import NextStep, PayOutcome, PayResult
from kshop_tui.shop.session import shop_of
from kshop_tui.text import CHINA_TZ, clean, local_time, money, parse_time
from kshop_tui.widgets.qr import QrCode

if TYPE_CHECKING:
    from textual.app import App

    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Order, Payment, PaymentMethod, Wallet
    from kshop_tui.shop.session import ShopSession

POLL_SECONDS = 2.0
PASSWORD_LENGTH = 6
PASSWORD_METHODS = ("balance", "bank_card")
QR_METHODS = ("alipay", "wechat_pay")
METHOD_ORDER: tuple[PaymentMethod, ...] = ("alipay", "wechat_pay", "bank_card", "balance", "bnpl")
PAID_STATES = ("awaiting_shipment", "shipped", "completed")


# --- methods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodOption:
    """One way to pay, and why not when it is unavailable."""

    method: PaymentMethod
    label: str
    detail: str = ""
    available: bool = True
    reason: str = ""
    bank_card_id: int | None = None

    @property
    def key(self) -> str:
        """Tells two cards apart: `bank_card:3`."""
        return f"{self.method}:{self.bank_card_id}" if self.bank_card_id else self.method

    def text(self) -> Text:
        text = Text(self.label, style="" if self.available else "dim")
        if self.detail:
            text.append("  " + self.detail, style="dim" if not self.available else "")
        if not self.available and self.reason:
            text.append("  — " + self.reason, style="dim italic")
        return text


def method_options(
    wallet: Wallet, has_payment_password: bool, total_fen: int
) -> list[MethodOption]:
    """Every method in the shop's order, with what the wallet says about each."""
    no_password = t("pay.reason.no_password")
    options: list[MethodOption] = []
    for method in METHOD_ORDER:
        label = t(f"pay.method.{method}")
        if method in QR_METHODS:
            options.append(MethodOption(method, label))
        elif method == "bank_card":
            if not wallet.bank_cards:
                options.append(
                    MethodOption(method, label, available=False, reason=t("pay.reason.no_card"))
                )
            for card in wallet.bank_cards:
                options.append(
                    MethodOption(
                        method,
                        label,
                        detail=f"{card.bank} ••{card.last4}",
                        available=has_payment_password,
                        reason=no_password,
                        bank_card_id=card.id,
                    )
                )
        elif method == "balance":
            enough = wallet.balance_fen >= total_fen
            options.append(
                MethodOption(
                    method,
                    label,
                    detail=money(wallet.balance_fen),
                    available=enough and has_payment_password,
                    reason=t("pay.reason.not_enough") if not enough else no_password,
                )
            )
        else:
            bnpl = wallet.bnpl
            if not bnpl.enabled:
                reason = t("pay.reason.bnpl_off")
            elif bnpl.available_fen < total_fen:
                reason = t("pay.reason.bnpl_short")
            else:
                reason = ""
            options.append(
                MethodOption(
                    method,
                    label,
                    detail=t("pay.bnpl_limit", amount=money(bnpl.available_fen)),
                    available=not reason,
                    reason=reason,
                )
            )
    return options


def preferred(options: list[MethodOption]) -> MethodOption | None:
    """The method offered first: the balance when it covers the order, else the first
    available one."""
    available = [option for option in options if option.available]
    balance = next((option for option in available if option.method == "balance"), None)
    return balance or (available[0] if available else None)


async def load_method_options(shop: ShopSession, total_fen: int) -> list[MethodOption]:
    """The wallet's view of every method for an order of `total_fen` (raises ApiError)."""
    wallet = await shop.run_api(lambda api: api.wallet(), needs_login=True)
    user = shop.user
    return method_options(wallet, user is not None and user.has_payment_password, total_fen)


# --- outcomes --------------------------------------------------------------------------


def failure_words(error: Exception) -> str:
    from kshop_tui.api import errors

    if isinstance(error, errors.BackendUnreachable):
        return t("pay.unreachable")
    if isinstance(error, errors.ApiError):
        return clean(error.message)
    return str(error)


def reason_words(reason: str | None) -> str:
    """A payment's `failure_reason` code in the user's words."""
    if not reason:
        return t("pay.reason.declined")
    key = f"pay.reason.{reason}"
    words = t(key)
    return reason if words == key else words


async def look_up_order(shop: ShopSession, order_id: int) -> PayOutcome | None:
    """After a refusal that may mean an earlier attempt went through (the order is no
    longer unpaid, or the key was used): the order's own state decides. None while it
    is still unpaid."""
    from kshop_tui.api import errors

    try:
        order = await shop.run_api(lambda api: api.order(order_id), needs_login=True)
    except errors.ApiError as error:
        return PayOutcome(paid=False, failure=failure_words(error))
    if order.status in PAID_STATES:
        return PayOutcome(paid=True)
    if order.status == "cancelled":
        return PayOutcome(paid=False, failure=t("pay.order_cancelled"))
    return None


def _maybe_already_paid(error: Exception) -> bool:
    from kshop_tui.api import errors

    return isinstance(error, errors.Conflict) or (
        isinstance(error, errors.ValidationFailed) and error.code == "IDEMPOTENCY_KEY_REUSED"
    )


def _retry_same_key(error: Exception) -> bool:
    """No answer, or the same request still running: the attempt may yet land, so a
    retry must carry the same key."""
    from kshop_tui.api import errors

    return isinstance(error, errors.BackendUnreachable | errors.ServerError) or (
        isinstance(error, errors.Conflict) and error.code == "IDEMPOTENCY_IN_FLIGHT"
    )


# --- choosing a method -----------------------------------------------------------------


class MethodPickerModal(ShopModal):
    """Dismisses with the chosen `MethodOption`; unavailable ones cannot be chosen."""

    CSS_PATH = "payment.tcss"

    def __init__(self, options: list[MethodOption], total_fen: int) -> None:
        super().__init__()
        self.options = options
        self.total_fen = total_fen

    def compose(self) -> ComposeResult:
        with Vertical(id="pm-dialog", classes="pay-dialog") as dialog:
            dialog.border_title = t("pay.choose_title", amount=money(self.total_fen))
            yield OptionList(
                *(
                    Option(option.text(), id=option.key, disabled=not option.available)
                    for option in self.options
                ),
                id="pm-list",
            )
        yield Footer()

    def on_mount(self) -> None:
        first = preferred(self.options)
        options = self.query_one(OptionList)
        if first is not None:
            options.highlighted = self.options.index(first)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = next((o for o in self.options if o.key == event.option.id), None)
        if chosen is not None and chosen.available:
            self.dismiss(chosen)


# --- the payment password --------------------------------------------------------------


class PaymentPasswordModal(ShopModal):
    """Asks for the 6-digit payment password and pays with it. Stays open on a wrong
    password (saying how many attempts are left) and on a lockout (saying when it ends);
    dismisses with a `PayOutcome` once the payment is decided, None when the user backs
    out before anything was decided."""

    CSS_PATH = "payment.tcss"

    def __init__(
        self,
        order_id: int,
        choice: MethodOption,
        amount_fen: int,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        super().__init__()
        self.order_id = order_id
        self.choice = choice
        self.amount_fen = amount_fen
        # A key whose request got no answer; a retry with the same password reuses it.
        self.pending_key = idempotency_key
        self._pending_password: str | None = None
        self._paying = False
        self.locked_words = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="pw-dialog", classes="pay-dialog") as dialog:
            dialog.border_title = t("pay.password_title")
            yield Static(self._what(), id="pw-what")
            yield Input(
                password=True,
                restrict=r"[0-9]*",
                max_length=PASSWORD_LENGTH,
                placeholder=t("pay.password_placeholder"),
                id="pw-input",
                compact=True,
            )
            yield Static(id="pw-status", markup=False)
        yield Footer()

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
        from kshop_tui.api import errors
        from kshop_tui.api.intent import new_intent_key

        field = self.query_one(Input)
        if self.pending_key is None or password != self._pending_password:
            self.pending_key = new_intent_key()
        key = self.pending_key
        self._pending_password = password
        field.disabled = True
        self._status(t("pay.paying"), problem=False)
        choice = self.choice

        async def pay(api: KshopClient) -> Payment:
            return await api.pay(
                self.order_id,
                choice.method,
                password,
                choice.bank_card_id,
                idempotency_key=key,
            )

        try:
            payment = await self.shop.run_api(pay, needs_login=True)
        except errors.ApiError as error:
            field.disabled = False
            if _retry_same_key(error):
                self._status(t("pay.retry_same", reason=failure_words(error)))
                field.focus()
                return
            self.pending_key = None
            await self._refused(error)
            return
        self.pending_key = None
        if payment.status == "succeeded":
            self.dismiss(PayOutcome(paid=True))
        else:
            self.dismiss(PayOutcome(paid=False, failure=reason_words(payment.failure_reason)))

    async def _refused(self, error: Exception) -> None:
        from kshop_tui.api import errors

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
        elif isinstance(error, errors.InsufficientFunds):
            self.dismiss(PayOutcome(paid=False, failure=clean(error.message), insufficient=True))
        elif _maybe_already_paid(error):
            outcome = await look_up_order(self.shop, self.order_id)
            self.dismiss(outcome or PayOutcome(paid=False, failure=failure_words(error)))
        elif isinstance(error, errors.ValidationFailed):
            field.value = ""
            field.focus()
            self._status(failure_words(error))
        else:
            self.dismiss(PayOutcome(paid=False, failure=failure_words(error)))


# --- the QR code -----------------------------------------------------------------------


class QrPaymentScreen(ShopScreen):
    """Alipay / WeChat Pay: starts the payment, draws its QR code with the amount and a
    countdown, and polls it every 2 s. Dismisses with a `PayOutcome`, or None when the
    user leaves (the order stays unpaid; a code scanned later still pays it)."""

    CSS_PATH = "payment.tcss"
    BINDINGS = [Binding("r", "retry", "pay.key.retry", id="qr_pay.retry", show=False)]

    def __init__(self, order_id: int, choice: MethodOption, amount_fen: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.choice = choice
        self.amount_fen = amount_fen
        self.payment: Payment | None = None
        self.pending_key: str | None = None
        self._deadline = 0.0
        self._finished = False

    def where(self) -> str:
        return t("pay.qr_where", method=self.choice.label)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="qr-pay-body"):
            with Vertical(id="qr-pay-code"):
                yield LoadingIndicator(id="qr-pay-loading")
                yield QrCode(id="qr-pay")
            with Vertical(id="qr-pay-side"):
                yield Static(id="qr-pay-title")
                yield Static(id="qr-pay-amount")
                yield Static(id="qr-pay-expiry")
                yield Static(id="qr-pay-status", markup=False)
                yield Static(id="qr-pay-demo", classes="muted", markup=False)

    def on_mount(self) -> None:
        title = Text(t("pay.qr_scan", method=self.choice.label), style="bold")
        self.query_one("#qr-pay-title", Static).update(title)
        self.query_one("#qr-pay-amount", Static).update(
            Text(money(self.amount_fen), style="bold yellow")
        )
        self.set_interval(1.0, self._tick)
        self.start()

    def action_back(self) -> None:
        self._finished = True
        self.dismiss(None)

    def action_retry(self) -> None:
        if self.payment is None and not self._finished:
            self.start()

    def _status(self, message: str, *, problem: bool = False) -> None:
        status = self.query_one("#qr-pay-status", Static)
        status.update(Text(message))
        status.set_class(problem, "-problem")

    @work(exclusive=True, group="qr-pay-start")
    async def start(self) -> None:
        from kshop_tui.api import errors
        from kshop_tui.api.intent import new_intent_key

        self.pending_key = self.pending_key or new_intent_key()
        key = self.pending_key
        method = self.choice.method
        self._status(t("pay.qr_starting"))
        try:
            payment = await self.shop.run_api(
                lambda api: api.pay(self.order_id, method, idempotency_key=key),
                needs_login=True,
            )
        except errors.ApiError as error:
            self.query_one("#qr-pay-loading").display = False
            if _retry_same_key(error):
                self._status(t("pay.qr_start_retry", reason=failure_words(error)), problem=True)
                return
            self.pending_key = None
            outcome: PayOutcome | None = None
            if _maybe_already_paid(error):
                outcome = await look_up_order(self.shop, self.order_id)
            self._finish(outcome or PayOutcome(paid=False, failure=failure_words(error)))
            return
        self.pending_key = None
        self.payment = payment
        self.query_one("#qr-pay-loading").display = False
        self.query_one(QrCode).payload = payment.qr_payload or ""
        self._deadline = (
            parse_time(payment.expires_at).timestamp()
            if payment.expires_at
            else self.shop.clock.now()
        )
        self._tick()
        self._status(t("pay.qr_waiting"))
        backend = self.shop.backend
        if backend is not None and backend.simulated:
            self.query_one("#qr-pay-demo", Static).update(Text(t("pay.qr_demo")))
        if payment.status != "pending":
            self._settled(payment)
            return
        self.poll()

    def _tick(self) -> None:
        if self.payment is None or self._finished:
            return
        left = max(0, math.ceil(self.shop.clock.seconds_until(self._deadline)))
        minutes, seconds = divmod(left, 60)
        self.query_one("#qr-pay-expiry", Static).update(
            Text(t("pay.qr_expires_in", time=f"{minutes}:{seconds:02d}"), style="dim")
        )
        if left == 0:
            self._finish(PayOutcome(paid=False, failure=reason_words("expired")))

    @work(exclusive=True, group="qr-pay-poll")
    async def poll(self) -> None:
        """Asks every POLL_SECONDS until the payment is decided or the screen is left."""
        from kshop_tui.api import errors

        payment = self.payment
        while payment is not None and not self._finished:
            await asyncio.sleep(POLL_SECONDS)
            try:
                current = await self.shop.run_api(lambda api: api.payment(payment.id))
            except errors.BackendUnreachable:
                self._status(t("pay.qr_server_quiet"), problem=True)
                continue
            except errors.ApiError as error:
                self._status(failure_words(error), problem=True)
                continue
            if current.status != "pending":
                self._settled(current)
                return
            self._status(t("pay.qr_waiting"))

    def _settled(self, payment: Payment) -> None:
        if payment.status == "succeeded":
            self._finish(PayOutcome(paid=True))
        else:
            self._finish(PayOutcome(paid=False, failure=reason_words(payment.failure_reason)))

    def _finish(self, outcome: PayOutcome) -> None:
        if self._finished:
            return
        self._finished = True
        self.query_one(QrCode).faded = True
        self.dismiss(outcome)


# --- the result ------------------------------------------------------------------------


class PaymentResultScreen(ShopScreen):
    """Paid: the order number and what happens next. Not paid: why, and that the order
    is kept and still payable. Dismisses with where to go next (`NextStep`)."""

    CSS_PATH = "payment.tcss"
    BINDINGS = [
        Binding("enter", "next('detail')", "pay.key.order_detail", id="pay_result.detail"),
        Binding("m", "next('another')", "pay.key.another_method", id="pay_result.another"),
        Binding("b", "next('browse')", "pay.key.browse", id="pay_result.browse"),
    ]

    def __init__(self, order_id: int, choice: MethodOption, outcome: PayOutcome) -> None:
        super().__init__()
        self.order_id = order_id
        self.choice = choice
        self.outcome = outcome
        self.order: Order | None = None

    def where(self) -> str:
        return t("pay.result_where")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="result-body"), Vertical(id="result-card"):
            yield Static(id="result-headline")
            yield Static(id="result-detail", markup=False)
            yield Static(id="result-next", markup=False)

    def on_mount(self) -> None:
        card = self.query_one("#result-card")
        card.set_class(self.outcome.paid, "-paid")
        card.set_class(not self.outcome.paid, "-failed")
        self._show()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next" and parameters == ("another",):
            return not self.outcome.paid
        return True

    def action_next(self, step: str) -> None:
        self.dismiss(step)

    def action_back(self) -> None:
        self.dismiss("back")

    @work(exclusive=True, group="result-order")
    async def load(self) -> None:
        from kshop_tui.api import errors

        try:
            self.order = await self.shop.run_api(
                lambda api: api.order(self.order_id), needs_login=True
            )
        except errors.ApiError:
            return  # the headline already says what matters; the details are extras
        self._show()

    def _show(self) -> None:
        order = self.order
        headline = Text()
        if self.outcome.paid:
            headline.append("✓ " + t("pay.result_paid"), style="bold green")
        else:
            headline.append("✗ " + t("pay.result_failed"), style="bold red")
        self.query_one("#result-headline", Static).update(headline)
        detail = Text()
        if order is not None:
            detail.append(t("pay.result_order", order_no=order.order_no) + "\n")
            detail.append(money(order.total_fen), style="bold yellow")
            detail.append("  " + self.choice.label)
            if self.choice.bank_card_id is not None:
                # The card's number, not the balance as it was before paying.
                detail.append(" " + self.choice.detail, style="dim")
        if not self.outcome.paid:
            detail.append("\n" + t("pay.result_why", reason=self.outcome.failure), style="red")
        self.query_one("#result-detail", Static).update(detail)
        self.query_one("#result-next", Static).update(self._what_next(order))

    def _what_next(self, order: Order | None) -> Text:
        text = Text()
        if not self.outcome.paid:
            if order is not None and order.auto_cancel_at:
                text.append(t("pay.kept_until", time=local_time(order.auto_cancel_at, "%H:%M")))
            else:
                text.append(t("pay.kept"))
            if self.outcome.insufficient:
                text.append("\n" + t("pay.insufficient_hint"))
            text.append("\n\n" + t("pay.result_failed_keys"), style="dim")
            return text
        if self.choice.method == "bnpl":
            text.append(t("pay.next_bnpl"))
        else:
            text.append(t("pay.next_ship"))
        if order is not None and order.estimated_delivery is not None:
            window = order.estimated_delivery
            text.append(
                "\n" + t("pay.next_arrives", earliest=window.earliest, latest=window.latest)
            )
        text.append("\n" + t("pay.next_orders"))
        text.append("\n\n" + t("pay.result_paid_keys"), style="dim")
        return text


# --- the whole flow --------------------------------------------------------------------


class PayOrderFlow:
    """Pays one unpaid order: method choice (unless given) → password or QR code or
    pay-later → result screen, again with another method while the user asks for it.

    Call `await PayOrderFlow(app, order_id, total_fen).run(choice=None)` from a worker
    (it waits on pushed screens). It answers a `PayResult`; the caller then leaves or
    stays, and may `await open_next_step(app, result.next, order_id)`.
    """

    def __init__(self, app: App[Any], order_id: int, total_fen: int) -> None:
        self.app = app
        self.shop = shop_of(app)
        self.order_id = order_id
        self.total_fen = total_fen
        # Pay-later keys of attempts that got no answer, reused when the user retries.
        self._unanswered_key: str | None = None

    async def run(self, choice: MethodOption | None = None) -> PayResult:
        from kshop_tui.api import errors

        while True:
            if choice is None:
                try:
                    options = await load_method_options(self.shop, self.total_fen)
                except errors.ApiError as error:
                    self.shop.show_error(error)
                    return PayResult(paid=False, next="back")
                choice = await self.app.push_screen_wait(MethodPickerModal(options, self.total_fen))
                if choice is None:
                    return PayResult(paid=False, next="back")
            outcome = await self.pay_once(choice)
            if outcome is None:
                return PayResult(paid=False, next="back")
            if outcome.paid:
                await self.shop.refresh_cart_count()
            step: NextStep = await self.app.push_screen_wait(
                PaymentResultScreen(self.order_id, choice, outcome)
            )
            if step != "another":
                return PayResult(paid=outcome.paid, next=step)
            choice = None

    async def pay_once(self, choice: MethodOption) -> PayOutcome | None:
        """One attempt with `choice`; None when the user backed out of it."""
        if choice.method in PASSWORD_METHODS:
            outcome: PayOutcome | None = await self.app.push_screen_wait(
                PaymentPasswordModal(self.order_id, choice, self.total_fen)
            )
            return outcome
        if choice.method in QR_METHODS:
            outcome = await self.app.push_screen_wait(
                QrPaymentScreen(self.order_id, choice, self.total_fen)
            )
            return outcome
        return await self._pay_directly(choice)

    async def _pay_directly(self, choice: MethodOption) -> PayOutcome:
        from kshop_tui.api import errors
        from kshop_tui.api.intent import new_intent_key

        key = self._unanswered_key or new_intent_key()
        self._unanswered_key = key
        try:
            payment = await self.shop.run_api(
                lambda api: api.pay(self.order_id, choice.method, idempotency_key=key),
                needs_login=True,
            )
        except errors.ApiError as error:
            if not _retry_same_key(error):
                self._unanswered_key = None
            if _maybe_already_paid(error):
                outcome = await look_up_order(self.shop, self.order_id)
                if outcome is not None:
                    return outcome
            return PayOutcome(
                paid=False,
                failure=failure_words(error),
                insufficient=isinstance(error, errors.InsufficientFunds),
            )
        self._unanswered_key = None
        if payment.status == "succeeded":
            return PayOutcome(paid=True)
        return PayOutcome(paid=False, failure=reason_words(payment.failure_reason))


async def pay_order(
    app: App[Any], order_id: int, total_fen: int, choice: MethodOption | None = None
) -> PayResult:
    """The "pay" route: `PayOrderFlow` for one unpaid order."""
    return await PayOrderFlow(app, order_id, total_fen).run(choice)


async def open_next_step(app: App[Any], step: NextStep, order_id: int) -> None:
    """Goes where the result screen's key asked: the order's detail or browse; `back`
    stays where the caller is.

    Browse is reached later, by the app: it pops the screen whose worker called this, and
    Textual cancels that worker while it awaits the pop, which would cancel the pop itself
    and, with it, the app's own message loop (the app quits without a word)."""
    if step == "browse":
        app.call_later(app.run_action, "browse")
    elif step == "detail":
        from kshop_tui.screens.orders.detail import OrderDetailScreen

        await app.push_screen(OrderDetailScreen(order_id))
