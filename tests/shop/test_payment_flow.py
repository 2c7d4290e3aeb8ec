"""The payment rules without a screen: which methods a wallet allows, the one offered
first, how a failure reads, and what "maybe already paid" and "no answer" lead to."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kshop_tui.api import errors
from kshop_tui.api.models import Wallet
from kshop_tui.i18n import t
from kshop_tui.shop.flows.payment import (
    MethodOption,
    PayOutcome,
    failed_outcome,
    failure_words,
    load_method_options,
    look_up_order,
    maybe_already_paid,
    method_options,
    preferred,
    reason_words,
    settled_outcome,
)
from tests.shop.fakes import FakeApi, FakeShop

CARD = {"id": 7, "bank": "招商银行", "last4": "1234", "holder_name": "张三", "created_at": "x"}


def wallet(
    *, balance_fen: int = 10_000, cards: int = 1, bnpl_on: bool = True, credit_fen: int = 50_000
) -> Wallet:
    return Wallet.model_validate(
        {
            "balance_fen": balance_fen,
            "red_packet_fen": 0,
            "bank_cards": [{**CARD, "id": 7 + n, "last4": f"{1234 + n}"} for n in range(cards)],
            "bnpl": {
                "enabled": bnpl_on,
                "limit_fen": 50_000,
                "used_fen": 50_000 - credit_fen,
                "available_fen": credit_fen,
                "eligible": True,
                "missing": [],
            },
        }
    )


def by_key(options: list[MethodOption]) -> dict[str, MethodOption]:
    return {option.key: option for option in options}


# --- methods ---------------------------------------------------------------------------


def test_every_method_in_the_shops_order_each_card_its_own() -> None:
    options = method_options(wallet(cards=2), True, 5_000)
    assert [o.key for o in options] == [
        "alipay",
        "wechat_pay",
        "bank_card:7",
        "bank_card:8",
        "balance",
        "bnpl",
    ]
    assert all(o.available for o in options)
    assert by_key(options)["bank_card:8"].detail == "招商银行 ••1235"


def test_without_a_payment_password_only_qr_methods_are_available() -> None:
    """Cards, balance and pay-later all need the payment password (docs/api.md §7.5)."""
    options = by_key(method_options(wallet(), False, 5_000))
    for key in ("bank_card:7", "balance", "bnpl"):
        assert not options[key].available
        assert options[key].reason == t("pay.reason.no_password")
    assert options["alipay"].available and options["wechat_pay"].available


def test_a_balance_short_of_the_total_says_so_and_no_card_is_one_unavailable_line() -> None:
    options = by_key(method_options(wallet(balance_fen=4_999, cards=0), True, 5_000))
    assert not options["balance"].available
    assert options["balance"].reason == t("pay.reason.not_enough")
    assert not options["bank_card"].available
    assert options["bank_card"].reason == t("pay.reason.no_card")
    assert by_key(method_options(wallet(balance_fen=5_000), True, 5_000))["balance"].available


@pytest.mark.parametrize(
    ("bnpl_on", "credit_fen", "reason"),
    [(False, 50_000, "pay.reason.bnpl_off"), (True, 4_999, "pay.reason.bnpl_short")],
)
def test_pay_later_needs_it_on_and_enough_credit(
    bnpl_on: bool, credit_fen: int, reason: str
) -> None:
    bnpl = by_key(method_options(wallet(bnpl_on=bnpl_on, credit_fen=credit_fen), True, 5_000))[
        "bnpl"
    ]
    assert not bnpl.available and bnpl.reason == t(reason)


def test_the_balance_is_preferred_when_it_covers_the_order() -> None:
    chosen = preferred(method_options(wallet(), True, 5_000))
    assert chosen is not None and chosen.method == "balance"


def test_otherwise_the_first_available_method_and_none_when_nothing_is() -> None:
    chosen = preferred(method_options(wallet(balance_fen=0), True, 5_000))
    assert chosen is not None and chosen.method == "alipay"
    nothing = [MethodOption("balance", "余额", available=False)]
    assert preferred(nothing) is None


async def test_load_method_options_asks_the_wallet_and_the_user() -> None:
    shop = FakeShop(FakeApi(wallet=[wallet()]), has_payment_password=False)
    options = by_key(await load_method_options(shop, 5_000))
    assert not options["balance"].available


# --- outcomes --------------------------------------------------------------------------


def test_failure_and_reason_words() -> None:
    assert failure_words(errors.BackendUnreachable("timeout")) == t("pay.unreachable")
    assert failure_words(errors.Forbidden("密码错误")) == "密码错误"
    assert reason_words(None) == t("pay.reason.declined")
    assert reason_words("expired") == t("pay.reason.expired")
    assert reason_words("no_such_reason") == "no_such_reason"


def test_a_settled_payment_is_paid_or_says_why_not() -> None:
    assert settled_outcome(SimpleNamespace(status="succeeded")) == PayOutcome(paid=True)
    declined = settled_outcome(SimpleNamespace(status="failed", failure_reason="expired"))
    assert declined == PayOutcome(paid=False, failure=t("pay.reason.expired"))


def test_maybe_already_paid_is_a_conflict_or_a_reused_key() -> None:
    assert maybe_already_paid(errors.Conflict("not unpaid", code="INVALID_STATE"))
    assert maybe_already_paid(errors.ValidationFailed("used", code="IDEMPOTENCY_KEY_REUSED"))
    assert not maybe_already_paid(errors.ValidationFailed("bad", code="VALIDATION_FAILED"))
    assert not maybe_already_paid(errors.InsufficientFunds("short"))


@pytest.mark.parametrize(
    ("status", "paid", "failure_key"),
    [
        ("awaiting_shipment", True, None),
        ("completed", True, None),
        ("cancelled", False, "pay.order_cancelled"),
    ],
)
async def test_the_orders_state_decides_after_a_maybe_paid_refusal(
    status: str, paid: bool, failure_key: str | None
) -> None:
    # The words are looked up when the test runs: another test may have changed the language.
    shop = FakeShop(FakeApi(order=[SimpleNamespace(status=status)]))
    failure = t(failure_key) if failure_key else ""
    assert await look_up_order(shop, 1) == PayOutcome(paid=paid, failure=failure)


async def test_an_order_still_unpaid_after_a_maybe_paid_refusal_decides_nothing() -> None:
    shop = FakeShop(FakeApi(order=[SimpleNamespace(status="pending_payment")]))
    assert await look_up_order(shop, 1) is None


async def test_a_conflict_on_an_order_paid_meanwhile_is_paid() -> None:
    shop = FakeShop(FakeApi(order=[SimpleNamespace(status="shipped")]))
    error = errors.Conflict("order is not awaiting payment", code="INVALID_STATE")
    assert await failed_outcome(shop, 1, error) == PayOutcome(paid=True)


async def test_a_conflict_on_a_still_unpaid_order_stays_a_failure() -> None:
    shop = FakeShop(FakeApi(order=[SimpleNamespace(status="pending_payment")]))
    error = errors.Conflict("busy", code="INVALID_STATE")
    outcome = await failed_outcome(shop, 1, error)
    assert outcome == PayOutcome(paid=False, failure="busy")


async def test_insufficient_funds_is_said_without_looking_the_order_up() -> None:
    api = FakeApi(order=[])
    outcome = await failed_outcome(FakeShop(api), 1, errors.InsufficientFunds("余额不足"))
    assert outcome == PayOutcome(paid=False, failure="余额不足", insufficient=True)
    assert api.calls == []
