"""SQL for after-sales, their timelines, and the photos users upload for them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from fake_backend.storage.db import Database

# The after-sale columns a service may set with `update_after_sale`.
UPDATABLE_COLUMNS = frozenset(
    {
        "type",
        "status",
        "reason",
        "description",
        "amount_fen",
        "refund_to",
        "item_ids",
        "photo_ids",
        "merchant_pays_return",
        "return_carrier",
        "return_tracking_no",
        "pickup",
        "appeal_reason",
        "merchant_note",
        "deadline_at",
        "refunded_at",
        "refund_account",
        "updated_at",
        "exchange_items",
        "replacement_reserved",
        "replacement_carrier",
        "replacement_tracking_no",
        "reshipped_at",
        "appeal_outcome",
    }
)
# An after-sale in one of these still owns its items: the order gets no second one.
ACTIVE_STATUSES = (
    "requested",
    "approved",
    "rejected",
    "awaiting_return",
    "return_shipped",
    "received",
    "appealed",
    "reshipped",
)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


# ---- uploads ------------------------------------------------------------------------


def insert_upload(
    db: Database,
    *,
    user_id: int,
    content_type: str,
    size: int,
    filename: str,
    data: bytes,
    now: float,
) -> int:
    return db.insert(
        "INSERT INTO uploads(user_id, content_type, size, filename, data, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (user_id, content_type, size, filename, data, now),
    )


def unattached_uploads(db: Database, user_id: int) -> tuple[int, int, float | None]:
    """The user's uploads no after-sale names yet: how many, their bytes, the oldest's time."""
    row = db.one(
        "SELECT COUNT(*) AS uploads, COALESCE(SUM(size), 0) AS bytes, MIN(created_at) AS oldest"
        " FROM uploads WHERE user_id = ? AND attached_at IS NULL",
        (user_id,),
    )
    assert row is not None
    return int(row["uploads"]), int(row["bytes"]), row["oldest"]


def attach_uploads(db: Database, upload_ids: Sequence[int], now: float) -> None:
    """Marks uploads as named by an after-sale: no longer quota-limited nor collected."""
    if upload_ids:
        db.execute(
            f"UPDATE uploads SET attached_at = ? WHERE attached_at IS NULL"
            f" AND id IN ({_marks(upload_ids)})",
            (now, *upload_ids),
        )


def any_unattached_before(db: Database, before: float) -> bool:
    return (
        db.one(
            "SELECT 1 FROM uploads WHERE attached_at IS NULL AND created_at <= ? LIMIT 1",
            (before,),
        )
        is not None
    )


def delete_unattached_before(db: Database, before: float) -> None:
    db.execute("DELETE FROM uploads WHERE attached_at IS NULL AND created_at <= ?", (before,))


def own_upload_ids(db: Database, user_id: int, upload_ids: Sequence[int]) -> set[int]:
    """Which of `upload_ids` this user uploaded."""
    if not upload_ids:
        return set()
    rows = db.all(
        f"SELECT id FROM uploads WHERE user_id = ? AND id IN ({_marks(upload_ids)})",
        (user_id, *upload_ids),
    )
    return {row["id"] for row in rows}


# ---- after-sales --------------------------------------------------------------------


def insert_after_sale(db: Database, fields: dict[str, Any]) -> int:
    columns = ", ".join(fields)
    return db.insert(
        f"INSERT INTO after_sales({columns}) VALUES ({_marks(list(fields))})",
        tuple(fields.values()),
    )


def get_after_sale(db: Database, after_sale_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM after_sales WHERE id = ?", (after_sale_id,))


def update_after_sale(db: Database, after_sale_id: int, **fields: Any) -> None:
    unknown = set(fields) - UPDATABLE_COLUMNS
    if unknown:
        raise KeyError(f"not an updatable after-sale column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in fields)
    db.execute(
        f"UPDATE after_sales SET {assignments} WHERE id = ?", (*fields.values(), after_sale_id)
    )


def list_for_user(
    db: Database,
    user_id: int,
    *,
    order_id: int | None,
    after: tuple[float, int] | None,
    limit: int,
) -> list[sqlite3.Row]:
    """Newest first, keyset-paged by (created_at, id)."""
    where = ["user_id = ?"]
    params: list[Any] = [user_id]
    if order_id is not None:
        where.append("order_id = ?")
        params.append(order_id)
    if after is not None:
        where.append("(created_at < ? OR (created_at = ? AND id < ?))")
        params.extend([after[0], after[0], after[1]])
    return db.all(
        f"SELECT * FROM after_sales WHERE {' AND '.join(where)}"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        (*params, limit),
    )


def active_for_order(
    db: Database, order_id: int, exclude_id: int | None = None
) -> sqlite3.Row | None:
    return db.one(
        f"SELECT * FROM after_sales WHERE order_id = ? AND status IN ({_marks(ACTIVE_STATUSES)})"
        " AND id != ? ORDER BY id LIMIT 1",
        (order_id, *ACTIVE_STATUSES, exclude_id if exclude_id is not None else -1),
    )


def ids_in_status(db: Database, status: str, entered_before: float | None = None) -> list[int]:
    """After-sales in `status` (that entered it at or before `entered_before`), oldest
    first: the merchant's queue, without the demo's showcase."""
    rows = db.all(
        "SELECT id FROM after_sales WHERE status = ? AND showcase = 0"
        " AND (? IS NULL OR updated_at <= ?) ORDER BY id",
        (status, entered_before, entered_before),
    )
    return [row["id"] for row in rows]


def overdue_requested(db: Database, now: float) -> list[int]:
    rows = db.all(
        "SELECT id FROM after_sales WHERE status = 'requested' AND deadline_at <= ?"
        " ORDER BY deadline_at, id",
        (now,),
    )
    return [row["id"] for row in rows]


def add_event(
    db: Database,
    after_sale_id: int,
    *,
    status: str,
    actor: str,
    at: float,
    note: str = "",
    note_key: str | None = None,
    note_params: str | None = None,
) -> None:
    db.execute(
        "INSERT INTO after_sale_events(after_sale_id, status, actor, note, note_key,"
        " note_params, at) VALUES (?,?,?,?,?,?,?)",
        (after_sale_id, status, actor, note, note_key, note_params, at),
    )


def events(db: Database, after_sale_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT status, actor, note, note_key, note_params, at FROM after_sale_events"
        " WHERE after_sale_id = ? ORDER BY at, id",
        (after_sale_id,),
    )


def times_rejected(db: Database, after_sale_id: int) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM after_sale_events WHERE after_sale_id = ? AND status = 'rejected'",
        (after_sale_id,),
    )
    return count


def times_resubmitted(db: Database, after_sale_id: int) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM after_sale_events WHERE after_sale_id = ?"
        " AND note_key = 'resubmitted'",
        (after_sale_id,),
    )
    return count


def ended_without_refund(db: Database, order_id: int) -> int:
    """The order's after-sales that were withdrawn or closed by the platform."""
    count: int = db.scalar(
        "SELECT COUNT(*) FROM after_sales WHERE order_id = ? AND status IN ('cancelled', 'closed')",
        (order_id,),
    )
    return count


