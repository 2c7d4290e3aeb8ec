"""Parcel tracking, carriers and buyers' reviews; `/_dev` ship and deliver."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from fake_backend.deps import CtxDep, LangDep, ShopperDep, UserDep
from fake_backend.schemas.common import errors
from fake_backend.schemas.logistics import (
    MAX_ID,
    MAX_TRACKING_NO_LENGTH,
    CarrierList,
    DevShipment,
    ReviewIn,
    ReviewsCreated,
    Tracking,
)
from fake_backend.services import logistics, reviews

router = APIRouter(tags=["logistics"])
dev_router = APIRouter()

OrderId = Annotated[int, Path(ge=1, le=MAX_ID)]
TrackingNo = Annotated[str, Path(min_length=1, max_length=MAX_TRACKING_NO_LENGTH)]


@router.get(
    "/orders/{order_id}/logistics", response_model=Tracking, responses=errors(401, 404, 409)
)
def order_logistics(
    order_id: OrderId, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> dict[str, Any]:
    """The parcel of a shipped order: carrier, number, status and events, newest first."""
    return logistics.order_tracking(ctx, user.id, order_id, lang)


@router.get("/logistics/carriers", response_model=CarrierList, responses=errors(401))
def list_carriers(user: ShopperDep, lang: LangDep) -> dict[str, Any]:
    return logistics.carriers(lang)


@router.get("/logistics/{tracking_no}", response_model=Tracking, responses=errors(401, 404, 422))
def parcel_logistics(
    tracking_no: TrackingNo, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> dict[str, Any]:
    """物流查询: any parcel by its number; it carries no address and no owner."""
    return logistics.parcel_tracking(ctx, tracking_no, lang)


@router.post(
    "/orders/{order_id}/reviews",
    status_code=201,
    response_model=ReviewsCreated,
    responses=errors(401, 404, 409, 422),
)
def review_order(order_id: OrderId, body: ReviewIn, ctx: CtxDep, user: UserDep) -> dict[str, Any]:
    """Reviews a completed order's item (or all of its items) within 30 days."""
    return reviews.post_review(ctx, user.id, order_id, body.item_id, body.rating, body.text)


@dev_router.post("/orders/{order_id}/ship", response_model=DevShipment)
def dev_ship(order_id: OrderId, ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    logistics.ship(ctx, order_id)
    return logistics.shipment_view(ctx, order_id, lang)


@dev_router.post("/orders/{order_id}/deliver", response_model=DevShipment)
def dev_deliver(order_id: OrderId, ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    logistics.deliver(ctx, order_id)
    return logistics.shipment_view(ctx, order_id, lang)
