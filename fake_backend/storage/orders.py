"""SQL for orders, their items and events, stock reservation and coupon use."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from fake_backend.storage.db import Database

# The order columns a service may set with `update_order`.
UPDATABLE_COLUMNS = frozenset(
    {
        "status",
        "after_sale_status",
        "subtotal_fen",
        "shipping_fen",
        "discount_fen",
        "total_fen",
        "refunded_fen",
        "coupon_id",
        "payment_method",
        "paid_method",
        "address",
        "address_id",
        "cancel_reason",
        "carrier",
        "tracking_no",
        "est_earliest",
        "est_latest",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "completed_at",
        "cancelled_at",
        "closed_at",
    }
)
# Filters of `GET /orders?status=`: a WHERE fragment each.
STATUS_FILTERS: dict[str, str] = {
    "all": "1 = 1",
    "pending_payment": "status = 'pending_payment'",
    "awaiting_shipment": "status = 'awaiting_shipment'",
    "awaiting_service": "status = 'awaiting_service'",
    "shipped": "status = 'shipped'",
    "completed": "status = 'completed'",
    "cancelled": "status = 'cancelled'",
    "closed": "status = 'closed'",
    "after_sale": "after_sale_status != 'none'",
}


def get_order(db: Database, order_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM orders WHERE id = ?", (order_id,))


def guest_order_by_no(db: Database, order_no: str, guest_phone: str) -> sqlite3.Row | None:
    """The order numbered `order_no` if a guest with `guest_phone` placed it."""
    return db.one(
        "SELECT * FROM orders WHERE order_no = ? AND guest_phone = ?", (order_no, guest_phone)
    )


def next_order_no(db: Database, day_code: str) -> str:
    """`KS` + yymmdd + the day's next 6-digit sequence number."""
    prefix = f"KS{day_code}"
    last = db.scalar(
        "SELECT MAX(order_no) FROM orders WHERE order_no >= ? AND order_no < ?",
        (prefix, f"{prefix}A"),
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def insert_order(db: Database, fields: dict[str, Any]) -> int:
    columns = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return db.insert(f"INSERT INTO orders({columns}) VALUES ({marks})", tuple(fields.values()))


def update_order(db: Database, order_id: int, **fields: Any) -> None:
    unknown = set(fields) - UPDATABLE_COLUMNS
    if unknown:
        raise KeyError(f"not an updatable order column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in fields)
    db.execute(f"UPDATE orders SET {assignments} WHERE id = ?", (*fields.values(), order_id))


def set_status_if(db: Database, order_id: int, expected: str, **fields: Any) -> bool:
    """Moves an order on only if it is still in `expected` (guards against a race)."""
    unknown = set(fields) - UPDATABLE_COLUMNS
    if unknown:
        raise KeyError(f"not an updatable order column: {sorted(unknown)}")
    assignments = ", ".join(f"{column} = ?" for column in fields)
    cursor = db.execute(
        f"UPDATE orders SET {assignments} WHERE id = ? AND status = ?",
        (*fields.values(), order_id, expected),
    )
    return cursor.rowcount == 1


def insert_items(db: Database, order_id: int, items: Sequence[dict[str, Any]]) -> None:
    db.executemany(
        "INSERT INTO order_items(order_id, product_id, sku_id, name, specs, price_fen, qty,"
        " discount_share_fen) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                order_id,
                item["product_id"],
                item["sku_id"],
                item["name"],
                item["specs"],
                item["price_fen"],
                item["qty"],
                item["discount_share_fen"],
            )
            for item in items
        ],
    )


def delete_items(db: Database, order_id: int) -> None:
    db.execute("DELETE FROM order_items WHERE order_id = ?", (order_id,))


def order_items(db: Database, order_id: int) -> list[sqlite3.Row]:
    """The order's lines with their product's first image and whether they were reviewed."""
    return db.all(
        "SELECT oi.*,"
        " (SELECT pi.image_id FROM product_images pi WHERE pi.product_id = oi.product_id"
        "  ORDER BY pi.position LIMIT 1) AS image_id,"
        " EXISTS (SELECT 1 FROM reviews r WHERE r.order_item_id = oi.id) AS reviewed"
        " FROM order_items oi WHERE oi.order_id = ? ORDER BY oi.id",
        (order_id,),
    )


