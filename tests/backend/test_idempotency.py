"""docs/api.md §4 idempotency made money-safe: an idempotent request's effect and its stored
answer are one transaction (`idempotency.perform`), so an error (or a crash) after the
effect undoes it, while a refusal's failure count (the payment password) still commits.
`tx()` inside `tx()` is a savepoint. The SIGKILL version is tests/faults/test_backend_restart.py."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import idempotency, order_creation, payments, wallet
from tests.backend.conftest import error_code
from tests.backend.test_orders import DEMO_COUPON_ID, coupon_state, sku_between, stock_of
from tests.conftest import DEMO_USER_ID

TOP_UP_FEN = 10_000
PAYMENT_PASSWORD = "123456"


class AfterTheEffect(Exception):
    """Raised on purpose once the effect is written."""


def claim(ctx: Ctx, endpoint: str = "POST /test", body: Any = None) -> str:
    key = str(uuid.uuid4())
    assert idempotency.begin(ctx, DEMO_USER_ID, key, endpoint, body or {}) is None
    return key


def key_row(ctx: Ctx, key: str) -> Any:
    return ctx.db.one(
        "SELECT state, status_code, response FROM idempotency_keys WHERE key = ?", (key,)
    )


def balance(ctx: Ctx) -> int:
    value: int = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    return value


def count(ctx: Ctx, table: str) -> int:
    value: int = ctx.db.scalar(f"SELECT COUNT(*) FROM {table}")
    return value


def pay_failures(ctx: Ctx) -> tuple[int, float | None]:
    row = ctx.db.one(
        "SELECT pay_failures, pay_locked_until FROM users WHERE id = ?", (DEMO_USER_ID,)
    )
    assert row is not None
    return row["pay_failures"], row["pay_locked_until"]


def new_order(ctx: Ctx, sku_id: int, **fields: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "items": [(sku_id, 1)],
        "from_cart": False,
        "address_id": None,
        "coupon_id": None,
        "payment_method": "balance",
        "remark": "",
        "invoice": None,
        "lang": "zh",
        **fields,
    }
    return order_creation.create_order(ctx, DEMO_USER_ID, **arguments)


def fail(_: Any) -> Any:
    raise AfterTheEffect


# --- tx(): savepoints ----------------------------------------------------------------------


def test_a_nested_tx_that_raises_undoes_only_its_own_writes(ctx: Ctx) -> None:
    before = balance(ctx)
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE users SET balance_fen = balance_fen + 1 WHERE id = ?", (DEMO_USER_ID,)
        )
        with pytest.raises(AfterTheEffect), ctx.db.tx():
            ctx.db.execute(
                "UPDATE users SET balance_fen = balance_fen + 100 WHERE id = ?", (DEMO_USER_ID,)
            )
            raise AfterTheEffect
        assert balance(ctx) == before + 1
    assert balance(ctx) == before + 1


def test_an_error_in_the_outer_tx_undoes_the_nested_ones_too(ctx: Ctx) -> None:
    before = balance(ctx)
    with pytest.raises(AfterTheEffect), ctx.db.tx():
        with ctx.db.tx():
            ctx.db.execute(
                "UPDATE users SET balance_fen = balance_fen + 100 WHERE id = ?", (DEMO_USER_ID,)
            )
        raise AfterTheEffect
    assert balance(ctx) == before


def test_in_transaction_is_true_only_for_the_thread_inside(ctx: Ctx) -> None:
    seen_elsewhere: list[bool] = []
    assert not ctx.db.in_transaction()
    with ctx.db.tx():
        assert ctx.db.in_transaction()
        other = threading.Thread(target=lambda: seen_elsewhere.append(ctx.db.in_transaction()))
        other.start()
        other.join()
    assert seen_elsewhere == [False] and not ctx.db.in_transaction()


# --- perform: the effect and the answer together -------------------------------------------


def test_an_error_after_the_order_is_made_takes_the_order_back(ctx: Ctx) -> None:
    sku = sku_between(ctx, 20_000, 40_000)
    stock, orders_before = stock_of(ctx, sku["id"]), count(ctx, "orders")
    key = claim(ctx)
    with pytest.raises(AfterTheEffect):
        idempotency.perform(
            ctx,
            DEMO_USER_ID,
            key,
            201,
            lambda: new_order(ctx, sku["id"], coupon_id=DEMO_COUPON_ID),
            fail,
        )
    assert count(ctx, "orders") == orders_before and count(ctx, "order_events") == 0
    assert stock_of(ctx, sku["id"]) == stock
    assert coupon_state(ctx) == ("usable", None)
    assert key_row(ctx, key) is None  # forgotten: the retry runs


def test_a_failure_storing_the_answer_takes_the_top_up_back(
    ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, rows = balance(ctx), count(ctx, "wallet_transactions")
    real_finish = idempotency.finish

    def finish_then_fail(*args: Any) -> None:
        real_finish(*args)
        raise AfterTheEffect

    monkeypatch.setattr(idempotency, "finish", finish_then_fail)
    key = claim(ctx)
    with pytest.raises(AfterTheEffect):
        idempotency.perform(
            ctx,
            DEMO_USER_ID,
            key,
            201,
            lambda: wallet.topup(ctx, DEMO_USER_ID, TOP_UP_FEN, None),
            dict,
        )
    assert balance(ctx) == before and count(ctx, "wallet_transactions") == rows
    assert key_row(ctx, key) is None


def test_a_key_no_longer_held_takes_the_effect_back(ctx: Ctx) -> None:
    before = balance(ctx)
    key = claim(ctx)
    ctx.db.execute("UPDATE idempotency_keys SET owner = '1:another-run' WHERE key = ?", (key,))
    with pytest.raises(RuntimeError, match="no longer held"):
        idempotency.perform(
            ctx,
            DEMO_USER_ID,
            key,
            201,
            lambda: wallet.topup(ctx, DEMO_USER_ID, TOP_UP_FEN, None),
            dict,
        )
    assert balance(ctx) == before
    assert key_row(ctx, key)["state"] == "in_flight"  # not ours to forget


def test_a_payment_and_its_answer_are_stored_together_and_replayed(ctx: Ctx) -> None:
    order = new_order(ctx, sku_between(ctx, 1_000, 20_000)["id"])
    body = {"method": "balance", "bank_card_id": None}
    endpoint = f"POST /orders/{order['id']}/pay"
    key = claim(ctx, endpoint, body)
    answer = idempotency.perform(
        ctx,
        DEMO_USER_ID,
        key,
        201,
        lambda: payments.pay_checked(ctx, DEMO_USER_ID, order["id"], "balance", None),
        dict,
        lambda: payments.check_payment(
            ctx, DEMO_USER_ID, order["id"], "balance", PAYMENT_PASSWORD, None
        ),
    )
    assert answer["status"] == "succeeded"
    row = key_row(ctx, key)
    assert row["state"] == "done" and row["status_code"] == 201
    replay = idempotency.begin(ctx, DEMO_USER_ID, key, endpoint, body)
    assert replay is not None and replay.body == answer and replay.status_code == 201
    with pytest.raises(ApiError) as reused:
        idempotency.begin(ctx, DEMO_USER_ID, key, endpoint, {**body, "method": "bnpl"})
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_a_wrong_payment_password_keeps_its_count_and_locks_on_the_fifth(ctx: Ctx) -> None:
    order = new_order(ctx, sku_between(ctx, 1_000, 20_000)["id"])
    before = balance(ctx)
    codes = []
    for _ in range(5):
        key = claim(ctx)
        with pytest.raises(ApiError) as refused:
            idempotency.perform(
                ctx,
                DEMO_USER_ID,
                key,
                201,
                lambda: payments.pay_checked(ctx, DEMO_USER_ID, order["id"], "balance", None),
                dict,
                lambda: payments.check_payment(
                    ctx, DEMO_USER_ID, order["id"], "balance", "000000", None
                ),
            )
        codes.append(refused.value.code)
        assert key_row(ctx, key) is None  # a refusal is not stored
        if len(codes) < 5:
            assert pay_failures(ctx) == (len(codes), None)  # committed despite the refusal
    assert codes == ["WRONG_PAYMENT_PASSWORD"] * 4 + ["LOCKED"]
    _, locked_until = pay_failures(ctx)
    assert locked_until is not None and locked_until > ctx.now()
    assert balance(ctx) == before and count(ctx, "payments") == 0


# --- over HTTP -----------------------------------------------------------------------------


def test_an_order_whose_answer_fails_to_store_is_made_once_on_retry(
    app: FastAPI, demo_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx: Ctx = app.state.ctx
    sku = sku_between(ctx, 1_000, 20_000)
    stock = stock_of(ctx, sku["id"])
    real_finish = idempotency.finish
    calls: list[int] = []

    def fail_once(*args: Any) -> None:
        calls.append(1)
        real_finish(*args)
        if len(calls) == 1:
            raise AfterTheEffect

    monkeypatch.setattr(idempotency, "finish", fail_once)
    headers = {**demo_headers, "Idempotency-Key": str(uuid.uuid4())}
    body = {"items": [{"sku_id": sku["id"], "qty": 1}], "payment_method": "balance"}
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.post("/api/v1/orders", json=body, headers=headers)
        assert failed.status_code == 500 and count(ctx, "orders") == 0
        assert stock_of(ctx, sku["id"]) == stock
        made = client.post("/api/v1/orders", json=body, headers=headers)
        replayed = client.post("/api/v1/orders", json=body, headers=headers)
    assert made.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == made.json() and count(ctx, "orders") == 1
    assert stock_of(ctx, sku["id"]) == (stock[0] - 1, stock[1] - 1)


def test_wrong_passwords_retried_under_one_key_count_and_lock(
    client: TestClient, app: FastAPI, demo_headers: dict[str, str]
) -> None:
    ctx: Ctx = app.state.ctx
    order = new_order(ctx, sku_between(ctx, 1_000, 20_000)["id"])
    headers = {**demo_headers, "Idempotency-Key": str(uuid.uuid4())}
    url = f"/api/v1/orders/{order['id']}/pay"
    answers = [
        client.post(url, json={"method": "balance", "payment_password": "000000"}, headers=headers)
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [403] * 4 + [429]
    assert [error_code(a) for a in answers][-1] == "LOCKED"
    assert [a.json()["error"]["details"].get("attempts_left") for a in answers[:4]] == [4, 3, 2, 1]
    locked = client.post(
        url, json={"method": "balance", "payment_password": PAYMENT_PASSWORD}, headers=headers
    )
    assert locked.status_code == 429 and count(ctx, "payments") == 0
