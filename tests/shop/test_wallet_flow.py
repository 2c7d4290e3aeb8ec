"""Wallet rules without a screen: the top-up amount and its intent, card numbers, the
history's filters and paging, pay-later's steps, keys and bills."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from kshop_tui.api import errors
from kshop_tui.api.models import Bill, Bnpl
from kshop_tui.shop.flows import wallet
from kshop_tui.shop.flows.wallet import TopUpAmount, TopUpIntent


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("", TopUpAmount(problem="wallet.topup.required")),
        ("   ", TopUpAmount(problem="wallet.topup.required")),
        ("12.345", TopUpAmount(problem="wallet.topup.not_amount")),
        ("abc", TopUpAmount(problem="wallet.topup.not_amount")),
        ("0", TopUpAmount(problem="wallet.topup.range")),
        ("50000.01", TopUpAmount(problem="wallet.topup.range")),
        ("0.01", TopUpAmount(fen=1)),
        ("50000", TopUpAmount(fen=5_000_000)),
        ("¥1,234.5", TopUpAmount(fen=123_450)),
    ],
)
def test_a_top_up_is_typed_in_yuan_and_sent_in_fen_within_its_limits(
    text: str, amount: TopUpAmount
) -> None:
    assert wallet.top_up_amount(text) == amount


async def send(intent: TopUpIntent, amount: int, card: int | None, answer: Any) -> str:
    """Sends one top-up through its intent; answers the key it went with."""
    keys: list[str] = []

    async def request(key: str) -> None:
        keys.append(key)
        if isinstance(answer, Exception):
            raise answer

    with contextlib.suppress(errors.ApiError):
        await intent.of(amount, card).send(request)
    return keys[0]


async def test_a_top_up_with_no_answer_is_repeated_with_the_same_key() -> None:
    intent = TopUpIntent()
    lost = await send(intent, 12_345, 1, errors.BackendUnreachable("timed out"))
    assert await send(intent, 12_345, 1, None) == lost


async def test_another_amount_or_card_is_another_top_up() -> None:
    intent = TopUpIntent()
    lost = await send(intent, 12_345, 1, errors.BackendUnreachable("timed out"))
    other_amount = await send(intent, 20_000, 1, errors.BackendUnreachable("timed out"))
    assert other_amount != lost
    other_card = await send(intent, 20_000, 2, None)
    assert other_card != other_amount


async def test_an_answered_top_up_is_over_so_the_next_one_is_new() -> None:
    intent = TopUpIntent()
    done = await send(intent, 12_345, 1, None)
    assert await send(intent, 12_345, 1, None) != done
    refused = await send(intent, 12_345, 1, errors.ValidationFailed("no", code="VALIDATION"))
    assert await send(intent, 12_345, 1, None) != refused


def test_card_numbers_carry_the_luhn_check() -> None:
    assert wallet.luhn_valid("6225880137706868")
    assert not wallet.luhn_valid("6225880137706869")
    assert not wallet.luhn_valid("62258801377068６8")
    assert wallet.check_card_number("6225 8801 3770 6868") is None
    assert wallet.check_card_number("") == "card.required"
    assert wallet.check_card_number("622588013770686") == "card.length"
    assert wallet.check_card_number("62258801377068681234") == "card.length"
    assert wallet.check_card_number("6222021234567891") == "card.luhn"


def test_the_history_filter_cycles_through_every_account_and_back_to_all() -> None:
    seen = [wallet.next_history_filter(None)]
    while seen[-1] is not None:
        seen.append(wallet.next_history_filter(seen[-1]))
    assert seen == ["balance", "red_packet", "bnpl", "bank_card", None]


def test_the_next_page_is_fetched_near_the_end_once() -> None:
    assert not wallet.wants_next_page(26, 30, more=True, loading=False)
    assert wallet.wants_next_page(27, 30, more=True, loading=False)
    assert not wallet.wants_next_page(29, 30, more=False, loading=False)
    assert not wallet.wants_next_page(29, 30, more=True, loading=True)


def bnpl(*, enabled: bool = False, missing: tuple[str, ...] = ()) -> Bnpl:
    return Bnpl(
        enabled=enabled,
        limit_fen=500_000,
        used_fen=0,
        available_fen=500_000 if enabled else 0,
        eligible=not missing,
        missing=list(missing),
    )


def test_pay_later_asks_for_the_real_name_before_a_card() -> None:
    assert wallet.next_bnpl_step(bnpl(missing=("bank_card", "real_name"))) == "real_name"
    assert wallet.next_bnpl_step(bnpl(missing=("bank_card",))) == "bank_card"
    assert wallet.next_bnpl_step(bnpl()) is None


def test_each_tab_has_its_keys() -> None:
    assert wallet.wallet_key_works("filter_history", "history", None)
    assert not wallet.wallet_key_works("filter_history", "cards", None)
    assert wallet.wallet_key_works("remove_card", "cards", None)
    assert not wallet.wallet_key_works("remove_card", "bnpl", None)
    assert wallet.wallet_key_works("add_card", "bnpl", None)
    assert not wallet.wallet_key_works("add_card", "history", None)
    assert wallet.wallet_key_works("top_up", "history", None)


def test_pay_later_keys_follow_its_state() -> None:
    off = bnpl(missing=("real_name",))
    on = bnpl(enabled=True)
    assert wallet.wallet_key_works("enable_bnpl", "bnpl", off)
    assert not wallet.wallet_key_works("enable_bnpl", "bnpl", on)
    assert wallet.wallet_key_works("verify", "bnpl", off)
    assert not wallet.wallet_key_works("verify", "bnpl", bnpl())
    assert not wallet.wallet_key_works("verify", "bnpl", None)
    assert wallet.wallet_key_works("bills", "bnpl", on)
    assert not wallet.wallet_key_works("bills", "bnpl", off)
    assert not wallet.wallet_key_works("bills", "history", on)


def bill(status: str, outstanding_fen: int = 0) -> Bill:
    return Bill(
        id=1,
        order_id=1,
        order_no="KS1",
        amount_fen=10_000,
        repaid_fen=10_000 - outstanding_fen,
        outstanding_fen=outstanding_fen,
        status=status,
        created_at="2026-11-24T02:00:00Z",
    )


def test_open_bills_can_be_repaid_early() -> None:
    assert all(wallet.repayable(bill(s)) for s in ("unpaid", "overdue", "awaiting_receipt"))
    assert not any(wallet.repayable(bill(s)) for s in ("repaid", "cancelled"))


def test_what_the_bills_add_up_to() -> None:
    assert wallet.bills_standing([]) == ("none", 0)
    assert wallet.bills_standing([bill("unpaid", 3_000), bill("unpaid", 2_000)]) == (
        "owed",
        5_000,
    )
    overdue = [bill("overdue", 3_000), bill("unpaid", 2_000), bill("overdue", 1)]
    assert wallet.bills_standing(overdue) == ("overdue", 2)
    assert wallet.bills_standing([bill("repaid"), bill("cancelled")]) == ("repaid", 0)
