"""Deterministic demo data: the same seed number gives the same shop, byte for byte.

`ensure_seeded` fills an empty database with the demo catalogue (≥200 products), the
demo account of docs/api.md §4, shipping templates and coupons; `seed_catalogue` grows a
catalogue to N products for benchmarks; `reset` empties everything and seeds again.
"""

from __future__ import annotations

import io
import itertools
import json
import random
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from fake_backend import seed_data as data
from fake_backend.context import Ctx
from fake_backend.seed_history import seed_demo_history
from fake_backend.services import search, service_slots
from fake_backend.services.rules import CHINA_TZ, hash_secret, id_check_char, mask_id_number
from fake_backend.storage import bookings as bookings_store
from fake_backend.storage import catalogue as catalogue_store
from fake_backend.storage import orders as orders_store

DEMO_PRODUCTS = 240
# The demo shop: the random catalogue and the services of `data.SERVICES` after it.
DEMO_CATALOGUE = DEMO_PRODUCTS + len(data.SERVICES)
IMAGE_SIZE = 48
IMAGE_POOL = 48  # large catalogues share this many generated images
PRODUCT_BATCH = 5000
# Earlier modifiers in data.MODIFIERS are picked more often (1, 1/2, 1/3, ...).
MODIFIER_WEIGHTS = [1 / rank for rank in range(1, len(data.MODIFIERS) + 1)]
DAY = 86400.0

# Tables in an order that satisfies foreign keys when emptied back to front.
TABLES = (
    "users",
    "linked_logins",
    "sessions",
    "sms_codes",
    "login_failures",
    "oauth_devices",
    "categories",
    "brands",
    "products",
    "products_chars",
    "products_terms",
    "search_words",
    "search_history",
    "skus",
    "images",
    "product_images",
    "shipping_templates",
    "cart_items",
    "addresses",
    "coupon_templates",
    "orders",
    "user_coupons",
    "check_ins",
    "order_items",
    "reviews",
    "order_events",
    "bank_cards",
    "payments",
    "logistics_events",
    "parcels",
    "uploads",
    "after_sales",
    "after_sale_events",
    "wallet_transactions",
    "bnpl_bills",
    "support_threads",
    "support_messages",
    "idempotency_keys",
    "slot_bookings",
    "delivery_codes",
    "meta",
)


def ensure_seeded(ctx: Ctx, seed: int = 42, *, history: bool = True) -> None:
    """Seeds an empty database: the demo shop and, with `history`, the demo account's past
    orders and after-sales (`seed_history`). The test suite's template leaves the history
    out: its tests start from a demo account with no orders."""
    if ctx.db.scalar("SELECT COUNT(*) FROM users") == 0:
        seed_all(ctx, seed=seed, products=DEMO_PRODUCTS)
        if history:
            seed_demo_history(ctx)


def reset(ctx: Ctx, seed: int = 42) -> None:
    with ctx.db.tx():
        ctx.db.execute("PRAGMA defer_foreign_keys = ON")
        for table in reversed(TABLES):
            ctx.db.execute(f"DELETE FROM {table}")
        ctx.db.execute("INSERT INTO products_fts(products_fts) VALUES ('delete-all')")
    seed_all(ctx, seed=seed, products=DEMO_PRODUCTS)


def seed_all(ctx: Ctx, seed: int, products: int) -> None:
    rng = random.Random(seed)
    with ctx.db.tx():
        _seed_categories(ctx)
        _seed_shipping(ctx)
        _seed_coupons(ctx)
        _seed_demo_account(ctx)
        _seed_products(ctx, rng, products, own_images=True)
        _seed_services(ctx, random.Random(seed * 104729 + 1))
        ctx.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('seed', ?)", (str(seed),))
        search.index_new_products(ctx)


def seed_catalogue(ctx: Ctx, seed: int, products: int) -> None:
    """Grows the catalogue to `products` rows (seeding the demo shop first if empty)."""
    if ctx.db.scalar("SELECT COUNT(*) FROM users") == 0:
        seed_all(ctx, seed=seed, products=min(products, DEMO_PRODUCTS))
    missing = products - ctx.db.scalar("SELECT COUNT(*) FROM products")
    if missing <= 0:
        return
    rng = random.Random(seed * 7919 + missing)
    with ctx.db.tx():
        _seed_products(ctx, rng, missing, own_images=False)
        search.index_new_products(ctx)


