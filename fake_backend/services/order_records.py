"""What every area that touches an order shares: finding the user's order and adding a line
to its timeline.

It sits below `orders`, `payments`, `logistics`, `after_sales` and `reviews`, and imports
none of them, so the services' imports form a DAG (`tests/backend/test_layers.py`).
"""

from __future__ import annotations

import sqlite3

from fake_backend.context import Ctx
from fake_backend.errors import not_found
from fake_backend.services.rules import dumps
from fake_backend.storage import orders as store

# The first key of a note kept in both languages (`both_languages`).
BILINGUAL_MARK = "zh"


def add_event(ctx: Ctx, order_id: int, status: str, note: str = "") -> None:
    """Appends a line to the order's timeline."""
    with ctx.db.tx():
        store.add_event(ctx.db, order_id, status, note, ctx.now())


def both_languages(zh: str, en: str) -> str:
    """An event note with figures in it (no fixed `NOTE_TEXTS` key fits), kept in both
    languages and shown in the reader's."""
    return dumps({BILINGUAL_MARK: zh, "en": en})


def load_order(ctx: Ctx, user_id: int, order_id: int) -> sqlite3.Row:
    """The order row if it is the user's; 404 otherwise (never revealing it exists)."""
    order = store.get_order(ctx.db, order_id)
    if order is None or order["user_id"] != user_id:
        raise not_found("order")
    return order
