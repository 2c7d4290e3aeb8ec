"""SQL for the cart, and what the checkout quote reads: SKU facts and shipping templates."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from fake_backend.storage.db import Database

# A SKU with what a cart line or a quote line shows of its product.
SKU_FACTS = (
    "s.id AS sku_id, s.product_id, s.specs, s.price_fen, s.stock, p.name, p.brand, p.kind,"
    " (SELECT pi.image_id FROM product_images pi WHERE pi.product_id = p.id"
    "  ORDER BY pi.position LIMIT 1) AS image_id"
)


def sku_facts(db: Database, sku_ids: Sequence[int]) -> dict[int, sqlite3.Row]:
    """SKU id → its facts, for the ids that exist."""
    if not sku_ids:
        return {}
    marks = ",".join("?" * len(sku_ids))
    rows = db.all(
        f"SELECT {SKU_FACTS} FROM skus s JOIN products p ON p.id = s.product_id"
        f" WHERE s.id IN ({marks})",
        tuple(sku_ids),
    )
    return {row["sku_id"]: row for row in rows}


def cart_rows(db: Database, user_id: int) -> list[sqlite3.Row]:
    """The user's cart lines with their SKU facts, newest first."""
    return db.all(
        f"SELECT ci.id, ci.qty, ci.selected, ci.added_price_fen, {SKU_FACTS}"
        " FROM cart_items ci JOIN skus s ON s.id = ci.sku_id"
        " JOIN products p ON p.id = s.product_id"
        " WHERE ci.user_id = ? ORDER BY ci.created_at DESC, ci.id DESC",
        (user_id,),
    )


def item(db: Database, user_id: int, item_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT id, sku_id, qty, selected, added_price_fen FROM cart_items"
        " WHERE id = ? AND user_id = ?",
        (item_id, user_id),
    )


def item_for_sku(db: Database, user_id: int, sku_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT id, sku_id, qty, selected, added_price_fen FROM cart_items"
        " WHERE user_id = ? AND sku_id = ?",
        (user_id, sku_id),
    )


def line_count(db: Database, user_id: int) -> int:
    count: int = db.scalar("SELECT COUNT(*) FROM cart_items WHERE user_id = ?", (user_id,))
    return count


def insert(db: Database, user_id: int, sku_id: int, qty: int, price_fen: int, now: float) -> int:
    return db.insert(
        "INSERT INTO cart_items(user_id, sku_id, qty, selected, added_price_fen, created_at)"
        " VALUES (?,?,?,1,?,?)",
        (user_id, sku_id, qty, price_fen, now),
    )


def set_qty(db: Database, item_id: int, qty: int) -> None:
    db.execute("UPDATE cart_items SET qty = ? WHERE id = ?", (qty, item_id))


def set_selected(db: Database, item_id: int, selected: bool) -> None:
    db.execute("UPDATE cart_items SET selected = ? WHERE id = ?", (int(selected), item_id))


def set_all_selected(db: Database, user_id: int, selected: bool) -> None:
    db.execute("UPDATE cart_items SET selected = ? WHERE user_id = ?", (int(selected), user_id))


def selected_items(db: Database, user_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT id, sku_id, qty, added_price_fen FROM cart_items"
        " WHERE user_id = ? AND selected = 1 ORDER BY created_at DESC, id DESC",
        (user_id,),
    )


def delete(db: Database, user_id: int, item_ids: Sequence[int]) -> int:
    """Deletes the user's items among `item_ids`; answers how many went."""
    if not item_ids:
        return 0
    marks = ",".join("?" * len(item_ids))
    cursor = db.execute(
        f"DELETE FROM cart_items WHERE user_id = ? AND id IN ({marks})",
        (user_id, *item_ids),
    )
    return cursor.rowcount


def shipping_template(db: Database, province: str | None) -> sqlite3.Row:
    """The shipping template of `province`, else the default '*' row."""
    row = db.one(
        "SELECT province, base_fen, free_over_fen, days_min, days_max FROM shipping_templates"
        " WHERE province IN (?, '*') ORDER BY province = '*' LIMIT 1",
        (province or "*",),
    )
    assert row is not None, "the '*' shipping template is seeded with the shop"
    return row
