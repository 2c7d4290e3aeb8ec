"""The seed: the demo shop's shape, its determinism, and growing a large catalogue."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from fake_backend import seed as seeding
from fake_backend import seed_data
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed import DEMO_CATALOGUE, DEMO_PRODUCTS
from fake_backend.services import catalogue
from fake_backend.storage.db import Database
from tests.conftest import FROZEN_START

# 4e27…: prices are the lowest in-stock SKU's (9 products' cheapest spec is sold out).
DEMO_FINGERPRINT = "4e2756073906dd68ff79ab92b42618a1271c8c6aebf988d648dd30f3505eae4a"


def fresh(path: Path, seed: int = 42) -> Ctx:
    ctx = Ctx(db=Database(path), clock=Clock(FROZEN_START, frozen=True))
    seeding.ensure_seeded(ctx, seed=seed)
    return ctx


def listing(ctx: Ctx) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in ctx.db.all("SELECT id, name, brand, price_fen, stock, sales FROM products")
    ]


def test_demo_catalogue_has_what_the_spec_asks_for(ctx: Ctx) -> None:
    db = ctx.db
    assert db.scalar("SELECT COUNT(*) FROM products") >= 200
    for bracket in ("【官方旗舰】", "[2件装]", "[限时]"):
        assert db.scalar("SELECT COUNT(*) FROM products WHERE instr(name, ?)", (bracket,)) > 0
    assert db.scalar("SELECT COUNT(*) FROM products WHERE stock = 0") > 0
    assert (
        db.scalar(
            "SELECT COUNT(*) FROM skus s JOIN products p ON p.id = s.product_id"
            " WHERE s.stock = 0 AND p.stock > 0"
        )
        > 0
    )
    roots = {row[0] for row in db.all("SELECT name_zh FROM categories WHERE parent_id IS NULL")}
    assert {"服装", "数码", "家居", "美妆", "食品", "图书"} <= roots
    axes = set()
    for (specs,) in db.all("SELECT specs FROM skus"):
        axes |= set(json.loads(specs))
    assert {"颜色", "尺码", "容量"} <= axes


def test_product_rows_agree_with_their_skus(ctx: Ctx) -> None:
    # The price is the cheapest spec in stock (of all while none is); it varies when the
    # specs' prices differ.
    mismatched = ctx.db.scalar(
        "SELECT COUNT(*) FROM products p JOIN (SELECT product_id, SUM(stock) AS stock,"
        " COALESCE(MIN(CASE WHEN stock > 0 THEN price_fen END), MIN(price_fen)) AS price,"
        " COUNT(DISTINCT price_fen) > 1 AS varies FROM skus GROUP BY product_id) s"
        " ON s.product_id = p.id"
        " WHERE p.stock != s.stock OR p.price_fen != s.price OR p.price_varies != s.varies"
    )
    assert mismatched == 0
    assert ctx.db.scalar("SELECT COUNT(*) FROM products WHERE price_varies") > 0
    assert ctx.db.scalar("SELECT COUNT(*) FROM products WHERE original_price_fen <= price_fen") == 0
    assert ctx.db.scalar("SELECT COUNT(*) FROM products WHERE original_price_fen > price_fen") > 0


def test_reviews_are_realistic_and_agree_with_the_products(ctx: Ctx) -> None:
    db = ctx.db
    assert db.scalar("SELECT COUNT(*) FROM reviews") > 200
    for product in db.all("SELECT id, rating, review_count FROM products WHERE review_count > 0"):
        reviews = db.all("SELECT * FROM reviews WHERE product_id = ?", (product["id"],))
        assert len(reviews) == product["review_count"]
        ratings = [review["rating"] for review in reviews]
        assert product["rating"] == (sum(ratings) * 20 + len(ratings)) // (2 * len(ratings)) / 10
        sku_specs = [
            json.loads(row[0])
            for row in db.all("SELECT specs FROM skus WHERE product_id = ?", (product["id"],))
        ]
        for review in reviews:
            assert len(review["author"]) == 3 and review["author"].endswith("**")
            assert json.loads(review["specs"]) in sku_specs
            assert review["created_at"] < FROZEN_START
    assert {row[0] for row in db.all("SELECT DISTINCT rating FROM reviews")} >= {2, 3, 4, 5}


def test_every_review_comes_from_its_product_familys_pool(ctx: Ctx) -> None:
    """A review fits what it reviews: its text and rating are one of its family's pool."""
    rows = ctx.db.all(
        "SELECT r.text, r.rating, c.name_zh AS leaf FROM reviews r"
        " JOIN products p ON p.id = r.product_id JOIN categories c ON c.id = p.category_id"
    )
    assert len(rows) > 200
    pools = {leaf: family["reviews"] for leaf, family in seed_data.FAMILIES.items()}
    service_leaves = {leaf for leaf, *_ in seed_data.SERVICES}
    pools.update({leaf: seed_data.SERVICE_REVIEWS for leaf in service_leaves})
    for row in rows:
        assert (row["text"], row["rating"]) in pools[row["leaf"]], row
    used = {(row["leaf"], row["text"]) for row in rows}
    assert len({leaf for leaf, _ in used}) == len(seed_data.FAMILIES) + len(service_leaves)


