"""Searching the catalogue: what a search is (words, sort, filters), when a change of it
searches, and how any page of its results is fetched again (`ResultPages`).

Browse imports this before its first frame: it must not import the API client or its
models (pydantic) at run time."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.api.models import ProductPage

PAGE_ROWS = 50
"""Rows per page of results, the unit the results list keeps and fetches again."""
SORTS = ("sales_desc", "sales_asc", "price_asc", "price_desc", "newest")
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
DEBOUNCE_SECONDS = 0.2


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


@dataclass(frozen=True)
class Query:
    """Everything that decides the result set; a page is kept only if it still matches."""

    words: str = ""
    sort: str = "sales_desc"
    filters: Filters = Filters()

    def next_sort(self) -> Query:
        """The same search in the next order of `SORTS` (after the last, the first)."""
        return replace(self, sort=SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)])


class Row(NamedTuple):
    """One product as the results list needs it."""

    id: int
    name: str
    brand: str
    price_fen: int
    sales: int
    stock: int
    rating: float


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
        if query == self.query and not debounce and not was_waiting:
            return "none"
        self.query = query
        typing_fast = now - self.last_keystroke < DEBOUNCE_SECONDS
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
    return [Row(p.id, p.name, p.brand, p.price_fen, p.sales, p.stock, p.rating) for p in page.items]
