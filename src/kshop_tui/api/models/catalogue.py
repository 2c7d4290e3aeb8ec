"""Categories, products and their reviews; coupons and the daily check-in."""

from __future__ import annotations

from typing import Literal

from kshop_tui.api.models.base import Line, Model, Paragraph, Specs


class Category(Model):
    id: int
    name: Line
    parent_id: int | None = None
    product_count: int = 0
    children: list[Category] = []


class Brand(Model):
    name: Line
    product_count: int = 0


class ProductSummary(Model):
    id: int
    name: Line
    brand: Line
    category_id: int
    price_fen: int
    original_price_fen: int | None = None
    sales: int = 0
    stock: int = 0
    rating: float = 0.0
    review_count: int = 0
    image: str | None = None
    returnable: bool = True


class ProductPage(Model):
    items: list[ProductSummary]
    total: int
    next_cursor: str | None = None


class Sku(Model):
    id: int
    specs: Specs
    price_fen: int
    stock: int


class SpecOption(Model):
    name: Line
    values: list[Line]


class Promotion(Model):
    type: str
    label: Line


class CategoryCrumb(Model):
    id: int
    name: Line


class ProductDetail(ProductSummary):
    skus: list[Sku]
    spec_options: list[SpecOption] = []
    images: list[str] = []
    description: Paragraph = ""
    promotions: list[Promotion] = []
    return_window_days: int = 0
    non_returnable_reason: str | None = None
    category_path: list[CategoryCrumb] = []


class Review(Model):
    id: int
    author: Line
    rating: int
    text: Paragraph
    specs: Specs = {}
    created_at: str


class ReviewPage(Model):
    items: list[Review]
    next_cursor: str | None = None
    total: int = 0
    rating_breakdown: dict[str, int] = {}


class ClaimableCoupon(Model):
    id: int
    kind: str
    title: Line
    threshold_fen: int
    discount_fen: int
    brand: Line | None = None
    valid_days: int = 0
    claimed: bool = False


# --- coupons and check-in ----------------------------------------------------------

CouponStatus = Literal["usable", "used", "expired"]


class Coupon(Model):
    id: int
    template_id: int
    kind: str
    title: Line
    threshold_fen: int
    discount_fen: int
    brand: Line | None = None
    status: str
    claimed_at: str
    expires_at: str
    used_order_id: int | None = None


class CouponPage(Model):
    items: list[Coupon]
    next_cursor: str | None = None


class CheckIn(Model):
    day: str
    streak: int
    coupon: Coupon | None = None
    """The streak's reward, on the days that give one."""


class CheckInDay(Model):
    day: str
    checked_in: bool


class CheckInStatus(Model):
    checked_in_today: bool
    streak: int
    recent_days: list[CheckInDay]
