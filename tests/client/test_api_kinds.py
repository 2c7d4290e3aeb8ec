"""The client's calls for products of three kinds (docs/api.md §7.1) against the real
backend, in process: slots, a service booked, moved and cancelled, a virtual order's codes;
every answer complete (no field left to its default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from fake_backend.app import create_app
from fake_backend.clock import Clock
from kshop_tui.api import errors, models
from kshop_tui.api.backend import IN_PROCESS_URL
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key
from tests.client.test_api_contract import (
    DEMO_PASSWORD,
    DEMO_PAYMENT_PASSWORD,
    DEMO_PHONE,
    complete,
)

FROZEN_TODAY = date(2026, 11, 24)  # tests.conftest.FROZEN_START in Shanghai


@pytest.fixture
async def shopper(db_path: Path, clock: Clock) -> AsyncIterator[KshopClient]:
    """The client logged in as the seeded demo user, on the bundled backend."""
    app = create_app(db_path, clock, merchant="manual", dev=True, seed=None)
    api = KshopClient(IN_PROCESS_URL, transport=httpx.ASGITransport(app=app), language=lambda: "en")
    api.token = (await api.login_with_password(DEMO_PHONE, DEMO_PASSWORD)).token
    yield api
    await api.aclose()


async def product_of_kind(api: KshopClient, kind: str) -> models.ProductDetail:
    category = "Services" if kind == "service" else "Electronics"
    roots = await api.categories()
    root = next(node for node in roots if node.name == category)
    page = await api.search_products(category=root.id, limit=100)
    summary = next(item for item in page.items if item.kind == kind)
    return complete(await api.product(summary.id))


async def free_slot(api: KshopClient, product_id: int, days_ahead: int) -> models.Slot:
    day = FROZEN_TODAY + timedelta(days=days_ahead)
    slots = [complete(slot) for slot in await api.service_slots(product_id, day.isoformat())]
    return next(slot for slot in slots if not slot.full)


async def pay(api: KshopClient, order_id: int) -> None:
    payment = await api.pay(
        order_id, "balance", DEMO_PAYMENT_PASSWORD, idempotency_key=new_intent_key()
    )
    assert payment.status == "succeeded"


async def test_a_service_is_booked_moved_and_cancelled(shopper: KshopClient) -> None:
    api = shopper
    product = await product_of_kind(api, "service")
    assert product.kind == "service" and not product.returnable
    today = await api.service_slots(product.id)
    assert all(slot.starts_at > "2026-11-24T02:00:00Z" for slot in today)
    slot = await free_slot(api, product.id, 3)
    order = complete(
        await api.create_order(
            items=[(product.skus[0].id, 1)],
            payment_method="balance",
            idempotency_key=new_intent_key(),
            slot_id=slot.id,
            service_note="两台挂机",
        )
    )
    assert order.kind == "service" and order.appointment is not None
    assert order.appointment.slot_id == slot.id and order.service_note == "两台挂机"
    await pay(api, order.id)
    other = await free_slot(api, product.id, 5)
    moved = complete(await api.reschedule(order.id, other.id))
    assert moved.status == "awaiting_service" and moved.appointment is not None
    assert moved.appointment.rescheduled and moved.appointment.slot_id == other.id
    with pytest.raises(errors.Conflict) as refused:
        await api.reschedule(order.id, slot.id)
    assert refused.value.code == "RESCHEDULE_LIMIT"
    cancelled = complete(await api.cancel_order(order.id, "other"))
    assert cancelled.status == "cancelled" and cancelled.refunded_fen == order.total_fen
    counts = complete(await api.order_counts())
    assert counts.awaiting_service == 0


async def test_a_virtual_order_delivers_its_codes(shopper: KshopClient) -> None:
    api = shopper
    product = await product_of_kind(api, "virtual")
    sku = next(sku for sku in product.skus if sku.stock >= 2)
    quote = complete(await api.quote(items=[(sku.id, 2)]))
    assert quote.kind == "virtual" and quote.shipping_fen == 0
    order = complete(
        await api.create_order(
            items=[(sku.id, 2)], payment_method="balance", idempotency_key=new_intent_key()
        )
    )
    assert order.address is None and order.delivery is None
    await pay(api, order.id)
    paid = complete(await api.order(order.id))
    assert paid.status == "completed" and paid.delivery is not None
    assert paid.delivery.count == 2 and not paid.delivery.codes_viewed
    codes = [complete(code) for code in await api.order_codes(order.id)]
    assert len(codes) == 2 and all(len(code.code) == 19 for code in codes)
    viewed = await api.order(order.id)
    assert viewed.delivery is not None and viewed.delivery.codes_viewed
    listed = await api.orders("completed")
    assert listed.items[0].kind == "virtual"