def _seed_categories(ctx: Ctx) -> None:
    def walk(nodes: list[Any], parent_id: int | None) -> None:
        for position, (zh, en, children) in enumerate(nodes):
            category_id = ctx.db.insert(
                "INSERT INTO categories(parent_id, name_zh, name_en, position) VALUES (?,?,?,?)",
                (parent_id, zh, en, position),
            )
            walk(children, category_id)

    walk(data.CATEGORY_TREE, None)
    leaves = {
        row["name_zh"]: row["id"]
        for row in ctx.db.all(
            "SELECT id, name_zh FROM categories c WHERE NOT EXISTS "
            "(SELECT 1 FROM categories k WHERE k.parent_id = c.id)"
        )
    }
    for leaf, family in data.FAMILIES.items():
        for brand in family["brands"]:
            ctx.db.execute(
                "INSERT OR IGNORE INTO brands(name, category_id) VALUES (?, ?)",
                (brand, leaves[leaf]),
            )
    for leaf, brand, *_ in data.SERVICES:
        ctx.db.execute(
            "INSERT OR IGNORE INTO brands(name, category_id) VALUES (?, ?)", (brand, leaves[leaf])
        )


def _seed_shipping(ctx: Ctx) -> None:
    ctx.db.executemany(
        "INSERT INTO shipping_templates(province, base_fen, free_over_fen, days_min, days_max)"
        " VALUES (?,?,?,?,?)",
        [(province, *rule) for province, rule in data.SHIPPING.items()],
    )


def _seed_coupons(ctx: Ctx) -> None:
    ctx.db.executemany(
        "INSERT INTO coupon_templates(kind, title_zh, title_en, threshold_fen, discount_fen,"
        " brand, valid_days, claimable) VALUES (?,?,?,?,?,?,?,?)",
        [(k, tz, te, t, d, b, v, int(c)) for k, tz, te, t, d, b, v, c in data.COUPONS],
    )


def _seed_demo_account(ctx: Ctx) -> None:
    now = ctx.now()
    id_number = data.DEMO_ID_FIRST17 + id_check_char(data.DEMO_ID_FIRST17)
    user_id = ctx.db.insert(
        "INSERT INTO users(phone, nickname, password_hash, payment_password_hash, real_name,"
        " id_number_masked, balance_fen, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            data.DEMO_PHONE,
            "快乐购物的张三",
            hash_secret(data.DEMO_PASSWORD),
            hash_secret(data.DEMO_PAYMENT_PASSWORD),
            data.DEMO_REAL_NAME,
            mask_id_number(id_number),
            data.DEMO_BALANCE_FEN,
            now - 400 * DAY,
        ),
    )
    address = data.DEMO_ADDRESS
    ctx.db.execute(
        "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
        " is_default, created_at) VALUES (?,?,?,?,?,?,?,1,?)",
        (
            user_id,
            address["name"],
            address["phone"],
            address["province"],
            address["city"],
            address["district"],
            address["detail"],
            now - 400 * DAY,
        ),
    )
    card = data.DEMO_CARD_NUMBER
    ctx.db.execute(
        "INSERT INTO bank_cards(user_id, bank, last4, card_hash, holder_name, created_at)"
        " VALUES (?,?,?,?,?,?)",
        (user_id, "招商银行", card[-4:], hash_secret(card), data.DEMO_REAL_NAME, now - 300 * DAY),
    )
    ctx.db.execute(
        "INSERT INTO wallet_transactions(user_id, account, kind, amount_fen, note, at)"
        " VALUES (?, 'balance', 'topup', ?, '', ?)",
        (user_id, data.DEMO_BALANCE_FEN, now - 300 * DAY),
    )
    welcome = ctx.db.one("SELECT id, valid_days FROM coupon_templates WHERE title_zh = '满199减20'")
    assert welcome is not None
    ctx.db.execute(
        "INSERT INTO user_coupons(user_id, template_id, claimed_at, expires_at) VALUES (?,?,?,?)",
        (user_id, welcome["id"], now - DAY, now + (welcome["valid_days"] - 1) * DAY),
    )


