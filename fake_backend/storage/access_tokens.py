"""SQL for personal access tokens (`access_tokens`): stored by the token's hash, never
the token; `scopes` is the granted scopes joined by spaces."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

COLUMNS = "id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at"


def insert(
    db: Database,
    user_id: int,
    name: str,
    scopes: str,
    token_hash: str,
    created_at: float,
    expires_at: float,
) -> int:
    return db.insert(
        "INSERT INTO access_tokens(user_id, name, scopes, token_hash, created_at, expires_at)"
        " VALUES (?,?,?,?,?,?)",
        (user_id, name, scopes, token_hash, created_at, expires_at),
    )


def by_id(db: Database, token_id: int) -> sqlite3.Row | None:
    return db.one(f"SELECT {COLUMNS} FROM access_tokens WHERE id = ?", (token_id,))


def listed_of(db: Database, user_id: int) -> list[sqlite3.Row]:
    """The user's tokens not revoked (expired ones too), newest first."""
    return db.all(
        f"SELECT {COLUMNS} FROM access_tokens WHERE user_id = ? AND revoked_at IS NULL"
        " ORDER BY created_at DESC, id DESC",
        (user_id,),
    )


def count_active(db: Database, user_id: int, now: float) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM access_tokens"
        " WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?",
        (user_id, now),
    )
    return count


def by_token_hash(db: Database, token_hash: str) -> sqlite3.Row | None:
    """The token with that hash and its owner's phone."""
    return db.one(
        "SELECT t.id, t.user_id, t.scopes, t.expires_at, t.revoked_at, u.phone"
        " FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
        (token_hash,),
    )


def touch(db: Database, token_id: int, now: float) -> None:
    db.execute("UPDATE access_tokens SET last_used_at = ? WHERE id = ?", (now, token_id))


def revoke(db: Database, user_id: int, token_id: int, now: float) -> int:
    """Revokes the user's token; the number of rows changed (0 when not theirs or revoked)."""
    cursor = db.execute(
        "UPDATE access_tokens SET revoked_at = ?"
        " WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        (now, token_id, user_id),
    )
    return cursor.rowcount
