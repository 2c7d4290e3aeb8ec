"""Hostile search queries, generated: whatever a shopper (or a script) types into the
search box, `GET /products` answers 200 under every sort and `GET /search/suggest`
answers 200, never a 500 (issue 15's bad input: punctuation only, one character, 200
characters, emoji, mixed scripts, FTS5 operators, SQL-looking text, control characters).

Each answer must also be coherent: the same total under every sort, a page as long as
the total allows, no product on two pages, highlights inside the name (sorted, merged),
terms made of letters, digits and ideographs only (an operator never reaches FTS5), and
suggestions that find what they say they find.

Deterministic and bounded like test_schemathesis.py: derandomized, no example database,
no deadline; a fixed number of examples per test (about 10 s in all on one busy core).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.services.catalogue import ORDERS
from fake_backend.services.search_text import MAX_TERMS, Term, highlights
from tests.conftest import FROZEN_START

API = "/api/v1"
MAX_QUERY = 200  # docs/api.md §7.6: q is at most 200 characters, on both endpoints
PAGE = 7  # small, so that most queries with words have a second page to follow
# What a term may hold (docs/api.md §7.6): letters, digits and ideographs; written out here
# rather than taken from search_text, so that a change there cannot make the check agree.
TERM = re.compile(r"[^\W_]+")

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    # Wall-clock based: a busy CI machine must not turn into a failure.
    suppress_health_check=[HealthCheck.too_slow],
)

# What people (and scripts) put into a search box, beyond words.
FTS_OPERATORS = ['"', "*", "NEAR", "NEAR(", "near/2", "AND", "OR", "NOT", "-", "^", ":", "+"]
FTS_SYNTAX = ["(", ")", "{", "}", "name:", "pinyin:", '"手机"*', "^华为", "NEAR(手机 耳机, 2)"]
SQL_LOOKING = [
    "'; DROP TABLE products; --",
    "1 OR 1=1",
    "' OR ''='",
    "%",
    "_",
    "\\",
    "/*",
    "*/",
    "UNION SELECT * FROM users",
    ";",
]
CATALOGUE_WORDS = [
    "保温杯",
    "华为",
    "耳机",
    "手机",
    "创意工坊",
    "送礼佳品",
    "huawei",
    "bwb",
    "sj",
    "T恤",
    "5G",
    "K58",
    "ONLY",
    "ｈｕａｗｅｉ",  # full-width, folded to half-width
    "【官方旗舰】",
    "[2件装]",
]
EMOJI = ["😀", "🎉", "👍🏽", "🇨🇳", "👨‍👩‍👧", "❤️", "🀄"]
SEPARATORS = ["", " ", "　", "\t", "\n"]

pieces = st.one_of(
    st.sampled_from(FTS_OPERATORS + FTS_SYNTAX + SQL_LOOKING + CATALOGUE_WORDS + EMOJI),
    # Any script, marks and symbols included; surrogates cannot be sent as UTF-8.
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=6),
    # Control and format characters: NUL, escapes, bidi overrides, zero-width joiners.
    st.characters(categories=("Cc", "Cf")),
)


def _joined(parts: list[tuple[str, str]]) -> str:
    return "".join(piece + separator for piece, separator in parts)[:MAX_QUERY]


queries = st.one_of(
    st.lists(st.tuples(pieces, st.sampled_from(SEPARATORS)), min_size=1, max_size=40).map(_joined),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=MAX_QUERY),
).filter(bool)

# The issue's own list, tried before the generated queries.
ISSUE_QUERIES = [
    "，。！？…",
    "手",
    "a",
    "手" * MAX_QUERY,
    "x" * MAX_QUERY,
    "😀🎉",
    "华为huawei耳机ｅｒｊｉ",
    '"保温杯',
    "保温*",
    "NEAR(手机 耳机)",
    "手机 AND 耳机",
    "-华为",
    "'; DROP TABLE products; --",
    "\x00\x1b[31m手机\u202e",
]


def with_issue_queries(test: Any) -> Any:
    for q in ISSUE_QUERIES:
        test = example(q=q)(test)
    return test


@pytest.fixture(scope="module")
def client(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module: these tests only read, and hypothesis calls a test many
    times within one fixture."""
    path = tmp_path_factory.mktemp("search_fuzz") / "backend.sqlite3"
    shutil.copyfile(seeded_template, path)
    app = create_app(path, Clock(FROZEN_START, frozen=True), merchant="manual", seed=None)
    with TestClient(app) as test_client:
        yield test_client


