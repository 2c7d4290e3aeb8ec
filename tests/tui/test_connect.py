"""Connecting at start-up: whatever screen is up once the backend answers, and whatever
became of its work, the app carries on (the collector is frozen once that work is over)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import Worker

from kshop_tui.api import backend as backend_module
from kshop_tui.api.backend import Backend
from kshop_tui.app import KshopApp
from kshop_tui.config import Settings
from kshop_tui.shop.options import AppOptions


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
