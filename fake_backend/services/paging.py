"""Keyset paging for list endpoints: opaque cursors and the `{items, next_cursor}` cut.

A cursor is the urlsafe base64 of the JSON keyset (numbers) of the last row a page held;
the storage query answers the rows after it, one more than `limit` to tell whether
another page follows.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from fake_backend.errors import field_error

CURSOR_NUMBER_LIMIT = 2**62


def encode_cursor(keyset: list[Any]) -> str:
    """An opaque page cursor: urlsafe base64 of the JSON keyset of the last row."""
    return base64.urlsafe_b64encode(json.dumps(keyset).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The keyset inside `cursor`, or 422 naming the field when it was not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        keyset = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise field_error("cursor", "bad_cursor") from None
    if (
        not isinstance(keyset, list)
        or len(keyset) != length
        or not all(map(_is_keyset_number, keyset))
    ):
        raise field_error("cursor", "bad_cursor")
    return keyset


def after_keyset(cursor: str | None) -> tuple[float, int] | None:
    """The (value, id) pair a two-number cursor holds, or None for the first page."""
    if not cursor:
        return None
    value, row_id = decode_cursor(cursor, 2)
    return float(value), int(row_id)


def cut(
    rows: Sequence[sqlite3.Row], limit: int, keyset: Callable[[sqlite3.Row], list[Any]]
) -> tuple[list[sqlite3.Row], str | None]:
    """The page (`rows` holds up to `limit` + 1) and the cursor of the next one, if any."""
    page = list(rows[:limit])
    more = len(rows) > limit and bool(page)
    return page, encode_cursor(keyset(page[-1])) if more else None


def _is_keyset_number(value: Any) -> bool:
    """A number SQLite can compare (finite, within 64-bit integers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < CURSOR_NUMBER_LIMIT
