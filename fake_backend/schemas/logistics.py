"""Shapes of parcel tracking, carriers and buyers' reviews."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel

MAX_ID = 2**62
MAX_TRACKING_NO_LENGTH = 32
MAX_REVIEW_LENGTH = 500

ParcelStatus = Literal["collected", "in_transit", "out_for_delivery", "delivered", "exception"]


class CarrierOut(BaseModel):
    code: str = Field(examples=["SF"])
    name: str = Field(examples=["顺丰速运"])


class CarrierList(BaseModel):
    items: list[CarrierOut]


class TrackingEvent(BaseModel):
    at: str = Field(description="ISO 8601 UTC")
    status: ParcelStatus
    location: str = Field(description="A city or a sorting hub, never a street address")
    text: str = Field(description="In the request's language")


class DeliveryWindow(BaseModel):
    earliest: str
    latest: str


class Tracking(BaseModel):
    carrier: str
    carrier_name: str
    tracking_no: str
    status: ParcelStatus = Field(description="The latest event's status")
    events: list[TrackingEvent] = Field(description="Newest first")
    estimated_delivery: DeliveryWindow | None = Field(description="null once delivered")


class DevShipment(BaseModel):
    order_id: int
    order_status: str
    logistics: Tracking


class ReviewIn(StrictModel):
    item_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Omitted: every item not yet reviewed"
    )
    rating: int = Field(ge=1, le=5)
    text: str = Field(min_length=1, max_length=MAX_REVIEW_LENGTH)


class ReviewOut(BaseModel):
    id: int
    order_item_id: int
    product_id: int
    author: str = Field(description="Masked nickname, e.g. 快*****")
    rating: int
    text: str
    specs: dict[str, str]
    created_at: str


class ReviewsCreated(BaseModel):
    items: list[ReviewOut]
