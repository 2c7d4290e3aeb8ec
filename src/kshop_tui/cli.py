"""The `kshop` command: starts the shop (and, later, its operator sub-commands)."""

from __future__ import annotations

import argparse
import os
import sys

from kshop_tui import i18n
from kshop_tui.config import load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kshop", description="A keyboard-driven terminal shop.")
    parser.add_argument(
        "--lang", choices=("zh_CN", "zh", "en"), help="UI language (default: locale)"
    )
    parser.add_argument(
        "--backend", metavar="URL", help="talk to this API server instead of the bundled one"
    )
    parser.add_argument(
        "--demo", action="store_true", help="start from a fresh seeded demo database"
    )
    parser.add_argument(
        "--open", metavar="TARGET", help="open a screen: cart | search WORDS | product ID"
    )
    parser.add_argument(
        "--merchant",
        choices=("auto", "manual"),
        default="auto",
        help="bundled backend's merchant simulator (default auto)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    language = args.lang or settings.language or i18n.detect_language()
    from kshop_tui.app import AppOptions, KshopApp

    options = AppOptions(
        language=i18n.normalize(language),
        backend_url=args.backend or os.environ.get("KSHOP_BACKEND_URL") or settings.backend_url,
        demo=args.demo,
        open_target=args.open,
        settings=settings,
        merchant=args.merchant,
    )
    KshopApp(options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
