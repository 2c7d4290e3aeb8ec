"""Linked SSH keys: listing, linking (idempotent for the owner, 409 for anyone else),
removing, and the SSH gateway's login by key with the shared secret (issue 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.app import create_app
from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import sessions, ssh_keys
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID, FROZEN_START

MakeUser = Callable[..., tuple[int, dict[str, str]]]
API = "/api/v1"
LAPTOP = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"
DESKTOP = "SHA256:" + "d" * 42 + "A"
SECRET = "gateway-secret-for-tests"
GATEWAY = {"X-Kshop-Gateway-Secret": SECRET}


def fields(response: Any) -> dict[str, str]:
    return {
        name: value["code"] for name, value in response.json()["error"]["details"]["fields"].items()
    }


def key_rows(ctx: Ctx, user_id: int = DEMO_USER_ID) -> list[tuple[str, str]]:
    return [
        (row["external_id"], row["label"])
        for row in ctx.db.all(
            "SELECT external_id, label FROM linked_logins WHERE user_id = ? AND provider = 'ssh'"
            " ORDER BY id",
            (user_id,),
        )
    ]


@pytest.fixture
def gateway(app_ctx: Ctx) -> dict[str, str]:
    """The app configured with a gateway secret; answers the header that proves it."""
    app_ctx.gateway_secret = SECRET
    return GATEWAY


def link(client: TestClient, headers: dict[str, str], fingerprint: str, label: str = "") -> Any:
    return client.post(
        f"{API}/me/ssh-keys", json={"fingerprint": fingerprint, "label": label}, headers=headers
    )


# --- GET / POST / DELETE /me/ssh-keys over HTTP ------------------------------------------


def test_a_new_account_has_no_keys(client: TestClient, demo_headers: dict[str, str]) -> None:
    response = client.get(f"{API}/me/ssh-keys", headers=demo_headers)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_linking_answers_201_then_the_list_shows_it_newest_first(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    first = link(client, demo_headers, LAPTOP, "laptop")
    assert first.status_code == 201
    assert first.json() == {
        "id": first.json()["id"],
        "fingerprint": LAPTOP,
        "label": "laptop",
        "created_at": iso(FROZEN_START),
        "last_used_at": None,
    }
    app_ctx.clock.advance(60)
    second = link(client, demo_headers, DESKTOP, "台式机 desktop")
    assert second.status_code == 201
    listed = client.get(f"{API}/me/ssh-keys", headers=demo_headers).json()["items"]
    assert [item["fingerprint"] for item in listed] == [DESKTOP, LAPTOP]
    assert listed[0]["label"] == "台式机 desktop"
    assert key_rows(app_ctx) == [(LAPTOP, "laptop"), (DESKTOP, "台式机 desktop")]


def test_relinking_your_own_key_answers_200_and_changes_nothing(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    first = link(client, demo_headers, LAPTOP, "laptop").json()
    app_ctx.clock.advance(3600)
    again = link(client, demo_headers, LAPTOP, "another name")
    assert again.status_code == 200
    assert again.json() == first
    assert key_rows(app_ctx) == [(LAPTOP, "laptop")]


def test_a_key_linked_to_another_account_is_409_in_both_languages(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], make_user: MakeUser
) -> None:
    other_id, other = make_user()
    assert link(client, other, LAPTOP, "theirs").status_code == 201
    zh = link(client, {**demo_headers, "Accept-Language": "zh-CN"}, LAPTOP, "mine")
    en = link(client, {**demo_headers, "Accept-Language": "en"}, LAPTOP, "mine")
    assert zh.status_code == en.status_code == 409
    assert error_code(zh) == error_code(en) == "SSH_KEY_TAKEN"
    assert "另一个账号" in zh.json()["error"]["message"]
    assert "another account" in en.json()["error"]["message"]
    assert key_rows(app_ctx) == []
    assert key_rows(app_ctx, other_id) == [(LAPTOP, "theirs")]


@pytest.mark.parametrize(
    "fingerprint",
    [
        "",
        "SHA256:" + "A" * 42,  # one short
        "SHA256:" + "A" * 44,  # one long
        "SHA256:" + "A" * 42 + "=",  # padding
        "sha256:" + "A" * 43,  # the prefix is case-sensitive
        "MD5:" + "A" * 43,
        "SHA256:" + "A" * 42 + "-",  # urlsafe alphabet
        "SHA256:" + "Ａ" * 43,  # full-width letters
        " SHA256:" + "A" * 43,
        "SHA256:" + "A" * 43 + "\n",
    ],
)
def test_a_malformed_fingerprint_is_422_naming_the_field(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], fingerprint: str
) -> None:
    response = link(client, demo_headers, fingerprint)
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_ERROR"
    assert fields(response) == {"fingerprint": "bad_fingerprint"}
    assert key_rows(app_ctx) == []


def test_bad_bodies_are_422_and_link_nothing(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    too_long = link(client, demo_headers, LAPTOP, "x" * 81)
    assert too_long.status_code == 422 and fields(too_long) == {"label": "too_long"}
    assert link(client, demo_headers, LAPTOP, "x" * 80).status_code == 201
    huge = link(client, demo_headers, "SHA256:" + "A" * 200)
    assert fields(huge) == {"fingerprint": "too_long"}
    missing = client.post(f"{API}/me/ssh-keys", json={"label": "x"}, headers=demo_headers)
    assert fields(missing) == {"fingerprint": "required"}
    extra = client.post(
        f"{API}/me/ssh-keys", json={"fingerprint": DESKTOP, "user_id": 2}, headers=demo_headers
    )
    assert fields(extra) == {"user_id": "unknown_field"}
    assert key_rows(app_ctx) == [(LAPTOP, "x" * 80)]


def test_the_labels_of_keys_are_stored_as_typed(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    label = "[b]me[/b] \x1b[31m"
    assert link(client, demo_headers, LAPTOP, label).json()["label"] == label
    assert key_rows(app_ctx) == [(LAPTOP, label)]


def test_the_list_needs_a_login(client: TestClient) -> None:
    assert client.get(f"{API}/me/ssh-keys").status_code == 401
    assert client.post(f"{API}/me/ssh-keys", json={"fingerprint": LAPTOP}).status_code == 401
    assert client.delete(f"{API}/me/ssh-keys/1").status_code == 401


def test_twenty_keys_at_most(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    prints = [f"SHA256:{n:043d}" for n in range(ssh_keys.MAX_KEYS_PER_USER + 1)]
    for fingerprint in prints[:-1]:
        assert link(client, demo_headers, fingerprint).status_code == 201
    refused = link(client, {**demo_headers, "Accept-Language": "en"}, prints[-1])
    assert refused.status_code == 409 and error_code(refused) == "SSH_KEY_LIMIT"
    assert "At most 20 SSH keys" in refused.json()["error"]["message"]
    assert refused.json()["error"]["details"]["limit"] == 20
    # One already linked is still answered, at the limit too.
    assert link(client, demo_headers, prints[0]).status_code == 200
    assert len(key_rows(app_ctx)) == 20


def test_remove_your_own_key_and_not_someone_elses(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], make_user: MakeUser
) -> None:
    mine = link(client, demo_headers, LAPTOP, "laptop").json()
    other_id, other = make_user()
    theirs = link(client, other, DESKTOP, "theirs").json()
    refused = client.delete(f"{API}/me/ssh-keys/{theirs['id']}", headers=demo_headers)
    assert refused.status_code == 404 and error_code(refused) == "NOT_FOUND"
    assert refused.json()["error"]["details"] == {"resource": "ssh_key"}
    assert client.delete(f"{API}/me/ssh-keys/999999", headers=demo_headers).status_code == 404
    assert key_rows(app_ctx, other_id) == [(DESKTOP, "theirs")]
    done = client.delete(f"{API}/me/ssh-keys/{mine['id']}", headers=demo_headers)
    assert done.status_code == 200 and done.json() == {"ok": True}
    assert key_rows(app_ctx) == []
    again = client.delete(f"{API}/me/ssh-keys/{mine['id']}", headers=demo_headers)
    assert again.status_code == 404


def test_a_wechat_link_is_not_a_key_and_cannot_be_removed_as_one(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    with app_ctx.db.tx():
        wechat_id = app_ctx.db.insert(
            "INSERT INTO linked_logins(user_id, provider, external_id, label, created_at)"
            " VALUES (?, 'wechat', 'wx-1', '', ?)",
            (DEMO_USER_ID, app_ctx.now()),
        )
    assert client.get(f"{API}/me/ssh-keys", headers=demo_headers).json()["items"] == []
    assert client.delete(f"{API}/me/ssh-keys/{wechat_id}", headers=demo_headers).status_code == 404
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM linked_logins") == 1


def test_me_lists_wechat_and_qq_but_not_the_keys(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    with app_ctx.db.tx():
        app_ctx.db.execute(
            "INSERT INTO linked_logins(user_id, provider, external_id, label, created_at)"
            " VALUES (?, 'qq', 'qq-1', '', ?)",
            (DEMO_USER_ID, app_ctx.now()),
        )
    link(client, demo_headers, LAPTOP, "laptop")
    me = client.get(f"{API}/me", headers={**demo_headers, "Accept-Language": "en"}).json()
    assert [(x["provider"], x["label"]) for x in me["linked_logins"]] == [("qq", "QQ")]


# --- POST /auth/ssh-session --------------------------------------------------------------


def test_the_gateway_starts_a_session_for_a_linked_key(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], gateway: dict[str, str]
) -> None:
    link(client, demo_headers, LAPTOP, "laptop")
    response = client.post(
        f"{API}/auth/ssh-session",
        json={"fingerprint": LAPTOP},
        headers={**gateway, "Accept-Language": "en"},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"]["id"] == DEMO_USER_ID and body["user"]["phone"] == "13800138000"
    assert body["expires_at"] == iso(FROZEN_START + sessions.TOKEN_LIFETIME)
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["id"] == DEMO_USER_ID
    listed = client.get(f"{API}/me/ssh-keys", headers=demo_headers).json()["items"]
    assert listed[0]["last_used_at"] == iso(FROZEN_START)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Kshop-Gateway-Secret": "wrong"}, {"X-Kshop-Gateway-Secret": ""}],
    ids=["missing", "wrong", "empty"],
)
def test_without_the_gateway_secret_the_session_is_403(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: dict[str, str],
    gateway: dict[str, str],
    headers: dict[str, str],
) -> None:
    link(client, demo_headers, LAPTOP)
    before = app_ctx.db.scalar("SELECT COUNT(*) FROM sessions")
    response = client.post(f"{API}/auth/ssh-session", json={"fingerprint": LAPTOP}, headers=headers)
    assert response.status_code == 403 and error_code(response) == "GATEWAY_FORBIDDEN"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM sessions") == before
    assert app_ctx.db.scalar("SELECT last_used_at FROM linked_logins") is None


def test_a_user_token_is_no_gateway_secret(
    client: TestClient, demo_headers: dict[str, str], gateway: dict[str, str]
) -> None:
    link(client, demo_headers, LAPTOP)
    response = client.post(
        f"{API}/auth/ssh-session", json={"fingerprint": LAPTOP}, headers=demo_headers
    )
    assert response.status_code == 403


def test_a_backend_without_a_secret_refuses_even_a_guess(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    app_ctx.gateway_secret = None  # as when KSHOP_GATEWAY_SECRET is not set
    link(client, demo_headers, LAPTOP)
    for guess in ("", "None", SECRET):
        response = client.post(
            f"{API}/auth/ssh-session",
            json={"fingerprint": LAPTOP},
            headers={"X-Kshop-Gateway-Secret": guess},
        )
        assert response.status_code == 403 and error_code(response) == "GATEWAY_FORBIDDEN"


def test_an_unlinked_key_is_404_and_a_malformed_one_422(
    client: TestClient, gateway: dict[str, str]
) -> None:
    unknown = client.post(f"{API}/auth/ssh-session", json={"fingerprint": LAPTOP}, headers=gateway)
    assert unknown.status_code == 404 and error_code(unknown) == "NOT_FOUND"
    bad = client.post(f"{API}/auth/ssh-session", json={"fingerprint": "abc"}, headers=gateway)
    assert bad.status_code == 422 and fields(bad) == {"fingerprint": "bad_fingerprint"}


def test_a_removed_key_no_longer_logs_in(
    client: TestClient, demo_headers: dict[str, str], gateway: dict[str, str]
) -> None:
    key = link(client, demo_headers, LAPTOP).json()
    body = {"fingerprint": LAPTOP}
    assert client.post(f"{API}/auth/ssh-session", json=body, headers=gateway).status_code == 200
    client.delete(f"{API}/me/ssh-keys/{key['id']}", headers=demo_headers)
    refused = client.post(f"{API}/auth/ssh-session", json=body, headers=gateway)
    assert refused.status_code == 404


def test_non_ascii_secrets_are_refused_not_crashed(
    client: TestClient, demo_headers: dict[str, str], gateway: dict[str, str]
) -> None:
    link(client, demo_headers, LAPTOP)
    response = client.post(
        f"{API}/auth/ssh-session",
        json={"fingerprint": LAPTOP},
        headers={"X-Kshop-Gateway-Secret": "sécret".encode()},
    )
    assert response.status_code == 403


def test_the_secret_comes_from_the_environment_unless_given(
    db_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KSHOP_GATEWAY_SECRET", "from-env")
    assert create_app(db_path, seed=None, merchant="manual").state.ctx.gateway_secret == "from-env"
    given = create_app(db_path, seed=None, merchant="manual", gateway_secret="given")
    assert given.state.ctx.gateway_secret == "given"
    monkeypatch.setenv("KSHOP_GATEWAY_SECRET", "")
    assert create_app(db_path, seed=None, merchant="manual").state.ctx.gateway_secret is None


# --- the rules at service level ----------------------------------------------------------


def test_service_link_relink_and_taken(ctx: Ctx) -> None:
    key, created = ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "laptop")
    assert created and key["fingerprint"] == LAPTOP and key["last_used_at"] is None
    again, created_again = ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "renamed")
    assert not created_again and again == key
    with ctx.db.tx():
        other = ctx.db.insert(
            "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000001', 'o', ?)",
            (ctx.now(),),
        )
    with pytest.raises(ApiError) as taken:
        ssh_keys.link_key(ctx, other, LAPTOP, "")
    assert taken.value.code == "SSH_KEY_TAKEN" and taken.value.status == 409
    assert ssh_keys.list_keys(ctx, other) == {"items": [], "next_cursor": None}
    with pytest.raises(ApiError) as bad:
        ssh_keys.link_key(ctx, DEMO_USER_ID, "SHA256:short", "")
    assert bad.value.status == 422 and "fingerprint" in bad.value.details["fields"]


def test_service_unlink_only_the_owners_key(ctx: Ctx) -> None:
    key, _ = ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "")
    with pytest.raises(ApiError) as missing:
        ssh_keys.unlink_key(ctx, DEMO_USER_ID + 1, key["id"])
    assert missing.value.status == 404
    assert [k["id"] for k in ssh_keys.list_keys(ctx, DEMO_USER_ID)["items"]] == [key["id"]]
    assert ssh_keys.unlink_key(ctx, DEMO_USER_ID, key["id"]) == {"ok": True}
    assert ssh_keys.list_keys(ctx, DEMO_USER_ID)["items"] == []


def test_service_session_checks_the_secret_first(ctx: Ctx) -> None:
    ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "")
    for configured, presented in ((None, None), (None, ""), (SECRET, None), (SECRET, "x")):
        ctx.gateway_secret = configured
        with pytest.raises(ApiError) as refused:
            # Even an unknown key answers 403 first: no probing without the secret.
            ssh_keys.start_session(ctx, DESKTOP, presented, "zh")
        assert refused.value.code == "GATEWAY_FORBIDDEN" and refused.value.status == 403
    ctx.gateway_secret = SECRET
    with pytest.raises(ApiError) as unknown:
        ssh_keys.start_session(ctx, DESKTOP, SECRET, "zh")
    assert unknown.value.status == 404


def test_last_used_at_moves_with_the_clock(ctx: Ctx) -> None:
    ctx.gateway_secret = SECRET
    key, _ = ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "")
    ctx.clock.advance(3600)
    first = ssh_keys.start_session(ctx, LAPTOP, SECRET, "en")
    assert sessions.resolve(ctx, first["token"]).id == DEMO_USER_ID
    assert ssh_keys.list_keys(ctx, DEMO_USER_ID)["items"][0]["last_used_at"] == iso(
        FROZEN_START + 3600
    )
    ctx.clock.advance(86400)
    ssh_keys.start_session(ctx, LAPTOP, SECRET, "en")
    listed = ssh_keys.list_keys(ctx, DEMO_USER_ID)["items"][0]
    assert listed["last_used_at"] == iso(FROZEN_START + 3600 + 86400)
    assert listed["created_at"] == key["created_at"] == iso(FROZEN_START)


def test_a_removed_key_starts_no_session(ctx: Ctx) -> None:
    ctx.gateway_secret = SECRET
    key, _ = ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "")
    ssh_keys.unlink_key(ctx, DEMO_USER_ID, key["id"])
    before = ctx.db.scalar("SELECT COUNT(*) FROM sessions")
    with pytest.raises(ApiError) as refused:
        ssh_keys.start_session(ctx, LAPTOP, SECRET, "zh")
    assert refused.value.status == 404
    assert ctx.db.scalar("SELECT COUNT(*) FROM sessions") == before
