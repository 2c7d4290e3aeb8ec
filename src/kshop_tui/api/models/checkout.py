"""The cart, the address book, and the server's quote for a checkout."""

from __future__ import annotations

from kshop_tui.api.models.base import Line, Model, Specs


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
    created_at: str | None = None

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
    discount_share_fen: int = 0


class CouponOption(Model):
    id: int
    title: Line
    threshold_fen: int
    discount_fen: int
    brand: Line | None = None
    expires_at: str | None = None
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
    address_id: int | None = None
    coupon_id: int | None = None
    best_coupon_id: int | None = None
    coupons: list[CouponOption] = []
    shipping_rule: ShippingRule | None = None
    problems: list[QuoteProblem] = []
    kind: str = "physical"
    """The one kind of goods quoted: virtual goods take no address, nothing but physical
    goods ships."""


class ParsedAddress(Model):
    """What the backend read from a pasted address (智能识别); None where nothing fitted."""

    name: Line | None = None
    phone: str | None = None
    province: Line | None = None
    city: Line | None = None
    district: Line | None = None
    detail: Line | None = None
    unparsed: Line = ""
