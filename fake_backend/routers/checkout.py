"""The checkout quote: what the server will charge for some lines (login required)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fake_backend.deps import CtxDep, LangDep, ShopperDep
from fake_backend.errors import field_error
from fake_backend.schemas.checkout import Quote, QuoteRequest
from fake_backend.schemas.common import AUTH_ERRORS, errors
from fake_backend.services import addresses, cart, pricing
from fake_backend.services.addresses import inline_input

router = APIRouter(tags=["checkout"], responses=AUTH_ERRORS)


@router.post("/checkout/quote", response_model=Quote, responses=errors(404, 409))
def checkout_quote(
    body: QuoteRequest, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> dict[str, Any]:
    """Prices `items`, or the cart's selected lines with `from_cart: true`. Read-only.
    Ships to `address` when given inline (checked as the address book checks one), else
    to `address_id` or the default address."""
    inline_province = (
        addresses.inline_address(inline_input(body.address))["province"]
        if body.address is not None
        else None
    )
    if body.items is not None:
        lines = [(item.sku_id, item.qty) for item in body.items]
        return pricing.quote(
            ctx,
            user.id,
            lines,
            body.address_id,
            body.coupon_id,
            lang,
            order_id=body.order_id,
            inline_province=inline_province,
        )
    selected = cart.selected_lines(ctx, user.id)
    if not selected:
        raise field_error("from_cart", "cart_empty")
    return pricing.quote(
        ctx,
        user.id,
        [(line.sku_id, line.qty) for line in selected],
        body.address_id,
        body.coupon_id,
        lang,
        added_prices={line.sku_id: line.added_price_fen for line in selected},
        order_id=body.order_id,
        inline_province=inline_province,
    )
