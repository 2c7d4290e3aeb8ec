"""docs/api.md §2 "stock never goes below zero, under any concurrency", on a real server:
uvicorn on 127.0.0.1 in a background thread, 50 buyers racing over HTTP for 5 units,
20 parallel retries of one payment that must charge once, and parallel payments of one
buyer whose balance covers only some of them (the balance never goes negative)."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import sessions
from fake_backend.services.rules import hash_secret

BUYERS = 50
STOCK = 5
PAY_RETRIES = 20
UNPAID_ORDERS = 10
AFFORDABLE = 3
SKU_ID = 1
PAYMENT_PASSWORD = "123456"
BALANCE_FEN = 10_000_000
START_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0
JOIN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Buyer:
    user_id: int
    address_id: int
    headers: dict[str, str]


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    ctx: Ctx


@pytest.fixture
def live_server(db_path: Path) -> Iterator[LiveServer]:
    """The real backend (merchant manual) served by uvicorn on a free loopback port."""
    app = create_app(db_path, Clock(), merchant="manual", dev=True, seed=None)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for a socket to open, not for backend time
    assert server.started, "uvicorn did not start"
    try:
        yield LiveServer(base_url=f"http://127.0.0.1:{port}", ctx=app.state.ctx)
    finally:
        server.should_exit = True
        thread.join(timeout=JOIN_TIMEOUT)
        listener.close()
        app.state.ctx.db.close()


def make_buyers(ctx: Ctx, count: int) -> list[Buyer]:
    """Distinct users written straight into the database, each with an address and money."""
    payment_hash = hash_secret(PAYMENT_PASSWORD)
    buyers = []
    for index in range(count):
        with ctx.db.tx():
            user_id = ctx.db.insert(
                "INSERT INTO users(phone, nickname, password_hash, payment_password_hash,"
                " balance_fen, created_at) VALUES (?,?,?,?,?,?)",
                (f"1370000{index:04d}", f"买家{index}", None, payment_hash, BALANCE_FEN, ctx.now()),
            )
            address_id = ctx.db.insert(
                "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
                " is_default, created_at) VALUES (?,?,?,?,?,?,?,1,?)",
                (
                    user_id,
                    "李四",
                    f"1370000{index:04d}",
                    "浙江省",
                    "杭州市",
                    "西湖区",
                    f"文三路{index + 1}号",
                    ctx.now(),
                ),
            )
        token, _ = sessions.issue(ctx, user_id)
        buyers.append(Buyer(user_id, address_id, {"Authorization": f"Bearer {token}"}))
    return buyers


def set_stock(ctx: Ctx, sku_id: int, stock: int) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku_id))
        ctx.db.execute(
            "UPDATE products SET stock = (SELECT SUM(stock) FROM skus WHERE product_id ="
            " products.id) WHERE id = (SELECT product_id FROM skus WHERE id = ?)",
            (sku_id,),
        )


def race(
    count: int, request: Callable[[int, httpx.Client], httpx.Response]
) -> list[httpx.Response]:
    """Runs `request` in `count` threads released together; every thread must finish."""
    start_line = threading.Barrier(count)
    responses: list[httpx.Response | None] = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with httpx.Client(timeout=REQUEST_TIMEOUT) as http:
                start_line.wait(timeout=REQUEST_TIMEOUT)
                responses[index] = request(index, http)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not failures, failures
    return [response for response in responses if response is not None]


def code_of(response: httpx.Response) -> str | None:
    body: Any = response.json()
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def test_fifty_buyers_race_for_five_units_and_exactly_five_win(live_server: LiveServer) -> None:
    ctx = live_server.ctx
    set_stock(ctx, SKU_ID, STOCK)
    product_id = ctx.db.scalar("SELECT product_id FROM skus WHERE id = ?", (SKU_ID,))
    buyers = make_buyers(ctx, BUYERS)

    def order(index: int, http: httpx.Client) -> httpx.Response:
        buyer = buyers[index]
        return http.post(
            f"{live_server.base_url}/api/v1/orders",
            json={
                "items": [{"sku_id": SKU_ID, "qty": 1}],
                "address_id": buyer.address_id,
                "payment_method": "balance",
            },
            headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        )

    responses = race(BUYERS, order)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * STOCK + [409] * (BUYERS - STOCK), [r.text for r in responses]
    refusals = [code_of(r) for r in responses if r.status_code == 409]
    assert refusals == ["OUT_OF_STOCK"] * (BUYERS - STOCK)
    assert ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (SKU_ID,)) == 0
    assert ctx.db.scalar("SELECT MIN(stock) FROM skus") >= 0
    assert ctx.db.scalar("SELECT stock FROM products WHERE id = ?", (product_id,)) == ctx.db.scalar(
        "SELECT SUM(stock) FROM skus WHERE product_id = ?", (product_id,)
    )
    assert ctx.db.scalar("SELECT SUM(qty) FROM order_items WHERE sku_id = ?", (SKU_ID,)) == STOCK
    winners = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(winners) == STOCK


def test_twenty_parallel_retries_of_one_payment_charge_exactly_once(
    live_server: LiveServer,
) -> None:
    ctx = live_server.ctx
    (buyer,) = make_buyers(ctx, 1)
    created = httpx.post(
        f"{live_server.base_url}/api/v1/orders",
        json={
            "items": [{"sku_id": SKU_ID, "qty": 1}],
            "address_id": buyer.address_id,
            "payment_method": "balance",
        },
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=REQUEST_TIMEOUT,
    )
    assert created.status_code == 201, created.text
    order_id, total_fen = created.json()["id"], created.json()["total_fen"]
    key = str(uuid.uuid4())

    def pay(_: int, http: httpx.Client) -> httpx.Response:
        return http.post(
            f"{live_server.base_url}/api/v1/orders/{order_id}/pay",
            json={"method": "balance", "payment_password": PAYMENT_PASSWORD},
            headers={**buyer.headers, "Idempotency-Key": key},
        )

    responses = race(PAY_RETRIES, pay)
    succeeded = [r for r in responses if r.status_code < 300]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(succeeded) + len(in_flight) == PAY_RETRIES, [r.text for r in responses]
    assert {code_of(r) for r in in_flight} <= {"IDEMPOTENCY_IN_FLIGHT"}
    assert succeeded and len({r.json()["id"] for r in succeeded}) == 1
    assert ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (buyer.user_id,)) == (
        BALANCE_FEN - total_fen
    )
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM wallet_transactions WHERE order_id = ? AND kind = 'payment'",
            (order_id,),
        )
        == 1
    )
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM payments WHERE order_id = ? AND status = 'succeeded'", (order_id,)
        )
        == 1
    )
    assert ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,)) == (
        "awaiting_shipment"
    )


def test_parallel_payments_never_take_the_balance_below_zero(live_server: LiveServer) -> None:
    ctx = live_server.ctx
    set_stock(ctx, SKU_ID, UNPAID_ORDERS)
    (buyer,) = make_buyers(ctx, 1)
    order_ids, totals = [], set()
    for _ in range(UNPAID_ORDERS):
        created = httpx.post(
            f"{live_server.base_url}/api/v1/orders",
            json={"items": [{"sku_id": SKU_ID, "qty": 1}], "payment_method": "balance"},
            headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=REQUEST_TIMEOUT,
        )
        assert created.status_code == 201, created.text
        order_ids.append(created.json()["id"])
        totals.add(created.json()["total_fen"])
    (total_fen,) = totals
    # Enough for AFFORDABLE orders and not quite one more.
    balance_fen = AFFORDABLE * total_fen + total_fen - 1
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE users SET balance_fen = ? WHERE id = ?", (balance_fen, buyer.user_id)
        )

    def pay(index: int, http: httpx.Client) -> httpx.Response:
        return http.post(
            f"{live_server.base_url}/api/v1/orders/{order_ids[index]}/pay",
            json={"method": "balance", "payment_password": PAYMENT_PASSWORD},
            headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        )

    responses = race(UNPAID_ORDERS, pay)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * AFFORDABLE + [402] * (UNPAID_ORDERS - AFFORDABLE), [
        r.text for r in responses
    ]
    assert {code_of(r) for r in responses if r.status_code == 402} == {"INSUFFICIENT_FUNDS"}
    assert ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (buyer.user_id,)) == (
        total_fen - 1
    )
    assert ctx.db.scalar("SELECT MIN(balance_fen) FROM users") >= 0
    paid = ctx.db.scalar(
        "SELECT COUNT(*) FROM orders WHERE user_id = ? AND status = 'awaiting_shipment'",
        (buyer.user_id,),
    )
    assert paid == AFFORDABLE
    charged = ctx.db.scalar(
        "SELECT COUNT(*) FROM wallet_transactions WHERE user_id = ? AND kind = 'payment'",
        (buyer.user_id,),
    )
    assert charged == AFFORDABLE
