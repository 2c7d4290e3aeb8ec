"""Linked SSH keys: an SSH connection with a public key is remembered by the key's SHA256
fingerprint, and later sessions with that key start logged in (issue 7).

The user lists, links and removes keys; only the SSH gateway, which proves itself with the
shared secret, may turn a fingerprint into a session.
"""

from __future__ import annotations

import hmac
import re
import sqlite3
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, not_found
from fake_backend.services import sessions
from fake_backend.services.account import me_view, shape_ok
from fake_backend.storage import ssh_keys as store

FINGERPRINT_RE = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
MAX_KEYS_PER_USER = 20


def key_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "fingerprint": row["fingerprint"],
        "label": row["label"],
        "created_at": iso(row["created_at"]),
        "last_used_at": iso(row["last_used_at"]),
    }


def _check_fingerprint(fingerprint: str) -> None:
    if not shape_ok(FINGERPRINT_RE, fingerprint):
        raise field_error("fingerprint", "bad_fingerprint")


def list_keys(ctx: Ctx, user_id: int) -> dict[str, Any]:
    """The user's keys, newest first (never more than MAX_KEYS_PER_USER: one page)."""
    return {"items": [key_view(row) for row in store.keys_of(ctx.db, user_id)], "next_cursor": None}


def link_key(ctx: Ctx, user_id: int, fingerprint: str, label: str) -> tuple[dict[str, Any], bool]:
    """Links a key to the user; answers the key and whether it is new.

    A key already linked to this user is answered unchanged (its label too); one linked to
    another account is SSH_KEY_TAKEN (409); a 21st key is SSH_KEY_LIMIT (409).
    """
    _check_fingerprint(fingerprint)
    with ctx.db.tx():
        existing = store.by_fingerprint(ctx.db, fingerprint)
        if existing is not None:
            if existing["user_id"] != user_id:
                raise ApiError("SSH_KEY_TAKEN")
            return key_view(existing), False
        if store.count_of(ctx.db, user_id) >= MAX_KEYS_PER_USER:
            raise ApiError(
                "SSH_KEY_LIMIT", limit=MAX_KEYS_PER_USER, details={"limit": MAX_KEYS_PER_USER}
            )
        key_id = store.insert(ctx.db, user_id, fingerprint, label, ctx.now())
        row = store.by_id(ctx.db, key_id)
    assert row is not None
    return key_view(row), True


def unlink_key(ctx: Ctx, user_id: int, key_id: int) -> dict[str, Any]:
    """Removes the user's key: sessions can no longer start with it, and those it opened
    end (404 if not theirs)."""
    with ctx.db.tx():
        if not store.delete(ctx.db, user_id, key_id):
            raise not_found("ssh_key")
        sessions.revoke_opened_by_ssh_key(ctx, user_id, key_id)
    return {"ok": True}


def check_gateway(ctx: Ctx, presented: str | None) -> None:
    """GATEWAY_FORBIDDEN unless `presented` is the configured gateway secret."""
    expected = ctx.gateway_secret
    # Bytes: compare_digest refuses str with non-ASCII characters, which a header can carry.
    if (
        not expected
        or presented is None
        or not hmac.compare_digest(presented.encode(), expected.encode())
    ):
        raise ApiError("GATEWAY_FORBIDDEN")


def start_session(
    ctx: Ctx, fingerprint: str, gateway_secret: str | None, lang: str
) -> dict[str, Any]:
    """A login for the account the key is linked to, shaped like `/auth/login`'s answer;
    the key's last_used_at becomes now. 403 without the gateway's secret, 404 for a key
    that is not linked."""
    check_gateway(ctx, gateway_secret)
    _check_fingerprint(fingerprint)
    with ctx.db.tx():
        row = store.by_fingerprint(ctx.db, fingerprint)
        if row is None:
            raise not_found("ssh_key")
        store.touch(ctx.db, row["id"], ctx.now())
        token, expires_at = sessions.issue(ctx, row["user_id"], ssh_key_id=row["id"])
    return {
        "token": token,
        "expires_at": iso(expires_at),
        "user": me_view(ctx, row["user_id"], lang),
    }
