"""Typed views of the backend's resources. Every string from the backend passes through
`text.clean` here, once, so no screen ever sees a terminal escape sequence."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kshop_tui.text import clean, clean_multiline

Line = Annotated[str, AfterValidator(clean)]
Paragraph = Annotated[str, AfterValidator(clean_multiline)]


def _clean_mapping(value: dict[str, str]) -> dict[str, str]:
    return {clean(k): clean(v) for k, v in value.items()}


Specs = Annotated[dict[str, str], AfterValidator(_clean_mapping)]


class Model(BaseModel):
    """Unknown fields are ignored so a newer backend does not break an older client."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# --- account -----------------------------------------------------------------------


class LinkedLogin(Model):
    provider: Line
    label: Line = ""
    created_at: str | None = None


class User(Model):
    id: int
    phone: str
    phone_masked: str
    nickname: Line
    real_name_verified: bool = False
    real_name_masked: Line | None = None
    id_number_masked: Line | None = None
    two_factor_enabled: bool = False
    has_payment_password: bool = False
    created_at: str | None = None
    linked_logins: list[LinkedLogin] = []


class LoginResult(Model):
    token: str
    expires_at: str
    user: User


class SmsSent(Model):
    sent: bool = True
    expires_in: int = 300
    retry_after: int = 60


class SmsMessage(Model):
    phone: str
    purpose: str
    code: str
    sent_at: str


class OAuthStart(Model):
    device_code: str
    qr_payload: str
    interval: int = 2
    expires_in: int = 300


# --- catalogue ---------------------------------------------------------------------


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
    claimed: bool = False


# --- cart, addresses, checkout -----------------------------------------------------


class CartItem(Model):
    id: int
    sku_id: int
    product_id: int
    name: Line
    specs: Specs = {}
    image: str | None = None
    qty: int
    selected: bool
    price_fen: int
    added_price_fen: int | None = None
    price_changed: bool = False
    stock: int = 0
    available: bool = True
    line_total_fen: int = 0


class Cart(Model):
    items: list[CartItem]
    count: int = 0
    selected_count: int = 0
    selected_subtotal_fen: int = 0


class District(Model):
    name: str


class City(Model):
    name: str
    districts: list[str]


class Province(Model):
    name: str
    cities: list[City]


class Address(Model):
    id: int
    name: Line
    phone: str
    phone_masked: str = ""
    province: Line
    city: Line
    district: Line
    detail: Line
    is_default: bool = False

    def one_line(self) -> str:
        return f"{self.province} {self.city} {self.district} {self.detail}"


class QuoteLine(Model):
    sku_id: int
    product_id: int
    name: Line
    specs: Specs = {}
    image: str | None = None
    price_fen: int
    qty: int
    line_total_fen: int
    stock: int = 0
    available: bool = True


class CouponOption(Model):
    id: int
    title: Line
    threshold_fen: int
    discount_fen: int
    usable: bool
    reason: Line | None = None


class DeliveryWindow(Model):
    earliest: str
    latest: str


class ShippingRule(Model):
    province: Line
    base_fen: int
    free_over_fen: int | None = None


class QuoteProblem(Model):
    sku_id: int
    code: str
    message: Line


class Quote(Model):
    lines: list[QuoteLine]
    subtotal_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    estimated_delivery: DeliveryWindow | None = None
    coupon_id: int | None = None
    best_coupon_id: int | None = None
    coupons: list[CouponOption] = []
    shipping_rule: ShippingRule | None = None
    problems: list[QuoteProblem] = []


PaymentMethod = Literal["alipay", "wechat_pay", "bank_card", "balance", "bnpl"]


class Page(Model):
    """A cursor page whose items stay untyped (used for lists the client only counts)."""

    items: list[dict[str, Any]] = Field(default_factory=list)
    next_cursor: str | None = None