def items_for_stock(
    db: Database, order_id: int, item_ids: Sequence[int] | None = None
) -> list[sqlite3.Row]:
    """The (sku_id, qty) of lines `item_ids`, or of every line not refunded."""
    if item_ids is None:
        return db.all(
            "SELECT sku_id, qty FROM order_items WHERE order_id = ? AND refunded = 0 ORDER BY id",
            (order_id,),
        )
    marks = ", ".join("?" for _ in item_ids)
    return db.all(
        f"SELECT sku_id, qty FROM order_items WHERE order_id = ? AND id IN ({marks})",
        (order_id, *item_ids),
    )


def reserve_sku(db: Database, sku_id: int, qty: int) -> bool:
    """Takes `qty` from a SKU's stock unless that would go below zero."""
    row = db.execute(
        "UPDATE skus SET stock = stock - ? WHERE id = ? AND stock >= ? RETURNING product_id, stock",
        (qty, sku_id, qty),
    ).fetchone()
    if row is None:
        return False
    db.execute("UPDATE products SET stock = stock - ? WHERE id = ?", (qty, row["product_id"]))
    if row["stock"] == 0:
        settle_price(db, row["product_id"])
    return True


def return_sku(db: Database, sku_id: int, qty: int) -> None:
    row = db.execute(
        "UPDATE skus SET stock = stock + ? WHERE id = ? RETURNING product_id, stock",
        (qty, sku_id),
    ).fetchone()
    if row is None:
        return
    db.execute("UPDATE products SET stock = stock + ? WHERE id = ?", (qty, row["product_id"]))
    if row["stock"] == qty:  # back in stock
        settle_price(db, row["product_id"])


# A product's price (migration 012): its lowest in-stock SKU's, the lowest of all while
# none is in stock.
PRODUCT_PRICE = (
    "COALESCE((SELECT MIN(price_fen) FROM skus WHERE product_id = products.id AND stock > 0),"
    " (SELECT MIN(price_fen) FROM skus WHERE product_id = products.id))"
)


def settle_price(db: Database, product_id: int) -> None:
    """Called when one of the product's SKUs sells out or comes back."""
    db.execute(f"UPDATE products SET price_fen = {PRODUCT_PRICE} WHERE id = ?", (product_id,))


def settle_prices(db: Database, first_id: int) -> None:
    """Prices, and whether the SKUs differ in price, of the products from `first_id` on
    (a seeded catalogue)."""
    db.execute(
        "UPDATE products SET price_varies = (SELECT COUNT(DISTINCT price_fen) > 1 FROM skus"
        f" WHERE product_id = products.id), price_fen = {PRODUCT_PRICE} WHERE id >= ?",
        (first_id,),
    )


def add_event(db: Database, order_id: int, status: str, note: str, at: float) -> None:
    db.execute(
        "INSERT INTO order_events(order_id, status, note, at) VALUES (?,?,?,?)",
        (order_id, status, note, at),
    )


def times_changed(db: Database, order_id: int) -> int:
    """How often the order's lines or address were changed (its timeline says so)."""
    count: int = db.scalar(
        "SELECT COUNT(*) FROM order_events WHERE order_id = ?"
        " AND status IN ('items_changed', 'address_changed')",
        (order_id,),
    )
    return count


def events(db: Database, order_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT status, note, at FROM order_events WHERE order_id = ? ORDER BY at, id",
        (order_id,),
    )


def coupon_title(db: Database, coupon_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT uc.id, t.title_zh, t.title_en FROM user_coupons uc"
        " JOIN coupon_templates t ON t.id = uc.template_id WHERE uc.id = ?",
        (coupon_id,),
    )


def coupon_expires_at(db: Database, coupon_id: int) -> float:
    expires_at: float = db.scalar("SELECT expires_at FROM user_coupons WHERE id = ?", (coupon_id,))
    return expires_at


def use_coupon(db: Database, coupon_id: int, user_id: int, order_id: int) -> bool:
    cursor = db.execute(
        "UPDATE user_coupons SET status = 'used', used_order_id = ?"
        " WHERE id = ? AND user_id = ? AND status = 'usable'",
        (order_id, coupon_id, user_id),
    )
    return cursor.rowcount == 1


def free_coupon(db: Database, coupon_id: int) -> None:
    """Makes a used coupon usable again (an expired one stays expired by its date)."""
    db.execute(
        "UPDATE user_coupons SET status = 'usable', used_order_id = NULL WHERE id = ?",
        (coupon_id,),
    )