def tracking_no_taken(db: Database, tracking_no: str) -> bool:
    """Whether any parcel, order or return already uses this number."""
    return bool(
        db.scalar(
            "SELECT EXISTS (SELECT 1 FROM parcels WHERE tracking_no = ?)"
            " OR EXISTS (SELECT 1 FROM orders WHERE tracking_no = ?)"
            " OR EXISTS (SELECT 1 FROM after_sales WHERE return_tracking_no = ?)"
            " OR EXISTS (SELECT 1 FROM after_sales WHERE replacement_tracking_no = ?)",
            (tracking_no, tracking_no, tracking_no, tracking_no),
        )
    )


def last_parcel_event_at(db: Database, tracking_no: str) -> float | None:
    at: float | None = db.scalar(
        "SELECT MAX(at) FROM logistics_events WHERE tracking_no = ?", (tracking_no,)
    )
    return at


def parcel_delivered(db: Database, tracking_no: str) -> bool:
    return bool(
        db.scalar(
            "SELECT delivered_at IS NOT NULL FROM parcels WHERE tracking_no = ?", (tracking_no,)
        )
    )


def reshipped_before(db: Database, before: float) -> list[int]:
    """Exchanges whose replacement was shipped at or before `before`, oldest first."""
    rows = db.all(
        "SELECT id FROM after_sales WHERE status = 'reshipped' AND reshipped_at <= ?"
        " ORDER BY reshipped_at, id",
        (before,),
    )
    return [row["id"] for row in rows]


