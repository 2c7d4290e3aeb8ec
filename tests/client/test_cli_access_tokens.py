"""`kshop token create | list | revoke`, `kshop login --token-stdin` and `KSHOP_TOKEN`:
a token made from a login drives scripts within its scopes and is refused once revoked."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_backend.context import Ctx
from fake_backend.seed_data import DEMO_PAYMENT_PASSWORD
from tests.client import test_cli
from tests.client.test_cli import SKU, Shell, count, place

# The CLI tests' fixtures, shared: the test backend, isolated dirs, a logged-in shell.
backend_app = test_cli.backend_app
backend_ctx = test_cli.backend_ctx
isolated = test_cli.isolated
shell_for = test_cli.shell_for
kshop = test_cli.kshop
shopper = test_cli.shopper

DAY = 86400


def create(shell: Shell, *scopes: str, name: str = "nightly", days: int = 30) -> dict[str, object]:
    argv = ["token", "create", "--name", name, "--days", str(days), "--json"]
    for scope in scopes:
        argv += ["--scope", scope]
    result = shell(*argv)
    assert result.code == 0, result.err
    assert "only time the token is shown" in result.err
    made: dict[str, object] = result.json()
    return made


def test_create_list_revoke_and_the_token_is_shown_only_at_creation(shopper: Shell) -> None:
    made = create(shopper, "read", "order")
    token = str(made["token"])
    assert token.startswith("kspat_") and made["scopes"] == ["read", "order"]
    people = shopper("token", "create", "--name", "by hand", "--scope", "read")
    assert people.code == 0 and "kspat_" in people.out and "Scopes" in people.out

    listed = shopper("token", "list", "--json")
    assert listed.code == 0
    assert [item["name"] for item in listed.json()] == ["by hand", "nightly"]
    table = shopper("token", "list")
    assert "nightly" in table.out and "read, order" in table.out and "never" in table.out
    assert token not in listed.out + table.out

    revoked = shopper("token", "revoke", str(made["id"]), "--json")
    assert revoked.code == 0 and revoked.json() == {"ok": True, "id": made["id"]}
    assert "nightly" not in shopper("token", "list").out
    again = shopper("token", "revoke", str(made["id"]))
    assert again.code == 4 and "not found" in again.err


def test_a_token_in_the_environment_drives_a_script_within_its_scopes(
    shopper: Shell, monkeypatch: pytest.MonkeyPatch, backend_ctx: Ctx
) -> None:
    buyer = str(create(shopper, "order", "pay")["token"])
    reader = str(create(shopper, "read", name="dashboard")["token"])
    orders_before = count(backend_ctx, "orders")

    monkeypatch.setenv("KSHOP_TOKEN", buyer)
    placed = place(shopper)
    assert placed.code == 0, placed.err
    assert placed.json()["payment"]["status"] == "succeeded"
    assert count(backend_ctx, "orders") == orders_before + 1
    refused = shopper("token", "list")
    assert refused.code == 3 and "only a login session" in refused.err

    monkeypatch.setenv("KSHOP_TOKEN", reader)
    assert shopper("orders", "list", "--json").code == 0
    cart = shopper("cart", "add", str(SKU))
    assert cart.code == 3 and "order scope" in cart.err
    unpaid = place(shopper)
    assert unpaid.code == 3 and "order scope" in unpaid.err
    assert count(backend_ctx, "orders") == orders_before + 1

    monkeypatch.delenv("KSHOP_TOKEN")
    listed = shopper("token", "list", "--json").json()
    assert {item["name"]: bool(item["last_used_at"]) for item in listed} == {
        "dashboard": True,
        "nightly": True,
    }


def test_login_with_a_token_from_stdin_until_it_is_revoked(shopper: Shell, tmp_path: Path) -> None:
    made = create(shopper, "read")
    token = str(made["token"])
    session = (tmp_path / "data" / "token").read_text()

    bad = shopper("login", "--token-stdin", stdin="not-a-token\n")
    assert bad.code == 2 and "kspat_" in bad.err
    assert (tmp_path / "data" / "token").read_text() == session

    shopper("login", "--token-stdin", stdin=token + "\n")
    assert (tmp_path / "data" / "token").read_text() == token
    assert shopper("whoami", "--json").json()["id"] == 1
    forgot = shopper("logout")
    assert forgot.code == 0 and "Forgot the access token" in forgot.out
    assert "stays valid" in forgot.err
    assert not (tmp_path / "data" / "token").exists()

    (tmp_path / "data" / "token").write_text(session)
    assert shopper("token", "revoke", str(made["id"])).code == 0
    refused = shopper("login", "--token-stdin", stdin=token + "\n")
    assert refused.code == 3 and "revoked" in refused.err and "kshop login" in refused.err
    assert (tmp_path / "data" / "token").read_text() == session


def test_an_expired_token_is_refused(
    shopper: Shell, monkeypatch: pytest.MonkeyPatch, backend_ctx: Ctx
) -> None:
    monkeypatch.setenv("KSHOP_TOKEN", str(create(shopper, "read", days=1)["token"]))
    assert shopper("whoami").code == 0
    backend_ctx.clock.advance(DAY)
    expired = shopper("whoami")
    assert expired.code == 3 and "expired" in expired.err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("--name", "x" * 41, "--scope", "read"), id="overlong-name"),
        pytest.param(("--name", "  ", "--scope", "read"), id="blank-name"),
        pytest.param(("--name", "n", "--scope", "admin"), id="unknown-scope"),
        pytest.param(("--name", "n"), id="no-scope"),
        pytest.param(("--name", "n", "--scope", "read", "--days", "366"), id="too-many-days"),
        pytest.param(("--name", "n", "--scope", "read", "--days", "0"), id="zero-days"),
    ],
)
def test_bad_token_requests_are_usage_errors(shopper: Shell, argv: tuple[str, ...]) -> None:
    result = shopper("token", "create", *argv)
    assert result.code == 2
    assert shopper("token", "list", "--json").json() == []


def test_the_payment_password_is_still_asked_of_a_pay_token(
    shopper: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KSHOP_TOKEN", str(create(shopper, "order", "pay")["token"]))
    wrong = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "balance", "--payment-password-stdin",
        stdin="000000\n",
    )  # fmt: skip
    assert wrong.code == 3 and "Wrong payment password" in wrong.err
    right = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "balance", "--payment-password-stdin",
        stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )  # fmt: skip
    assert right.code == 0, right.err
