"""SQL for idempotency keys (`idempotency_keys`): one row per user and key, `in_flight`
(claimed by `owner`, a process) until its answer is stored (`done`)."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database


def delete_expired_key(db: Database, user_id: int, key: str, created_before: float) -> None:
    """Forgets the user's `key` if it was claimed at or before `created_before`."""
    db.execute(
        "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at <= ?",
        (user_id, key, created_before),
    )


def key_row(db: Database, user_id: int, key: str) -> sqlite3.Row | None:
    """`body_hash, state, status_code, response, owner` of the user's key."""
    return db.one(
        "SELECT body_hash, state, status_code, response, owner FROM idempotency_keys "
        "WHERE user_id = ? AND key = ?",
        (user_id, key),
    )


def claim_key(
    db: Database, user_id: int, key: str, endpoint: str, body_hash: str, now: float, owner: str
) -> None:
    db.execute(
        "INSERT INTO idempotency_keys(user_id, key, endpoint, body_hash, state,"
        " created_at, owner) VALUES (?,?,?,?, 'in_flight', ?, ?)",
        (user_id, key, endpoint, body_hash, now, owner),
    )


def reclaim_key(db: Database, user_id: int, key: str, now: float, owner: str) -> None:
    """Hands an in-flight key whose process is gone to `owner`."""
    db.execute(
        "UPDATE idempotency_keys SET owner = ?, created_at = ? WHERE user_id = ? AND key = ?",
        (owner, now, user_id, key),
    )


def store_answer(
    db: Database, user_id: int, key: str, owner: str, status_code: int, response: str
) -> int:
    """Marks the key `done` with its answer if `owner` holds it in flight; the rows changed."""
    return db.execute(
        "UPDATE idempotency_keys SET state = 'done', status_code = ?, response = ? "
        "WHERE user_id = ? AND key = ? AND state = 'in_flight' AND owner = ?",
        (status_code, response, user_id, key, owner),
    ).rowcount


def forget_in_flight(db: Database, user_id: int, key: str, owner: str) -> None:
    db.execute(
        "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND state = 'in_flight'"
        " AND owner = ?",
        (user_id, key, owner),
    )
