"""Virtual goods' codes (docs/api.md §7.1): paying a virtual order delivers one code per
unit at once; only the owner reads them, and the first reading marks them viewed (after
which the order can no longer be refunded).

Codes are derived from a secret the database keeps (`meta`), the order and the line, so
the same database gives the same codes (tests, snapshots) and nobody without it can guess
one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from typing import TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, invalid_state
from fake_backend.services.order_records import load_order
from fake_backend.storage import bookings as store
from fake_backend.storage import orders as order_store

CODE_LIFETIME_SECONDS = 365 * 86400
# Letters and digits a reader cannot mistake for each other (no 0/O, 1/I).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4


class DeliverySummary(TypedDict):
    count: int
    codes_viewed: bool


class DeliveryCode(TypedDict):
    code: str
    expires_at: str | None
    item_id: int
    name: str


class DeliveryView(TypedDict):
    codes: list[DeliveryCode]


def issue(ctx: Ctx, order_id: int) -> None:
    """Delivers the codes of a paid virtual order (inside the caller's transaction)."""
    secret = store.code_secret(ctx.db)
    if secret is None:
        secret = secrets.token_hex(16)
        store.set_code_secret(ctx.db, secret)
    expires_at = ctx.now() + CODE_LIFETIME_SECONDS
    made = []
    for item in order_store.order_items(ctx.db, order_id):
        for unit in range(item["qty"]):
            made.append((item["id"], _code(secret, order_id, item["id"], unit), expires_at))
    store.insert_codes(ctx.db, order_id, made)


def summary(ctx: Ctx, order: sqlite3.Row) -> DeliverySummary | None:
    """`delivery` of a virtual order once paid; None for other orders and unpaid ones."""
    if order["kind"] != "virtual" or order["paid_at"] is None:
        return None
    return {
        "count": store.code_count(ctx.db, order["id"]),
        "codes_viewed": order["codes_viewed_at"] is not None,
    }


def reveal(ctx: Ctx, user_id: int, order_id: int) -> DeliveryView:
    """The codes, for the order's owner; the first call marks them viewed."""
    with ctx.db.tx():
        order = load_order(ctx, user_id, order_id)
        if order["kind"] != "virtual":
            raise ApiError("NOT_VIRTUAL")
        if order["paid_at"] is None:
            raise invalid_state(order["status"])
        if order["after_sale_status"] == "in_progress":
            # A refund is being decided on codes nobody has seen: they stay unseen till then.
            raise invalid_state("after_sale_in_progress")
        store.mark_codes_viewed(ctx.db, order_id, ctx.now())
        rows = store.codes(ctx.db, order_id)
    return {
        "codes": [
            {
                "code": row["code"],
                "expires_at": iso(row["expires_at"]),
                "item_id": row["order_item_id"],
                "name": row["name"],
            }
            for row in rows
        ]
    }


def _code(secret: str, order_id: int, item_id: int, unit: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{order_id}:{item_id}:{unit}".encode(), hashlib.sha256
    ).digest()
    letters = "".join(
        CODE_ALPHABET[byte % len(CODE_ALPHABET)]
        for byte in digest[: CODE_GROUPS * CODE_GROUP_LENGTH]
    )
    return "-".join(
        letters[start : start + CODE_GROUP_LENGTH]
        for start in range(0, len(letters), CODE_GROUP_LENGTH)
    )
