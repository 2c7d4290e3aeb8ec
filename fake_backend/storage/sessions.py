"""SQL for bearer-token sessions (`sessions`): stored by the token's hash, never the token."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database


def insert_session(
    db: Database,
    token_hash: str,
    user_id: int,
    created_at: float,
    expires_at: float,
    ssh_key_id: int | None,
) -> None:
    db.execute(
        "INSERT INTO sessions(token_hash, user_id, created_at, expires_at, ssh_key_id)"
        " VALUES (?,?,?,?,?)",
        (token_hash, user_id, created_at, expires_at, ssh_key_id),
    )


def session_by_token_hash(db: Database, token_hash: str) -> sqlite3.Row | None:
    """`user_id, expires_at, revoked, phone, guest` of the session with that token hash."""
    return db.one(
        "SELECT s.user_id, s.expires_at, s.revoked, u.phone, u.guest FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        (token_hash,),
    )


def revoke_token(db: Database, token_hash: str) -> None:
    db.execute("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", (token_hash,))


def revoke_user_sessions(db: Database, user_id: int) -> None:
    db.execute("UPDATE sessions SET revoked = 1 WHERE user_id = ?", (user_id,))


def revoke_opened_by_ssh_key(db: Database, user_id: int, key_id: int) -> None:
    db.execute(
        "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND ssh_key_id = ?",
        (user_id, key_id),
    )
