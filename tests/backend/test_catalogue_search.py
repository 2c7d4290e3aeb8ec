"""Product search at service level, checked against a plain-Python reference.

Every page of every sort order is compared with the reference order (sort key, then id),
under both page plans: sorting the matches and walking the sort's index (forced by
lowering the threshold), so both are proven on the small seeded catalogue. The reference
matches a query's terms (services/search_text.query_terms) without SQL: each term within
the name or brand, the category's names, or (letters) the start of a pinyin token.
"""

from __future__ import annotations

from typing import Any

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.seed import DEMO_CATALOGUE
from fake_backend.services import catalogue, search, search_text
from fake_backend.services.search_text import Term
from fake_backend.storage import catalogue as store

SORT_KEYS = {
    "sales_desc": ("sales", True),
    "sales_asc": ("sales", False),
    "price_asc": ("price_fen", False),
    "price_desc": ("price_fen", True),
    "newest": ("created_at", True),
}


def all_products(ctx: Ctx) -> list[dict[str, Any]]:
    return [dict(row) for row in ctx.db.all("SELECT * FROM products")]


def descendants(ctx: Ctx, category_id: int) -> set[int]:
    found = {category_id}
    while True:
        more = {
            row["id"]
            for row in ctx.db.all("SELECT id, parent_id FROM categories")
            if row["parent_id"] in found
        } - found
        if not more:
            return found
        found |= more


def category_names(ctx: Ctx, category_id: int) -> list[tuple[str, str]]:
    """(zh, en) names of a category and its ancestors, normalized."""
    rows = {row["id"]: row for row in ctx.db.all("SELECT * FROM categories")}
    names = []
    current = rows.get(category_id)
    while current is not None:
        names.append(
            (search_text.normalize(current["name_zh"]), search_text.normalize(current["name_en"]))
        )
        current = rows.get(current["parent_id"])
    return names


def term_matches(ctx: Ctx, product: dict[str, Any], term: Term) -> bool:
    text = term.text
    if text in product["name"].lower() or text in product["brand"].lower():
        return True
    for name_zh, name_en in category_names(ctx, product["category_id"]):
        if text in name_zh or (
            len(text) >= 2 and any(word.startswith(text) for word in name_en.split())
        ):
            return True
    tokens = search_text.pinyin_tokens(product["name"]) + search_text.pinyin_tokens(
        product["brand"]
    )
    if len(text) <= store.PINYIN_EXACT_UP_TO:  # two letters: a whole spelling
        return term.pinyin and text in tokens
    return term.pinyin and any(token.startswith(text) for token in tokens)


def reference(ctx: Ctx, sort: str = "sales_desc", **filters: Any) -> list[int]:
    """The ids a search must answer, in order, computed without SQL."""
    terms = search.query_terms(ctx.db, filters.get("q"))
    categories = descendants(ctx, filters["category"]) if filters.get("category") else None
    matches = [
        product
        for product in all_products(ctx)
        if all(term_matches(ctx, product, term) for term in terms)
        and (categories is None or product["category_id"] in categories)
        and (filters.get("brand") is None or product["brand"] == filters["brand"])
        and product["price_fen"] >= (filters.get("price_min_fen") or 0)
        and product["price_fen"] <= (filters.get("price_max_fen") or 10**12)
        and (not filters.get("in_stock") or product["stock"] > 0)
    ]
    column, descending = SORT_KEYS[sort]
    matches.sort(key=lambda product: (product[column], product["id"]), reverse=descending)
    return [product["id"] for product in matches]


def every_page(ctx: Ctx, limit: int = 7, **arguments: Any) -> tuple[list[int], set[int]]:
    """All ids over all pages, and every `total` the pages reported."""
    ids: list[int] = []
    totals: set[int] = set()
    cursor = None
    while True:
        page = catalogue.search_products(ctx, **arguments, cursor=cursor, limit=limit)
        assert len(page["items"]) <= limit
        ids.extend(item["id"] for item in page["items"])
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, totals


