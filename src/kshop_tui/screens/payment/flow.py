"""`PayOrderFlow`, which pays one unpaid order from anywhere, and the "pay" route that
runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kshop_tui.api import errors
from kshop_tui.screens.payment.guest_card import GuestCardModal
from kshop_tui.screens.payment.method_picker import MethodPickerModal
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.qr import QrPaymentScreen
from kshop_tui.screens.payment.result import PaymentResultScreen
from kshop_tui.shop.flows.payment import (
    PASSWORD_METHODS,
    QR_METHODS,
    MethodOption,
    NextStep,
    PayOutcome,
    PayResult,
    load_method_options,
)
from kshop_tui.shop.session import shop_of

if TYPE_CHECKING:
    from textual.app import App


class PayOrderFlow:
    """Pays one unpaid order: method choice (unless given) → password or QR code →
    result screen, again with another method while the user asks for it.

    Call `await PayOrderFlow(app, order_id, total_fen).run(choice=None)` from a worker
    (it waits on pushed screens). It answers a `PayResult`; the caller then leaves or
    stays, and goes where `result.next` asks.
    """

    def __init__(self, app: App[Any], order_id: int, total_fen: int) -> None:
        self.app = app
        self.shop = shop_of(app)
        self.order_id = order_id
        self.total_fen = total_fen

    async def run(self, choice: MethodOption | None = None) -> PayResult:
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
        """One attempt with `choice`; None when the user backed out of it. Every method
        is a QR code or needs the payment password (pay-later too: docs/api.md §7.5); a
        guest types its card instead (§7.4)."""
        if choice.method in QR_METHODS:
            outcome: PayOutcome | None = await self.app.push_screen_wait(
                QrPaymentScreen(self.order_id, choice, self.total_fen)
            )
            return outcome
        if choice.method == "bank_card" and self.shop.user is not None and self.shop.user.guest:
            outcome = await self.app.push_screen_wait(
                GuestCardModal(self.order_id, choice, self.total_fen)
            )
            return outcome
        assert choice.method in PASSWORD_METHODS
        outcome = await self.app.push_screen_wait(
            PaymentPasswordModal(self.order_id, choice, self.total_fen)
        )
        return outcome


async def pay_order(
    app: App[Any], order_id: int, total_fen: int, choice: MethodOption | None = None
) -> PayResult:
    """The "pay" route: `PayOrderFlow` for one unpaid order, with `choice` already made
    (the checkout's) or asked for."""
    return await PayOrderFlow(app, order_id, total_fen).run(choice)
