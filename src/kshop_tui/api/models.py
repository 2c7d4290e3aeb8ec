"""Typed views of the backend's resources. Every string from the backend passes through
`text.clean` here, once, so no screen ever sees a terminal escape sequence."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

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


class SshKey(Model):
    """A linked SSH key: sessions over SSH with it start logged in."""

    id: int
    fingerprint: Line
    label: Line = ""
    created_at: str
    last_used_at: str | None = None


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
    valid_days: int = 0
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


# --- orders and payments -----------------------------------------------------------

# What requests may send. Answers keep statuses and kinds as plain `str`, so that a
# backend which adds one does not break an older client; these name the known values.
PaymentMethod = Literal["alipay", "wechat_pay", "bank_card", "balance", "bnpl"]
OrderFilter = Literal[
    "all", "pending_payment", "awaiting_shipment", "shipped", "completed", "cancelled", "after_sale"
]
OrderStatus = Literal["pending_payment", "awaiting_shipment", "shipped", "completed", "cancelled"]
PaymentStatus = Literal["pending", "succeeded", "failed"]


class PostalAddress(Model):
    """Where goods go: an order's snapshot, a return address, a pickup address."""

    name: Line
    phone: str
    province: Line
    city: Line
    district: Line
    detail: Line

    def one_line(self) -> str:
        return f"{self.province} {self.city} {self.district} {self.detail}"


class OrderAddress(PostalAddress):
    phone_masked: str


class OrderItem(Model):
    id: int
    product_id: int
    sku_id: int
    name: Line
    specs: Specs
    image: str | None = None
    price_fen: int
    qty: int
    line_total_fen: int
    discount_share_fen: int
    refunded: bool
    reviewed: bool


class Invoice(Model):
    """Also what `create_order(invoice=...)` sends; `tax_id` is for a company."""

    type: Literal["personal", "company"]
    title: Line
    tax_id: Line | None = None


class OrderCoupon(Model):
    id: int
    title: Line


class OrderEvent(Model):
    status: str
    at: str
    note: Line


class Order(Model):
    id: int
    order_no: Line
    status: str
    after_sale_status: str
    items: list[OrderItem]
    subtotal_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    refunded_fen: int
    payment_method: str
    paid_method: str | None = None
    address: OrderAddress
    remark: Paragraph
    invoice: Invoice | None = None
    coupon: OrderCoupon | None = None
    created_at: str
    paid_at: str | None = None
    shipped_at: str | None = None
    delivered_at: str | None = None
    completed_at: str | None = None
    cancelled_at: str | None = None
    cancel_reason: Line | None = None
    auto_cancel_at: str | None = None
    carrier: Line | None = None
    tracking_no: Line | None = None
    estimated_delivery: DeliveryWindow | None = None
    timeline: list[OrderEvent]
    actions: list[str]
    """What the user may do now (docs/api.md §3): pay, cancel, track, review, ..."""


class FirstItem(Model):
    name: Line
    specs: Specs
    image: str | None = None


class OrderSummary(Model):
    id: int
    order_no: Line
    status: str
    after_sale_status: str
    created_at: str
    total_fen: int
    item_count: int
    first_item: FirstItem | None = None
    auto_cancel_at: str | None = None
    tracking_no: Line | None = None


class OrderPage(Model):
    items: list[OrderSummary]
    next_cursor: str | None = None


class OrderCounts(Model):
    all: int
    pending_payment: int
    awaiting_shipment: int
    shipped: int
    completed: int
    cancelled: int
    after_sale: int


class CancelReason(Model):
    code: str
    label: Line


class Payment(Model):
    id: int
    order_id: int
    method: str
    amount_fen: int
    status: str
    qr_payload: str | None = None
    """QR methods: `kshop-pay://<method>/<id>?amount_fen=<n>`, drawn as a QR code."""
    expires_at: str | None = None
    failure_reason: Line | None = None
    created_at: str


# --- logistics and reviews ---------------------------------------------------------


class Carrier(Model):
    code: str
    name: Line


class TrackingEvent(Model):
    at: str
    status: str
    location: Line
    text: Line


class Tracking(Model):
    carrier: Line
    carrier_name: Line
    tracking_no: Line
    status: str
    events: list[TrackingEvent]
    """Newest first."""
    estimated_delivery: DeliveryWindow | None = None


class OrderReview(Review):
    """A review the user just wrote, with the order line and product it is about."""

    order_item_id: int
    product_id: int


# --- after-sales -------------------------------------------------------------------

AfterSaleType = Literal["refund_only", "return_refund"]
RefundTo = Literal["original", "red_packet"]


class Upload(Model):
    id: int
    filename: Line
    size: int
    content_type: str


