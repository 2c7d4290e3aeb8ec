"""`kshop products search ...` and `kshop product show ID`: no login needed."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kshop_tui.api import models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import specs_text, when, yuan
from kshop_tui.cli_commands.runtime import OK, Cli, add_json
from kshop_tui.i18n import translate_plural
from kshop_tui.text import compact_count

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

SORTS = ("relevance", "sales_desc", "sales_asc", "price_asc", "price_desc", "newest")
PAGE_LIMIT = 100  # the most the backend answers per page


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("products", help="search the catalogue")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    search = actions.add_parser("search", parents=[common], help="search products")
    search.add_argument("words", nargs="*", help="what to look for")
    search.add_argument("--category", type=types.positive_int, metavar="ID")
    search.add_argument("--brand", metavar="NAME", help="a brand's exact name")
    search.add_argument("--price-min", type=types.yuan, metavar="YUAN")
    search.add_argument("--price-max", type=types.yuan, metavar="YUAN")
    search.add_argument("--in-stock", action="store_true", help="hide sold-out products")
    search.add_argument(
        "--sort",
        choices=SORTS,
        default=None,
        help="default: relevance when there are words to look for, else sales_desc",
    )
    search.add_argument("--limit", type=types.positive_int, default=20, metavar="N")
    add_json(search)
    search.set_defaults(online=search_command)

    product = commands.add_parser("product", help="one product")
    product_actions = product.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = product_actions.add_parser(
        "show", parents=[common], help="a product with its SKUs (the ids to order)"
    )
    show.add_argument("product_id", type=types.positive_int, metavar="ID")
    add_json(show)
    show.set_defaults(online=show_command)

    slots = product_actions.add_parser(
        "slots", parents=[common], help="a service's 2-hour slots of one day (the ids to book)"
    )
    slots.add_argument("product_id", type=types.positive_int, metavar="ID")
    slots.add_argument("--date", metavar="YYYY-MM-DD", help="today (the default) to 13 days ahead")
    add_json(slots)
    slots.set_defaults(online=slots_command)


# What each kind of product is, for people and scripts reading the tables (docs/api.md §7.1).
KIND_WORDS = {
    "physical": "physical goods (shipped)",
    "virtual": "virtual goods (codes on payment; `kshop order codes ID`)",
    "service": "service (book a slot: `kshop product slots ID`)",
}
KIND_MARKS = {"virtual": " [virtual]", "service": " [service]"}


async def search_command(cx: Cli) -> int:
    args = cx.args
    items: list[models.ProductSummary] = []
    total = 0
    cursor: str | None = None
    while True:
        page = await cx.client.search_products(
            q=" ".join(args.words),
            category=args.category,
            brand=args.brand,
            price_min_fen=args.price_min,
            price_max_fen=args.price_max,
            in_stock=True if args.in_stock else None,
            sort=args.sort or ("relevance" if "".join(args.words).strip() else "sales_desc"),
            cursor=cursor,
            limit=min(PAGE_LIMIT, args.limit - len(items)),
        )
        items.extend(page.items)
        total = page.total if cursor is None else total
        cursor = page.next_cursor
        if cursor is None or len(items) >= args.limit:
            break
    if cx.out.json_mode:
        answer: dict[str, Any] = {
            "items": [item.model_dump(mode="json") for item in items],
            "total": total,
            "next_cursor": cursor,
        }
        cx.out.json(answer)
        return OK
    cx.out.table(
        ("ID", "Name", "Brand", "Price", "Sales", "Stock", "Rating"),
        (
            (
                str(item.id),
                item.name + KIND_MARKS.get(item.kind, ""),
                item.brand,
                yuan(item.price_fen),
                compact_count(item.sales),
                str(item.stock) if item.stock else "sold out",
                f"{item.rating:.1f}" if item.review_count else "-",
            )
            for item in items
        ),
        right=("ID", "Price", "Sales", "Stock", "Rating"),
        wrap=("Name", "Brand"),
        caption=f"{len(items)} of {total} shown · `kshop product show ID` for SKUs",
    )
    return OK


async def show_command(cx: Cli) -> int:
    product = await cx.client.product(cx.args.product_id)
    if cx.out.json_mode:
        cx.out.model(product)
        return OK
    cx.out.fields(_product_fields(product))
    cx.out.table(
        ("SKU", "Specs", "Price", "Stock"),
        (
            (str(sku.id), specs_text(sku.specs), yuan(sku.price_fen), str(sku.stock))
            for sku in product.skus
        ),
        right=("SKU", "Price", "Stock"),
        wrap=("Specs",),
    )
    if product.description:
        cx.out.paragraph(product.description)
    return OK


async def slots_command(cx: Cli) -> int:
    slots = await cx.client.service_slots(cx.args.product_id, cx.args.date)
    if cx.out.json_mode:
        cx.out.json({"items": [slot.model_dump(mode="json") for slot in slots]})
        return OK
    if not slots:
        cx.out.line("No slots left that day.")
        return OK
    cx.out.table(
        ("Slot", "From", "To", "Places left"),
        (
            (slot.id, when(slot.starts_at), when(slot.ends_at), str(slot.capacity_left))
            for slot in slots
        ),
        right=("Places left",),
        caption="book with `kshop order place --sku SKU --slot SLOT --note TEXT --pay METHOD`",
    )
    return OK


def _product_fields(product: models.ProductDetail) -> list[tuple[str, str]]:
    price = yuan(product.price_fen)
    if product.original_price_fen and product.original_price_fen > product.price_fen:
        price = f"{price} (was {yuan(product.original_price_fen)})"
    if product.returnable:
        returns = f"{product.return_window_days} days" if product.return_window_days else "yes"
    else:
        returns = f"no ({product.non_returnable_reason or 'not returnable'})"
    count = product.review_count
    fields = [
        ("Product", f"{product.name} (id {product.id})"),
        ("Kind", KIND_WORDS.get(product.kind, product.kind)),
        ("Brand", product.brand),
        ("Category", " > ".join(crumb.name for crumb in product.category_path)),
        ("Price", price),
        ("Stock", str(product.stock)),
        ("Sales", compact_count(product.sales)),
        (
            "Rating",
            f"{product.rating:.1f} ({translate_plural('en', 'product.review_count', count)})"
            if product.review_count
            else "no reviews yet",
        ),
        ("Returns", returns),
    ]
    if product.promotions:
        fields.append(("Promotions", ", ".join(promo.label for promo in product.promotions)))
    return fields
