"""SQL of the auth and account area: users, SMS codes, login failures, QR-login devices,
linked logins and the session rows that belong to a user.

Plain functions over `Database`; the services decide about transactions.
"""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

# users


def user_by_id(db: Database, user_id: int) -> sqlite3.Row | None:
    return db.one("SELECT * FROM users WHERE id = ?", (user_id,))


def user_by_phone(db: Database, phone: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM users WHERE phone = ?", (phone,))


def insert_user(db: Database, phone: str, nickname: str, password_hash: str, now: float) -> int:
    return db.insert(
        "INSERT INTO users(phone, nickname, password_hash, created_at) VALUES (?,?,?,?)",
        (phone, nickname, password_hash, now),
    )


def insert_guest(db: Database, phone_key: str, nickname: str, now: float) -> int:
    """A guest's row (docs/api.md §7.4): no password, `phone_key` is 'guest:' + phone."""
    return db.insert(
        "INSERT INTO users(phone, nickname, guest, created_at) VALUES (?,?,1,?)",
        (phone_key, nickname, now),
    )


def adopt_guest(db: Database, guest_id: int, user_id: int) -> int:
    """Moves a guest's orders, their payments and wallet lines, and its cart (the account
    is new to the phone, or its cart lines win) to the account; ends the guest's sessions.
    Answers how many orders moved."""
    moved = db.execute("UPDATE orders SET user_id = ? WHERE user_id = ?", (user_id, guest_id))
    db.execute("UPDATE payments SET user_id = ? WHERE user_id = ?", (user_id, guest_id))
    db.execute(
        "UPDATE wallet_transactions SET user_id = ? WHERE user_id = ? AND order_id IS NOT NULL",
        (user_id, guest_id),
    )
    db.execute("UPDATE OR IGNORE cart_items SET user_id = ? WHERE user_id = ?", (user_id, guest_id))
    db.execute("DELETE FROM cart_items WHERE user_id = ?", (guest_id,))
    db.execute("UPDATE sessions SET revoked = 1 WHERE user_id = ?", (guest_id,))
    return moved.rowcount


def set_password_hash(db: Database, user_id: int, password_hash: str) -> None:
    db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))


def set_payment_password_hash(db: Database, user_id: int, password_hash: str) -> None:
    db.execute(
        "UPDATE users SET payment_password_hash = ?, pay_failures = 0, pay_locked_until = NULL"
        " WHERE id = ?",
        (password_hash, user_id),
    )


def set_two_factor(db: Database, user_id: int, enabled: bool) -> None:
    db.execute("UPDATE users SET two_factor_enabled = ? WHERE id = ?", (int(enabled), user_id))


def set_real_name(db: Database, user_id: int, real_name: str, id_number_masked: str) -> int:
    """Stores a verification unless one exists; answers the rows changed (0 or 1)."""
    cursor = db.execute(
        "UPDATE users SET real_name = ?, id_number_masked = ? WHERE id = ? AND real_name IS NULL",
        (real_name, id_number_masked, user_id),
    )
    return cursor.rowcount


def add_pay_failure(db: Database, user_id: int) -> int:
    """Counts one wrong payment password; answers the count so far."""
    db.execute("UPDATE users SET pay_failures = pay_failures + 1 WHERE id = ?", (user_id,))
    count: int = db.scalar("SELECT pay_failures FROM users WHERE id = ?", (user_id,))
    return count


def pay_locked_until(db: Database, user_id: int) -> float | None:
    locked_until: float | None = db.scalar(
        "SELECT pay_locked_until FROM users WHERE id = ?", (user_id,)
    )
    return locked_until


def pay_failure_state(db: Database, user_id: int) -> sqlite3.Row | None:
    """`pay_failures, pay_locked_until` of the user."""
    return db.one("SELECT pay_failures, pay_locked_until FROM users WHERE id = ?", (user_id,))


def lock_payments(db: Database, user_id: int, until: float) -> None:
    db.execute(
        "UPDATE users SET pay_failures = 0, pay_locked_until = ? WHERE id = ?", (until, user_id)
    )


def clear_pay_failures(db: Database, user_id: int) -> None:
    db.execute(
        "UPDATE users SET pay_failures = 0, pay_locked_until = NULL WHERE id = ?", (user_id,)
    )


# SMS codes


def insert_sms_code(
    db: Database, phone: str, purpose: str, code: str, sent_at: float, expires_at: float
) -> None:
    db.execute(
        "INSERT INTO sms_codes(phone, purpose, code, sent_at, expires_at) VALUES (?,?,?,?,?)",
        (phone, purpose, code, sent_at, expires_at),
    )


