"""SQL for money movements: the stored accounts on the user row, the wallet history
(`wallet_transactions`) and pay-later credit and bills (`bnpl_bills`).

Only `services/ledger.py` calls these; it owns the transactions and the rules.
"""

from __future__ import annotations

import sqlite3
from typing import Literal

from fake_backend.storage.db import Database

# The user-row column of each account whose money the backend holds.
StoredColumn = Literal["balance_fen", "red_packet_fen"]


def stored_amount(db: Database, user_id: int, column: StoredColumn) -> int:
    """What the user holds in `column` (`balance_fen` or `red_packet_fen`)."""
    assert column in ("balance_fen", "red_packet_fen"), column
    return int(db.scalar(f"SELECT {column} FROM users WHERE id = ?", (user_id,)))


def add_to_stored(db: Database, user_id: int, column: StoredColumn, amount_fen: int) -> None:
    assert column in ("balance_fen", "red_packet_fen"), column
    db.execute(f"UPDATE users SET {column} = {column} + ? WHERE id = ?", (amount_fen, user_id))


def insert_transaction(
    db: Database,
    user_id: int,
    account: str,
    kind: str,
    amount_fen: int,
    order_id: int | None,
    note: str,
    at: float,
) -> None:
    db.execute(
        "INSERT INTO wallet_transactions"
        "(user_id, account, kind, amount_fen, order_id, note, at) VALUES (?,?,?,?,?,?,?)",
        (user_id, account, kind, amount_fen, order_id, note, at),
    )


def use_bnpl_credit(db: Database, user_id: int, amount_fen: int) -> None:
    db.execute(
        "UPDATE users SET bnpl_used_fen = bnpl_used_fen + ? WHERE id = ?",
        (amount_fen, user_id),
    )


def insert_bnpl_bill(
    db: Database, user_id: int, order_id: int, amount_fen: int, created_at: float
) -> int:
    return db.insert(
        "INSERT INTO bnpl_bills(user_id, order_id, amount_fen, created_at) VALUES (?,?,?,?)",
        (user_id, order_id, amount_fen, created_at),
    )


def open_bnpl_bill(db: Database, order_id: int) -> sqlite3.Row | None:
    """`id, amount_fen, repaid_fen` of the order's bill that is not cancelled."""
    return db.one(
        "SELECT id, amount_fen, repaid_fen FROM bnpl_bills WHERE order_id = ? AND cancelled = 0",
        (order_id,),
    )


def reduce_bnpl_bill(db: Database, bill_id: int, amount_fen: int) -> None:
    """Takes `amount_fen` off the bill; a bill brought to nothing is cancelled."""
    db.execute(
        "UPDATE bnpl_bills SET amount_fen = amount_fen - ?, "
        "cancelled = CASE WHEN amount_fen - ? <= 0 THEN 1 ELSE cancelled END WHERE id = ?",
        (amount_fen, amount_fen, bill_id),
    )


def start_bnpl_due(db: Database, order_id: int, due_at: float) -> None:
    db.execute(
        "UPDATE bnpl_bills SET due_at = ? WHERE order_id = ? AND due_at IS NULL",
        (due_at, order_id),
    )
