"""The catalogue: the category tree, brands, product search and detail, reviews, images.

Everything here reads; browsing needs no account. Lists page by keyset: the cursor is the
urlsafe base64 of a JSON `[sort, sort value, id]` (reviews: `["reviews", created_at, id]`;
`paging.encode_cursor(..., kind=)`),
so a page never skips or repeats rows however many there are before it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import field_error, not_found
from fake_backend.services import search
from fake_backend.services.paging import after_keyset, encode_cursor
from fake_backend.services.rules import loads
from fake_backend.storage import catalogue as store
from fake_backend.storage.catalogue import SORTS, ProductFilter

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
IMAGE_PATH = "/api/v1/images/{image_id}.png"
REVIEWS_CURSOR = "reviews"
RELEVANCE = "relevance"
ORDERS = (RELEVANCE, *SORTS)


# ---- what the catalogue answers: a TypedDict per shape, field for field the response
# model of schemas/catalogue.py (tests/backend/test_catalogue_shapes.py) -------------------


class CategoryNode(TypedDict):
    id: int
    name: str
    parent_id: int | None
    children: list[CategoryNode]
    product_count: int


class CategoryTree(TypedDict):
    items: list[CategoryNode]


class CategoryRef(TypedDict):
    id: int
    name: str


class BrandCount(TypedDict):
    name: str
    product_count: int


class BrandList(TypedDict):
    items: list[BrandCount]


class ProductSummary(TypedDict):
    id: int
    name: str
    brand: str
    category_id: int
    price_fen: int
    price_varies: bool
    original_price_fen: int | None
    sales: int
    stock: int
    rating: float
    review_count: int
    image: str | None
    returnable: bool
    kind: str


class FoundProduct(ProductSummary):
    highlights: list[list[int]]


class ProductPage(TypedDict):
    items: list[FoundProduct]
    total: int
    next_cursor: str | None
    terms: list[str]


class SkuView(TypedDict):
    id: int
    specs: dict[str, str]
    price_fen: int
    stock: int


class SpecOption(TypedDict):
    name: str
    values: list[str]


class PromotionView(TypedDict):
    type: str
    label: str


class ProductDetail(ProductSummary):
    skus: list[SkuView]
    spec_options: list[SpecOption]
    images: list[str]
    description: str
    promotions: list[PromotionView]
    return_window_days: int
    non_returnable_reason: str | None
    category_path: list[CategoryRef]


class ReviewView(TypedDict):
    id: int
    author: str
    rating: int
    text: str
    specs: dict[str, str]
    created_at: str | None


class ReviewPage(TypedDict):
    items: list[ReviewView]
    next_cursor: str | None
    total: int
    rating_breakdown: dict[str, int]


# ---- reading the catalogue ----------------------------------------------------------------


def image_url(image_id: int | None) -> str | None:
    """The URL path an image is served at (under the API prefix)."""
    return None if image_id is None else IMAGE_PATH.format(image_id=image_id)


def first_image_urls(ctx: Ctx, product_ids: Sequence[int]) -> dict[int, str]:
    """Each product's first picture, for lines that show one (cart, orders)."""
    found = store.first_image_ids(ctx.db, product_ids)
    return {
        product_id: IMAGE_PATH.format(image_id=image_id) for product_id, image_id in found.items()
    }


def category_tree(ctx: Ctx, lang: str) -> list[CategoryNode]:
    """Top-level categories with nested children; counts include every descendant."""
    rows = store.categories(ctx.db)
    direct = store.product_counts_by_category(ctx.db)
    nodes: dict[int, CategoryNode] = {
        row["id"]: {
            "id": row["id"],
            "name": _name(row, lang),
            "parent_id": row["parent_id"],
            "children": [],
            "product_count": 0,
        }
        for row in rows
    }
    roots: list[CategoryNode] = []
    for row in rows:
        node = nodes[row["id"]]
        parent = nodes.get(row["parent_id"]) if row["parent_id"] is not None else None
        (parent["children"] if parent is not None else roots).append(node)

    def total(node: CategoryNode) -> int:
        node["product_count"] = direct.get(node["id"], 0) + sum(map(total, node["children"]))
        return node["product_count"]

    for root in roots:
        total(root)
    return roots


