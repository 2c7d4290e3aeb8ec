"""The relevance order is the formula services/search.py documents: a product's BM25 over
products_terms plus the brand, title-prefix, neighbouring-words, in-stock and sales
boosts. SQL computes it in one statement; these tests recompute it in Python from the
same parts, one product at a time, and compare the whole order and its pages, with
SQLite's own log10 and with the Python one an SQLite without math functions is given."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator

import pytest

from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed import ensure_seeded
from fake_backend.services import catalogue, search
from fake_backend.services.paging import encode_cursor
from fake_backend.storage import db as storage_db
from fake_backend.storage import search as search_store
from fake_backend.storage.catalogue import ProductFilter, substring_index
from fake_backend.storage.db import Database
from fake_backend.storage.search import TERM_WEIGHTS

QUERIES = ["手机", "保温杯送礼", "华为耳机", "huawei", "bwb", "sj", "T恤 李宁", "t"]


@pytest.fixture(scope="module", params=["sqlite log10", "python log10"])
def ctx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "python log10":
            patch.setattr(storage_db, "has_math_functions", lambda conn: False)
        database = Database(tmp_path_factory.mktemp("ranking") / "shop.db")
        context = Ctx(db=database, clock=Clock())
        ensure_seeded(context, history=False)
        search.ensure_index(context)
        yield context
        database.close()


def names_holding(ctx: Ctx, text: str, *, at_start: bool = False) -> set[int]:
    table, phrase = substring_index(text)
    column_query = f"name : ^ {phrase}" if at_start else f"name : {phrase}"
    rows = ctx.db.all(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (column_query,))
    return {row[0] for row in rows}


def expected_scores(ctx: Ctx, q: str) -> dict[int, float]:
    """Each matching product's score, summed in Python from the formula's parts."""
    terms = search.query_terms(ctx.db, q)
    boosts = search.boosts(ctx, terms)
    weights = ", ".join(map(str, TERM_WEIGHTS))
    text_scores: dict[int, float] = {
        row[0]: row[1]
        for row in ctx.db.all(
            f"SELECT rowid, -bm25(products_terms, {weights}) FROM products_terms"
            " WHERE products_terms MATCH ?",
            (search.ranking_query(terms),),
        )
    }
    prefixed = names_holding(ctx, boosts.prefix, at_start=True)
    together = [names_holding(ctx, joined) for joined in boosts.neighbours]
    every = catalogue.search_products(ctx, q=q, sort="sales_desc", limit=100)
    assert every["next_cursor"] is None, "the demo catalogue's matches fit in one page"
    scores = {}
    for item in every["items"]:
        product = ctx.db.one("SELECT brand, stock, sales FROM products WHERE id = ?", (item["id"],))
        assert product is not None
        scores[item["id"]] = (
            text_scores.get(item["id"], 0.0)
            + (boosts.brand if product["brand"] in boosts.brands else 0.0)
            + (boosts.title_prefix if item["id"] in prefixed else 0.0)
            + boosts.together * sum(item["id"] in holding for holding in together)
            + (boosts.in_stock if product["stock"] > 0 else 0.0)
            + boosts.sales * math.log10(1 + product["sales"])
        )
    return scores


@pytest.mark.parametrize("q", QUERIES)
def test_the_relevance_order_is_the_documented_formula(ctx: Ctx, q: str) -> None:
    scores = expected_scores(ctx, q)
    assert scores, f"{q!r} finds something in the demo catalogue"
    page = catalogue.search_products(ctx, q=q, limit=100)
    got = [item["id"] for item in page["items"]]
    assert page["total"] == len(scores) == len(got)
    for better, worse in zip(got, got[1:], strict=False):
        assert (scores[better], better) >= (scores[worse], worse) or math.isclose(
            scores[better], scores[worse], abs_tol=1e-9
        ), f"{q!r}: {better} before {worse}"


@pytest.mark.parametrize("q", QUERIES)
def test_relevance_pages_join_into_the_one_order(ctx: Ctx, q: str) -> None:
    whole = [item["id"] for item in catalogue.search_products(ctx, q=q, limit=100)["items"]]
    paged: list[int] = []
    cursor = None
    while True:
        page = catalogue.search_products(ctx, q=q, limit=3, cursor=cursor)
        assert page["total"] == len(whole)
        paged += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == whole


@pytest.mark.parametrize("q", ["手机", "sj"])
def test_a_page_past_the_last_match_still_counts_every_match(ctx: Ctx, q: str) -> None:
    # A cursor kept while the catalogue changed can point past the last match: the page
    # is empty and the total is still the number of matches.
    whole = catalogue.search_products(ctx, q=q, limit=100)
    past_the_end = encode_cursor([-1.0, 0], kind="relevance")
    page = catalogue.search_products(ctx, q=q, cursor=past_the_end)
    assert page["items"] == []
    assert page["next_cursor"] is None
    assert page["total"] == whole["total"] == len(whole["items"]) > 0


@pytest.mark.parametrize("sort", ["relevance", "sales_desc"])
def test_a_product_found_two_ways_is_listed_and_counted_once(ctx: Ctx, sort: str) -> None:
    # 手机 is in these products' names and is their category: two ways to match.
    phones = ctx.db.all(
        "SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id"
        " WHERE c.name_zh = '手机' AND p.name LIKE '%手机%'"
    )
    assert phones
    page = catalogue.search_products(ctx, q="手机", sort=sort, limit=100)
    ids = [item["id"] for item in page["items"]]
    assert page["next_cursor"] is None
    assert len(ids) == len(set(ids)) == page["total"]
    assert {row[0] for row in phones} <= set(ids)


def test_an_sqlite_without_math_functions_is_given_pythons_log10(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conn = sqlite3.connect(":memory:")
    monkeypatch.setattr(storage_db, "has_math_functions", lambda conn: False)
    storage_db.with_math_functions(conn)
    # SQLite's own log10 answers NULL below zero; Python's raises, so this one is Python's.
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("SELECT log10(-1)").fetchone()
    assert conn.execute("SELECT log10(1000)").fetchone()[0] == 3.0


@pytest.mark.parametrize("letter", ["b", "j", "t"])
def test_a_letter_ranks_only_its_matches_and_the_page_is_the_same(ctx: Ctx, letter: str) -> None:
    """A single letter's ranking phrase finds many products it does not match (pinyin
    initials): BM25 is computed for the matches only, and the page and the count are
    those of the unrestricted statement."""
    terms = search.query_terms(ctx.db, letter)
    assert search._ranked_beyond_matches(terms[0])
    product_filter = ProductFilter(terms=search.text_terms(ctx.db, terms))
    pages = [
        search_store.relevance_page(
            ctx.db,
            product_filter,
            search.ranking_query(terms),
            search.boosts(ctx, terms),
            None,
            100,
            rank_matches_only=restricted,
        )
        for restricted in (False, True)
    ]
    assert pages[0][1] > 0, f"{letter!r} finds something in the demo catalogue"
    assert pages[0] == pages[1]
    if letter == "b":
        ranked_anywhere = ctx.db.scalar(
            "SELECT count(*) FROM products_terms WHERE products_terms MATCH ?",
            (search.ranking_query(terms),),
        )
        assert ranked_anywhere > pages[0][1], "the phrase finds more than b matches"
