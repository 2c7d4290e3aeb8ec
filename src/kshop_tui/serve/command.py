"""`kshop serve ssh|web`: the command line. Without `--backend` both start the bundled
backend once, in a subprocess, so every session sees one database."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from collections.abc import Iterator, Sequence

from kshop_tui.cli_options import LANGUAGES, Parser
from kshop_tui.config import DemoLimits, data_dir, load_settings
from kshop_tui.i18n import t
from kshop_tui.serve.shared_backend import GATEWAY_SECRET_ENV, BackendFailed, shared_backend

USAGE, BACKEND_DOWN, INTERRUPTED = 2, 5, 130


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="kshop serve", description=t("cli.serve.description"))
    add_servers(parser)
    return parser


def add_servers(parser: argparse.ArgumentParser) -> None:
    """`ssh` and `web` with their options, on `kshop serve`'s parser or on the command
    tree's `serve` (kshop_tui.cli_commands: help, completion, the list of commands)."""
    servers = parser.add_subparsers(dest="server", required=True, metavar="ssh|web")
    ssh = servers.add_parser("ssh", help=t("cli.serve.ssh"), description=t("cli.serve.ssh"))
    _common(ssh, port=2222)
    ssh.add_argument(
        "--merchant",
        choices=("auto", "manual"),
        default="auto",
        help=t("cli.serve.ssh.merchant"),
    )
    ssh.add_argument(
        "--warm",
        type=_count,
        default=0,
        metavar="N",
        help=t("cli.serve.ssh.warm"),
    )
    web = servers.add_parser("web", help=t("cli.serve.web"), description=t("cli.serve.web"))
    _common(web, port=8000)
    web.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        default=[],
        help=t("cli.serve.web.allowed_host"),
    )


def _common(parser: argparse.ArgumentParser, *, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help=t("cli.serve.parser.host"))
    parser.add_argument(
        "--port", type=int, default=port, help=t("cli.serve.parser.port", port=port)
    )
    parser.add_argument(
        "--backend",
        metavar="URL",
        help=t("cli.serve.parser.backend"),
    )
    parser.add_argument("--lang", choices=LANGUAGES, help=t("cli.serve.parser.lang"))
    parser.add_argument(
        "--interpreter-per-session",
        action="store_true",
        help=t("cli.serve.parser.interpreter_per_session"),
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(t("cli.serve.ssh.warm_invalid", value=text))
    return value


def run_serve(argv: Sequence[str], *, lang: str | None = None, backend: str | None = None) -> int:
    """`lang` and `backend` are the main command's options (`kshop --lang en serve ssh`)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else USAGE
    return serve(args, lang=lang, backend=backend)


def serve(args: argparse.Namespace, *, lang: str | None, backend: str | None) -> int:
    """Runs the server `args` name (as `build_parser` or `add_servers` parsed them)."""
    settings = load_settings()
    for problem in settings.problems:
        print(f"warning: {problem.describe()}", file=sys.stderr)
    language = args.lang or lang or settings.language
    backend_url = args.backend or backend
    try:
        with _backend(backend_url, getattr(args, "merchant", "auto")) as (url, secret):
            if args.server == "ssh":
                from kshop_tui.serve.ssh import run_ssh_server

                return run_ssh_server(
                    host=args.host,
                    port=args.port,
                    backend_url=url,
                    language=language,
                    limits=settings.demo,
                    gateway_secret=secret,
                    preforked=not args.interpreter_per_session,
                    warm=args.warm,
                )
            return _run_web(
                args.host,
                args.port,
                url,
                language,
                settings.demo,
                args.allowed_host,
                preforked=not args.interpreter_per_session,
            )
    except BackendFailed as error:
        print(f"kshop serve: {error}", file=sys.stderr)
        return BACKEND_DOWN
    except KeyboardInterrupt:
        return INTERRUPTED


def _run_web(
    host: str,
    port: int,
    url: str,
    language: str | None,
    limits: DemoLimits,
    allowed_hosts: list[str],
    *,
    preforked: bool,
) -> int:
    from kshop_tui.serve.web import run_web_server

    return run_web_server(
        host=host,
        port=port,
        backend_url=url,
        language=language,
        limits=limits,
        allowed_hosts=allowed_hosts,
        preforked=preforked,
    )


@contextlib.contextmanager
def _backend(url: str | None, merchant: str) -> Iterator[tuple[str, str | None]]:
    """(backend URL, gateway secret). A backend of one's own gets a fresh secret; for one
    run separately the secret it was started with comes from the environment."""
    if url:
        yield url, os.environ.get(GATEWAY_SECRET_ENV) or None
        return
    secret = secrets.token_urlsafe(32)
    with shared_backend(data_dir(), merchant, secret) as started:
        yield started, secret
