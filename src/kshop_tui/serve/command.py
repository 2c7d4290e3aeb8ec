"""`kshop serve ssh|web`: the command line. Without `--backend` both start the bundled
backend once, in a subprocess, so every session sees one database."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from collections.abc import Iterator, Sequence

from kshop_tui.config import DemoLimits, data_dir, load_settings
from kshop_tui.serve.shared_backend import GATEWAY_SECRET_ENV, BackendFailed, shared_backend

USAGE, BACKEND_DOWN, INTERRUPTED = 2, 5, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kshop serve",
        description="Serve the shop to other people (limits: config.toml [demo]).",
    )
    servers = parser.add_subparsers(dest="server", required=True, metavar="ssh|web")
    ssh = servers.add_parser("ssh", help="the shop over SSH (asyncssh)")
    _common(ssh, port=2222)
    ssh.add_argument(
        "--merchant",
        choices=("auto", "manual"),
        default="auto",
        help="bundled backend's merchant simulator (default auto)",
    )
    web = servers.add_parser("web", help="the shop in the browser (textual-serve)")
    _common(web, port=8000)
    web.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        default=[],
        help="a host name visitors use to reach the shop (repeatable); besides it only"
        " the --host address, localhost and 127.0.0.1 are answered",
    )
    return parser


def _common(parser: argparse.ArgumentParser, *, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    parser.add_argument(
        "--backend",
        metavar="URL",
        help="an API server shared by every session (default: start the bundled one)",
    )
    parser.add_argument(
        "--lang", choices=("zh_CN", "zh", "en"), help="force the UI language of every session"
    )
    parser.add_argument(
        "--interpreter-per-session",
        action="store_true",
        help="start a new Python for each session instead of forking a preloaded one"
        " (slower and bigger; for comparison)",
    )


def run_serve(argv: Sequence[str], *, lang: str | None = None, backend: str | None = None) -> int:
    """`lang` and `backend` are the main command's options (`kshop --lang en serve ssh`)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else USAGE
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
