"""Orders, paying them, their parcels and reviews."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote as quote_path

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls, lines_or_cart


class OrderCalls(ApiCalls):
    """Order, payment and logistics calls of `KshopClient`."""

    async def create_order(
        self,
        *,
        payment_method: models.PaymentMethod,
        idempotency_key: str,
        items: list[tuple[int, int]] | None = None,
        address_id: int | None = None,
        coupon_id: int | None = None,
        remark: str = "",
        invoice: models.Invoice | None = None,
        slot_id: str | None = None,
        service_note: str | None = None,
        address: models.PostalAddress | None = None,
    ) -> models.Order:
        """Places an order for `items` [(sku_id, qty)], or for the cart's selected lines;
        `address` is given inline (kept on the order only) instead of `address_id`.

        `idempotency_key` is an `api.intent.Intent`'s, one per "place order" press,
        and is sent again unchanged on a retry: the server then answers the same order.
        A service needs `slot_id` (from `service_slots`) and `service_note` (服务需求);
        virtual goods take no `address_id`.
        """
        body = lines_or_cart(items)
        body["payment_method"] = payment_method
        if address is not None:
            body["address"] = address.model_dump()
        if address_id is not None:
            body["address_id"] = address_id
        if coupon_id is not None:
            body["coupon_id"] = coupon_id
        if remark:
            body["remark"] = remark
        if invoice is not None:
            body["invoice"] = invoice.model_dump(exclude_none=True)
        if slot_id is not None:
            body["appointment"] = {"slot_id": slot_id}
        if service_note is not None:
            body["service_note"] = service_note
        return await self._send("POST", f"{API}/orders", models.Order, body, idempotency_key)

    async def orders(
        self, status: models.OrderFilter = "all", cursor: str | None = None, limit: int = 20
    ) -> models.OrderPage:
        """Newest first; `after_sale` lists the orders that have an after-sale."""
        return await self._get(
            f"{API}/orders", models.OrderPage, status=status, cursor=cursor, limit=limit
        )

    async def order_counts(self) -> models.OrderCounts:
        return await self._get(f"{API}/orders/counts", models.OrderCounts)

    async def cancel_reasons(self) -> list[models.CancelReason]:
        return await self._get_items(f"{API}/orders/cancel-reasons", models.CancelReason)

    async def order(self, order_id: int) -> models.Order:
        return await self._get(f"{API}/orders/{order_id}", models.Order)

    async def change_order_items(self, order_id: int, items: list[tuple[int, int]]) -> models.Order:
        """Unpaid orders only: `items` [(sku_id, qty)] replace the lines, re-priced."""
        body = lines_or_cart(items)
        return await self._send("PUT", f"{API}/orders/{order_id}/items", models.Order, body)

    async def change_order_address(self, order_id: int, address_id: int) -> models.Order:
        return await self._send(
            "PUT", f"{API}/orders/{order_id}/address", models.Order, {"address_id": address_id}
        )

    async def cancel_order(self, order_id: int, reason: str) -> models.Order:
        """`reason` is a `CancelReason.code`; a paid order is refunded in full."""
        return await self._send(
            "POST", f"{API}/orders/{order_id}/cancel", models.Order, {"reason": reason}
        )

    async def order_codes(self, order_id: int) -> list[models.DeliveryCode]:
        """A paid virtual order's codes; the first call marks them viewed, after which the
        order can no longer be refunded."""
        answer = await self._call("GET", f"{API}/orders/{order_id}/delivery")
        return [models.DeliveryCode.model_validate(code) for code in answer["codes"]]

    async def reschedule(self, order_id: int, slot_id: str) -> models.Order:
        """Moves a service order to another slot: once, until 24 h before it starts."""
        return await self._send(
            "PUT", f"{API}/orders/{order_id}/appointment", models.Order, {"slot_id": slot_id}
        )

    async def confirm_receipt(self, order_id: int) -> models.Order:
        return await self._send("POST", f"{API}/orders/{order_id}/confirm-receipt", models.Order)

    async def pay(
        self,
        order_id: int,
        method: models.PaymentMethod,
        payment_password: str | None = None,
        bank_card_id: int | None = None,
        *,
        idempotency_key: str,
        card: models.CardDetails | None = None,
    ) -> models.Payment:
        """Balance and bank card need the payment password and settle at once, as does
        pay-later; Alipay and WeChat Pay answer a pending payment with a `qr_payload`
        to draw and poll with `payment()`."""
        body: dict[str, Any] = {"method": method}
        if payment_password is not None:
            body["payment_password"] = payment_password
        if bank_card_id is not None:
            body["bank_card_id"] = bank_card_id
        if card is not None:
            body["card"] = card.model_dump()
        return await self._send(
            "POST", f"{API}/orders/{order_id}/pay", models.Payment, body, idempotency_key
        )

    async def lookup_order(self, order_no: str, phone: str, code: str) -> models.Order:
        """A guest's order by its number and phone, with a fresh `guest` SMS code for that
        phone; no login needed (docs/api.md §7.4)."""
        return await self._get(
            f"{API}/orders/lookup", models.Order, order_no=order_no, phone=phone, code=code
        )

    async def payment(self, payment_id: int) -> models.Payment:
        return await self._get(f"{API}/payments/{payment_id}", models.Payment)

    async def order_logistics(self, order_id: int) -> models.Tracking:
        return await self._get(f"{API}/orders/{order_id}/logistics", models.Tracking)

    async def track_parcel(self, tracking_no: str) -> models.Tracking:
        """物流查询: any parcel by its number (typed by the user, so quoted whole)."""
        return await self._get(
            f"{API}/logistics/{quote_path(tracking_no, safe='')}", models.Tracking
        )

    async def carriers(self) -> list[models.Carrier]:
        return await self._get_items(f"{API}/logistics/carriers", models.Carrier)

    async def review_order(
        self, order_id: int, rating: int, text: str, item_id: int | None = None
    ) -> list[models.OrderReview]:
        """Reviews one item of a completed order, or (no `item_id`) each not yet reviewed."""
        body: dict[str, Any] = {"rating": rating, "text": text}
        if item_id is not None:
            body["item_id"] = item_id
        answer = await self._call("POST", f"{API}/orders/{order_id}/reviews", json=body)
        return [models.OrderReview.model_validate(item) for item in answer["items"]]
