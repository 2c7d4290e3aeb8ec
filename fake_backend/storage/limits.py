"""SQL for the uses counted by services/limits.py."""

from __future__ import annotations

from fake_backend.storage.db import Database


def uses_since(db: Database, bucket: str, subject: str, since: float) -> tuple[int, float | None]:
    """How many uses `subject` made of `bucket` after `since`, and when the oldest was."""
    row = db.one(
        "SELECT COUNT(*) AS uses, MIN(at) AS oldest FROM rate_events"
        " WHERE bucket = ? AND subject = ? AND at > ?",
        (bucket, subject, since),
    )
    assert row is not None
    return int(row["uses"]), row["oldest"]


def record_use(db: Database, bucket: str, subject: str, at: float) -> None:
    db.execute("INSERT INTO rate_events(bucket, subject, at) VALUES (?,?,?)", (bucket, subject, at))


def any_before(db: Database, before: float) -> bool:
    return db.one("SELECT 1 FROM rate_events WHERE at <= ? LIMIT 1", (before,)) is not None


def forget_before(db: Database, before: float) -> None:
    db.execute("DELETE FROM rate_events WHERE at <= ?", (before,))