def test_only_families_sold_by_size_have_reviews_about_size() -> None:
    for leaf, family in seed_data.FAMILIES.items():
        about_size = [text for text, _ in family["reviews"] if "码" in text]
        assert bool(about_size) == ("尺码" in family["specs"]), (leaf, about_size)
    thermos_texts = [text for text, _ in seed_data.FAMILIES["杯具"]["reviews"]]
    assert "尺码偏小，建议买大一号。" not in thermos_texts


def test_every_product_has_pictures_and_a_search_entry(ctx: Ctx) -> None:
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM products WHERE id NOT IN (SELECT product_id FROM product_images)"
        )
        == 0
    )
    assert ctx.db.scalar("SELECT COUNT(*) FROM products_chars") == DEMO_CATALOGUE
    png = ctx.db.scalar("SELECT png FROM images LIMIT 1")
    assert bytes(png).startswith(b"\x89PNG")


def test_the_same_seed_gives_the_same_shop(tmp_path: Path) -> None:
    first = fresh(tmp_path / "a.sqlite3")
    second = fresh(tmp_path / "b.sqlite3")
    other = fresh(tmp_path / "c.sqlite3", seed=7)
    assert listing(first) == listing(second)
    assert listing(first) != listing(other)
    for table in ("skus", "reviews", "images"):
        query = f"SELECT * FROM {table} ORDER BY id"
        assert [tuple(r) for r in first.db.all(query)] == [tuple(r) for r in second.db.all(query)]


def test_seed_catalogue_grows_to_n_quickly_and_deterministically(tmp_path: Path) -> None:
    grown = []
    for name in ("a.sqlite3", "b.sqlite3"):
        ctx = fresh(tmp_path / name)
        started = time.perf_counter()
        seeding.seed_catalogue(ctx, seed=42, products=2000)
        elapsed = time.perf_counter() - started
        assert ctx.db.scalar("SELECT COUNT(*) FROM products") == 2000
        assert elapsed < 30, f"growing to 2 000 products took {elapsed:.1f} s"
        grown.append(ctx)
    assert listing(grown[0]) == listing(grown[1])
    ctx = grown[0]
    seeding.seed_catalogue(ctx, seed=42, products=2000)
    assert ctx.db.scalar("SELECT COUNT(*) FROM products") == 2000
    assert ctx.db.scalar("SELECT COUNT(*) FROM products_chars") == 2000
    assert ctx.db.scalar("SELECT COUNT(*) FROM users") == 1


