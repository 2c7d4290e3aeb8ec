"""KshopClient against the real backend (uvicorn) behind a TCP proxy that cuts answers
off, holds them past the client's timeout, or answers 502/503 itself, and against a
backend that fails with a 500: each fault is the right exception, GETs are retried with
backoff, POSTs are not repeated by themselves but are safe to retry with their key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import cart as cart_service
from fake_backend.services import sessions
from kshop_tui.api import client as client_module
from kshop_tui.api import errors
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key
from tests.conftest import DEMO_USER_ID
from tests.faults.harness import TcpFaultProxy, serve_in_thread

SHORT_TIMEOUT = httpx.Timeout(1.0, connect=5.0)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "BACKOFF_SECONDS", (0.0, 0.0, 0.0))


@pytest.fixture
def backend_app(db_path: Path, clock: Clock) -> FastAPI:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
def ctx(backend_app: FastAPI) -> Ctx:
    context: Ctx = backend_app.state.ctx
    return context


@pytest.fixture
def upstream_port(backend_app: FastAPI) -> Iterator[int]:
    with serve_in_thread(backend_app) as port:
        yield port


@pytest.fixture
async def proxy(upstream_port: int) -> AsyncIterator[TcpFaultProxy]:
    async with TcpFaultProxy(upstream_port) as running:
        yield running


@pytest.fixture
async def api(proxy: TcpFaultProxy, ctx: Ctx) -> AsyncIterator[KshopClient]:
    token, _ = sessions.issue(ctx, DEMO_USER_ID)
    client = KshopClient(proxy.url, token=token, language=lambda: "en")
    yield client
    await client.aclose()


def in_stock_sku(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT id FROM skus WHERE stock >= 20 ORDER BY id LIMIT 1"))


def order_count(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM orders WHERE user_id = ?", (DEMO_USER_ID,)))


def charges_of(ctx: Ctx, order_id: int) -> int:
    return int(
        ctx.db.scalar(
            "SELECT COUNT(*) FROM wallet_transactions WHERE order_id = ? AND kind = 'payment'",
            (order_id,),
        )
    )


async def place(api: KshopClient, sku_id: int, key: str) -> Any:
    return await api.create_order(
        payment_method="balance", idempotency_key=key, items=[(sku_id, 1)]
    )


async def test_a_cut_off_answer_is_network_down_and_a_get_tries_again(
    api: KshopClient, proxy: TcpFaultProxy
) -> None:
    proxy.fault("cut", times=2)
    cart = await api.cart()  # two answers cut off, the third whole
    assert cart.count == 0 and proxy.requests == 3

    proxy.fault("cut")
    proxy.requests = 0
    with pytest.raises(errors.BackendUnreachable):
        await api.cart()
    assert proxy.requests == client_module.GET_RETRIES


async def test_gateway_errors_are_server_errors_and_a_get_tries_again(
    api: KshopClient, proxy: TcpFaultProxy
) -> None:
    proxy.fault("status", times=2, status=502)
    assert (await api.wallet()).balance_fen > 0
    assert proxy.requests == 3

    for status in (502, 503):
        proxy.fault("status", status=status)
        proxy.requests = 0
        with pytest.raises(errors.ServerError) as caught:
            await api.wallet()
        assert caught.value.status == status and proxy.requests == client_module.GET_RETRIES


async def test_a_crash_in_the_backend_is_a_500_in_words_and_not_repeated(
    api: KshopClient, proxy: TcpFaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(cart_service, "view_cart", crash)
    with pytest.raises(errors.ServerError) as caught:
        await api.cart()
    assert caught.value.status == 500 and caught.value.code == "INTERNAL"
    assert caught.value.message == "Something went wrong on our side; try again"
    assert proxy.requests == 1


async def test_a_post_refused_by_the_gateway_is_not_repeated_and_makes_nothing(
    api: KshopClient, proxy: TcpFaultProxy, ctx: Ctx
) -> None:
    sku_id = in_stock_sku(ctx)
    key = new_intent_key()
    proxy.fault("status", status=503)
    with pytest.raises(errors.ServerError):
        await place(api, sku_id, key)
    assert proxy.requests == 1 and order_count(ctx) == 0
    proxy.fault("pass")
    order = await place(api, sku_id, key)  # the user's retry
    assert order.status == "pending_payment" and order_count(ctx) == 1


async def test_a_post_whose_answer_is_cut_off_is_not_repeated_but_its_retry_makes_one_order(
    api: KshopClient, proxy: TcpFaultProxy, ctx: Ctx
) -> None:
    sku_id = in_stock_sku(ctx)
    stock = ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,))
    key = new_intent_key()
    proxy.fault("cut")
    with pytest.raises(errors.BackendUnreachable):
        await place(api, sku_id, key)
    assert proxy.requests == 1 and order_count(ctx) == 1  # made, the answer lost
    proxy.fault("pass")
    first = await place(api, sku_id, key)
    again = await place(api, sku_id, key)
    assert first.id == again.id and order_count(ctx) == 1
    assert ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,)) == stock - 1


async def test_a_payment_whose_answer_is_cut_off_charges_once_on_retry(
    api: KshopClient, proxy: TcpFaultProxy, ctx: Ctx
) -> None:
    order = await place(api, in_stock_sku(ctx), new_intent_key())
    balance = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    key = new_intent_key()
    proxy.fault("cut", times=1)
    with pytest.raises(errors.BackendUnreachable):
        await api.pay(order.id, "balance", "123456", idempotency_key=key)
    assert charges_of(ctx, order.id) == 1  # charged; the answer lost
    payment = await api.pay(order.id, "balance", "123456", idempotency_key=key)
    assert payment.status == "succeeded" and charges_of(ctx, order.id) == 1
    assert ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,)) == (
        balance - order.total_fen
    )


async def test_an_answer_delayed_past_the_timeout_is_network_down_and_not_repeated(
    api: KshopClient, proxy: TcpFaultProxy, ctx: Ctx
) -> None:
    sku_id = in_stock_sku(ctx)
    key = new_intent_key()
    impatient = KshopClient(proxy.url, token=api.token, timeout=SHORT_TIMEOUT)
    proxy.fault("delay", delay=30.0)
    try:
        with pytest.raises(errors.BackendUnreachable) as caught:
            await place(impatient, sku_id, key)
        assert "Timeout" in caught.value.message and proxy.requests == 1
        with pytest.raises(errors.BackendUnreachable):
            await impatient.cart()  # a GET that timed out was waited for: not tried again
        assert proxy.requests == 2
    finally:
        await impatient.aclose()
    proxy.fault("pass")
    order = await place(api, sku_id, key)  # the server made it while the answer waited
    again = await place(api, sku_id, key)
    assert order.id == again.id and order_count(ctx) == 1
