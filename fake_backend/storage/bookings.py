"""SQL for the goods that do not ship (docs/api.md §7.1): service slots' bookings and the
codes virtual orders deliver."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from fake_backend.storage.db import Database

# The key under which `meta` keeps the secret delivery codes are derived from.
CODE_SECRET_KEY = "delivery_code_secret"


def slot_capacity(db: Database, product_id: int) -> int | None:
    """How many bookings one slot of a service takes (None: not a service)."""
    capacity: int | None = db.scalar(
        "SELECT slot_capacity FROM products WHERE id = ? AND kind = 'service'", (product_id,)
    )
    return capacity


def booked(db: Database, product_id: int, starts_at: Sequence[float]) -> dict[float, int]:
    """Bookings held per slot start, for the starts that have any."""
    if not starts_at:
        return {}
    marks = ", ".join("?" for _ in starts_at)
    rows = db.all(
        "SELECT starts_at, booked FROM slot_bookings"
        f" WHERE product_id = ? AND starts_at IN ({marks})",
        (product_id, *starts_at),
    )
    return {row["starts_at"]: row["booked"] for row in rows}


def reserve_slot(db: Database, product_id: int, starts_at: float, capacity: int) -> bool:
    """Takes one booking of the slot unless it is full (guarded, like stock)."""
    db.execute(
        "INSERT INTO slot_bookings(product_id, starts_at, booked) VALUES (?, ?, 0)"
        " ON CONFLICT(product_id, starts_at) DO NOTHING",
        (product_id, starts_at),
    )
    cursor = db.execute(
        "UPDATE slot_bookings SET booked = booked + 1"
        " WHERE product_id = ? AND starts_at = ? AND booked + 1 <= ?",
        (product_id, starts_at, capacity),
    )
    return cursor.rowcount == 1


def release_slot(db: Database, product_id: int, starts_at: float) -> None:
    db.execute(
        "UPDATE slot_bookings SET booked = booked - 1"
        " WHERE product_id = ? AND starts_at = ? AND booked > 0",
        (product_id, starts_at),
    )


def set_booked(db: Database, product_id: int, starts_at: float, count: int) -> None:
    """The seed's bookings by other customers."""
    db.execute(
        "INSERT INTO slot_bookings(product_id, starts_at, booked) VALUES (?, ?, ?)"
        " ON CONFLICT(product_id, starts_at) DO UPDATE SET booked = excluded.booked",
        (product_id, starts_at, count),
    )


def service_product_of(db: Database, order_id: int) -> int | None:
    product_id: int | None = db.scalar(
        "SELECT product_id FROM order_items WHERE order_id = ? ORDER BY id LIMIT 1", (order_id,)
    )
    return product_id


def set_appointment(
    db: Database, order_id: int, starts_at: float, rescheduled_at: float | None
) -> None:
    db.execute(
        "UPDATE orders SET slot_starts_at = ?, rescheduled_at = COALESCE(?, rescheduled_at)"
        " WHERE id = ?",
        (starts_at, rescheduled_at, order_id),
    )


def awaiting_service_ended_before(
    db: Database, starts_before: float, *, showcase: bool = True
) -> list[int]:
    """Service orders waiting whose slot started at or before `starts_before`; without
    `showcase`, not the demo's showcase ones (the merchant's queue)."""
    rows = db.all(
        "SELECT id FROM orders INDEXED BY orders_awaiting_service"
        " WHERE status = 'awaiting_service' AND slot_starts_at <= ? AND (? OR showcase = 0)"
        " ORDER BY id",
        (starts_before, showcase),
    )
    return [row["id"] for row in rows]


def insert_codes(db: Database, order_id: int, codes: Sequence[tuple[int, str, float]]) -> None:
    """`codes`: (order_item_id, code, expires_at) each."""
    db.executemany(
        "INSERT INTO delivery_codes(order_id, order_item_id, code, expires_at) VALUES (?,?,?,?)",
        [(order_id, item_id, code, expires_at) for item_id, code, expires_at in codes],
    )


def code_exists(db: Database, code: str) -> bool:
    return db.one("SELECT 1 FROM delivery_codes WHERE code = ?", (code,)) is not None


def codes(db: Database, order_id: int) -> list[sqlite3.Row]:
    """The order's codes, but those of refunded lines (void once refunded)."""
    return db.all(
        "SELECT dc.code, dc.expires_at, dc.order_item_id, oi.name FROM delivery_codes dc"
        " JOIN order_items oi ON oi.id = dc.order_item_id"
        " WHERE dc.order_id = ? AND oi.refunded = 0 ORDER BY dc.id",
        (order_id,),
    )


def code_count(db: Database, order_id: int) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM delivery_codes dc JOIN order_items oi ON oi.id = dc.order_item_id"
        " WHERE dc.order_id = ? AND oi.refunded = 0",
        (order_id,),
    )
    return count


def code_secret(db: Database) -> str | None:
    secret: str | None = db.scalar("SELECT value FROM meta WHERE key = ?", (CODE_SECRET_KEY,))
    return secret


def set_code_secret(db: Database, secret: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (CODE_SECRET_KEY, secret))


def mark_codes_viewed(db: Database, order_id: int, at: float) -> None:
    db.execute(
        "UPDATE orders SET codes_viewed_at = ? WHERE id = ? AND codes_viewed_at IS NULL",
        (at, order_id),
    )
