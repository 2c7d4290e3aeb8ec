"""SQL of search: the term index (products_terms), the vocabulary (search_words), the
relevance order, and each user's search history. What goes into them is decided by
services/search_text.py; storage/catalogue.py finds the products a query's terms match.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fake_backend.storage.catalogue import (
    ProductFilter,
    facet_clauses,
    marks,
    substring_index,
    text_matches,
)
from fake_backend.storage.db import Database

SEARCH_VERSION_KEY = "search_index"

# Column weights of bm25() over products_terms (words, brand, category, pinyin): a word of
# the name counts most; a category word or a pinyin spelling only says the product is of
# the kind asked for.
TERM_WEIGHTS = (1.0, 1.0, 0.5, 0.5)


@dataclass(frozen=True)
class Boosts:
    """What lifts a product in the relevance order, beyond its BM25 (storage answers it
    as the score; services/search.py chose the weights and says why)."""

    brands: tuple[str, ...]
    brand: float
    neighbours: tuple[str, ...]  # each two neighbouring terms of the query, joined
    together: float
    prefix: str
    title_prefix: float
    in_stock: float
    sales: float


def index_products(db: Database, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
    """Adds (id, words, brand, category, pinyin) rows to products_terms."""
    db.executemany(
        "INSERT INTO products_terms(rowid, words, brand, category, pinyin) VALUES (?,?,?,?,?)",
        list(rows),
    )


def clear_index(db: Database) -> None:
    db.execute("DELETE FROM products_terms")
    db.execute("DELETE FROM search_words")
    db.execute("DELETE FROM search_chars")


def products_to_index(db: Database, after_id: int, limit: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT id, name, brand, category_id, sales FROM products WHERE id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )


def indexed_product_ids(db: Database) -> set[int]:
    return {row[0] for row in db.all("SELECT rowid FROM products_terms")}


def unindexed_product_count(db: Database) -> int:
    return int(
        db.scalar(
            "SELECT COUNT(*) FROM products WHERE id NOT IN (SELECT rowid FROM products_terms)"
        )
    )


def replace_vocabulary(
    db: Database,
    words: Iterable[tuple[str, str, str, str, int, int, bool]],
    chars: Iterable[tuple[str, str]],
) -> None:
    """(word, kind, pinyin, initials, products, sales, suggested) rows replace the
    vocabulary, and (char, pinyin) rows the spelling of each ideograph. What a search for
    each word finds is set after (`set_finds`): the search cuts queries with these words."""
    db.execute("DELETE FROM search_words")
    db.executemany(
        "INSERT INTO search_words(word, kind, pinyin, initials, products, sales, suggested)"
        " VALUES (?,?,?,?,?,?,?)",
        list(words),
    )
    db.execute("DELETE FROM search_chars")
    db.executemany("INSERT INTO search_chars(char, pinyin) VALUES (?, ?)", list(chars))
    # A fresh token, not a count: a database reset and seeded again must not look unchanged.
    db.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        (SEARCH_VERSION_KEY, secrets.token_hex(8)),
    )


def set_finds(db: Database, finds: Iterable[tuple[int, str]]) -> None:
    """(products found, word) rows: how many products a search for each word finds."""
    db.executemany("UPDATE search_words SET finds = ? WHERE word = ?", list(finds))


def vocabulary_version(db: Database) -> str:
    """Changes whenever the vocabulary is rebuilt; '' before it ever was."""
    return str(db.scalar("SELECT value FROM meta WHERE key = ?", (SEARCH_VERSION_KEY,)) or "")


def vocabulary(db: Database) -> list[sqlite3.Row]:
    """Every vocabulary word with its kind, spellings and the products that hold it."""
    return db.all("SELECT word, kind, pinyin, initials, products FROM search_words")


def char_spellings(db: Database) -> dict[str, str]:
    return {row[0]: row[1] for row in db.all("SELECT char, pinyin FROM search_chars")}


def completions(db: Database, prefix: str, limit: int) -> list[sqlite3.Row]:
    """Suggested vocabulary entries that start with `prefix`, the most sold first, with
    what a search for each finds."""
    return db.all(
        "SELECT word, kind, finds, sales FROM search_words WHERE word >= ? AND word < ?"
        " AND suggested ORDER BY sales DESC, length(word), word LIMIT ?",
        (prefix, prefix + "\U0010ffff", limit),
    )


def pinyin_completions(db: Database, letters: str, limit: int) -> list[sqlite3.Row]:
    """Suggested vocabulary entries whose pinyin, full or initials, starts with `letters`."""
    end = letters + "\x7f"
    return db.all(
        "SELECT word, kind, finds, sales FROM search_words"
        " WHERE word IN (SELECT word FROM search_words WHERE pinyin >= ?1 AND pinyin < ?2"
        " UNION SELECT word FROM search_words WHERE initials >= ?1 AND initials < ?2)"
        " AND suggested ORDER BY sales DESC, length(word), word LIMIT ?3",
        (letters, end, limit),
    )


def brands(db: Database) -> list[str]:
    return [row[0] for row in db.all("SELECT DISTINCT brand FROM products")]


def relevance_page(
    db: Database,
    product_filter: ProductFilter,
    ranking_query: str,
    boosts: Boosts,
    after: tuple[float, int] | None,
    limit: int,
    *,
    rank_matches_only: bool = False,
) -> tuple[list[tuple[int, float]], int]:
    """(id, score) of up to `limit` matching products after the keyset `after`, best
    first: BM25 of `ranking_query` over products_terms plus the boosts; and how many
    products match in all. `rank_matches_only`: the ranking query finds many products
    besides the matches, so BM25 is computed only for the matches (the `+` keeps the
    match set from being handed to FTS5 as rowids, which it would look up one query each).

    One statement scores every match, counts them and keeps the best `limit` in SQLite's
    sorter: the BM25 of the matches is read once into a materialized table (joined to the
    matches per row, FTS5 would run the query again for each: a second for 手机 on 100 000
    products), and only the page's rows come back to Python (`sj` matches 14 714).

    The count is a window over the scored matches, taken before the keyset narrows them:
    a separate COUNT(*) ran the match again (a quarter of the time of 手机, sj and the
    other large matches). Each layer is its own subquery on purpose: the window keeps the
    scoring from being merged into the keyset's WHERE, where SQLite would compute every
    score three times more; and it stays out of the scoring layer, whose BM25 lookup then
    loses its automatic index (a scan per row: seconds for `sj`)."""
    text = text_matches(product_filter.terms, in_list=True)
    if text is None:
        raise ValueError("a relevance order needs words to rank by")
    clauses, params = facet_clauses(product_filter, after_text=True)
    where = f" AND {' AND '.join(clauses)}" if clauses else ""
    # The covering index answers these without opening a product's row.
    matching = f"FROM products p INDEXED BY products_facets WHERE p.id IN ({text[0]}){where}"
    boost_sql, boost_params = _boost_terms(boosts)
    keyset, keyset_params = "", []
    if after is not None:
        keyset = " WHERE score < ? OR (score = ? AND id < ?)"
        keyset_params = [after[0], after[0], after[1]]
    ranked, ranked_params = "", []
    if rank_matches_only:
        ranked, ranked_params = f" AND +rowid IN ({text[0]})", text[1]
    rows = db.all(
        "WITH text_scores(id, score) AS MATERIALIZED ("
        f"SELECT rowid, -bm25(products_terms, {', '.join(map(str, TERM_WEIGHTS))})"
        f" FROM products_terms WHERE products_terms MATCH ?{ranked})"
        " SELECT id, score, matches FROM ("
        "SELECT id, score, count(*) OVER () AS matches FROM ("
        "SELECT p.id AS id,"
        " coalesce((SELECT t.score FROM text_scores t WHERE t.id = p.id), 0.0)"
        f" {boost_sql} AS score {matching})){keyset}"
        " ORDER BY score DESC, id DESC LIMIT ?",
        [
            ranking_query,
            *ranked_params,
            *boost_params,
            *text[1],
            *params,
            *keyset_params,
            limit,
        ],
    )
    if rows:
        total = int(rows[0][2])
    elif after is None:
        total = 0
    else:
        # Past the last match the window has no row to count on: counted on its own.
        total = int(db.scalar(f"SELECT COUNT(*) {matching}", [*text[1], *params]))
    return [(row[0], row[1]) for row in rows], total


def _boost_terms(boosts: Boosts) -> tuple[str, list[Any]]:
    """The boosts as SQL added to a product's BM25 (`p` is the product), and their
    parameters. Names holding the query's start or two neighbouring terms are found by the
    substring indexes, each read once for the statement."""
    sql = ""
    params: list[Any] = []

    def add(condition: str, condition_params: list[Any], weight: float) -> None:
        nonlocal sql
        sql += f" + (CASE WHEN {condition} THEN ? ELSE 0.0 END)"
        params.extend([*condition_params, weight])

    if boosts.brands:
        add(f"p.brand IN ({marks(boosts.brands)})", list(boosts.brands), boosts.brand)
    if boosts.prefix:
        add(*_name_holds(boosts.prefix, at_start=True), boosts.title_prefix)
    for joined in boosts.neighbours:
        add(*_name_holds(joined), boosts.together)
    add("p.stock > 0", [], boosts.in_stock)
    sql += " + ? * log10(1 + p.sales)"
    params.append(boosts.sales)
    return sql, params


def _name_holds(text: str, *, at_start: bool = False) -> tuple[str, list[Any]]:
    """SQL true when product `p`'s name holds `text` as written (with `at_start`, begins
    with it: an FTS5 initial-token query), and its parameter."""
    table, phrase = substring_index(text)
    column_query = f"name : ^ {phrase}" if at_start else f"name : {phrase}"
    return f"p.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)", [column_query]


# ---- history ------------------------------------------------------------------------------


def record_search(db: Database, user_id: int, q: str, at: float, keep: int) -> None:
    # Deleted and inserted again rather than updated: a new rowid puts it first even
    # among searches recorded in the same instant.
    db.execute("DELETE FROM search_history WHERE user_id = ? AND q = ?", (user_id, q))
    db.execute(
        "INSERT INTO search_history(user_id, q, searched_at) VALUES (?, ?, ?)", (user_id, q, at)
    )
    db.execute(
        "DELETE FROM search_history WHERE user_id = ? AND q NOT IN (SELECT q FROM"
        " search_history WHERE user_id = ? ORDER BY searched_at DESC, rowid DESC LIMIT ?)",
        (user_id, user_id, keep),
    )


def search_history(db: Database, user_id: int, limit: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT q, searched_at FROM search_history WHERE user_id = ?"
        " ORDER BY searched_at DESC, rowid DESC LIMIT ?",
        (user_id, limit),
    )


def clear_search_history(db: Database, user_id: int) -> None:
    db.execute("DELETE FROM search_history WHERE user_id = ?", (user_id,))


def category_names(db: Database) -> list[sqlite3.Row]:
    return db.all("SELECT id, parent_id, name_zh, name_en FROM categories")
