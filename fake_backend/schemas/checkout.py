"""The checkout quote on the wire."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from fake_backend.errors import FieldErrors, field_error
from fake_backend.schemas.addresses import AddressInline
from fake_backend.schemas.cart import MAX_ID, MAX_QTY, is_bad_quantity
from fake_backend.schemas.common import StrictModel
from fake_backend.services import pricing

MAX_LINES = 100


class CheckoutItem(StrictModel):
    sku_id: int = Field(ge=1, le=MAX_ID)
    qty: int = Field(ge=1, le=MAX_QTY)


def refuse_bad_item_quantities(data: Any) -> Any:
    """Every `items[i].qty` out of 1–99 answers `bad_quantity`, naming `items.i.qty`."""
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list):
        errors = FieldErrors()
        for index, item in enumerate(items[:MAX_LINES]):
            if isinstance(item, dict) and "qty" in item and is_bad_quantity(item["qty"]):
                errors.add(f"items.{index}.qty", "bad_quantity", max=MAX_QTY)
        errors.raise_if_any()
    return data


class QuoteRequest(StrictModel):
    """Exactly one of `items` and `from_cart: true` (the cart's selected lines)."""

    items: list[CheckoutItem] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    from_cart: bool | None = None
    address_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Omitted: the default address. Virtual goods take none (422).",
    )
    address: AddressInline | None = Field(
        default=None,
        description="Instead of address_id: quote shipping to an address given inline.",
    )
    coupon_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    order_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description=(
            "Quote a change to this unpaid order (PUT /orders/{id}/items): the stock and the"
            " coupon it holds count as available, and its address is the default."
        ),
    )

    _quantities = model_validator(mode="before")(refuse_bad_item_quantities)

    @model_validator(mode="after")
    def one_source(self) -> QuoteRequest:
        if (self.items is not None) == bool(self.from_cart):
            raise field_error("items", "exactly_one_of", fields="items / from_cart")
        if self.address is not None and self.address_id is not None:
            raise field_error("address", "exactly_one_of", fields="address / address_id")
        return self


class QuoteLine(BaseModel):
    sku_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    image: str | None
    price_fen: int
    qty: int
    line_total_fen: int
    stock: int
    available: bool
    discount_share_fen: int = Field(description="This line's part of discount_fen.")


class EstimatedDelivery(BaseModel):
    earliest: str = Field(description="YYYY-MM-DD in Asia/Shanghai.")
    latest: str


class QuoteCoupon(BaseModel):
    id: int
    title: str
    threshold_fen: int
    discount_fen: int = Field(description="What it takes off this quote when usable.")
    brand: str | None
    expires_at: str
    usable: bool
    reason: str | None = Field(description="Why it is not usable, in the request's language.")


class ShippingRule(BaseModel):
    province: str = Field(description="The address's province, or '*' without an address.")
    base_fen: int
    free_over_fen: int | None


class QuoteProblem(BaseModel):
    sku_id: int
    code: str = Field(description="sold_out | insufficient_stock | price_changed")
    message: str


class Quote(BaseModel):
    lines: list[QuoteLine]
    subtotal_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    estimated_delivery: EstimatedDelivery | None = Field(
        description="Physical goods only; null for virtual goods and services."
    )
    kind: Literal["physical", "virtual", "service"] = Field(
        description="The one kind of goods quoted (422 items mixed_kinds otherwise)."
    )
    address_id: int | None = Field(description="The address quoted for (the default if omitted).")
    coupon_id: int | None = Field(description="The applied coupon, or null.")
    best_coupon_id: int | None = Field(description="The usable coupon that saves the most.")
    coupons: list[QuoteCoupon] = Field(
        description=(
            f"At most {pricing.MAX_QUOTE_COUPONS} of the user's coupons: the usable ones"
            " first, the biggest discount first, then ones not usable for this quote (with"
            " the reason); the applied coupon is always listed."
        )
    )
    shipping_rule: ShippingRule
    problems: list[QuoteProblem]
