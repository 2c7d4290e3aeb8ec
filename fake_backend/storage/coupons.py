"""SQL for coupon templates, users' coupons and daily check-ins."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

COUPON_COLUMNS = (
    "uc.id, uc.template_id, uc.status, uc.claimed_at, uc.expires_at, uc.used_order_id,"
    " t.kind, t.title_zh, t.title_en, t.threshold_fen, t.discount_fen, t.brand"
)


def template(db: Database, template_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM coupon_templates WHERE id = ?", (template_id,))


def first_template_of_kind(db: Database, kind: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM coupon_templates WHERE kind = ? ORDER BY id LIMIT 1", (kind,))


def claimable_templates(db: Database, brand: str | None, any_brand: bool) -> list[sqlite3.Row]:
    """Platform templates plus store ones of `brand` (of every brand when `any_brand`)."""
    return db.all(
        "SELECT * FROM coupon_templates WHERE claimable = 1 AND (kind = 'platform'"
        " OR (kind = 'store' AND (? OR brand = ?))) ORDER BY kind, discount_fen DESC, id",
        (int(any_brand), brand),
    )


def claimed_template_ids(db: Database, user_id: int) -> set[int]:
    rows = db.all("SELECT DISTINCT template_id FROM user_coupons WHERE user_id = ?", (user_id,))
    return {row["template_id"] for row in rows}


def insert_coupon(
    db: Database, user_id: int, template_id: int, claimed_at: float, expires_at: float
) -> int:
    return db.insert(
        "INSERT INTO user_coupons(user_id, template_id, claimed_at, expires_at) VALUES (?,?,?,?)",
        (user_id, template_id, claimed_at, expires_at),
    )


def coupon(db: Database, user_id: int, coupon_id: int) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {COUPON_COLUMNS} FROM user_coupons uc"
        " JOIN coupon_templates t ON t.id = uc.template_id WHERE uc.id = ? AND uc.user_id = ?",
        (coupon_id, user_id),
    )


# Per status: which coupons (the condition takes the time now), and the keyset column
# and direction they are listed by.
COUPON_LISTS = {
    "usable": ("uc.status = 'usable' AND uc.expires_at > :now", "uc.expires_at", "ASC"),
    "expired": ("uc.status = 'usable' AND uc.expires_at <= :now", "uc.expires_at", "DESC"),
    "used": ("uc.status = 'used'", "uc.claimed_at", "DESC"),
}


def coupons_by_status(db: Database, user_id: int, status: str, now: float) -> list[sqlite3.Row]:
    """Every coupon of one status, in the order `coupons_page` lists them."""
    return coupons_page(db, user_id, status, now, None, -1)


def coupons_page(
    db: Database,
    user_id: int,
    status: str,
    now: float,
    after: tuple[float, int] | None,
    limit: int,
) -> list[sqlite3.Row]:
    """`usable` (not yet expired, soonest expiry first), `expired` or `used` (newest
    first); `after` is the (expires_at or claimed_at, id) ending the previous page; a
    `limit` of -1 lists them all."""
    where, column, direction = COUPON_LISTS[status]
    params: dict[str, object] = {"user_id": user_id, "now": now, "limit": limit}
    keyset = ""
    if after is not None:
        beyond = ">" if direction == "ASC" else "<"
        keyset = f" AND ({column} {beyond} :value OR ({column} = :value AND uc.id {beyond} :id))"
        params.update(value=after[0], id=after[1])
    return db.all(
        f"SELECT {COUPON_COLUMNS} FROM user_coupons uc"
        f" JOIN coupon_templates t ON t.id = uc.template_id"
        f" WHERE uc.user_id = :user_id AND {where}{keyset}"
        f" ORDER BY {column} {direction}, uc.id {direction} LIMIT :limit",
        params,
    )


def product_brand(db: Database, product_id: int) -> str | None:
    brand: str | None = db.scalar("SELECT brand FROM products WHERE id = ?", (product_id,))
    return brand


def check_in_days(db: Database, user_id: int, limit: int) -> list[str]:
    """The user's check-in days, newest first."""
    rows = db.all(
        "SELECT day FROM check_ins WHERE user_id = ? ORDER BY day DESC LIMIT ?", (user_id, limit)
    )
    return [row["day"] for row in rows]


def has_checked_in(db: Database, user_id: int, day: str) -> bool:
    row = db.one("SELECT 1 FROM check_ins WHERE user_id = ? AND day = ?", (user_id, day))
    return row is not None


def insert_check_in(db: Database, user_id: int, day: str, coupon_id: int | None) -> None:
    db.execute(
        "INSERT INTO check_ins(user_id, day, coupon_id) VALUES (?,?,?)", (user_id, day, coupon_id)
    )
