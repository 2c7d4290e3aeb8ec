"""Search as Chinese shoppers type (SPEC §7.6): the term index and vocabulary kept in step
with the catalogue, what a query's terms match, the relevance order, suggestions, and
each user's last searches. How text is cut and spelled is services/search_text.py.

Relevance (`sort=relevance`, the default with a query) is BM25 over the product's words,
brand, category and pinyin, plus boosts:
- the brand asked for (+2): who types 华为 wants Huawei's goods before the cases that fit
  them, which mention 华为 in their names as often;
- two terms typed one after the other standing together in the name (+1 a pair): 纯棉t恤
  means 纯棉T恤 before 重磅纯棉圆领T恤, whose shorter words BM25 otherwise prefers;
- the name starting with the first term (+1.5): the product called what was typed;
- in stock (+4): what can be bought now comes before what cannot, whatever brand or
  title says (a sold-out listing second for 创意工坊保温杯 was seen walking it);
- sales (+0.3 per tenfold): among equals, what others chose; a logarithm, so that a
  best-seller never buries a closer match.
"""

from __future__ import annotations

import bisect
import logging
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import field_error
from fake_backend.services import search_text
from fake_backend.services.search_text import Term
from fake_backend.storage import catalogue as catalogue_store
from fake_backend.storage import search as store
from fake_backend.storage.catalogue import PINYIN_EXACT_UP_TO, ProductFilter, TextTerm
from fake_backend.storage.db import Database

HISTORY_KEPT = 10
MAX_SUGGESTIONS = 20
DEFAULT_SUGGESTIONS = 8
MAX_HISTORY_QUERY = 100
INDEX_BATCH = 2000

BRAND_BOOST = 2.0
TOGETHER_BOOST = 1.0
TITLE_PREFIX_BOOST = 1.5
IN_STOCK_BOOST = 4.0
SALES_BOOST = 0.3


class Suggestion(TypedDict):
    text: str
    kind: str
    count: int


class SuggestionList(TypedDict):
    items: list[Suggestion]
    closest: bool


class HistoryEntry(TypedDict):
    q: str
    searched_at: str | None


class HistoryList(TypedDict):
    items: list[HistoryEntry]


@dataclass(frozen=True)
class _Catalogue:
    """What reading a query needs of the catalogue, read once per vocabulary version."""

    version: str
    vocabulary: dict[str, int]
    # normalized brand -> (full pinyin, initials), from the vocabulary
    brand_spellings: dict[str, tuple[str, str]]
    char_spellings: dict[str, str]
    # every Chinese word's full pinyin and initials, and the same sorted (for prefixes),
    # with the vocabulary's words sorted beside them
    spellings: frozenset[str]
    sorted_spellings: tuple[str, ...]
    sorted_words: tuple[str, ...]
    # (normalized zh name, the words of the normalized en name, the category and its
    # descendants): the words as a query's are split (t-shirts: t, shirts)
    categories: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...]
    # normalized brand -> the brand as stored
    brands: dict[str, str]


log = logging.getLogger("fake_backend")
_catalogues: weakref.WeakKeyDictionary[Database, _Catalogue] = weakref.WeakKeyDictionary()


def warm(ctx: Ctx) -> None:
    """Reads what reading a query needs before the first search does (the first keystroke
    of a session paid it: 13 ms on 100 000 products). A failure is only logged: the first
    search reads it again and says what is wrong."""
    try:
        _catalogue(ctx.db)
    except Exception:
        log.exception("reading the search vocabulary at start failed")


