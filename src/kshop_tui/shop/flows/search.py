"""Searching the catalogue: what a search is (words, sort, filters), when a change of it
searches, how any page of its results is fetched again (`ResultPages`), and the list under
the search box (`SuggestionMenu`: completions as one types, past searches, the closest
searches when nothing matches).

Browse imports this before its first frame: it must not import the API client or its
models (pydantic) at run time."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.api.models import ProductPage, SearchHistoryEntry, Suggestions

PAGE_ROWS = 50
"""Rows per page of results, the unit the results list keeps and fetches again."""
SORTS = ("sales_desc", "sales_asc", "price_asc", "price_desc", "newest")
"""The orders of any search; a search with words offers `RELEVANCE` before them."""
DEFAULT_SORT = "sales_desc"
RELEVANCE = "relevance"
"""The closest match first: the default order of a search with words. Like "newest" it has
no mirror sort, so `end` walks there."""
# The backend breaks ties by id in the sort's own direction, so each of these orders is the
# exact reverse of its mirror: the last page in one is the first page of the other.
MIRROR_SORTS = {
    "sales_desc": "sales_asc",
    "sales_asc": "sales_desc",
    "price_asc": "price_desc",
    "price_desc": "price_asc",
}
WALK_PAGES = 2
"""Pages per request on the way to a page no known cursor reaches (the API's limit: 100)."""
DEBOUNCE_SECONDS = 0.3
"""Keystrokes closer than this are typing in progress: the search waits until it stops.
Someone typing at five keys a second (200 ms apart) searched at every key with 0.2 s,
each answer drawn and replaced before it could be read: on a server with 200 visitors,
20 of them typing, that work alone filled both cores. The cart's quote waits as long."""


@dataclass(frozen=True)
class Filters:
    """What the browse filters are set to."""

    category_id: int | None = None
    category_name: str = ""
    brand: str | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    in_stock: bool = False

    def summary(self) -> str:
        """One line for narrow terminals, where the panel is folded away."""
        parts = []
        if self.category_name:
            parts.append(self.category_name)
        if self.brand:
            parts.append(self.brand)
        if self.price_min_fen is not None or self.price_max_fen is not None:
            low = "" if self.price_min_fen is None else f"{self.price_min_fen // 100}"
            high = "" if self.price_max_fen is None else f"{self.price_max_fen // 100}"
            parts.append(f"¥{low}–{high}")
        if self.in_stock:
            parts.append(t("filters.in_stock_short"))
        return " · ".join(parts)


def has_words(text: str) -> bool:
    """Whether `text` has a letter or digit of any script: punctuation and emoji alone are
    no words (the backend then answers every product, in the order without words)."""
    return any(character.isalnum() for character in text)


@dataclass(frozen=True)
class Query:
    """Everything that decides the result set; a page is kept only if it still matches."""

    words: str = ""
    sort: str = DEFAULT_SORT
    filters: Filters = Filters()

    @property
    def sorts(self) -> tuple[str, ...]:
        """The orders `s` cycles through: relevance first when there are words to match."""
        return (RELEVANCE, *SORTS) if has_words(self.words) else SORTS

    def next_sort(self) -> Query:
        """The same search in the next of its `sorts` (after the last, the first)."""
        sorts = self.sorts
        following = sorts.index(self.sort) + 1 if self.sort in sorts else 0
        return replace(self, sort=sorts[following % len(sorts)])

    def with_words(self, words: str) -> Query:
        """The search for other words. When words come to a search in the default order,
        it is sorted by relevance; when the last word goes, relevance gives way to the
        default again. An order the user chose stays."""
        sort = self.sort
        if has_words(words) and not has_words(self.words) and sort == DEFAULT_SORT:
            sort = RELEVANCE
        elif not has_words(words) and sort == RELEVANCE:
            sort = DEFAULT_SORT
        return replace(self, words=words, sort=sort)


class Row(NamedTuple):
    """One product as the results list needs it."""

    id: int
    name: str
    brand: str
    price_fen: int
    sales: int
    stock: int
    rating: float
    highlights: tuple[tuple[int, int], ...] = ()
    """The parts of `name` the search matched (character offsets, end exclusive)."""
    price_varies: bool = False
    """The specs differ in price: `price_fen` is where they start (¥60起)."""


FoundPages = list[tuple[int, list[Row]]]
"""Rows that came, cut into pages: (page index, its rows in the list's order)."""

Step = Literal["none", "now", "later"]
"""What a change of the query asks for: nothing, a search now, or one once typing stops."""


@dataclass
class SearchInput:
    """The query browse shows, and when a change of it searches. Typing is debounced: a
    keystroke after a pause searches at once; keystrokes in quick succession wait until
    the typing stops (`later`; the caller's timer then calls `due`). A search asked for now
    (enter) runs now, and the one the typing left waiting is dropped: it would search again
    and take the cursor back to the top."""

    query: Query = Query()
    waiting: bool = False
    last_keystroke: float = 0.0

    def change(self, query: Query, *, debounce: bool, now: float) -> Step:
        """`query` is wanted at time `now` (seconds): by typing, to `debounce`, or at once."""
        was_waiting, self.waiting = self.waiting, False
        typing_fast = now - self.last_keystroke < DEBOUNCE_SECONDS
        # The same query again (a space typed, the box given the text it searched for)
        # searches only when a search for it is still waiting: now, or once typing stops.
        if query == self.query and not was_waiting:
            if debounce:
                self.last_keystroke = now  # still typing: the next key may be quick
            return "none"
        self.query = query
        self.last_keystroke = now
        if debounce and typing_fast:
            self.waiting = True
            return "later"
        return "now"

    def due(self) -> Query:
        """The typing has stopped: the query to search for."""
        self.waiting = False
        return self.query


class SearchProducts(Protocol):
    """The API's product search (`KshopClient.search_products`)."""

    def __call__(
        self,
        *,
        q: str,
        category: int | None,
        brand: str | None,
        price_min_fen: int | None,
        price_max_fen: int | None,
        in_stock: bool | None,
        sort: str,
        cursor: str | None,
        limit: int,
    ) -> Awaitable[ProductPage]: ...


@dataclass(frozen=True)
class PageRequest:
    """`pages` pages from page `page` on in the list's order or, `backward`, from page
    `page` back, read in the mirror sort."""

    page: int
    pages: int
    backward: bool
    cursor: str | None


@dataclass
class ResultPages:
    """How to fetch any page of one search's results again.

    `forward[p]` is the keyset cursor that gives page p in the list's sort: None for the
    first page, then each page's `next_cursor`. For a sort with a mirror, `backward[p]`
    gives page p read in the mirror sort: the last page is the mirror's first (with the last
    page's size as the limit) and each such page's `next_cursor` gives the page above it.
    So `end` costs one request, and so does every page on the way back up. A cursor is
    ~60 bytes: 100 000 results have 2 000 pages.
    """

    query: Query
    total: int
    forward: dict[int, str | None] = field(default_factory=lambda: {0: None})
    backward: dict[int, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.query.sort in MIRROR_SORTS and self.total:
            self.backward[self.last_page] = None

    @property
    def last_page(self) -> int:
        return max(0, (self.total - 1) // PAGE_ROWS)

    def size(self, page: int) -> int:
        return max(0, min(PAGE_ROWS, self.total - page * PAGE_ROWS))

    def request_for(self, page: int) -> PageRequest:
        """The request that fetches `page`; when no known cursor reaches it (after `end`
        in the newest-first sort, which has no mirror), the next step of a walk to it from
        the nearest page one does reach."""
        if page in self.forward:
            return PageRequest(page, 1, backward=False, cursor=self.forward[page])
        if page in self.backward:
            return PageRequest(page, 1, backward=True, cursor=self.backward[page])
        above = max(known for known in self.forward if known < page)
        below = min((known for known in self.backward if known > page), default=None)
        if below is not None and below - page < page - above:
            return PageRequest(below, WALK_PAGES, backward=True, cursor=self.backward[below])
        return PageRequest(above, WALK_PAGES, backward=False, cursor=self.forward[above])

    def pages_of(self, request: PageRequest) -> list[int]:
        """The pages a request returns, in the order its rows come."""
        step = -1 if request.backward else 1
        pages = range(request.page, request.page + step * request.pages, step)
        return [page for page in pages if 0 <= page <= self.last_page]

    def learn(self, request: PageRequest, response: ProductPage) -> FoundPages:
        """Remembers the cursor the response gives for the next page on; returns its rows
        cut into pages, each in the list's order."""
        pages = self.pages_of(request)
        if response.next_cursor is not None:
            step = -1 if request.backward else 1
            following = request.page + step * request.pages
            (self.backward if request.backward else self.forward)[following] = response.next_cursor
        rows = _rows(response)
        found: FoundPages = []
        start = 0
        for page in pages:
            chunk = rows[start : start + self.size(page)]
            start += len(chunk)
            if chunk:
                found.append((page, chunk[::-1] if request.backward else chunk))
        return found

    async def fetch(self, page: int, search_products: SearchProducts) -> FoundPages:
        """One request towards `page` (`request_for`); answers the pages it brought."""
        request = self.request_for(page)
        sort = MIRROR_SORTS[self.query.sort] if request.backward else self.query.sort
        limit = sum(self.size(page) for page in self.pages_of(request))
        response = await _search(search_products, self.query, sort, request.cursor, limit)
        return self.learn(request, response)


async def first_page(
    query: Query, search_products: SearchProducts
) -> tuple[ResultPages, list[Row]]:
    """Starts a search: how to fetch its pages, and its first page's rows."""
    response = await _search(search_products, query, query.sort, None, PAGE_ROWS)
    pages = ResultPages(query, response.total)
    found = pages.learn(pages.request_for(0), response)
    return pages, (found[0][1] if found else [])


async def _search(
    search_products: SearchProducts, query: Query, sort: str, cursor: str | None, limit: int
) -> ProductPage:
    filters = query.filters
    return await search_products(
        q=query.words,
        category=filters.category_id,
        brand=filters.brand,
        price_min_fen=filters.price_min_fen,
        price_max_fen=filters.price_max_fen,
        in_stock=True if filters.in_stock else None,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


def _rows(page: ProductPage) -> list[Row]:
    return [
        Row(
            p.id,
            p.name,
            p.brand,
            p.price_fen,
            p.sales,
            p.stock,
            p.rating,
            tuple(p.highlights),
            p.price_varies,
        )
        for p in page.items
    ]


# --- the list under the search box -------------------------------------------------------

MENU_ROWS = 8
"""The most rows the list under the search box shows (and the most closest searches)."""
SUGGEST_MAX_CHARS = 100
"""The longest text the backend completes (and remembers as a search)."""
ANSWERS_KEPT = 64
"""Answers kept per text typed, so typing back and forth asks the backend once per text."""

MenuKind = Literal["closed", "suggestions", "history"]
Ask = Literal["nothing", "suggestions", "history"]
"""What a change of the search box asks the backend for."""


class MenuRow(NamedTuple):
    """A search the list offers."""

    text: str
    found: int | None = None
    """Products `text` finds; None for a past search."""


class Answer(NamedTuple):
    """The backend's suggestions for one text, as the lists show them."""

    rows: list[MenuRow]
    closest: bool
    """Nothing completes the text and it finds nothing: `rows` are the nearest searches
    that do find something."""


def suggestion_key(text: str) -> str:
    """The text the backend is asked to complete: trimmed, runs of spaces as one (they
    split terms the same way), so "华为 耳" and " 华为  耳" share one answer."""
    return " ".join(text.split())


def search_to_record(words: str, *, logged_in: bool) -> str | None:
    """The search to remember in the user's history when `words` are submitted (enter, or
    a suggestion or past search picked): only for a logged-in user and only words; None
    otherwise. A guest's searches are remembered nowhere."""
    key = suggestion_key(words)
    if not logged_in or not has_words(key):
        return None
    return key[:SUGGEST_MAX_CHARS]


def wants_closest(query: Query, total: int) -> bool:
    """A search with words that found nothing: the list offers the closest searches."""
    return total == 0 and has_words(query.words)


def closest_rows(words: str, answer: Answer) -> list[MenuRow]:
    """What to offer when `words` found nothing: the backend's suggestions for them that
    find something, other than the search that just found nothing."""
    key = suggestion_key(words)
    rows = [row for row in answer.rows if row.found and suggestion_key(row.text) != key]
    return rows[:MENU_ROWS]


@dataclass
class SuggestionMenu:
    """The list under the search box while it has the focus: completions of the text
    typed (`suggestions`), or, in an empty box of a logged-in user, the past searches
    (`history`). ↓ chooses a row (the first ↓ the first row), ↑ goes back up and from the
    first row back to the box; enter then searches for the chosen row rather than the text
    typed. Escape (`close`) or leaving the box closes it until the text changes again.

    Suggestions are asked on the search's own debounce (the screen asks when `SearchInput`
    says a search is due), and each answer is kept per text, so the closest searches for a
    search that found nothing, or a text typed again, need no second request. Until the
    answer for a new text comes, the rows for the text before stay: no flicker while
    typing."""

    kind: MenuKind = "closed"
    rows: list[MenuRow] = field(default_factory=list)
    chosen: int | None = None
    """The row ↓ chose; None while the box itself is chosen."""
    text: str = ""
    """What the box holds."""
    active: bool = False
    """The box has the focus and the menu was not closed since its text last changed:
    an answer for its text may open the menu."""
    answers: OrderedDict[str, Answer] = field(default_factory=OrderedDict)

    @property
    def is_open(self) -> bool:
        return self.kind != "closed" and bool(self.rows)

    def box_changed(self, text: str, *, focused: bool, logged_in: bool) -> Ask:
        """The box holds `text`, and has the focus or not: what to ask the backend for
        (the suggestions for `suggestion_key(text)`, the history, or nothing)."""
        self.text = text
        self.chosen = None
        self.active = focused
        key = suggestion_key(text)
        if not focused:
            self.close()
            return "nothing"
        if not key:
            self._empty()
            if not logged_in:
                return "nothing"
            self.kind = "history"
            return "history"
        if not has_words(key) or len(key) > SUGGEST_MAX_CHARS:
            self._empty()
            return "nothing"
        if self.kind == "history":
            self._empty()  # past searches are not completions of what is typed now
        known = self.known(key)
        if known is None:
            return "suggestions"
        self._show_suggestions(known)
        return "nothing"

    def due(self) -> str | None:
        """The typing has stopped (the search's debounce ended): the text to ask
        suggestions for, if the box needs some it has no answer for."""
        key = suggestion_key(self.text)
        if not self.active or self.kind == "history" or not has_words(key):
            return None
        if len(key) > SUGGEST_MAX_CHARS or self.known(key) is not None:
            return None
        return key

    def known(self, text: str) -> Answer | None:
        """The answer kept for `text`, if it was asked before."""
        key = suggestion_key(text)
        answer = self.answers.get(key)
        if answer is not None:
            self.answers.move_to_end(key)
        return answer

    def suggested(self, key: str, suggestions: Suggestions) -> Answer:
        """The backend's answer for `key` came: kept, and shown if the box still holds
        that text and the menu may show."""
        answer = Answer(
            [MenuRow(item.text, item.count) for item in suggestions.items], suggestions.closest
        )
        self.answers[key] = answer
        self.answers.move_to_end(key)
        while len(self.answers) > ANSWERS_KEPT:
            self.answers.popitem(last=False)
        if self.active and key == suggestion_key(self.text):
            self._show_suggestions(answer)
        return answer

    def history_came(self, entries: list[SearchHistoryEntry]) -> None:
        """The user's past searches came: shown if the box is still empty and focused."""
        if self.active and self.kind == "history" and not suggestion_key(self.text):
            self.rows = [MenuRow(entry.q) for entry in entries[:MENU_ROWS]]
            self.chosen = None

    def history_cleared(self) -> None:
        if self.kind == "history":
            self.rows = []
            self.chosen = None

    def down(self) -> bool:
        """↓: the next row (the first, from the box). False when there is no row."""
        if not self.is_open:
            return False
        self.chosen = 0 if self.chosen is None else min(self.chosen + 1, len(self.rows) - 1)
        return True

    def up(self) -> bool:
        """↑: the row above, or the box from the first row. False when no row is chosen."""
        if not self.is_open or self.chosen is None:
            return False
        self.chosen = self.chosen - 1 if self.chosen > 0 else None
        return True

    def chosen_text(self) -> str | None:
        """The search enter picks instead of the text typed, if a row is chosen."""
        if not self.is_open or self.chosen is None:
            return None
        return self.rows[self.chosen].text

    def close(self) -> None:
        """Escape, or the box left: nothing shows until the text changes again."""
        self._empty()
        self.active = False

    def _empty(self) -> None:
        self.kind = "closed"
        self.rows = []
        self.chosen = None

    def _show_suggestions(self, answer: Answer) -> None:
        # The closest searches are no completions of what is typed: they are offered
        # once the search has found nothing (`closest_rows`), not while typing.
        if answer.closest or not answer.rows:
            self._empty()
            return
        self.kind = "suggestions"
        self.rows = answer.rows[:MENU_ROWS]
        self.chosen = None
