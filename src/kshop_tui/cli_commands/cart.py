"""`kshop cart list | add SKU --qty N | remove ITEM | clear`: each answers the cart."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kshop_tui.api import models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import specs_text, yuan
from kshop_tui.cli_commands.runtime import OK, Cli, add_json
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("cart", help=t("cli.cart.cart"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", parents=[common], help=t("cli.cart.list"))
    add_json(listing)
    listing.set_defaults(online=list_command)

    add = actions.add_parser("add", parents=[common], help=t("cli.cart.add"))
    add.add_argument("sku", type=types.positive_int, metavar="SKU", help=t("cli.arg.sku"))
    add.add_argument(
        "--qty", type=types.positive_int, default=1, metavar="N", help=t("cli.arg.qty")
    )
    add_json(add)
    add.set_defaults(online=add_command)

    remove = actions.add_parser("remove", parents=[common], help=t("cli.cart.remove"))
    remove.add_argument(
        "item", type=types.positive_int, metavar="ITEM", help=t("cli.cart.remove.item")
    )
    add_json(remove)
    remove.set_defaults(online=remove_command)

    clear = actions.add_parser("clear", parents=[common], help=t("cli.cart.clear"))
    add_json(clear)
    clear.set_defaults(online=clear_command)


async def list_command(cx: Cli) -> int:
    return show_cart(cx, await cx.require_login().cart())


async def add_command(cx: Cli) -> int:
    cart = await cx.require_login().add_to_cart(cx.args.sku, cx.args.qty)
    return show_cart(cx, cart)


async def remove_command(cx: Cli) -> int:
    cart = await cx.require_login().remove_cart_item(cx.args.item)
    return show_cart(cx, cart)


async def clear_command(cx: Cli) -> int:
    client = cx.require_login()
    cart = await client.cart()
    for item in cart.items:
        cart = await client.remove_cart_item(item.id)
    return show_cart(cx, cart)


def show_cart(cx: Cli, cart: models.Cart) -> int:
    if cx.out.json_mode:
        cx.out.model(cart)
        return OK
    if not cart.items:
        cx.out.line("The cart is empty.")
        return OK
    cx.out.table(
        (
            "cli.col.item",
            "cli.col.sku",
            "cli.col.name",
            "cli.col.specs",
            "cli.col.qty",
            "cli.col.price",
            "cli.col.total",
            "cli.col.selected",
        ),
        (
            (
                str(item.id),
                str(item.sku_id),
                item.name + _flags(item),
                specs_text(item.specs),
                str(item.qty),
                yuan(item.price_fen),
                yuan(item.line_total_fen),
                "yes" if item.selected else "no",
            )
            for item in cart.items
        ),
        right=("cli.col.item", "cli.col.sku", "cli.col.qty", "cli.col.price", "cli.col.total"),
        wrap=("cli.col.name", "cli.col.specs"),
        caption=(
            f"{cart.selected_count} selected · subtotal {yuan(cart.selected_subtotal_fen)}"
            " · `kshop order place --from-cart` orders the selected lines"
        ),
    )
    return OK


def _flags(item: models.CartItem) -> str:
    if not item.available:
        return " (unavailable)"
    if item.price_changed and item.added_price_fen is not None:
        return f" (was {yuan(item.added_price_fen)})"
    return ""
