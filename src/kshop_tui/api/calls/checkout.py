"""The cart, the address book and the checkout quote."""

from __future__ import annotations

from typing import Any

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls, lines_or_cart


class CheckoutCalls(ApiCalls):
    """Cart, address and quote calls of `KshopClient`."""

    async def cart(self) -> models.Cart:
        return await self._get(f"{API}/cart", models.Cart)

    async def add_to_cart(self, sku_id: int, qty: int) -> models.Cart:
        return await self._send(
            "POST", f"{API}/cart/items", models.Cart, {"sku_id": sku_id, "qty": qty}
        )

    async def update_cart_item(
        self, item_id: int, *, qty: int | None = None, selected: bool | None = None
    ) -> models.Cart:
        body: dict[str, Any] = {}
        if qty is not None:
            body["qty"] = qty
        if selected is not None:
            body["selected"] = selected
        return await self._send("PATCH", f"{API}/cart/items/{item_id}", models.Cart, body)

    async def remove_cart_item(self, item_id: int) -> models.Cart:
        return await self._send("DELETE", f"{API}/cart/items/{item_id}", models.Cart)

    async def select_all(self, selected: bool) -> models.Cart:
        return await self._send("PUT", f"{API}/cart/selection", models.Cart, {"selected": selected})

    async def regions(self) -> list[models.Province]:
        return await self._get_items(f"{API}/regions", models.Province)

    async def addresses(self) -> list[models.Address]:
        return await self._get_items(f"{API}/addresses", models.Address)

    async def save_address(
        self, fields: dict[str, Any], address_id: int | None = None
    ) -> models.Address:
        if address_id is None:
            return await self._send("POST", f"{API}/addresses", models.Address, fields)
        return await self._send("PUT", f"{API}/addresses/{address_id}", models.Address, fields)

    async def parse_address(self, text: str) -> models.ParsedAddress:
        """Reads a pasted address into its fields (智能识别); saves nothing."""
        return await self._send(
            "POST", f"{API}/addresses/parse", models.ParsedAddress, {"text": text}
        )

    async def delete_address(self, address_id: int) -> None:
        await self._call("DELETE", f"{API}/addresses/{address_id}")

    async def quote(
        self,
        *,
        items: list[tuple[int, int]] | None = None,
        address_id: int | None = None,
        coupon_id: int | None = None,
        order_id: int | None = None,
        address: models.PostalAddress | None = None,
    ) -> models.Quote:
        """The server's price for `items` [(sku_id, qty)], or for the cart's selected lines;
        with `order_id`, for a change to that unpaid order (its coupon and stock count);
        shipped to `address` given inline instead of one of the book's."""
        body = lines_or_cart(items)
        if address is not None:
            body["address"] = address.model_dump()
        if address_id is not None:
            body["address_id"] = address_id
        if coupon_id is not None:
            body["coupon_id"] = coupon_id
        if order_id is not None:
            body["order_id"] = order_id
        return await self._send("POST", f"{API}/checkout/quote", models.Quote, body)
