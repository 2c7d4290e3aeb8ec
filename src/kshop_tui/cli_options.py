"""The options `kshop` and its operator sub-commands share: the language and the backend.
Its own module so that the sub-commands (`kshop_tui.cli_commands`) and the command that
dispatches to them (`kshop_tui.cli`) both read it without importing each other."""

from __future__ import annotations

import argparse
from typing import Any


def add_backend_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """The options that choose the language and the backend. With `suppress` they stay
    out of the namespace unless given (a sub-command's copy must not undo the main one's)."""

    def default(value: object) -> dict[str, Any]:
        return {"default": argparse.SUPPRESS if suppress else value}

    parser.add_argument(
        "--lang",
        choices=("zh_CN", "zh", "en"),
        help="UI language (default: locale)",
        **default(None),
    )
    parser.add_argument(
        "--backend",
        metavar="URL",
        help="talk to this API server instead of the bundled one",
        **default(None),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start from a fresh seeded demo database",
        **default(False),
    )
    parser.add_argument(
        "--merchant",
        choices=("auto", "manual"),
        help="bundled backend's merchant simulator (default auto)",
        **default("auto"),
    )
