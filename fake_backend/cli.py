"""`kshop-backend`: serve the backend with uvicorn, or seed a large catalogue."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir

if TYPE_CHECKING:
    from fastapi import FastAPI


def default_db_path() -> Path:
    return Path(user_data_dir("kshop", appauthor=False)) / "backend.sqlite3"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kshop-backend", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (created if absent)")
    parser.add_argument(
        "--no-dev",
        action="store_true",
        help="no /_dev and no merchant simulator: nothing approves, pays or ships by itself",
    )
    parser.add_argument(
        "--merchant",
        choices=("auto", "manual"),
        default=None,
        help="auto: the simulator plays merchant, courier and phone apps (default in dev"
        " mode); manual: only /_dev moves things (the only choice with --no-dev)",
    )
    parser.add_argument("--seed", type=int, default=42, help="seed number for the demo data")
    sub = parser.add_subparsers(dest="command")
    seed = sub.add_parser("seed", help="fill a database with a large generated catalogue")
    seed.add_argument("--products", type=int, required=True)
    seed.add_argument("--db", type=Path, default=None, dest="seed_db")
    seed.add_argument("--seed", type=int, default=42, dest="seed_number")
    reindex = sub.add_parser(
        "reindex", help="rebuild the search index (words, pinyin, suggestions) from the products"
    )
    reindex.add_argument("--db", type=Path, default=None, dest="seed_db")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; `--merchant auto` with `--no-dev` is a usage error (exit 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.no_dev and args.merchant == "auto":
        parser.error(
            "--merchant auto needs dev mode: the simulator would approve QR logins, pay QR"
            " codes and ship orders with nobody there; leave out --no-dev for a demo, or"
            " --merchant auto for nothing to move by itself"
        )
    return args


def build_app(args: argparse.Namespace) -> FastAPI:
    from fake_backend.app import create_app

    return create_app(
        _database_path(args.db), merchant=args.merchant, dev=not args.no_dev, seed=args.seed
    )


def _database_path(chosen: Path | None) -> Path:
    """`--db`, or the default in our own data folder, which is made private (0700). A
    chosen file's folder is the user's business; the database files are private anyway,
    and a missing folder is created private (`storage.db.private_database_files`)."""
    from fake_backend.storage.db import private_data_folder

    if chosen is not None:
        return chosen
    path = default_db_path()
    private_data_folder(path)
    return path


def main(argv: list[str] | None = None) -> int:
    from fake_backend.storage.db import DatabaseUnusable

    args = parse_args(argv)
    try:
        if args.command == "seed":
            path = _database_path(args.seed_db or args.db)
            return _seed(path, args.products, args.seed_number)
        if args.command == "reindex":
            return _reindex(_database_path(args.seed_db or args.db))
        app = build_app(args)
    except DatabaseUnusable as error:
        print(f"kshop-backend: {error}", file=sys.stderr)
        return 1
    import gc

    import uvicorn

    from fake_backend.app import prepare_routes

    prepare_routes(app)

    # What start-up made (FastAPI, pydantic, the routes' models) lives as long as the
    # server: out of the collector's reach, a full collection no longer walks it, which
    # took a search's p95 from 46 to 23 ms on 100 000 products (bench/search_api.py). The
    # TUI freezes its own after its first screen, the bundled backend's included.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _seed(db_path: Path, products: int, seed_number: int) -> int:
    from fake_backend import seed as seeding
    from fake_backend.clock import Clock
    from fake_backend.context import Ctx
    from fake_backend.storage.db import Database

    if products < 1:
        print("kshop-backend seed: --products must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    ctx = Ctx(db=Database(db_path), clock=Clock())
    seeding.seed_catalogue(ctx, seed=seed_number, products=products)
    total = ctx.db.scalar("SELECT COUNT(*) FROM products")
    print(f"{db_path}: {total} products ({time.perf_counter() - started:.1f} s)")
    return 0


def _reindex(db_path: Path) -> int:
    from fake_backend.clock import Clock
    from fake_backend.context import Ctx
    from fake_backend.services import search
    from fake_backend.storage.db import Database

    started = time.perf_counter()
    ctx = Ctx(db=Database(db_path), clock=Clock())
    indexed = search.reindex(ctx)
    words = ctx.db.scalar("SELECT COUNT(*) FROM search_words")
    print(
        f"{db_path}: {indexed} products indexed, {words} words to complete"
        f" ({time.perf_counter() - started:.1f} s)"
    )
    return 0