@pytest.fixture(params=["sort-matches", "walk-index"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "walk-index":
        monkeypatch.setattr(store, "SORT_MATCHES_UP_TO", 0)
    return str(request.param)


def category(ctx: Ctx, name_zh: str) -> int:
    return int(ctx.db.scalar("SELECT id FROM categories WHERE name_zh = ?", (name_zh,)))


@pytest.mark.parametrize(
    "q",
    [
        "手机",
        "T恤",
        "t恤",
        "保温杯",
        "蓝牙耳机",
        "李宁 T恤",
        "OPPO",
        "oppo",
        "vivo 手机",
        "[限时]",
        "【官方旗舰】",
        "[2",
        "】",
        "装",
        "5G 手机",
        "米5",
        "小米 5G",
        "  手机   小米 ",
        "不存在的商品",
        "手机 不存在",
        "创意工坊保温杯",
        "华为耳机",
        "保温杯送礼",
        "huawei",
        "bwb",
        "hw 耳机",
        "phone",
        "数码",
        "cups",
    ],
)
def test_every_term_must_match_name_brand_category_or_pinyin(ctx: Ctx, plan: str, q: str) -> None:
    ids, totals = every_page(ctx, q=q, sort="sales_desc")
    expected = reference(ctx, q=q)
    assert ids == expected
    assert totals == {len(expected)}


def test_short_and_long_words_find_what_people_type(ctx: Ctx) -> None:
    for q, at_least in (("手机", 10), ("T恤", 10), ("保温杯", 10), ("蓝牙耳机", 3)):
        page = catalogue.search_products(ctx, q=q, limit=100)
        assert page["total"] >= at_least, q
        assert all(
            q.lower() in (item["name"] + " " + item["brand"]).lower() for item in page["items"]
        )


def test_a_short_word_does_not_match_across_a_space(ctx: Ctx) -> None:
    name = ctx.db.scalar("SELECT name FROM products WHERE id = 1")
    before, after = name.split(" ")[:2]
    across = before[-1] + after[0]  # 库纯 in 【包邮】优衣库 纯棉T恤
    assert ctx.db.scalar("SELECT COUNT(*) FROM products WHERE instr(name, ?)", (across,)) == 0
    assert catalogue.search_products(ctx, q=across)["total"] == 0
    assert catalogue.search_products(ctx, q=before[-1])["total"] > 0


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '手机"',
        "%",
        "_",
        "\\",
        "AND",
        "OR 手机",
        "NOT",
        "*",
        "NEAR(手机",
        "手机*",
        "a:b",
        "^",
        "手\x00机",
        "\x00\x00\x00",
        "😀",
    ],
)
def test_search_operators_and_odd_characters_are_taken_literally(ctx: Ctx, q: str) -> None:
    ids, totals = every_page(ctx, q=q, limit=50, sort="sales_desc")
    expected = reference(ctx, q=q)
    assert ids == expected and totals == {len(expected)}


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_every_sort_pages_through_every_match_exactly_once(ctx: Ctx, plan: str, sort: str) -> None:
    ids, totals = every_page(ctx, sort=sort)
    assert ids == reference(ctx, sort=sort)
    assert len(ids) == len(set(ids)) == DEMO_CATALOGUE and totals == {DEMO_CATALOGUE}


def test_the_seeded_sort_keys_have_ties_so_the_paging_test_means_something(ctx: Ctx) -> None:
    for column in ("sales", "price_fen"):
        distinct = ctx.db.scalar(f"SELECT COUNT(DISTINCT {column}) FROM products")
        assert distinct < 240, column


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_filters_combine_under_every_sort(ctx: Ctx, plan: str, sort: str) -> None:
    cases: list[dict[str, Any]] = [
        {"category": category(ctx, "服装")},
        {"category": category(ctx, "数码"), "in_stock": True},
        {"brand": "李宁"},
        {"brand": "李宁", "category": category(ctx, "鞋靴")},
        {"price_min_fen": 10000, "price_max_fen": 30000},
        {"q": "T恤", "price_max_fen": 8000, "in_stock": True},
        {"q": "保温杯", "category": category(ctx, "家居"), "price_min_fen": 5000},
        {"q": "手机 小米", "category": category(ctx, "数码")},
        {"in_stock": True},
    ]
    for filters in cases:
        ids, totals = every_page(ctx, sort=sort, **filters)
        expected = reference(ctx, sort=sort, **filters)
        assert ids == expected, filters
        assert totals == {len(expected)}, filters
        assert expected, filters


