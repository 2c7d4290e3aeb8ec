"""The backend killed (SIGKILL) in the middle of a checkout and started again on the same
SQLite file: the client's retry with the same Idempotency-Key makes one order and one
charge, stock adds up, and nothing that was committed before the kill is lost (WAL).
Killed after the effect, while the answer is being stored, nothing of it was committed
either: the effect and its stored answer are one transaction.

The backend runs as a real process (`kshop-backend`, through tests/faults/harness.py,
which can hold a request inside a service call until the kill)."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_backend.seed_data import DEMO_PASSWORD, DEMO_PAYMENT_PASSWORD, DEMO_PHONE
from kshop_tui.api import errors
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key
from tests.conftest import DEMO_USER_ID
from tests.faults.harness import BackendProcess, free_port

STOCK = 10
QTY = 2
SETTLE_TIMEOUT = 30.0


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """Reads the backend's file with a connection of our own (WAL lets readers in)."""
    connection = sqlite3.connect(db, timeout=30.0)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def scalar(db: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    rows = query(db, sql, params)
    return rows[0][0] if rows else None


@pytest.fixture
def sku_id(db_path: Path) -> int:
    """A SKU of the seeded catalogue with STOCK units, written before the backend starts."""
    connection = sqlite3.connect(db_path)
    try:
        (sku,) = connection.execute(
            "SELECT id FROM skus WHERE price_fen BETWEEN 1000 AND 20000 AND stock > 0"
            " ORDER BY id LIMIT 1"
        ).fetchone()
        connection.execute("UPDATE skus SET stock = ? WHERE id = ?", (STOCK, sku))
        connection.execute(
            "UPDATE products SET stock = (SELECT SUM(stock) FROM skus WHERE product_id ="
            " products.id) WHERE id = (SELECT product_id FROM skus WHERE id = ?)",
            (sku,),
        )
        connection.commit()
    finally:
        connection.close()
    return int(sku)


@pytest.fixture
def backend(db_path: Path, tmp_path: Path) -> Iterator[BackendProcess]:
    process = BackendProcess(db=db_path, port=free_port(), log_dir=tmp_path)
    try:
        yield process
    finally:
        process.stop()


async def logged_in_client(backend: BackendProcess) -> KshopClient:
    client = KshopClient(backend.url, language=lambda: "en")
    result = await client.login_with_password(DEMO_PHONE, DEMO_PASSWORD)
    client.token = result.token
    return client


def assert_stock_adds_up(db: Path, sku_id: int) -> None:
    """What the SKU has left plus what live orders hold is what it started with."""
    left = scalar(db, "SELECT stock FROM skus WHERE id = ?", (sku_id,))
    held = scalar(
        db,
        "SELECT COALESCE(SUM(i.qty), 0) FROM order_items i JOIN orders o ON o.id = i.order_id"
        " WHERE i.sku_id = ? AND o.status != 'cancelled'",
        (sku_id,),
    )
    assert left >= 0 and left + held == STOCK
    product_stock, sku_sum = query(
        db,
        "SELECT p.stock, (SELECT SUM(stock) FROM skus WHERE product_id = p.id) FROM products p"
        " WHERE p.id = (SELECT product_id FROM skus WHERE id = ?)",
        (sku_id,),
    )[0]
    assert product_stock == sku_sum


def orders_of_demo(db: Path) -> list[sqlite3.Row]:
    return query(db, "SELECT * FROM orders WHERE user_id = ? ORDER BY id", (DEMO_USER_ID,))


async def test_order_and_payment_killed_in_flight_are_made_once_after_restart(
    backend: BackendProcess, db_path: Path, sku_id: int
) -> None:
    balance_before = scalar(db_path, "SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    # 1. The order request is inside the service when the backend dies.
    await asyncio.to_thread(
        backend.start, pause_in="fake_backend.services.order_creation:create_order"
    )
    client = await logged_in_client(backend)
    order_key = new_intent_key()

    async def place() -> Any:
        return await client.create_order(
            payment_method="balance",
            idempotency_key=order_key,
            items=[(sku_id, QTY)],
            remark="kill -9 test",
        )

    placing = asyncio.create_task(place())
    await asyncio.to_thread(backend.wait_paused)
    await asyncio.to_thread(backend.kill)
    with pytest.raises(errors.BackendUnreachable):
        await placing
    assert orders_of_demo(db_path) == []

    # 2. Back up (this time a payment will be caught in flight); the same key retried.
    await asyncio.to_thread(backend.start, pause_in="fake_backend.services.payments:pay_checked")
    order = await place()
    assert order.status == "pending_payment" and order.remark == "kill -9 test"
    (row,) = orders_of_demo(db_path)
    assert row["id"] == order.id
    assert_stock_adds_up(db_path, sku_id)
    assert scalar(db_path, "SELECT stock FROM skus WHERE id = ?", (sku_id,)) == STOCK - QTY

    pay_key = new_intent_key()

    async def pay() -> Any:
        return await client.pay(order.id, "balance", DEMO_PAYMENT_PASSWORD, idempotency_key=pay_key)

    paying = asyncio.create_task(pay())
    await asyncio.to_thread(backend.wait_paused)
    await asyncio.to_thread(backend.kill)
    with pytest.raises(errors.BackendUnreachable):
        await paying

    # 3. Back up for good; the payment retried with its key charges once.
    await asyncio.to_thread(backend.start)
    payment = await pay()
    again = await pay()
    await client.aclose()
    assert payment.status == "succeeded" and again.id == payment.id
    assert scalar(db_path, "SELECT COUNT(*) FROM payments WHERE order_id = ?", (order.id,)) == 1
    charges = query(
        db_path,
        "SELECT amount_fen FROM wallet_transactions WHERE order_id = ? AND kind = 'payment'",
        (order.id,),
    )
    assert [-abs(r["amount_fen"]) for r in charges] == [-order.total_fen]
    balance_after = scalar(db_path, "SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    assert balance_after == balance_before - order.total_fen
    (row,) = orders_of_demo(db_path)
    assert row["status"] == "awaiting_shipment"
    assert_stock_adds_up(db_path, sku_id)


def send_without_reading(port: int, token: str, key: str, body: dict[str, Any]) -> socket.socket:
    """POST /orders on a raw socket whose answer is never read (the caller closes it)."""
    payload = json.dumps(body).encode()
    head = (
        "POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", port), timeout=SETTLE_TIMEOUT)
    connection.sendall(head.encode() + payload)
    return connection


async def test_an_answered_order_survives_the_kill_and_its_retry_replays(
    backend: BackendProcess, db_path: Path, sku_id: int
) -> None:
    await asyncio.to_thread(backend.start)
    client = await logged_in_client(backend)
    first = await client.create_order(
        payment_method="balance", idempotency_key=new_intent_key(), items=[(sku_id, QTY)]
    )
    key = new_intent_key()
    assert client.token is not None
    unread = send_without_reading(
        backend.port,
        client.token,
        key,
        {"items": [{"sku_id": sku_id, "qty": QTY}], "payment_method": "balance"},
    )
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while scalar(db_path, "SELECT state FROM idempotency_keys WHERE key = ?", (key,)) != "done":
        assert time.monotonic() < deadline, "the order was never answered"
        await asyncio.sleep(0.05)  # waiting for another process to answer
    await asyncio.to_thread(backend.kill)
    unread.close()
    # SIGKILL: no checkpoint ran, so the committed orders live in the write-ahead log.
    assert Path(f"{db_path}-wal").stat().st_size > 0

    await asyncio.to_thread(backend.start)
    committed = orders_of_demo(db_path)
    assert len(committed) == 2 and committed[0]["id"] == first.id
    retried = await client.create_order(
        payment_method="balance", idempotency_key=key, items=[(sku_id, QTY)]
    )
    await client.aclose()
    assert retried.id == committed[1]["id"]
    assert len(orders_of_demo(db_path)) == 2
    assert scalar(db_path, "SELECT stock FROM skus WHERE id = ?", (sku_id,)) == STOCK - 2 * QTY
    assert_stock_adds_up(db_path, sku_id)


STORING_THE_ANSWER = "fake_backend.services.idempotency:finish"
TOP_UP_FEN = 12_345


def key_state(db: Path, key: str) -> str | None:
    state: str | None = scalar(db, "SELECT state FROM idempotency_keys WHERE key = ?", (key,))
    return state


def balance_of_demo(db: Path) -> int:
    balance: int = scalar(db, "SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    return balance


def top_ups_of_demo(db: Path) -> list[sqlite3.Row]:
    return query(
        db,
        "SELECT id, account, amount_fen FROM wallet_transactions WHERE user_id = ?"
        " AND kind = 'topup' ORDER BY id",
        (DEMO_USER_ID,),
    )


async def killed_while_storing_the_answer(
    backend: BackendProcess, db: Path, key: str, request: Callable[[], Coroutine[Any, Any, Any]]
) -> None:
    """Starts the backend paused where the answer is stored (the effect is made by then,
    inside the same open transaction), sends `request`, and SIGKILLs it there."""
    await asyncio.to_thread(backend.start, pause_in=STORING_THE_ANSWER)
    sending = asyncio.create_task(request())
    await asyncio.to_thread(backend.wait_paused)
    assert key_state(db, key) == "in_flight"
    await asyncio.to_thread(backend.kill)
    with pytest.raises(errors.BackendUnreachable):
        await sending
    assert key_state(db, key) == "in_flight"  # the claim survives; the effect does not


async def test_killed_while_storing_the_answer_the_retry_makes_one_order_charge_and_top_up(
    backend: BackendProcess, db_path: Path, sku_id: int
) -> None:
    balance_before = balance_of_demo(db_path)
    top_ups_before = top_ups_of_demo(db_path)
    order_key, pay_key, top_up_key = new_intent_key(), new_intent_key(), new_intent_key()
    await asyncio.to_thread(backend.start)
    client = await logged_in_client(backend)
    await asyncio.to_thread(backend.kill)

    async def place() -> Any:
        return await client.create_order(
            payment_method="balance", idempotency_key=order_key, items=[(sku_id, QTY)]
        )

    # 1. An order: stock taken and rows written, killed while its answer is stored.
    await killed_while_storing_the_answer(backend, db_path, order_key, place)
    assert orders_of_demo(db_path) == []
    assert scalar(db_path, "SELECT stock FROM skus WHERE id = ?", (sku_id,)) == STOCK
    await asyncio.to_thread(backend.start)
    order = await place()
    again = await place()
    assert again.id == order.id and [row["id"] for row in orders_of_demo(db_path)] == [order.id]
    assert scalar(db_path, "SELECT stock FROM skus WHERE id = ?", (sku_id,)) == STOCK - QTY
    assert_stock_adds_up(db_path, sku_id)
    await asyncio.to_thread(backend.kill)

    async def pay() -> Any:
        return await client.pay(order.id, "balance", DEMO_PAYMENT_PASSWORD, idempotency_key=pay_key)

    # 2. Its payment: the balance charged, killed while the answer is stored.
    await killed_while_storing_the_answer(backend, db_path, pay_key, pay)
    assert scalar(db_path, "SELECT COUNT(*) FROM payments WHERE order_id = ?", (order.id,)) == 0
    assert balance_of_demo(db_path) == balance_before
    await asyncio.to_thread(backend.start)
    payment = await pay()
    again_paid = await pay()
    assert payment.status == "succeeded" and again_paid.id == payment.id
    assert scalar(db_path, "SELECT COUNT(*) FROM payments WHERE order_id = ?", (order.id,)) == 1
    assert balance_of_demo(db_path) == balance_before - order.total_fen
    await asyncio.to_thread(backend.kill)

    async def top_up() -> Any:
        return await client.top_up(
            TOP_UP_FEN, payment_password="123456", idempotency_key=top_up_key
        )

    # 3. A top-up from the bank card, killed while the answer is stored.
    await killed_while_storing_the_answer(backend, db_path, top_up_key, top_up)
    assert top_ups_of_demo(db_path) == top_ups_before
    await asyncio.to_thread(backend.start)
    topped = await top_up()
    again_topped = await top_up()
    await client.aclose()
    assert again_topped.transaction.id == topped.transaction.id
    new_rows = top_ups_of_demo(db_path)[len(top_ups_before) :]
    assert sorted((row["account"], row["amount_fen"]) for row in new_rows) == [
        ("balance", TOP_UP_FEN),
        ("bank_card", -TOP_UP_FEN),
    ]
    assert balance_of_demo(db_path) == balance_before - order.total_fen + TOP_UP_FEN
    assert topped.balance_fen == balance_of_demo(db_path)
    assert key_state(db_path, order_key) == key_state(db_path, pay_key) == "done"
    assert key_state(db_path, top_up_key) == "done"