def last_sms_sent_at(db: Database, phone: str) -> float | None:
    sent_at: float | None = db.scalar(
        "SELECT MAX(sent_at) FROM sms_codes WHERE phone = ?", (phone,)
    )
    return sent_at


def latest_sms_code(db: Database, phone: str, purpose: str) -> sqlite3.Row | None:
    """Only the newest code of a purpose counts: a new one supersedes the old."""
    return db.one(
        "SELECT id, code, expires_at, used FROM sms_codes WHERE phone = ? AND purpose = ?"
        " ORDER BY id DESC LIMIT 1",
        (phone, purpose),
    )


def mark_sms_code_used(db: Database, code_id: int) -> None:
    db.execute("UPDATE sms_codes SET used = 1 WHERE id = ?", (code_id,))


def sms_outbox(db: Database, phone: str | None, limit: int) -> list[sqlite3.Row]:
    """The newest `limit` messages (of one phone, or all), oldest first."""
    where, params = ("WHERE phone = ?", (phone, limit)) if phone else ("", (limit,))
    rows = db.all(
        f"SELECT id, phone, purpose, code, sent_at FROM sms_codes {where} ORDER BY id DESC LIMIT ?",
        params,
    )
    return list(reversed(rows))


# login failures (per phone)


def login_lock(db: Database, phone: str) -> float | None:
    locked_until: float | None = db.scalar(
        "SELECT locked_until FROM login_failures WHERE phone = ?", (phone,)
    )
    return locked_until


def add_login_failure(db: Database, phone: str) -> int:
    """Counts one wrong code or password for `phone`; answers the count so far."""
    db.execute(
        "INSERT INTO login_failures(phone, failures) VALUES (?, 1)"
        " ON CONFLICT(phone) DO UPDATE SET failures = failures + 1",
        (phone,),
    )
    count: int = db.scalar("SELECT failures FROM login_failures WHERE phone = ?", (phone,))
    return count


def lock_login(db: Database, phone: str, until: float) -> None:
    db.execute(
        "UPDATE login_failures SET failures = 0, locked_until = ? WHERE phone = ?", (until, phone)
    )


def clear_login_failures(db: Database, phone: str) -> None:
    db.execute("DELETE FROM login_failures WHERE phone = ?", (phone,))


# QR-login devices


def insert_oauth_device(
    db: Database, device_code: str, provider: str, created_at: float, expires_at: float
) -> None:
    db.execute(
        "INSERT INTO oauth_devices(device_code, provider, created_at, expires_at) VALUES (?,?,?,?)",
        (device_code, provider, created_at, expires_at),
    )


def oauth_device(db: Database, device_code: str) -> sqlite3.Row | None:
    return db.one("SELECT * FROM oauth_devices WHERE device_code = ?", (device_code,))


def approve_oauth_device(db: Database, device_code: str, user_id: int) -> None:
    db.execute(
        "UPDATE oauth_devices SET approved_user_id = ? WHERE device_code = ?",
        (user_id, device_code),
    )


def consume_oauth_device(db: Database, device_code: str) -> int:
    """Marks an approved device used; answers 1 if this call consumed it, 0 if not."""
    cursor = db.execute(
        "UPDATE oauth_devices SET consumed = 1 WHERE device_code = ? AND consumed = 0"
        " AND approved_user_id IS NOT NULL",
        (device_code,),
    )
    return cursor.rowcount


def pending_oauth_devices(db: Database, created_before: float, now: float) -> list[sqlite3.Row]:
    return db.all(
        "SELECT device_code, provider FROM oauth_devices WHERE approved_user_id IS NULL"
        " AND consumed = 0 AND created_at <= ? AND expires_at > ?",
        (created_before, now),
    )


# linked logins


def link_login(
    db: Database, user_id: int, provider: str, external_id: str, label: str, now: float
) -> None:
    db.execute(
        "INSERT OR IGNORE INTO linked_logins(user_id, provider, external_id, label, created_at)"
        " VALUES (?,?,?,?,?)",
        (user_id, provider, external_id, label, now),
    )


def linked_logins(db: Database, user_id: int) -> list[sqlite3.Row]:
    """WeChat and QQ links; SSH keys have their own list (`storage/ssh_keys.py`)."""
    return db.all(
        "SELECT provider, label, created_at FROM linked_logins"
        " WHERE user_id = ? AND provider != 'ssh' ORDER BY id",
        (user_id,),
    )


# sessions


def revoke_other_sessions(db: Database, user_id: int, keep_token_hash: str) -> None:
    db.execute(
        "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND token_hash != ?",
        (user_id, keep_token_hash),
    )
