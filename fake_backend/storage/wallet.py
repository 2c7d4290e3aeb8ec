"""SQL for the wallet: the user's money columns, bank cards, history and pay-later bills.

Money itself moves only through `services/ledger.py`; these queries read, and write the
rows that are not money (cards, the pay-later switch, a bill's repayment mark).
"""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

BILL_COLUMNS = (
    "b.id, b.order_id, o.order_no, b.amount_fen, b.repaid_fen, b.created_at, b.due_at,"
    " b.repaid_at, b.cancelled"
)


def user_wallet(db: Database, user_id: int) -> sqlite3.Row:
    row = db.one(
        "SELECT balance_fen, red_packet_fen, real_name, bnpl_enabled, bnpl_limit_fen,"
        " bnpl_used_fen FROM users WHERE id = ?",
        (user_id,),
    )
    assert row is not None, f"user {user_id} vanished"
    return row


def enable_bnpl(db: Database, user_id: int) -> None:
    db.execute("UPDATE users SET bnpl_enabled = 1 WHERE id = ?", (user_id,))


def release_bnpl_credit(db: Database, user_id: int, amount_fen: int) -> None:
    db.execute(
        "UPDATE users SET bnpl_used_fen = MAX(0, bnpl_used_fen - ?) WHERE id = ?",
        (amount_fen, user_id),
    )


def active_cards(db: Database, user_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT id, bank, last4, holder_name, created_at FROM bank_cards"
        " WHERE user_id = ? AND removed = 0 ORDER BY id",
        (user_id,),
    )


def active_card(db: Database, user_id: int, card_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT id, bank, last4, holder_name, created_at FROM bank_cards"
        " WHERE id = ? AND user_id = ? AND removed = 0",
        (card_id, user_id),
    )


def bound_card_hashes(db: Database, user_id: int) -> list[str]:
    rows = db.all("SELECT card_hash FROM bank_cards WHERE user_id = ? AND removed = 0", (user_id,))
    return [str(row["card_hash"]) for row in rows]


def insert_card(
    db: Database,
    user_id: int,
    bank: str,
    last4: str,
    card_hash: str,
    holder_name: str,
    created_at: float,
) -> int:
    return db.insert(
        "INSERT INTO bank_cards(user_id, bank, last4, card_hash, holder_name, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (user_id, bank, last4, card_hash, holder_name, created_at),
    )


def card(db: Database, card_id: int) -> sqlite3.Row | None:
    """A card row, removed or not."""
    return db.one("SELECT * FROM bank_cards WHERE id = ?", (card_id,))


def remove_card(db: Database, card_id: int) -> None:
    db.execute("UPDATE bank_cards SET removed = 1 WHERE id = ?", (card_id,))


def transactions_page(
    db: Database,
    user_id: int,
    account: str | None,
    after: tuple[float, int] | None,
    limit: int,
) -> list[sqlite3.Row]:
    """Newest first; `after` is the (at, id) of the last row of the previous page."""
    clauses = ["user_id = ?"]
    params: list[object] = [user_id]
    if account is not None:
        clauses.append("account = ?")
        params.append(account)
    if after is not None:
        clauses.append("(at < ? OR (at = ? AND id < ?))")
        params.extend([after[0], after[0], after[1]])
    return db.all(
        "SELECT id, account, kind, amount_fen, order_id, note, at FROM wallet_transactions"
        f" WHERE {' AND '.join(clauses)} ORDER BY at DESC, id DESC LIMIT ?",
        (*params, limit),
    )


def latest_transaction(db: Database, user_id: int, account: str) -> sqlite3.Row | None:
    return db.one(
        "SELECT id, account, kind, amount_fen, order_id, note, at FROM wallet_transactions"
        " WHERE user_id = ? AND account = ? ORDER BY id DESC LIMIT 1",
        (user_id, account),
    )


def bills_page(
    db: Database, user_id: int, after: tuple[float, int] | None, limit: int
) -> list[sqlite3.Row]:
    """Newest first; `after` is the (created_at, id) of the last bill of the previous page."""
    keyset = ""
    params: list[object] = [user_id]
    if after is not None:
        keyset = " AND (b.created_at < ? OR (b.created_at = ? AND b.id < ?))"
        params.extend([after[0], after[0], after[1]])
    return db.all(
        f"SELECT {BILL_COLUMNS} FROM bnpl_bills b JOIN orders o ON o.id = b.order_id"
        f" WHERE b.user_id = ?{keyset} ORDER BY b.created_at DESC, b.id DESC LIMIT ?",
        (*params, limit),
    )


def bill(db: Database, user_id: int, bill_id: int) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {BILL_COLUMNS} FROM bnpl_bills b JOIN orders o ON o.id = b.order_id"
        " WHERE b.id = ? AND b.user_id = ?",
        (bill_id, user_id),
    )


def mark_bill_repaid(db: Database, bill_id: int, repaid_at: float) -> None:
    db.execute(
        "UPDATE bnpl_bills SET repaid_fen = amount_fen, repaid_at = ? WHERE id = ?",
        (repaid_at, bill_id),
    )
