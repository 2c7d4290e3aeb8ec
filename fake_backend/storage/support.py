"""SQL for customer-support threads and their messages."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

THREAD_COLUMNS = (
    "t.id, t.user_id, t.order_id, o.order_no, o.status AS order_status, o.carrier,"
    " o.tracking_no, t.subject, t.status, t.created_at, t.updated_at"
)
THREAD_FROM = "support_threads t LEFT JOIN orders o ON o.id = t.order_id"


def order_belongs_to(db: Database, user_id: int, order_id: int) -> bool:
    row = db.one("SELECT 1 FROM orders WHERE id = ? AND user_id = ?", (order_id, user_id))
    return row is not None


def insert_thread(
    db: Database, user_id: int, order_id: int | None, subject: str, now: float
) -> int:
    return db.insert(
        "INSERT INTO support_threads(user_id, order_id, subject, created_at, updated_at)"
        " VALUES (?,?,?,?,?)",
        (user_id, order_id, subject, now, now),
    )


def thread(db: Database, user_id: int, thread_id: int) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {THREAD_COLUMNS} FROM {THREAD_FROM} WHERE t.id = ? AND t.user_id = ?",
        (thread_id, user_id),
    )


def threads_page(
    db: Database, user_id: int, after: tuple[float, int] | None, limit: int
) -> list[sqlite3.Row]:
    """Most recently active first; `after` is the (updated_at, id) ending the last page."""
    keyset = ""
    params: list[object] = [user_id]
    if after is not None:
        keyset = " AND (t.updated_at < ? OR (t.updated_at = ? AND t.id < ?))"
        params.extend([after[0], after[0], after[1]])
    return db.all(
        f"SELECT {THREAD_COLUMNS} FROM {THREAD_FROM} WHERE t.user_id = ?{keyset}"
        " ORDER BY t.updated_at DESC, t.id DESC LIMIT ?",
        (*params, limit),
    )


def set_status(db: Database, thread_id: int, status: str, now: float) -> None:
    db.execute(
        "UPDATE support_threads SET status = ?, updated_at = ? WHERE id = ?",
        (status, now, thread_id),
    )


def insert_message(db: Database, thread_id: int, sender: str, text: str, now: float) -> int:
    message_id = db.insert(
        "INSERT INTO support_messages(thread_id, sender, text, created_at) VALUES (?,?,?,?)",
        (thread_id, sender, text, now),
    )
    db.execute("UPDATE support_threads SET updated_at = ? WHERE id = ?", (now, thread_id))
    return message_id


def message(db: Database, message_id: int) -> sqlite3.Row | None:
    return db.one(
        "SELECT id, sender, text, created_at FROM support_messages WHERE id = ?", (message_id,)
    )


def messages_before(
    db: Database, thread_id: int, before_id: int | None, limit: int
) -> list[sqlite3.Row]:
    """The thread's newest messages (before `before_id` when given), newest first."""
    keyset = "" if before_id is None else " AND id < ?"
    params = (thread_id,) if before_id is None else (thread_id, before_id)
    return db.all(
        "SELECT id, sender, text, created_at FROM support_messages"
        f" WHERE thread_id = ?{keyset} ORDER BY id DESC LIMIT ?",
        (*params, limit),
    )


def messages_after(db: Database, thread_id: int, after_id: int, limit: int) -> list[sqlite3.Row]:
    """The thread's messages after `after_id`, oldest first."""
    return db.all(
        "SELECT id, sender, text, created_at FROM support_messages"
        " WHERE thread_id = ? AND id > ? ORDER BY id LIMIT ?",
        (thread_id, after_id, limit),
    )


def last_messages(db: Database, thread_ids: list[int]) -> dict[int, sqlite3.Row]:
    if not thread_ids:
        return {}
    marks = ",".join("?" * len(thread_ids))
    rows = db.all(
        "SELECT m.thread_id, m.sender, m.text, m.created_at FROM support_messages m"
        f" WHERE m.id IN (SELECT MAX(id) FROM support_messages WHERE thread_id IN ({marks})"
        " GROUP BY thread_id)",
        thread_ids,
    )
    return {row["thread_id"]: row for row in rows}


def unanswered_before(db: Database, cutoff: float) -> list[sqlite3.Row]:
    """Users' messages on open or escalated threads, unanswered and written by `cutoff`."""
    return db.all(
        "SELECT m.id, m.thread_id, m.text, t.user_id FROM support_messages m"
        " JOIN support_threads t ON t.id = m.thread_id"
        " WHERE m.sender = 'user' AND m.answered = 0 AND m.created_at <= ?"
        " AND t.status IN ('open', 'escalated') ORDER BY m.thread_id, m.id",
        (cutoff,),
    )


def mark_answered(db: Database, message_ids: list[int]) -> None:
    db.executemany(
        "UPDATE support_messages SET answered = 1 WHERE id = ?", [(mid,) for mid in message_ids]
    )
