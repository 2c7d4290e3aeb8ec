"""`kshop after-sale create | options | list | show | confirm-replacement`: refunds,
returns and exchanges (售后, docs/api.md §7.2–7.3)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from kshop_tui.api import models
from kshop_tui.api.client import KshopClient
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import specs_text, when, yuan
from kshop_tui.cli_commands.runtime import OK, Cli, UsageError, add_json
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

TYPES: tuple[str, ...] = get_args(models.AfterSaleType)
REFUND_TO: tuple[str, ...] = get_args(models.RefundTo)
PAGE_LIMIT = 100


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("after-sale", help=t("cli.after_sales.after_sale"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", parents=[common], help=t("cli.after_sales.create"))
    create.add_argument(
        "--order", type=types.positive_int, required=True, metavar="ID", help=t("cli.arg.order")
    )
    create.add_argument(
        "--type", choices=TYPES, required=True, help=t("cli.after_sales.create.type")
    )
    create.add_argument(
        "--items",
        type=types.id_list,
        metavar="ITEM,...",
        help=t("cli.after_sales.create.items"),
    )
    create.add_argument(
        "--exchange",
        type=exchange_list,
        metavar="ITEM:SKU,...",
        help=t("cli.after_sales.create.exchange"),
    )
    create.add_argument(
        "--reason",
        required=True,
        metavar="CODE",
        help=t("cli.after_sales.create.reason"),
    )
    create.add_argument(
        "--photo",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help=t("cli.after_sales.create.photo"),
    )
    create.add_argument(
        "--amount",
        type=types.yuan,
        metavar="YUAN",
        help=t("cli.after_sales.create.amount"),
    )
    create.add_argument(
        "--description", default="", metavar="TEXT", help=t("cli.after_sales.create.description")
    )
    create.add_argument(
        "--to", choices=REFUND_TO, default="original", help=t("cli.after_sales.create.to")
    )
    add_json(create)
    create.set_defaults(online=create_command)

    options = actions.add_parser("options", parents=[common], help=t("cli.after_sales.options"))
    options.add_argument(
        "--order", type=types.positive_int, required=True, metavar="ID", help=t("cli.arg.order")
    )
    add_json(options)
    options.set_defaults(online=options_command)

    confirm = actions.add_parser(
        "confirm-replacement",
        parents=[common],
        help=t("cli.after_sales.confirm_replacement"),
    )
    confirm.add_argument(
        "after_sale_id", type=types.positive_int, metavar="ID", help=t("cli.arg.after_sale_id")
    )
    add_json(confirm)
    confirm.set_defaults(online=confirm_command)

    listing = actions.add_parser("list", parents=[common], help=t("cli.after_sales.list"))
    listing.add_argument(
        "--order", type=types.positive_int, metavar="ID", help=t("cli.after_sales.listing.order")
    )
    listing.add_argument(
        "--limit", type=types.positive_int, default=20, metavar="N", help=t("cli.arg.limit")
    )
    add_json(listing)
    listing.set_defaults(online=list_command)

    show = actions.add_parser("show", parents=[common], help=t("cli.after_sales.show"))
    show.add_argument(
        "after_sale_id", type=types.positive_int, metavar="ID", help=t("cli.arg.after_sale_id")
    )
    add_json(show)
    show.set_defaults(online=show_command)


def exchange_list(text: str) -> dict[int, int]:
    """`11:103,12:201` → {11: 103, 12: 201} (order item → the SKU wanted instead)."""
    wanted: dict[int, int] = {}
    for part in (piece for piece in text.split(",") if piece.strip()):
        item, sep, sku = part.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(f"{part!r} is not ITEM:SKU, e.g. 11:103")
        wanted.setdefault(types.positive_int(item), types.positive_int(sku))
    if not wanted:
        raise argparse.ArgumentTypeError("give at least one ITEM:SKU, e.g. 11:103")
    return wanted


def _check_shape(args: argparse.Namespace) -> None:
    """An exchange names --exchange and no amount; a refund or a return names --items."""
    if args.type == "exchange":
        if args.exchange is None:
            raise UsageError("an exchange needs --exchange ITEM:SKU,...")
        if args.items is not None or args.amount is not None:
            raise UsageError("an exchange takes --exchange, not --items or --amount")
    else:
        if args.items is None:
            raise UsageError(f"--type {args.type} needs --items ITEM,...")
        if args.exchange is not None:
            raise UsageError("--exchange goes with --type exchange")
    if len(args.photo) > 9:
        raise UsageError("at most 9 --photo")


async def create_command(cx: Cli) -> int:
    args = cx.args
    _check_shape(args)
    photos = []
    if args.photo:
        # The photo checks live beside the TUI's picker; only a --photo pays for them.
        from kshop_tui.widgets.file_picker import PhotoRefused, read_photo
    for path in args.photo:
        try:
            photos.append(read_photo(path))
        except PhotoRefused as refusal:
            raise UsageError(f"--photo {path}: {refusal}") from None
    client = cx.require_login()
    photo_ids = [
        (await client.upload_photo(photo.name, photo.data, photo.content_type)).id
        for photo in photos
    ]
    if args.type == "exchange":
        after_sale = await cx.intent(
            lambda key: client.create_after_sale(
                order_id=args.order,
                type="exchange",
                exchange_items=args.exchange,
                reason=args.reason,
                idempotency_key=key,
                description=args.description,
                photo_ids=photo_ids,
            )
        )
    else:
        item_ids: list[int] = list(dict.fromkeys(args.items))
        amount_fen: int = (
            args.amount
            if args.amount is not None
            else await _refundable(client, args.order, args.type, item_ids)
        )
        after_sale = await cx.intent(
            lambda key: client.create_after_sale(
                order_id=args.order,
                type=args.type,
                item_ids=item_ids,
                reason=args.reason,
                amount_fen=amount_fen,
                idempotency_key=key,
                description=args.description,
                refund_to=args.to,
                photo_ids=photo_ids,
            )
        )
    if cx.out.json_mode:
        cx.out.model(after_sale)
        return OK
    show_after_sale(cx, after_sale)
    return OK


async def _refundable(client: KshopClient, order_id: int, kind: str, item_ids: list[int]) -> int:
    """All the backend would refund for these items: the type's maximum when they are all
    its eligible items (it includes unshipped postage), else what they cost."""
    eligibility = await client.after_sale_eligibility(order_id)
    eligible = {item.item_id for item in eligibility.items if kind in item.types}
    if eligible and eligible == set(item_ids) and kind in eligibility.max_refund_by_type:
        return eligibility.max_refund_by_type[kind]
    return sum(item.refundable_fen for item in eligibility.items if item.item_id in item_ids)


async def options_command(cx: Cli) -> int:
    """What the order allows now: each type with its reasons (or why not), and each item
    with the specs it may be exchanged for."""
    client = cx.require_login()
    eligibility = await client.after_sale_eligibility(cx.args.order)
    if cx.out.json_mode:
        cx.out.model(eligibility)
        return OK
    photo_needed = {r.code for r in await client.after_sale_reasons() if r.photo_required}
    rows = []
    for kind in TYPES:
        if kind in eligibility.types:
            reasons = ", ".join(
                code + ("*" if code in photo_needed else "")
                for code in eligibility.reasons_by_type.get(kind, [])
            )
            note = eligibility.quality_only.get(kind, "")
            rows.append((kind, "yes", reasons, note))
        else:
            rows.append((kind, "no", "", eligibility.not_allowed.get(kind, "")))
    cx.out.table(
        ("cli.col.type", "cli.col.allowed", "cli.col.reasons_needs_photo", "cli.col.note"),
        rows,
        wrap=("cli.col.reasons_needs_photo", "cli.col.note"),
    )
    cx.out.table(
        (
            "cli.col.item",
            "cli.col.name",
            "cli.col.specs",
            "cli.col.refundable",
            "cli.col.types",
            "cli.col.exchange_for_sku_specs_stock",
        ),
        (
            (
                str(item.item_id),
                item.name,
                specs_text(item.specs),
                yuan(item.refundable_fen),
                ", ".join(item.types) or (item.reason or ""),
                "; ".join(
                    f"{sku.sku_id} {specs_text(sku.specs)} "
                    + (str(sku.stock) if sku.stock > 0 else "sold out")
                    for sku in item.exchange_skus
                ),
            )
            for item in eligibility.items
        ),
        right=("cli.col.item", "cli.col.refundable"),
        wrap=("cli.col.name", "cli.col.types", "cli.col.exchange_for_sku_specs_stock"),
        title="cli.title.items",
    )
    return OK


async def confirm_command(cx: Cli) -> int:
    after_sale = await cx.require_login().confirm_replacement(cx.args.after_sale_id)
    if cx.out.json_mode:
        cx.out.model(after_sale)
        return OK
    show_after_sale(cx, after_sale)
    return OK


async def list_command(cx: Cli) -> int:
    client = cx.require_login()
    items: list[models.AfterSale] = []
    cursor: str | None = None
    while True:
        page = await client.after_sales(
            cursor, order_id=cx.args.order, limit=min(PAGE_LIMIT, cx.args.limit - len(items))
        )
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or len(items) >= cx.args.limit:
            break
    if cx.out.json_mode:
        answer: dict[str, Any] = {
            "items": [item.model_dump(mode="json") for item in items],
            "next_cursor": cursor,
        }
        cx.out.json(answer)
        return OK
    if not items:
        cx.out.line("No after-sales.")
        return OK
    cx.out.table(
        (
            "cli.col.id",
            "cli.col.order_no",
            "cli.col.type",
            "cli.col.status",
            "cli.col.amount",
            "cli.col.reason",
            "cli.col.asked",
        ),
        (
            (
                str(item.id),
                item.order_no,
                item.type,
                item.status,
                yuan(item.amount_fen),
                item.reason_label,
                when(item.created_at),
            )
            for item in items
        ),
        right=("cli.col.id", "cli.col.amount"),
        wrap=("cli.col.reason",),
        caption="more: --limit N" if cursor else None,
    )
    return OK


async def show_command(cx: Cli) -> int:
    after_sale = await cx.require_login().after_sale(cx.args.after_sale_id)
    if cx.out.json_mode:
        cx.out.model(after_sale)
        return OK
    show_after_sale(cx, after_sale)
    return OK


def show_after_sale(cx: Cli, after_sale: models.AfterSale) -> None:
    fields = [
        ("cli.field.after_sale", str(after_sale.id)),
        ("cli.field.order", f"{after_sale.order_no} (id {after_sale.order_id})"),
        ("cli.field.type", after_sale.type),
        ("cli.field.status", after_sale.status),
        ("cli.field.reason", after_sale.reason_label),
        *(
            []
            if after_sale.type == "exchange"
            else [
                ("cli.field.amount", yuan(after_sale.amount_fen)),
                ("cli.field.refund_to", after_sale.refund_account or after_sale.refund_to),
            ]
        ),
        ("cli.field.asked", when(after_sale.created_at)),
    ]
    if after_sale.deadline_at:
        fields.append(("cli.field.deadline", when(after_sale.deadline_at)))
    if after_sale.refunded_at:
        fields.append(("cli.field.refunded", when(after_sale.refunded_at)))
    if after_sale.return_address:
        address = after_sale.return_address
        fields.append(
            ("cli.field.return_to", f"{address.name} {address.phone} {address.one_line()}")
        )
    if after_sale.return_tracking_no:
        parcel = f"{after_sale.return_carrier or ''} {after_sale.return_tracking_no}"
        fields.append(("cli.field.return_parcel", parcel.strip()))
    for wanted in after_sale.exchange_items:
        fields.append(
            ("cli.field.exchange_for", f"item {wanted.item_id} → {specs_text(wanted.specs)}")
        )
    if after_sale.replacement is not None:
        replacement = after_sale.replacement
        fields.append(("cli.field.replacement", f"{replacement.carrier} {replacement.tracking_no}"))
    if after_sale.replacement_confirm_by:
        fields.append(("cli.field.completes_on", when(after_sale.replacement_confirm_by)))
    if after_sale.appeal_outcome:
        fields.append(("cli.field.appeal", after_sale.appeal_outcome))
    if after_sale.merchant_note:
        fields.append(("cli.field.merchant", after_sale.merchant_note))
    if after_sale.actions:
        fields.append(("cli.field.you_may", ", ".join(after_sale.actions)))
    cx.out.fields(fields)
    if after_sale.description:
        cx.out.paragraph(after_sale.description)
    cx.out.table(
        ("cli.col.item", "cli.col.name", "cli.col.specs", "cli.col.qty", "cli.col.refundable"),
        (
            (
                str(item.item_id),
                item.name,
                specs_text(item.specs),
                str(item.qty),
                yuan(item.refundable_fen),
            )
            for item in after_sale.items
        ),
        right=("cli.col.item", "cli.col.qty", "cli.col.refundable"),
        wrap=("cli.col.name", "cli.col.specs"),
    )
    cx.out.table(
        ("cli.col.when", "cli.col.status", "cli.col.by", "cli.col.note"),
        ((when(e.at), e.status, e.actor, e.note) for e in after_sale.timeline),
        title="cli.title.timeline",
        wrap=("cli.col.note",),
    )
