"""The order services answer TypedDicts: each one names exactly the fields of the response
model the router declares, and what the services answer has exactly those keys."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.schemas import orders as schemas
from fake_backend.services import (
    logistics,
    order_creation,
    order_states,
    order_views,
    payments,
)
from tests.backend.shapes import assert_shape, same_fields
from tests.backend.test_orders import DEMO_COUPON_ID, sku_between
from tests.conftest import DEMO_USER_ID

PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (order_views.OrderItemView, schemas.OrderItemOut),
    (order_views.OrderAddressView, schemas.OrderAddress),
    (order_views.InvoiceView, schemas.Invoice),
    (order_views.OrderCouponView, schemas.OrderCoupon),
    (order_views.DeliveryEstimateView, schemas.DeliveryEstimate),
    (order_views.OrderEventView, schemas.OrderEvent),
    (order_views.OrderView, schemas.Order),
    (order_views.FirstItemView, schemas.FirstItem),
    (order_views.OrderSummaryView, schemas.OrderSummary),
    (order_views.OrderPage, schemas.OrderList),
    (order_views.OrderCountsView, schemas.OrderCounts),
    (order_views.CancelReasonView, schemas.CancelReason),
    (order_views.CancelReasonList, schemas.CancelReasonList),
    (payments.PaymentView, schemas.Payment),
]


@pytest.mark.parametrize(("shape", "model"), PAIRS, ids=lambda item: item.__name__)
def test_each_answer_type_names_the_fields_of_its_response_model(
    shape: Any, model: type[BaseModel]
) -> None:
    same_fields(shape, model)


def test_what_the_order_services_answer_has_exactly_those_keys(ctx: Ctx) -> None:
    sku = sku_between(ctx, 20000, 30000)
    invoice: order_views.InvoiceView = {"type": "personal", "title": "张三", "tax_id": None}
    order = order_creation.create_order(
        ctx,
        DEMO_USER_ID,
        items=[(sku["id"], 1)],
        from_cart=False,
        address_id=None,
        coupon_id=DEMO_COUPON_ID,
        payment_method="alipay",
        remark="",
        invoice=invoice,
        lang="en",
    )
    assert order["coupon"] is not None and order["invoice"] is not None
    assert_shape(order, order_views.OrderView)
    schemas.Order.model_validate(order)

    payment = payments.pay(ctx, DEMO_USER_ID, order["id"], "alipay", None, None)
    assert payment["qr_payload"] is not None
    assert_shape(payment, payments.PaymentView)
    assert_shape(payments.succeed(ctx, payment["id"]), payments.PaymentView)
    logistics.ship(ctx, order["id"])
    shipped = order_views.get_order(ctx, DEMO_USER_ID, order["id"], "en")
    assert shipped["tracking_no"] is not None and shipped["timeline"]
    assert_shape(shipped, order_views.OrderView)

    page = order_views.list_orders(ctx, DEMO_USER_ID, "all", None, 2)
    assert page["items"] and page["items"][0]["first_item"] is not None
    assert_shape(page, order_views.OrderPage)
    schemas.OrderList.model_validate(page)
    assert_shape(order_views.order_counts(ctx, DEMO_USER_ID), order_views.OrderCountsView)
    assert_shape(order_views.cancel_reasons("zh"), order_views.CancelReasonList)

    unpaid = order_creation.create_order(
        ctx,
        DEMO_USER_ID,
        items=[(sku["id"], 1)],
        from_cart=False,
        address_id=None,
        coupon_id=None,
        payment_method="balance",
        remark="",
        invoice=None,
        lang="zh",
    )
    cancelled = order_states.cancel_order(ctx, DEMO_USER_ID, unpaid["id"], "other", "zh")
    assert_shape(cancelled, order_views.OrderView)


def test_the_shape_check_sees_a_missing_or_extra_key() -> None:
    reason = {"code": "other", "label": "Other"}
    assert_shape({"items": [reason]}, order_views.CancelReasonList)
    with pytest.raises(AssertionError):
        assert_shape({"items": [{**reason, "extra": 1}]}, order_views.CancelReasonList)
    with pytest.raises(AssertionError):
        assert_shape({"items": [{"code": "other"}]}, order_views.CancelReasonList)
