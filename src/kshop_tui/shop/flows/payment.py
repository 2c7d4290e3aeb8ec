"""Paying an order: which methods the wallet allows, how an attempt ended, and where the
user goes next.

Money rules: every payment attempt is one `Intent` (its key reused while no answer came);
an order that is no longer unpaid when we try again is looked up rather than paid twice;
a failure leaves the order payable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import money

if TYPE_CHECKING:
    from kshop_tui.api.models import Payment, PaymentMethod, Wallet
    from kshop_tui.shop.session import ShopSession

NextStep = Literal["detail", "browse", "another", "back"]

# docs/api.md §7.5: pay-later is money leaving the user too.
PASSWORD_METHODS = ("balance", "bank_card", "bnpl")
QR_METHODS = ("alipay", "wechat_pay")
METHOD_ORDER: tuple[PaymentMethod, ...] = ("alipay", "wechat_pay", "bank_card", "balance", "bnpl")
PAID_STATES = ("awaiting_shipment", "awaiting_service", "shipped", "completed")


@dataclass(frozen=True)
class PayOutcome:
    """How one payment attempt ended: paid, or why not."""

    paid: bool
    failure: str = ""
    insufficient: bool = False


@dataclass(frozen=True)
class PayResult:
    """What the payment flow (route "pay") answers: whether the order got paid, and where
    the user asked to go from the result screen (`back` when they simply left)."""

    paid: bool
    next: NextStep


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
            elif not has_payment_password:
                reason = no_password
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


# A guest pays by QR code or with a card typed for the payment (docs/api.md §7.4).
GUEST_METHODS: tuple[PaymentMethod, ...] = ("alipay", "wechat_pay", "bank_card")


def guest_method_options() -> list[MethodOption]:
    """A guest's ways to pay: no balance, no pay-later, no bound cards."""
    return [
        MethodOption(
            method,
            t(f"pay.method.{method}"),
            detail=t("pay.guest_card_detail") if method == "bank_card" else "",
        )
        for method in GUEST_METHODS
    ]


def preferred(options: list[MethodOption]) -> MethodOption | None:
    """The method offered first: the balance when it covers the order, else the first
    available one."""
    available = [option for option in options if option.available]
    balance = next((option for option in available if option.method == "balance"), None)
    return balance or (available[0] if available else None)


async def load_method_options(shop: ShopSession, total_fen: int) -> list[MethodOption]:
    """The wallet's view of every method for an order of `total_fen` (raises ApiError);
    a guest's few without asking."""
    if shop.user is not None and shop.user.guest:
        return guest_method_options()
    wallet = await shop.run_api(lambda api: api.wallet(), needs_login=True)
    user = shop.user
    return method_options(wallet, user is not None and user.has_payment_password, total_fen)


# --- outcomes --------------------------------------------------------------------------


def failure_words(error: Exception) -> str:
    """A failed payment step in the user's words."""
    return error_words(error, unreachable=t("pay.unreachable"))


def reason_words(reason: str | None) -> str:
    """A payment's `failure_reason` code in the user's words."""
    if not reason:
        return t("pay.reason.declined")
    key = f"pay.reason.{reason}"
    words = t(key)
    return reason if words == key else words


def settled_outcome(payment: Payment) -> PayOutcome:
    """A decided payment: paid, or the reason it was declined."""
    if payment.status == "succeeded":
        return PayOutcome(paid=True)
    return PayOutcome(paid=False, failure=reason_words(payment.failure_reason))


def maybe_already_paid(error: Exception) -> bool:
    """A refusal that may mean an earlier attempt went through: the order is no longer
    unpaid, or the key was already used."""
    return isinstance(error, errors.Conflict) or (
        isinstance(error, errors.ValidationFailed) and error.code == "IDEMPOTENCY_KEY_REUSED"
    )


async def look_up_order(shop: ShopSession, order_id: int) -> PayOutcome | None:
    """After a refusal that may mean an earlier attempt went through: the order's own
    state decides. None while it is still unpaid."""
    try:
        order = await shop.run_api(lambda api: api.order(order_id), needs_login=True)
    except errors.ApiError as error:
        return PayOutcome(paid=False, failure=failure_words(error))
    if order.status in PAID_STATES:
        return PayOutcome(paid=True)
    if order.status == "cancelled":
        return PayOutcome(paid=False, failure=t("pay.order_cancelled"))
    return None


async def failed_outcome(shop: ShopSession, order_id: int, error: Exception) -> PayOutcome:
    """A payment attempt that failed. When the failure may mean the order got paid after
    all, the order's state decides; otherwise the failure is the outcome."""
    if maybe_already_paid(error):
        looked_up = await look_up_order(shop, order_id)
        if looked_up is not None:
            return looked_up
    return PayOutcome(
        paid=False,
        failure=failure_words(error),
        insufficient=isinstance(error, errors.InsufficientFunds),
    )
