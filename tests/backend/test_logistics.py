"""Shipping and tracking: carriers' number shapes, the parcel's steps, ship/deliver,
the merchant simulator on the backend clock, and the tracking endpoints."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import logistics
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

DEMO_ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路100号 3幢 501室",
}
MASKED_PHONE = re.compile(r"1[3-9]\d\*{4}\d{4}")


def insert_order(
    ctx: Ctx,
    user_id: int = DEMO_USER_ID,
    *,
    status: str = "awaiting_shipment",
    sku_ids: tuple[int, ...] = (1,),
    paid_ago: float | None = 0.0,
    completed_ago: float | None = None,
) -> int:
    """An order row written straight into the database (one unit of each SKU)."""
    now = ctx.now()
    with ctx.db.tx():
        skus = [
            ctx.db.one(
                "SELECT s.id, s.product_id, s.specs, s.price_fen, p.name FROM skus s"
                " JOIN products p ON p.id = s.product_id WHERE s.id = ?",
                (sku_id,),
            )
            for sku_id in sku_ids
        ]
        subtotal = sum(sku["price_fen"] for sku in skus if sku is not None)
        order_no = f"T{now:.0f}{ctx.db.scalar('SELECT COUNT(*) FROM orders'):06d}"
        order_id = ctx.db.insert(
            "INSERT INTO orders(order_no, user_id, status, subtotal_fen, shipping_fen,"
            " discount_fen, total_fen, payment_method, paid_method, address, created_at,"
            " paid_at, completed_at) VALUES (?,?,?,?,0,0,?,'balance','balance',?,?,?,?)",
            (
                order_no,
                user_id,
                status,
                subtotal,
                subtotal,
                json.dumps(DEMO_ADDRESS, ensure_ascii=False),
                now - 3600,
                None if paid_ago is None else now - paid_ago,
                None if completed_ago is None else now - completed_ago,
            ),
        )
        for sku in skus:
            assert sku is not None
            ctx.db.execute(
                "INSERT INTO order_items(order_id, product_id, sku_id, name, specs, price_fen, qty)"
                " VALUES (?,?,?,?,?,?,1)",
                (
                    order_id,
                    sku["product_id"],
                    sku["id"],
                    sku["name"],
                    sku["specs"],
                    sku["price_fen"],
                ),
            )
    return order_id


def order_row(ctx: Ctx, order_id: int) -> dict[str, Any]:
    row = ctx.db.one("SELECT * FROM orders WHERE id = ?", (order_id,))
    assert row is not None
    return dict(row)


def parcel_statuses(ctx: Ctx, tracking_no: str) -> list[str]:
    """The parcel's event statuses, oldest first."""
    rows = ctx.db.all(
        "SELECT status FROM logistics_events WHERE tracking_no = ? ORDER BY at, id", (tracking_no,)
    )
    return [row["status"] for row in rows]


def sf_number(*, exception: bool) -> str:
    """An SF number whose parcel does (or does not) meet an exception on its way."""
    for serial in range(1000):
        number = f"SF{1_000_000_000_000 + serial}"
        if logistics.has_exception(number) is exception:
            return number
    raise AssertionError("no such number in 1000 tries")


# ---- carriers and number shapes ---------------------------------------------------------

VALID_NUMBERS = {
    "SF": "SF1234567890123",
    "ZTO": "75123456789012",
    "YTO": "YT1234567890123",
    "JD": "JDVA12345678901",
    "EMS": "EA123456789CN",
    "YD": "4312345678901",
}
INVALID_NUMBERS = {
    "SF": [
        "SF123456789012",
        "SF12345678901234",
        "sf1234567890123",
        "SX1234567890123",
        "SF١٢٣٤٥٦٧٨٩٠١٢٣",  # Arabic-Indic digits are digits to Python, not to a courier
    ],
    "ZTO": ["7512345678901", "751234567890123", "76123456789012", "75-2345678901"],
    "YTO": ["YT123456789012", "YT123456789012X", "YZ1234567890123"],
    "JD": ["JDVA1234567890", "JDVB12345678901", "JD12345678901"],
    "EMS": ["EA12345678CN", "E1123456789CN", "EA123456789US", "EA1234567890CN"],
    "YD": ["431234567890", "43123456789012", "4412345678901"],
}


