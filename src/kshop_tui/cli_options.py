"""What `kshop` and its operator sub-commands share: the parser class that speaks the
user's language, the options that choose the language and the backend, and the shop's
own options. Its own module so that the sub-commands (`kshop_tui.cli_commands`), the
servers (`kshop_tui.serve.command`) and the command that dispatches to them
(`kshop_tui.cli`) all read it without importing each other; it stays light, since every
start of the shop builds its parser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from kshop_tui import i18n
from kshop_tui.i18n import t

LANGUAGES = ("zh_CN", "zh", "en")
DISTRIBUTION = "kshop-tui"


def cli_language(argv: Sequence[str], configured: str | None = None) -> str:
    """The language of the help and tables: the last `--lang X` on the line (as argparse
    keeps the last), else the config file's, else the locale's (as the shop chooses)."""
    chosen: str | None = None
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word == "--lang" and index + 1 < len(argv) and argv[index + 1] in LANGUAGES:
            chosen = argv[index + 1]
        elif word.startswith("--lang=") and word.removeprefix("--lang=") in LANGUAGES:
            chosen = word.removeprefix("--lang=")
    return i18n.normalize(chosen or configured or i18n.detect_language())


class HelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, t("cli.usage") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse in the language `i18n.set_language` chose: its headings, its `-h`, its
    error line and its "invalid choice" (which lists every choice, so an unknown command
    lists every command). Sub-parsers are made of this class too."""

    def __init__(
        self,
        *,
        add_help: bool = True,
        parents: Sequence[argparse.ArgumentParser] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = t("cli.positionals")
        self._optionals.title = t("cli.options")
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=t("cli.help")
            )
        # The parents' options join this parser's own groups (as argparse does with its
        # `parents`, but after the headings are in the user's language, so they match).
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, t("cli.error", prog=self.prog, message=message) + "\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(str(choice) for choice in action.choices)
            raise argparse.ArgumentError(
                action, t("cli.invalid_choice", value=value, choices=choices)
            )


def add_backend_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """The options that choose the language and the backend. With `suppress` they stay
    out of the namespace unless given (a sub-command's copy must not undo the main one's)."""

    def default(value: object) -> dict[str, Any]:
        return {"default": argparse.SUPPRESS if suppress else value}

    parser.add_argument("--lang", choices=LANGUAGES, help=t("cli.opt.lang"), **default(None))
    parser.add_argument("--backend", metavar="URL", help=t("cli.opt.backend"), **default(None))
    parser.add_argument("--demo", action="store_true", help=t("cli.opt.demo"), **default(False))
    parser.add_argument(
        "--merchant", choices=("auto", "manual"), help=t("cli.opt.merchant"), **default("auto")
    )


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


def add_shop_options(parser: argparse.ArgumentParser) -> None:
    """`kshop`'s own options, before any command: the version, and where the shop opens."""
    parser.add_argument("--version", action=_VersionAction, help=t("cli.opt.version"))
    parser.add_argument("--open", metavar="TARGET", help=t("cli.opt.open"))
    # One shop session of `kshop serve`: tokens in memory, the viewer's desktop untouched.
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)
