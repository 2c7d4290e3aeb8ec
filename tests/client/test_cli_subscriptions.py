"""`kshop subscription create | list | show | pause | resume | skip | cancel`: a
subscription made from the CLI is placed by the backend clock, and each move is allowed
only in its state (a refused one exits 4 with the backend's words)."""

from __future__ import annotations

import pytest

from fake_backend.context import Ctx
from fake_backend.seed_data import DEMO_PAYMENT_PASSWORD
from fake_backend.services import sweeper
from tests.client import test_cli
from tests.client.test_cli import SKU, Shell

backend_app = test_cli.backend_app
backend_ctx = test_cli.backend_ctx
isolated = test_cli.isolated
shell_for = test_cli.shell_for
kshop = test_cli.kshop
shopper = test_cli.shopper

TODAY = "2026-11-24"  # the frozen test clock's day in China


def subscribe(
    shell: Shell, *extra: str, starts: str = TODAY, password: str = ""
) -> test_cli.Result:
    return shell(
        "subscription", "create", "--sku", str(SKU), "--qty", "2", "--every", "week",
        "--starts", starts, "--pay", "balance", "--payment-password-stdin", *extra,
        stdin=(password or DEMO_PAYMENT_PASSWORD) + "\n",
    )  # fmt: skip


def tick(ctx: Ctx, seconds: float = 1) -> None:
    """The backend clock moves on and its sweep runs (as `/_dev/clock/advance` does)."""
    ctx.clock.advance(seconds)
    sweeper.run(ctx)


def test_made_listed_and_shown_with_the_order_each_period_placed(
    shopper: Shell, backend_ctx: Ctx
) -> None:
    made = subscribe(shopper, "--json")
    assert made.code == 0, made.err
    sub = made.json()
    assert sub["status"] == "active" and sub["next_on"] == TODAY and sub["qty"] == 2
    tick(backend_ctx)
    shown = shopper("subscription", "show", str(sub["id"]), "--json").json()
    [period] = shown["history"]
    assert period["status"] == "placed" and period["order_id"]
    assert shown["next_on"] == "2026-12-01"
    table = shopper("subscription", "list")
    assert table.code == 0
    assert f"placed (order {period['order_id']})" in table.out and "2026-12-01" in table.out
    detail = shopper("subscription", "show", str(sub["id"]))
    assert "Periods" in detail.out and "pause, skip_next, edit, cancel" in detail.out
    order = shopper("order", "show", str(period["order_id"]), "--json").json()
    assert order["status"] == "awaiting_shipment" and order["items"][0]["qty"] == 2


def test_each_move_only_in_its_state(shopper: Shell, backend_ctx: Ctx) -> None:
    sub = subscribe(shopper, "--json", starts="2026-11-25").json()
    ident = str(sub["id"])
    refused = shopper("subscription", "resume", ident)
    assert refused.code == 4 and "Not allowed in the current state (active)" in refused.err
    paused = shopper("subscription", "pause", ident, "--json").json()
    assert paused["status"] == "paused" and "resume" in paused["actions"]
    assert shopper("subscription", "resume", ident, "--json").json()["status"] == "active"
    skipped = shopper("subscription", "skip", ident, "--json").json()
    assert skipped["next_on"] == "2026-12-02"
    assert skipped["history"][0]["status"] == "skipped"
    cancelled = shopper("subscription", "cancel", ident)
    assert cancelled.code == 0 and "nothing (cancelled)" in cancelled.out
    after = shopper("subscription", "pause", ident)
    assert after.code == 4 and "(cancelled)" in after.err
    tick(backend_ctx, 86400 * 3)
    assert shopper("subscription", "show", ident, "--json").json()["history"][0]["status"] == (
        "skipped"
    )


@pytest.mark.parametrize(
    ("extra", "starts", "password", "code", "words"),
    [
        pytest.param(("--card", "1"), TODAY, "", 2, "--card goes with", id="card-not-card"),
        pytest.param((), "24/11/2026", "", 2, "not a date", id="date-shape"),
        pytest.param((), "2026-11-23", "", 4, "that time has passed", id="past"),
        pytest.param((), TODAY, "000000", 3, "Wrong payment password", id="wrong-password"),
    ],
)
def test_bad_requests_make_nothing(
    shopper: Shell,
    backend_ctx: Ctx,
    extra: tuple[str, ...],
    starts: str,
    password: str,
    code: int,
    words: str,
) -> None:
    result = subscribe(shopper, *extra, starts=starts, password=password)
    assert result.code == code, result.err
    assert words in result.err
    assert backend_ctx.db.scalar("SELECT COUNT(*) FROM subscriptions") == 0


def test_a_read_token_lists_but_cannot_subscribe(
    shopper: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = shopper("token", "create", "--name", "r", "--scope", "read", "--json").json()
    monkeypatch.setenv("KSHOP_TOKEN", made["token"])
    assert shopper("subscription", "list", "--json").json() == []
    refused = subscribe(shopper)
    assert refused.code == 3 and "pay scope" in refused.err
