"""Requests and answers of subscriptions (周期购, `/subscriptions`, docs/api.md §7.8)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.account import MAX_SHORT_SECRET_LENGTH
from fake_backend.schemas.common import StrictModel

MAX_ID = 2**62
Every = Literal["week", "two_weeks", "month"]
Method = Literal["balance", "bank_card", "bnpl"]
Status = Literal["active", "paused", "cancelled"]
Action = Literal["pause", "resume", "skip_next", "edit", "cancel"]
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class Period(BaseModel):
    period_on: str = Field(description="The period's date (China), YYYY-MM-DD")
    status: Literal["placed", "failing", "skipped"] = Field(
        description="placed (order_id); failing (retried a day later, 3 times); skipped"
    )
    order_id: int | None
    attempts: int = Field(description="Placements tried for this period")
    error_code: str | None = Field(description="Why the last attempt was refused")
    error_message: str | None
    at: str | None


class Subscription(BaseModel):
    id: int
    status: Status
    sku_id: int
    product_id: int
    product_name: str
    specs: dict[str, str]
    qty: int
    price_fen: int = Field(description="The SKU's price today; each order pays that day's")
    address_id: int
    payment_method: Method
    bank_card_id: int | None
    every: Every
    starts_on: str
    next_on: str | None = Field(description="The next period's date; null once cancelled")
    next_attempt_at: str | None = Field(
        description="When the next placement (or retry) runs; null unless active"
    )
    last_outcome: Period | None
    actions: list[Action] = Field(description="What the user may do in this state")
    created_at: str | None


class SubscriptionDetail(Subscription):
    history: list[Period] = Field(description="The latest periods, newest first (50 at most)")


class SubscriptionList(BaseModel):
    items: list[Subscription] = Field(
        description="Live ones (20 at most), then the latest cancelled; newest first; 40 at most"
    )
    next_cursor: None = None


class SubscriptionIn(StrictModel):
    sku_id: int = Field(ge=1, le=MAX_ID)
    qty: int = Field(ge=1, le=99)
    address_id: int = Field(ge=1, le=MAX_ID)
    payment_method: Method
    bank_card_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    every: Every
    starts_on: str = Field(
        max_length=10, pattern=DATE_PATTERN, description="YYYY-MM-DD (China), today or later"
    )
    payment_password: str | None = Field(
        default=None, max_length=MAX_SHORT_SECRET_LENGTH, description="6 digits; required"
    )


class SubscriptionEdit(StrictModel):
    qty: int | None = Field(default=None, ge=1, le=99)
    address_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    payment_method: Method | None = None
    bank_card_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    every: Every | None = None
    payment_password: str | None = Field(
        default=None,
        max_length=MAX_SHORT_SECRET_LENGTH,
        description="Required when the payment method or card changes",
    )
