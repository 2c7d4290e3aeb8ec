"""HTTP-level fixtures: the FastAPI app on the per-test database, and logged-in users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import sessions
from fake_backend.services.rules import hash_secret
from tests.conftest import DEMO_USER_ID


@pytest.fixture
def app(db_path: Path, clock: Clock) -> FastAPI:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
def app_ctx(app: FastAPI) -> Ctx:
    """The context the app itself uses (same database connection and clock)."""
    context: Ctx = app.state.ctx
    return context


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def demo_headers(app_ctx: Ctx) -> dict[str, str]:
    """Authorization for the seeded demo account (13800138000)."""
    token, _ = sessions.issue(app_ctx, DEMO_USER_ID)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_user(app_ctx: Ctx) -> Callable[..., tuple[int, dict[str, str]]]:
    """Creates another user directly in the database; answers (user id, auth headers)."""
    counter = iter(range(100))

    def make(
        phone: str | None = None,
        *,
        balance_fen: int = 0,
        password: str | None = "pass1234",
        payment_password: str | None = None,
        real_name: str | None = None,
    ) -> tuple[int, dict[str, str]]:
        phone = phone or f"139{next(counter):08d}"
        with app_ctx.db.tx():
            user_id = app_ctx.db.insert(
                "INSERT INTO users(phone, nickname, password_hash, payment_password_hash,"
                " real_name, balance_fen, created_at) VALUES (?,?,?,?,?,?,?)",
                (
                    phone,
                    f"用户{phone[-4:]}",
                    hash_secret(password) if password else None,
                    hash_secret(payment_password) if payment_password else None,
                    real_name,
                    balance_fen,
                    app_ctx.now(),
                ),
            )
        token, _ = sessions.issue(app_ctx, user_id)
        return user_id, {"Authorization": f"Bearer {token}"}

    return make


def error_code(response: Any) -> str:
    """The `error.code` of an error envelope (asserting the envelope's shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return str(body["error"]["code"])
