"""SQL for subscriptions (`subscriptions`) and what became of their periods
(`subscription_periods`)."""

from __future__ import annotations

import sqlite3
from typing import Any

from fake_backend.storage.db import Database

COLUMNS = (
    "s.id, s.user_id, s.sku_id, s.qty, s.address_id, s.payment_method, s.bank_card_id,"
    " s.every, s.status, s.starts_on, s.next_on, s.anchor_on, s.attempts, s.created_at,"
    " s.updated_at,"
    " k.product_id, k.specs, k.price_fen, k.stock, p.name AS product_name"
)
FROM = "FROM subscriptions s JOIN skus k ON k.id = s.sku_id JOIN products p ON p.id = k.product_id"


def sku_row(db: Database, sku_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT k.id, k.stock, k.price_fen, p.name FROM skus k"
        " JOIN products p ON p.id = k.product_id WHERE k.id = ?",
        (sku_id,),
    )


def insert(db: Database, fields: dict[str, Any]) -> int:
    names = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return db.insert(f"INSERT INTO subscriptions({names}) VALUES ({marks})", tuple(fields.values()))


def by_id(db: Database, subscription_id: int) -> sqlite3.Row | None:
    return db.one(f"SELECT {COLUMNS} {FROM} WHERE s.id = ?", (subscription_id,))


def of_user(db: Database, user_id: int, limit: int) -> list[sqlite3.Row]:
    """Live ones first, then cancelled ones; newest first within each; `limit` at most."""
    return db.all(
        f"SELECT {COLUMNS} {FROM} WHERE s.user_id = ?"
        " ORDER BY s.status = 'cancelled', s.created_at DESC, s.id DESC LIMIT ?",
        (user_id, limit),
    )


def count_live(db: Database, user_id: int) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM subscriptions WHERE user_id = ? AND status != 'cancelled'",
        (user_id,),
    )
    return count


def active_ids_due_by(db: Database, last_day: str) -> list[int]:
    """Active subscriptions whose next period is on or before `last_day` (a retry of it
    may still be later: the service checks the hour)."""
    rows = db.all(
        "SELECT id FROM subscriptions WHERE status = 'active' AND next_on <= ? ORDER BY id",
        (last_day,),
    )
    return [row["id"] for row in rows]


def update(db: Database, subscription_id: int, fields: dict[str, Any]) -> None:
    assignments = ", ".join(f"{name} = ?" for name in fields)
    db.execute(
        f"UPDATE subscriptions SET {assignments} WHERE id = ?",
        (*fields.values(), subscription_id),
    )


def period(db: Database, subscription_id: int, period_on: str) -> sqlite3.Row | None:
    return db.one(
        "SELECT * FROM subscription_periods WHERE subscription_id = ? AND period_on = ?",
        (subscription_id, period_on),
    )


def save_period(
    db: Database,
    subscription_id: int,
    period_on: str,
    status: str,
    *,
    order_id: int | None,
    attempts: int,
    error: tuple[str, str, str] | None,
    at: float,
) -> None:
    """Records a period's outcome; the UNIQUE (subscription, period) keeps it one row."""
    code, zh, en = error if error is not None else (None, None, None)
    db.execute(
        "INSERT INTO subscription_periods(subscription_id, period_on, status, order_id,"
        " attempts, error_code, error_zh, error_en, at) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (subscription_id, period_on) DO UPDATE SET status = excluded.status,"
        " order_id = excluded.order_id, attempts = excluded.attempts,"
        " error_code = excluded.error_code, error_zh = excluded.error_zh,"
        " error_en = excluded.error_en, at = excluded.at",
        (subscription_id, period_on, status, order_id, attempts, code, zh, en, at),
    )


def periods_of(db: Database, subscription_id: int, limit: int) -> list[sqlite3.Row]:
    """Newest period first."""
    return db.all(
        "SELECT * FROM subscription_periods WHERE subscription_id = ?"
        " ORDER BY period_on DESC LIMIT ?",
        (subscription_id, limit),
    )