def _catalogue(db: Database) -> _Catalogue:
    version = store.vocabulary_version(db)
    known = _catalogues.get(db)
    if known is not None and known.version == version:
        return known
    rows = store.category_names(db)
    children: dict[int | None, list[int]] = defaultdict(list)
    for row in rows:
        children[row["parent_id"]].append(row["id"])

    def below(category_id: int) -> tuple[int, ...]:
        found, pending = [], [category_id]
        while pending:
            current = pending.pop()
            found.append(current)
            pending += children.get(current, [])
        return tuple(sorted(found))

    words = store.vocabulary(db)
    spelled = {row[key] for row in words for key in ("pinyin", "initials") if row[key]}
    catalogue = _Catalogue(
        version=version,
        vocabulary={row["word"]: row["products"] for row in words},
        brand_spellings={
            row["word"]: (row["pinyin"], row["initials"]) for row in words if row["kind"] == "brand"
        },
        char_spellings=store.char_spellings(db),
        spellings=frozenset(spelled),
        sorted_spellings=tuple(sorted(spelled)),
        sorted_words=tuple(sorted(row["word"] for row in words)),
        categories=tuple(
            (
                search_text.normalize(row["name_zh"]),
                tuple(search_text.CHUNK.findall(search_text.normalize(row["name_en"]))),
                below(row["id"]),
            )
            for row in rows
        ),
        brands={search_text.normalize(brand): brand for brand in store.brands(db)},
    )
    _catalogues[db] = catalogue
    return catalogue


# ---- keeping the index ----------------------------------------------------------------------


def index_new_products(ctx: Ctx) -> int:
    """Indexes the products products_terms lacks and rebuilds the vocabulary; answers how
    many were indexed. Seeding calls it after adding products."""
    return _index(ctx.db, only_missing=True)


def reindex(ctx: Ctx) -> int:
    """Rebuilds the whole term index and vocabulary from the products."""
    return _index(ctx.db, only_missing=False)


def ensure_index(ctx: Ctx) -> None:
    """A database made before search had terms (or grown by an older seeder) is indexed
    once, on start."""
    if store.unindexed_product_count(ctx.db) or not store.vocabulary_version(ctx.db):
        index_new_products(ctx)


def _index(db: Database, *, only_missing: bool) -> int:
    category_words = _category_words(db)
    indexed = 0
    with db.tx():
        if not only_missing:
            store.clear_index(db)
        present = store.indexed_product_ids(db) if only_missing else set()
        after = 0
        while rows := store.products_to_index(db, after, INDEX_BATCH):
            after = rows[-1]["id"]
            batch = []
            for row in rows:
                if row["id"] in present:
                    continue
                text = search_text.indexed_text(
                    row["name"], row["brand"], category_words.get(row["category_id"], ())
                )
                batch.append((row["id"], text.words, text.brand, text.category, text.pinyin))
            store.index_products(db, batch)
            indexed += len(batch)
        words, chars = _vocabulary_rows(db, category_words)
        store.replace_vocabulary(db, words, chars)
        # Searched with the vocabulary just written: a query is cut into its words.
        store.set_finds(db, [(_count(db, row[0]), row[0]) for row in words])
    return indexed


def _category_words(db: Database) -> dict[int, tuple[str, ...]]:
    """Each category's names with its ancestors' (a cup is also 厨房 and 家居)."""
    rows = {row["id"]: row for row in store.category_names(db)}
    names: dict[int, tuple[str, ...]] = {}
    for category_id in rows:
        found: list[str] = []
        current = rows.get(category_id)
        while current is not None:
            found += [current["name_zh"], current["name_en"]]
            current = rows.get(current["parent_id"])
        names[category_id] = tuple(found)
    return names


