"""The after-sale services answer TypedDicts: each one names exactly the fields of the
response model the router declares, and what the services answer has exactly those keys."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.schemas import after_sales as schemas
from fake_backend.services import (
    after_sale_merchant,
    after_sale_requests,
    after_sale_returns,
    after_sale_views,
)
from fake_backend.services.after_sale_requests import ExchangeItem, Request
from tests.backend.shapes import assert_shape, same_fields
from tests.backend.test_after_sales_rules import T_SHIRT, ask, delivered, place_paid_order
from tests.conftest import DEMO_USER_ID

PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (after_sale_views.ReasonView, schemas.ReasonOut),
    (after_sale_views.ReasonList, schemas.ReasonList),
    (after_sale_views.EligibleItemView, schemas.EligibleItem),
    (after_sale_views.ExchangeSkuView, schemas.ExchangeSku),
    (after_sale_views.ExchangeItemView, schemas.ExchangeItem),
    (after_sale_views.ParcelRef, schemas.Parcel),
    (after_sale_views.EligibilityView, schemas.Eligibility),
    (after_sale_views.AfterSaleItemView, schemas.AfterSaleItem),
    (after_sale_views.PostalAddress, schemas.ReturnAddress),
    (after_sale_views.PostalAddress, schemas.PickupAddress),
    (after_sale_views.PickupView, schemas.Pickup),
    (after_sale_views.AfterSaleEventView, schemas.TimelineEntry),
    (after_sale_views.AfterSaleView, schemas.AfterSale),
    (after_sale_views.AfterSalePage, schemas.AfterSaleList),
    (after_sale_returns.PickupSlots, schemas.PickupSlots),
]


@pytest.mark.parametrize(("shape", "model"), PAIRS, ids=lambda item: item.__name__)
def test_each_answer_type_names_the_fields_of_its_response_model(
    shape: Any, model: type[BaseModel]
) -> None:
    same_fields(shape, model)


def test_what_the_after_sale_services_answer_has_exactly_those_keys(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, order_id)
    eligibility = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert eligibility["items"]
    assert_shape(eligibility, after_sale_views.EligibilityView)
    schemas.Eligibility.model_validate(eligibility)
    assert_shape(after_sale_views.reasons("zh"), after_sale_views.ReasonList)

    created = ask(ctx, order_id, "return_refund")
    assert_shape(created, after_sale_views.AfterSaleView)
    after_sale_merchant.approve(ctx, created["id"])
    waiting = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert waiting["return_address"] is not None
    assert_shape(waiting, after_sale_views.AfterSaleView)
    slots = after_sale_returns.pickup_slots(ctx, DEMO_USER_ID, created["id"])
    assert_shape(slots, after_sale_returns.PickupSlots)
    booked = after_sale_returns.book_pickup(
        ctx, DEMO_USER_ID, created["id"], 1, slots["items"][0], "zh"
    )
    assert booked["pickup"] is not None and booked["timeline"]
    assert_shape(booked, after_sale_views.AfterSaleView)
    schemas.AfterSale.model_validate(booked)

    exchanged = place_paid_order(ctx, [(T_SHIRT, 1)])
    delivered(ctx, exchanged)
    item_id = after_sale_views.eligibility(ctx, DEMO_USER_ID, exchanged, "en")["items"][0]
    assert item_id["exchange_skus"]
    request = Request(
        "exchange",
        None,
        "size_fit",
        "",
        None,
        "original",
        [],
        [ExchangeItem(item_id["item_id"], item_id["exchange_skus"][0]["sku_id"])],
    )
    exchange = after_sale_requests.create(ctx, DEMO_USER_ID, exchanged, request, "en")
    after_sale_merchant.approve(ctx, exchange["id"])
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, exchange["id"], "SF", "SF1234567890321", "en")
    after_sale_merchant.receive(ctx, exchange["id"])
    after_sale_merchant.reship(ctx, exchange["id"])
    reshipped = after_sale_views.get(ctx, DEMO_USER_ID, exchange["id"], "en")
    assert reshipped["replacement"] is not None and reshipped["exchange_items"]
    assert_shape(reshipped, after_sale_views.AfterSaleView)
    schemas.AfterSale.model_validate(reshipped)

    page = after_sale_views.list_for_user(ctx, DEMO_USER_ID, "en", limit=1)
    assert page["items"]
    assert_shape(page, after_sale_views.AfterSalePage)
