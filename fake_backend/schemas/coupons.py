"""Coupons and the daily check-in on the wire."""

from __future__ import annotations

from pydantic import BaseModel


class Coupon(BaseModel):
    id: int
    template_id: int
    kind: str
    title: str
    threshold_fen: int
    discount_fen: int
    brand: str | None
    status: str
    claimed_at: str
    expires_at: str
    used_order_id: int | None


class CouponList(BaseModel):
    items: list[Coupon]
    next_cursor: str | None


class ClaimableCoupon(BaseModel):
    id: int
    kind: str
    title: str
    threshold_fen: int
    discount_fen: int
    brand: str | None
    valid_days: int
    claimed: bool


class ClaimableCouponList(BaseModel):
    items: list[ClaimableCoupon]


class CheckInResult(BaseModel):
    day: str
    streak: int
    coupon: Coupon | None


class CheckInDay(BaseModel):
    day: str
    checked_in: bool


class CheckInStatus(BaseModel):
    checked_in_today: bool
    streak: int
    recent_days: list[CheckInDay]
