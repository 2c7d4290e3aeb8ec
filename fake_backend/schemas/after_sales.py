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

AfterSaleType = Literal["refund_only", "return_refund", "exchange"]
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
    "reshipped",
    "completed",
]
RefundTo = Literal["original", "red_packet"]
Actor = Literal["user", "merchant", "platform", "system"]
Action = Literal[
    "ship_return",
    "book_pickup",
    "track_return",
    "cancel",
    "modify",
    "appeal",
    "confirm_replacement",
    "track_replacement",
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# ---- requests -----------------------------------------------------------------------


class ExchangeItemIn(StrictModel):
    item_id: Id = Field(description="An order item id (`items[].id`)")
    sku_id: Id = Field(
        description="The spec wanted instead: a SKU of the same product at the same price"
    )


class AfterSaleFields(StrictModel):
    """What the user asks for; `PUT /after-sales/{id}` takes these, creation adds order_id.
    A refund or a return names `item_ids` and `amount_fen`; an exchange names
    `exchange_items` and neither (422 naming the field otherwise)."""

    type: AfterSaleType
    item_ids: list[Id] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ITEMS,
        description="Order item ids (`items[].id`); required unless `type` is exchange",
    )
    exchange_items: list[ExchangeItemIn] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ITEMS,
        description="Only for `type: exchange`: each item and the SKU wanted instead",
    )
    reason: str = Field(
        min_length=1,
        max_length=32,
        description="A code of /after-sale-reasons; a `quality` one needs ≥ 1 photo",
    )
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)
    amount_fen: int | None = Field(
        default=None,
        ge=1,
        le=MAX_AMOUNT_FEN,
        description="1 … the eligibility's maximum for these items; required unless"
        " `type` is exchange",
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


class PlatformDecisionIn(StrictModel):
    approve: bool = Field(
        description="true: for the buyer (a return or exchange goes back to approved, a"
        " refund only is refunded); false: the merchant's answer stands (closed)"
    )
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
    quality: bool = Field(
        description="A quality problem: heard on any goods up to 90 days after receipt"
    )
    photo_required: bool = Field(description="A request with this reason needs ≥ 1 photo")


class ReasonList(BaseModel):
    items: list[ReasonOut]


class ExchangeSku(BaseModel):
    sku_id: int
    specs: dict[str, str]
    price_fen: int
    stock: int


class EligibleItem(BaseModel):
    item_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    qty: int
    price_fen: int
    refundable_fen: int = Field(description="price × qty minus the item's discount share")
    types: list[AfterSaleType] = Field(
        description="The types this item may be part of now, with some reason"
    )
    quality_only_types: list[AfterSaleType] = Field(
        description="Those of `types` only a reason of `reasons_by_type` allows (quality"
        " problems, 未收到货), e.g. a perishable item or one past the no-reason window"
    )
    eligible: bool
    reason: str | None = Field(
        description="Why it is not eligible (for a type), else why ordinary reasons will not"
        " do for a type, if so"
    )
    exchange_skus: list[ExchangeSku] = Field(
        description="Specs it may be exchanged for (same product, same price), stock"
        " included; empty when it cannot be exchanged"
    )


class Eligibility(BaseModel):
    order_id: int
    types: list[AfterSaleType]
    max_refund_fen: int
    max_refund_by_type: dict[str, int] = Field(description="Every eligible item of that type")
    not_allowed: dict[str, str] = Field(description="type → why not, in the request language")
    quality_only: dict[str, str] = Field(
        description="type → why only the reasons of `reasons_by_type` may ask for it"
    )
    reasons_by_type: dict[str, list[str]] = Field(
        description="Allowed type → the reason codes a request of it may give now"
    )
    window_ends_at: str | None = Field(description="End of the return window (ISO 8601 UTC)")
    quality_window_ends_at: str | None = Field(
        description="End of after-sales for quality problems: 90 days after receipt"
    )
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


class ExchangeItem(BaseModel):
    item_id: int
    sku_id: int
    specs: dict[str, str] = Field(description="The replacement's specs")


class Parcel(BaseModel):
    carrier: str
    tracking_no: str = Field(description="Track it with GET /logistics/{tracking_no}")


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
    amount_fen: int = Field(description="The refund asked for; 0 for an exchange")
    refund_to: RefundTo
    refund_account: str | None = Field(description="Where the money went, once refunded")
    items: list[AfterSaleItem]
    photo_ids: list[int]
    merchant_pays_return_shipping: bool
    return_address: ReturnAddress | None = Field(description="Where to send the goods")
    return_carrier: str | None
    return_tracking_no: str | None
    pickup: Pickup | None
    exchange_items: list[ExchangeItem] = Field(description="An exchange's replacements")
    replacement: Parcel | None = Field(description="The replacement's parcel, once reshipped")
    replacement_confirm_by: str | None = Field(
        description="While reshipped: when it completes by itself unless confirmed sooner"
    )
    appeal_outcome: Literal["approved", "upheld"] | None = Field(
        description="The platform's answer to an appeal: for the buyer, or the merchant's"
        " answer upheld"
    )
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
