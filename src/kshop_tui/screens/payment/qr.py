"""Alipay / WeChat Pay: the payment's QR code, counted down and polled."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import LoadingIndicator, Static

from kshop_tui.api import errors
from kshop_tui.api.intent import Intent
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.flows.payment import (
    MethodOption,
    PayOutcome,
    failed_outcome,
    failure_words,
    reason_words,
    settled_outcome,
)
from kshop_tui.text import money, parse_time
from kshop_tui.widgets.qr import QrCode

if TYPE_CHECKING:
    from kshop_tui.api.models import Payment

POLL_SECONDS = 2.0


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
        # Kept while starting the payment got no answer: `r` repeats that start.
        self.intent = Intent()
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
        method = self.choice.method
        self._status(t("pay.qr_starting"))
        try:
            payment = await self.intent.send(
                lambda key: self.shop.run_api(
                    lambda api: api.pay(self.order_id, method, idempotency_key=key),
                    needs_login=True,
                )
            )
        except errors.ApiError as error:
            self.query_one("#qr-pay-loading").display = False
            if self.intent.pending:
                self._status(t("pay.qr_start_retry", reason=failure_words(error)), problem=True)
                return
            self._finish(await failed_outcome(self.shop, self.order_id, error))
            return
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
            # Manual mode: nothing pays by itself; say how the demo's payment is made.
            hint = (
                t("pay.qr_demo")
                if backend.simulator_pays
                else t("pay.qr_demo_manual", payment_id=payment.id)
            )
            self.query_one("#qr-pay-demo", Static).update(Text(hint))
        if payment.status != "pending":
            self._finish(settled_outcome(payment))
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
                self._finish(settled_outcome(current))
                return
            self._status(t("pay.qr_waiting"))

    def _finish(self, outcome: PayOutcome) -> None:
        if self._finished:
            return
        self._finished = True
        self.query_one(QrCode).faded = True
        self.dismiss(outcome)