@pytest.mark.parametrize("carrier", sorted(VALID_NUMBERS))
def test_each_carrier_accepts_its_own_shape_only(carrier: str) -> None:
    number = VALID_NUMBERS[carrier]
    assert logistics.valid_tracking_no(carrier, number)
    assert logistics.carrier_of(number) == carrier
    for other in set(VALID_NUMBERS) - {carrier}:
        assert not logistics.valid_tracking_no(other, number), (other, number)
    for bad in INVALID_NUMBERS[carrier]:
        assert not logistics.valid_tracking_no(carrier, bad), bad
    assert not logistics.valid_tracking_no("UPS", number)


def test_carriers_endpoint_names_each_carrier_in_the_request_language(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    zh = client.get("/api/v1/logistics/carriers", headers=demo_headers)
    en = client.get("/api/v1/logistics/carriers", headers={**demo_headers, "Accept-Language": "en"})
    assert zh.status_code == en.status_code == 200
    assert [c["code"] for c in zh.json()["items"]] == ["SF", "ZTO", "YTO", "JD", "EMS", "YD"]
    assert {c["code"]: c["name"] for c in zh.json()["items"]}["SF"] == "顺丰速运"
    assert {c["code"]: c["name"] for c in en.json()["items"]}["SF"] == "SF Express"
    assert client.get("/api/v1/logistics/carriers").status_code == 401


# ---- a parcel's steps -----------------------------------------------------------------


def test_a_parcel_moves_one_step_at_a_time_to_delivered(ctx: Ctx) -> None:
    number = sf_number(exception=False)
    logistics.start_parcel(ctx, number, "SF", "广州市", "杭州市")
    answers = [logistics.advance_parcel(ctx, number) for _ in range(4)]
    assert answers == [False, False, False, True]
    assert parcel_statuses(ctx, number) == [
        "collected",
        "in_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    locations = [
        row["location"]
        for row in ctx.db.all(
            "SELECT location FROM logistics_events WHERE tracking_no = ? ORDER BY id", (number,)
        )
    ]
    assert locations == ["广州市", "广州转运中心", "杭州转运中心", "杭州市", "杭州市"]
    courier = ctx.db.one(
        "SELECT text_zh, text_en FROM logistics_events WHERE tracking_no = ?"
        " AND status = 'out_for_delivery'",
        (number,),
    )
    assert courier is not None
    assert "师傅" in courier["text_zh"] and MASKED_PHONE.search(courier["text_zh"])
    assert "courier" in courier["text_en"] and MASKED_PHONE.search(courier["text_en"])
    # Once delivered it stays delivered: no more events.
    assert logistics.advance_parcel(ctx, number) is True
    assert len(parcel_statuses(ctx, number)) == 5
    parcel = ctx.db.one("SELECT delivered_at FROM parcels WHERE tracking_no = ?", (number,))
    assert parcel is not None and parcel["delivered_at"] == ctx.now()


def test_one_parcel_in_ten_meets_an_exception_before_delivery_and_goes_on(ctx: Ctx) -> None:
    number = sf_number(exception=True)
    logistics.start_parcel(ctx, number, "SF", "广州市", "杭州市")
    for _ in range(10):
        if logistics.advance_parcel(ctx, number):
            break
    assert parcel_statuses(ctx, number) == [
        "collected",
        "in_transit",
        "in_transit",
        "exception",
        "out_for_delivery",
        "delivered",
    ]
    text = ctx.db.scalar(
        "SELECT text_zh FROM logistics_events WHERE tracking_no = ? AND status = 'exception'",
        (number,),
    )
    assert text == "地址不详，快递员联系中"
    share = sum(logistics.has_exception(f"YT{n:013d}") for n in range(2000)) / 2000
    assert 0.07 < share < 0.13


def test_start_parcel_refuses_bad_carriers_numbers_and_duplicates(ctx: Ctx) -> None:
    with pytest.raises(ApiError) as bad_carrier:
        logistics.start_parcel(ctx, "SF1234567890123", "UPS", "广州市", "杭州市")
    assert bad_carrier.value.status == 422 and "carrier" in bad_carrier.value.details["fields"]
    with pytest.raises(ApiError) as bad_number:
        logistics.start_parcel(ctx, "SF123", "SF", "广州市", "杭州市")
    assert bad_number.value.status == 422 and "tracking_no" in bad_number.value.details["fields"]
    logistics.start_parcel(ctx, "SF1234567890123", "SF", "广州市", "杭州市")
    with pytest.raises(ApiError) as duplicate:
        logistics.start_parcel(ctx, "SF1234567890123", "SF", "上海市", "北京市")
    assert duplicate.value.code == "CONFLICT"
    assert ctx.db.scalar("SELECT COUNT(*) FROM parcels") == 1
    assert parcel_statuses(ctx, "SF1234567890123") == ["collected"]
    with pytest.raises(ApiError) as unknown:
        logistics.advance_parcel(ctx, "SF9999999999999")
    assert unknown.value.status == 404


# ---- ship and deliver ---------------------------------------------------------------------


def test_ship_moves_an_order_to_shipped_with_a_parcel_collected_at_the_warehouse(
    ctx: Ctx,
) -> None:
    order_id = insert_order(ctx)
    tracking_no = logistics.ship(ctx, order_id)
    order = order_row(ctx, order_id)
    assert order["status"] == "shipped"
    assert order["carrier"] == logistics.CARRIER_CODES[order_id % 6]
    assert order["tracking_no"] == tracking_no
    assert logistics.valid_tracking_no(order["carrier"], tracking_no)
    assert order["shipped_at"] == ctx.now() and order["delivered_at"] is None
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM order_events WHERE order_id = ? AND status = 'shipped'",
            (order_id,),
        )
        == 1
    )
    first = ctx.db.one("SELECT * FROM logistics_events WHERE tracking_no = ?", (tracking_no,))
    assert first is not None and first["status"] == "collected"
    assert first["location"] == logistics.warehouse_city(ctx, order_id)
    parcel = ctx.db.one("SELECT * FROM parcels WHERE tracking_no = ?", (tracking_no,))
    assert parcel is not None and parcel["destination"] == "杭州市"


