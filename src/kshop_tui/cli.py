"""The `kshop` command: starts the shop, or runs an operator sub-command
(`kshop orders list --json`, ... — see `kshop_tui.cli_commands`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from kshop_tui import i18n
from kshop_tui.cli_options import add_backend_options
from kshop_tui.config import load_settings

COMMANDS = (
    "login, logout, whoami, products, product, cart, order, orders, address, after-sale, config,"
    " serve"
)


DISTRIBUTION = "kshop-tui"


def installed_version() -> str:
    """The version in the installed distribution's metadata (pyproject.toml's)."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """argparse's "version" action, but the metadata is read only when asked for: every
    start of the shop builds this parser."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        print(f"kshop {installed_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kshop",
        description="A keyboard-driven terminal shop.",
        epilog=f"commands: {COMMANDS} (kshop COMMAND --help)",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    add_backend_options(parser)
    parser.add_argument(
        "--open", metavar="TARGET", help="open a screen: cart | search WORDS | product ID"
    )
    # One shop session of `kshop serve`: tokens in memory, the viewer's desktop untouched.
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        metavar="COMMAND",
        help="an operator command instead of the shop (see below)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(arguments)
    if args.command and args.command[0] == "serve":
        from kshop_tui.serve.command import run_serve

        return run_serve(args.command[1:], lang=args.lang, backend=args.backend)
    if args.command:
        from kshop_tui.cli_commands import run

        return run(arguments)
    settings = load_settings()
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
    app = KshopApp(options)
    app.run()
    if app.startup_error:
        print(f"kshop: {app.startup_error}", file=sys.stderr)
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
