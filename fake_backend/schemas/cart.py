"""The cart on the wire."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from fake_backend.errors import field_error
from fake_backend.schemas.common import StrictModel

MAX_ID = 2**62
MAX_QTY = 99


def is_bad_quantity(value: Any) -> bool:
    """True unless `value` is a whole number 1–99 (bools and numeric strings included)."""
    return isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QTY


def refuse_bad_quantity(data: Any) -> Any:
    """A `qty` out of 1–99 answers `bad_quantity` rather than pydantic's generic code."""
    if isinstance(data, dict) and "qty" in data and is_bad_quantity(data["qty"]):
        raise field_error("qty", "bad_quantity", max=MAX_QTY)
    return data


def refuse_bad_optional_quantity(data: Any) -> Any:
    """As `refuse_bad_quantity`, where a null `qty` means "leave it"."""
    if isinstance(data, dict) and data.get("qty") is not None:
        return refuse_bad_quantity(data)
    return data


class CartItemAdd(StrictModel):
    sku_id: int = Field(ge=1, le=MAX_ID)
    qty: int = Field(ge=1, le=MAX_QTY, description="Added to the line's quantity if present.")

    _quantity = model_validator(mode="before")(refuse_bad_quantity)


class CartItemPatch(StrictModel):
    """At least one of the two."""

    qty: int | None = Field(default=None, ge=1, le=MAX_QTY)
    selected: bool | None = None

    _quantity = model_validator(mode="before")(refuse_bad_optional_quantity)


class CartSelection(StrictModel):
    selected: bool


class CartItem(BaseModel):
    id: int
    sku_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    image: str | None
    qty: int
    selected: bool
    price_fen: int = Field(description="The SKU's current price.")
    added_price_fen: int = Field(description="The price when the line was added.")
    price_changed: bool
    stock: int
    available: bool = Field(description="False when sold out or short of the line's qty.")
    line_total_fen: int


class Cart(BaseModel):
    items: list[CartItem]
    count: int = Field(description="Σ qty of all lines.")
    selected_count: int = Field(description="Σ qty of the selected lines.")
    selected_subtotal_fen: int
