"""SQL for parcels (their events) and for buyers' reviews of what they received."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

# ---- parcels ------------------------------------------------------------------------


def parcel(db: Database, tracking_no: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM parcels WHERE tracking_no = ?", (tracking_no,))


def tracking_no_taken(db: Database, tracking_no: str) -> bool:
    """Whether a parcel or an order already uses this number."""
    return bool(
        db.scalar(
            "SELECT EXISTS (SELECT 1 FROM parcels WHERE tracking_no = ?)"
            " OR EXISTS (SELECT 1 FROM orders WHERE tracking_no = ?)",
            (tracking_no, tracking_no),
        )
    )


def insert_parcel(
    db: Database, tracking_no: str, carrier: str, origin: str, destination: str, now: float
) -> None:
    db.execute(
        "INSERT INTO parcels(tracking_no, carrier, origin, destination, created_at)"
        " VALUES (?,?,?,?,?)",
        (tracking_no, carrier, origin, destination, now),
    )


def mark_parcel_delivered(db: Database, tracking_no: str, now: float) -> None:
    db.execute(
        "UPDATE parcels SET delivered_at = ? WHERE tracking_no = ? AND delivered_at IS NULL",
        (now, tracking_no),
    )


def insert_event(
    db: Database,
    tracking_no: str,
    at: float,
    status: str,
    location: str,
    text_zh: str,
    text_en: str,
) -> None:
    db.execute(
        "INSERT INTO logistics_events(tracking_no, at, status, location, text_zh, text_en)"
        " VALUES (?,?,?,?,?,?)",
        (tracking_no, at, status, location, text_zh, text_en),
    )


def events_newest_first(db: Database, tracking_no: str) -> list[sqlite3.Row]:
    return db.all(
        "SELECT at, status, location, text_zh, text_en FROM logistics_events"
        " WHERE tracking_no = ? ORDER BY at DESC, id DESC",
        (tracking_no,),
    )


def event_count(db: Database, tracking_no: str) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM logistics_events WHERE tracking_no = ?", (tracking_no,)
    )
    return count


def parcels_due_to_move(db: Database, last_event_before: float) -> list[str]:
    """Undelivered parcels whose latest event is at or before `last_event_before` (not
    the demo's showcase: the couriers move only what the session sent)."""
    rows = db.all(
        "SELECT p.tracking_no FROM parcels p JOIN logistics_events e"
        " ON e.tracking_no = p.tracking_no WHERE p.delivered_at IS NULL AND p.showcase = 0"
        " GROUP BY p.tracking_no HAVING MAX(e.at) <= ? ORDER BY p.created_at, p.tracking_no",
        (last_event_before,),
    )
    return [row["tracking_no"] for row in rows]


# ---- orders, as logistics sees them -------------------------------------------------


def order(db: Database, order_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM orders WHERE id = ?", (order_id,))


def first_product_id(db: Database, order_id: int) -> int | None:
    product_id: int | None = db.scalar(
        "SELECT product_id FROM order_items WHERE order_id = ? ORDER BY id LIMIT 1", (order_id,)
    )
    return product_id


def mark_order_shipped(
    db: Database, order_id: int, carrier: str, tracking_no: str, now: float
) -> bool:
    """Guarded: only an order still awaiting shipment moves; answers whether it did."""
    cursor = db.execute(
        "UPDATE orders SET status = 'shipped', carrier = ?, tracking_no = ?, shipped_at = ?"
        " WHERE id = ? AND status = 'awaiting_shipment'",
        (carrier, tracking_no, now, order_id),
    )
    return cursor.rowcount == 1


def orders_delivered_by(db: Database, tracking_no: str, now: float) -> list[int]:
    """Sets delivered_at on the shipped order(s) this parcel carried; answers their ids."""
    rows = db.all(
        "SELECT id FROM orders WHERE tracking_no = ? AND delivered_at IS NULL", (tracking_no,)
    )
    db.execute(
        "UPDATE orders SET delivered_at = ? WHERE tracking_no = ? AND delivered_at IS NULL",
        (now, tracking_no),
    )
    return [row["id"] for row in rows]


def orders_due_to_ship(db: Database, paid_before: float) -> list[int]:
    """Paid orders waiting longer than the merchant's delay, with no refund under way (not
    the demo's showcase)."""
    rows = db.all(
        "SELECT id FROM orders WHERE status = 'awaiting_shipment' AND paid_at IS NOT NULL"
        " AND showcase = 0"
        " AND paid_at <= ? AND after_sale_status NOT IN ('in_progress', 'refunded')"
        " ORDER BY paid_at, id",
        (paid_before,),
    )
    return [row["id"] for row in rows]


# ---- reviews ------------------------------------------------------------------------


def order_items(db: Database, order_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT i.id, i.product_id, i.specs, r.id AS review_id FROM order_items i"
        " LEFT JOIN reviews r ON r.order_item_id = i.id WHERE i.order_id = ? ORDER BY i.id",
        (order_id,),
    )


def nickname(db: Database, user_id: int) -> str:
    name: str | None = db.scalar("SELECT nickname FROM users WHERE id = ?", (user_id,))
    return name or ""


def insert_review(
    db: Database,
    *,
    product_id: int,
    user_id: int,
    order_item_id: int,
    author: str,
    rating: int,
    text: str,
    specs: str,
    now: float,
) -> int:
    return db.insert(
        "INSERT INTO reviews(product_id, user_id, order_item_id, author, rating, text, specs,"
        " created_at) VALUES (?,?,?,?,?,?,?,?)",
        (product_id, user_id, order_item_id, author, rating, text, specs, now),
    )


def rating_totals(db: Database, product_id: int) -> tuple[int, int]:
    """(sum of ratings, number of reviews) of a product."""
    row = db.one(
        "SELECT COALESCE(SUM(rating), 0) AS total, COUNT(*) AS count FROM reviews"
        " WHERE product_id = ?",
        (product_id,),
    )
    assert row is not None
    return int(row["total"]), int(row["count"])


def set_product_rating(db: Database, product_id: int, rating: float, review_count: int) -> None:
    db.execute(
        "UPDATE products SET rating = ?, review_count = ? WHERE id = ?",
        (rating, review_count, product_id),
    )
