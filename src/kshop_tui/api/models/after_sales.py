"""After-sales: refunds, returns and exchanges, their reasons, photos and parcels."""

from __future__ import annotations

from typing import Literal

from kshop_tui.api.models.base import Line, Model, Paragraph, Specs
from kshop_tui.api.models.orders import PostalAddress

AfterSaleType = Literal["refund_only", "return_refund", "exchange"]
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
    quality: bool = False
    """A quality problem: heard on any goods up to 90 days after receipt."""
    photo_required: bool = False


class ExchangeSku(Model):
    """A spec an item may be exchanged for (same product, same price)."""

    sku_id: int
    specs: Specs
    price_fen: int
    stock: int


class EligibleItem(Model):
    item_id: int
    product_id: int
    name: Line
    specs: Specs
    qty: int
    price_fen: int
    refundable_fen: int
    types: list[str]
    quality_only_types: list[str] = []
    """Those of `types` only a quality reason (or 未收到货) allows for this item."""
    eligible: bool
    reason: Line | None = None
    exchange_skus: list[ExchangeSku] = []


class Eligibility(Model):
    order_id: int
    types: list[str]
    max_refund_fen: int
    max_refund_by_type: dict[str, int]
    not_allowed: Specs
    """type → why not, in the request's language."""
    quality_only: Specs = {}
    """type → why ordinary reasons will not do, for types only quality reasons allow."""
    reasons_by_type: dict[str, list[str]] = {}
    window_ends_at: str | None = None
    quality_window_ends_at: str | None = None
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


class ExchangeItem(Model):
    item_id: int
    sku_id: int
    specs: Specs
    """The replacement's specs."""


class ParcelRef(Model):
    carrier: Line
    tracking_no: Line


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
    exchange_items: list[ExchangeItem] = []
    replacement: ParcelRef | None = None
    """An exchange's replacement parcel, once the merchant shipped it."""
    replacement_confirm_by: str | None = None
    appeal_outcome: str | None = None
    """The platform's answer to an appeal: `approved`, `upheld`, or None."""
    deadline_at: str | None = None
    refunded_at: str | None = None
    merchant_note: Paragraph | None = None
    appeal_reason: Paragraph | None = None
    created_at: str
    updated_at: str
    timeline: list[AfterSaleEvent]
    actions: list[str]
    """What the user may do now: ship_return, book_pickup, cancel, modify, appeal,
    confirm_replacement, track_replacement, ..."""


class AfterSalePage(Model):
    items: list[AfterSale]
    next_cursor: str | None = None
