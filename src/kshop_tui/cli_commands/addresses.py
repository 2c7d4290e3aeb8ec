"""`kshop address parse TEXT`: what the backend reads from an address as pasted
(智能识别, docs/api.md §7.4) — the same reading the address form and inline addresses use."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kshop_tui.cli_commands.runtime import OK, REFUSED, Cli, add_json
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

FIELDS = ("name", "phone", "province", "city", "district", "detail")


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("address", help=t("cli.addresses.address"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    parse = actions.add_parser(
        "parse",
        parents=[common],
        help=t("cli.addresses.parse"),
    )
    parse.add_argument("text", nargs="+", metavar="TEXT", help=t("cli.addresses.parse.text"))
    add_json(parse)
    parse.set_defaults(online=parse_command)


async def parse_command(cx: Cli) -> int:
    """Exit 0 when every field was found, 4 when some are missing (shown as —)."""
    parsed = await cx.client.parse_address(" ".join(cx.args.text))
    if cx.out.json_mode:
        cx.out.model(parsed)
    else:
        pairs = [(f"cli.field.address_{field}", getattr(parsed, field) or "—") for field in FIELDS]
        if parsed.unparsed:
            pairs.append(("cli.field.not_placed", parsed.unparsed))
        cx.out.fields(pairs)
    complete = all(getattr(parsed, field) for field in FIELDS)
    return OK if complete else REFUSED
