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
    8: "DROP TABLE delivery_codes; DROP TABLE slot_bookings; DROP INDEX orders_awaiting_service;"
    " ALTER TABLE orders DROP COLUMN kind; ALTER TABLE orders DROP COLUMN service_note;"
    " ALTER TABLE orders DROP COLUMN slot_starts_at; ALTER TABLE orders DROP COLUMN rescheduled_at;"
    " ALTER TABLE orders DROP COLUMN codes_viewed_at; ALTER TABLE products DROP COLUMN kind;"
    " ALTER TABLE products DROP COLUMN slot_capacity;",
    9: "DROP INDEX after_sales_reshipped; ALTER TABLE after_sales DROP COLUMN exchange_items;"
    " ALTER TABLE after_sales DROP COLUMN replacement_reserved;"
    " ALTER TABLE after_sales DROP COLUMN replacement_carrier;"
    " ALTER TABLE after_sales DROP COLUMN replacement_tracking_no;"
    " ALTER TABLE after_sales DROP COLUMN reshipped_at;"
    " ALTER TABLE after_sales DROP COLUMN appeal_outcome;"
    " ALTER TABLE orders DROP COLUMN closed_at;",
    10: "DROP INDEX orders_guest_phone; ALTER TABLE orders DROP COLUMN guest_phone;"
    " ALTER TABLE users DROP COLUMN guest;",
    11: "DROP TABLE access_tokens; DROP TABLE subscription_periods; DROP TABLE subscriptions;",
    12: "ALTER TABLE products DROP COLUMN price_varies;",
    13: "ALTER TABLE orders DROP COLUMN showcase; ALTER TABLE after_sales DROP COLUMN showcase;"
    " ALTER TABLE parcels DROP COLUMN showcase;",
    14: "ALTER TABLE search_words DROP COLUMN finds;"
    " ALTER TABLE search_words DROP COLUMN suggested;",
}


def back_to(connection: sqlite3.Connection, version: int) -> None:
    """Undoes the migrations above `version`, newest first, and says so in user_version."""
    for number in sorted(UNDO, reverse=True):
        if number > version:
            connection.executescript(UNDO[number])
    connection.execute(f"PRAGMA user_version = {version}")