def _seed_products(ctx: Ctx, rng: random.Random, count: int, *, own_images: bool) -> None:
    """Adds `count` products with SKUs, images and reviews, in batches of PRODUCT_BATCH.

    The demo shop (`own_images`) draws from `rng` in a fixed order that other tests rely
    on (product and SKU ids, prices, stock): add new draws only to the large-catalogue
    path. Large catalogues vary their names more (modifiers, model numbers), so searches
    there return counts of every size.
    """
    now = ctx.now()
    leaves = {
        row["name_zh"]: row["id"]
        for row in ctx.db.all("SELECT id, name_zh FROM categories")
        if row["name_zh"] in data.FAMILIES
    }
    families = sorted(data.FAMILIES.items())
    pool = [] if own_images else _image_pool(ctx, rng)
    batch = _Batch()
    spec_json = _SpecJson()
    first_id = (ctx.db.scalar("SELECT MAX(id) FROM products") or 0) + 1
    next_sku = (ctx.db.scalar("SELECT MAX(id) FROM skus") or 0) + 1
    for offset in range(count):
        product_id = first_id + offset
        leaf, family = families[offset % len(families)]
        brand = rng.choice(family["brands"])
        base = rng.choice(family["names"])
        prefix, suffix = rng.choice(data.PREFIXES), rng.choice(data.SUFFIXES)
        extra = "" if own_images else _name_variety(rng)
        name = f"{prefix}{brand} {base}{extra}{suffix}"
        low, high = family["price"]
        base_fen = rng.randint(low, high) * 100 + rng.choice((0, 0, 90, 50, 99))
        axes = list(family["specs"].items())
        combos = list(itertools.product(*(values for _, values in axes)))
        if len(combos) > 12:
            combos = rng.sample(combos, 12)
        sold_out = rng.random() < 0.06
        product_skus = []
        for index, combo in enumerate(combos):
            price = base_fen + index % 3 * rng.choice((0, 500, 1000))
            stock = 0 if sold_out or rng.random() < 0.1 else rng.randint(1, 300)
            product_skus.append((next_sku, product_id, spec_json(leaf, combo), price, stock))
            next_sku += 1
        batch.skus.extend(product_skus)
        returnable, window, reason = family["returns"]
        promotions = rng.sample(data.PROMOTIONS, rng.randint(0, 2))
        # Sold-out goods sold as much as the rest, no more: they must not crowd page one.
        sales = int(rng.paretovariate(1.2) * 40) if not sold_out else rng.randint(50, 3000) // 12
        review_count = rng.randint(0, 6) if own_images else rng.randint(0, 3)
        batch.products.append(
            (
                product_id,
                name,
                brand,
                leaves[leaf],
                min(s[3] for s in product_skus),
                base_fen + rng.choice((0, 2000, 5000)) if promotions else None,
                sum(s[4] for s in product_skus),
                sales,
                round(rng.uniform(4.0, 5.0), 1),
                review_count,
                "".join(rng.sample(data.DESCRIPTIONS, 3)),
                int(returnable),
                window,
                reason,
                json.dumps(promotions, ensure_ascii=False),
                now - rng.uniform(0, 365) * DAY,
                family.get("kind", "physical"),
            )
        )
        if own_images:
            for position in range(rng.randint(1, 3)):
                image_id = ctx.db.insert(
                    "INSERT INTO images(png) VALUES (?)",
                    (_make_image(rng, offset % len(families)),),
                )
                batch.product_images.append((product_id, image_id, position))
        else:
            batch.product_images.append((product_id, pool[offset % len(pool)], 0))
        for _ in range(review_count):
            text, rating = rng.choice(family["reviews"])
            specs = rng.choice(product_skus)[2]
            batch.reviews.append(
                (
                    product_id,
                    rng.choice(data.SURNAMES) + "**",
                    rating,
                    text,
                    specs,
                    now - rng.uniform(1, 200) * DAY,
                )
            )
        if len(batch.products) >= PRODUCT_BATCH:
            batch.flush(ctx)
    batch.flush(ctx)
    _settle_products(ctx, first_id)


