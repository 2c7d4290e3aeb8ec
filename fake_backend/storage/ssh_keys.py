"""SQL for linked SSH keys: `linked_logins` rows with provider 'ssh' and the key's
SHA256 fingerprint as `external_id`."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

PROVIDER = "ssh"
COLUMNS = "id, user_id, external_id AS fingerprint, label, created_at, last_used_at"


def keys_of(db: Database, user_id: int) -> list[sqlite3.Row]:
    """The user's keys, newest first."""
    return db.all(
        f"SELECT {COLUMNS} FROM linked_logins WHERE user_id = ? AND provider = ?"
        " ORDER BY created_at DESC, id DESC",
        (user_id, PROVIDER),
    )


def by_fingerprint(db: Database, fingerprint: str) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {COLUMNS} FROM linked_logins WHERE provider = ? AND external_id = ?",
        (PROVIDER, fingerprint),
    )


def by_id(db: Database, key_id: int) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {COLUMNS} FROM linked_logins WHERE provider = ? AND id = ?", (PROVIDER, key_id)
    )


def count_of(db: Database, user_id: int) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM linked_logins WHERE user_id = ? AND provider = ?",
        (user_id, PROVIDER),
    )
    return count


def insert(db: Database, user_id: int, fingerprint: str, label: str, now: float) -> int:
    return db.insert(
        "INSERT INTO linked_logins(user_id, provider, external_id, label, created_at)"
        " VALUES (?,?,?,?,?)",
        (user_id, PROVIDER, fingerprint, label, now),
    )


def delete(db: Database, user_id: int, key_id: int) -> int:
    """Deletes the user's key; the number of rows deleted (0 when not theirs)."""
    cursor = db.execute(
        "DELETE FROM linked_logins WHERE id = ? AND user_id = ? AND provider = ?",
        (key_id, user_id, PROVIDER),
    )
    return cursor.rowcount


def touch(db: Database, key_id: int, now: float) -> None:
    db.execute("UPDATE linked_logins SET last_used_at = ? WHERE id = ?", (now, key_id))
