"""`kshop` for products of three kinds (docs/api.md §7.1): the kind shown, a service's
slots and booking with `--slot` / `--note`, `kshop order codes ID`, and rescheduling."""

from __future__ import annotations

from fake_backend.context import Ctx
from tests.backend.kinds_helpers import free_slot, service_sku, virtual_sku
from tests.client.test_cli import (  # noqa: F401 (fixtures)
    DEMO_PAYMENT_PASSWORD,
    Shell,
    backend_app,
    backend_ctx,
    isolated,
    kshop,
    shell_for,
    shopper,
)


def test_products_say_their_kind(shopper: Shell, backend_ctx: Ctx) -> None:  # noqa: F811
    service = service_sku(backend_ctx)
    shown = shopper("product", "show", str(service["product_id"]))
    assert shown.code == 0 and "service (book a slot" in shown.out
    listed = shopper("products", "search", "保洁", "--limit", "5")
    assert "[service]" in listed.out
    answer = shopper("products", "search", "保洁", "--limit", "5", "--json").json()
    assert {item["kind"] for item in answer["items"]} == {"service"}


def test_a_service_is_booked_with_slot_and_note_then_moved(
    shopper: Shell,  # noqa: F811
    backend_ctx: Ctx,  # noqa: F811
) -> None:
    sku = service_sku(backend_ctx)
    day = "2026-11-27"
    slots = shopper("product", "slots", str(sku["product_id"]), "--date", day, "--json").json()
    free = [slot["id"] for slot in slots["items"] if slot["capacity_left"] > 0]
    table = shopper("product", "slots", str(sku["product_id"]), "--date", day)
    assert free[0] in table.out and "Places left" in table.out
    refused = shopper("order", "place", "--sku", str(sku["id"]), "--pay", "balance",
                      secrets=[DEMO_PAYMENT_PASSWORD])  # fmt: skip
    assert refused.code != 0 and "appointment" in refused.err
    placed = shopper(
        "order", "place", "--sku", str(sku["id"]), "--slot", free[0], "--note", "两台挂机",
        "--pay", "balance", "--json", secrets=[DEMO_PAYMENT_PASSWORD],
    )  # fmt: skip
    assert placed.code == 0, placed.err
    order = placed.json()["order"]
    assert order["appointment"]["slot_id"] == free[0] and order["service_note"] == "两台挂机"
    shown = shopper("order", "show", str(order["id"]))
    assert "Booked" in shown.out and "两台挂机" in shown.out and "awaiting_service" in shown.out
    other = free_slot(backend_ctx, sku["product_id"], days_ahead=5)
    moved = shopper("order", "reschedule", str(order["id"]), "--slot", other, "--json")
    assert moved.code == 0 and moved.json()["appointment"]["slot_id"] == other
    again = shopper("order", "reschedule", str(order["id"]), "--slot", free[0])
    assert again.code != 0 and "once" in again.err


def test_order_codes_shows_a_virtual_orders_codes(shopper: Shell, backend_ctx: Ctx) -> None:  # noqa: F811
    sku = virtual_sku(backend_ctx)
    placed = shopper(
        "order", "place", "--sku", str(sku["id"]), "--qty", "2", "--pay", "balance", "--json",
        secrets=[DEMO_PAYMENT_PASSWORD],
    )  # fmt: skip
    assert placed.code == 0, placed.err
    order = placed.json()["order"]
    assert order["status"] == "completed" and order["address"] is None
    codes = shopper("order", "codes", str(order["id"]), "--json").json()["codes"]
    assert len(codes) == 2
    table = shopper("order", "codes", str(order["id"]))
    assert all(code["code"] in table.out for code in codes)
    shown = shopper("order", "show", str(order["id"]))
    assert "2 delivered, viewed" in shown.out
