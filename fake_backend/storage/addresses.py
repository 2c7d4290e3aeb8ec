"""SQL for the address book. Deleted addresses stay (soft delete) for orders' snapshots."""

from __future__ import annotations

import sqlite3

from fake_backend.storage.db import Database

COLUMNS = "id, user_id, name, phone, province, city, district, detail, is_default, created_at"


def live_addresses(db: Database, user_id: int) -> list[sqlite3.Row]:
    """The user's addresses, the default first, then the newest."""
    return db.all(
        f"SELECT {COLUMNS} FROM addresses WHERE user_id = ? AND deleted = 0"
        " ORDER BY is_default DESC, created_at DESC, id DESC",
        (user_id,),
    )


def live_address(db: Database, user_id: int, address_id: int) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {COLUMNS} FROM addresses WHERE id = ? AND user_id = ? AND deleted = 0",
        (address_id, user_id),
    )


def count_live(db: Database, user_id: int) -> int:
    count: int = db.scalar(
        "SELECT COUNT(*) FROM addresses WHERE user_id = ? AND deleted = 0", (user_id,)
    )
    return count


def default_id(db: Database, user_id: int) -> int | None:
    found: int | None = db.scalar(
        "SELECT id FROM addresses WHERE user_id = ? AND deleted = 0 AND is_default = 1"
        " ORDER BY id LIMIT 1",
        (user_id,),
    )
    return found


def newest_other_id(db: Database, user_id: int, except_id: int) -> int | None:
    found: int | None = db.scalar(
        "SELECT id FROM addresses WHERE user_id = ? AND deleted = 0 AND id != ?"
        " ORDER BY created_at DESC, id DESC LIMIT 1",
        (user_id, except_id),
    )
    return found


def insert(
    db: Database,
    user_id: int,
    fields: dict[str, str],
    created_at: float,
) -> int:
    return db.insert(
        "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
        " is_default, created_at) VALUES (?,?,?,?,?,?,?,0,?)",
        (
            user_id,
            fields["name"],
            fields["phone"],
            fields["province"],
            fields["city"],
            fields["district"],
            fields["detail"],
            created_at,
        ),
    )


def update_fields(db: Database, address_id: int, fields: dict[str, str]) -> None:
    db.execute(
        "UPDATE addresses SET name = ?, phone = ?, province = ?, city = ?, district = ?,"
        " detail = ? WHERE id = ?",
        (
            fields["name"],
            fields["phone"],
            fields["province"],
            fields["city"],
            fields["district"],
            fields["detail"],
            address_id,
        ),
    )


def make_default(db: Database, user_id: int, address_id: int) -> None:
    """`address_id` becomes the user's only default address."""
    db.execute(
        "UPDATE addresses SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END"
        " WHERE user_id = ? AND (is_default = 1 OR id = ?)",
        (address_id, user_id, address_id),
    )


def soft_delete(db: Database, address_id: int) -> None:
    db.execute("UPDATE addresses SET deleted = 1, is_default = 0 WHERE id = ?", (address_id,))
