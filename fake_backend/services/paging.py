"""Keyset paging for list endpoints: opaque cursors and the `{items, next_cursor}` cut.

A cursor is the urlsafe base64 (unpadded) of the JSON keyset (numbers) of the last row a
page held; a list whose cursors must not be taken for another's (the catalogue: one per
sort order, and reviews) puts a `kind` tag first: `[kind, value, id]`. The storage query
answers the rows after it, one more than `limit` to tell whether another page follows.
Every list's cursor goes through here.
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


def encode_cursor(keyset: list[Any], *, kind: str | None = None) -> str:
    """An opaque page cursor: urlsafe base64 of the JSON keyset of the last row.

    With `kind` the JSON is `[kind, *keyset]`, written compactly (the form the catalogue's
    cursors always had); without, `json.dumps(keyset)` as the other lists always wrote it.
    """
    compact = (",", ":")
    raw = json.dumps(keyset) if kind is None else json.dumps([kind, *keyset], separators=compact)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int, *, kind: str | None = None) -> list[Any]:
    """The keyset (`length` numbers) inside `cursor`, or 422 `cursor` `bad_cursor`.

    With `kind` the cursor must carry that tag first (a cursor of another sort order or
    another list is refused); the tag is not part of the answer. Padding is optional.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise field_error("cursor", "bad_cursor") from None
    if not isinstance(decoded, list):
        raise field_error("cursor", "bad_cursor")
    if kind is not None:
        if not decoded or decoded[0] != kind:
            raise field_error("cursor", "bad_cursor")
        decoded = decoded[1:]
    if len(decoded) != length or not all(map(_is_keyset_number, decoded)):
        raise field_error("cursor", "bad_cursor")
    return decoded


def after_keyset(cursor: str | None, *, kind: str | None = None) -> tuple[float, int] | None:
    """The (value, id) pair a two-number cursor holds, or None for the first page."""
    if not cursor:
        return None
    value, row_id = decode_cursor(cursor, 2, kind=kind)
    if isinstance(row_id, float) and not row_id.is_integer():
        raise field_error("cursor", "bad_cursor")
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