def category_path(ctx: Ctx, category_id: int, lang: str) -> list[CategoryRef]:
    """`[{id, name}]` from the top-level category down to `category_id`."""
    by_id = {row["id"]: row for row in store.categories(ctx.db)}
    path: list[CategoryRef] = []
    current = by_id.get(category_id)
    while current is not None:
        path.append({"id": current["id"], "name": _name(current, lang)})
        current = by_id.get(current["parent_id"])
    return path[::-1]


def descendant_ids(ctx: Ctx, category_id: int) -> list[int]:
    """`category_id` and every category below it; 404 when there is no such category."""
    children: dict[int | None, list[int]] = {}
    known = set()
    for row in store.categories(ctx.db):
        children.setdefault(row["parent_id"], []).append(row["id"])
        known.add(row["id"])
    if category_id not in known:
        raise not_found("category")
    found, pending = [], [category_id]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return sorted(found)


def brands(ctx: Ctx, category_id: int | None) -> list[BrandCount]:
    """Brands with their product counts, most products first."""
    category_ids = None if category_id is None else descendant_ids(ctx, category_id)
    return [
        {"name": row["name"], "product_count": row["product_count"]}
        for row in store.brand_counts(ctx.db, category_ids)
    ]


def search_products(
    ctx: Ctx,
    *,
    q: str | None = None,
    category: int | None = None,
    brand: str | None = None,
    price_min_fen: int | None = None,
    price_max_fen: int | None = None,
    in_stock: bool | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> ProductPage:
    """One page of products matching every given filter, with the total of matches.

    `q` is read as shoppers type it (services/search.py): every term must match the name,
    the brand or the category, or spell one of their words in pinyin. With terms the
    default order is relevance; without, sales.
    """
    if sort is not None and sort not in ORDERS:
        raise field_error("sort", "not_one_of", expected=", ".join(ORDERS))
    _check_limit(limit)
    for field, value in (("price_min_fen", price_min_fen), ("price_max_fen", price_max_fen)):
        if value is not None and value < 0:
            raise field_error(field, "too_small", min=0)
    if price_min_fen is not None and price_max_fen is not None and price_min_fen > price_max_fen:
        raise field_error("price_min_fen", "min_over_max")
    terms = search.query_terms(ctx.db, q)
    if sort is None:
        sort = RELEVANCE if terms else "sales_desc"
    # Without words there is nothing to be relevant to: the best-sellers come first.
    order = sort if sort != RELEVANCE or terms else "sales_desc"
    after = after_keyset(cursor, kind=sort)
    product_filter = ProductFilter(
        terms=search.text_terms(ctx.db, terms),
        category_ids=None if category is None else tuple(descendant_ids(ctx, category)),
        brand=brand,
        price_min_fen=price_min_fen,
        price_max_fen=price_max_fen,
        in_stock=bool(in_stock),
    )
    rows: list[sqlite3.Row] = []
    keysets: list[tuple[float, int]] = []
    if order == RELEVANCE:
        # Ranking reads every match anyway: it counts them too.
        scored, total = search.relevance_page(ctx, product_filter, terms, after, limit + 1)
        rows = store.products_by_id(ctx.db, [product_id for product_id, _ in scored])
        keysets = [(score, product_id) for product_id, score in scored]
    else:
        total = store.count_products(ctx.db, product_filter)
        if total:
            rows = store.product_page(ctx.db, product_filter, order, after, limit + 1, total)
            column = SORTS[order][0]
            keysets = [(row[column], row["id"]) for row in rows]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(list(keysets[limit - 1]), kind=sort)
    return {
        "items": [
            {**_summary(row), "highlights": spans}
            for row, spans in zip(
                rows, search.highlights(ctx, [row["name"] for row in rows], terms), strict=True
            )
        ],
        "total": total,
        "next_cursor": next_cursor,
        "terms": [term.text for term in terms],
    }


def product_detail(ctx: Ctx, product_id: int, lang: str) -> ProductDetail:
    """The product page: SKUs with specs, spec axes, images, promotions, return rules."""
    row = store.product(ctx.db, product_id)
    if row is None:
        raise not_found("product")
    skus: list[SkuView] = [
        {
            "id": sku["id"],
            "specs": loads(sku["specs"]),
            "price_fen": sku["price_fen"],
            "stock": sku["stock"],
        }
        for sku in store.skus(ctx.db, product_id)
    ]
    axes: dict[str, list[str]] = {}
    for sku in skus:
        for axis, value in sku["specs"].items():
            values = axes.setdefault(axis, [])
            if value not in values:
                values.append(value)
    label = "label_zh" if lang == "zh" else "label_en"
    return {
        **_summary(row),
        "skus": skus,
        "spec_options": [{"name": axis, "values": values} for axis, values in axes.items()],
        "images": [
            IMAGE_PATH.format(image_id=image) for image in store.image_ids(ctx.db, product_id)
        ],
        "description": row["description"],
        "promotions": [
            {"type": promotion["type"], "label": promotion[label]}
            for promotion in loads(row["promotions"]) or []
        ],
        "return_window_days": row["return_window_days"],
        "non_returnable_reason": row["non_returnable_reason"],
        "category_path": category_path(ctx, row["category_id"], lang),
    }


def product_reviews(
    ctx: Ctx, product_id: int, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> ReviewPage:
    """A page of a product's reviews, newest first, with the count of each star rating."""
    _check_limit(limit)
    if store.product(ctx.db, product_id) is None:
        raise not_found("product")
    after = after_keyset(cursor, kind=REVIEWS_CURSOR)
    rows = store.review_page(ctx.db, product_id, after, limit + 1)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1]["created_at"], rows[-1]["id"]], kind=REVIEWS_CURSOR)
    counts = store.rating_breakdown(ctx.db, product_id)
    return {
        "items": [
            {
                "id": row["id"],
                "author": row["author"],
                "rating": row["rating"],
                "text": row["text"],
                "specs": loads(row["specs"]) or {},
                "created_at": iso(row["created_at"]),
            }
            for row in rows
        ],
        "next_cursor": next_cursor,
        "total": sum(counts.values()),
        "rating_breakdown": {str(stars): counts.get(stars, 0) for stars in range(5, 0, -1)},
    }


