"""The wallet: balance and red packets, top-up, bank cards, pay-later (先用后付) and its bills.

Every movement of money goes through `ledger`, so the history is complete. A card
number is seen only here, for a moment: it is checked, hashed (to refuse binding it
twice) and cut to its last four digits; it is never stored, answered or logged.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Literal, TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state, not_found
from fake_backend.services import ledger
from fake_backend.services.paging import after_keyset, cut
from fake_backend.services.rules import fmt_fen, hash_secret, luhn_valid, verify_secret
from fake_backend.storage import wallet as store

RepaySource = Literal["balance", "bank_card"]
TOPUP_MIN_FEN = 1
TOPUP_MAX_FEN = 5_000_000
MAX_CARDS_PER_USER = 10
DEFAULT_BANK = "银联卡"
# Issuer by the card's first six digits (BIN); a small table is enough for a demo shop.
BANKS_BY_BIN = {
    "622588": "招商银行",
    "621483": "招商银行",
    "622202": "工商银行",
    "621226": "工商银行",
    "621700": "建设银行",
    "622700": "建设银行",
    "622848": "农业银行",
    "621661": "中国银行",
    "622260": "交通银行",
}
BANK_NAMES_EN = {
    "招商银行": "China Merchants Bank",
    "工商银行": "ICBC",
    "建设银行": "China Construction Bank",
    "农业银行": "Agricultural Bank of China",
    "中国银行": "Bank of China",
    "交通银行": "Bank of Communications",
    "银联卡": "UnionPay card",
}


# ---- what the wallet answers (the pattern for the other areas: a TypedDict per shape,
# field for field what schemas/wallet.py's response model lists) -------------------------


class CardView(TypedDict):
    id: int
    bank: str
    last4: str
    holder_name: str
    created_at: str | None


class TransactionView(TypedDict):
    id: int
    account: str
    kind: str
    amount_fen: int
    order_id: int | None
    note: str
    at: str | None


class BnplView(TypedDict):
    enabled: bool
    limit_fen: int
    used_fen: int
    available_fen: int
    eligible: bool
    missing: list[str]


class WalletView(TypedDict):
    balance_fen: int
    red_packet_fen: int
    bnpl: BnplView
    bank_cards: list[CardView]


class TransactionPage(TypedDict):
    items: list[TransactionView]
    next_cursor: str | None


class TopupAnswer(TypedDict):
    balance_fen: int
    transaction: TransactionView


class CardList(TypedDict):
    items: list[CardView]


class Ok(TypedDict):
    ok: bool


class BillView(TypedDict):
    id: int
    order_id: int
    order_no: str
    amount_fen: int
    repaid_fen: int
    outstanding_fen: int
    status: str
    due_at: str | None
    created_at: str | None
    repaid_at: str | None


class BillPage(TypedDict):
    items: list[BillView]
    next_cursor: str | None


def bank_name(bank: str, lang: str) -> str:
    return bank if lang == "zh" else BANK_NAMES_EN.get(bank, bank)


# How `_card_note` writes a card into a stored note: "招商银行 尾号6868".
_CARD_IN_NOTE = re.compile(r"(?P<bank>\S+) 尾号(?P<last4>\d{4})")
# What refunds write before the order number (order_states, after_sale_states).
_NOTE_WORDS_EN = {"取消订单退款": "Refund of cancelled order", "售后退款": "After-sale refund"}


def localized_note(note: str, lang: str) -> str:
    """A stored note in the asker's language. Notes are written in Chinese; in English
    a refund's words are English and a card reads "China Merchants Bank ••6868" (as the
    client writes cards). What a note quotes (an order number, a product) stays."""
    if lang == "zh":
        return note
    for chinese, english in _NOTE_WORDS_EN.items():
        if note.startswith(chinese):
            note = english + note[len(chinese) :]
            break
    return _CARD_IN_NOTE.sub(
        lambda card: f"{bank_name(card['bank'], lang)} ••{card['last4']}", note
    )


def card_view(row: sqlite3.Row, lang: str) -> CardView:
    return {
        "id": row["id"],
        "bank": bank_name(row["bank"], lang),
        "last4": row["last4"],
        "holder_name": row["holder_name"],
        "created_at": iso(row["created_at"]),
    }


def transaction_view(row: sqlite3.Row, lang: str = "zh") -> TransactionView:
    return {
        "id": row["id"],
        "account": row["account"],
        "kind": row["kind"],
        "amount_fen": row["amount_fen"],
        "order_id": row["order_id"],
        "note": localized_note(row["note"], lang),
        "at": iso(row["at"]),
    }


def _card_note(card: sqlite3.Row) -> str:
    return f"{card['bank']} 尾号{card['last4']}"


def wallet(ctx: Ctx, user_id: int, lang: str) -> WalletView:
    user = store.user_wallet(ctx.db, user_id)
    cards = store.active_cards(ctx.db, user_id)
    missing = [
        need
        for need, present in (("real_name", bool(user["real_name"])), ("bank_card", bool(cards)))
        if not present
    ]
    return {
        "balance_fen": user["balance_fen"],
        "red_packet_fen": user["red_packet_fen"],
        "bnpl": {
            "enabled": bool(user["bnpl_enabled"]),
            "limit_fen": user["bnpl_limit_fen"],
            "used_fen": user["bnpl_used_fen"],
            "available_fen": max(0, user["bnpl_limit_fen"] - user["bnpl_used_fen"]),
            "eligible": not missing,
            "missing": missing,
        },
        "bank_cards": [card_view(card, lang) for card in cards],
    }


def transactions(
    ctx: Ctx, user_id: int, account: str | None, cursor: str | None, limit: int, lang: str
) -> TransactionPage:
    rows = store.transactions_page(ctx.db, user_id, account, after_keyset(cursor), limit + 1)
    page, next_cursor = cut(rows, limit, lambda row: [row["at"], row["id"]])
    items = [transaction_view(row, lang) for row in page]
    return {"items": items, "next_cursor": next_cursor}


def _card_or_default(ctx: Ctx, user_id: int, card_id: int | None) -> sqlite3.Row:
    if card_id is not None:
        card = store.active_card(ctx.db, user_id, card_id)
        if card is None:
            raise not_found("bank_card")
        return card
    cards = store.active_cards(ctx.db, user_id)
    if not cards:
        raise ApiError("BANK_CARD_REQUIRED")
    return cards[0]


def check_topup_amount(amount_fen: int) -> None:
    """422 `bad_amount` (naming the limits) unless a top-up may move `amount_fen`."""
    if not TOPUP_MIN_FEN <= amount_fen <= TOPUP_MAX_FEN:
        raise field_error(
            "amount_fen", "bad_amount", min=fmt_fen(TOPUP_MIN_FEN), max=fmt_fen(TOPUP_MAX_FEN)
        )


def topup(ctx: Ctx, user_id: int, amount_fen: int, bank_card_id: int | None) -> TopupAnswer:
    """Moves money from one of the user's cards (the first by default) into the balance."""
    check_topup_amount(amount_fen)
    with ctx.db.tx():
        card = _card_or_default(ctx, user_id, bank_card_id)
        note = _card_note(card)
        ledger.record(ctx, user_id, "bank_card", "topup", -amount_fen, note=note)
        ledger.record(ctx, user_id, "balance", "topup", amount_fen, note=note)
        transaction = store.latest_transaction(ctx.db, user_id, "balance")
        balance = store.user_wallet(ctx.db, user_id)["balance_fen"]
    assert transaction is not None
    return {"balance_fen": balance, "transaction": transaction_view(transaction)}


