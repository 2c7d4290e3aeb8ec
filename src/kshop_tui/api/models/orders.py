"""Orders, their parcels, and the reviews written for them."""

from __future__ import annotations

from typing import Literal

from kshop_tui.api.models.base import Line, Model, Paragraph, Specs
from kshop_tui.api.models.catalogue import Review
from kshop_tui.api.models.checkout import DeliveryWindow

# What requests may send. Answers keep statuses and kinds as plain `str`, so that a
# backend which adds one does not break an older client; these name the known values.
OrderFilter = Literal[
    "all",
    "pending_payment",
    "awaiting_shipment",
    "awaiting_service",
    "shipped",
    "completed",
    "cancelled",
    "closed",
    "after_sale",
]
OrderStatus = Literal[
    "pending_payment",
    "awaiting_shipment",
    "awaiting_service",
    "shipped",
    "completed",
    "cancelled",
    "closed",
]


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


class CardDetails(Model):
    """A card a guest pays one order with (docs/api.md §7.4); never stored by the client."""

    card_number: str
    holder_name: str


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


class DeliverySummary(Model):
    """A paid virtual order's codes: how many, and whether they were shown yet."""

    count: int
    codes_viewed: bool


class Appointment(Model):
    """The slot a service order booked; `changeable_until` is 24 h before it starts."""

    slot_id: str
    starts_at: str
    ends_at: str
    rescheduled: bool = False
    changeable_until: str


class DeliveryCode(Model):
    code: Line
    expires_at: str
    item_id: int = 0
    name: Line = ""


class Order(Model):
    id: int
    order_no: Line
    kind: str = "physical"
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
    address: OrderAddress | None = None
    """None for virtual goods."""
    delivery: DeliverySummary | None = None
    appointment: Appointment | None = None
    service_note: Paragraph | None = None
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
    kind: str = "physical"
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
    awaiting_service: int = 0
    shipped: int
    completed: int
    cancelled: int
    closed: int = 0
    """Every item refunded (交易关闭)."""
    after_sale: int


class CancelReason(Model):
    code: str
    label: Line


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
