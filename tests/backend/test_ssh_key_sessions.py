"""Removing a linked SSH key ends the sessions that key opened (and only those): a session
remembers the key that opened it (migration 003)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import sessions, ssh_keys
from fake_backend.storage.db import Database
from tests.backend.conftest import error_code
from tests.backend.test_ssh_keys import API, DESKTOP, LAPTOP, SECRET, gateway, link
from tests.conftest import DEMO_USER_ID

__all__ = ["gateway"]  # the fixture, used by name


def open_session(client: TestClient, headers: dict[str, str], fingerprint: str) -> dict[str, str]:
    response = client.post(
        f"{API}/auth/ssh-session", json={"fingerprint": fingerprint}, headers=headers
    )
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['token']}"}


def me_status(client: TestClient, headers: dict[str, str]) -> int:
    status: int = client.get(f"{API}/me", headers=headers).status_code
    return status


def test_removing_a_key_ends_its_sessions_and_no_other(
    client: TestClient, demo_headers: dict[str, str], gateway: dict[str, str]
) -> None:
    laptop = link(client, demo_headers, LAPTOP).json()
    link(client, demo_headers, DESKTOP)
    by_laptop = [open_session(client, gateway, LAPTOP) for _ in range(2)]
    by_desktop = open_session(client, gateway, DESKTOP)
    assert all(me_status(client, headers) == 200 for headers in by_laptop)

    removed = client.delete(f"{API}/me/ssh-keys/{laptop['id']}", headers=by_desktop)
    assert removed.status_code == 200
    for headers in by_laptop:
        answer = client.get(f"{API}/me", headers=headers)
        assert answer.status_code == 401 and error_code(answer) == "UNAUTHENTICATED"
    assert me_status(client, by_desktop) == 200  # another key's session
    assert me_status(client, demo_headers) == 200  # a password login


def test_a_session_opened_by_the_key_can_remove_it_and_is_then_over(
    client: TestClient, demo_headers: dict[str, str], gateway: dict[str, str]
) -> None:
    laptop = link(client, demo_headers, LAPTOP).json()
    by_laptop = open_session(client, gateway, LAPTOP)
    assert client.delete(f"{API}/me/ssh-keys/{laptop['id']}", headers=by_laptop).status_code == 200
    assert me_status(client, by_laptop) == 401
    assert client.get(f"{API}/me/ssh-keys", headers=demo_headers).json()["items"] == []


def test_someone_elses_key_id_revokes_nothing(
    client: TestClient,
    demo_headers: dict[str, str],
    gateway: dict[str, str],
    make_user: Callable[..., tuple[int, dict[str, str]]],
) -> None:
    laptop = link(client, demo_headers, LAPTOP).json()
    by_laptop = open_session(client, gateway, LAPTOP)
    _, stranger = make_user()
    refused = client.delete(f"{API}/me/ssh-keys/{laptop['id']}", headers=stranger)
    assert refused.status_code == 404 and me_status(client, by_laptop) == 200


def test_the_session_records_its_key_and_unlinking_revokes_it(ctx: Ctx) -> None:
    ctx.gateway_secret = SECRET
    key, _ = ssh_keys.link_key(ctx, DEMO_USER_ID, LAPTOP, "laptop")
    opened = ssh_keys.start_session(ctx, LAPTOP, SECRET, "zh")
    password_token, _ = sessions.issue(ctx, DEMO_USER_ID)
    row = ctx.db.one(
        "SELECT ssh_key_id FROM sessions WHERE user_id = ? AND ssh_key_id IS NOT NULL",
        (DEMO_USER_ID,),
    )
    assert row is not None and row["ssh_key_id"] == key["id"]
    ssh_keys.unlink_key(ctx, DEMO_USER_ID, key["id"])
    try:
        sessions.resolve(ctx, opened["token"])
    except ApiError as refused:
        assert refused.code == "UNAUTHENTICATED"
    else:
        raise AssertionError("the key's session outlived the key")
    assert sessions.resolve(ctx, password_token).id == DEMO_USER_ID


def test_a_database_from_before_the_column_gets_it(db_path: Path) -> None:
    """Databases made earlier (user_version 2) are migrated when opened."""
    connection = sqlite3.connect(db_path)
    # Undo what migrations 003-007 and 010 made, so the file is as version 2 left it.
    connection.executescript(
        "DROP INDEX orders_guest_phone; ALTER TABLE orders DROP COLUMN guest_phone;"
        " ALTER TABLE users DROP COLUMN guest;"
        " ALTER TABLE payments DROP COLUMN polled_at;"
        " DROP TABLE products_terms; DROP TABLE search_words; DROP TABLE search_chars;"
        " DROP TABLE search_history;"
        " DROP INDEX sessions_ssh_key; ALTER TABLE sessions DROP COLUMN ssh_key_id;"
        " DROP TABLE rate_events;"
        " DROP INDEX uploads_unattached; ALTER TABLE uploads DROP COLUMN attached_at;"
        " PRAGMA user_version = 2;"
    )
    connection.close()
    database = Database(db_path)
    try:
        columns = [row["name"] for row in database.all("PRAGMA table_info(sessions)")]
        assert "ssh_key_id" in columns
        assert database.scalar("PRAGMA user_version") >= 3
    finally:
        database.close()