class AfterSaleReason(Model):
    code: str
    label: Line
    types: list[str]
    merchant_pays_return_shipping: bool


class EligibleItem(Model):
    item_id: int
    product_id: int
    name: Line
    specs: Specs
    qty: int
    price_fen: int
    refundable_fen: int
    types: list[str]
    eligible: bool
    reason: Line | None = None


class Eligibility(Model):
    order_id: int
    types: list[str]
    max_refund_fen: int
    max_refund_by_type: dict[str, int]
    not_allowed: Specs
    """type → why not, in the request's language."""
    window_ends_at: str | None = None
    items: list[EligibleItem]
    merchant_pays_return_shipping_reasons: list[str]


class AfterSaleItem(Model):
    item_id: int
    product_id: int
    name: Line
    specs: Specs
    qty: int
    price_fen: int
    refundable_fen: int


class Pickup(Model):
    address: PostalAddress
    slot: Line


class AfterSaleEvent(Model):
    status: str
    at: str
    actor: str
    note: Paragraph


class AfterSale(Model):
    id: int
    order_id: int
    order_no: Line
    type: str
    status: str
    reason: str
    reason_label: Line
    description: Paragraph
    amount_fen: int
    refund_to: str
    refund_account: Line | None = None
    items: list[AfterSaleItem]
    photo_ids: list[int]
    merchant_pays_return_shipping: bool
    return_address: PostalAddress | None = None
    return_carrier: Line | None = None
    return_tracking_no: Line | None = None
    pickup: Pickup | None = None
    deadline_at: str | None = None
    refunded_at: str | None = None
    merchant_note: Paragraph | None = None
    appeal_reason: Paragraph | None = None
    created_at: str
    updated_at: str
    timeline: list[AfterSaleEvent]
    actions: list[str]
    """What the user may do now: ship_return, book_pickup, cancel, modify, appeal, ..."""


class AfterSalePage(Model):
    items: list[AfterSale]
    next_cursor: str | None = None


# --- wallet ------------------------------------------------------------------------

WalletAccount = Literal["balance", "red_packet", "bank_card", "alipay", "wechat_pay", "bnpl"]


class BankCard(Model):
    id: int
    bank: Line
    last4: str
    holder_name: Line
    created_at: str


class Bnpl(Model):
    enabled: bool
    limit_fen: int
    used_fen: int
    available_fen: int
    eligible: bool
    missing: list[str]
    """What blocks enabling pay-later: real_name, bank_card."""


class Wallet(Model):
    balance_fen: int
    red_packet_fen: int
    bnpl: Bnpl
    bank_cards: list[BankCard]


class Transaction(Model):
    id: int
    account: str
    kind: str
    amount_fen: int
    """Signed: + into the account, - out of it."""
    order_id: int | None = None
    note: Line
    at: str


class TransactionPage(Model):
    items: list[Transaction]
    next_cursor: str | None = None


class TopUp(Model):
    balance_fen: int
    transaction: Transaction


class Bill(Model):
    id: int
    order_id: int
    order_no: Line
    amount_fen: int
    repaid_fen: int
    outstanding_fen: int
    status: str
    due_at: str | None = None
    created_at: str
    repaid_at: str | None = None


class BillPage(Model):
    items: list[Bill]
    next_cursor: str | None = None


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


# --- support -----------------------------------------------------------------------


class LastMessage(Model):
    sender: str
    text: Paragraph
    created_at: str


class SupportMessage(Model):
    id: int
    sender: str
    """user, merchant or platform."""
    text: Paragraph
    created_at: str


class SupportThread(Model):
    id: int
    order_id: int | None = None
    order_no: Line | None = None
    subject: Line
    status: str
    created_at: str
    updated_at: str
    last_message: LastMessage | None = None


class SupportMessagePage(Model):
    items: list[SupportMessage]
    """Oldest first."""
    next_cursor: str | None = None
    """Leads to older messages."""


class SupportThreadDetail(SupportThread):
    messages: list[SupportMessage]
    """The newest page, oldest first."""
    messages_next_cursor: str | None = None
    """For `thread_messages(cursor=)`: the messages before these."""


class SupportThreadPage(Model):
    items: list[SupportThread]
    next_cursor: str | None = None


# --- insights ----------------------------------------------------------------------


class MonthSpend(Model):
    month: str
    total_fen: int
    orders: int


class CategorySpend(Model):
    category_id: int
    name: Line
    total_fen: int


class Insights(Model):
    months: int
    total_spend_fen: int
    spend_by_month: list[MonthSpend]
    """Every month in range, oldest first."""
    spend_by_category: list[CategorySpend]
    orders_by_status: dict[str, int]