def list_page(
    db: Database,
    user_id: int,
    status_filter: str,
    after: tuple[float, int] | None,
    limit: int,
) -> list[sqlite3.Row]:
    """One page of a user's orders, newest first, after the keyset `after`."""
    where = ["o.user_id = ?", STATUS_FILTERS[status_filter]]
    params: list[Any] = [user_id]
    if after is not None:
        where.append("(o.created_at < ? OR (o.created_at = ? AND o.id < ?))")
        params += [after[0], after[0], after[1]]
    return db.all(
        "SELECT o.id, o.order_no, o.kind, o.status, o.after_sale_status, o.created_at,"
        " o.total_fen,"
        " o.tracking_no,"
        " (SELECT COALESCE(SUM(qty), 0) FROM order_items WHERE order_id = o.id) AS item_count,"
        " (SELECT id FROM order_items WHERE order_id = o.id ORDER BY id LIMIT 1) AS first_item_id"
        f" FROM orders o WHERE {' AND '.join(where)}"
        " ORDER BY o.created_at DESC, o.id DESC LIMIT ?",
        (*params, limit),
    )


def first_items(db: Database, item_ids: Sequence[int]) -> dict[int, sqlite3.Row]:
    if not item_ids:
        return {}
    marks = ", ".join("?" for _ in item_ids)
    rows = db.all(
        "SELECT oi.id, oi.name, oi.specs,"
        " (SELECT pi.image_id FROM product_images pi WHERE pi.product_id = oi.product_id"
        "  ORDER BY pi.position LIMIT 1) AS image_id"
        f" FROM order_items oi WHERE oi.id IN ({marks})",
        tuple(item_ids),
    )
    return {row["id"]: row for row in rows}


def counts(db: Database, user_id: int) -> dict[str, int]:
    row = db.one(
        "SELECT COUNT(*) AS all_orders,"
        " SUM(status = 'pending_payment') AS pending_payment,"
        " SUM(status = 'awaiting_shipment') AS awaiting_shipment,"
        " SUM(status = 'awaiting_service') AS awaiting_service,"
        " SUM(status = 'shipped') AS shipped,"
        " SUM(status = 'completed') AS completed,"
        " SUM(status = 'cancelled') AS cancelled,"
        " SUM(status = 'closed') AS closed,"
        " SUM(after_sale_status != 'none') AS after_sale"
        " FROM orders WHERE user_id = ?",
        (user_id,),
    )
    assert row is not None
    result = {key: int(row[key] or 0) for key in row.keys()}  # noqa: SIM118 (a Row iterates values)
    result["all"] = result.pop("all_orders")
    return result


def unpaid_before(db: Database, created_before: float) -> list[int]:
    rows = db.all(
        "SELECT id FROM orders WHERE status = 'pending_payment' AND created_at <= ? ORDER BY id",
        (created_before,),
    )
    return [row["id"] for row in rows]


def delivered_before(db: Database, delivered_before_at: float) -> list[int]:
    rows = db.all(
        "SELECT id FROM orders WHERE status = 'shipped' AND delivered_at IS NOT NULL"
        " AND delivered_at <= ? ORDER BY id",
        (delivered_before_at,),
    )
    return [row["id"] for row in rows]


def return_windows(db: Database, order_id: int) -> list[sqlite3.Row]:
    """Per line: whether the product can be returned and for how many days."""
    return db.all(
        "SELECT oi.id, oi.refunded, p.returnable, p.return_window_days FROM order_items oi"
        " JOIN products p ON p.id = oi.product_id WHERE oi.order_id = ?",
        (order_id,),
    )


def mark_showcase(db: Database, user_id: int) -> None:
    """Marks the user's orders, their after-sales and every parcel of them (the order's,
    a return's, a replacement's) as the demo's showcase, which the merchant simulator
    leaves as it is."""
    db.execute("UPDATE orders SET showcase = 1 WHERE user_id = ?", (user_id,))
    db.execute(
        "UPDATE after_sales SET showcase = 1"
        " WHERE order_id IN (SELECT id FROM orders WHERE user_id = ?)",
        (user_id,),
    )
    db.execute(
        "UPDATE parcels SET showcase = 1 WHERE tracking_no IN ("
        " SELECT tracking_no FROM orders WHERE user_id = ?1"
        " UNION SELECT return_tracking_no FROM after_sales"
        " WHERE order_id IN (SELECT id FROM orders WHERE user_id = ?1)"
        " UNION SELECT replacement_tracking_no FROM after_sales"
        " WHERE order_id IN (SELECT id FROM orders WHERE user_id = ?1))",
        (user_id,),
    )
