"""A subscription's period placed by the backend clock while the backend is killed
(SIGKILL) in the middle of it: the order, its payment and the period's record were one
open transaction, so nothing of them stays; after the restart the next sweep places the
period once, and later sweeps never again (one order, one charge)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fake_backend.seed_data import DEMO_PAYMENT_PASSWORD
from fake_backend.services.rules import china_day
from tests.conftest import DEMO_USER_ID
from tests.faults.harness import BackendProcess, free_port
from tests.faults.test_backend_restart import logged_in_client, query, scalar, sku_id

__all__ = ["sku_id"]  # the fixture, shared with the order restart tests

QTY = 2
IN_FLIGHT = "fake_backend.services.subscriptions:record_placed"


@pytest.fixture
def backend(db_path: Path, tmp_path: Path) -> Iterator[BackendProcess]:
    process = BackendProcess(db=db_path, port=free_port(), log_dir=tmp_path)
    try:
        yield process
    finally:
        process.stop()


async def sweep(url: str) -> httpx.Response:
    """The backend clock a second on: the sweep places whatever is due."""
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        return await http.post("/_dev/clock/advance", json={"seconds": 1})


def balance(db: Path) -> int:
    value: int = scalar(db, "SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    return value


async def test_a_period_killed_mid_placement_is_placed_once_after_restart(
    backend: BackendProcess, db_path: Path, sku_id: int
) -> None:
    await asyncio.to_thread(backend.start, pause_in=IN_FLIGHT)
    client = await logged_in_client(backend)
    address_id = scalar(
        db_path, "SELECT id FROM addresses WHERE user_id = ? LIMIT 1", (DEMO_USER_ID,)
    )
    response = await client._call(
        "POST",
        "/api/v1/subscriptions",
        json={
            "sku_id": sku_id,
            "qty": QTY,
            "address_id": address_id,
            "payment_method": "balance",
            "every": "week",
            "starts_on": china_day(time.time()),  # the backend's clock is the real one
            "payment_password": DEMO_PAYMENT_PASSWORD,
        },
        idempotency_key="subscribe-once",
    )
    await client.aclose()
    subscription_id = response["id"]
    before = balance(db_path)

    # 1. The sweep is inside the placement (order and payment written, not committed).
    sweeping = asyncio.create_task(sweep(backend.url))
    await asyncio.to_thread(backend.wait_paused)
    await asyncio.to_thread(backend.kill)
    with pytest.raises(httpx.TransportError):
        await sweeping
    assert scalar(db_path, "SELECT COUNT(*) FROM orders WHERE user_id = ?", (DEMO_USER_ID,)) == 0
    assert scalar(db_path, "SELECT COUNT(*) FROM subscription_periods") == 0
    assert balance(db_path) == before

    # 2. Back up: the next sweep places the period, and the ones after place nothing more.
    await asyncio.to_thread(backend.start)
    for _ in range(3):
        assert (await sweep(backend.url)).status_code == 200
    periods = query(
        db_path,
        "SELECT status, order_id FROM subscription_periods WHERE subscription_id = ?",
        (subscription_id,),
    )
    assert [row["status"] for row in periods] == ["placed"]
    orders = query(db_path, "SELECT * FROM orders WHERE user_id = ?", (DEMO_USER_ID,))
    assert [row["id"] for row in orders] == [periods[0]["order_id"]]
    assert orders[0]["status"] == "awaiting_shipment"
    charges = query(
        db_path,
        "SELECT amount_fen FROM wallet_transactions WHERE order_id = ? AND kind = 'payment'",
        (orders[0]["id"],),
    )
    assert len(charges) == 1
    assert balance(db_path) == before - orders[0]["total_fen"]
    assert scalar(db_path, "SELECT stock FROM skus WHERE id = ?", (sku_id,)) == 10 - QTY
