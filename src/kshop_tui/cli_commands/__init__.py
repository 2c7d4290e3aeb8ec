"""`kshop COMMAND ...`: the operator CLI on the TUI's own API client (docs/api.md §5).

Exit codes: 0 ok, 2 usage, 3 auth, 4 refused by the server (conflict, state,
validation, not found, funds), 5 backend down. `KSHOP_TOKEN` in the environment (a personal
access token) stands in for the stored login. `run` is the whole CLI; tests call it with
a `Runtime` whose backend factory hands in the in-process test backend.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence

from kshop_tui import i18n
from kshop_tui.api import errors
from kshop_tui.cli_commands import (
    access_tokens,
    addresses,
    after_sales,
    auth,
    cart,
    completion,
    config_cmd,
    orders,
    products,
    subscriptions,
)
from kshop_tui.cli_commands.output import Output
from kshop_tui.cli_commands.runtime import (
    AUTH,
    BACKEND_DOWN,
    INTERRUPTED,
    TOKEN_ENV,
    USAGE,
    BackendChoice,
    Cli,
    NotLoggedIn,
    OfflineHandler,
    OnlineHandler,
    Runtime,
    UsageError,
    exit_code_for,
)
from kshop_tui.cli_commands.tokens import token_store
from kshop_tui.cli_options import Parser, add_backend_options, cli_language
from kshop_tui.config import load_settings
from kshop_tui.i18n import t
from kshop_tui.serve.command import add_servers
from kshop_tui.text import clean

__all__ = ["Runtime", "build_parser", "run"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree, `serve` and `completion` included: what `--help`, the
    shell completions and an unknown command's error are made from."""
    parser: argparse.ArgumentParser = Parser(
        prog="kshop", description=t("cli.commands.description")
    )
    add_backend_options(parser)
    # Each command takes the backend options after its name too (`kshop orders list --demo`).
    common = Parser(add_help=False)
    add_backend_options(common, suppress=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (
        auth,
        access_tokens,
        products,
        cart,
        orders,
        subscriptions,
        addresses,
        after_sales,
        config_cmd,
    ):
        module.register(commands, common)
    completion.register(commands, build_parser)
    # `kshop serve` is dispatched by `kshop_tui.cli` before this tree is built; it is here
    # for its help, its completion and the list of commands.
    serve = commands.add_parser(
        "serve", help=t("cli.serve.help"), description=t("cli.serve.description")
    )
    add_servers(serve)
    serve.set_defaults(offline=_serve)
    return parser


def _serve(args: argparse.Namespace, out: Output) -> int:
    from kshop_tui.serve.command import serve

    return serve(args, lang=args.lang, backend=args.backend)


def run(argv: Sequence[str], runtime: Runtime | None = None) -> int:
    """Runs one command line (without the program name); answers the exit code."""
    i18n.set_language(cli_language(argv, load_settings().language))
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:  # argparse: --help (0) or a usage error (2)
        return stop.code if isinstance(stop.code, int) else USAGE
    out = Output(json_mode=bool(getattr(args, "json", False)))
    try:
        if hasattr(args, "offline"):
            offline: OfflineHandler = args.offline
            return offline(args, out)
        return asyncio.run(_online(args.online, args, runtime or Runtime(), out))
    except UsageError as error:
        out.error(f"error: {error}")
        return USAGE
    except KeyboardInterrupt:
        out.error("interrupted")
        return INTERRUPTED


async def _online(
    handler: OnlineHandler,
    args: argparse.Namespace,
    runtime: Runtime,
    out: Output,
) -> int:
    settings = load_settings()
    for problem in settings.problems:
        out.error(f"warning: {problem.describe()}")
    i18n.set_language(args.lang or settings.language or i18n.detect_language())
    choice = BackendChoice(
        url=args.backend or os.environ.get("KSHOP_BACKEND_URL") or settings.backend_url,
        demo=args.demo,
        data_dir=runtime.data_dir,
        merchant=args.merchant,
    )
    tokens = token_store(runtime.data_dir, demo=args.demo)
    # The keyring looks for its backends while the shop's backend starts.
    stored_token = asyncio.create_task(asyncio.to_thread(tokens.load))
    try:
        backend = await runtime.open_backend(choice)
    except Exception as error:  # a broken data dir or database: say so in one line
        await stored_token
        out.error(f"cannot open the backend: {error}")
        return BACKEND_DOWN
    try:
        stored = await stored_token
        backend.client.token = os.environ.get(TOKEN_ENV, "").strip() or stored
        return await handler(Cli(args, runtime, backend, tokens, out))
    except NotLoggedIn as error:
        out.error(str(error))
        return AUTH
    except errors.ApiError as error:
        out.error(describe(error))
        return exit_code_for(error)
    finally:
        await backend.close()


def describe(error: errors.ApiError) -> str:
    """The backend's words, with what to do next where the CLI knows it."""
    words = clean(error.message)
    if isinstance(error, errors.AuthExpired):
        return f"{words} (run `kshop login`)"
    if isinstance(error, errors.BackendUnreachable):
        return f"the backend did not answer: {words}"
    return words
