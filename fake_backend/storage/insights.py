"""SQL for the spending overview: paid orders, their lines' categories, statuses."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database


def paid_orders_since(db: Database, user_id: int, since: float) -> list[sqlite3.Row]:
    return db.all(
        "SELECT id, status, total_fen, refunded_fen, paid_at FROM orders"
        " WHERE user_id = ? AND paid_at IS NOT NULL AND paid_at >= ? ORDER BY paid_at, id",
        (user_id, since),
    )


def order_lines(db: Database, order_ids: list[int]) -> list[sqlite3.Row]:
    """Each line's category and its value after its share of the discount, in id order."""
    if not order_ids:
        return []
    marks = ",".join("?" * len(order_ids))
    return db.all(
        "SELECT oi.order_id, oi.qty, oi.price_fen * oi.qty - oi.discount_share_fen AS value_fen,"
        " p.category_id FROM order_items oi JOIN products p ON p.id = oi.product_id"
        f" WHERE oi.order_id IN ({marks}) ORDER BY oi.order_id, oi.id",
        order_ids,
    )


def categories(db: Database) -> list[sqlite3.Row]:
    return db.all("SELECT id, parent_id, name_zh, name_en FROM categories")


def status_counts_since(db: Database, user_id: int, since: float) -> dict[str, int]:
    rows = db.all(
        "SELECT status, COUNT(*) AS n FROM orders WHERE user_id = ? AND created_at >= ?"
        " GROUP BY status",
        (user_id, since),
    )
    return {row["status"]: row["n"] for row in rows}
