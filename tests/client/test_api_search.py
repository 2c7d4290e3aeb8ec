"""The client's side of search (issue 15) over a mocked transport: highlights and terms in
a product page (and their absence from an older backend), relevance as a sort,
suggestions, and the search history's three calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pydantic
import pytest

from kshop_tui.api import errors, models
from kshop_tui.api.client import KshopClient
from kshop_tui.text import clean, clean_spans

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler, token: str | None = "tok") -> KshopClient:
    return KshopClient("http://127.0.0.1", transport=httpx.MockTransport(handler), token=token)


def recording(answer: Any, status: int = 200) -> tuple[list[httpx.Request], Handler]:
    """A handler answering `answer` (JSON; no body for 204) that keeps every request."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if status == 204:
            return httpx.Response(204)
        return httpx.Response(status, content=json.dumps(answer).encode())

    return seen, handler


def product(**fields: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "name": "华为 FreeBuds 耳机",
        "brand": "华为",
        "category_id": 3,
        "price_fen": 59900,
        **fields,
    }


def envelope(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": "m", "details": {}}})


# --- products: highlights, terms, relevance -------------------------------------------


async def test_a_search_answers_highlights_and_terms_and_asks_for_relevance() -> None:
    body = {
        "items": [product(highlights=[[0, 2], [12, 14]])],
        "total": 1,
        "next_cursor": None,
        "terms": ["华为", "耳机"],
    }
    seen, handler = recording(body)
    page = await client_with(handler).search_products(q="华为耳机", sort="relevance")
    assert [(r.method, r.url.path) for r in seen] == [("GET", "/api/v1/products")]
    assert seen[0].url.params["sort"] == "relevance"
    assert seen[0].url.params["q"] == "华为耳机"
    assert page.terms == ["华为", "耳机"]
    item = page.items[0]
    assert item.highlights == [(0, 2), (12, 14)]
    assert [item.name[start:end] for start, end in item.highlights] == ["华为", "耳机"]


async def test_an_answer_without_highlights_or_terms_still_parses() -> None:
    """An older backend (or a search without words) leaves both out."""
    seen, handler = recording({"items": [product()], "total": 1})
    page = await client_with(handler).search_products()
    assert page.terms == [] and page.items[0].highlights == []


def test_highlights_follow_the_characters_cleaning_drops() -> None:
    """Offsets count the backend's name; the name shown has its escapes dropped."""
    raw = "\x1b[31m华为\x1b[0m FreeBuds\x07 耳机"
    item = models.FoundProduct.model_validate(product(name=raw, highlights=[[5, 7], [22, 24]]))
    assert item.name == "华为 FreeBuds 耳机" == clean(raw)
    assert [item.name[start:end] for start, end in item.highlights] == ["华为", "耳机"]


@pytest.mark.parametrize(
    ("spans", "kept"),
    [
        ([[2, 1], [0, 0]], []),  # empty or backwards
        ([[10, 40]], [(10, 14)]),  # past the end: cut at it
        ([[-3, 2]], [(0, 2)]),  # before the start: cut at it
        ([[6, 9], [0, 2], [1, 4]], [(0, 4), (6, 9)]),  # unsorted, overlapping: merged
        ([[0, "2"], [0], [True, 2], [3, 5]], [(3, 5)]),  # not a pair of offsets: dropped
    ],
)
def test_bad_highlights_are_cut_not_fatal(spans: list[Any], kept: list[tuple[int, int]]) -> None:
    name = "华为 FreeBuds 耳机"
    item = models.FoundProduct.model_validate(product(name=name, highlights=spans))
    assert item.highlights == kept


def test_highlights_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        models.FoundProduct.model_validate(product(highlights="0-2"))


def test_clean_spans_moves_offsets_past_dropped_characters() -> None:
    text = "a\x00b\x1b]0;title\x07cd\ne"
    assert clean(text) == "abcd e"
    # "b" at 2, "cd" at 13..15, "e" at 16 in the raw text; "b" and "cd" meet once the
    # escape between them is gone, so they merge.
    assert clean_spans(text, [(2, 3), (13, 15), (16, 17)]) == [(1, 4), (5, 6)]
    # A span of nothing but dropped characters vanishes.
    assert clean_spans(text, [(3, 13)]) == []


# --- suggestions ---------------------------------------------------------------------------


async def test_suggestions_are_asked_with_the_text_and_a_limit() -> None:
    body = {
        "items": [
            {"text": "华为 耳机", "kind": "word", "count": 4},
            {"text": "华为 耳机\x1b[2J 套", "kind": "product", "count": 1},
        ],
        "closest": False,
    }
    seen, handler = recording(body)
    answer = await client_with(handler, token=None).search_suggest("华为 耳")
    assert [(r.method, r.url.path) for r in seen] == [("GET", "/api/v1/search/suggest")]
    assert dict(seen[0].url.params) == {"q": "华为 耳", "limit": "8"}
    assert "authorization" not in seen[0].headers  # a guest may ask
    assert answer == models.Suggestions(
        items=[
            models.Suggestion(text="华为 耳机", kind="word", count=4),
            models.Suggestion(text="华为 耳机 套", kind="product", count=1),
        ],
        closest=False,
    )
    seen, handler = recording({"items": [], "closest": False})
    await client_with(handler).search_suggest("bw", limit=3)
    assert seen[0].url.params["limit"] == "3"


async def test_closest_searches_are_marked_and_a_new_kind_is_kept() -> None:
    body = {"items": [{"text": "保温杯", "kind": "pinyin", "count": 12}], "closest": True}
    _, handler = recording(body)
    answer = await client_with(handler).search_suggest("zzz保温杯")
    assert answer.closest and answer.items[0].kind == "pinyin"


async def test_an_empty_suggestion_query_is_a_validation_error() -> None:
    fields = {"q": {"code": "too_short", "message": "at least 1 character"}}
    body = {"error": {"code": "VALIDATION_ERROR", "message": "m", "details": {"fields": fields}}}
    client = client_with(lambda request: httpx.Response(422, json=body))
    with pytest.raises(errors.ValidationFailed) as caught:
        await client.search_suggest("")
    assert caught.value.fields == {"q": "at least 1 character"}


# --- history -------------------------------------------------------------------------------


async def test_history_is_read_newest_first_as_entries() -> None:
    body = {
        "items": [
            {"q": "保温杯", "searched_at": "2026-11-24T02:00:00Z"},
            {"q": "huawei\x1b[31m", "searched_at": "2026-11-24T01:00:00Z"},
        ]
    }
    seen, handler = recording(body)
    history = await client_with(handler).search_history()
    assert [(r.method, r.url.path) for r in seen] == [("GET", "/api/v1/search/history")]
    assert seen[0].headers["authorization"] == "Bearer tok"
    assert history == [
        models.SearchHistoryEntry(q="保温杯", searched_at="2026-11-24T02:00:00Z"),
        models.SearchHistoryEntry(q="huawei", searched_at="2026-11-24T01:00:00Z"),
    ]


async def test_recording_and_clearing_history_send_what_the_contract_says() -> None:
    seen, handler = recording(None, status=204)
    client = client_with(handler)
    assert await client.record_search("保温杯") is None
    assert await client.clear_search_history() is None
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/api/v1/search/history"),
        ("DELETE", "/api/v1/search/history"),
    ]
    assert json.loads(seen[0].content) == {"q": "保温杯"}
    assert "idempotency-key" not in seen[0].headers  # recording twice is harmless


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.search_history(),
        lambda client: client.record_search("保温杯"),
        lambda client: client.clear_search_history(),
    ],
    ids=["read", "record", "clear"],
)
async def test_history_without_a_login_is_refused(call: Callable[[KshopClient], Any]) -> None:
    client = client_with(lambda request: envelope(401, "UNAUTHENTICATED"), token=None)
    with pytest.raises(errors.AuthExpired):
        await call(client)


async def test_recording_is_not_retried_when_the_connection_fails() -> None:
    attempts = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(errors.BackendUnreachable):
        await client_with(refuse).record_search("保温杯")
    assert attempts == 1