def test_category_includes_its_descendants(ctx: Ctx) -> None:
    home = category(ctx, "家居")
    kitchen = category(ctx, "厨房")
    cups = category(ctx, "杯具")
    leaf_ids = {item["category_id"] for item in every_page_items(ctx, category=home)}
    assert cups in leaf_ids and home not in leaf_ids and kitchen not in leaf_ids
    assert catalogue.search_products(ctx, category=home)["total"] == len(
        reference(ctx, category=home)
    )


def every_page_items(ctx: Ctx, **arguments: Any) -> list[dict[str, Any]]:
    return list(catalogue.search_products(ctx, **arguments, limit=100)["items"])


def test_price_bounds_are_inclusive(ctx: Ctx) -> None:
    price = ctx.db.scalar("SELECT price_fen FROM products WHERE id = 1")
    exact = catalogue.search_products(ctx, price_min_fen=price, price_max_fen=price, limit=100)
    assert exact["total"] >= 1
    assert {item["price_fen"] for item in exact["items"]} == {price}


def test_in_stock_hides_products_sold_out_now(ctx: Ctx) -> None:
    sold_out = ctx.db.scalar("SELECT COUNT(*) FROM products WHERE stock = 0")
    assert sold_out > 0
    assert catalogue.search_products(ctx, in_stock=True)["total"] == DEMO_CATALOGUE - sold_out
    assert catalogue.search_products(ctx, in_stock=False)["total"] == DEMO_CATALOGUE
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = 0 WHERE product_id = 1")
        ctx.db.execute("UPDATE products SET stock = 0 WHERE id = 1")
    assert catalogue.search_products(ctx, in_stock=True)["total"] == DEMO_CATALOGUE - sold_out - 1
    ids, _ = every_page(ctx, in_stock=True, limit=100)
    assert 1 not in ids


def test_unknown_brand_finds_nothing(ctx: Ctx) -> None:
    assert catalogue.search_products(ctx, brand="不存在的牌子") == {
        "items": [],
        "total": 0,
        "next_cursor": None,
        "terms": [],
    }


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"price_min_fen": -1}, "price_min_fen"),
        ({"price_max_fen": -1}, "price_max_fen"),
        ({"price_min_fen": 2, "price_max_fen": 1}, "price_min_fen"),
        ({"cursor": "bm90IGpzb24"}, "cursor"),
    ],
)
def test_service_refuses_bad_arguments_naming_the_field(
    ctx: Ctx, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ApiError) as refused:
        catalogue.search_products(ctx, **arguments)
    assert refused.value.code == "VALIDATION_ERROR"
    assert set(refused.value.details["fields"]) == {field}


def test_unknown_category_is_not_found(ctx: Ctx) -> None:
    with pytest.raises(ApiError) as refused:
        catalogue.search_products(ctx, category=9999)
    assert refused.value.status == 404 and refused.value.details == {"resource": "category"}


def test_the_cursor_is_opaque_urlsafe_text(ctx: Ctx) -> None:
    cursor = catalogue.search_products(ctx, limit=1, sort="newest")["next_cursor"]
    assert cursor and set(cursor) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


@pytest.mark.parametrize(
    "q", ["", "手机", "保温杯", "bwb", "huawei", "hw 耳机", "cups", "数码", "zzzz", "手机 保温杯"]
)
def test_any_product_answers_as_the_count_does(ctx: Ctx, q: str) -> None:
    terms = search.text_terms(ctx.db, search.query_terms(ctx.db, q))
    for facets in ({}, {"in_stock": True}, {"price_max_fen": 1}):
        product_filter = store.ProductFilter(terms=terms, **facets)
        counted = store.count_products(ctx.db, product_filter)
        assert store.any_product(ctx.db, product_filter) == (counted > 0), (q, facets)
