"""How search reads text: the terms of a query, the tokens a product is indexed under, and
which parts of a name a query matched. Pure functions, no SQL (storage/search.py).

Product text is cut into words by jieba (the field's standard segmenter: a 350 000-word
dictionary with frequencies, deterministic, pure Python, offline) and each Chinese word is
written in pinyin by pypinyin, full and initials. Queries are cut differently: not by
jieba, but against the catalogue's own vocabulary (the words jieba cut from it, with the
brands and category names), so a query splits into exactly the words the index holds,
with no 9 MB dictionary to load before the first search answers. A query term then
matches a product when it is a substring of its name, brand or category, whatever the
segmentation, or when a term of letters is the start of the pinyin of one of its words.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

# One run of letters, digits and ideographs; anything else (spaces, punctuation, emoji,
# FTS operators, quotes) separates terms and is never searched for.
CHUNK = re.compile(r"[^\W_]+")
LETTERS = re.compile(r"[a-z]+")
MAX_TERMS = 8  # more words than this narrow nothing a shopper means; the rest are dropped
MIN_PINYIN_TERM = 2  # a single letter is the initial of too many words to mean one
UNKNOWN_CHAR_COST = 1.5  # a character outside the vocabulary costs more than a word


@dataclass(frozen=True)
class Term:
    """One word of a query: `text` must appear in the product (or, when `pinyin`, may
    instead start the pinyin of one of its words)."""

    text: str

    @property
    def pinyin(self) -> bool:
        return len(self.text) >= MIN_PINYIN_TERM and LETTERS.fullmatch(self.text) is not None


@dataclass(frozen=True)
class IndexedText:
    """What products_terms holds for one product, each field space-separated tokens."""

    words: str
    brand: str
    category: str
    pinyin: str


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, control characters gone."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if unicodedata.category(char)[0] != "C")


def is_ideograph(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


# ---- queries ------------------------------------------------------------------------------


def query_terms(query: str, vocabulary: Mapping[str, int]) -> list[Term]:
    """The terms a query asks for, in the order typed, each once. `vocabulary` maps the
    catalogue's words to how many products hold them."""
    terms: list[Term] = []
    for chunk in CHUNK.findall(normalize(query)):
        for text in segment(chunk, vocabulary):
            term = Term(text)
            if term not in terms:
                terms.append(term)
    return terms[:MAX_TERMS]


def segment(chunk: str, vocabulary: Mapping[str, int]) -> list[str]:
    """`chunk` cut into the fewest vocabulary words (ties: the more common words), a run
    of letters and digits kept whole, and characters the vocabulary lacks kept together:
    `创意工坊保温杯` → 创意 工坊 保温杯; `huawei耳机` → huawei 耳机."""
    longest = max((len(word) for word in vocabulary), default=1)
    # best[i]: (cost, -commonness, pieces) of the cheapest cut of chunk[:i]; a piece is
    # (text, whether the vocabulary or a run of letters vouches for it)
    best: list[tuple[float, int, tuple[tuple[str, bool], ...]]] = [(0.0, 0, ())]
    for end in range(1, len(chunk) + 1):
        options = []
        for start in range(max(0, end - longest), end):
            word = chunk[start:end]
            if word in vocabulary:
                cost, common, pieces = best[start]
                options.append((cost + 1, common - vocabulary[word], (*pieces, (word, True))))
        if is_ideograph(chunk[end - 1]):
            cost, common, pieces = best[end - 1]
            options.append((cost + UNKNOWN_CHAR_COST, common, (*pieces, (chunk[end - 1], False))))
        elif end == len(chunk) or is_ideograph(chunk[end]):
            start = _latin_run_start(chunk, end)
            cost, common, pieces = best[start]
            options.append((cost + 1, common, (*pieces, (chunk[start:end], True))))
        best.append(min(options) if options else (float("inf"), 0, ()))
    return _join_unknown(best[-1][2])


def _latin_run_start(chunk: str, end: int) -> int:
    """Where the run of non-ideographs ending at `end` starts."""
    start = end
    while start > 0 and not is_ideograph(chunk[start - 1]):
        start -= 1
    return start


def _join_unknown(pieces: Sequence[tuple[str, bool]]) -> list[str]:
    """Neighbouring characters the vocabulary lacks become one term: `温杯` is searched as
    written, not as 温 and 杯 anywhere."""
    out: list[str] = []
    unknown = ""
    for text, known in pieces:
        if known:
            if unknown:
                out.append(unknown)
                unknown = ""
            out.append(text)
        else:
            unknown += text
    if unknown:
        out.append(unknown)
    return out


# ---- products -----------------------------------------------------------------------------


@functools.cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)  # it announces its dictionary on stderr otherwise
    return jieba


def words_of(text: str) -> tuple[str, ...]:
    """The words of a name, brand or category for the index and the vocabulary: jieba's
    search-engine cut (long words and the shorter words inside them), normalized, without
    punctuation."""
    words: dict[str, None] = {}
    for chunk in CHUNK.findall(normalize(text)):
        words.update(dict.fromkeys(_search_cut(chunk)))
    return tuple(words)


# Cached by chunk, not by name: names are made of far fewer distinct pieces than names
# (re-indexing 100 000 products cuts each piece once).
@functools.lru_cache(maxsize=200_000)
def _search_cut(chunk: str) -> tuple[str, ...]:
    return tuple(word for word in _jieba().cut_for_search(chunk) if CHUNK.fullmatch(word))


@functools.lru_cache(maxsize=200_000)
def _plain_cut_chunk(chunk: str) -> tuple[str, ...]:
    return tuple(word for word in _jieba().lcut(chunk) if word.strip())