def test_large_catalogue_products_are_whole_and_searchable(tmp_path: Path) -> None:
    ctx = fresh(tmp_path / "big.sqlite3")
    seeding.seed_catalogue(ctx, seed=42, products=2000)
    db = ctx.db
    assert db.scalar("SELECT COUNT(*) FROM products WHERE id > 240 AND stock = 0") > 0
    assert (
        db.scalar(
            "SELECT COUNT(*) FROM products p WHERE id > 240 AND stock != (SELECT SUM(stock)"
            " FROM skus WHERE product_id = p.id)"
        )
        == 0
    )
    assert (
        db.scalar(
            "SELECT COUNT(*) FROM products WHERE id NOT IN (SELECT product_id FROM product_images)"
        )
        == 0
    )
    assert db.scalar("SELECT COUNT(*) FROM reviews r WHERE product_id > 240") > 500
    newest_id = db.scalar("SELECT MAX(id) FROM products")
    name = db.scalar("SELECT name FROM products WHERE id = ?", (newest_id,))
    brand = db.scalar("SELECT brand FROM products WHERE id = ?", (newest_id,))
    short_word = brand[:2]
    found, cursor = set(), None
    while True:
        page = catalogue.search_products(
            ctx, q=f"{short_word} {name.split()[-1]}", cursor=cursor, limit=100
        )
        found |= {item["id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert newest_id in found


def test_large_catalogue_names_vary_so_searches_return_varied_counts(tmp_path: Path) -> None:
    ctx = fresh(tmp_path / "big.sqlite3")
    seeding.seed_catalogue(ctx, seed=42, products=2000)
    distinct = ctx.db.scalar("SELECT COUNT(DISTINCT name) FROM products")
    assert distinct > 1500
    totals = {
        catalogue.search_products(ctx, q=word)["total"]
        for word in ("手机", "保温杯", "加厚", "轻薄", "Pro", "防水", "礼盒")
    }
    assert len(totals) >= 6
    assert max(totals) > 5 * min(totals) > 0


def test_reset_empties_and_seeds_the_search_index_too(ctx: Ctx) -> None:
    seeding.seed_catalogue(ctx, seed=42, products=300)
    seeding.reset(ctx, seed=42)
    assert ctx.db.scalar("SELECT COUNT(*) FROM products") == DEMO_CATALOGUE
    assert ctx.db.scalar("SELECT COUNT(*) FROM products_chars") == DEMO_CATALOGUE
    with_phone = ctx.db.scalar("SELECT COUNT(*) FROM products WHERE instr(name, '手机')")
    assert catalogue.search_products(ctx, q="手机")["total"] == with_phone > 0


def test_the_demo_listing_is_pinned_because_other_tests_name_its_ids(ctx: Ctx) -> None:
    """Products, SKUs, prices and stock of seed 42 must not drift: tests elsewhere use
    SKU and product ids of the demo shop. Change this fingerprint only on purpose."""
    products = ctx.db.all(
        "SELECT id, name, price_fen, stock, sales FROM products WHERE id <= ? ORDER BY id",
        (DEMO_PRODUCTS,),
    )
    skus = ctx.db.all(
        "SELECT id, product_id, specs, price_fen, stock FROM skus WHERE product_id <= ?"
        " ORDER BY id",
        (DEMO_PRODUCTS,),
    )
    listing = repr(([tuple(row) for row in products], [tuple(row) for row in skus]))
    assert hashlib.sha256(listing.encode()).hexdigest() == DEMO_FINGERPRINT
    # The services come after the random catalogue, in `seed_data.SERVICES`'s order.
    services = ctx.db.all(
        "SELECT id, name FROM products WHERE id > ? ORDER BY id", (DEMO_PRODUCTS,)
    )
    assert [row["id"] for row in services] == list(range(DEMO_PRODUCTS + 1, DEMO_CATALOGUE + 1))
    assert [row["name"] for row in services] == [
        f"{brand} {name}" for _, brand, name, *_ in seed_data.SERVICES
    ]