def _seed_services(ctx: Ctx, rng: random.Random) -> None:
    """The services of `data.SERVICES`, with pictures, reviews, the bookings other customers
    hold in the next 14 days (some slots full), and the secret virtual goods' codes are
    derived from. Drawn from an rng of their own, after the catalogue's."""
    now = ctx.now()
    leaves = {row["name_zh"]: row["id"] for row in ctx.db.all("SELECT id, name_zh FROM categories")}
    product_id = (ctx.db.scalar("SELECT MAX(id) FROM products") or 0) + 1
    sku_id = (ctx.db.scalar("SELECT MAX(id) FROM skus") or 0) + 1
    family_index = len(data.FAMILIES)
    for leaf, brand, base, axis, options, capacity in data.SERVICES:
        prices = [yuan * 100 for _, yuan in options]
        review_count = rng.randint(1, 5)
        ctx.db.execute(
            "INSERT INTO products(id, name, brand, category_id, price_fen, stock, sales, rating,"
            " review_count, description, returnable, return_window_days, non_returnable_reason,"
            " promotions, created_at, kind, slot_capacity)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,0,0,'service','[]',?,'service',?)",
            (
                product_id,
                f"{brand} {base}",
                brand,
                leaves[leaf],
                min(prices),
                data.SERVICE_STOCK * len(options),
                int(rng.paretovariate(1.2) * 40),
                round(rng.uniform(4.3, 5.0), 1),
                review_count,
                data.SERVICE_DESCRIPTION,
                now - rng.uniform(0, 365) * DAY,
                capacity,
            ),
        )
        catalogue_store.index_short_words(ctx.db, [(product_id, f"{brand} {base}", brand)])
        specs = []
        for (value, _), price in zip(options, prices, strict=True):
            spec = json.dumps({axis: value}, ensure_ascii=False)
            specs.append(spec)
            ctx.db.execute(
                "INSERT INTO skus(id, product_id, specs, price_fen, stock) VALUES (?,?,?,?,?)",
                (sku_id, product_id, spec, price, data.SERVICE_STOCK),
            )
            sku_id += 1
        image_id = ctx.db.insert(
            "INSERT INTO images(png) VALUES (?)", (_make_image(rng, family_index),)
        )
        ctx.db.execute(
            "INSERT INTO product_images(product_id, image_id, position) VALUES (?,?,0)",
            (product_id, image_id),
        )
        for _ in range(review_count):
            text, rating = rng.choice(data.SERVICE_REVIEWS)
            ctx.db.execute(
                "INSERT INTO reviews(product_id, author, rating, text, specs, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (
                    product_id,
                    rng.choice(data.SURNAMES) + "**",
                    rating,
                    text,
                    rng.choice(specs),
                    now - rng.uniform(1, 200) * DAY,
                ),
            )
        _seed_bookings(ctx, rng, product_id, capacity)
        product_id += 1
        family_index += 1
    _settle_products(ctx, product_id - len(data.SERVICES))
    bookings_store.set_code_secret(ctx.db, f"{rng.getrandbits(128):032x}")


def _seed_bookings(ctx: Ctx, rng: random.Random, product_id: int, capacity: int) -> None:
    """Other customers' bookings of a service's slots in the next 14 days: about one slot in
    five full, one in five partly taken."""
    first, last = service_slots.booking_days(ctx.now())
    day = first
    while day <= last:
        for hour in service_slots.SLOT_HOURS:
            draw = rng.random()
            taken = capacity if draw < 0.2 else rng.randint(1, capacity) if draw < 0.4 else 0
            if taken:
                starts_at = datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)
                bookings_store.set_booked(ctx.db, product_id, starts_at.timestamp(), taken)
        day += timedelta(days=1)


def _name_variety(rng: random.Random) -> str:
    """Zero to two modifiers (common ones more often) and sometimes a model number."""
    count = rng.choice((0, 1, 1, 2))
    modifiers = rng.choices(data.MODIFIERS, weights=MODIFIER_WEIGHTS, k=count)
    words = list(dict.fromkeys(modifiers))
    if rng.random() < 0.3:
        words.append(f"{rng.choice(data.MODEL_LETTERS)}{rng.randint(1, 99)}")
    return "".join(f" {word}" for word in words)


