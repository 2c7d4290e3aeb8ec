"""The demo SMS outbox of a served shop (docs/api.md §7.7): a visitor sees the code for
registering a phone nobody has, never a code that opens, resets or second-factors an
existing account. The rule is the backend's, so no path through the client gets round it:
it holds for every request of a public-demo backend (the one `kshop serve` starts) and
for any request a served session makes (marked by its client) to another backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.deps import SERVED_HEADER
from tests.backend.conftest import error_code

DEMO_PHONE = "13800138000"
NEW_PHONE = "13912345678"
MARKED = {SERVED_HEADER: "1"}
CREDENTIALS = (
    "SELECT password_hash, payment_password_hash, two_factor_enabled FROM users WHERE phone = ?"
)


@pytest.fixture
def public_client(db_path: Path, clock: Clock) -> Iterator[TestClient]:
    """The bundled backend as `kshop serve` runs it."""
    app = create_app(db_path, clock, merchant="manual", dev=True, seed=None, public_demo=True)
    with TestClient(app) as test_client:
        yield test_client


def send(client: TestClient, phone: str, purpose: str) -> None:
    sent = client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose})
    assert sent.status_code == 200, sent.json()


def outbox(client: TestClient, phone: str | None, headers: dict[str, str]) -> list[str]:
    """The purposes of the codes the outbox shows for `phone` (all phones: None)."""
    params = {"phone": phone} if phone else {}
    response = client.get("/_dev/sms-outbox", params=params, headers=headers)
    assert response.status_code == 200, response.json()
    return [message["purpose"] for message in response.json()["messages"]]


@pytest.mark.parametrize("purpose", ["login", "reset"])
@pytest.mark.parametrize("way", ["marked request", "public-demo backend"])
def test_no_code_of_an_existing_account_is_shown_to_a_visitor(
    client: TestClient, public_client: TestClient, app_ctx: Ctx, purpose: str, way: str
) -> None:
    shop, headers = (client, MARKED) if way == "marked request" else (public_client, {})
    send(shop, DEMO_PHONE, purpose)
    assert outbox(shop, DEMO_PHONE, headers) == []
    assert outbox(shop, None, headers) == []
    # The code was sent all the same: it is on its way to the phone's owner.
    sent = app_ctx.db.all("SELECT purpose FROM sms_codes WHERE phone = ?", (DEMO_PHONE,))
    assert [row["purpose"] for row in sent] == [purpose]


@pytest.mark.parametrize("way", ["marked request", "public-demo backend"])
def test_a_visitor_sees_the_code_to_register_a_new_phone_and_can_register(
    client: TestClient, public_client: TestClient, way: str
) -> None:
    shop, headers = (client, MARKED) if way == "marked request" else (public_client, {})
    send(shop, NEW_PHONE, "register")
    response = shop.get("/_dev/sms-outbox", params={"phone": NEW_PHONE}, headers=headers)
    (message,) = response.json()["messages"]
    assert message["purpose"] == "register"
    created = shop.post(
        "/api/v1/auth/register",
        json={"phone": NEW_PHONE, "code": message["code"], "password": "Visitor2026x"},
    )
    assert created.status_code == 201, created.json()
    # Now the phone has an account: its codes are its owner's, the old one included.
    assert outbox(shop, NEW_PHONE, headers) == []


def test_a_visitor_cannot_list_every_phone_s_codes(public_client: TestClient) -> None:
    send(public_client, NEW_PHONE, "register")
    assert outbox(public_client, None, {}) == []
    assert outbox(public_client, NEW_PHONE, {}) == ["register"]


def test_locally_the_outbox_still_shows_every_code(client: TestClient, app_ctx: Ctx) -> None:
    send(client, DEMO_PHONE, "login")
    app_ctx.clock.advance(60)
    send(client, DEMO_PHONE, "reset")
    assert outbox(client, DEMO_PHONE, {}) == ["login", "reset"]


def test_the_demo_account_still_logs_in_with_its_password(public_client: TestClient) -> None:
    response = public_client.post(
        "/api/v1/auth/login", json={"phone": DEMO_PHONE, "password": "demo1234"}
    )
    assert response.status_code == 200, response.json()
    wrong = public_client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": "123456"})
    assert wrong.status_code == 401 and error_code(wrong) == "INVALID_CREDENTIALS"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/me/password", {"current_password": "demo1234", "new_password": "taken0ver99"}),
        (
            "/api/v1/me/payment-password",
            {"payment_password": "000000", "current_payment_password": "123456"},
        ),
        ("/api/v1/me/two-factor", {"enabled": True}),
        ("/api/v1/me/tokens", {"name": "mine", "scopes": ["read"], "expires_in_days": 30}),
    ],
)
def test_a_visitor_cannot_change_how_the_demo_account_is_entered(
    public_client: TestClient, app_ctx: Ctx, path: str, body: dict[str, object]
) -> None:
    """Every visitor shares the published demo account: one who changed its password or
    turned on two-step verification would lock all the others out."""
    login = public_client.post(
        "/api/v1/auth/login", json={"phone": DEMO_PHONE, "password": "demo1234"}
    )
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    before = app_ctx.db.one(CREDENTIALS, (DEMO_PHONE,))
    tokens = app_ctx.db.scalar("SELECT COUNT(*) FROM access_tokens")
    send = public_client.post if path.endswith("/tokens") else public_client.put
    refused = send(path, json=body, headers=headers)
    assert refused.status_code == 403 and error_code(refused) == "DEMO_ACCOUNT_PROTECTED"
    after = app_ctx.db.one(CREDENTIALS, (DEMO_PHONE,))
    assert dict(after) == dict(before)
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM access_tokens") == tokens


def test_the_demo_account_keeps_its_settings_locally(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    """Run locally (not served), the demo account is the user's own to change."""
    changed = client.put("/api/v1/me/two-factor", json={"enabled": True}, headers=demo_headers)
    assert changed.status_code == 200 and changed.json()["two_factor_enabled"] is True


@pytest.mark.parametrize("way", ["marked request", "public-demo backend"])
def test_a_visitor_sees_the_guest_code_of_a_new_phone_only(
    client: TestClient, public_client: TestClient, way: str
) -> None:
    """A guest code follows the register code's rule (docs/api.md §7.7): shown for a phone
    no account has; for an account's phone it would open that person's guest orders."""
    shop, headers = (client, MARKED) if way == "marked request" else (public_client, {})
    send(shop, NEW_PHONE, "guest")
    assert outbox(shop, NEW_PHONE, headers) == ["guest"]
    send(shop, DEMO_PHONE, "guest")
    assert outbox(shop, DEMO_PHONE, headers) == []
    assert outbox(shop, None, headers) == []
