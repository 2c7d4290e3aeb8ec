"""The cart (login required): lines, quantities, selection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from fake_backend.deps import CtxDep, ShopperDep
from fake_backend.schemas.cart import MAX_ID, Cart, CartItemAdd, CartItemPatch, CartSelection
from fake_backend.schemas.common import AUTH_ERRORS, errors
from fake_backend.services import cart

router = APIRouter(tags=["cart"], responses=AUTH_ERRORS)

CartItemId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cart", response_model=Cart)
def get_cart(ctx: CtxDep, user: ShopperDep) -> dict[str, Any]:
    return cart.view_cart(ctx, user.id)


@router.post("/cart/items", response_model=Cart, status_code=201, responses=errors(404, 409))
def add_to_cart(body: CartItemAdd, ctx: CtxDep, user: ShopperDep) -> dict[str, Any]:
    """Adds a SKU; a SKU already in the cart adds to its line's quantity."""
    return cart.add_item(ctx, user.id, body.sku_id, body.qty)


@router.patch("/cart/items/{item_id}", response_model=Cart, responses=errors(404, 409))
def update_cart_item(
    item_id: CartItemId, body: CartItemPatch, ctx: CtxDep, user: ShopperDep
) -> dict[str, Any]:
    return cart.update_item(ctx, user.id, item_id, body.qty, body.selected)


@router.delete("/cart/items/{item_id}", response_model=Cart, responses=errors(404))
def delete_cart_item(item_id: CartItemId, ctx: CtxDep, user: ShopperDep) -> dict[str, Any]:
    return cart.delete_item(ctx, user.id, item_id)


@router.put("/cart/selection", response_model=Cart)
def select_all(body: CartSelection, ctx: CtxDep, user: ShopperDep) -> dict[str, Any]:
    """Selects or deselects every line."""
    return cart.select_all(ctx, user.id, body.selected)