def _vocabulary_rows(
    db: Database, category_words: dict[int, tuple[str, ...]]
) -> tuple[list[tuple[str, str, str, str, int, int, bool]], list[tuple[str, str]]]:
    """(word, kind, pinyin, initials, products, sales, suggested) for every brand, category
    name and word of a product name; and (char, pinyin) for every ideograph of names and
    brands. A word is suggested when jieba's ordinary cut of a name gives it: its search
    cut also gives the words inside longer ones, some of them no word to offer (算机 of
    计算机, 衣裙 of 连衣裙), which still cut queries the way the index was cut."""
    kinds: dict[str, str] = {}
    chars: set[str] = set()
    products: dict[str, int] = defaultdict(int)
    sales: dict[str, int] = defaultdict(int)
    offered: set[str] = set()
    after = 0
    while rows := store.products_to_index(db, after, INDEX_BATCH):
        after = rows[-1]["id"]
        for row in rows:
            chars.update(
                char for char in row["name"] + row["brand"] if search_text.is_ideograph(char)
            )
            offered.update(search_text.plain_words(row["name"]))
            entries: dict[str, str] = {}
            for word in search_text.words_of(row["name"]):
                if len(word) >= 2:
                    entries.setdefault(word, "word")
            for name in category_words.get(row["category_id"], ()):
                entries[search_text.normalize(name)] = "category"
            entries[search_text.normalize(row["brand"])] = "brand"
            for word, kind in entries.items():
                # A brand or category stays one, whatever else its word is.
                if kinds.get(word) in (None, "word"):
                    kinds[word] = kind
                products[word] += 1
                sales[word] += row["sales"]
    out = []
    for word, kind in kinds.items():
        full, initials = search_text.pinyin_of(word)
        suggested = kind != "word" or word in offered
        out.append((word, kind, full, initials, products[word], sales[word], suggested))
    spellings = [(char, search_text.pinyin_of(char)[0]) for char in sorted(chars)]
    return out, spellings


# ---- reading a query ------------------------------------------------------------------------


def query_terms(db: Database, q: str | None) -> list[Term]:
    """The terms of `q`; a run of letters that neither starts a word of the catalogue nor
    the pinyin of one is read as pinyin words typed together (huaweishouji → huawei,
    shouji)."""
    if not q:
        return []
    catalogue = _catalogue(db)
    terms: list[Term] = []
    for term in search_text.query_terms(q, catalogue.vocabulary):
        pieces: list[str] = []
        if term.pinyin and not (
            _starts_any(catalogue.sorted_words, term.text)
            or _starts_any(catalogue.sorted_spellings, term.text)
        ):
            pieces = search_text.split_pinyin(
                term.text,
                catalogue.spellings,
                lambda piece: _starts_any(catalogue.sorted_spellings, piece),
            )
        for text in pieces or [term.text]:
            if Term(text) not in terms:
                terms.append(Term(text))
    return terms[: search_text.MAX_TERMS]


def _starts_any(sorted_texts: Sequence[str], prefix: str) -> bool:
    at = bisect.bisect_left(sorted_texts, prefix)
    return at < len(sorted_texts) and sorted_texts[at].startswith(prefix)


def text_terms(db: Database, terms: Sequence[Term]) -> tuple[TextTerm, ...]:
    """The terms as the SQL looks for them: with the categories whose names hold each."""
    catalogue = _catalogue(db)
    out = []
    for term in terms:
        category_ids: list[int] = []
        for name_zh, en_words, ids in catalogue.categories:
            # English at a word's start (phone is Phones, not Headphones), from two letters
            # on: b would be Beauty, Bedding and Books, a third of the shop.
            if term.text in name_zh or (
                len(term.text) >= 2 and any(word.startswith(term.text) for word in en_words)
            ):
                category_ids += ids
        out.append(
            TextTerm(
                text=term.text,
                category_ids=tuple(sorted(set(category_ids))),
                pinyin=term.pinyin,
            )
        )
    return tuple(out)


def boosts(ctx: Ctx, terms: Sequence[Term]) -> store.Boosts:
    catalogue = _catalogue(ctx.db)
    brands = [
        stored
        for normalized, stored in catalogue.brands.items()
        if any(
            term.text in normalized
            or (
                term.pinyin
                and any(
                    spelling.startswith(term.text)
                    for spelling in catalogue.brand_spellings.get(normalized, ())
                    if spelling
                )
            )
            for term in terms
        )
    ]
    return store.Boosts(
        brands=tuple(sorted(brands)),
        brand=BRAND_BOOST,
        neighbours=tuple(
            first.text + second.text
            for first, second in zip(terms, terms[1:], strict=False)
            if not (first.pinyin or second.pinyin)
        ),
        together=TOGETHER_BOOST,
        prefix=terms[0].text if terms else "",
        title_prefix=TITLE_PREFIX_BOOST,
        in_stock=IN_STOCK_BOOST,
        sales=SALES_BOOST,
    )