def test_ship_numbers_parcels_in_each_carriers_format_and_never_twice(ctx: Ctx) -> None:
    numbers = {}
    for _ in range(12):
        order_id = insert_order(ctx)
        tracking_no = logistics.ship(ctx, order_id)
        numbers[tracking_no] = order_row(ctx, order_id)["carrier"]
    assert len(numbers) == 12
    assert set(numbers.values()) == set(logistics.CARRIER_CODES)
    for tracking_no, carrier in numbers.items():
        assert logistics.carrier_of(tracking_no) == carrier


@pytest.mark.parametrize("status", ["pending_payment", "shipped", "completed", "cancelled"])
def test_ship_refuses_every_other_state_and_changes_nothing(ctx: Ctx, status: str) -> None:
    order_id = insert_order(ctx, status=status)
    before = order_row(ctx, order_id)
    with pytest.raises(ApiError) as refused:
        logistics.ship(ctx, order_id)
    assert refused.value.code == "INVALID_STATE" and refused.value.status == 409
    assert order_row(ctx, order_id) == before
    assert ctx.db.scalar("SELECT COUNT(*) FROM parcels") == 0
    assert ctx.db.scalar("SELECT COUNT(*) FROM order_events WHERE order_id = ?", (order_id,)) == 0


def test_deliver_runs_the_parcel_to_delivered_and_the_order_stays_shipped(ctx: Ctx) -> None:
    order_id = insert_order(ctx)
    tracking_no = logistics.ship(ctx, order_id)
    ctx.clock.advance(3600)
    logistics.deliver(ctx, order_id)
    order = order_row(ctx, order_id)
    assert order["status"] == "shipped"
    assert order["delivered_at"] == ctx.now()
    assert parcel_statuses(ctx, tracking_no)[-1] == "delivered"
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM order_events WHERE order_id = ? AND status = 'delivered'",
            (order_id,),
        )
        == 1
    )
    with pytest.raises(ApiError) as again:
        logistics.deliver(ctx, order_id)
    assert again.value.code == "INVALID_STATE"


