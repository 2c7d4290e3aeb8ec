"""Shapes of after-sales (售后), their reasons and eligibility, and uploaded photos."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel

MAX_ID = 2**62
MAX_AMOUNT_FEN = 10**11
MAX_DESCRIPTION_LENGTH = 500
MAX_ITEMS = 100
MAX_PHOTOS = 9

AfterSaleType = Literal["refund_only", "return_refund"]
AfterSaleStatus = Literal[
    "requested",
    "approved",
    "rejected",
    "awaiting_return",
    "return_shipped",
    "received",
    "refunded",
    "appealed",
    "closed",
    "cancelled",
]
RefundTo = Literal["original", "red_packet"]
Actor = Literal["user", "merchant", "platform", "system"]
Action = Literal["ship_return", "book_pickup", "track_return", "cancel", "modify", "appeal"]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# ---- requests -----------------------------------------------------------------------


class AfterSaleFields(StrictModel):
    """What the user asks for; `PUT /after-sales/{id}` takes these, creation adds order_id."""

    type: AfterSaleType
    item_ids: list[Id] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Order item ids (`items[].id`)"
    )
    reason: str = Field(min_length=1, max_length=32, description="A code of /after-sale-reasons")
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)
    amount_fen: int = Field(
        ge=1, le=MAX_AMOUNT_FEN, description="1 … the eligibility's maximum for these items"
    )
    refund_to: RefundTo = "original"
    photo_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_PHOTOS, description="The user's own uploads"
    )


class AfterSaleCreate(AfterSaleFields):
    order_id: int = Field(ge=1, le=MAX_ID)


class PickupIn(StrictModel):
    address_id: int = Field(ge=1, le=MAX_ID)
    slot: str = Field(
        min_length=1,
        max_length=32,
        description="One of GET /after-sales/{id}/pickup-slots, e.g. `2026-11-25 09:00-11:00`",
    )


class ReturnShipmentIn(StrictModel):
    """Either the parcel the user sent (`carrier` + `tracking_no`) or a courier `pickup`."""

    carrier: str | None = Field(default=None, min_length=1, max_length=8, examples=["SF"])
    tracking_no: str | None = Field(default=None, min_length=1, max_length=32)
    pickup: PickupIn | None = None


class AppealIn(StrictModel):
    reason: str = Field(min_length=5, max_length=500)


class MerchantNoteIn(StrictModel):
    note: str = Field(default="", max_length=200)


# ---- answers -------------------------------------------------------------------------


class Upload(BaseModel):
    id: int
    filename: str
    size: int = Field(description="Bytes")
    content_type: Literal["image/png", "image/jpeg"]


class ReasonOut(BaseModel):
    code: str
    label: str
    types: list[AfterSaleType]
    merchant_pays_return_shipping: bool


class ReasonList(BaseModel):
    items: list[ReasonOut]


class EligibleItem(BaseModel):
    item_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    qty: int
    price_fen: int
    refundable_fen: int = Field(description="price × qty minus the item's discount share")
    types: list[AfterSaleType] = Field(description="The types this item may be part of now")
    eligible: bool
    reason: str | None = Field(description="Why it is not eligible (for a type), if so")


class Eligibility(BaseModel):
    order_id: int
    types: list[AfterSaleType]
    max_refund_fen: int
    max_refund_by_type: dict[str, int] = Field(description="Every eligible item of that type")
    not_allowed: dict[str, str] = Field(description="type → why not, in the request language")
    window_ends_at: str | None = Field(description="End of the return window (ISO 8601 UTC)")
    items: list[EligibleItem]
    merchant_pays_return_shipping_reasons: list[str]


class AfterSaleItem(BaseModel):
    item_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    qty: int
    price_fen: int
    refundable_fen: int


class ReturnAddress(BaseModel):
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class PickupAddress(BaseModel):
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class Pickup(BaseModel):
    address: PickupAddress
    slot: str


class TimelineEntry(BaseModel):
    status: str
    at: str
    actor: Actor
    note: str


class AfterSale(BaseModel):
    id: int
    order_id: int
    order_no: str
    type: AfterSaleType
    status: AfterSaleStatus
    reason: str
    reason_label: str
    description: str
    amount_fen: int
    refund_to: RefundTo
    refund_account: str | None = Field(description="Where the money went, once refunded")
    items: list[AfterSaleItem]
    photo_ids: list[int]
    merchant_pays_return_shipping: bool
    return_address: ReturnAddress | None = Field(description="Where to send the goods")
    return_carrier: str | None
    return_tracking_no: str | None
    pickup: Pickup | None
    deadline_at: str | None = Field(description="The merchant answers by then (requested)")
    refunded_at: str | None
    merchant_note: str | None = Field(description="The latest rejection's reason")
    appeal_reason: str | None
    created_at: str
    updated_at: str
    timeline: list[TimelineEntry]
    actions: list[Action] = Field(description="What the user may do now")


class AfterSaleList(BaseModel):
    items: list[AfterSale]
    next_cursor: str | None


class PickupSlots(BaseModel):
    items: list[str] = Field(description="`YYYY-MM-DD HH:MM-HH:MM`, Asia/Shanghai")