def list_cards(ctx: Ctx, user_id: int, lang: str) -> CardList:
    return {"items": [card_view(card, lang) for card in store.active_cards(ctx.db, user_id)]}


def check_card_details(card_number: str, holder_name: str, prefix: str = "") -> tuple[str, str]:
    """The card's digits and holder once they are a Luhn-valid number and a name; 422
    naming the field (after `prefix`) otherwise."""
    digits = card_number.replace(" ", "")
    # `luhn_valid` reads any Unicode digit; full-width ones would dodge the duplicate check.
    if not digits.isascii() or not luhn_valid(digits):
        raise field_error(prefix + "card_number", "bad_card_number")
    holder = holder_name.strip()
    if not holder:
        raise field_error(prefix + "holder_name", "too_short")
    return digits, holder


def one_time_card(ctx: Ctx, user_id: int, card_number: str, holder_name: str) -> sqlite3.Row:
    """A guest's card for one payment (docs/api.md §7.4): stored as a removed card, so the
    payment and its refund can name it while nobody can pay with it again."""
    digits, holder = check_card_details(card_number, holder_name, "card.")
    bank = BANKS_BY_BIN.get(digits[:6], DEFAULT_BANK)
    card_id = store.insert_card(
        ctx.db, user_id, bank, digits[-4:], hash_secret(digits), holder, ctx.now()
    )
    store.remove_card(ctx.db, card_id)
    card = store.card(ctx.db, card_id)
    assert card is not None
    return card


