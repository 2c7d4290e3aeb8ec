"""`kshop-backend --no-dev`: nothing approves, pays, ships or answers by itself.

The merchant simulator (`--merchant auto`) plays the other side in a demo: it scans QR
logins as the demo user, pays QR codes, ships orders, answers support and after-sales.
Without dev mode it must not run at all (`--no-dev` means manual; `--no-dev --merchant
auto` is refused). The apps here are built from the command line as `kshop-backend` builds
them, started (their lifespan runs the simulator when there is one) and driven for many
simulator ticks while the backend clock passes every simulator delay; a control run in dev
mode shows that the same drive moves everything."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fake_backend import cli, simulator
from fake_backend.app import create_app
from fake_backend.context import Ctx
from fake_backend.services import payments, support
from tests.backend.test_after_sales_rules import ask
from tests.backend.test_orders import sku_between
from tests.backend.test_orders_service import create, paid_order
from tests.conftest import DEMO_USER_ID, FROZEN_START

API = "/api/v1"
REPO_ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20
# Backend seconds per round: more than any simulator delay, and 20 rounds stay within the
# QR code's 5 minutes and the 15-minute QR payment (the sweeper would expire them).
ROUND_SECONDS = 10.0


def command_line_app(db_path: Path, *flags: str) -> FastAPI:
    return cli.build_app(cli.parse_args(["--db", str(db_path), *flags]))


@dataclass
class Observed:
    poll_statuses: list[int]
    qr_payment: str
    paid_order: str
    support_senders: list[str]
    after_sale: str


async def drive(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Observed:
    """Sets up one of each thing the simulator would move, then runs ROUNDS rounds: the
    clock moves ROUND_SECONDS, the QR payment and the QR login are polled (the simulator
    pays only a QR code someone watches), the simulator gets its turns."""
    # The simulator ticks without pause (when there is one); each round waits for a whole
    # step that began after its clock move (steps run in a thread, one after another).
    monkeypatch.setattr(simulator, "TICK_SECONDS", 0)
    loop = asyncio.get_running_loop()
    stepped = asyncio.Event()
    real_step = simulator.step

    def counted_step(context: Ctx) -> None:
        try:
            real_step(context)
        finally:  # a failed step still ends the round; the assertions then say what moved
            loop.call_soon_threadsafe(stepped.set)

    monkeypatch.setattr(simulator, "step", counted_step)
    ctx: Ctx = app.state.ctx
    # The command-line app runs on wall time: start it where the seeded data is current.
    ctx.clock.advance(FROZEN_START - ctx.now())
    qr_order = create(ctx, [(sku_between(ctx, 3000, 5000)["id"], 1)], payment_method="alipay")
    qr_payment = payments.pay(ctx, DEMO_USER_ID, qr_order["id"], "alipay", None, None)
    to_ship = paid_order(ctx, [(sku_between(ctx, 5000, 8000)["id"], 1)])
    to_refund = paid_order(ctx, [(sku_between(ctx, 8000, 12000)["id"], 1)])
    after_sale = ask(ctx, to_refund["id"])
    thread = support.create_thread(ctx, DEMO_USER_ID, None, "咨询", "请问什么时候发货？")
    polls: list[int] = []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://kshop") as client,
    ):
        start = await client.post(f"{API}/auth/oauth/wechat/start")
        device_code = start.json()["device_code"]
        for _ in range(ROUNDS):
            ctx.clock.advance(ROUND_SECONDS)
            payments.poll(ctx, DEMO_USER_ID, qr_payment["id"])
            if ctx.merchant == "auto":
                for _ in range(2):  # the second began after the first ended: after the move
                    stepped.clear()
                    await stepped.wait()
            else:
                await asyncio.sleep(0)
            poll = await client.post(f"{API}/auth/oauth/poll", json={"device_code": device_code})
            polls.append(poll.status_code)
            if poll.status_code != 202:
                break
    messages = support.list_messages(ctx, DEMO_USER_ID, thread["id"], 0, None, 50)["items"]
    return Observed(
        poll_statuses=polls,
        qr_payment=payments.get_payment(ctx, DEMO_USER_ID, qr_payment["id"])["status"],
        paid_order=str(ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (to_ship["id"],))),
        support_senders=[message["sender"] for message in messages],
        after_sale=str(
            ctx.db.scalar("SELECT status FROM after_sales WHERE id = ?", (after_sale["id"],))
        ),
    )


async def test_with_no_dev_nothing_moves_by_itself(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = command_line_app(db_path, "--no-dev")
    ctx: Ctx = app.state.ctx
    assert (ctx.dev, ctx.merchant) == (False, "manual")
    observed = await drive(app, monkeypatch)
    # Polled 20 times over 200 s with the demo user's phone nowhere near: never approved.
    assert observed.poll_statuses == [202] * ROUNDS
    assert observed.qr_payment == "pending"
    assert observed.paid_order == "awaiting_shipment"
    assert observed.support_senders == ["user"]
    assert observed.after_sale == "requested"


async def test_control_in_dev_mode_the_same_drive_moves_everything(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = command_line_app(db_path)
    ctx: Ctx = app.state.ctx
    assert (ctx.dev, ctx.merchant) == (True, "auto")
    observed = await drive(app, monkeypatch)
    assert observed.poll_statuses[-1] == 200  # "scanned" by the simulator as the demo user
    assert observed.qr_payment == "succeeded"
    assert observed.paid_order == "shipped"
    assert observed.support_senders == ["user", "merchant"]
    assert observed.after_sale != "requested"


def test_no_dev_with_merchant_auto_is_a_usage_error(tmp_path: Path) -> None:
    db = tmp_path / "backend.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "fake_backend", "--no-dev", "--merchant", "auto", "--db", str(db)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        # A regression would start serving forever: fail (and kill it) instead of hanging.
        timeout=120,
    )
    assert result.returncode == 2
    assert "--merchant auto needs dev mode" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_no_dev_with_merchant_manual_is_accepted() -> None:
    args = cli.parse_args(["--no-dev", "--merchant", "manual"])
    assert args.no_dev and args.merchant == "manual"


def test_the_app_factory_refuses_the_simulator_without_dev_mode(db_path: Path) -> None:
    with pytest.raises(ValueError, match="needs dev mode"):
        create_app(db_path, merchant="auto", dev=False, seed=None)
    app = create_app(db_path, dev=False, seed=None)
    assert app.state.ctx.merchant == "manual"
    assert not [route for route in app.routes if getattr(route, "path", "").startswith("/_dev")]