def _settle_products(ctx: Ctx, first_id: int) -> None:
    """Ratings of reviewed products become their reviews' average (half up, one decimal),
    as a buyer's review recomputes it; the price is the lowest in-stock SKU's (migration
    012); a list price no higher than the price is dropped."""
    ctx.db.execute(
        "UPDATE products SET rating = (SELECT ((SUM(r.rating) * 20 + COUNT(*)) / (2 * COUNT(*)))"
        " / 10.0 FROM reviews r WHERE r.product_id = products.id)"
        " WHERE id >= ? AND review_count > 0",
        (first_id,),
    )
    orders_store.settle_prices(ctx.db, first_id)
    ctx.db.execute(
        "UPDATE products SET original_price_fen = NULL"
        " WHERE id >= ? AND original_price_fen <= price_fen",
        (first_id,),
    )


class _SpecJson:
    """A SKU's specs as stored JSON ({axis: value} in axis order), made once per combination."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, tuple[str, ...]], str] = {}

    def __call__(self, leaf: str, combo: tuple[str, ...]) -> str:
        key = (leaf, combo)
        if key not in self.made:
            axes = data.FAMILIES[leaf]["specs"]
            specs = dict(zip(axes, combo, strict=True))
            self.made[key] = json.dumps(specs, ensure_ascii=False)
        return self.made[key]


class _Batch:
    """Rows waiting for one executemany per table."""

    def __init__(self) -> None:
        self.products: list[tuple[Any, ...]] = []
        self.skus: list[tuple[Any, ...]] = []
        self.product_images: list[tuple[int, int, int]] = []
        self.reviews: list[tuple[Any, ...]] = []

    def flush(self, ctx: Ctx) -> None:
        ctx.db.executemany(
            "INSERT INTO products(id, name, brand, category_id, price_fen, original_price_fen,"
            " stock, sales, rating, review_count, description, returnable, return_window_days,"
            " non_returnable_reason, promotions, created_at, kind)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            self.products,
        )
        catalogue_store.index_short_words(ctx.db, [row[:3] for row in self.products])
        ctx.db.executemany(
            "INSERT INTO skus(id, product_id, specs, price_fen, stock) VALUES (?,?,?,?,?)",
            self.skus,
        )
        ctx.db.executemany(
            "INSERT INTO product_images(product_id, image_id, position) VALUES (?,?,?)",
            self.product_images,
        )
        ctx.db.executemany(
            "INSERT INTO reviews(product_id, author, rating, text, specs, created_at)"
            " VALUES (?,?,?,?,?,?)",
            self.reviews,
        )
        for rows in (self.products, self.skus, self.product_images, self.reviews):
            rows.clear()


def _image_pool(ctx: Ctx, rng: random.Random) -> list[int]:
    existing = [
        row["image_id"]
        for row in ctx.db.all(
            "SELECT DISTINCT image_id FROM product_images ORDER BY image_id LIMIT ?", (IMAGE_POOL,)
        )
    ]
    while len(existing) < IMAGE_POOL:
        existing.append(
            ctx.db.insert("INSERT INTO images(png) VALUES (?)", (_make_image(rng, len(existing)),))
        )
    return existing


def _make_image(rng: random.Random, family_index: int) -> bytes:
    """A small product picture: a soft background and a simple object in the family's hue."""
    hue = (family_index * 37) % 360
    background = _hsv(hue, 0.15, 0.97)
    body = _hsv(hue, 0.55 + rng.random() * 0.3, 0.55 + rng.random() * 0.35)
    accent = _hsv((hue + 180) % 360, 0.6, 0.9)
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), background)
    draw = ImageDraw.Draw(image)
    shape = rng.randrange(3)
    margin = rng.randint(6, 10)
    box = (margin, margin + 4, IMAGE_SIZE - margin, IMAGE_SIZE - margin)
    if shape == 0:
        draw.rounded_rectangle(box, radius=6, fill=body)
    elif shape == 1:
        draw.ellipse(box, fill=body)
    else:
        draw.polygon(
            [
                (IMAGE_SIZE // 2, margin),
                (IMAGE_SIZE - margin, IMAGE_SIZE - margin),
                (margin, IMAGE_SIZE - margin),
            ],
            fill=body,
        )
    draw.rectangle(
        (IMAGE_SIZE // 2 - 6, IMAGE_SIZE // 2 - 2, IMAGE_SIZE // 2 + 6, IMAGE_SIZE // 2 + 2),
        fill=accent,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _hsv(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(hue / 360, saturation, value)
    return int(r * 255), int(g * 255), int(b * 255)