# ---- replacement stock ----------------------------------------------------------------


def sku(db: Database, sku_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT id, product_id, specs, price_fen, stock FROM skus WHERE id = ?", (sku_id,)
    )


def skus_of_product(db: Database, product_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT id, product_id, specs, price_fen, stock FROM skus WHERE product_id = ? ORDER BY id",
        (product_id,),
    )


def take_stock(db: Database, sku_id: int, qty: int) -> bool:
    """Takes `qty` off the shelf only if that many are there (never below zero)."""
    cursor = db.execute(
        "UPDATE skus SET stock = stock - ? WHERE id = ? AND stock >= ?", (qty, sku_id, qty)
    )
    if cursor.rowcount != 1:
        return False
    _product_stock(db, sku_id, -qty)
    return True


def put_back_stock(db: Database, sku_id: int, qty: int) -> None:
    db.execute("UPDATE skus SET stock = stock + ? WHERE id = ?", (qty, sku_id))
    _product_stock(db, sku_id, qty)


def _product_stock(db: Database, sku_id: int, change: int) -> None:
    """Keeps the product's stock the sum of its SKUs'."""
    db.execute(
        "UPDATE products SET stock = stock + ?"
        " WHERE id = (SELECT product_id FROM skus WHERE id = ?)",
        (change, sku_id),
    )


# ---- the order side -----------------------------------------------------------------


def order(db: Database, order_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM orders WHERE id = ?", (order_id,))


def order_no(db: Database, order_id: int) -> str:
    number: str = db.scalar("SELECT order_no FROM orders WHERE id = ?", (order_id,))
    return number


def order_lines(db: Database, order_id: int) -> list[sqlite3.Row]:
    """The order's items with their product's return rule."""
    return db.all(
        "SELECT oi.id, oi.product_id, oi.sku_id, oi.name, oi.specs, oi.price_fen, oi.qty,"
        " oi.discount_share_fen, oi.refunded, p.returnable, p.return_window_days,"
        " p.non_returnable_reason FROM order_items oi JOIN products p ON p.id = oi.product_id"
        " WHERE oi.order_id = ? ORDER BY oi.id",
        (order_id,),
    )


def mark_items_refunded(db: Database, order_id: int, item_ids: Sequence[int]) -> None:
    db.execute(
        f"UPDATE order_items SET refunded = 1 WHERE order_id = ? AND id IN ({_marks(item_ids)})",
        (order_id, *item_ids),
    )


def close_order(db: Database, order_id: int, now: float) -> bool:
    """Shipped or completed → closed (交易关闭) once every item is refunded."""
    cursor = db.execute(
        "UPDATE orders SET status = 'closed', closed_at = ? WHERE id = ?"
        " AND status IN ('shipped', 'completed')",
        (now, order_id),
    )
    return cursor.rowcount == 1


def set_order_after_sale_status(db: Database, order_id: int, status: str) -> None:
    db.execute("UPDATE orders SET after_sale_status = ? WHERE id = ?", (status, order_id))
