"""SQL for payments and the bank cards they draw on."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

QR_METHODS = ("alipay", "wechat_pay")


def get_payment(db: Database, payment_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM payments WHERE id = ?", (payment_id,))


def insert_payment(
    db: Database,
    *,
    order_id: int,
    user_id: int,
    method: str,
    amount_fen: int,
    created_at: float,
    bank_card_id: int | None = None,
    expires_at: float | None = None,
) -> int:
    return db.insert(
        "INSERT INTO payments(order_id, user_id, method, amount_fen, status, bank_card_id,"
        " created_at, expires_at) VALUES (?,?,?,?, 'pending', ?,?,?)",
        (order_id, user_id, method, amount_fen, bank_card_id, created_at, expires_at),
    )


def set_qr_payload(db: Database, payment_id: int, payload: str) -> None:
    db.execute("UPDATE payments SET qr_payload = ? WHERE id = ?", (payload, payment_id))


def finish(
    db: Database, payment_id: int, status: str, at: float, failure_reason: str | None = None
) -> bool:
    """Moves a pending payment to `status`; False when it was no longer pending."""
    cursor = db.execute(
        "UPDATE payments SET status = ?, failure_reason = ?, finished_at = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, failure_reason, at, payment_id),
    )
    return cursor.rowcount == 1


def fail_pending_of_order(db: Database, order_id: int, reason: str, at: float) -> int:
    cursor = db.execute(
        "UPDATE payments SET status = 'failed', failure_reason = ?, finished_at = ?"
        " WHERE order_id = ? AND status = 'pending'",
        (reason, at, order_id),
    )
    return cursor.rowcount


def expired_pending(db: Database, now: float) -> list[int]:
    rows = db.all(
        "SELECT id FROM payments WHERE status = 'pending' AND expires_at IS NOT NULL"
        " AND expires_at <= ? ORDER BY id",
        (now,),
    )
    return [row["id"] for row in rows]


def record_poll(db: Database, payment_id: int, at: float) -> None:
    """A client asked after the payment: remembered while it is pending."""
    db.execute(
        "UPDATE payments SET polled_at = ? WHERE id = ? AND status = 'pending'", (at, payment_id)
    )


def pending_qr_watched(db: Database, created_before: float, polled_since: float) -> list[int]:
    """Pending QR payments made by `created_before` and polled at or after `polled_since`."""
    rows = db.all(
        "SELECT id FROM payments WHERE status = 'pending' AND method IN (?, ?)"
        " AND created_at <= ? AND polled_at >= ? ORDER BY id",
        (*QR_METHODS, created_before, polled_since),
    )
    return [row["id"] for row in rows]


def usable_bank_card(db: Database, user_id: int, card_id: int | None) -> sqlite3.Row | None:
    """The user's card `card_id`, or their first card when None; removed cards never."""
    if card_id is None:
        return db.one(
            "SELECT * FROM bank_cards WHERE user_id = ? AND removed = 0 ORDER BY id LIMIT 1",
            (user_id,),
        )
    return db.one(
        "SELECT * FROM bank_cards WHERE id = ? AND user_id = ? AND removed = 0",
        (card_id, user_id),
    )


def bank_card(db: Database, card_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM bank_cards WHERE id = ?", (card_id,))
