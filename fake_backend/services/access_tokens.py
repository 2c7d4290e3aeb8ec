"""Personal access tokens: bearer tokens a user makes for scripts (docs/api.md §7.8).

A token is `kspat_` and 43 random characters; only its SHA-256 is stored. It carries
scopes, and every operation names the scope it needs (`fake_backend/route_scopes.py`):
`read` reads, `order` and `pay` also read. What no scope grants — tokens, passwords,
two-step verification, real name, SSH keys, logging out — needs a login session.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, not_found
from fake_backend.services.rules import sha256
from fake_backend.storage import access_tokens as store

TOKEN_PREFIX = "kspat_"
Scope = Literal["read", "order", "pay"]
SCOPES: tuple[Scope, ...] = ("read", "order", "pay")
# What each scope lets a token do: writing without reading what was written helps no one.
GRANTS: dict[str, frozenset[str]] = {
    "read": frozenset({"read"}),
    "order": frozenset({"read", "order"}),
    "pay": frozenset({"read", "pay"}),
}
# Needed by operations no token may call.
LOGIN_ONLY = "login"
MAX_ACTIVE_TOKENS = 20
MAX_NAME_LENGTH = 40
MIN_DAYS, MAX_DAYS = 1, 365
DAY = 24 * 3600
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class AccessTokenView(TypedDict):
    id: int
    name: str
    scopes: list[str]
    created_at: str
    expires_at: str
    last_used_at: str | None
    expired: bool


class CreatedAccessToken(AccessTokenView):
    token: str


class AccessTokenList(TypedDict):
    items: list[AccessTokenView]
    next_cursor: None


@dataclass(frozen=True)
class TokenGrant:
    """Who an access token acts for, and what it may do."""

    token_id: int
    user_id: int
    phone: str
    scopes: frozenset[str]


def is_access_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


def ordered_scopes(scopes: Iterable[str]) -> list[str]:
    """Each scope once, in the order of SCOPES."""
    wanted = set(scopes)
    return [scope for scope in SCOPES if scope in wanted]


def _moment(ts: float) -> str:
    text = iso(ts)
    assert text is not None
    return text


def token_view(row: sqlite3.Row, now: float) -> AccessTokenView:
    return {
        "id": row["id"],
        "name": row["name"],
        "scopes": row["scopes"].split(),
        "created_at": _moment(row["created_at"]),
        "expires_at": _moment(row["expires_at"]),
        "last_used_at": iso(row["last_used_at"]),
        "expired": row["expires_at"] <= now,
    }


def create(
    ctx: Ctx, user_id: int, name: str, scopes: Iterable[str], expires_in_days: int
) -> CreatedAccessToken:
    """A new token; the answer is the only place the token itself ever appears.

    422 for a blank name, one with control characters or over MAX_NAME_LENGTH, no or
    unknown scopes, days outside MIN_DAYS–MAX_DAYS; 409 ACCESS_TOKEN_LIMIT past
    MAX_ACTIVE_TOKENS unexpired tokens.
    """
    name = name.strip()
    if not name:
        raise field_error("name", "required")
    if len(name) > MAX_NAME_LENGTH:
        raise field_error("name", "too_long")
    if CONTROL_RE.search(name):
        raise field_error("name", "invalid")
    scopes = list(scopes)
    if any(scope not in SCOPES for scope in scopes):
        raise field_error("scopes", "not_one_of", expected=", ".join(SCOPES))
    granted = ordered_scopes(scopes)
    if not granted:
        raise field_error("scopes", "too_few", min=1)
    if not MIN_DAYS <= expires_in_days <= MAX_DAYS:
        raise field_error(
            "expires_in_days",
            "too_small" if expires_in_days < MIN_DAYS else "too_large",
            min=MIN_DAYS,
            max=MAX_DAYS,
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.db.tx():
        if store.count_active(ctx.db, user_id, now) >= MAX_ACTIVE_TOKENS:
            raise ApiError(
                "ACCESS_TOKEN_LIMIT",
                limit=MAX_ACTIVE_TOKENS,
                details={"limit": MAX_ACTIVE_TOKENS},
            )
        token_id = store.insert(
            ctx.db,
            user_id,
            name,
            " ".join(granted),
            sha256(token),
            now,
            now + expires_in_days * DAY,
        )
        row = store.by_id(ctx.db, token_id)
    assert row is not None
    return {**token_view(row, now), "token": token}


def list_tokens(ctx: Ctx, user_id: int) -> AccessTokenList:
    """The user's tokens that were not revoked, expired ones included, newest first (one
    page: at most MAX_ACTIVE_TOKENS are unexpired)."""
    now = ctx.now()
    rows = store.listed_of(ctx.db, user_id)
    return {"items": [token_view(row, now) for row in rows], "next_cursor": None}


def revoke(ctx: Ctx, user_id: int, token_id: int) -> dict[str, bool]:
    """Revokes the user's token: its next use is refused (404 if not theirs or already
    revoked)."""
    with ctx.db.tx():
        if not store.revoke(ctx.db, user_id, token_id, ctx.now()):
            raise not_found("access_token")
    return {"ok": True}


def scope_required(needs: str, scopes: Iterable[str]) -> ApiError:
    """403 SCOPE_REQUIRED; `details.required` is the scope needed, or `login` for what only
    a login session may do."""
    if needs == LOGIN_ONLY:
        need_zh = "仅限登录会话，访问令牌不能管理令牌、密码或安全设置"
        need_en = "only a login session may, never an access token"
    else:
        need_zh = f"需要 {needs} 权限"
        need_en = f"it needs the {needs} scope"
    return ApiError(
        "SCOPE_REQUIRED",
        need_zh=need_zh,
        need_en=need_en,
        details={"required": needs, "granted": ordered_scopes(scopes)},
    )


def resolve(ctx: Ctx, token: str, needs: str) -> TokenGrant:
    """The grant behind an access token for an operation that needs the scope `needs`
    (`LOGIN_ONLY` for what no token may do); the token's last use becomes now.

    401 UNAUTHENTICATED (unknown), TOKEN_REVOKED, ACCESS_TOKEN_EXPIRED; 403
    SCOPE_REQUIRED when its scopes do not grant `needs`.
    """
    row = store.by_token_hash(ctx.db, sha256(token))
    if row is None:
        raise ApiError("UNAUTHENTICATED")
    if row["revoked_at"] is not None:
        raise ApiError("TOKEN_REVOKED")
    if row["expires_at"] <= ctx.now():
        raise ApiError("ACCESS_TOKEN_EXPIRED")
    scopes = frozenset(row["scopes"].split())
    allowed = frozenset().union(*(GRANTS[scope] for scope in scopes if scope in GRANTS))
    if needs not in allowed:
        raise scope_required(needs, scopes)
    with ctx.db.tx():
        store.touch(ctx.db, row["id"], ctx.now())
    return TokenGrant(token_id=row["id"], user_id=row["user_id"], phone=row["phone"], scopes=scopes)
