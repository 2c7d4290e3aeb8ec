"""The `kshop` command: starts the shop, or runs an operator sub-command
(`kshop orders list --json`, ... — see `kshop_tui.cli_commands`)."""

from __future__ import annotations

import argparse
import os
import sys

from kshop_tui import i18n
from kshop_tui.cli_options import (
    DISTRIBUTION,
    Parser,
    add_backend_options,
    add_shop_options,
    cli_language,
    installed_version,
)
from kshop_tui.config import load_settings
from kshop_tui.i18n import t

__all__ = ["COMMANDS", "DISTRIBUTION", "build_parser", "installed_version", "main"]

# The commands of `kshop --help`'s last line; tests/client/test_cli_conventions.py checks
# that they are the command tree's (kshop_tui.cli_commands.build_parser) one for one.
COMMANDS = (
    "login",
    "logout",
    "whoami",
    "token",
    "products",
    "product",
    "cart",
    "orders",
    "order",
    "subscription",
    "address",
    "after-sale",
    "config",
    "completion",
    "serve",
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="kshop",
        description=t("cli.description"),
        epilog=t("cli.epilog", commands=", ".join(COMMANDS)),
    )
    add_shop_options(parser)
    add_backend_options(parser)
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="COMMAND", help=t("cli.opt.command")
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    settings = load_settings()
    i18n.set_language(cli_language(arguments, settings.language))
    args = build_parser().parse_args(arguments)
    if args.command and args.command[0] == "serve":
        from kshop_tui.serve.command import run_serve

        return run_serve(args.command[1:], lang=args.lang, backend=args.backend)
    if args.command:
        from kshop_tui.cli_commands import run

        return run(arguments)
    language = args.lang or settings.language or i18n.detect_language()
    from kshop_tui.app import KshopApp
    from kshop_tui.shop.options import AppOptions

    options = AppOptions(
        language=i18n.normalize(language),
        backend_url=args.backend or os.environ.get("KSHOP_BACKEND_URL") or settings.backend_url,
        demo=args.demo,
        open_target=args.open,
        settings=settings,
        merchant=args.merchant,
        served=args.served,
        persistent_tokens=not args.served,
    )
    if args.served:
        options.session_token = os.environ.get("KSHOP_SESSION_TOKEN") or None
        options.visitor_address = os.environ.get("KSHOP_VISITOR_ADDRESS") or None
        options.ssh_fingerprint = os.environ.get("KSHOP_SSH_FINGERPRINT") or None
        options.ssh_key_label = os.environ.get("KSHOP_SSH_KEY_LABEL") or options.ssh_key_label
        first_frame = os.environ.pop("KSHOP_FIRST_FRAME_FD", "")
        options.first_frame_fd = int(first_frame) if first_frame.isdigit() else None
        attach = os.environ.pop("KSHOP_ATTACH_FD", "")
        options.attach_fd = int(attach) if attach.isdigit() else None
    app = KshopApp(options)
    app.run()
    if app.startup_error:
        print(f"kshop: {app.startup_error}", file=sys.stderr)
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