@pytest.mark.parametrize("status", ["pending_payment", "awaiting_shipment", "cancelled"])
def test_deliver_refuses_an_order_that_was_not_shipped(ctx: Ctx, status: str) -> None:
    order_id = insert_order(ctx, status=status)
    with pytest.raises(ApiError) as refused:
        logistics.deliver(ctx, order_id)
    assert refused.value.code == "INVALID_STATE"
    assert order_row(ctx, order_id)["delivered_at"] is None
    with pytest.raises(ApiError) as unknown:
        logistics.deliver(ctx, 999_999)
    assert unknown.value.status == 404


# ---- the merchant simulator, on the backend clock ---------------------------------------


def test_simulate_ships_after_the_delay_and_moves_parcels_one_step_per_delay(ctx: Ctx) -> None:
    ship_delay, step_delay = ctx.delays["ship"], ctx.delays["logistics_step"]
    order_id = insert_order(ctx, paid_ago=0.0)
    unpaid_id = insert_order(ctx, status="pending_payment", paid_ago=None)
    logistics.simulate(ctx)
    assert order_row(ctx, order_id)["status"] == "awaiting_shipment"
    ctx.clock.advance(ship_delay - 1)
    logistics.simulate(ctx)
    assert order_row(ctx, order_id)["status"] == "awaiting_shipment"
    ctx.clock.advance(1)
    logistics.simulate(ctx)
    order = order_row(ctx, order_id)
    assert order["status"] == "shipped"
    assert order_row(ctx, unpaid_id)["status"] == "pending_payment"
    tracking_no = order["tracking_no"]
    route_length = 6 if logistics.has_exception(tracking_no) else 5
    for expected_events in range(2, route_length + 1):
        ctx.clock.advance(step_delay - 1)
        logistics.simulate(ctx)
        assert len(parcel_statuses(ctx, tracking_no)) == expected_events - 1
        ctx.clock.advance(1)
        logistics.simulate(ctx)
        assert len(parcel_statuses(ctx, tracking_no)) == expected_events
    assert parcel_statuses(ctx, tracking_no)[-1] == "delivered"
    delivered = order_row(ctx, order_id)
    assert delivered["delivered_at"] == ctx.now() and delivered["status"] == "shipped"
    ctx.clock.advance(step_delay * 5)
    logistics.simulate(ctx)
    assert len(parcel_statuses(ctx, tracking_no)) == route_length


def test_simulate_leaves_orders_with_a_refund_under_way_unshipped(ctx: Ctx) -> None:
    order_id = insert_order(ctx, paid_ago=3600)
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE orders SET after_sale_status = 'in_progress' WHERE id = ?", (order_id,)
        )
    logistics.simulate(ctx)
    assert order_row(ctx, order_id)["status"] == "awaiting_shipment"


def test_simulate_moves_return_parcels_too(ctx: Ctx) -> None:
    logistics.start_parcel(ctx, "JDVA12345678901", "JD", "杭州市", "广州市")
    ctx.clock.advance(ctx.delays["logistics_step"])
    logistics.simulate(ctx)
    assert parcel_statuses(ctx, "JDVA12345678901") == ["collected", "in_transit"]


# ---- the tracking endpoints -------------------------------------------------------------