def add_card(ctx: Ctx, user_id: int, card_number: str, holder_name: str, lang: str) -> CardView:
    """Binds a Luhn-valid card; once real-name verified, only in the user's own name;
    at most MAX_CARDS_PER_USER (409 BANK_CARD_LIMIT)."""
    digits, holder = check_card_details(card_number, holder_name)
    with ctx.db.tx():
        real_name = store.user_wallet(ctx.db, user_id)["real_name"]
        if real_name and holder != real_name:
            raise field_error("holder_name", "holder_mismatch")
        # Salted and slow like a password: the bank (so the BIN) and last4 are stored,
        # so a plain hash of the few digits left would give the number away.
        if any(verify_secret(digits, bound) for bound in store.bound_card_hashes(ctx.db, user_id)):
            raise ApiError("CARD_ALREADY_BOUND")
        if len(store.active_cards(ctx.db, user_id)) >= MAX_CARDS_PER_USER:
            raise ApiError(
                "BANK_CARD_LIMIT", limit=MAX_CARDS_PER_USER, details={"limit": MAX_CARDS_PER_USER}
            )
        bank = BANKS_BY_BIN.get(digits[:6], DEFAULT_BANK)
        card_id = store.insert_card(
            ctx.db, user_id, bank, digits[-4:], hash_secret(digits), holder, ctx.now()
        )
        card = store.active_card(ctx.db, user_id, card_id)
    assert card is not None
    return card_view(card, lang)


def remove_card(ctx: Ctx, user_id: int, card_id: int) -> Ok:
    """Unbinds a card; pay-later needs one, so the last card stays while it is on."""
    with ctx.db.tx():
        if store.active_card(ctx.db, user_id, card_id) is None:
            raise not_found("bank_card")
        user = store.user_wallet(ctx.db, user_id)
        if user["bnpl_enabled"] and len(store.active_cards(ctx.db, user_id)) == 1:
            raise ApiError("CARD_REQUIRED_FOR_BNPL")
        store.remove_card(ctx.db, card_id)
    return {"ok": True}


def enable_bnpl(ctx: Ctx, user_id: int, lang: str) -> WalletView:
    """Turns pay-later on (needs real-name verification and a card); on twice is fine."""
    with ctx.db.tx():
        user = store.user_wallet(ctx.db, user_id)
        if not user["real_name"]:
            raise ApiError("REAL_NAME_REQUIRED")
        if not store.active_cards(ctx.db, user_id):
            raise ApiError("BANK_CARD_REQUIRED")
        store.enable_bnpl(ctx.db, user_id)
    return wallet(ctx, user_id, lang)


def bill_status(row: sqlite3.Row, now: float) -> str:
    """awaiting_receipt (no due date until the goods arrive) → unpaid → overdue; or
    repaid / cancelled."""
    if row["cancelled"]:
        return "cancelled"
    if row["amount_fen"] - row["repaid_fen"] <= 0:
        return "repaid"
    if row["due_at"] is None:
        return "awaiting_receipt"
    return "overdue" if now > row["due_at"] else "unpaid"


def bill_view(row: sqlite3.Row, now: float) -> BillView:
    cancelled = bool(row["cancelled"])
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "order_no": row["order_no"],
        "amount_fen": row["amount_fen"],
        "repaid_fen": row["repaid_fen"],
        "outstanding_fen": 0 if cancelled else max(0, row["amount_fen"] - row["repaid_fen"]),
        "status": bill_status(row, now),
        "due_at": iso(row["due_at"]),
        "created_at": iso(row["created_at"]),
        "repaid_at": iso(row["repaid_at"]),
    }


def list_bills(ctx: Ctx, user_id: int, cursor: str | None, limit: int) -> BillPage:
    """Newest first, `limit` a page."""
    rows = store.bills_page(ctx.db, user_id, after_keyset(cursor), limit + 1)
    page, next_cursor = cut(rows, limit, lambda row: [row["created_at"], row["id"]])
    now = ctx.now()
    return {"items": [bill_view(row, now) for row in page], "next_cursor": next_cursor}


def repayable_bill(ctx: Ctx, user_id: int, bill_id: int) -> sqlite3.Row:
    """The user's bill while something is owed on it: 404 for none, 409 once repaid or
    cancelled."""
    bill = store.bill(ctx.db, user_id, bill_id)
    if bill is None:
        raise not_found("bill")
    status = bill_status(bill, ctx.now())
    if status in ("repaid", "cancelled"):
        raise invalid_state(status)
    return bill


def repay(ctx: Ctx, user_id: int, bill_id: int, source: RepaySource) -> BillView:
    """Pays what is still owed on a bill, in full, from the balance or the first card."""
    with ctx.db.tx():
        bill = repayable_bill(ctx, user_id, bill_id)
        outstanding = bill["amount_fen"] - bill["repaid_fen"]
        order_id = bill["order_id"]
        if source == "balance":
            ledger.record(ctx, user_id, "balance", "repayment", -outstanding, order_id=order_id)
        else:
            card = _card_or_default(ctx, user_id, None)
            ledger.record(
                ctx,
                user_id,
                "bank_card",
                "repayment",
                -outstanding,
                order_id=order_id,
                note=_card_note(card),
            )
        ledger.record(ctx, user_id, "bnpl", "repayment", outstanding, order_id=order_id)
        store.release_bnpl_credit(ctx.db, user_id, outstanding)
        store.mark_bill_repaid(ctx.db, bill_id, ctx.now())
        repaid = store.bill(ctx.db, user_id, bill_id)
    assert repaid is not None
    return bill_view(repaid, ctx.now())
