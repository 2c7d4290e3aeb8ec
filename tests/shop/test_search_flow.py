"""The search flow without a screen: when a change of the query searches, and how
`ResultPages` reaches any page of a result again — forward by keyset cursors, from the end
by the mirror sort, by walks where no cursor reaches — always with the same rows, in the
same order, under the same filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_backend.app import create_app
from fake_backend.clock import Clock
from kshop_tui.api.backend import IN_PROCESS_URL
from kshop_tui.api.client import KshopClient
from kshop_tui.api.models import FoundProduct, ProductPage
from kshop_tui.i18n import t
from kshop_tui.shop.flows import search
from kshop_tui.shop.flows.search import (
    MIRROR_SORTS,
    PAGE_ROWS,
    RELEVANCE,
    SORTS,
    WALK_PAGES,
    Filters,
    PageRequest,
    Query,
    ResultPages,
    Row,
    SearchInput,
    first_page,
)

# --- a catalogue in memory, searched the way the backend does ----------------------------

# The backend breaks ties by id in the sort's own direction (so mirrors are exact reverses).
ORDERS = {
    "sales_desc": lambda p: (-p.sales, -p.id),
    "sales_asc": lambda p: (p.sales, p.id),
    "price_asc": lambda p: (p.price_fen, p.id),
    "price_desc": lambda p: (-p.price_fen, -p.id),
    "newest": lambda p: -p.id,
    # A stand-in for the backend's score: what matters here is that it has no mirror.
    "relevance": lambda p: (-(p.id % 4), -p.id),
}


def product(product_id: int) -> FoundProduct:
    # Few distinct sales and prices, so ties decide much of the order.
    return FoundProduct(
        id=product_id,
        name=f"product {product_id}",
        brand="brand",
        category_id=1,
        price_fen=100 * (product_id % 7),
        sales=product_id % 5,
        stock=product_id % 3,
    )


@dataclass
class FakeSearch:
    """`search_products` over a list; the cursor is the offset of the next row. Every call
    is kept."""

    products: list[FoundProduct]
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(
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
    ) -> ProductPage:
        self.calls.append(
            {
                "q": q,
                "category": category,
                "brand": brand,
                "price_min_fen": price_min_fen,
                "price_max_fen": price_max_fen,
                "in_stock": in_stock,
                "sort": sort,
                "cursor": cursor,
                "limit": limit,
            }
        )
        ordered = sorted(self.products, key=ORDERS[sort])
        start = int(cursor) if cursor else 0
        end = start + limit
        return ProductPage(
            items=ordered[start:end],
            total=len(ordered),
            next_cursor=str(end) if end < len(ordered) else None,
        )

    def in_order(self, sort: str) -> list[int]:
        return [p.id for p in sorted(self.products, key=ORDERS[sort])]


def catalogue(count: int) -> FakeSearch:
    return FakeSearch([product(i) for i in range(1, count + 1)])


def ids(rows: list[Row]) -> list[int]:
    return [row.id for row in rows]


async def fetch_into(
    pages: ResultPages, page: int, fetch: FakeSearch, shown: dict[int, list[Row]]
) -> None:
    for index, rows in await pages.fetch(page, fetch):
        shown[index] = rows


# --- starting a search -------------------------------------------------------------------


async def test_the_first_page_is_one_request_with_the_query_and_its_filters() -> None:
    fetch = catalogue(120)
    filters = Filters(
        category_id=3, brand="Acme", price_min_fen=1_000, price_max_fen=5_000, in_stock=True
    )
    query = Query(words="cup", sort="price_asc", filters=filters)

    pages, rows = await first_page(query, fetch)

    assert fetch.calls == [
        {
            "q": "cup",
            "category": 3,
            "brand": "Acme",
            "price_min_fen": 1_000,
            "price_max_fen": 5_000,
            "in_stock": True,
            "sort": "price_asc",
            "cursor": None,
            "limit": PAGE_ROWS,
        }
    ]
    assert ids(rows) == fetch.in_order("price_asc")[:PAGE_ROWS]
    assert pages.query == query and pages.total == 120 and pages.last_page == 2
    assert pages.forward == {0: None, 1: str(PAGE_ROWS)}
    assert pages.backward == {2: None}  # the end is the mirror's first page


async def test_without_the_in_stock_filter_no_stock_condition_is_sent() -> None:
    fetch = catalogue(3)
    await first_page(Query(), fetch)
    assert fetch.calls[0]["in_stock"] is None and fetch.calls[0]["q"] == ""


async def test_an_empty_result_has_one_empty_page_and_nothing_to_mirror() -> None:
    pages, rows = await first_page(Query(sort="sales_desc"), catalogue(0))
    assert rows == [] and pages.total == 0 and pages.last_page == 0
    assert pages.backward == {}
    assert pages.size(0) == 0


# --- reaching any page again ---------------------------------------------------------------


@pytest.mark.parametrize("sort", [*SORTS, RELEVANCE])
async def test_every_page_forward_is_the_next_slice_of_the_order(sort: str) -> None:
    fetch = catalogue(230)
    pages, first = await first_page(Query(words="product", sort=sort), fetch)
    shown = {0: first}
    for page in range(1, pages.last_page + 1):
        await fetch_into(pages, page, fetch, shown)
    assert len(fetch.calls) == pages.last_page + 1  # one request a page
    assert [row_id for page in sorted(shown) for row_id in ids(shown[page])] == fetch.in_order(sort)
    assert pages.size(pages.last_page) == 30


@pytest.mark.parametrize("sort", sorted(MIRROR_SORTS))
async def test_end_is_one_request_in_the_mirror_sort_and_so_is_each_page_back_up(
    sort: str,
) -> None:
    fetch = catalogue(230)  # pages of 50: the last one has 30 rows
    pages, _ = await first_page(Query(sort=sort), fetch)
    fetch.calls.clear()

    shown: dict[int, list[Row]] = {}
    await fetch_into(pages, pages.last_page, fetch, shown)
    (call,) = fetch.calls
    assert call["sort"] == MIRROR_SORTS[sort] and call["cursor"] is None and call["limit"] == 30
    order = fetch.in_order(sort)
    assert ids(shown[4]) == order[200:]  # in the list's order, not the mirror's

    for page in (3, 2, 1):
        await fetch_into(pages, page, fetch, shown)
        assert ids(shown[page]) == order[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
    assert [call["sort"] for call in fetch.calls] == [MIRROR_SORTS[sort]] * 3 + [sort]
    assert fetch.calls[-1]["cursor"] == "50"  # page 1: the first page's cursor reaches it


@pytest.mark.parametrize("sort", ["newest", RELEVANCE])
async def test_end_in_a_sort_without_a_mirror_walks_there_from_the_last_known_page(
    sort: str,
) -> None:
    fetch = catalogue(50 * 11 + 7)  # 12 pages, none reachable from the end
    pages, _ = await first_page(Query(words="product", sort=sort), fetch)
    assert sort not in MIRROR_SORTS and pages.backward == {}
    fetch.calls.clear()

    shown: dict[int, list[Row]] = {}
    while pages.last_page not in shown:
        await fetch_into(pages, pages.last_page, fetch, shown)
    assert [call["limit"] for call in fetch.calls] == [WALK_PAGES * PAGE_ROWS] * 5 + [7]
    assert all(call["sort"] == sort for call in fetch.calls)
    order = fetch.in_order(sort)
    for page, rows in shown.items():
        assert ids(rows) == order[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
    assert sorted(shown) == list(range(1, 12))


async def test_a_page_far_from_both_ends_is_walked_to_from_the_nearer_one() -> None:
    fetch = catalogue(1_000)  # 20 pages
    pages, _ = await first_page(Query(sort="price_asc"), fetch)
    await pages.fetch(19, fetch)  # end: the mirror's cursor to page 18 is known now
    assert pages.request_for(16) == PageRequest(
        18, WALK_PAGES, backward=True, cursor=pages.backward[18]
    )
    assert pages.request_for(3) == PageRequest(1, WALK_PAGES, backward=False, cursor="50")

    shown: dict[int, list[Row]] = {}
    await fetch_into(pages, 16, fetch, shown)
    order = fetch.in_order("price_asc")
    assert sorted(shown) == [17, 18]  # the walk's step, each page in the list's order
    assert ids(shown[17]) == order[850:900] and ids(shown[18]) == order[900:950]


def test_a_walk_past_the_last_page_asks_only_for_the_rows_there_are() -> None:
    pages = ResultPages(Query(sort="newest"), total=120)
    request = PageRequest(2, WALK_PAGES, backward=False, cursor="x")
    assert pages.pages_of(request) == [2]
    assert pages.size(2) == 20 and pages.size(3) == 0


# --- the query and when it searches --------------------------------------------------------


def test_without_words_the_sort_cycles_through_every_order_and_back() -> None:
    query = Query(filters=Filters(brand="Acme"))
    seen = []
    for _ in SORTS:
        seen.append(query.sort)
        query = query.next_sort()
    assert seen == list(SORTS) and query.sort == SORTS[0]
    assert RELEVANCE not in query.sorts
    assert query.words == "" and query.filters == Filters(brand="Acme")


def test_with_words_relevance_comes_first_and_the_cycle_goes_through_the_others() -> None:
    query = Query(filters=Filters(brand="Acme")).with_words("cup")
    assert query.sort == RELEVANCE  # the default once there are words
    seen = []
    for _ in range(len(SORTS) + 1):
        seen.append(query.sort)
        query = query.next_sort()
    assert seen == [RELEVANCE, *SORTS] and query.sort == RELEVANCE
    assert query.words == "cup" and query.filters == Filters(brand="Acme")


@pytest.mark.parametrize("words", ["", "   ", "！？…", "🎁🎁", '-*"', "，。"])
def test_punctuation_and_emoji_are_no_words_so_no_relevance(words: str) -> None:
    query = Query().with_words(words)
    assert query.sort == "sales_desc" and RELEVANCE not in query.sorts
    # A relevance order left over from words typed before cycles on from the start.
    assert replace(query, sort=RELEVANCE).next_sort().sort == SORTS[0]


@pytest.mark.parametrize("words", ["保温杯", "bwb", "T恤", "3", "华为 耳机", "iPhone15"])
def test_letters_or_digits_of_any_script_are_words(words: str) -> None:
    assert Query().with_words(words).sort == RELEVANCE


def test_relevance_comes_and_goes_with_the_words_but_a_chosen_order_stays() -> None:
    typed = Query().with_words("保")
    assert typed.sort == RELEVANCE
    assert typed.with_words("保温杯").sort == RELEVANCE
    assert typed.with_words("").sort == "sales_desc"  # the box emptied
    chosen = typed.next_sort()  # s: sales, highest first
    assert chosen.sort == "sales_desc"
    assert chosen.with_words("保温杯").sort == "sales_desc"  # still words: kept
    by_price = Query(sort="price_asc")
    assert by_price.with_words("保温杯").sort == "price_asc"  # chosen before any words
    assert by_price.with_words("保温杯").with_words("").sort == "price_asc"


async def test_rows_carry_the_highlights_of_their_names() -> None:
    products = [
        FoundProduct(
            id=1,
            name="华为 FreeBuds 耳机",
            brand="华为",
            category_id=1,
            price_fen=100,
            highlights=[(0, 2), (12, 14)],
        ),
        product(2),
    ]
    _, rows = await first_page(Query(words="华为耳机", sort="newest"), FakeSearch(products))
    assert [row.highlights for row in rows] == [(), ((0, 2), (12, 14))]


def test_the_filter_summary_names_what_is_set() -> None:
    assert Filters().summary() == ""
    filters = Filters(
        category_id=2,
        category_name="Cups",
        brand="Acme",
        price_min_fen=1_000,
        price_max_fen=None,
        in_stock=True,
    )
    assert filters.summary() == f"Cups · Acme · ¥10– · {t('filters.in_stock_short')}"
    assert Filters(price_max_fen=25_000).summary() == "¥–250"


def test_a_keystroke_after_a_pause_searches_at_once_and_quick_ones_wait() -> None:
    box = SearchInput()
    pause = search.DEBOUNCE_SECONDS
    assert box.change(Query(words="c"), debounce=True, now=100.0) == "now"
    assert box.change(Query(words="cu"), debounce=True, now=100.0 + pause / 4) == "later"
    assert box.waiting and box.query == Query(words="cu")
    assert box.change(Query(words="cup"), debounce=True, now=100.0 + pause / 2) == "later"
    assert box.due() == Query(words="cup") and not box.waiting
    # The typing's clock starts again at the last keystroke.
    assert box.change(Query(words="cups"), debounce=True, now=100.0 + pause * 1.4) == "later"
    assert box.change(Query(words="cup"), debounce=True, now=100.0 + pause * 3) == "now"


def test_typing_at_five_keys_a_second_searches_once_it_stops_not_at_every_key() -> None:
    box = SearchInput()
    steps = [
        box.change(Query(words="phone"[:typed]), debounce=True, now=100.0 + 0.2 * typed)
        for typed in range(1, 6)
    ]
    assert steps == ["now", "later", "later", "later", "later"]
    assert box.due() == Query(words="phone")


def test_asking_now_drops_the_search_the_typing_left_waiting() -> None:
    box = SearchInput()
    box.change(Query(words="c"), debounce=True, now=10.0)
    assert box.change(Query(words="cu"), debounce=True, now=10.01) == "later"
    # Enter on what the typing already asked for: search now, nothing left waiting.
    assert box.change(Query(words="cu"), debounce=False, now=10.02) == "now"
    assert not box.waiting


def test_asking_now_for_the_query_shown_does_nothing() -> None:
    box = SearchInput()
    assert box.change(Query(), debounce=False, now=10.0) == "none"
    assert box.change(Query(sort="newest"), debounce=False, now=10.0) == "now"
    assert box.change(Query(sort="newest"), debounce=False, now=10.0) == "none"
    assert box.query == Query(sort="newest")


def test_typing_that_leaves_the_query_as_it_is_does_not_search_again() -> None:
    """A space typed after a word, or the box given the words it already searched for
    (a suggestion picked): the same query, nothing to search."""
    box = SearchInput()
    assert box.change(Query(words="cup"), debounce=True, now=10.0) == "now"
    assert box.change(Query(words="cup"), debounce=True, now=10.5) == "none"
    assert box.change(Query(words="cup"), debounce=True, now=10.51) == "none"
    # ...but a search the typing left waiting for that query still waits for it.
    assert box.change(Query(words="cups"), debounce=True, now=10.52) == "later"
    assert box.change(Query(words="cups"), debounce=True, now=10.53) == "later"
    assert box.waiting


# --- against the bundled backend -----------------------------------------------------------


@pytest.fixture
async def client(db_path: Path, clock: Clock) -> AsyncIterator[KshopClient]:
    backend = create_app(db_path, clock, merchant="manual", dev=True, seed=None)
    api = KshopClient(
        IN_PROCESS_URL, transport=httpx.ASGITransport(app=backend), language=lambda: "en"
    )
    yield api
    await api.aclose()


@pytest.mark.parametrize("sort", ["price_desc", "newest"])
async def test_the_backends_pages_are_the_same_from_either_end(
    client: KshopClient, sort: str
) -> None:
    query = Query(sort=sort, filters=Filters(in_stock=True))
    forward, first = await first_page(query, client.search_products)
    assert forward.last_page >= 2, "the seeded catalogue should span a few pages"
    top_down = {0: first}
    for page in range(1, forward.last_page + 1):
        top_down.update(await forward.fetch(page, client.search_products))

    from_the_end, _ = await first_page(query, client.search_products)
    bottom_up: dict[int, list[Row]] = {}
    for page in range(from_the_end.last_page, -1, -1):
        while page not in bottom_up:
            bottom_up.update(await from_the_end.fetch(page, client.search_products))

    assert bottom_up == top_down
    rows = [row for page in sorted(top_down) for row in top_down[page]]
    assert len(rows) == forward.total == len({row.id for row in rows})
    assert all(row.stock > 0 for row in rows)
