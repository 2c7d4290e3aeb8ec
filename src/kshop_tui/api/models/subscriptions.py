"""Subscriptions (周期购): a SKU ordered and paid by the backend every period."""

from __future__ import annotations

from typing import Literal

from kshop_tui.api.models.base import Line, Model, Specs

SubscriptionStatus = Literal["active", "paused", "cancelled"]
SubscriptionEvery = Literal["week", "two_weeks", "month"]
SubscriptionMethod = Literal["balance", "bank_card", "bnpl"]


class SubscriptionPeriod(Model):
    """What became of one period: `placed` (its order), `failing` (retried a day later,
    three times) or `skipped`."""

    period_on: str
    status: str
    order_id: int | None = None
    attempts: int = 0
    error_code: str | None = None
    error_message: Line | None = None
    at: str | None = None


class Subscription(Model):
    id: int
    status: SubscriptionStatus
    sku_id: int
    product_id: int
    product_name: Line
    specs: Specs = {}
    qty: int
    price_fen: int
    address_id: int
    payment_method: SubscriptionMethod
    bank_card_id: int | None = None
    every: SubscriptionEvery
    starts_on: str
    next_on: str | None = None
    next_attempt_at: str | None = None
    last_outcome: SubscriptionPeriod | None = None
    actions: list[str] = []
    created_at: str | None = None


class SubscriptionDetail(Subscription):
    history: list[SubscriptionPeriod] = []
