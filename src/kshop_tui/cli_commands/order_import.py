"""`kshop order import FILE.csv`: one order per row, each to its own address
(`shop.flows.order_import` does the work; the TUI's import screen shares it).

Every row is checked first and each bad one reported by its number and ref; the good
ones go through. A progress bar on a terminal, one JSON object per row with `--json`,
and `FILE.results.csv` beside the file. Exit 0 when every row was placed (or, with
`--dry-run`, quoted), 4 when some were not, 2 for a file that cannot be read, 5 when
the backend stopped answering half-way (run it again: placed rows are not placed twice).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import yuan
from kshop_tui.cli_commands.payment_options import add_payment_options, payment_password
from kshop_tui.cli_commands.runtime import (
    BACKEND_DOWN,
    OK,
    REFUSED,
    USAGE,
    Cli,
    add_json,
)
from kshop_tui.i18n import t
from kshop_tui.shop.flows.order_import import (
    CheckedRow,
    ImportFileError,
    ImportOptions,
    ImportSummary,
    OrderImport,
    RowResult,
    check_rows,
    read_import_file,
    write_results,
)

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.cli_commands.runtime import Commands

T = TypeVar("T")


def register(order_actions: Commands, common: argparse.ArgumentParser) -> None:
    command = order_actions.add_parser(
        "import",
        parents=[common],
        help=t("cli.orders.import"),
        description=t("cli.orders.import.description"),
    )
    command.add_argument("file", type=Path, metavar="FILE.csv", help=t("cli.orders.import.file"))
    add_payment_options(command, wait=False)
    command.add_argument(
        "--coupon",
        type=types.positive_int,
        metavar="ID",
        help=t("cli.orders.import.coupon"),
    )
    command.add_argument("--dry-run", action="store_true", help=t("cli.orders.import.dry_run"))
    add_json(command)
    command.set_defaults(online=import_command)


async def import_command(cx: Cli) -> int:
    path: Path = cx.args.file
    try:
        source = await asyncio.to_thread(read_import_file, path)
    except ImportFileError as error:
        cx.out.error(str(error))
        return USAGE
    client = cx.require_login()
    if source.extra_columns:
        cx.out.note(t("import.ignored_columns", columns=", ".join(source.extra_columns)))
    dry_run: bool = cx.args.dry_run
    password = None if dry_run else payment_password(cx, cx.args.pay)

    def call(action: Callable[[KshopClient], Awaitable[T]]) -> Awaitable[T]:
        return action(client)

    checked = await check_rows(call, source.rows)
    if not cx.out.json_mode:
        for row in checked:
            if row.problem is not None and not row.soft:
                cx.out.note(
                    t("import.bad_row", number=row.row.number, ref=row.row.ref, reason=row.problem)
                )
    run = OrderImport(
        call,
        ImportOptions(
            method=cx.args.pay, password=password, coupon_id=cx.args.coupon, dry_run=dry_run
        ),
        sleep=cx.runtime.sleep,
    )
    with _progress(cx, checked) as advance:

        def done(result: RowResult) -> None:
            advance()
            if cx.out.json_mode:
                sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
                sys.stdout.flush()

        summary = await run.run(checked, done)
    results_path = source.results_path
    try:
        await asyncio.to_thread(write_results, results_path, summary.results)
    except OSError as error:
        cx.out.error(t("import.results_unwritable", path=str(results_path), reason=error.strerror))
    else:
        cx.out.note(t("import.results_file", path=str(results_path)))
    if not cx.out.json_mode:
        _report(cx, summary, dry_run)
    return _exit_code(summary, dry_run)


@contextmanager
def _progress(cx: Cli, checked: list[CheckedRow]) -> Iterator[Callable[[], None]]:
    """A bar on stderr while rows go, when stderr is a terminal and stdout not JSON."""
    console = cx.out.stderr
    if cx.out.json_mode or not console.is_terminal:
        yield lambda: None
        return
    label = t("import.progress.quoting" if cx.args.dry_run else "import.progress.placing")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=len(checked))
        yield lambda: progress.advance(task)


def _report(cx: Cli, summary: ImportSummary, dry_run: bool) -> None:
    """A dry run's quotes row by row; of a run, the rows that were not placed (the
    results file has every row); then the counts."""
    shown = [result for result in summary.results if dry_run or not result.placed]
    if shown:
        names = ("row", "ref", "order", "status", "total", "error")
        cx.out.table(
            tuple(t(f"import.col.{name}") for name in names),
            (
                (
                    str(result.number),
                    result.ref,
                    result.order_no,
                    t(f"import.status.{result.status}"),
                    yuan(result.total_fen),
                    result.error,
                )
                for result in shown
            ),
            right=(t("import.col.row"), t("import.col.total")),
            wrap=(t("import.col.ref"), t("import.col.error")),
        )
    cx.out.console.print(Text(summary.words(dry_run=dry_run)))


def _exit_code(summary: ImportSummary, dry_run: bool) -> int:
    if summary.backend_gone:
        return BACKEND_DOWN
    if dry_run:
        return OK if all(result.status == "quoted" for result in summary.results) else REFUSED
    return OK if summary.all_placed else REFUSED
