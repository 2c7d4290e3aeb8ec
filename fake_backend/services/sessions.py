"""Bearer tokens: issued at login, stored only as hashes, expiring, revocable."""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services.rules import sha256

TOKEN_LIFETIME = 7 * 24 * 3600


@dataclass(frozen=True)
class AuthedUser:
    id: int
    phone: str
    token_hash: str


def issue(
    ctx: Ctx, user_id: int, lifetime: float = TOKEN_LIFETIME, *, ssh_key_id: int | None = None
) -> tuple[str, float]:
    """A new token for `user_id` and when it expires; `ssh_key_id` is the linked key that
    opened it (the session ends when that key is removed)."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    expires_at = now + lifetime
    with ctx.db.tx():
        ctx.db.execute(
            "INSERT INTO sessions(token_hash, user_id, created_at, expires_at, ssh_key_id)"
            " VALUES (?,?,?,?,?)",
            (sha256(token), user_id, now, expires_at, ssh_key_id),
        )
    return token, expires_at


def resolve(ctx: Ctx, token: str | None) -> AuthedUser:
    """The user behind a bearer token, or 401."""
    if not token:
        raise ApiError("UNAUTHENTICATED")
    token_hash = sha256(token)
    row: sqlite3.Row | None = ctx.db.one(
        "SELECT s.user_id, s.expires_at, s.revoked, u.phone FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        (token_hash,),
    )
    if row is None or row["revoked"]:
        raise ApiError("UNAUTHENTICATED")
    if row["expires_at"] <= ctx.now():
        raise ApiError("TOKEN_EXPIRED")
    return AuthedUser(id=row["user_id"], phone=row["phone"], token_hash=token_hash)


def revoke(ctx: Ctx, token_hash: str) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (token_hash,))


def revoke_all(ctx: Ctx, user_id: int) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE sessions SET revoked = 1 WHERE user_id = ?", (user_id,))


def revoke_opened_by_ssh_key(ctx: Ctx, user_id: int, key_id: int) -> None:
    """Ends the user's sessions that the SSH key `key_id` opened."""
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND ssh_key_id = ?",
            (user_id, key_id),
        )
