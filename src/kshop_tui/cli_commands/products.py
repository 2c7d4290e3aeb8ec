"""`kshop products search ...` and `kshop product show ID`: no login needed."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kshop_tui.api import models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import specs_text, when, yuan
from kshop_tui.cli_commands.runtime import OK, Cli, add_json
from kshop_tui.i18n import t, translate_plural
from kshop_tui.text import compact_count

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

SORTS = ("relevance", "sales_desc", "sales_asc", "price_asc", "price_desc", "newest")
PAGE_LIMIT = 100  # the most the backend answers per page


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("products", help=t("cli.products.products"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    search = actions.add_parser("search", parents=[common], help=t("cli.products.search"))
    search.add_argument("words", nargs="*", help=t("cli.products.search.words"))
    search.add_argument(
        "--category", type=types.positive_int, metavar="ID", help=t("cli.products.search.category")
    )
    search.add_argument("--brand", metavar="NAME", help=t("cli.products.search.brand"))
    search.add_argument(
        "--price-min", type=types.yuan, metavar="YUAN", help=t("cli.products.search.price_min")
    )
    search.add_argument(
        "--price-max", type=types.yuan, metavar="YUAN", help=t("cli.products.search.price_max")
    )
    search.add_argument("--in-stock", action="store_true", help=t("cli.products.search.in_stock"))
    search.add_argument(
        "--sort",
        choices=SORTS,
        default=None,
        help=t("cli.products.search.sort"),
    )
    search.add_argument(
        "--limit", type=types.positive_int, default=20, metavar="N", help=t("cli.arg.limit")
    )
    add_json(search)
    search.set_defaults(online=search_command)

    product = commands.add_parser("product", help=t("cli.products.product"))
    product_actions = product.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = product_actions.add_parser("show", parents=[common], help=t("cli.products.show"))
    show.add_argument(
        "product_id", type=types.positive_int, metavar="ID", help=t("cli.arg.product_id")
    )
    add_json(show)
    show.set_defaults(online=show_command)

    slots = product_actions.add_parser("slots", parents=[common], help=t("cli.products.slots"))
    slots.add_argument(
        "product_id", type=types.positive_int, metavar="ID", help=t("cli.arg.product_id")
    )
    slots.add_argument("--date", metavar="YYYY-MM-DD", help=t("cli.products.slots.date"))
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
        (
            "cli.col.id",
            "cli.col.name",
            "cli.col.brand",
            "cli.col.price",
            "cli.col.sales",
            "cli.col.stock",
            "cli.col.rating",
        ),
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
        right=("cli.col.id", "cli.col.price", "cli.col.sales", "cli.col.stock", "cli.col.rating"),
        wrap=("cli.col.name", "cli.col.brand"),
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
        ("cli.col.sku", "cli.col.specs", "cli.col.price", "cli.col.stock"),
        (
            (str(sku.id), specs_text(sku.specs), yuan(sku.price_fen), str(sku.stock))
            for sku in product.skus
        ),
        right=("cli.col.sku", "cli.col.price", "cli.col.stock"),
        wrap=("cli.col.specs",),
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
        ("cli.col.slot", "cli.col.from", "cli.col.to", "cli.col.places_left"),
        (
            (slot.id, when(slot.starts_at), when(slot.ends_at), str(slot.capacity_left))
            for slot in slots
        ),
        right=("cli.col.places_left",),
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
        ("cli.field.product", f"{product.name} (id {product.id})"),
        ("cli.field.kind", KIND_WORDS.get(product.kind, product.kind)),
        ("cli.field.brand", product.brand),
        ("cli.field.category", " > ".join(crumb.name for crumb in product.category_path)),
        ("cli.field.price", price),
        ("cli.field.stock", str(product.stock)),
        ("cli.field.sales", compact_count(product.sales)),
        (
            "cli.field.rating",
            f"{product.rating:.1f} ({translate_plural('en', 'product.review_count', count)})"
            if product.review_count
            else "no reviews yet",
        ),
        ("cli.field.returns", returns),
    ]
    if product.promotions:
        fields.append(
            ("cli.field.promotions", ", ".join(promo.label for promo in product.promotions))
        )
    return fields
