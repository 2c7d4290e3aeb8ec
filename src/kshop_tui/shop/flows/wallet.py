"""Wallet rules: the top-up (an amount in yuan, in fen within its limits, one intent per
amount and card), bank card numbers, the history's filters and paging, and pay-later
(what blocks it, which keys work, what the bills add up to)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kshop_tui.api.intent import Intent
from kshop_tui.text import parse_yuan

if TYPE_CHECKING:
    from kshop_tui.api.models import Bill, Bnpl, WalletAccount

# --- top-up --------------------------------------------------------------------------

TOPUP_MIN_FEN = 1
TOPUP_MAX_FEN = 5_000_000


@dataclass(frozen=True)
class TopUpAmount:
    """What was typed as a top-up amount: `fen` when it can be sent, else `problem`, the
    i18n key of what is wrong (`wallet.topup.range` takes `min` and `max`)."""

    fen: int | None = None
    problem: str | None = None


def top_up_amount(text: str) -> TopUpAmount:
    if not text.strip():
        return TopUpAmount(problem="wallet.topup.required")
    amount = parse_yuan(text)
    if amount is None:
        return TopUpAmount(problem="wallet.topup.not_amount")
    if not TOPUP_MIN_FEN <= amount <= TOPUP_MAX_FEN:
        return TopUpAmount(problem="wallet.topup.range")
    return TopUpAmount(fen=amount)


class TopUpIntent:
    """The top-up the user asks for: an amount from a card. While a send of it has no
    answer, asking again repeats it with the same key (a lost answer never tops up
    twice); another amount or card is another intent."""

    def __init__(self) -> None:
        self._intent = Intent()
        self._asked: tuple[int, int | None] | None = None

    def of(self, amount_fen: int, card_id: int | None) -> Intent:
        """The intent to send this top-up with."""
        if self._asked != (amount_fen, card_id):
            self._intent.forget()
            self._asked = (amount_fen, card_id)
        return self._intent


# --- bank cards ----------------------------------------------------------------------

CARD_MIN_DIGITS = 16
CARD_MAX_DIGITS = 19


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every bank card number carries in its last digit."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_digits(text: str) -> str:
    return text.replace(" ", "")


def check_card_number(text: str) -> str | None:
    """None when the number can be a card; else the i18n key of what is wrong."""
    digits = card_digits(text)
    if not digits:
        return "card.required"
    if not CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS:
        return "card.length"
    return None if luhn_valid(digits) else "card.luhn"


# --- history -------------------------------------------------------------------------

HISTORY_PAGE = 30
# Ask for the next page when the cursor is this close to the last loaded row.
HISTORY_PREFETCH_ROWS = 3
# The filters the history cycles through (None: every account).
HISTORY_FILTERS: tuple[WalletAccount | None, ...] = (
    None,
    "balance",
    "red_packet",
    "bnpl",
    "bank_card",
)


def next_history_filter(current: WalletAccount | None) -> WalletAccount | None:
    return HISTORY_FILTERS[(HISTORY_FILTERS.index(current) + 1) % len(HISTORY_FILTERS)]


def wants_next_page(cursor_row: int, loaded: int, *, more: bool, loading: bool) -> bool:
    """Whether the cursor has come close enough to the end of what is loaded to fetch
    the next page (when there is one and none is on its way)."""
    return cursor_row >= loaded - HISTORY_PREFETCH_ROWS and more and not loading


# --- pay later -----------------------------------------------------------------------

WalletTab = Literal["history", "cards", "bnpl"]
BnplStep = Literal["real_name", "bank_card"]
# What blocks pay-later, in the order the user is taken through it.
BNPL_STEPS: tuple[BnplStep, ...] = ("real_name", "bank_card")
OPEN_BILL_STATUSES = ("unpaid", "overdue", "awaiting_receipt")
# A pay-later bill falls due this many days after the goods are received (the order is
# completed): the backend's rule (docs/api.md §2), which the wallet's words state too.
BNPL_DUE_DAYS = 30


def next_bnpl_step(bnpl: Bnpl) -> BnplStep | None:
    """What must be done before pay-later can be turned on, or None when nothing is."""
    return next((step for step in BNPL_STEPS if step in bnpl.missing), None)


def wallet_key_works(action: str, tab: WalletTab, bnpl: Bnpl | None) -> bool:
    """Which of the wallet's keys work on which tab; the pay-later ones follow its state
    (enabling until it is on, verifying while the real name is missing, bills once on)."""
    enabled = bnpl is not None and bnpl.enabled
    if action == "remove_card":
        return tab == "cards"
    if action == "add_card":
        return tab in ("cards", "bnpl")
    if action == "filter_history":
        return tab == "history"
    if action == "enable_bnpl":
        return tab == "bnpl" and not enabled
    if action == "verify":
        return tab == "bnpl" and bnpl is not None and "real_name" in bnpl.missing
    if action == "bills":
        return tab == "bnpl" and enabled
    return True


def repayable(bill: Bill) -> bool:
    """A bill still open can be repaid early from the balance."""
    return bill.status in OPEN_BILL_STATUSES


BillsStanding = Literal["none", "overdue", "owed", "repaid"]


def bills_standing(bills: Sequence[Bill]) -> tuple[BillsStanding, int]:
    """What the bills loaded so far add up to: none at all, how many are overdue, how
    much is owed (fen), or all repaid."""
    if not bills:
        return "none", 0
    overdue = sum(1 for bill in bills if bill.status == "overdue")
    if overdue:
        return "overdue", overdue
    owed = sum(bill.outstanding_fen for bill in bills)
    if owed:
        return "owed", owed
    return "repaid", 0