def get(client: TestClient, route: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}{route}", params=params)
    assert response.status_code == 200, (params, response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def check_highlights(name: str, spans: list[list[int]]) -> None:
    """Within the name, each non-empty, sorted and merged (none touching another)."""
    previous_end = -1
    for start, end in spans:
        assert 0 <= start < end <= len(name), (name, spans)
        assert start > previous_end, (name, spans)
        previous_end = end


def check_terms(terms: list[str]) -> None:
    """Letters, digits and ideographs only: operators and punctuation never reach FTS5."""
    assert len(terms) <= MAX_TERMS, terms
    assert len(set(terms)) == len(terms), terms
    for term in terms:
        assert TERM.fullmatch(term), terms


@settings(FUZZ, max_examples=80)
@with_issue_queries
@given(q=queries)
def test_any_query_answers_every_sort_coherently(client: TestClient, q: str) -> None:
    totals = set()
    for sort in ORDERS:
        first = get(client, "/products", q=q, sort=sort, limit=PAGE)
        totals.add(first["total"])
        check_terms(first["terms"])
        assert len(first["items"]) == min(first["total"], PAGE), (q, sort)
        ids = [item["id"] for item in first["items"]]
        if first["next_cursor"] is not None:
            second = get(
                client, "/products", q=q, sort=sort, limit=PAGE, cursor=first["next_cursor"]
            )
            assert second["total"] == first["total"] and second["terms"] == first["terms"]
            ids += [item["id"] for item in second["items"]]
        else:
            assert first["total"] == len(first["items"]), (q, sort)
        assert len(set(ids)) == len(ids), (q, sort, ids)
        for item in first["items"]:
            check_highlights(item["name"], item["highlights"])
            if not first["terms"]:
                assert item["highlights"] == [], item
    # The order changes, never what is found.
    assert len(totals) == 1, (q, totals)


@settings(FUZZ, max_examples=150)
@with_issue_queries
@given(q=queries)
def test_any_query_gets_suggestions_that_find_what_they_say(client: TestClient, q: str) -> None:
    body = get(client, "/search/suggest", q=q)
    texts = [item["text"] for item in body["items"]]
    assert len(texts) <= 8 and len(set(texts)) == len(texts), texts
    # Each answer is a search of its own: the first two are checked, to stay fast.
    for item in body["items"][:2]:
        assert item["count"] > 0
        assert get(client, "/products", q=item["text"], limit=1)["total"] == item["count"], item


@settings(FUZZ, max_examples=10)
@given(q=st.one_of(st.just(""), st.text(min_size=MAX_QUERY + 1, max_size=MAX_QUERY + 20)))
def test_suggest_refuses_an_empty_or_too_long_query(client: TestClient, q: str) -> None:
    response = client.get(f"{API}/search/suggest", params={"q": q})
    assert response.status_code == 422, (q, response.text)


# ---- the same, below HTTP: any name, not only the seeded ones -----------------------------

# Names of catalogue words and characters whose folding changes their length (ﬁ → fi,
# İ → i̇, ㎏ → kg): offsets must stay those of the name as stored.
name_pieces = st.one_of(
    st.sampled_from(["华为", "保温杯", "耳机", "T恤", "hw", " ", "【", "】", "ﬁ", "ﬂ", "ǅ", "İ"]),
    st.sampled_from(["ß", "Ｔ", "㎏", "½", "ﬃ"]),
    st.characters(codec="utf-8"),
)
names = st.lists(name_pieces, max_size=30).map("".join)
term_texts = st.one_of(
    st.sampled_from(["华为", "hw", "huawei", "bwb", "t恤", "i", "fi", "ss", "耳机", "杯"]),
    st.from_regex(re.compile(r"[a-z0-9\u4e00-\u9fff]{1,6}"), fullmatch=True),
)


@settings(FUZZ, max_examples=300)
@given(name=names, texts=st.lists(term_texts, max_size=MAX_TERMS))
def test_highlights_of_any_name_stay_within_it(name: str, texts: list[str]) -> None:
    spans = [list(span) for span in highlights(name, [Term(text) for text in texts])]
    check_highlights(name, spans)
    # Every place the name holds a term as typed is marked.
    for text in texts:
        at = name.find(text)
        while at != -1:
            assert any(start <= at and at + len(text) <= end for start, end in spans), (
                name,
                text,
                spans,
            )
            at = name.find(text, at + 1)
