"""Products of three kinds over HTTP (docs/api.md §7.1): the kind on products and orders,
slots, codes, appointments; bad input answers its documented error, never a 500, and
changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.services import service_slots
from tests.backend.conftest import error_code
from tests.backend.kinds_helpers import (
    booked,
    free_slot,
    full_slot,
    physical_sku,
    service_sku,
    virtual_sku,
)
from tests.backend.test_orders import order_count, pay, place, placed

API = "/api/v1"
MakeUser = Callable[..., tuple[int, dict[str, str]]]


def fields_of(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return set(response.json()["error"]["details"]["fields"])


def test_products_say_their_kind_in_lists_and_on_their_page(
    client: TestClient, app_ctx: Ctx
) -> None:
    listed = client.get(f"{API}/products", params={"limit": 100}).json()["items"]
    assert {item["kind"] for item in listed} <= {"physical", "virtual", "service"}
    for sku, kind in ((virtual_sku(app_ctx), "virtual"), (service_sku(app_ctx), "service")):
        page = client.get(f"{API}/products/{sku['product_id']}").json()
        assert page["kind"] == kind and page["returnable"] is False
    assert (
        client.get(f"{API}/products/{service_sku(app_ctx)['product_id']}").json()[
            "non_returnable_reason"
        ]
        == "service"
    )


def test_slots_over_http(client: TestClient, app_ctx: Ctx) -> None:
    product_id = service_sku(app_ctx)["product_id"]
    first, _ = service_slots.booking_days(app_ctx.now())
    tomorrow = str(first.fromordinal(first.toordinal() + 1))
    body = client.get(f"{API}/products/{product_id}/slots", params={"date": tomorrow}).json()
    assert len(body["items"]) == 6
    assert set(body["items"][0]) == {"id", "starts_at", "ends_at", "capacity_left"}
    bad = client.get(f"{API}/products/{product_id}/slots", params={"date": "tomorrow"})
    assert fields_of(bad) == {"date"}
    too_long = client.get(f"{API}/products/{product_id}/slots", params={"date": "2026-11-250"})
    assert too_long.status_code == 422
    physical = client.get(f"{API}/products/{physical_sku(app_ctx)['product_id']}/slots")
    assert physical.status_code == 409 and error_code(physical) == "NOT_A_SERVICE"
    assert client.get(f"{API}/products/999999/slots").status_code == 404


def test_a_virtual_order_over_http_from_placing_to_its_codes(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], make_user: MakeUser
) -> None:
    sku = virtual_sku(app_ctx)
    quote = client.post(
        f"{API}/checkout/quote",
        json={"items": [{"sku_id": sku["id"], "qty": 2}]},
        headers=demo_headers,
    ).json()
    assert quote["kind"] == "virtual" and quote["estimated_delivery"] is None
    order = placed(client, demo_headers, [(sku["id"], 2)])
    assert order["address"] is None and order["delivery"] is None
    early = client.get(f"{API}/orders/{order['id']}/delivery", headers=demo_headers)
    assert early.status_code == 409 and error_code(early) == "INVALID_STATE"
    assert pay(client, demo_headers, order["id"]).status_code == 201
    paid = client.get(f"{API}/orders/{order['id']}", headers=demo_headers).json()
    assert paid["status"] == "completed" and paid["delivery"] == {"count": 2, "codes_viewed": False}
    _, stranger = make_user()
    hidden = client.get(f"{API}/orders/{order['id']}/delivery", headers=stranger)
    assert hidden.status_code == 404
    codes = client.get(f"{API}/orders/{order['id']}/delivery", headers=demo_headers).json()
    assert len(codes["codes"]) == 2
    assert set(codes["codes"][0]) == {"code", "expires_at", "item_id", "name"}
    viewed = client.get(f"{API}/orders/{order['id']}", headers=demo_headers).json()
    assert viewed["delivery"]["codes_viewed"] is True
    eligibility = client.get(
        f"{API}/orders/{order['id']}/after-sale-eligibility", headers=demo_headers
    ).json()
    assert eligibility["types"] == []
    assert client.get(f"{API}/orders/{order['id']}/delivery").status_code == 401


def test_a_virtual_order_refuses_an_address(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    before = order_count(app_ctx)
    response = place(client, demo_headers, [(virtual_sku(app_ctx)["id"], 1)], address_id=1)
    assert fields_of(response) == {"address_id"} and order_count(app_ctx) == before


def test_a_service_order_over_http(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = service_sku(app_ctx)
    slot = free_slot(app_ctx, sku["product_id"])
    order = placed(
        client,
        demo_headers,
        [(sku["id"], 1)],
        appointment={"slot_id": slot},
        service_note="客厅挂机一台",
    )
    assert order["kind"] == "service" and order["appointment"]["slot_id"] == slot
    assert order["service_note"] == "客厅挂机一台"
    assert pay(client, demo_headers, order["id"]).status_code == 201
    listed = client.get(
        f"{API}/orders", params={"status": "awaiting_service"}, headers=demo_headers
    ).json()
    assert [item["id"] for item in listed["items"]] == [order["id"]]
    counts = client.get(f"{API}/orders/counts", headers=demo_headers).json()
    assert counts["awaiting_service"] == 1
    other = free_slot(app_ctx, sku["product_id"], days_ahead=4)
    moved = client.put(
        f"{API}/orders/{order['id']}/appointment", json={"slot_id": other}, headers=demo_headers
    )
    assert moved.status_code == 200 and moved.json()["appointment"]["rescheduled"] is True
    again = client.put(
        f"{API}/orders/{order['id']}/appointment", json={"slot_id": slot}, headers=demo_headers
    )
    assert again.status_code == 409 and error_code(again) == "RESCHEDULE_LIMIT"
    cancelled = client.post(
        f"{API}/orders/{order['id']}/cancel", json={"reason": "other"}, headers=demo_headers
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_too_late_to_cancel_a_service_over_http(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = service_sku(app_ctx)
    slot = free_slot(app_ctx, sku["product_id"], days_ahead=1)
    order = placed(
        client, demo_headers, [(sku["id"], 1)], appointment={"slot_id": slot}, service_note="x"
    )
    pay(client, demo_headers, order["id"])
    _, starts_at = service_slots.parse_slot_id(slot, "slot")
    client.post("/_dev/clock/advance", json={"seconds": starts_at - 3600 - app_ctx.now()})
    late = client.post(
        f"{API}/orders/{order['id']}/cancel", json={"reason": "other"}, headers=demo_headers
    )
    assert late.status_code == 409 and error_code(late) == "TOO_LATE_TO_CANCEL"
    assert "24" in late.json()["error"]["message"]
    done = client.post(f"/_dev/orders/{order['id']}/complete-service")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    twice = client.post(f"/_dev/orders/{order['id']}/complete-service")
    assert twice.status_code == 409


@pytest.mark.parametrize(
    "extra, fields",
    [
        ({}, {"appointment", "service_note"}),
        ({"service_note": "x" * 201, "appointment": {"slot_id": "1-2026112512"}}, {"service_note"}),
        ({"service_note": "x", "appointment": {"slot_id": ""}}, {"appointment.slot_id"}),
        ({"service_note": "x", "appointment": {"slot_id": "x" * 41}}, {"appointment.slot_id"}),
        (
            {"service_note": "x", "appointment": {"slot": "a"}},
            {"appointment.slot", "appointment.slot_id"},
        ),
        ({"service_note": 5, "appointment": {"slot_id": "1-2026112512"}}, {"service_note"}),
    ],
)
def test_bad_service_orders_are_refused_with_the_field_named(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: dict[str, str],
    extra: dict[str, Any],
    fields: set[str],
) -> None:
    before = order_count(app_ctx)
    response = place(client, demo_headers, [(service_sku(app_ctx)["id"], 1)], **extra)
    assert fields <= fields_of(response)
    assert order_count(app_ctx) == before


def test_a_full_slot_over_http(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    sku = service_sku(app_ctx)
    slot = full_slot(app_ctx, sku["product_id"])
    held = booked(app_ctx, slot)
    response = place(
        client, demo_headers, [(sku["id"], 1)], appointment={"slot_id": slot}, service_note="x"
    )
    assert response.status_code == 409 and error_code(response) == "SLOT_FULL"
    assert booked(app_ctx, slot) == held


@pytest.mark.parametrize(
    "body",
    [{}, {"slot_id": ""}, {"slot_id": 12}, {"slot_id": "a", "extra": 1}, {"slot_id": "9" * 41}],
)
def test_bad_reschedules_are_422(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], body: dict[str, Any]
) -> None:
    sku = service_sku(app_ctx)
    slot = free_slot(app_ctx, sku["product_id"])
    order = placed(
        client, demo_headers, [(sku["id"], 1)], appointment={"slot_id": slot}, service_note="x"
    )
    response = client.put(
        f"{API}/orders/{order['id']}/appointment", json=body, headers=demo_headers
    )
    assert response.status_code == 422
    after = client.get(f"{API}/orders/{order['id']}", headers=demo_headers).json()
    assert after["appointment"]["slot_id"] == slot


def test_openapi_documents_the_new_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/products/{product_id}/slots"]
    assert "get" in paths["/api/v1/orders/{order_id}/delivery"]
    assert "put" in paths["/api/v1/orders/{order_id}/appointment"]
