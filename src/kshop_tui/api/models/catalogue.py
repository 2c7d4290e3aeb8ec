"""Categories, products and their reviews; coupons and the daily check-in."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from kshop_tui.api.models.base import Line, Model, Paragraph, Specs
from kshop_tui.text import clean, clean_spans


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
    price_varies: bool = False
    """The specs differ in price: `price_fen` is where they start (¥60起)."""
    original_price_fen: int | None = None
    sales: int = 0
    stock: int = 0
    rating: float = 0.0
    review_count: int = 0
    image: str | None = None
    returnable: bool = True
    kind: str = "physical"
    """physical (shipped), virtual (codes delivered on payment) or service (booked for a
    2-hour slot); a plain string, so a kind a newer backend adds does not break a list."""


class FoundProduct(ProductSummary):
    """A product in a list of search results."""

    highlights: list[tuple[int, int]] = []
    """The parts of `name` the search matched: (start, end) character offsets, end
    exclusive, sorted and apart; none without a search (or from an older backend)."""

    @model_validator(mode="before")
    @classmethod
    def _highlights_on_the_clean_name(cls, data: Any) -> Any:
        """The backend counts offsets in the name it has; the name shown is cleaned
        (`Line`), so the offsets move with the characters cleaning drops."""
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return data
        spans = data.get("highlights") or []
        if not isinstance(spans, list):
            return data  # the field's own validation says what is wrong
        pairs = [
            (span[0], span[1])
            for span in spans
            if isinstance(span, list | tuple)
            and len(span) == 2
            and all(isinstance(offset, int) and not isinstance(offset, bool) for offset in span)
        ]
        return {**data, "name": clean(data["name"]), "highlights": clean_spans(data["name"], pairs)}


class ProductPage(Model):
    items: list[FoundProduct]
    total: int
    next_cursor: str | None = None
    terms: list[Line] = []
    """The query's terms as the backend matched them (its words, segmented)."""


# --- search suggestions and history -------------------------------------------------


class Suggestion(Model):
    text: Line
    """The whole search it suggests (earlier terms of the query kept in front)."""
    kind: str
    """What completed the last term: brand, category, word or product (a plain string, so
    a kind a newer backend adds does not break the list)."""
    count: int = 0
    """Products the search `text` would find."""


class Suggestions(Model):
    items: list[Suggestion] = []
    closest: bool = False
    """Nothing completes what was typed and it finds nothing: `items` are the nearest
    searches that do find something."""


class SearchHistoryEntry(Model):
    q: Line
    searched_at: str | None = None


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


class Slot(Model):
    """A service's 2-hour slot (docs/api.md §7.1)."""

    id: str
    starts_at: str
    ends_at: str
    capacity_left: int

    @property
    def full(self) -> bool:
        return self.capacity_left <= 0


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
