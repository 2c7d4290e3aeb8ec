"""Limits on SMS codes and QR-login starts: per client (the HTTP peer's address) and per
phone, sliding windows on the backend clock, 429 with Retry-After, refusals uncounted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import auth, limits, sweeper
from tests.backend.conftest import error_code

API = "/api/v1"
CLIENT = "203.0.113.7"
OTHER_CLIENT = "198.51.100.20"
DEMO_PHONE = "13800138000"


def phone(index: int) -> str:
    return f"1370000{index:04d}"


def refused(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def codes_sent(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM sms_codes"))


def test_one_client_gets_10_codes_in_10_minutes_however_many_phones_it_names(ctx: Ctx) -> None:
    # The trust issue: codes to 300 phones in 0.3 s from one client.
    outcomes = []
    for index in range(300):
        try:
            auth.send_sms_code(ctx, phone(index), "login", CLIENT)
            outcomes.append("sent")
        except ApiError as error:
            outcomes.append(error.code)
    assert outcomes == ["sent"] * 10 + ["SMS_CLIENT_LIMIT"] * 290
    assert codes_sent(ctx) == 10
    error = refused(lambda: auth.send_sms_code(ctx, phone(400), "login", CLIENT))
    assert (error.status, error.retry_after) == (429, 600)
    assert error.details == {"limit": 10, "window_seconds": 600, "retry_after": 600}
    assert error.message("en") == (
        "Too many codes requested from this network address (at most 10 in 10 minutes);"
        " try again in 10 min"
    )
    assert "10 分钟内最多 10 条" in error.message("zh")
    # Another client is not held back by this one.
    auth.send_sms_code(ctx, phone(401), "login", OTHER_CLIENT)
    # The window slides on the backend clock.
    ctx.clock.advance(599)
    assert refused(lambda: auth.send_sms_code(ctx, phone(402), "login", CLIENT)).retry_after == 1
    ctx.clock.advance(1)
    assert auth.send_sms_code(ctx, phone(402), "login", CLIENT)["sent"] is True


def test_one_phone_gets_5_codes_an_hour_from_any_clients(ctx: Ctx) -> None:
    for index in range(5):
        auth.send_sms_code(ctx, DEMO_PHONE, "login", f"203.0.113.{index}")
        ctx.clock.advance(60)  # past the 60 s between two codes to one phone
    before = codes_sent(ctx)
    error = refused(lambda: auth.send_sms_code(ctx, DEMO_PHONE, "login", "203.0.113.99"))
    assert error.code == "SMS_PHONE_LIMIT" and error.status == 429
    # The first code was sent 300 s ago: it leaves the hour's window in 3 300 s.
    assert error.retry_after == 3300
    assert codes_sent(ctx) == before
    ctx.clock.advance(3300)
    assert auth.send_sms_code(ctx, DEMO_PHONE, "login", "203.0.113.99")["sent"] is True


def test_refused_sends_do_not_count_against_the_client(ctx: Ctx) -> None:
    auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)
    for _ in range(20):  # too soon for the same phone: refused, and not counted
        assert refused(lambda: auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)).code == (
            "RATE_LIMITED"
        )
        assert refused(lambda: auth.send_sms_code(ctx, "123", "login", CLIENT)).status == 422
    for index in range(9):
        auth.send_sms_code(ctx, phone(index), "login", CLIENT)
    assert refused(lambda: auth.send_sms_code(ctx, phone(9), "login", CLIENT)).code == (
        "SMS_CLIENT_LIMIT"
    )


def test_one_client_starts_20_qr_logins_in_10_minutes(ctx: Ctx) -> None:
    # The trust issue: 1 000 QR-login starts in 0.9 s.
    outcomes = []
    for _ in range(1000):
        try:
            auth.start_oauth(ctx, "wechat", CLIENT)
            outcomes.append("started")
        except ApiError as error:
            outcomes.append(error.code)
    assert outcomes == ["started"] * 20 + ["QR_LOGIN_LIMIT"] * 980
    assert ctx.db.scalar("SELECT COUNT(*) FROM oauth_devices") == 20
    error = refused(lambda: auth.start_oauth(ctx, "qq", CLIENT))
    assert (error.status, error.retry_after) == (429, 600)
    assert error.message("en") == (
        "Too many QR logins started from this network address (at most 20 in 10 minutes);"
        " try again in 10 min"
    )
    assert auth.start_oauth(ctx, "qq", OTHER_CLIENT)["device_code"]
    ctx.clock.advance(600)
    assert auth.start_oauth(ctx, "qq", CLIENT)["device_code"]


def test_the_sweeper_forgets_uses_older_than_every_window(ctx: Ctx) -> None:
    auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)
    auth.start_oauth(ctx, "wechat", CLIENT)
    assert ctx.db.scalar("SELECT COUNT(*) FROM rate_events") == 3
    longest = max(limit.window for limit in limits.LIMITS)
    ctx.clock.advance(longest - 1)
    sweeper.run(ctx)
    assert ctx.db.scalar("SELECT COUNT(*) FROM rate_events") == 3
    ctx.clock.advance(1)
    sweeper.run(ctx)
    assert ctx.db.scalar("SELECT COUNT(*) FROM rate_events") == 0


async def test_over_http_the_client_is_the_peer_address_and_429_says_when(
    app: FastAPI,
) -> None:
    def client_from(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://kshop")

    async with client_from(CLIENT) as first, client_from(OTHER_CLIENT) as second:
        for index in range(10):
            sent = await first.post(
                f"{API}/auth/sms-codes", json={"phone": phone(index), "purpose": "login"}
            )
            assert sent.status_code == 200, sent.text
        refused = await first.post(
            f"{API}/auth/sms-codes",
            json={"phone": phone(10), "purpose": "login"},
            headers={"Accept-Language": "en"},
        )
        assert refused.status_code == 429 and error_code(refused) == "SMS_CLIENT_LIMIT"
        assert refused.headers["Retry-After"] == "600"
        assert refused.json()["error"]["details"]["retry_after"] == 600
        other = await second.post(
            f"{API}/auth/sms-codes", json={"phone": phone(10), "purpose": "login"}
        )
        assert other.status_code == 200

        for _ in range(20):
            assert (await first.post(f"{API}/auth/oauth/qq/start")).status_code == 200
        too_many = await first.post(f"{API}/auth/oauth/qq/start")
        assert too_many.status_code == 429 and error_code(too_many) == "QR_LOGIN_LIMIT"
        assert too_many.headers["Retry-After"] == "600"
        assert (await second.post(f"{API}/auth/oauth/qq/start")).status_code == 200


async def test_a_public_demo_counts_each_visitor_not_its_own_sessions(
    db_path: Path, clock: Clock
) -> None:
    """Every session of `kshop serve` reaches its backend from 127.0.0.1: there the limits
    follow the visitor address each session passes on, so one busy visitor cannot use up
    registration for the rest. An ordinary backend ignores the header (anyone could send
    it)."""
    public = create_app(db_path, clock, merchant="manual", seed=None, public_demo=True)
    private = create_app(db_path, clock, merchant="manual", seed=None)

    def session_of(app: FastAPI, visitor: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        headers = {"X-Kshop-Served": "1", "X-Kshop-Visitor": visitor}
        return httpx.AsyncClient(transport=transport, base_url="http://kshop", headers=headers)

    async with (
        session_of(public, "203.0.113.7") as first,
        session_of(public, "198.51.100.9") as second,
    ):
        for index in range(10):
            sent = await first.post(
                f"{API}/auth/sms-codes", json={"phone": phone(index), "purpose": "register"}
            )
            assert sent.status_code == 200, sent.text
        refused = await first.post(
            f"{API}/auth/sms-codes", json={"phone": phone(10), "purpose": "register"}
        )
        assert refused.status_code == 429 and error_code(refused) == "SMS_CLIENT_LIMIT"
        other = await second.post(
            f"{API}/auth/sms-codes", json={"phone": phone(11), "purpose": "register"}
        )
        assert other.status_code == 200, other.text

    async with (
        session_of(private, "192.0.2.55") as one,
        session_of(private, "192.0.2.66") as claims_to_be_another,
    ):
        for index in range(20, 30):
            sent = await one.post(
                f"{API}/auth/sms-codes", json={"phone": phone(index), "purpose": "register"}
            )
            assert sent.status_code == 200, sent.text
        refused = await claims_to_be_another.post(
            f"{API}/auth/sms-codes", json={"phone": phone(30), "purpose": "register"}
        )
        # The same peer (127.0.0.1) has used its 10 codes, whatever visitor it names.
        assert refused.status_code == 429 and error_code(refused) == "SMS_CLIENT_LIMIT"
