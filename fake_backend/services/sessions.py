"""Bearer tokens: issued at login, stored only as hashes, expiring, revocable. A bearer
token may also be a personal access token (`access_tokens`), limited to its scopes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import access_tokens
from fake_backend.services.rules import sha256
from fake_backend.storage import sessions as store

TOKEN_LIFETIME = 7 * 24 * 3600
# A guest's users row keeps this before the phone (storage migration 010).
GUEST_PHONE_PREFIX = "guest:"


@dataclass(frozen=True)
class AuthedUser:
    id: int
    phone: str
    token_hash: str
    # A personal access token's id and scopes; None for a login session, which may do all.
    access_token_id: int | None = None
    scopes: frozenset[str] | None = None
    # A guest (docs/api.md §7.4) may shop and pay, nothing of an account's.
    guest: bool = False


def issue(
    ctx: Ctx, user_id: int, lifetime: float = TOKEN_LIFETIME, *, ssh_key_id: int | None = None
) -> tuple[str, float]:
    """A new token for `user_id` and when it expires; `ssh_key_id` is the linked key that
    opened it (the session ends when that key is removed)."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    expires_at = now + lifetime
    with ctx.db.tx():
        store.insert_session(ctx.db, sha256(token), user_id, now, expires_at, ssh_key_id)
    return token, expires_at


def resolve(ctx: Ctx, token: str | None, needs: str = access_tokens.LOGIN_ONLY) -> AuthedUser:
    """The user behind a bearer token, or 401. `needs` is the scope the operation needs
    (`route_scopes`): a personal access token without it is refused (403); the default
    lets no access token through."""
    if not token:
        raise ApiError("UNAUTHENTICATED")
    if access_tokens.is_access_token(token):
        grant = access_tokens.resolve(ctx, token, needs)
        return AuthedUser(
            id=grant.user_id,
            phone=grant.phone,
            token_hash=sha256(token),
            access_token_id=grant.token_id,
            scopes=grant.scopes,
        )
    token_hash = sha256(token)
    row = store.session_by_token_hash(ctx.db, token_hash)
    if row is None or row["revoked"]:
        raise ApiError("UNAUTHENTICATED")
    if row["expires_at"] <= ctx.now():
        raise ApiError("TOKEN_EXPIRED")
    guest = bool(row["guest"])
    phone = row["phone"].removeprefix(GUEST_PHONE_PREFIX) if guest else row["phone"]
    return AuthedUser(id=row["user_id"], phone=phone, token_hash=token_hash, guest=guest)


def revoke(ctx: Ctx, token_hash: str) -> None:
    with ctx.db.tx():
        store.revoke_token(ctx.db, token_hash)


def revoke_all(ctx: Ctx, user_id: int) -> None:
    with ctx.db.tx():
        store.revoke_user_sessions(ctx.db, user_id)


def revoke_opened_by_ssh_key(ctx: Ctx, user_id: int, key_id: int) -> None:
    """Ends the user's sessions that the SSH key `key_id` opened."""
    with ctx.db.tx():
        store.revoke_opened_by_ssh_key(ctx.db, user_id, key_id)
