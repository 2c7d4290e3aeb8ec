"""Connecting at start-up: whatever screen is up once the backend answers, and whatever
became of its work, the app carries on (the collector is frozen once that work is over)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from kshop_tui.api import backend as backend_module
from kshop_tui.api.backend import Backend
from kshop_tui.app import KshopApp
from kshop_tui.config import Settings
from kshop_tui.i18n import translate
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.shop.options import AppOptions
from tests.tui import helpers


async def connect_worker(app: KshopApp, pilot: Pilot[None]) -> Worker[None]:
    """The start-up's connecting worker, once the first frame is out and it has begun."""
    for _ in range(200):
        found = [worker for worker in app.workers if worker.group == "connect"]
        if found:
            return found[0]
        await pilot.pause()
    raise AssertionError("the app never started connecting")


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """This start-up freezes the collector, as the real one does; the tests' process
    must not keep what it froze."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
async def test_a_screen_without_workers_up_when_the_backend_answers_is_no_crash(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = asyncio.Event()

    async def open_backend(**options: object) -> Backend:
        await answer.wait()  # the backend answers when the test says so
        return backend

    monkeypatch.setattr(backend_module, "open_backend", open_backend)
    options = AppOptions(
        language="en", data_dir=tmp_path / "data", settings=Settings(), persistent_tokens=False
    )
    app = KshopApp(options)
    async with app.run_test(size=(80, 24)) as pilot:
        connecting = await connect_worker(app, pilot)
        await app.push_screen(Screen())  # up when the backend answers; no workers of its own
        answer.set()
        await connecting.wait()
        await pilot.pause()
        assert app.connected and app.is_running
    assert app.return_code in (None, 0)


@pytest.mark.usefixtures("unfrozen")
async def test_a_search_deep_link_that_replaces_the_first_load_is_no_crash(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--open "search …"` starts a search that cancels the browse screen's first load
    (same exclusive group) just before start-up waits for that screen's work."""
    answer = asyncio.Event()

    async def open_backend(**options: object) -> Backend:
        await answer.wait()  # the backend answers when the test says so
        return backend

    monkeypatch.setattr(backend_module, "open_backend", open_backend)
    options = AppOptions(
        language="en",
        data_dir=tmp_path / "data",
        settings=Settings(),
        persistent_tokens=False,
        open_target="search 保温杯",
    )
    app = KshopApp(options)
    async with app.run_test(size=(80, 24)) as pilot:
        connecting = await connect_worker(app, pilot)
        answer.set()
        await connecting.wait()
        await pilot.pause()
        assert app.connected and app.is_running
    assert app.return_code in (None, 0)


async def test_a_key_typed_as_the_app_starts_does_not_keep_it_from_connecting(
    make_app: Callable[..., KshopApp], demo_token: str
) -> None:
    """`o` typed ahead (over SSH the first keys can arrive with the first frame) brings the
    orders screen over the first one before that screen has painted: the shop connects
    all the same, and the orders load. The keys go in as the app becomes ready, before
    `run_test` would have let the first screen paint."""
    app = make_app(token=demo_token)
    seen: dict[str, object] = {}

    async def type_ahead(pilot: Pilot[object]) -> None:
        await pilot.press("o")
        for _ in range(400):
            if app.connected:
                break
            await pilot.pause()
        seen["connected"] = app.connected
        if app.connected:
            await helpers.settle(pilot, waiting={"orders-page"})
            screen = app.screen
            assert isinstance(screen, OrdersScreen)
            seen["shown"] = str(screen.query_one("#orders-empty", Static).content)
            seen["empty"] = translate("en", f"orders.empty.{screen.tab}")
        app.exit()

    await app.run_async(headless=True, size=(80, 24), auto_pilot=type_ahead)
    assert seen["connected"], "the app never connected"
    assert seen["shown"] == seen["empty"], "the orders never loaded"  # this buyer has none
