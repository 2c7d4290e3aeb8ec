"""services/paging.py, the one cursor encoder every list uses: cursors round-trip, and
whatever was not handed out by the same list is 422 `cursor` `bad_cursor`."""

from __future__ import annotations

import base64
import json

import pytest

from fake_backend.errors import ApiError
from fake_backend.services import paging


def reason(error: ApiError) -> tuple[int, str, str]:
    ((field, (why, _params)),) = error.details["fields"].items()
    return error.status, field, why


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("keyset", [[1, 2], [1_700_000_000.5, 42], [-3, 0], [0.0, 2**61]])
def test_an_untagged_cursor_round_trips(keyset: list[float]) -> None:
    cursor = paging.encode_cursor(keyset)
    assert "=" not in cursor
    assert paging.decode_cursor(cursor, len(keyset)) == keyset
    assert paging.after_keyset(cursor) == (float(keyset[0]), int(keyset[1]))


@pytest.mark.parametrize("kind", ["newest", "price_asc", "reviews"])
def test_a_tagged_cursor_round_trips_and_keeps_its_form(kind: str) -> None:
    cursor = paging.encode_cursor([1999, 7], kind=kind)
    # The form the catalogue's cursors had before they moved here: compact JSON.
    assert (
        base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        == json.dumps([kind, 1999, 7], separators=(",", ":")).encode()
    )
    assert paging.decode_cursor(cursor, 2, kind=kind) == [1999, 7]
    assert paging.after_keyset(cursor, kind=kind) == (1999.0, 7)


def test_the_untagged_form_is_what_the_lists_handed_out_before() -> None:
    cursor = paging.encode_cursor([1.5, 3])
    assert base64.urlsafe_b64decode(cursor + "=") == b"[1.5, 3]"
    # Cursors handed out padded (orders did) still work.
    padded = base64.urlsafe_b64encode(b"[1.5, 3]").decode()
    assert padded.endswith("=") and paging.after_keyset(padded) == (1.5, 3)


def test_no_cursor_is_the_first_page() -> None:
    assert paging.after_keyset(None) is None
    assert paging.after_keyset("") is None
    assert paging.after_keyset(None, kind="newest") is None


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "not-a-cursor",
        b64(b"not json"),
        b64(b"\xff\xfe"),
        b64(b'{"a": 1}'),
        b64(b"[1]"),
        b64(b"[1, 2, 3]"),
        b64(b'[1, "2"]'),
        b64(b"[true, 2]"),
        b64(b"[1, 99999999999999999999]"),
        b64(b"[1e99, 2]"),
        b64(b"[NaN, 2]"),
        b64(b"[Infinity, 2]"),
        b64(b"[1, 2.5]"),
        b64(b"[]"),
    ],
)
def test_a_tampered_cursor_is_422_bad_cursor(cursor: str) -> None:
    with pytest.raises(ApiError) as refused:
        paging.after_keyset(cursor)
    assert reason(refused.value) == (422, "cursor", "bad_cursor")


def test_a_cursor_of_another_kind_is_refused() -> None:
    newest = paging.encode_cursor([5, 3], kind="newest")
    plain = paging.encode_cursor([5, 3])
    for cursor, kind in (
        (newest, "price_asc"),  # another sort order of the same list
        (newest, "reviews"),  # another list
        (plain, "newest"),  # an untagged list's cursor where a tag is required
    ):
        with pytest.raises(ApiError) as refused:
            paging.after_keyset(cursor, kind=kind)
        assert reason(refused.value) == (422, "cursor", "bad_cursor")
    with pytest.raises(ApiError) as refused:
        paging.after_keyset(newest)  # a tagged cursor where none is expected
    assert reason(refused.value) == (422, "cursor", "bad_cursor")