def test_tracking_an_order_answers_events_newest_first_in_the_request_language(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order_id = insert_order(app_ctx)
    not_yet = client.get(f"/api/v1/orders/{order_id}/logistics", headers=demo_headers)
    assert not_yet.status_code == 409 and error_code(not_yet) == "INVALID_STATE"
    tracking_no = logistics.ship(app_ctx, order_id)
    app_ctx.clock.advance(60)
    logistics.advance_parcel(app_ctx, tracking_no)
    zh = client.get(f"/api/v1/orders/{order_id}/logistics", headers=demo_headers)
    assert zh.status_code == 200
    body = zh.json()
    assert set(body) == {
        "carrier",
        "carrier_name",
        "tracking_no",
        "status",
        "events",
        "estimated_delivery",
    }
    assert body["tracking_no"] == tracking_no and body["status"] == "in_transit"
    assert [event["status"] for event in body["events"]] == ["in_transit", "collected"]
    assert body["events"][0]["at"] > body["events"][1]["at"]
    assert "已揽收" in body["events"][1]["text"]
    assert body["carrier_name"] == logistics.CARRIERS[body["carrier"]].name_zh
    assert body["estimated_delivery"]["earliest"] <= body["estimated_delivery"]["latest"]
    en = client.get(
        f"/api/v1/orders/{order_id}/logistics", headers={**demo_headers, "Accept-Language": "en"}
    ).json()
    assert en["events"][1]["text"].startswith("Picked up by")
    assert en["carrier_name"] == logistics.CARRIERS[body["carrier"]].name_en


def test_tracking_someone_elses_order_is_404(
    client: TestClient,
    app_ctx: Ctx,
    make_user: Callable[..., tuple[int, dict[str, str]]],
) -> None:
    order_id = insert_order(app_ctx)
    logistics.ship(app_ctx, order_id)
    _, stranger = make_user()
    response = client.get(f"/api/v1/orders/{order_id}/logistics", headers=stranger)
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert client.get(f"/api/v1/orders/{order_id}/logistics").status_code == 401
    missing = client.get("/api/v1/orders/999999/logistics", headers=stranger)
    assert missing.status_code == 404


def test_parcel_lookup_by_number_shows_the_route_but_no_address_or_owner(
    client: TestClient,
    app_ctx: Ctx,
    make_user: Callable[..., tuple[int, dict[str, str]]],
) -> None:
    order_id = insert_order(app_ctx)
    tracking_no = logistics.ship(app_ctx, order_id)
    logistics.deliver(app_ctx, order_id)
    _, stranger = make_user()
    response = client.get(f"/api/v1/logistics/{tracking_no.lower()}", headers=stranger)
    assert response.status_code == 200
    body = response.json()
    assert body["tracking_no"] == tracking_no and body["status"] == "delivered"
    assert body["estimated_delivery"] is None
    assert [event["status"] for event in body["events"]][0] == "delivered"
    raw = response.text
    for private in ("文三路", "3幢", "张三", "13800138000", "西湖区", "order_id", "user"):
        assert private not in raw, private


def test_parcel_lookup_refuses_unknown_and_malformed_numbers(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    unknown = client.get("/api/v1/logistics/SF9999999999999", headers=demo_headers)
    assert unknown.status_code == 404 and error_code(unknown) == "NOT_FOUND"
    malformed = client.get("/api/v1/logistics/SF12345", headers=demo_headers)
    assert malformed.status_code == 422 and error_code(malformed) == "VALIDATION_ERROR"
    assert "tracking_no" in malformed.json()["error"]["details"]["fields"]
    too_long = client.get("/api/v1/logistics/" + "9" * 33, headers=demo_headers)
    assert too_long.status_code == 422
    assert client.get("/api/v1/logistics/SF1234567890123").status_code == 401


def test_dev_ship_and_deliver_endpoints_move_the_order_and_refuse_wrong_states(
    client: TestClient, app_ctx: Ctx
) -> None:
    order_id = insert_order(app_ctx)
    pending_id = insert_order(app_ctx, status="pending_payment", paid_ago=None)
    early = client.post(f"/_dev/orders/{order_id}/deliver")
    assert early.status_code == 409 and error_code(early) == "INVALID_STATE"
    assert client.post(f"/_dev/orders/{pending_id}/ship").status_code == 409
    shipped = client.post(f"/_dev/orders/{order_id}/ship")
    assert shipped.status_code == 200
    assert shipped.json()["order_status"] == "shipped"
    assert shipped.json()["logistics"]["status"] == "collected"
    assert client.post(f"/_dev/orders/{order_id}/ship").status_code == 409
    delivered = client.post(f"/_dev/orders/{order_id}/deliver")
    assert delivered.status_code == 200
    assert delivered.json()["order_status"] == "shipped"
    assert delivered.json()["logistics"]["status"] == "delivered"
    assert order_row(app_ctx, order_id)["delivered_at"] is not None
    assert client.post(f"/_dev/orders/{order_id}/deliver").status_code == 409
    assert client.post("/_dev/orders/999999/ship").status_code == 404