def image_png(ctx: Ctx, image_id: int) -> bytes:
    png = store.image_png(ctx.db, image_id)
    if png is None:
        raise not_found("image")
    return png


def _summary(row: sqlite3.Row) -> ProductSummary:
    return {
        "id": row["id"],
        "name": row["name"],
        "brand": row["brand"],
        "category_id": row["category_id"],
        "price_fen": row["price_fen"],
        "price_varies": bool(row["price_varies"]),
        "original_price_fen": _list_price(row),
        "sales": row["sales"],
        "stock": row["stock"],
        "rating": row["rating"],
        "review_count": row["review_count"],
        "image": image_url(row["image_id"]),
        "returnable": bool(row["returnable"]),
        "kind": row["kind"],
    }


def _list_price(row: sqlite3.Row) -> int | None:
    """The struck-through list price, only above the price (which rises when the cheapest
    spec sells out)."""
    original: int | None = row["original_price_fen"]
    return original if original is not None and original > row["price_fen"] else None


def _name(row: sqlite3.Row, lang: str) -> str:
    return str(row["name_zh"] if lang == "zh" else row["name_en"])


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise field_error("limit", "too_small", min=1)
    if limit > MAX_LIMIT:
        raise field_error("limit", "too_large", max=MAX_LIMIT)
