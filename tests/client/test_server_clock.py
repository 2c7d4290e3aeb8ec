"""The client's idea of the backend's "now": taken from every answer, carried forward by
the local monotonic clock, frozen when the backend's clock is, and never given up."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import kshop_tui.api.client as client_module
from fake_backend.app import create_app
from fake_backend.clock import Clock
from kshop_tui.api import errors
from kshop_tui.api.client import KshopClient
from kshop_tui.api.clock import ServerClock

SERVER_NOW = 1_764_000_000.0


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.value = 50.0

    def __call__(self) -> float:
        return self.value


def test_before_any_answer_it_is_the_local_clock() -> None:
    clock = ServerClock(wall=lambda: 123.0)
    assert not clock.known and clock.now() == 123.0


def test_a_running_backend_clock_is_carried_forward_between_answers() -> None:
    ticks = Ticks()
    clock = ServerClock(monotonic=ticks, wall=lambda: 0.0)
    clock.observe({"x-server-time": f"{SERVER_NOW:.3f}"})
    ticks.value += 7.5
    assert clock.now() == SERVER_NOW + 7.5
    assert clock.seconds_until(SERVER_NOW + 60) == 52.5


def test_a_frozen_backend_clock_stands_still_until_the_next_answer() -> None:
    ticks = Ticks()
    clock = ServerClock(monotonic=ticks)
    clock.observe({"x-server-time": str(SERVER_NOW), "x-server-clock": "frozen"})
    ticks.value += 600
    assert clock.now() == SERVER_NOW
    clock.observe({"x-server-time": str(SERVER_NOW + 3600), "x-server-clock": "frozen"})
    assert clock.now() == SERVER_NOW + 3600


def test_a_server_without_the_header_is_read_from_its_date_header() -> None:
    ticks = Ticks()
    clock = ServerClock(monotonic=ticks, wall=lambda: 0.0)
    clock.observe({"date": "Tue, 24 Nov 2026 02:00:00 GMT"})
    assert clock.now() == 1795485600.0
    clock.observe({"x-server-time": "not a number"})  # ignored, the last good time stays
    assert clock.now() == 1795485600.0


async def test_the_client_keeps_following_the_backend_after_a_failed_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "BACKOFF_SECONDS", (0.0, 0.0, 0.0))  # no need to wait
    answers: list[httpx.Response | Exception] = [
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"epoch": 1}, headers={"X-Server-Time": str(SERVER_NOW)}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = KshopClient("http://127.0.0.1", transport=httpx.MockTransport(handler))
    with pytest.raises(errors.BackendUnreachable):
        await client.dev_clock()
    await client.dev_clock()
    assert client.clock.known and client.clock.now() >= SERVER_NOW


async def test_every_answer_of_the_bundled_backend_carries_its_clock(tmp_path: Path) -> None:
    backend_clock = Clock(SERVER_NOW, frozen=True)
    app = create_app(tmp_path / "shop.sqlite3", backend_clock, merchant="manual", seed=None)
    async with app.router.lifespan_context(app):
        client = KshopClient("http://127.0.0.1", transport=httpx.ASGITransport(app=app))
        with pytest.raises(errors.AuthExpired):
            await client._call("GET", "/api/v1/orders")  # an error answer counts too
        assert client.clock.now() == SERVER_NOW
        await client._call("POST", "/_dev/clock/advance", json={"seconds": 86400})
        assert client.clock.now() == SERVER_NOW + 86400
        await client.aclose()
