"""Storage never blocks an event loop (issue 16): routes are plain functions FastAPI runs in
worker threads, the simulator steps in a thread, and reads take a pool connection that a
writer's open transaction does not hold up."""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from fake_backend import simulator
from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import sessions
from fake_backend.storage.db import READ_CACHE_KIB, READ_POOL_SIZE, Database, WriterQueue
from tests.backend.test_orders import sku_between
from tests.conftest import DEMO_USER_ID

# A failure guard only: each wait below ends as soon as the other thread has done its step.
GUARD_SECONDS = 60.0


def coroutine_calls(dependant: Dependant) -> list[str]:
    found = []
    for dependency in dependant.dependencies:
        if dependency.call is not None and inspect.iscoroutinefunction(dependency.call):
            found.append(dependency.call.__qualname__)
        found.extend(coroutine_calls(dependency))
    return found


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from api_routes(included.routes)


def test_every_route_and_its_dependencies_run_in_a_worker_thread(db_path: Path) -> None:
    app = create_app(db_path, Clock(1.8e9, frozen=True), merchant="auto", dev=True, seed=None)
    routes = list(api_routes(app.routes))
    assert len(routes) > 90  # the whole contract, /_dev included
    on_loop = [
        f"{sorted(route.methods)} {route.path}"
        for route in routes
        if inspect.iscoroutinefunction(route.endpoint) or coroutine_calls(route.dependant)
    ]
    assert on_loop == []


async def test_a_shopper_s_whole_visit_in_process_queries_nothing_on_the_loop(
    db_path: Path,
) -> None:
    """The bundled mode: the client's loop carries the requests (as the TUI's does)."""
    app = create_app(db_path, Clock(1.8e9, frozen=True), merchant="manual", dev=True, seed=None)
    ctx: Ctx = app.state.ctx
    token, _ = sessions.issue(ctx, DEMO_USER_ID)
    sku = sku_between(ctx, 1000, 20000)
    ctx.db.calls_on_loop = 0  # building the app above ran on this thread's loop
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as http:

        async def call(method: str, path: str, *, once: bool = False, **kwargs: Any) -> Any:
            key = {"Idempotency-Key": str(uuid.uuid4())} if once else {}
            response = await http.request(
                method, "/api/v1" + path, headers={**headers, **key}, **kwargs
            )
            assert response.status_code < 300, response.text
            return response.json()

        await call("GET", "/products", params={"q": "保温杯"})
        await call("GET", "/search/suggest", params={"q": "bwb"})
        await call("GET", f"/products/{sku['product_id']}")
        await call("POST", "/cart/items", json={"sku_id": sku["id"], "qty": 1})
        await call("GET", "/cart")
        order = await call(
            "POST",
            "/orders",
            once=True,
            json={"items": [{"sku_id": sku["id"], "qty": 1}], "payment_method": "balance"},
        )
        await call(
            "POST",
            f"/orders/{order['id']}/pay",
            once=True,
            json={"method": "balance", "payment_password": "123456"},
        )
        await call("GET", "/orders", params={"status": "all"})
        await call("GET", "/me")
        await call("GET", "/wallet")
    assert ctx.db.calls_on_loop == 0


async def test_the_simulator_steps_in_a_thread(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Ctx(db=Database(db_path), clock=Clock(1.8e9, frozen=True), merchant="auto")
    stepped = asyncio.Event()
    loop = asyncio.get_running_loop()
    steps_on_loop: list[bool] = []

    def step(context: Ctx) -> None:
        steps_on_loop.append(asyncio._get_running_loop() is not None)
        loop.call_soon_threadsafe(stepped.set)

    monkeypatch.setattr(simulator, "TICK_SECONDS", 0.0)
    monkeypatch.setattr(simulator, "step", step)
    task = asyncio.create_task(simulator.run_forever(ctx))
    try:
        await stepped.wait()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert steps_on_loop and not any(steps_on_loop)


def test_a_read_does_not_wait_for_a_writer_s_open_transaction(db_path: Path) -> None:
    db = Database(db_path)
    before = db.scalar("SELECT COUNT(*) FROM search_history")
    written = threading.Event()
    may_commit = threading.Event()

    def writer() -> None:
        with db.tx():
            db.execute(
                "INSERT INTO search_history(user_id, q, searched_at) VALUES (?, ?, ?)",
                (DEMO_USER_ID, "保温杯", 1.8e9),
            )
            assert db.scalar("SELECT COUNT(*) FROM search_history") == before + 1
            written.set()
            may_commit.wait(GUARD_SECONDS)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(GUARD_SECONDS)
        # With the writer's transaction still open, a read answers the last commit.
        assert db.scalar("SELECT COUNT(*) FROM search_history") == before
    finally:
        may_commit.set()
        thread.join(GUARD_SECONDS)
    assert db.scalar("SELECT COUNT(*) FROM search_history") == before + 1


def test_readers_at_once_share_a_pool_of_bounded_size(db_path: Path) -> None:
    db = Database(db_path)
    threads = READ_POOL_SIZE * 3
    together = threading.Barrier(threads)
    counts: list[int] = []

    def read() -> None:
        together.wait(GUARD_SECONDS)
        counts.append(int(db.scalar("SELECT COUNT(*) FROM products")))

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(GUARD_SECONDS)
    assert len(counts) == threads and len(set(counts)) == 1
    assert 1 <= len(db._opened_readers) <= READ_POOL_SIZE


def test_a_read_connection_refuses_writes(db_path: Path) -> None:
    """A write that reached the pool would commit outside its transaction: refused."""
    db = Database(db_path)
    with pytest.raises(Exception, match="readonly|read-only"):
        db.one("DELETE FROM search_history RETURNING q")


def test_a_read_connection_keeps_a_search_s_pages_in_its_cache(db_path: Path) -> None:
    db = Database(db_path)
    # Negative: a size in KiB rather than in pages.
    assert db.scalar("PRAGMA cache_size") == -READ_CACHE_KIB


def test_the_writer_s_lock_goes_to_the_waiting_threads_in_the_order_they_came() -> None:
    lock = WriterQueue()
    order: list[int] = []
    lock.acquire()
    lock.acquire()  # re-entrant, as a savepoint inside a transaction takes it again
    workers = []
    for index in range(6):

        def take(index: int = index) -> None:
            with lock:
                order.append(index)

        worker = threading.Thread(target=take)
        worker.start()
        workers.append(worker)
        while len(lock._waiting) < index + 1:  # this one is in the queue before the next
            os.sched_yield()
    lock.release()
    assert order == []  # still held once
    lock.release()
    for worker in workers:
        worker.join(GUARD_SECONDS)
    assert order == list(range(6))


def test_only_the_holder_may_release_the_writer_s_lock() -> None:
    lock = WriterQueue()
    with pytest.raises(RuntimeError):
        lock.release()
