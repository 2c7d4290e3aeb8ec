"""The cart: one line per SKU, 1–99 each, at most 100 lines, never more than in stock.

A line remembers the price when it was added so the cart can flag a price change; the
price charged is always the SKU's current one (the quote reads it again).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, not_found
from fake_backend.services.pricing import sku_view
from fake_backend.storage import cart as store

MAX_QTY = 99
MAX_LINES = 100


@dataclass(frozen=True)
class CartLine:
    """A selected cart line as checkout and order creation take it."""

    cart_item_id: int
    sku_id: int
    qty: int
    added_price_fen: int


def check_qty(qty: int, field: str = "qty") -> None:
    if not 1 <= qty <= MAX_QTY:
        raise field_error(field, "bad_quantity", max=MAX_QTY)


def _item_view(row: sqlite3.Row) -> dict[str, Any]:
    view = sku_view(row)
    available = row["stock"] > 0 and row["stock"] >= row["qty"]
    return {
        "id": row["id"],
        **view,
        "qty": row["qty"],
        "selected": bool(row["selected"]),
        "added_price_fen": row["added_price_fen"],
        "price_changed": row["price_fen"] != row["added_price_fen"],
        "available": available,
        "line_total_fen": row["price_fen"] * row["qty"],
    }


def view_cart(ctx: Ctx, user_id: int) -> dict[str, Any]:
    items = [_item_view(row) for row in store.cart_rows(ctx.db, user_id)]
    selected = [item for item in items if item["selected"]]
    return {
        "items": items,
        "count": sum(item["qty"] for item in items),
        "selected_count": sum(item["qty"] for item in selected),
        "selected_subtotal_fen": sum(item["line_total_fen"] for item in selected),
    }


def _sku(ctx: Ctx, sku_id: int) -> sqlite3.Row:
    row = store.sku_facts(ctx.db, [sku_id]).get(sku_id)
    if row is None:
        raise not_found("sku")
    return row


def _check_stock(sku: sqlite3.Row, qty: int) -> None:
    if qty > sku["stock"]:
        raise ApiError(
            "OUT_OF_STOCK",
            name=sku["name"],
            available=sku["stock"],
            details={"sku_id": sku["sku_id"], "available": sku["stock"]},
        )


def add_item(ctx: Ctx, user_id: int, sku_id: int, qty: int) -> dict[str, Any]:
    """Adds `qty` of a SKU; a SKU already in the cart grows its line (and selects it)."""
    check_qty(qty)
    with ctx.db.tx():
        sku = _sku(ctx, sku_id)
        existing = store.item_for_sku(ctx.db, user_id, sku_id)
        if existing is None:
            if store.line_count(ctx.db, user_id) >= MAX_LINES:
                raise field_error("cart", "too_many")
            _check_stock(sku, qty)
            store.insert(ctx.db, user_id, sku_id, qty, sku["price_fen"], ctx.now())
        else:
            merged = existing["qty"] + qty
            check_qty(merged)
            _check_stock(sku, merged)
            store.set_qty(ctx.db, existing["id"], merged)
            store.set_selected(ctx.db, existing["id"], True)
    return view_cart(ctx, user_id)


def update_item(
    ctx: Ctx, user_id: int, item_id: int, qty: int | None, selected: bool | None
) -> dict[str, Any]:
    """Changes a line's quantity and/or selection (at least one of them)."""
    if qty is None and selected is None:
        raise field_error("body", "nothing_to_change")
    if qty is not None:
        check_qty(qty)
    with ctx.db.tx():
        item = store.item(ctx.db, user_id, item_id)
        if item is None:
            raise not_found("cart_item")
        if qty is not None:
            _check_stock(_sku(ctx, item["sku_id"]), qty)
            store.set_qty(ctx.db, item_id, qty)
        if selected is not None:
            store.set_selected(ctx.db, item_id, selected)
    return view_cart(ctx, user_id)


def delete_item(ctx: Ctx, user_id: int, item_id: int) -> dict[str, Any]:
    with ctx.db.tx():
        if store.delete(ctx.db, user_id, [item_id]) == 0:
            raise not_found("cart_item")
    return view_cart(ctx, user_id)


def select_all(ctx: Ctx, user_id: int, selected: bool) -> dict[str, Any]:
    with ctx.db.tx():
        store.set_all_selected(ctx.db, user_id, selected)
    return view_cart(ctx, user_id)


def selected_lines(ctx: Ctx, user_id: int) -> list[CartLine]:
    """The selected lines, newest first (read-only: usable inside a caller's transaction)."""
    return [
        CartLine(
            cart_item_id=row["id"],
            sku_id=row["sku_id"],
            qty=row["qty"],
            added_price_fen=row["added_price_fen"],
        )
        for row in store.selected_items(ctx.db, user_id)
    ]


def remove_items(ctx: Ctx, user_id: int, cart_item_ids: Sequence[int]) -> None:
    """Drops the user's lines among `cart_item_ids` (others' ids are ignored); joins the
    caller's transaction."""
    with ctx.db.tx():
        store.delete(ctx.db, user_id, list(cart_item_ids))
