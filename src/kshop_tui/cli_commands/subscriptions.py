"""`kshop subscription create | list | show | pause | resume | skip | cancel`: 周期购,
a SKU the backend orders and pays every week, two weeks or month."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from kshop_tui.api import models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import specs_text, when, yuan
from kshop_tui.cli_commands.runtime import OK, Cli, UsageError, add_json
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

EVERY = ("week", "two_weeks", "month")
METHODS = ("balance", "bank_card", "bnpl")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The command word → the API's move.
MOVES = {"pause": "pause", "resume": "resume", "skip": "skip_next", "cancel": "cancel"}


def _date(text: str) -> str:
    if not DATE_RE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}")
    return text


def _address(text: str) -> int | None:
    return None if text == "default" else types.positive_int(text)


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("subscription", help=t("cli.subscriptions.subscription"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", parents=[common], help=t("cli.subscriptions.create"))
    create.add_argument(
        "--sku", type=types.positive_int, required=True, metavar="SKU", help=t("cli.arg.sku")
    )
    create.add_argument(
        "--qty", type=types.positive_int, default=1, metavar="N", help=t("cli.arg.qty")
    )
    create.add_argument(
        "--every",
        choices=EVERY,
        required=True,
        help=t("cli.subscriptions.create.every", periods=", ".join(EVERY)),
    )
    create.add_argument(
        "--starts",
        type=_date,
        required=True,
        metavar="YYYY-MM-DD",
        help=t("cli.subscriptions.create.starts"),
    )
    create.add_argument(
        "--address",
        type=_address,
        default=None,
        metavar="default|ID",
        help=t("cli.subscriptions.create.address"),
    )
    create.add_argument(
        "--pay",
        choices=METHODS,
        required=True,
        metavar="METHOD",
        help=t("cli.orders.parser.pay", methods=", ".join(METHODS)),
    )
    create.add_argument(
        "--card", type=types.positive_int, metavar="ID", help=t("cli.subscriptions.create.card")
    )
    create.add_argument(
        "--payment-password-stdin",
        action="store_true",
        help=t("cli.subscriptions.create.payment_password_stdin"),
    )
    add_json(create)
    create.set_defaults(online=create_command)

    listing = actions.add_parser("list", parents=[common], help=t("cli.subscriptions.list"))
    add_json(listing)
    listing.set_defaults(online=list_command)

    show = actions.add_parser("show", parents=[common], help=t("cli.subscriptions.show"))
    show.add_argument(
        "subscription_id", type=types.positive_int, metavar="ID", help=t("cli.arg.subscription_id")
    )
    add_json(show)
    show.set_defaults(online=show_command)

    for word, helped in (
        ("pause", "cli.subscriptions.pause"),
        ("resume", "cli.subscriptions.resume"),
        ("skip", "cli.subscriptions.skip"),
        ("cancel", "cli.subscriptions.cancel"),
    ):
        move = actions.add_parser(word, parents=[common], help=t(helped))
        move.add_argument(
            "subscription_id",
            type=types.positive_int,
            metavar="ID",
            help=t("cli.arg.subscription_id"),
        )
        add_json(move)
        move.set_defaults(online=move_command, move=MOVES[word])


async def create_command(cx: Cli) -> int:
    client = cx.require_login()
    if cx.args.card is not None and cx.args.pay != "bank_card":
        raise UsageError("--card goes with --pay bank_card")
    if cx.args.payment_password_stdin:
        password = cx.stdin_line("payment password")
    else:
        password = cx.ask("Payment password: ", secret=True)
    address_id = cx.args.address
    if address_id is None:
        chosen = [address for address in await client.addresses() if address.is_default]
        if not chosen:
            raise UsageError("no default address: give --address ID")
        address_id = chosen[0].id
    made = await cx.intent(
        lambda key: client.create_subscription(
            sku_id=cx.args.sku,
            qty=cx.args.qty,
            address_id=address_id,
            payment_method=cx.args.pay,
            every=cx.args.every,
            starts_on=cx.args.starts,
            payment_password=password,
            idempotency_key=key,
            bank_card_id=cx.args.card,
        )
    )
    return _show(cx, made)


async def list_command(cx: Cli) -> int:
    items = await cx.require_login().subscriptions()
    if cx.out.json_mode:
        cx.out.json([item.model_dump(mode="json") for item in items])
        return OK
    if not items:
        cx.out.line("No subscriptions. Make one with `kshop subscription create`.")
        return OK
    cx.out.table(
        (
            "cli.col.id",
            "cli.col.product",
            "cli.col.qty",
            "cli.col.every",
            "cli.col.next",
            "cli.col.status",
            "cli.col.last_period",
        ),
        (
            (
                str(item.id),
                item.product_name,
                str(item.qty),
                item.every,
                item.next_on or "",
                item.status,
                _outcome(item.last_outcome),
            )
            for item in items
        ),
        right=("cli.col.id", "cli.col.qty"),
        wrap=("cli.col.product", "cli.col.last_period"),
    )
    return OK


async def show_command(cx: Cli) -> int:
    return _show(cx, await cx.require_login().subscription(cx.args.subscription_id))


async def move_command(cx: Cli) -> int:
    moved = await cx.require_login().move_subscription(cx.args.subscription_id, cx.args.move)
    return _show(cx, moved)


def _show(cx: Cli, sub: models.SubscriptionDetail) -> int:
    if cx.out.json_mode:
        cx.out.model(sub)
        return OK
    fields = [
        ("cli.field.subscription", str(sub.id)),
        ("cli.field.status", sub.status),
        ("cli.field.product", f"{sub.product_name} ({specs_text(sub.specs)})".replace(" ()", "")),
        ("cli.field.quantity", f"{sub.qty} × {yuan(sub.price_fen)} (today's price)"),
        ("cli.field.every", sub.every),
        ("cli.field.next_period", sub.next_on or "none"),
        ("cli.field.pays_with", sub.payment_method),
    ]
    if sub.next_attempt_at:
        fields.append(("cli.field.next_attempt", when(sub.next_attempt_at)))
    fields.append(("cli.field.you_may", ", ".join(sub.actions) or "nothing (cancelled)"))
    cx.out.fields(fields)
    if sub.history:
        cx.out.table(
            (
                "cli.col.period",
                "cli.col.outcome",
                "cli.col.order",
                "cli.col.attempts",
                "cli.col.why",
            ),
            (
                (
                    period.period_on,
                    period.status,
                    str(period.order_id or ""),
                    str(period.attempts),
                    period.error_message or "",
                )
                for period in sub.history
            ),
            title="cli.title.periods",
            right=("cli.col.order", "cli.col.attempts"),
            wrap=("cli.col.why",),
        )
    return OK


def _outcome(period: models.SubscriptionPeriod | None) -> str:
    if period is None:
        return "none yet"
    if period.status == "placed":
        return f"{period.period_on} placed (order {period.order_id})"
    why = f": {period.error_message}" if period.error_message else ""
    return f"{period.period_on} {period.status}{why}"
