"""SQL of the catalogue: categories, brands, product search, SKUs, images and reviews.

Search (measured on 100 000 products by bench/search_api.py): a product matches when every
term of the query does. A term matches a substring of the name or brand: of three or more
characters it is looked up in the trigram index `products_fts`, a shorter one in
`products_chars` (one token per character, phrase-matched: exactly LIKE's substrings, but
indexed); or the product's category (the categories whose names hold the term, found by the
caller); or, for a term of letters, the start of a pinyin token in `products_terms`
(storage/search.py). The filters and sort keys live in covering indexes (see the schema), so a
search touches product rows only for the page it returns. The page itself is found one of
two ways, chosen by the number of matches: few matches are sorted (walking a sort index
would cross most of the catalogue to find them); many are found by walking the sort's
index, where the first page is a few hundred entries away.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fake_backend.storage.db import Database

# sort -> (column, direction, the index that holds that order)
SORTS: dict[str, tuple[str, str, str]] = {
    "sales_desc": ("sales", "DESC", "products_sales"),
    "sales_asc": ("sales", "ASC", "products_sales"),
    "price_asc": ("price_fen", "ASC", "products_price"),
    "price_desc": ("price_fen", "DESC", "products_price"),
    "newest": ("created_at", "DESC", "products_new"),
}

# Up to this many matches, sorting them beats walking a sort index past non-matches.
SORT_MATCHES_UP_TO = 20_000
SHORT_WORD = 3  # words shorter than this go to products_chars
PINYIN_EXACT_UP_TO = 2  # pinyin terms this short match whole spellings only

SUMMARY_COLUMNS = (
    "p.id, p.name, p.brand, p.category_id, p.price_fen, p.price_varies, p.original_price_fen,"
    " p.sales, p.stock, p.rating, p.review_count, p.returnable, p.kind, p.created_at,"
    " (SELECT image_id FROM product_images i WHERE i.product_id = p.id"
    " ORDER BY i.position LIMIT 1) AS image_id"
)


@dataclass(frozen=True)
class TextTerm:
    """One query term, as the SQL looks for it."""

    text: str
    category_ids: tuple[int, ...] = ()  # categories (with descendants) whose name holds it
    pinyin: bool = False  # also the start of a pinyin token


@dataclass(frozen=True)
class ProductFilter:
    """What a product list is narrowed by; every part must hold (AND)."""

    terms: tuple[TextTerm, ...] = ()
    category_ids: tuple[int, ...] | None = None
    brand: str | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    in_stock: bool = False


def categories(db: Database) -> list[sqlite3.Row]:
    return db.all("SELECT id, parent_id, name_zh, name_en FROM categories ORDER BY position, id")


def product_counts_by_category(db: Database) -> dict[int, int]:
    rows = db.all("SELECT category_id, COUNT(*) AS n FROM products GROUP BY category_id")
    return {row["category_id"]: row["n"] for row in rows}


def brand_counts(db: Database, category_ids: Sequence[int] | None) -> list[sqlite3.Row]:
    where, params = "", list(category_ids or ())
    if category_ids is not None:
        where = f"WHERE category_id IN ({marks(category_ids)})"
    return db.all(
        f"SELECT brand AS name, COUNT(*) AS product_count FROM products {where}"
        " GROUP BY brand ORDER BY product_count DESC, brand",
        params,
    )


def count_products(db: Database, product_filter: ProductFilter) -> int:
    source, params = _passing(product_filter, in_list=False)
    return int(db.scalar(f"SELECT COUNT(*) FROM {source}", params))


def any_product(db: Database, product_filter: ProductFilter) -> bool:
    """Whether any product passes the filter: the first match answers (手机: 0.1 ms
    against 4.8 ms to count its 4 545)."""
    source, params = _passing(product_filter, in_list=True)
    return bool(db.scalar(f"SELECT EXISTS (SELECT 1 FROM {source})", params))


def _passing(product_filter: ProductFilter, *, in_list: bool) -> tuple[str, list[Any]]:
    """What to select the products passing the filter FROM (with its WHERE), and its
    parameters; words alone are their text match, which reads no product's row.
    `in_list`: as `text_matches` (the caller minds no repeated id)."""
    text = text_matches(product_filter.terms, in_list=in_list)
    clauses, params = facet_clauses(product_filter, after_text=text is not None)
    if text is None:
        return f"products p{_where(clauses)}", params
    if not clauses:
        return f"({text[0]})", text[1]
    clauses.insert(0, f"p.id IN ({text[0]})")
    return f"products p INDEXED BY products_facets{_where(clauses)}", [*text[1], *params]


def product_page(
    db: Database,
    product_filter: ProductFilter,
    sort: str,
    after: tuple[float, int] | None,
    limit: int,
    matches: int,
) -> list[sqlite3.Row]:
    """Up to `limit` products after the keyset `after` (sort value, id), in `sort` order.

    `matches`, the filter's total, picks the plan (see the module's docstring).
    """
    column, direction, index = SORTS[sort]
    text = text_matches(product_filter.terms, in_list=True)
    walk = matches > SORT_MATCHES_UP_TO
    clauses, params = facet_clauses(product_filter, after_text=text is not None and not walk)
    if text is not None:
        clauses.insert(0, f"p.id IN ({text[0]})")
        params[:0] = text[1]
    if after is not None:
        clauses.append(f"(p.{column}, p.id) {'<' if direction == 'DESC' else '>'} (?, ?)")
        params.extend(after)
    if walk:
        source, order = f"products p INDEXED BY {index}", f"p.{column}"
    else:
        # A unary + keeps the planner off the sort index: it starts from the filter.
        source = "products p INDEXED BY products_facets" if text is not None else "products p"
        order = f"+p.{column}"
    ids = [
        row[0]
        for row in db.all(
            f"SELECT p.id FROM {source}{_where(clauses)}"
            f" ORDER BY {order} {direction}, p.id {direction} LIMIT ?",
            [*params, limit],
        )
    ]
    return products_by_id(db, ids)


def products_by_id(db: Database, ids: Sequence[int]) -> list[sqlite3.Row]:
    """The summary rows of `ids`, in that order."""
    if not ids:
        return []
    rows = {
        row["id"]: row
        for row in db.all(
            f"SELECT {SUMMARY_COLUMNS} FROM products p WHERE p.id IN ({marks(ids)})", list(ids)
        )
    }
    return [rows[product_id] for product_id in ids if product_id in rows]


def product(db: Database, product_id: int) -> sqlite3.Row | None:
    return db.one(
        f"SELECT {SUMMARY_COLUMNS}, p.description, p.return_window_days,"
        " p.non_returnable_reason, p.promotions FROM products p WHERE p.id = ?",
        (product_id,),
    )


def skus(db: Database, product_id: int) -> list[sqlite3.Row]:
    return db.all(
        "SELECT id, specs, price_fen, stock FROM skus WHERE product_id = ? ORDER BY id",
        (product_id,),
    )


def image_ids(db: Database, product_id: int) -> list[int]:
    rows = db.all(
        "SELECT image_id FROM product_images WHERE product_id = ? ORDER BY position",
        (product_id,),
    )
    return [row["image_id"] for row in rows]


def first_image_ids(db: Database, product_ids: Sequence[int]) -> dict[int, int]:
    if not product_ids:
        return {}
    rows = db.all(
        "SELECT product_id, image_id FROM product_images i WHERE product_id IN"
        f" ({marks(product_ids)}) AND position = (SELECT MIN(position) FROM product_images k"
        " WHERE k.product_id = i.product_id)",
        list(product_ids),
    )
    return {row["product_id"]: row["image_id"] for row in rows}


def image_png(db: Database, image_id: int) -> bytes | None:
    png = db.scalar("SELECT png FROM images WHERE id = ?", (image_id,))
    return None if png is None else bytes(png)


def review_page(
    db: Database, product_id: int, after: tuple[float, int] | None, limit: int
) -> list[sqlite3.Row]:
    keyset, params = "", list[Any]([product_id])
    if after is not None:
        keyset = " AND (created_at, id) < (?, ?)"
        params.extend(after)
    return db.all(
        "SELECT id, author, rating, text, specs, created_at FROM reviews"
        f" WHERE product_id = ?{keyset} ORDER BY created_at DESC, id DESC LIMIT ?",
        [*params, limit],
    )


def rating_breakdown(db: Database, product_id: int) -> dict[int, int]:
    rows = db.all(
        "SELECT rating, COUNT(*) AS n FROM reviews WHERE product_id = ? GROUP BY rating",
        (product_id,),
    )
    return {row["rating"]: row["n"] for row in rows}


def index_short_words(db: Database, products: Iterable[tuple[int, str, str]]) -> None:
    """Adds (id, name, brand) rows to `products_chars`; call it for every new product."""
    db.executemany(
        "INSERT INTO products_chars(rowid, name, brand) VALUES (?, ?, ?)",
        [
            (product_id, char_tokens(name), char_tokens(brand))
            for product_id, name, brand in products
        ],
    )


def char_tokens(text: str) -> str:
    """`T恤` → `2s jez`: each (lower-cased) character as one token, its code point in base 36,
    so spaces and brackets are tokens too and a phrase matches exactly a substring."""
    return " ".join(_char_token(char) for char in "".join(c.lower() for c in text))


@functools.cache
def _char_token(char: str) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    number, out = ord(char), ""
    while True:
        number, digit = divmod(number, 36)
        out = digits[digit] + out
        if not number:
            return out


def text_matches(
    terms: Sequence[TextTerm], *, in_list: bool = False
) -> tuple[str, list[Any]] | None:
    """A `SELECT rowid` of the products every term matches, or None without terms.

    Terms that can only match as written go into one FTS5 query per index (`"a" AND
    "b"`), which walks the rarest term's list first; a term with other ways to match (a
    category, pinyin) is its own UNION, intersected with the rest. With `in_list` the
    caller only asks `id IN (...)`, which ignores a repeated id: a term's ways are then a
    UNION ALL, sparing SQLite a temporary B-tree that removed the repeats (1.5 ms of the
    14 714 matches of `sj`)."""
    selects: list[str] = []
    params: list[Any] = []
    long_words = [t.text for t in terms if _written_only(t) and len(t.text) >= SHORT_WORD]
    short_words = [t.text for t in terms if _written_only(t) and len(t.text) < SHORT_WORD]
    if long_words:
        selects.append("SELECT rowid AS id FROM products_fts WHERE products_fts MATCH ?")
        params.append(" AND ".join(phrase_of(word) for word in long_words))
    if short_words:
        selects.append("SELECT rowid AS id FROM products_chars WHERE products_chars MATCH ?")
        params.append(" AND ".join(phrase_of(char_tokens(word)) for word in short_words))
    for term in terms:
        if _written_only(term):
            continue
        ways, way_params = _term_ways(term)
        selects.append(f"SELECT id FROM ({(' UNION ALL ' if in_list else ' UNION ').join(ways)})")
        params += way_params
    return (" INTERSECT ".join(selects), params) if selects else None


def _written_only(term: TextTerm) -> bool:
    # A NUL would cut the trigram query short: such a term goes to the character index.
    return not term.category_ids and not term.pinyin and "\x00" not in term.text


def substring_index(text: str) -> tuple[str, str]:
    """The index that finds `text` as written, and the FTS5 phrase to ask it: the trigram
    index from three characters on, the character index below (and for a NUL, which would
    cut a trigram query short; the character index takes any text)."""
    if len(text) >= SHORT_WORD and "\x00" not in text:
        return "products_fts", phrase_of(text)
    return "products_chars", phrase_of(char_tokens(text))


def _term_ways(term: TextTerm) -> tuple[list[str], list[Any]]:
    """The `SELECT ... AS id` of each way `term` can match, and their parameters."""
    table, phrase = substring_index(term.text)
    ways = [f"SELECT rowid AS id FROM {table} WHERE {table} MATCH ?"]
    params: list[Any] = [phrase]
    if term.category_ids:
        ways.append(
            "SELECT id FROM products INDEXED BY products_category"
            f" WHERE category_id IN ({marks(term.category_ids)})"
        )
        params += term.category_ids
    if term.pinyin:
        ways.append("SELECT rowid AS id FROM products_terms WHERE products_terms MATCH ?")
        # Two letters are a word's initials or a whole syllable (hw, sj, ba), not the start
        # of every spelling that begins so (ba* is bai, ban, bao…: a third of the shop).
        prefix = "*" if len(term.text) > PINYIN_EXACT_UP_TO else ""
        params.append(f"pinyin : {phrase_of(term.text)}{prefix}")
    return ways, params


def facet_clauses(
    product_filter: ProductFilter, *, after_text: bool
) -> tuple[list[str], list[Any]]:
    """WHERE terms of the non-text filters. `after_text`: the text matches drive the query,
    so these are checked on each match (+) rather than used to seek an index."""
    plus = "+" if after_text else ""
    clauses: list[str] = []
    params: list[Any] = []
    if product_filter.category_ids is not None:
        clauses.append(f"{plus}p.category_id IN ({marks(product_filter.category_ids)})")
        params.extend(product_filter.category_ids)
    if product_filter.brand is not None:
        clauses.append(f"{plus}p.brand = ?")
        params.append(product_filter.brand)
    if product_filter.price_min_fen is not None:
        clauses.append(f"{plus}p.price_fen >= ?")
        params.append(product_filter.price_min_fen)
    if product_filter.price_max_fen is not None:
        clauses.append(f"{plus}p.price_fen <= ?")
        params.append(product_filter.price_max_fen)
    if product_filter.in_stock:
        clauses.append("p.stock > 0")
    return clauses, params


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


def phrase_of(text: str) -> str:
    """An FTS5 string: the text taken literally, whatever operators it contains."""
    return '"' + text.replace('"', '""') + '"'


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))
