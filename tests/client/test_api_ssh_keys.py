"""The client's linked SSH keys against the real backend, in process: list, link, unlink,
and the SSH gateway's session by key; refusals mapped to their exceptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.schemas import ssh_keys as schemas
from kshop_tui.api import errors, models
from kshop_tui.api.backend import IN_PROCESS_URL
from kshop_tui.api.client import KshopClient
from tests.client.test_api_contract import DEMO_PASSWORD, DEMO_PHONE, complete

SECRET = "client-test-secret"
LAPTOP = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"
DESKTOP = "SHA256:" + "B" * 43


def test_the_model_names_the_fields_the_server_answers() -> None:
    assert set(models.SshKey.model_fields) == set(schemas.SshKey.model_fields)


@pytest.fixture
def backend_app(db_path: Path, clock: Clock) -> FastAPI:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None, gateway_secret=SECRET)


def new_client(app: FastAPI) -> KshopClient:
    return KshopClient(
        IN_PROCESS_URL, transport=httpx.ASGITransport(app=app), language=lambda: "en"
    )


@pytest.fixture
async def shopper(backend_app: FastAPI) -> AsyncIterator[KshopClient]:
    api = new_client(backend_app)
    api.token = (await api.login_with_password(DEMO_PHONE, DEMO_PASSWORD)).token
    yield api
    await api.aclose()


@pytest.fixture
async def gateway(backend_app: FastAPI) -> AsyncIterator[KshopClient]:
    """A client with no login, as the SSH gateway holds one."""
    api = new_client(backend_app)
    yield api
    await api.aclose()


async def test_link_list_relink_and_unlink(shopper: KshopClient) -> None:
    assert await shopper.ssh_keys() == []
    laptop = complete(await shopper.link_ssh_key(LAPTOP, "laptop"))
    assert (laptop.fingerprint, laptop.label, laptop.last_used_at) == (LAPTOP, "laptop", None)
    desktop = await shopper.link_ssh_key(DESKTOP, "desk")
    assert await shopper.link_ssh_key(LAPTOP, "renamed") == laptop
    listed = [complete(key) for key in await shopper.ssh_keys()]
    assert {key.id for key in listed} == {laptop.id, desktop.id}
    await shopper.unlink_ssh_key(laptop.id)
    assert [key.fingerprint for key in await shopper.ssh_keys()] == [DESKTOP]
    with pytest.raises(errors.NotFound):
        await shopper.unlink_ssh_key(laptop.id)


async def test_refusals_map_to_their_exceptions(shopper: KshopClient, gateway: KshopClient) -> None:
    with pytest.raises(errors.ValidationFailed) as bad:
        await shopper.link_ssh_key("SHA256:nope", "x")
    assert set(bad.value.fields) == {"fingerprint"}
    assert "43 base64" in bad.value.fields["fingerprint"]
    with pytest.raises(errors.ValidationFailed) as long_label:
        await shopper.link_ssh_key(LAPTOP, "x" * 81)
    assert set(long_label.value.fields) == {"label"}
    await gateway.send_sms_code("13900139000", "register")
    code = (await gateway.dev_sms_codes("13900139000"))[-1].code
    gateway.token = (await gateway.register("13900139000", code, "newbie2026")).token
    await gateway.link_ssh_key(LAPTOP, "theirs")
    with pytest.raises(errors.Conflict) as taken:
        await shopper.link_ssh_key(LAPTOP, "mine")
    assert taken.value.code == "SSH_KEY_TAKEN"
    assert "another account" in taken.value.message


async def test_the_gateway_starts_a_session_for_a_linked_key(
    shopper: KshopClient, gateway: KshopClient
) -> None:
    await shopper.link_ssh_key(LAPTOP, "laptop")
    login = complete(await gateway.ssh_session(LAPTOP, SECRET))
    assert login.user.phone == DEMO_PHONE
    gateway.token = login.token
    assert (await gateway.me()).id == login.user.id
    used = await shopper.ssh_keys()
    assert used[0].last_used_at is not None
    with pytest.raises(errors.Forbidden) as wrong:
        await gateway.ssh_session(LAPTOP, "wrong")
    assert wrong.value.code == "GATEWAY_FORBIDDEN"
    with pytest.raises(errors.NotFound):
        await gateway.ssh_session(DESKTOP, SECRET)


async def test_the_gateway_header_goes_on_that_one_request_only() -> None:
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        if request.url.path.endswith("/ssh-session"):
            user = {"id": 1, "phone": DEMO_PHONE, "phone_masked": "138****8000", "nickname": "n"}
            return httpx.Response(200, json={"token": "t", "expires_at": "x", "user": user})
        return httpx.Response(200, json={"items": []})

    api = KshopClient("http://test", transport=httpx.MockTransport(answer))
    login = await api.ssh_session(LAPTOP, SECRET)
    api.token = login.token
    await api.ssh_keys()
    await api.aclose()
    assert seen[0]["X-Kshop-Gateway-Secret"] == SECRET
    assert "X-Kshop-Gateway-Secret" not in seen[1]
    assert seen[1]["Authorization"] == "Bearer t"


async def test_labels_are_cleaned_of_terminal_escapes(shopper: KshopClient) -> None:
    key = await shopper.link_ssh_key(LAPTOP, "lap\x1b[31mtop\x07")
    assert key.label == "laptop"
    assert (await shopper.ssh_keys())[0].label == "laptop"
