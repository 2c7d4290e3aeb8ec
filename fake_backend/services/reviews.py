"""Buyers' reviews: once per order item, on completed orders, within 30 days.

A review updates its product's `rating` (the average of its reviews, one decimal) and
`review_count` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state, not_found
from fake_backend.services import order_records
from fake_backend.services.rules import loads, mask_name
from fake_backend.storage import logistics as store

REVIEW_WINDOW_DAYS = 30
DAY = 86400.0


def post_review(
    ctx: Ctx, user_id: int, order_id: int, item_id: int | None, rating: int, text: str
) -> dict[str, Any]:
    """Reviews one item of a completed order, or (no `item_id`) every item not yet reviewed."""
    if not text.strip():
        raise field_error("text", "too_short")
    with ctx.db.tx():
        order = order_records.load_order(ctx, user_id, order_id)
        if order["status"] != "completed":
            raise invalid_state(order["status"])
        if ctx.now() > order["completed_at"] + REVIEW_WINDOW_DAYS * DAY:
            raise ApiError(
                "REVIEW_WINDOW_CLOSED",
                days=REVIEW_WINDOW_DAYS,
                details={"closed_at": iso(order["completed_at"] + REVIEW_WINDOW_DAYS * DAY)},
            )
        items = store.order_items(ctx.db, order_id)
        if item_id is not None:
            items = [item for item in items if item["id"] == item_id]
            if not items:
                raise not_found("order_item")
        pending = [item for item in items if item["review_id"] is None]
        if not pending:
            raise ApiError("ALREADY_REVIEWED", details={"item_id": item_id})
        author = mask_name(store.nickname(ctx.db, user_id))
        now = ctx.now()
        written = []
        for item in pending:
            review_id = store.insert_review(
                ctx.db,
                product_id=item["product_id"],
                user_id=user_id,
                order_item_id=item["id"],
                author=author,
                rating=rating,
                text=text,
                specs=item["specs"],
                now=now,
            )
            written.append(
                {
                    "id": review_id,
                    "order_item_id": item["id"],
                    "product_id": item["product_id"],
                    "author": author,
                    "rating": rating,
                    "text": text,
                    "specs": loads(item["specs"]) or {},
                    "created_at": iso(now),
                }
            )
        for product_id in sorted({item["product_id"] for item in pending}):
            refresh_rating(ctx, product_id)
    return {"items": written}


def refresh_rating(ctx: Ctx, product_id: int) -> None:
    """Recomputes a product's average rating (half up, one decimal) and review count."""
    total, count = store.rating_totals(ctx.db, product_id)
    if count == 0:
        return
    tenths = (total * 20 + count) // (2 * count)  # round(total / count, 1), half up, in ints
    store.set_product_rating(ctx.db, product_id, tenths / 10, count)
