"""After-sales: refunds and returns, their reasons, photos and return parcels."""

from __future__ import annotations

from typing import Literal

from kshop_tui.api.models.base import Line, Model, Paragraph, Specs
from kshop_tui.api.models.orders import PostalAddress

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
