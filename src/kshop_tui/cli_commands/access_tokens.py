"""`kshop token create | list | revoke`: personal access tokens for scripts.

A token is made, listed and revoked from a login session (the backend refuses an access
token here). A script then runs with `KSHOP_TOKEN=…` in its environment, or after
`kshop login --token-stdin`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kshop_tui.api import models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import when
from kshop_tui.cli_commands.runtime import OK, Cli, UsageError, add_json
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

SCOPES = ("read", "order", "pay")
MAX_NAME_LENGTH = 40
MIN_DAYS, MAX_DAYS = 1, 365
SHOWN_ONCE = (
    "This is the only time the token is shown: keep it somewhere safe. "
    "Anyone who has it can act for you within its scopes until it expires or is revoked."
)


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("token", help=t("cli.access_tokens.token"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", parents=[common], help=t("cli.access_tokens.create"))
    create.add_argument("--name", required=True, help=t("cli.access_tokens.create.name"))
    create.add_argument(
        "--scope",
        action="append",
        choices=SCOPES,
        required=True,
        help=t("cli.access_tokens.create.scope"),
    )
    create.add_argument(
        "--days",
        type=types.positive_int,
        default=30,
        metavar="N",
        help=t("cli.access_tokens.create.days", low=MIN_DAYS, high=MAX_DAYS),
    )
    add_json(create)
    create.set_defaults(online=create_command)

    listing = actions.add_parser("list", parents=[common], help=t("cli.access_tokens.list"))
    add_json(listing)
    listing.set_defaults(online=list_command)

    revoke = actions.add_parser("revoke", parents=[common], help=t("cli.access_tokens.revoke"))
    revoke.add_argument(
        "token_id", type=types.positive_int, metavar="ID", help=t("cli.arg.token_id")
    )
    add_json(revoke)
    revoke.set_defaults(online=revoke_command)


async def create_command(cx: Cli) -> int:
    name = cx.args.name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise UsageError(f"--name takes 1–{MAX_NAME_LENGTH} characters")
    if cx.args.days > MAX_DAYS:
        raise UsageError(f"--days takes {MIN_DAYS}–{MAX_DAYS}")
    made = await cx.require_login().create_access_token(name, cx.args.scope, cx.args.days)
    if cx.out.json_mode:
        cx.out.model(made)
        cx.out.note(SHOWN_ONCE)
        return OK
    cx.out.fields(_fields(made))
    cx.out.line(made.token)
    cx.out.note(SHOWN_ONCE)
    return OK


async def list_command(cx: Cli) -> int:
    tokens = await cx.require_login().access_tokens()
    if cx.out.json_mode:
        cx.out.json([token.model_dump(mode="json") for token in tokens])
        return OK
    if not tokens:
        cx.out.line("No access tokens. Make one with `kshop token create`.")
        return OK
    cx.out.table(
        ("cli.col.id", "cli.col.name", "cli.col.scopes", "cli.col.last_used", "cli.col.expires"),
        (
            (
                str(token.id),
                token.name,
                ", ".join(token.scopes),
                when(token.last_used_at) if token.last_used_at else "never",
                when(token.expires_at) + (" (expired)" if token.expired else ""),
            )
            for token in tokens
        ),
        right=("cli.col.id",),
        wrap=("cli.col.name",),
    )
    return OK


async def revoke_command(cx: Cli) -> int:
    await cx.require_login().revoke_access_token(cx.args.token_id)
    if cx.out.json_mode:
        cx.out.json({"ok": True, "id": cx.args.token_id})
        return OK
    cx.out.line(f"Token {cx.args.token_id} is revoked: it is refused from now on.")
    return OK


def _fields(token: models.AccessToken) -> list[tuple[str, str]]:
    return [
        ("cli.field.token_id", str(token.id)),
        ("cli.field.name", token.name),
        ("cli.field.scopes", ", ".join(token.scopes)),
        ("cli.field.expires", when(token.expires_at)),
    ]
