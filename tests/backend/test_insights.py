"""Insights: spend per month (Beijing months) and per top-level category, orders by status."""

from __future__ import annotations

import typing
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from fake_backend.clock import parse_iso
from fake_backend.context import Ctx
from fake_backend.schemas.orders import OrderStatus
from fake_backend.services import insights
from tests.backend.conftest import error_code
from tests.backend.test_wallet import insert_order

MakeUser = Callable[..., tuple[int, dict[str, str]]]
ELECTRONICS_BRAND = "小米"  # 数码 / Electronics
CLOTHING_BRAND = "优衣库"  # 服装 / Clothing


def sku_of(ctx: Ctx, brand: str) -> int:
    return int(
        ctx.db.scalar(
            "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
            " WHERE p.brand = ? ORDER BY s.id LIMIT 1",
            (brand,),
        )
    )


def place_history(ctx: Ctx, user_id: int) -> None:
    """Orders around month edges; the expected sums are worked out in the tests."""
    phone, shirt = sku_of(ctx, ELECTRONICS_BRAND), sku_of(ctx, CLOTHING_BRAND)

    def paid(
        at: str,
        total: int,
        lines: list[tuple[int, int, int, int]],
        status: str,
        refunded_fen: int = 0,
    ) -> None:
        paid_at = parse_iso(at)
        insert_order(
            ctx,
            user_id,
            total_fen=total,
            paid_at=paid_at,
            created_at=paid_at - 60,
            lines=lines,
            status=status,
            refunded_fen=refunded_fen,
        )

    # A: this month, split 2:1 between the two categories
    paid(
        "2026-11-20T04:00:00Z",
        30000,
        [(phone, 20000, 1, 0), (shirt, 10000, 1, 0)],
        status="completed",
    )
    # B: 00:30 on 1 November in Beijing (still October in UTC), 2000 refunded
    paid(
        "2026-10-31T16:30:00Z", 10001, [(shirt, 10001, 1, 0)], status="completed", refunded_fen=2000
    )
    # C: 23:30 on 31 October in Beijing
    paid("2026-10-31T15:30:00Z", 5000, [(phone, 5200, 1, 200)], status="shipped")
    # F: paid in September, then cancelled with a full refund
    paid("2026-09-05T04:00:00Z", 4000, [(phone, 4000, 1, 0)], status="cancelled", refunded_fen=4000)
    # G: three lines whose shares do not divide evenly
    paid(
        "2026-06-15T04:00:00Z",
        10000,
        [(phone, 3333, 1, 0), (shirt, 3333, 1, 0), (phone, 3334, 1, 0)],
        status="completed",
    )
    # E: paid 13 months ago: outside a 12-month window
    paid("2025-11-15T04:00:00Z", 7777, [(phone, 7777, 1, 0)], status="completed")
    # D: cancelled before payment: never spent
    insert_order(ctx, user_id, total_fen=99999, status="cancelled", lines=[(phone, 99999, 1, 0)])


def test_a_year_of_spending_sums_to_the_fen(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    place_history(app_ctx, 1)
    body = client.get("/api/v1/me/insights", headers=demo_headers).json()
    assert body["months"] == 12
    assert body["total_spend_fen"] == 30000 + 8001 + 5000 + 0 + 10000
    by_month = {m["month"]: (m["total_fen"], m["orders"]) for m in body["spend_by_month"]}
    assert list(by_month)[0] == "2025-12" and list(by_month)[-1] == "2026-11"
    assert len(by_month) == 12
    assert by_month["2026-11"] == (38001, 2)
    assert by_month["2026-10"] == (5000, 1)
    assert by_month["2026-09"] == (0, 0)
    assert by_month["2026-06"] == (10000, 1)
    assert sum(total for total, _ in by_month.values()) == body["total_spend_fen"]
    assert [(c["name"], c["total_fen"]) for c in body["spend_by_category"]] == [
        ("数码", 20000 + 5000 + 6667),
        ("服装", 10000 + 8001 + 3333),
    ]
    assert sum(c["total_fen"] for c in body["spend_by_category"]) == body["total_spend_fen"]
    assert body["orders_by_status"] == {
        "pending_payment": 0,
        "awaiting_shipment": 0,
        "awaiting_service": 0,
        "shipped": 1,
        "completed": 3,
        "cancelled": 2,
        "closed": 0,
    }


def test_one_month_in_english(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    place_history(app_ctx, 1)
    body = client.get(
        "/api/v1/me/insights?months=1", headers={**demo_headers, "Accept-Language": "en"}
    ).json()
    assert body["spend_by_month"] == [{"month": "2026-11", "total_fen": 38001, "orders": 2}]
    assert [(c["name"], c["total_fen"]) for c in body["spend_by_category"]] == [
        ("Electronics", 20000),
        ("Clothing", 18001),
    ]
    assert body["orders_by_status"]["completed"] == 2
    assert body["orders_by_status"]["cancelled"] == 1
    assert body["orders_by_status"]["shipped"] == 0


def test_every_order_status_is_counted(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    """One order in each status the API knows (a service awaiting its visit too): each is
    counted under its own status, none left out."""
    user_id, headers = make_user()
    known = typing.get_args(OrderStatus)
    sku = sku_of(app_ctx, ELECTRONICS_BRAND)
    for status in known:
        insert_order(app_ctx, user_id, total_fen=100, status=status, lines=[(sku, 100, 1, 0)])
    body = client.get("/api/v1/me/insights?months=1", headers=headers).json()
    assert body["orders_by_status"] == dict.fromkeys(known, 1)


def test_a_user_without_orders_sees_zeros(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user()
    body = client.get("/api/v1/me/insights?months=24", headers=headers).json()
    assert body["total_spend_fen"] == 0 and body["spend_by_category"] == []
    assert len(body["spend_by_month"]) == 24
    assert body["spend_by_month"][0]["month"] == "2024-12"
    assert all(m["total_fen"] == m["orders"] == 0 for m in body["spend_by_month"])
    assert set(body["orders_by_status"].values()) == {0}


def test_another_users_orders_do_not_count(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    place_history(app_ctx, 1)
    _, headers = make_user()
    assert client.get("/api/v1/me/insights", headers=headers).json()["total_spend_fen"] == 0


@pytest.mark.parametrize("months", ["0", "25", "-1", "twelve"])
def test_months_out_of_range_is_422(
    client: TestClient, demo_headers: dict[str, str], months: str
) -> None:
    response = client.get(f"/api/v1/me/insights?months={months}", headers=demo_headers)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"


def test_insights_need_login(client: TestClient) -> None:
    assert client.get("/api/v1/me/insights").status_code == 401


def test_month_edges_follow_beijing_time(ctx: Ctx) -> None:
    ctx.clock.advance(parse_iso("2026-11-30T16:00:00Z") - ctx.now())  # 1 December in Beijing
    result = insights.insights(ctx, 1, 2, "zh")
    assert [m["month"] for m in result["spend_by_month"]] == ["2026-11", "2026-12"]
