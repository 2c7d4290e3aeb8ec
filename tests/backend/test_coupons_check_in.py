"""The daily check-in: once per Beijing day, a small coupon, a streak."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import coupons
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

HOUR = 3600
DAY = 24 * HOUR
# FROZEN_START is 2026-11-24T02:00:00Z, 10:00 in Beijing: 14 hours until midnight there.
TO_BEIJING_MIDNIGHT = 14 * HOUR


def check_in_coupons(ctx: Ctx) -> int:
    return int(
        ctx.db.scalar(
            "SELECT COUNT(*) FROM user_coupons uc JOIN coupon_templates t ON t.id = uc.template_id"
            " WHERE uc.user_id = ? AND t.kind = 'check_in'",
            (DEMO_USER_ID,),
        )
    )


def test_check_in_gives_the_check_in_coupon(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    response = client.post("/api/v1/check-in", headers=demo_headers)
    assert response.status_code == 201
    body = response.json()
    assert body["day"] == "2026-11-24" and body["streak"] == 1
    coupon = body["coupon"]
    assert coupon["kind"] == "check_in" and coupon["title"] == "签到券 满30减3"
    assert (coupon["threshold_fen"], coupon["discount_fen"]) == (3000, 300)
    usable = client.get("/api/v1/coupons", headers=demo_headers).json()["items"]
    assert coupon["id"] in {c["id"] for c in usable}


def test_check_in_twice_the_same_day_is_409(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    assert client.post("/api/v1/check-in", headers=demo_headers).status_code == 201
    app_ctx.clock.advance(TO_BEIJING_MIDNIGHT - 1)  # 23:59:59 in Beijing, same day
    again = client.post("/api/v1/check-in", headers=demo_headers)
    assert again.status_code == 409 and error_code(again) == "ALREADY_CHECKED_IN"
    assert check_in_coupons(app_ctx) == 1
    app_ctx.clock.advance(1)  # midnight in Beijing: a new day (still 16:00 UTC)
    next_day = client.post("/api/v1/check-in", headers=demo_headers)
    assert next_day.status_code == 201
    assert next_day.json()["day"] == "2026-11-25" and next_day.json()["streak"] == 2
    assert check_in_coupons(app_ctx) == 2


def test_a_missed_day_restarts_the_streak(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    for _ in range(3):
        client.post("/api/v1/check-in", headers=demo_headers)
        app_ctx.clock.advance(DAY)
    status = client.get("/api/v1/check-in", headers=demo_headers).json()
    assert status["checked_in_today"] is False and status["streak"] == 3  # still alive today
    app_ctx.clock.advance(DAY)  # a day without checking in
    assert client.get("/api/v1/check-in", headers=demo_headers).json()["streak"] == 0
    restarted = client.post("/api/v1/check-in", headers=demo_headers).json()
    assert restarted["streak"] == 1


def test_check_in_status_shows_the_last_week(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    before = client.get("/api/v1/check-in", headers=demo_headers).json()
    assert before["checked_in_today"] is False and before["streak"] == 0
    assert [d["day"] for d in before["recent_days"]] == [
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
        "2026-11-24",
    ]
    assert not any(d["checked_in"] for d in before["recent_days"])
    client.post("/api/v1/check-in", headers=demo_headers)
    app_ctx.clock.advance(DAY)
    client.post("/api/v1/check-in", headers=demo_headers)
    after = client.get("/api/v1/check-in", headers=demo_headers).json()
    assert after["checked_in_today"] is True and after["streak"] == 2
    assert [d["day"] for d in after["recent_days"] if d["checked_in"]] == [
        "2026-11-24",
        "2026-11-25",
    ]


def test_check_in_needs_login(client: TestClient) -> None:
    assert client.post("/api/v1/check-in").status_code == 401
    assert client.get("/api/v1/check-in").status_code == 401


def test_check_in_service_rules(ctx: Ctx) -> None:
    first = coupons.check_in(ctx, DEMO_USER_ID, "en")
    assert first["coupon"]["title"] == "Check-in: ¥3 off over ¥30"
    with pytest.raises(ApiError) as refused:
        coupons.check_in(ctx, DEMO_USER_ID, "en")
    assert refused.value.code == "ALREADY_CHECKED_IN" and refused.value.status == 409
    ctx.clock.advance(DAY)
    assert coupons.check_in(ctx, DEMO_USER_ID, "en")["streak"] == 2
    assert coupons.check_in_status(ctx, DEMO_USER_ID)["streak"] == 2
