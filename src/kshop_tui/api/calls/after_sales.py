"""After-sales: eligibility, reasons, photos, requests, returns and exchanges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls


class AfterSaleCalls(ApiCalls):
    """After-sale calls of `KshopClient`."""

    async def after_sale_eligibility(self, order_id: int) -> models.Eligibility:
        return await self._get(
            f"{API}/orders/{order_id}/after-sale-eligibility", models.Eligibility
        )

    async def after_sale_reasons(self) -> list[models.AfterSaleReason]:
        return await self._get_items(f"{API}/after-sale-reasons", models.AfterSaleReason)

    async def upload_photo(self, filename: str, data: bytes, content_type: str) -> models.Upload:
        """A PNG or JPEG of at most 5 MB, to attach to an after-sale by its id."""
        answer = await self._call(
            "POST", f"{API}/uploads", files={"file": (filename, data, content_type)}
        )
        return models.Upload.model_validate(answer)

    async def create_after_sale(
        self,
        *,
        order_id: int,
        type: models.AfterSaleType,
        reason: str,
        idempotency_key: str,
        item_ids: Sequence[int] = (),
        amount_fen: int | None = None,
        exchange_items: Mapping[int, int] | None = None,
        description: str = "",
        refund_to: models.RefundTo = "original",
        photo_ids: Sequence[int] = (),
    ) -> models.AfterSale:
        """Asks for a refund only or a return and refund of some order items (`item_ids`
        are `OrderItem.id`s, with `amount_fen`), or an exchange (`exchange_items`: item id
        → the SKU wanted instead); `reason` is an `AfterSaleReason.code`."""
        body = _after_sale_body(
            type, item_ids, reason, amount_fen, exchange_items, description, refund_to, photo_ids
        )
        body["order_id"] = order_id
        return await self._send(
            "POST", f"{API}/after-sales", models.AfterSale, body, idempotency_key
        )

    async def after_sales(
        self, cursor: str | None = None, order_id: int | None = None, limit: int = 20
    ) -> models.AfterSalePage:
        """Newest first; one order's only with `order_id`."""
        return await self._get(
            f"{API}/after-sales",
            models.AfterSalePage,
            cursor=cursor,
            order_id=order_id,
            limit=limit,
        )

    async def after_sale(self, after_sale_id: int) -> models.AfterSale:
        return await self._get(f"{API}/after-sales/{after_sale_id}", models.AfterSale)

    async def pickup_slots(self, after_sale_id: int) -> list[str]:
        """The courier's 2-hour windows (`YYYY-MM-DD HH:MM-HH:MM`, Beijing time)."""
        body = await self._call("GET", f"{API}/after-sales/{after_sale_id}/pickup-slots")
        return [str(slot) for slot in body["items"]]

    async def ship_return(
        self, after_sale_id: int, carrier: str, tracking_no: str
    ) -> models.AfterSale:
        """The user sent the goods back: a `Carrier.code` and the parcel's number."""
        return await self._send(
            "POST",
            f"{API}/after-sales/{after_sale_id}/return-shipment",
            models.AfterSale,
            {"carrier": carrier, "tracking_no": tracking_no},
        )

    async def book_pickup(self, after_sale_id: int, address_id: int, slot: str) -> models.AfterSale:
        """上门取件: a courier collects the goods at `address_id` in one of `pickup_slots`."""
        return await self._send(
            "POST",
            f"{API}/after-sales/{after_sale_id}/return-shipment",
            models.AfterSale,
            {"pickup": {"address_id": address_id, "slot": slot}},
        )

    async def modify_after_sale(
        self,
        after_sale_id: int,
        *,
        type: models.AfterSaleType,
        reason: str,
        item_ids: Sequence[int] = (),
        amount_fen: int | None = None,
        exchange_items: Mapping[int, int] | None = None,
        description: str = "",
        refund_to: models.RefundTo = "original",
        photo_ids: Sequence[int] = (),
    ) -> models.AfterSale:
        """Changes a rejected request and resubmits it (the merchant has 24 h again)."""
        body = _after_sale_body(
            type, item_ids, reason, amount_fen, exchange_items, description, refund_to, photo_ids
        )
        return await self._send("PUT", f"{API}/after-sales/{after_sale_id}", models.AfterSale, body)

    async def cancel_after_sale(self, after_sale_id: int) -> models.AfterSale:
        return await self._send(
            "POST", f"{API}/after-sales/{after_sale_id}/cancel", models.AfterSale
        )

    async def confirm_replacement(self, after_sale_id: int) -> models.AfterSale:
        """An exchange's replacement arrived: reshipped → completed."""
        return await self._send(
            "POST", f"{API}/after-sales/{after_sale_id}/confirm-replacement", models.AfterSale
        )

    async def appeal_after_sale(self, after_sale_id: int, reason: str) -> models.AfterSale:
        """After a rejection: the platform steps in (`reason` 5–500 characters)."""
        return await self._send(
            "POST",
            f"{API}/after-sales/{after_sale_id}/appeal",
            models.AfterSale,
            {"reason": reason},
        )


def _after_sale_body(
    type: models.AfterSaleType,
    item_ids: Sequence[int],
    reason: str,
    amount_fen: int | None,
    exchange_items: Mapping[int, int] | None,
    description: str,
    refund_to: models.RefundTo,
    photo_ids: Sequence[int],
) -> dict[str, Any]:
    """An exchange names its items with the SKUs wanted, and no amount; a refund or a
    return names items and an amount (the server answers 422 on a mix)."""
    body: dict[str, Any] = {
        "type": type,
        "reason": reason,
        "description": description,
        "refund_to": refund_to,
        "photo_ids": list(photo_ids),
    }
    if exchange_items is not None:
        body["exchange_items"] = [
            {"item_id": item_id, "sku_id": sku_id} for item_id, sku_id in exchange_items.items()
        ]
    else:
        body["item_ids"] = list(item_ids)
        body["amount_fen"] = amount_fen
    return body
