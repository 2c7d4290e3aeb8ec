"""Databases as earlier versions left them, for the tests of upgrading: each migration's
undoing, by number. A new migration adds its line here."""

from __future__ import annotations

import sqlite3

UNDO: dict[int, str] = {
    3: "DROP INDEX sessions_ssh_key; ALTER TABLE sessions DROP COLUMN ssh_key_id;",
    4: "DROP TABLE rate_events;",
    5: "DROP INDEX uploads_unattached; ALTER TABLE uploads DROP COLUMN attached_at;",
    6: "DROP TABLE products_terms; DROP TABLE search_words; DROP TABLE search_chars;"
    " DROP TABLE search_history;",
    7: "ALTER TABLE payments DROP COLUMN polled_at;",
    11: "DROP TABLE access_tokens; DROP TABLE subscription_periods; DROP TABLE subscriptions;",
    12: "ALTER TABLE products DROP COLUMN price_varies;",
}


def back_to(connection: sqlite3.Connection, version: int) -> None:
    """Undoes the migrations above `version`, newest first, and says so in user_version."""
    for number in sorted(UNDO, reverse=True):
        if number > version:
            connection.executescript(UNDO[number])
    connection.execute(f"PRAGMA user_version = {version}")