def ranking_query(terms: Sequence[Term]) -> str:
    """The FTS5 query BM25 ranks by: every term as a word or the start of one. Products
    that hold a term only inside a word (温杯 in 保温杯) match without this credit; and
    BM25 is computed for the few products holding all the words, not for every product
    holding any (21 053 rows to answer 851 for 保温杯送礼)."""
    return " AND ".join(_ranked(term) for term in terms)


def _ranked(term: Term) -> str:
    """A term as BM25 looks for it: a word, or the start of one when the term has two
    characters or more (one letter starts a third of all words: t took 55 ms)."""
    phrase = '"' + term.text.replace('"', '""') + '"'
    return phrase + "*" if len(term.text) > PINYIN_EXACT_UP_TO else phrase


def relevance_page(
    ctx: Ctx,
    product_filter: ProductFilter,
    terms: Sequence[Term],
    after: tuple[float, int] | None,
    limit: int,
) -> tuple[list[tuple[int, float]], int]:
    """A page of (id, score) in relevance order, and the number of matches."""
    return store.relevance_page(
        ctx.db,
        product_filter,
        ranking_query(terms),
        boosts(ctx, terms),
        after,
        limit,
        rank_matches_only=any(_ranked_beyond_matches(term) for term in terms),
    )


def _ranked_beyond_matches(term: Term) -> bool:
    """A single letter matches only as written (not as pinyin: `MIN_PINYIN_TERM`), but its
    ranking phrase also finds it among the pinyin initials of a quarter of the catalogue:
    b is in the pinyin of 13 695 products and written in 1 142, whose BM25 is all that
    counts (the 26 letters on 100 000 products: 316 -> 205 ms in all, j 36 -> 9 ms)."""
    return not term.pinyin and search_text.LETTERS.fullmatch(term.text) is not None


def highlights(ctx: Ctx, names: Sequence[str], terms: Sequence[Term]) -> list[list[list[int]]]:
    """The matched spans of each name. The spellings are looked up once for the page (a
    lookup per name asked the database whether the index changed twenty times a page)."""
    spellings = _catalogue(ctx.db).char_spellings
    return [
        [[start, end] for start, end in search_text.highlights(name, terms, spellings)]
        for name in names
    ]


# ---- suggestions ----------------------------------------------------------------------------


def suggest(ctx: Ctx, q: str, limit: int = DEFAULT_SUGGESTIONS) -> SuggestionList:
    """Completions of what was typed, or, when it finds nothing, the closest searches that
    find something (SPEC §7.6; docs/api.md)."""
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise field_error(
            "limit", "too_small" if limit < 1 else "too_large", min=1, max=MAX_SUGGESTIONS
        )
    terms = query_terms(ctx.db, q)
    if not terms:
        return {"items": [], "closest": False}
    *before, last = terms
    prefix = last.text
    rows = store.completions(ctx.db, prefix, limit * 2)
    if search_text.LETTERS.fullmatch(prefix):
        seen = {row["word"] for row in rows}
        rows += [
            row
            for row in store.pinyin_completions(ctx.db, prefix, limit * 2)
            if row["word"] not in seen
        ]
    items: list[Suggestion] = []
    lead = " ".join(term.text for term in before)
    typed = " ".join(term.text for term in terms)
    for row in rows:
        text = f"{lead} {row['word']}" if lead else row["word"]
        # What was typed already is no suggestion.
        if text == typed or any(item["text"] == text for item in items):
            continue
        count = row["finds"] if not before else _count(ctx.db, text)
        if count:
            items.append({"text": text, "kind": row["kind"], "count": count})
    items = _without_echoes(items)[:limit]
    if items or _matches_any(ctx.db, q):
        return {"items": items, "closest": False}
    return {"items": _closest(ctx, terms, limit), "closest": True}


