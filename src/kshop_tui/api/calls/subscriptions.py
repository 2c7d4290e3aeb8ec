"""Subscriptions (周期购): making, listing, showing and changing them."""

from __future__ import annotations

from typing import Any

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls


class SubscriptionCalls(ApiCalls):
    """Subscription calls of `KshopClient`."""

    async def subscriptions(self) -> list[models.Subscription]:
        """Live ones first, then the latest cancelled; newest first."""
        return await self._get_items(f"{API}/subscriptions", models.Subscription)

    async def subscription(self, subscription_id: int) -> models.SubscriptionDetail:
        return await self._get(f"{API}/subscriptions/{subscription_id}", models.SubscriptionDetail)

    async def create_subscription(
        self,
        *,
        sku_id: int,
        qty: int,
        address_id: int,
        payment_method: models.SubscriptionMethod,
        every: models.SubscriptionEvery,
        starts_on: str,
        payment_password: str,
        idempotency_key: str,
        bank_card_id: int | None = None,
    ) -> models.SubscriptionDetail:
        """The payment password authorises every period's payment. `idempotency_key` is
        one per "subscribe" press, sent again unchanged on a retry."""
        body: dict[str, Any] = {
            "sku_id": sku_id,
            "qty": qty,
            "address_id": address_id,
            "payment_method": payment_method,
            "every": every,
            "starts_on": starts_on,
            "payment_password": payment_password,
        }
        if bank_card_id is not None:
            body["bank_card_id"] = bank_card_id
        return await self._send(
            "POST", f"{API}/subscriptions", models.SubscriptionDetail, body, idempotency_key
        )

    async def edit_subscription(
        self, subscription_id: int, changes: dict[str, Any]
    ) -> models.SubscriptionDetail:
        """`changes`: qty, address_id, payment_method (+ bank_card_id and
        payment_password), every."""
        return await self._send(
            "PUT", f"{API}/subscriptions/{subscription_id}", models.SubscriptionDetail, changes
        )

    async def move_subscription(
        self, subscription_id: int, action: str
    ) -> models.SubscriptionDetail:
        """`pause`, `resume`, `skip_next` or `cancel` (Conflict when the state forbids it)."""
        path = f"{API}/subscriptions/{subscription_id}"
        if action == "cancel":
            return await self._send("DELETE", path, models.SubscriptionDetail)
        step = {"pause": "pause", "resume": "resume", "skip_next": "skip-next"}[action]
        return await self._send("POST", f"{path}/{step}", models.SubscriptionDetail)
