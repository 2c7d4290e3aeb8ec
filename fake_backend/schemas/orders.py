"""Requests and answers of orders and payments (docs/api.md §4 orders)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from fake_backend.schemas.addresses import AddressInline
from fake_backend.schemas.checkout import refuse_bad_item_quantities
from fake_backend.schemas.common import StrictModel

MAX_ID = 2**62
MAX_QTY = 99
MAX_LINES = 50
MAX_REMARK_LENGTH = 200
MAX_CURSOR_LENGTH = 200
# Wide enough for a pasted value with spaces; the account service gives the refusal.
MAX_PAYMENT_PASSWORD_LENGTH = 32

PaymentMethod = Literal["alipay", "wechat_pay", "bank_card", "balance", "bnpl"]
OrderStatus = Literal[
    "pending_payment",
    "awaiting_shipment",
    "awaiting_service",
    "shipped",
    "completed",
    "cancelled",
    "closed",
]
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
OrderKind = Literal["physical", "virtual", "service"]
MAX_SERVICE_NOTE_LENGTH = 200
MAX_SLOT_ID_LENGTH = 40
AfterSaleStatus = Literal["none", "in_progress", "refunded_partly", "refunded", "closed"]
OrderAction = Literal[
    "pay",
    "change_address",
    "change_items",
    "cancel",
    "after_sale",
    "track",
    "confirm_receipt",
    "review",
    "buy_again",
    "reschedule",
    "view_codes",
]
PaymentStatus = Literal["pending", "succeeded", "failed"]
MAX_ORDER_NO_LENGTH = 32


# --- requests ----------------------------------------------------------------------------


class OrderLineIn(StrictModel):
    sku_id: int = Field(ge=1, le=MAX_ID)
    qty: int = Field(ge=1, le=MAX_QTY)


class InvoiceIn(StrictModel):
    type: Literal["personal", "company"]
    title: str = Field(min_length=1, max_length=100)
    tax_id: str | None = Field(
        default=None,
        max_length=20,
        description="Required for a company: 15, 18 or 20 letters/digits",
    )


class AppointmentIn(StrictModel):
    slot_id: str = Field(
        min_length=1,
        max_length=MAX_SLOT_ID_LENGTH,
        description="An id from GET /products/{id}/slots",
    )


class OrderCreate(StrictModel):
    items: list[OrderLineIn] | None = Field(
        default=None, min_length=1, max_length=MAX_LINES, description="Or from_cart: true"
    )
    from_cart: bool = Field(default=False, description="Order the cart's selected lines")
    address_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Omitted: the default address. Virtual goods take none (422).",
    )
    address: AddressInline | None = Field(
        default=None,
        description=(
            "Instead of address_id: an address kept on this order only (a guest must give"
            " one); checked as the address book checks, errors name `address.<field>`"
        ),
    )
    coupon_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    payment_method: PaymentMethod
    remark: str = Field(default="", max_length=MAX_REMARK_LENGTH)
    invoice: InvoiceIn | None = None
    appointment: AppointmentIn | None = Field(
        default=None, description="A service only, and required for one: the slot booked"
    )
    service_note: str | None = Field(
        default=None,
        max_length=MAX_SERVICE_NOTE_LENGTH,
        description="服务需求: a service only, and required for one (not blank)",
    )

    _quantities = model_validator(mode="before")(refuse_bad_item_quantities)


class OrderItemsChange(StrictModel):
    items: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)

    _quantities = model_validator(mode="before")(refuse_bad_item_quantities)


class OrderAddressChange(StrictModel):
    address_id: int = Field(ge=1, le=MAX_ID)


class OrderCancel(StrictModel):
    reason: str = Field(
        min_length=1, max_length=40, description="A code from GET /orders/cancel-reasons"
    )


class AppointmentChange(StrictModel):
    slot_id: str = Field(
        min_length=1,
        max_length=MAX_SLOT_ID_LENGTH,
        description="Another slot of the same service (GET /products/{id}/slots)",
    )


class CardIn(StrictModel):
    card_number: str = Field(max_length=32, description="16–19 digits, Luhn-valid")
    holder_name: str = Field(max_length=40)


class PaymentCreate(StrictModel):
    method: PaymentMethod
    payment_password: str | None = Field(
        default=None,
        max_length=MAX_PAYMENT_PASSWORD_LENGTH,
        description="6 digits; required for balance, bank_card and bnpl (not from a guest)",
    )
    bank_card_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="bank_card only; omitted: the first card"
    )
    card: CardIn | None = Field(
        default=None,
        description="A guest's bank_card payment: the card, used for this payment only",
    )


class PaymentFail(StrictModel):
    reason: str = Field(default="declined", min_length=1, max_length=100)


# --- answers -----------------------------------------------------------------------------


class OrderItemOut(BaseModel):
    id: int
    product_id: int
    sku_id: int
    name: str
    specs: dict[str, str]
    image: str | None = Field(description="Path of the product's first image")
    price_fen: int
    qty: int
    line_total_fen: int
    discount_share_fen: int = Field(description="This line's part of the order discount")
    refunded: bool
    reviewed: bool


class OrderAddress(BaseModel):
    name: str
    phone: str
    phone_masked: str = Field(examples=["138****8000"])
    province: str
    city: str
    district: str
    detail: str


class Invoice(BaseModel):
    type: Literal["personal", "company"]
    title: str
    tax_id: str | None


class OrderCoupon(BaseModel):
    id: int
    title: str


class DeliveryEstimate(BaseModel):
    earliest: str
    latest: str


class OrderEvent(BaseModel):
    status: str = Field(examples=["created", "paid", "shipped", "cancelled"])
    at: str
    note: str = Field(description="In the request's language when the backend wrote it")


class DeliverySummary(BaseModel):
    count: int = Field(description="Codes delivered (one per unit), refunded lines' left out")
    codes_viewed: bool = Field(description="Whether GET /orders/{id}/delivery was called")


class Appointment(BaseModel):
    slot_id: str
    starts_at: str
    ends_at: str
    rescheduled: bool = Field(description="It was moved once already (only once is allowed)")
    changeable_until: str = Field(
        description="24 h before starts_at: until then it may be cancelled with a full refund"
        " or rescheduled"
    )


class DeliveryCode(BaseModel):
    code: str
    expires_at: str
    item_id: int = Field(description="The order item it was bought with")
    name: str = Field(description="That item's product name")


class Delivery(BaseModel):
    codes: list[DeliveryCode]


class Order(BaseModel):
    id: int
    order_no: str = Field(examples=["KS261124000001"])
    kind: OrderKind = Field(description="The kind of goods it holds (one kind per order)")
    status: OrderStatus
    after_sale_status: AfterSaleStatus
    items: list[OrderItemOut]
    subtotal_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int = Field(description="subtotal_fen - discount_fen + shipping_fen")
    refunded_fen: int
    payment_method: PaymentMethod
    paid_method: PaymentMethod | None
    address: OrderAddress | None = Field(description="None for virtual goods")
    delivery: DeliverySummary | None = Field(description="Virtual goods, once paid")
    appointment: Appointment | None = Field(description="Services: the slot booked")
    service_note: str | None = Field(description="Services: the buyer's 服务需求")
    remark: str
    invoice: Invoice | None
    coupon: OrderCoupon | None
    created_at: str
    paid_at: str | None
    shipped_at: str | None
    delivered_at: str | None
    completed_at: str | None
    cancelled_at: str | None
    cancel_reason: str | None = Field(description="The reason's label, in the request's language")
    auto_cancel_at: str | None = Field(description="When an unpaid order cancels itself")
    carrier: str | None
    tracking_no: str | None
    estimated_delivery: DeliveryEstimate | None
    timeline: list[OrderEvent]
    actions: list[OrderAction] = Field(description="What the user may do now (docs/api.md §3)")


class FirstItem(BaseModel):
    name: str
    specs: dict[str, str]
    image: str | None


class OrderSummary(BaseModel):
    id: int
    order_no: str
    kind: OrderKind
    status: OrderStatus
    after_sale_status: AfterSaleStatus
    created_at: str
    total_fen: int
    item_count: int = Field(description="Pieces over all lines")
    first_item: FirstItem | None
    auto_cancel_at: str | None
    tracking_no: str | None


class OrderList(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


class OrderCounts(BaseModel):
    all: int
    pending_payment: int
    awaiting_shipment: int
    awaiting_service: int
    shipped: int
    completed: int
    cancelled: int
    closed: int = Field(description="Every item refunded (交易关闭)")
    after_sale: int


class CancelReason(BaseModel):
    code: str
    label: str


class CancelReasonList(BaseModel):
    items: list[CancelReason]


class Payment(BaseModel):
    id: int
    order_id: int
    method: PaymentMethod
    amount_fen: int
    status: PaymentStatus
    qr_payload: str | None = Field(
        description="QR methods: kshop-pay://<method>/<id>?amount_fen=<n>, drawn as a QR code"
    )
    expires_at: str | None = Field(description="QR methods: unpaid by then → failed, expired")
    failure_reason: str | None
    created_at: str