def _without_echoes(items: list[Suggestion]) -> list[Suggestion]:
    """Leaves out a suggestion that a longer one starts with and finds the same products
    (保温 beside 保温杯, both 12): a second row that changes nothing."""
    return [
        item
        for item in items
        if not any(
            other["text"] != item["text"]
            and other["text"].startswith(item["text"])
            and other["count"] == item["count"]
            for other in items
        )
    ]


def _matches_any(db: Database, q: str) -> bool:
    terms = query_terms(db, q)
    if not terms:
        return False
    return catalogue_store.any_product(db, ProductFilter(terms=text_terms(db, terms)))


def _count(db: Database, q: str) -> int:
    """How many products a search for `q` finds."""
    terms = query_terms(db, q)
    if not terms:
        return 0
    return catalogue_store.count_products(db, ProductFilter(terms=text_terms(db, terms)))


def _closest(ctx: Ctx, terms: Sequence[Term], limit: int) -> list[Suggestion]:
    """Searches near one that found nothing: the query with one term left out, then each
    term alone, then the pinyin of its Chinese words; each only if it finds something.
    When none does, the longest pieces of the longest Chinese term that find something
    (温杯子不存在 → 温杯: a typo or a word the shop lacks, around one it has)."""
    candidates: list[str] = []
    if len(terms) > 1:
        for left_out in range(len(terms) - 1, -1, -1):
            candidates.append(" ".join(t.text for i, t in enumerate(terms) if i != left_out))
    candidates += [term.text for term in terms]
    spellings = _catalogue(ctx.db).char_spellings
    for term in terms:
        full = "".join(spellings.get(char, "") for char in term.text)
        if full and all(char in spellings for char in term.text):
            candidates += [row["word"] for row in store.pinyin_completions(ctx.db, full[:6], limit)]
    items: list[Suggestion] = []
    for text in dict.fromkeys(candidates):
        count = _count(ctx.db, text)
        if count:
            items.append({"text": text, "kind": "word", "count": count})
        if len(items) == limit:
            break
    chinese = [term.text for term in terms if any(map(search_text.is_ideograph, term.text))]
    if not items and chinese:
        # Pieces of Latin nonsense (zzzqqq → zz, initials of anything) help nobody.
        items = _pieces_that_find(ctx, max(chinese, key=len), limit)
    return _without_echoes(items)


CLOSEST_PIECES_TRIED = 24


def _pieces_that_find(ctx: Ctx, text: str, limit: int) -> list[Suggestion]:
    tried = 0
    for length in range(len(text) - 1, 1, -1):
        items: list[Suggestion] = []
        for start in range(len(text) - length + 1):
            tried += 1
            if tried > CLOSEST_PIECES_TRIED:
                return items
            piece = text[start : start + length]
            count = _count(ctx.db, piece)
            if count and all(item["text"] != piece for item in items):
                items.append({"text": piece, "kind": "word", "count": count})
        if items:
            return items[:limit]
    return []


# ---- history --------------------------------------------------------------------------------


def record(ctx: Ctx, user_id: int, q: str) -> None:
    text = " ".join(q.split())
    text = "".join(char for char in text if char.isprintable())
    if not text:
        raise field_error("q", "required")
    if len(text) > MAX_HISTORY_QUERY:
        raise field_error("q", "too_long")
    with ctx.db.tx():
        store.record_search(ctx.db, user_id, text, ctx.clock.now(), HISTORY_KEPT)


def history(ctx: Ctx, user_id: int) -> HistoryList:
    return {
        "items": [
            {"q": row["q"], "searched_at": iso(row["searched_at"])}
            for row in store.search_history(ctx.db, user_id, HISTORY_KEPT)
        ]
    }


def clear_history(ctx: Ctx, user_id: int) -> None:
    with ctx.db.tx():
        store.clear_search_history(ctx.db, user_id)
