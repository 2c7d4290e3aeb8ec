"""批量导入订单: the orders screen's `i`. A CSV file picked with the shop's file picker is
checked row by row (`shop.flows.order_import`, as `kshop order import` does), then placed
one order per row with a progress bar and each row's result in the table. Stopping ends
the run after the row in progress: the rows placed stay placed, and an import run again
places none of them twice (each row's key comes from its content).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, ProgressBar, Select, Static

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.order_import import (
    MAX_FILE_BYTES,
    CheckedRow,
    ImportFile,
    ImportFileError,
    ImportOptions,
    ImportSummary,
    OrderImport,
    RowResult,
    check_rows,
    read_import_file,
    write_results,
)
from kshop_tui.shop.flows.payment import PASSWORD_METHODS
from kshop_tui.text import money
from kshop_tui.widgets.file_picker import FileKind, FilePickerModal

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import PaymentMethod

T = TypeVar("T")

State = Literal["intro", "checking", "checked", "running", "stopping", "done"]
CSV_FILES = FileKind((".csv",), MAX_FILE_BYTES, "import.picker_title", "import.file.too_big")
PAY_NONE = "none"
# The methods a batch can pay with at once: each settles with the payment password. A QR
# method would need one scan per order; those orders are placed and paid one by one later.
BATCH_METHODS: tuple[PaymentMethod, ...] = ("balance", "bank_card", "bnpl")
# The method an order placed without paying names; the orders list pays it with any.
UNPAID_METHOD: PaymentMethod = "alipay"
ROW_COLUMNS = ("row", "ref", "status", "order", "total", "error")
# Ids and amounts keep their width; the problem takes the rest, and the line under the
# table shows the highlighted row's problem whole.
COLUMN_WIDTHS = {"row": 4, "ref": 12, "status": 16, "order": 14, "total": 10}


class OrderImportScreen(ShopScreen):
    CSS_PATH = "order_import.tcss"
    BINDINGS = [
        Binding("o", "open_file", "import.key.open", id="order_import.open"),
        Binding("ctrl+s", "start", "import.key.start", id="order_import.start"),
        Binding("s", "stop", "import.key.stop", id="order_import.stop"),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder or Path.cwd()
        self.state: State = "intro"
        self.source: ImportFile | None = None
        self.checked: list[CheckedRow] = []
        self.summary: ImportSummary | None = None
        self.stop_asked = False
        self.placed: dict[str, int] = {}
        """Row key → the order placed for it, opened with enter."""
        self.generation = 0
        """Bumped by a new file: the checks of the file before it are stale."""

    def where(self) -> str:
        return t("import.title")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="import-body"):
            yield Static(Text(t("import.intro")), id="import-status")
            with Horizontal(id="import-pay-row"):
                yield Label(t("import.pay_with"), id="import-pay-label")
                yield Select[str](
                    [(Text(t(f"pay.method.{method}")), method) for method in BATCH_METHODS]
                    + [(Text(t("import.pay_none")), PAY_NONE)],
                    value="balance",
                    allow_blank=False,
                    compact=True,
                    id="import-pay",
                )
            yield ProgressBar(id="import-progress", show_eta=False)
            yield DataTable[Text](id="import-rows", cursor_type="row", zebra_stripes=True)
            yield Static(id="import-detail")

    def on_mount(self) -> None:
        table = self.query_one("#import-rows", DataTable)
        for name in ROW_COLUMNS:
            justify: Literal["left", "right"] = "right" if name in ("row", "total") else "left"
            table.add_column(
                Text(t(f"import.col.{name}"), justify=justify),
                key=name,
                width=COLUMN_WIDTHS.get(name),
            )
        self._show_state()
        self.action_open_file()

    # --- what the keys do now -------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        running = self.state in ("running", "stopping")
        if action == "start":
            return self.state == "checked" and any(row.sendable for row in self.checked)
        if action == "open_file":
            return not running and self.state != "checking"
        if action == "stop":
            return running
        return True

    def _show_state(self) -> None:
        running = self.state in ("running", "stopping")
        self.query_one("#import-pay-row").display = self.state == "checked"
        self.query_one("#import-progress").display = running or self.state == "done"
        listed = self.state not in ("intro", "checking")
        self.query_one("#import-rows").display = listed
        self.query_one("#import-detail").display = listed
        self.refresh_bindings()

    def _status(self, message: str, *, problem: bool = False) -> None:
        status = self.query_one("#import-status", Static)
        status.update(Text(message))
        status.set_class(problem, "-problem")

    # --- choosing and checking a file -----------------------------------------------

    @work(exclusive=True, group="import-pick")
    async def action_open_file(self) -> None:
        chosen = await self.app.push_screen_wait(FilePickerModal(self.folder, CSV_FILES))
        if chosen is None:
            return
        self.folder = chosen.parent
        self.check_file(chosen)

    @work(exclusive=True, group="import-check")
    async def check_file(self, path: Path) -> None:
        self.generation += 1
        generation = self.generation
        self.state, self.source, self.checked, self.summary = "checking", None, [], None
        self.placed = {}
        self._show_state()
        self._status(t("import.checking", name=path.name))
        try:
            source = await asyncio.to_thread(read_import_file, path)
        except ImportFileError as error:
            self._back_to_intro(str(error))
            return
        try:
            checked = await check_rows(self._call, source.rows)
        except LoginCancelled:
            self._back_to_intro(t("import.intro"))
            return
        except errors.ApiError as error:
            self._back_to_intro(error_words(error, unreachable=t("backend.unreachable")))
            return
        if generation != self.generation:
            return
        self.source, self.checked, self.state = source, checked, "checked"
        self._fill_table(checked)
        bad = sum(row.problem is not None for row in checked)
        words = t(
            "import.checked", name=path.name, good=len(checked) - bad, total=len(checked), bad=bad
        )
        if source.extra_columns:
            words += " " + t("import.ignored_columns", columns=", ".join(source.extra_columns))
        if not any(row.sendable for row in checked):
            words += " " + t("import.nothing_to_place")
        self._status(words, problem=bad > 0)
        self._show_state()
        self.query_one("#import-pay", Select).focus()

    def _back_to_intro(self, words: str) -> None:
        self.state = "intro"
        self._status(words, problem=True)
        self._show_state()

    def _fill_table(self, checked: list[CheckedRow]) -> None:
        table = self.query_one("#import-rows", DataTable)
        table.clear()
        for row in checked:
            status = "invalid" if not row.sendable else "pending"
            table.add_row(
                *self._cells(row.row.number, row.row.ref, status, "", None, row.problem or ""),
                key=str(row.row.number),
            )

    @staticmethod
    def _cells(
        number: int, ref: str, status: str, order_no: str, total_fen: int | None, error: str
    ) -> tuple[Text, ...]:
        style = {"invalid": "red", "refused": "red", "unpaid": "yellow", "not_run": "dim"}
        return (
            Text(str(number), justify="right"),
            Text(ref),
            Text(t(f"import.status.{status}"), style=style.get(status, "")),
            Text(order_no),
            Text(money(total_fen) if total_fen is not None else "", justify="right"),
            Text(error),
        )

    @on(DataTable.RowSelected, "#import-rows")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on a placed row opens its order."""
        order_id = self.placed.get(str(event.row_key.value))
        if order_id is not None:
            self.open("order", order_id)

    @on(DataTable.RowHighlighted, "#import-rows")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, index: int) -> None:
        """The highlighted row's problem, whole (the column cuts it at its width)."""
        table = self.query_one("#import-rows", DataTable)
        detail = self.query_one("#import-detail", Static)
        if not 0 <= index < table.row_count:
            detail.update("")
            return
        number, ref, _status, _order, _total, error = table.get_row_at(index)
        detail.update(
            Text(t("import.bad_row", number=number.plain, ref=ref.plain, reason=error.plain))
            if error.plain
            else ""
        )

    # --- placing ----------------------------------------------------------------------

    def action_start(self) -> None:
        if self.state != "checked":
            return
        choice = str(self.query_one("#import-pay", Select).value)
        if choice in PASSWORD_METHODS:
            method: PaymentMethod = next(m for m in BATCH_METHODS if m == choice)

            async def keep(password: str) -> str:
                return password

            self.app.push_screen(
                SecretPromptModal(
                    t("import.password_question"),
                    kind="payment",
                    confirm_label=t("import.key.start"),
                    attempt=keep,
                ),
                lambda password: self._password_given(method, password),
            )
            return
        self.place(ImportOptions(method=UNPAID_METHOD, pay=False))

    def _password_given(self, method: PaymentMethod, password: str | None) -> None:
        if password and self.state == "checked":
            self.place(ImportOptions(method=method, password=password))

    @work(exclusive=True, group="import-run")
    async def place(self, options: ImportOptions) -> None:
        checked, source = self.checked, self.source
        assert source is not None
        self.state, self.stop_asked = "running", False
        self._show_state()
        progress = self.query_one("#import-progress", ProgressBar)
        progress.update(total=len(checked), progress=0)
        self._status(t("import.running", done=0, total=len(checked)))
        run = OrderImport(self._call, options, sleep=asyncio.sleep)
        summary = await run.run(checked, self._row_done, lambda: self.stop_asked)
        self.summary, self.state = summary, "done"
        words = summary.words()
        words = (
            t("import.stopped", summary=words)
            if summary.stopped
            else t("import.done", summary=words)
        )
        try:
            await asyncio.to_thread(write_results, source.results_path, summary.results)
        except OSError as error:
            words += " " + t(
                "import.results_unwritable", path=str(source.results_path), reason=error.strerror
            )
        else:
            words += " " + t("import.saved", name=source.results_path.name)
        self._status(words, problem=not summary.all_placed)
        self._show_state()

    def _row_done(self, result: RowResult) -> None:
        if result.order_id is not None:
            self.placed[str(result.number)] = result.order_id
        table = self.query_one("#import-rows", DataTable)
        cells = self._cells(
            result.number,
            result.ref,
            result.status,
            result.order_no,
            result.total_fen,
            result.error,
        )
        for column, cell in zip(ROW_COLUMNS, cells, strict=True):
            table.update_cell(str(result.number), column, cell)
        progress = self.query_one("#import-progress", ProgressBar)
        if result.status != "not_run":
            progress.advance(1)
        done = int(progress.progress)
        if self.state == "running":
            self._status(t("import.running", done=done, total=len(self.checked)))
        index = table.get_row_index(str(result.number))
        table.move_cursor(row=index)
        self._show_detail(index)

    def action_back(self) -> None:
        """Leaving mid-run would cut a row in half: escape stops the run first."""
        if self.state in ("running", "stopping"):
            self.action_stop()
            return
        super().action_back()

    def action_stop(self) -> None:
        if self.state == "running":
            self.stop_asked = True
            self.state = "stopping"
            self._status(t("import.stopping"))
            self._show_state()

    def _call(self, action: Callable[[KshopClient], Awaitable[T]]) -> Awaitable[T]:
        return self.shop.run_api(action, needs_login=True)
