"""Coupons (claim centre, the user's coupons, the new-user gift) and the daily check-in.

A coupon row is `usable` or `used`; `expired` is derived: a usable coupon whose
`expires_at` has passed on the backend clock. Check-in days are calendar days in
Asia/Shanghai, so the day turns over at midnight Beijing time whatever the server's zone.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any, Literal

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, not_found
from fake_backend.services.paging import after_keyset, cut
from fake_backend.services.rules import china_day
from fake_backend.storage import coupons as store

CouponStatus = Literal["usable", "used", "expired"]
DAY_SECONDS = 86400
RECENT_DAYS = 7
# Enough history to count any streak a person would keep up.
STREAK_LOOKBACK_DAYS = 400


def coupon_view(row: sqlite3.Row, now: float, lang: str) -> dict[str, Any]:
    status = row["status"]
    if status == "usable" and row["expires_at"] <= now:
        status = "expired"
    return {
        "id": row["id"],
        "template_id": row["template_id"],
        "kind": row["kind"],
        "title": row["title_zh"] if lang == "zh" else row["title_en"],
        "threshold_fen": row["threshold_fen"],
        "discount_fen": row["discount_fen"],
        "brand": row["brand"],
        "status": status,
        "claimed_at": iso(row["claimed_at"]),
        "expires_at": iso(row["expires_at"]),
        "used_order_id": row["used_order_id"],
    }


def _give(ctx: Ctx, user_id: int, template: sqlite3.Row) -> int:
    now = ctx.now()
    return store.insert_coupon(
        ctx.db, user_id, template["id"], now, now + template["valid_days"] * DAY_SECONDS
    )


def grant_new_user(ctx: Ctx, user_id: int) -> None:
    """Gives a newly registered user the new-user coupon (joins the caller's transaction).

    Calling it again for the same user gives nothing more.
    """
    with ctx.db.tx():
        template = store.first_template_of_kind(ctx.db, "new_user")
        if template is None or template["id"] in store.claimed_template_ids(ctx.db, user_id):
            return
        _give(ctx, user_id, template)


def list_coupons(
    ctx: Ctx, user_id: int, status: CouponStatus, lang: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The user's coupons of one status, `limit` a page (see `store.coupons_page`)."""
    now = ctx.now()
    rows = store.coupons_page(ctx.db, user_id, status, now, after_keyset(cursor), limit + 1)
    sort_column = "claimed_at" if status == "used" else "expires_at"
    page, next_cursor = cut(rows, limit, lambda row: [row[sort_column], row["id"]])
    return {"items": [coupon_view(row, now, lang) for row in page], "next_cursor": next_cursor}


def available(ctx: Ctx, user_id: int, product_id: int | None, lang: str) -> dict[str, Any]:
    """The claim centre: platform coupons plus the store coupons of the product's brand."""
    brand = None
    if product_id is not None:
        brand = store.product_brand(ctx.db, product_id)
        if brand is None:
            raise not_found("product")
    templates = store.claimable_templates(ctx.db, brand, any_brand=product_id is None)
    claimed = store.claimed_template_ids(ctx.db, user_id)
    return {
        "items": [
            {
                "id": row["id"],
                "kind": row["kind"],
                "title": row["title_zh"] if lang == "zh" else row["title_en"],
                "threshold_fen": row["threshold_fen"],
                "discount_fen": row["discount_fen"],
                "brand": row["brand"],
                "valid_days": row["valid_days"],
                "claimed": row["id"] in claimed,
            }
            for row in templates
        ]
    }


def claim(ctx: Ctx, user_id: int, template_id: int, lang: str) -> dict[str, Any]:
    """One coupon per template and user; templates outside the claim centre are 404."""
    with ctx.db.tx():
        template = store.template(ctx.db, template_id)
        if template is None or not template["claimable"]:
            raise not_found("coupon")
        if template_id in store.claimed_template_ids(ctx.db, user_id):
            raise ApiError("ALREADY_CLAIMED")
        coupon_id = _give(ctx, user_id, template)
        row = store.coupon(ctx.db, user_id, coupon_id)
    assert row is not None
    return coupon_view(row, ctx.now(), lang)


def _streak(days_newest_first: list[str], through: str) -> int:
    """How many consecutive days end at `through` in the list."""
    checked = set(days_newest_first)
    streak = 0
    cursor = date.fromisoformat(through)
    while cursor.isoformat() in checked:
        streak += 1
        cursor -= timedelta(days=1)
    return streak


def check_in(ctx: Ctx, user_id: int, lang: str) -> dict[str, Any]:
    """Today's check-in (once per Beijing day) and its small coupon."""
    today = china_day(ctx.now())
    with ctx.db.tx():
        if store.has_checked_in(ctx.db, user_id, today):
            raise ApiError("ALREADY_CHECKED_IN")
        template = store.first_template_of_kind(ctx.db, "check_in")
        coupon_id = _give(ctx, user_id, template) if template is not None else None
        store.insert_check_in(ctx.db, user_id, today, coupon_id)
        days = store.check_in_days(ctx.db, user_id, STREAK_LOOKBACK_DAYS)
        coupon = store.coupon(ctx.db, user_id, coupon_id) if coupon_id is not None else None
    return {
        "day": today,
        "streak": _streak(days, today),
        "coupon": coupon_view(coupon, ctx.now(), lang) if coupon is not None else None,
    }


def check_in_status(ctx: Ctx, user_id: int) -> dict[str, Any]:
    """Whether today is done, the running streak (alive until today ends) and the last week."""
    today = date.fromisoformat(china_day(ctx.now()))
    days = store.check_in_days(ctx.db, user_id, STREAK_LOOKBACK_DAYS)
    checked_today = today.isoformat() in days
    anchor = today if checked_today else today - timedelta(days=1)
    checked = set(days)
    week = [today - timedelta(days=back) for back in range(RECENT_DAYS - 1, -1, -1)]
    return {
        "checked_in_today": checked_today,
        "streak": _streak(days, anchor.isoformat()),
        "recent_days": [
            {"day": day.isoformat(), "checked_in": day.isoformat() in checked} for day in week
        ],
    }