@functools.lru_cache(maxsize=200_000)
def pinyin_of(word: str) -> tuple[str, str]:
    """(full, initials) of a Chinese word: 保温杯 → (baowenbei, bwb); ('', '') for a word
    without ideographs."""
    if not any(is_ideograph(char) for char in word):
        return "", ""
    from pypinyin import Style, lazy_pinyin

    syllables = [
        syllable for syllable in lazy_pinyin(word, style=Style.NORMAL, errors="ignore") if syllable
    ]
    return "".join(syllables), "".join(syllable[0] for syllable in syllables)


def pinyin_tokens(text: str) -> list[str]:
    """The pinyin tokens of a name or brand: each Chinese word full and as initials, the
    shorter words inside long ones too (智能手机 → zhinengshouji, shouji), and each two
    neighbouring words joined (华为耳机 → huawei hw erji ej huaweierji hwej)."""
    chinese = [word for word in plain_words(text) if pinyin_of(word)[0]]
    tokens: list[str] = []
    for index, word in enumerate(chinese):
        full, initials = pinyin_of(word)
        tokens += [full, initials]
        if index + 1 < len(chinese):
            next_full, next_initials = pinyin_of(chinese[index + 1])
            tokens += [full + next_full, initials + next_initials]
    for word in words_of(text):
        full, initials = pinyin_of(word)
        if full:
            tokens += [full, initials]
    return list(dict.fromkeys(tokens))


def split_pinyin(
    letters: str, spellings: Set[str], starts_a_spelling: Callable[[str], bool]
) -> list[str]:
    """`letters` cut into the fewest whole spellings of words (full pinyin or initials),
    the last one allowed to be only the start of one: huaweishouji → huawei shouji,
    xmsj → xm sj. [] when no such cut exists."""
    best: list[list[str] | None] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(end):
            before = best[start]
            piece = letters[start:end]
            # One letter starts or spells too many words to mean one (zzz is no zz z).
            if (
                before is None
                or len(piece) < MIN_PINYIN_TERM
                or piece not in spellings
                and not (end == len(letters) and starts_a_spelling(piece))
            ):
                continue
            if best[end] is None or len(before) + 1 < len(best[end] or ()):
                best[end] = [*before, piece]
    return best[-1] or []


def plain_words(text: str) -> tuple[str, ...]:
    """jieba's ordinary cut (no overlapping words), for pinyin, highlights and the words
    suggestions offer."""
    words: list[str] = []
    for chunk in CHUNK.findall(normalize(text)):
        words += _plain_cut_chunk(chunk)
    return tuple(words)


def indexed_text(name: str, brand: str, categories: Iterable[str]) -> IndexedText:
    # A brand or category is also one token whole (创意工坊, not only 创意 and 工坊): the
    # vocabulary cuts queries into them, and BM25 should find what it cut.
    category_words: list[str] = []
    for category in categories:
        category_words += [_one_token(category), *words_of(category)]
    return IndexedText(
        words=" ".join(words_of(name)),
        brand=" ".join(
            word for word in dict.fromkeys([_one_token(brand), *words_of(brand)]) if word
        ),
        category=" ".join(word for word in dict.fromkeys(category_words) if word),
        pinyin=" ".join(dict.fromkeys(pinyin_tokens(name) + pinyin_tokens(brand))),
    )


def _one_token(text: str) -> str:
    """`text` as a single token: normalized, with what is not a word character left out."""
    return "".join(CHUNK.findall(normalize(text)))


# ---- highlights ---------------------------------------------------------------------------


def highlights(
    name: str, terms: Sequence[Term], spellings: Mapping[str, str] | None = None
) -> list[tuple[int, int]]:
    """The parts of `name` the terms matched, as sorted, merged (start, end) offsets:
    every occurrence of a term, and for a pinyin term the Chinese words it spells.
    `spellings` maps ideographs to their pinyin (the index's search_chars); an ideograph
    it lacks is spelled by pypinyin."""
    folded = _fold_keeping_offsets(name)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term.text)
        while start != -1:
            spans.append((start, start + len(term.text)))
            start = folded.find(term.text, start + 1)
        if term.pinyin:
            spans += _pinyin_spans(folded, term, spellings or {})
    return _merge(spans)


def _fold_keeping_offsets(name: str) -> str:
    """`name` lower-cased and half-width character by character, so that offsets in the
    result are offsets in `name`."""
    out = []
    for char in name:
        folded = unicodedata.normalize("NFKC", char).lower()
        out.append(folded if len(folded) == 1 else char.lower()[:1] or char)
    return "".join(out)


def _pinyin_spans(folded: str, term: Term, spellings: Mapping[str, str]) -> list[tuple[int, int]]:
    """The runs of ideographs whose pinyin, full or by initials, spells the whole term
    from their first character on: `hw` → 华为, `baowenbei` → 保温杯. Character by
    character, so that answering a search never loads jieba's dictionary."""

    def full(char: str) -> str:
        known = spellings.get(char)
        return known if known is not None else pinyin_of(char)[0]

    def initial(char: str) -> str:
        return full(char)[:1]

    spans: list[tuple[int, int]] = []
    for start in range(len(folded)):
        for spelled in (full, initial):
            end = _spells(folded, start, term.text, spelled)
            if end is not None:
                spans.append((start, end))
                break
    return spans


def _spells(text: str, start: int, letters: str, spelled: Callable[[str], str]) -> int | None:
    """Where the ideographs from `start` on end, if their spellings make `letters`."""
    rest, at = letters, start
    while rest and at < len(text) and is_ideograph(text[at]):
        piece = spelled(text[at])
        if not piece:
            return None
        if rest.startswith(piece):
            rest, at = rest[len(piece) :], at + 1
        elif piece.startswith(rest):  # the term ends inside this syllable: huaw → 华为
            return at + 1
        else:
            return None
    return at if not rest and at > start else None


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
