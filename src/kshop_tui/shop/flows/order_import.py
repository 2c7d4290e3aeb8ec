"""Batch orders (代客下单): one order per row of a CSV file, each shipped to the row's own
address. The CLI (`kshop order import`) and the TUI's import screen share this flow.

Every row is checked before anything is placed (the address as the address form checks
it, the region against the backend's list, the SKU, its stock and the quantity); a bad
row is reported by its number and `ref`, the good rows still go through.

Safe to run twice: a row's Idempotency-Key is a hash of its ref and content, so a rerun,
or a run cut off half-way and started again, answers the order the first run made
rather than making another (docs/api.md §4: the backend keeps a key 24 h). Its payment's
key derives from the same hash: a paid row is never charged again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from kshop_tui.api import errors
from kshop_tui.api.intent import unanswered
from kshop_tui.api.models import PostalAddress
from kshop_tui.i18n import t
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.address import ADDRESS_FIELDS, address_problems, region_problem
from kshop_tui.shop.flows.checkout import REMARK_MAX
from kshop_tui.shop.flows.orders import MAX_PER_LINE
from kshop_tui.text import clean

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Order, Payment, PaymentMethod, Province, Quote

T = TypeVar("T")

COLUMNS = ("ref", "sku_id", "qty", "name", "phone", "province", "city", "district", "detail")
OPTIONAL_COLUMNS = ("remark",)
MAX_ROWS = 5000
MAX_FILE_BYTES = 5 * 1024 * 1024
REF_MAX = 64
KEY_PREFIX = "import-"
# A row's key: the prefix and 32 hex digits of its hash, well within the backend's 100.
KEY_HEX_DIGITS = 32
# Spreadsheets number the header row 1: the first order is row 2, as the user sees it.
FIRST_ROW_NUMBER = 2
SEND_ATTEMPTS = 3
SEND_BACKOFF_SECONDS = (0.5, 1.5)
# Excel in Chinese saves CSV as GBK; UTF-8 (with or without its BOM) is tried first.
ENCODINGS = ("utf-8-sig", "gb18030")
RESULT_COLUMNS = ("ref", "order_id", "status", "total", "error")

RowStatus = Literal["invalid", "quoted", "paid", "placed", "unpaid", "refused", "not_run"]
"""`invalid`: failed the checks, never sent; `quoted`: a dry run's price; `paid`: placed
and paid (or its payment started, for a QR method: `payment_status` says which);
`placed`: placed, not paid (no method asked to pay); `unpaid`: placed but its payment
was refused; `refused`: the backend refused to place it; `not_run`: the run stopped
before it (cancelled, or the backend went away)."""
PLACED_STATUSES = frozenset({"paid", "placed"})
# A payment refused for one of these would be refused for every row after it, and each
# wrong password counts towards the lockout: the run stops at the first.
HALTING_PAYMENT_CODES = frozenset({"WRONG_PAYMENT_PASSWORD", "PAYMENT_PASSWORD_NOT_SET", "LOCKED"})


class ImportFileError(Exception):
    """A file that cannot be read as an import; the message is in the user's words."""


class ApiRunner(Protocol):
    """Runs one API call: the CLI calls its client, the TUI goes through its session."""

    def __call__(self, action: Callable[[KshopClient], Awaitable[T]]) -> Awaitable[T]: ...


# --- reading the file ----------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One data row: its number as a spreadsheet shows it, and its cells by column."""

    number: int
    cells: Mapping[str, str]

    @property
    def ref(self) -> str:
        return self.cells["ref"]

    @property
    def key(self) -> str:
        """The Idempotency-Key of this row's order: the same ref and content, the same
        key, in any file and any run."""
        content = json.dumps(
            [self.cells.get(name, "") for name in (*COLUMNS, *OPTIONAL_COLUMNS)],
            ensure_ascii=False,
        )
        digest = hashlib.sha256(content.encode()).hexdigest()
        return KEY_PREFIX + digest[:KEY_HEX_DIGITS]

    @property
    def pay_key(self) -> str:
        return self.key + "-pay"


@dataclass(frozen=True)
class ImportFile:
    path: Path
    rows: tuple[ImportRow, ...]
    extra_columns: tuple[str, ...] = ()

    @property
    def results_path(self) -> Path:
        """`orders.csv` → `orders.results.csv`, beside it."""
        return self.path.with_name(self.path.stem + ".results.csv")


def read_import_file(path: Path) -> ImportFile:
    """The rows of the CSV file at `path`, or `ImportFileError`. Blocking: call it in a
    thread from the event loop."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ImportFileError(t("import.file.not_a_file", name=path.name))
        if size > MAX_FILE_BYTES:
            raise ImportFileError(t("import.file.too_big", name=path.name, limit="5 MB"))
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(t("import.file.missing", path=str(path))) from None
    except OSError:
        raise ImportFileError(t("import.file.unreadable", name=path.name)) from None
    if path.suffix.lower() != ".csv":
        raise ImportFileError(t("import.file.not_csv", name=path.name))
    return parse_import_text(path, _decode(path, data))


def _decode(path: Path, data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(t("import.file.encoding", name=path.name))


def parse_import_text(path: Path, text: str) -> ImportFile:
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ImportFileError(t("import.file.bad_csv", name=path.name, reason=str(error))) from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise ImportFileError(t("import.file.empty", name=path.name))
    header = [clean(cell).strip().lower() for cell in lines[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            t("import.file.missing_columns", name=path.name, columns=", ".join(missing))
        )
    known = (*COLUMNS, *OPTIONAL_COLUMNS)
    extra = tuple(name or "?" for name in header if name not in known)
    if len(lines) - 1 > MAX_ROWS:
        raise ImportFileError(t("import.file.too_many_rows", name=path.name, limit=MAX_ROWS))
    where = {name: header.index(name) for name in known if name in header}
    rows = tuple(
        ImportRow(
            number=FIRST_ROW_NUMBER + index,
            cells={
                name: clean(line[column]).strip() if column < len(line) else ""
                for name, column in ((name, where.get(name, len(line))) for name in known)
            },
        )
        for index, line in enumerate(lines[1:])
    )
    return ImportFile(path=path, rows=rows, extra_columns=extra)


# --- checking the rows ---------------------------------------------------------------


@dataclass
class CheckedRow:
    """A row and what the checks found. `problem` set and `soft` False: never sent.
    A `soft` problem (stock) is left to the backend to decide: the row may be an order
    an earlier run placed, which its key answers again whatever the stock is now."""

    row: ImportRow
    problem: str | None = None
    soft: bool = False
    sku_id: int = 0
    qty: int = 0
    address: PostalAddress | None = None
    total_fen: int | None = None

    @property
    def sendable(self) -> bool:
        return self.problem is None or self.soft


@dataclass(frozen=True)
class SkuFacts:
    stock: int
    problem: str | None


async def check_rows(
    call: ApiRunner, rows: Sequence[ImportRow], *, parse_addresses: bool = True
) -> list[CheckedRow]:
    """Every row checked, in file order: the address as the address form checks it (and
    its region against the backend's list), the quantity, the SKU (it exists, ships,
    is on sale) and the stock over the rows before it."""
    regions = await call(lambda api: api.regions())
    checked = [await _check_row(call, row, regions, parse_addresses) for row in rows]
    _refuse_repeated_refs(checked)
    facts = await _sku_facts(call, {row.sku_id for row in checked if row.problem is None})
    taken: dict[int, int] = {}
    for row in checked:
        if row.problem is not None:
            continue
        sku = facts[row.sku_id]
        if sku.problem is not None:
            row.problem = sku.problem
            continue
        before = taken.get(row.sku_id, 0)
        taken[row.sku_id] = before + row.qty
        if before + row.qty > sku.stock:
            row.soft = True
            row.problem = t("import.problem.stock", left=max(0, sku.stock - before), qty=row.qty)
    return checked


async def _check_row(
    call: ApiRunner, row: ImportRow, regions: list[Province], parse_addresses: bool
) -> CheckedRow:
    checked = CheckedRow(row)
    cells = dict(row.cells)
    problems: list[str] = []
    if not row.ref:
        problems.append(t("import.problem.ref_missing"))
    elif len(row.ref) > REF_MAX:
        problems.append(t("import.problem.ref_long", max=REF_MAX))
    sku_id = _whole_number(cells["sku_id"])
    if sku_id is None:
        problems.append(t("import.problem.sku_id", value=cells["sku_id"]))
    qty = _whole_number(cells["qty"])
    if qty is None or not 1 <= qty <= MAX_PER_LINE:
        problems.append(t("import.problem.qty", value=cells["qty"], max=MAX_PER_LINE))
    if len(cells.get("remark", "")) > REMARK_MAX:
        problems.append(t("import.problem.remark_long", max=REMARK_MAX))
    if parse_addresses and _whole_address_in_one_cell(cells):
        await _fill_from_pasted(call, cells)
    fields = {name: cells[name] for name in ADDRESS_FIELDS}
    for name, words in address_problems(fields).items():
        problems.append(f"{t(f'address.part.{name}')}: {words}")
    if not any(fields[part] == "" for part in ("province", "city", "district")):
        bad_part = region_problem(regions, fields["province"], fields["city"], fields["district"])
        if bad_part is not None:
            problems.append(t("import.problem.region", part=t(f"address.part.{bad_part}")))
    if problems:
        checked.problem = t("import.problem.separator").join(problems)
        return checked
    checked.sku_id, checked.qty = sku_id or 0, qty or 0
    checked.address = PostalAddress.model_validate(fields)
    return checked


def _whole_number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _whole_address_in_one_cell(cells: Mapping[str, str]) -> bool:
    """The region columns empty and the street holding more than a street: a whole
    address pasted into one cell (智能识别 reads it)."""
    return not any(cells[part] for part in ("province", "city", "district")) and bool(
        cells["detail"]
    )


async def _fill_from_pasted(call: ApiRunner, cells: dict[str, str]) -> None:
    text = " ".join(cells[name] for name in ("name", "phone", "detail") if cells[name])
    try:
        parsed = await call(lambda api: api.parse_address(text))
    except errors.ApiError:
        return  # the checks below name what is missing
    for name in ADDRESS_FIELDS:
        value = getattr(parsed, name)
        if value and (name in ("province", "city", "district", "detail") or not cells[name]):
            cells[name] = value


def _refuse_repeated_refs(checked: list[CheckedRow]) -> None:
    first: dict[str, int] = {}
    for row in checked:
        ref = row.row.ref
        if not ref:
            continue
        if ref in first:
            row.problem = t("import.problem.ref_repeated", number=first[ref])
            row.soft = False
        else:
            first[ref] = row.row.number


def _quote_one(sku_id: int) -> Callable[[KshopClient], Awaitable[Quote]]:
    return lambda api: api.quote(items=[(sku_id, 1)])


async def _sku_facts(call: ApiRunner, sku_ids: set[int]) -> dict[int, SkuFacts]:
    """One quote per SKU: whether it exists and ships, and how many are in stock."""
    facts: dict[int, SkuFacts] = {}
    for sku_id in sorted(sku_ids):
        try:
            quote = await call(_quote_one(sku_id))
        except errors.NotFound:
            facts[sku_id] = SkuFacts(0, t("import.problem.sku_unknown", sku=sku_id))
            continue
        except (errors.ValidationFailed, errors.Conflict, errors.BadRequest) as error:
            facts[sku_id] = SkuFacts(0, error_words(error))
            continue
        line = next((line for line in quote.lines if line.sku_id == sku_id), None)
        if quote.kind != "physical":
            facts[sku_id] = SkuFacts(0, t("import.problem.not_shipped", sku=sku_id))
        elif line is None or (not line.available and line.stock <= 0):
            facts[sku_id] = SkuFacts(0, t("import.problem.sold_out", sku=sku_id))
        else:
            facts[sku_id] = SkuFacts(line.stock, None)
    return facts


# --- placing -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    number: int
    ref: str
    status: RowStatus
    order_id: int | None = None
    order_no: str = ""
    total_fen: int | None = None
    error: str = ""
    payment_status: str = ""

    @property
    def placed(self) -> bool:
        return self.status in PLACED_STATUSES

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "ref": self.ref,
            "status": self.status,
            "order_id": self.order_id,
            "order_no": self.order_no or None,
            "total_fen": self.total_fen,
            "payment_status": self.payment_status or None,
            "error": self.error or None,
        }


@dataclass(frozen=True)
class ImportOptions:
    method: PaymentMethod
    password: str | None = None
    coupon_id: int | None = None
    dry_run: bool = False
    pay: bool = True
    """False: place each order and leave it to be paid later (the TUI's "pay later")."""


@dataclass
class ImportSummary:
    results: list[RowResult] = field(default_factory=list)
    stopped: bool = False
    """The run ended before its last row (cancelled, or the backend went away)."""
    backend_gone: bool = False

    def count(self, *statuses: RowStatus) -> int:
        return sum(result.status in statuses for result in self.results)

    @property
    def all_placed(self) -> bool:
        return all(result.placed for result in self.results)

    def words(self, *, dry_run: bool = False) -> str:
        """The counts, in the user's words."""
        if dry_run:
            return t(
                "import.summary_dry",
                quoted=self.count("quoted"),
                refused=self.count("refused"),
                invalid=self.count("invalid"),
            )
        return t(
            "import.summary",
            placed=self.count("paid", "placed"),
            refused=self.count("refused", "unpaid"),
            invalid=self.count("invalid"),
            not_run=self.count("not_run"),
        )


class OrderImport:
    """One run over the checked rows. `should_stop` is asked between rows: a stop never
    cuts a row in half, and what was placed stays placed."""

    def __init__(
        self,
        call: ApiRunner,
        options: ImportOptions,
        *,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.call = call
        self.options = options
        self.sleep = sleep
        self.coupon_id = options.coupon_id
        self.halt: str | None = None
        """Why the rows after the current one are not run (a wrong payment password)."""

    async def run(
        self,
        checked: Sequence[CheckedRow],
        on_result: Callable[[RowResult], object],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> ImportSummary:
        summary = ImportSummary()
        for index, row in enumerate(checked):
            if should_stop():
                summary.stopped = True
                for rest in checked[index:]:
                    self._add(summary, on_result, _not_run(rest, t("import.status.cancelled")))
                break
            try:
                result = await self.one(row)
            except errors.BackendUnreachable as error:
                summary.stopped = summary.backend_gone = True
                words = error_words(error, unreachable=t("import.backend_gone"))
                for rest in checked[index:]:
                    self._add(summary, on_result, _not_run(rest, words))
                break
            self._add(summary, on_result, result)
            if self.halt is not None:
                summary.stopped = True
                for rest in checked[index + 1 :]:
                    self._add(summary, on_result, _not_run(rest, self.halt))
                break
        return summary

    @staticmethod
    def _add(
        summary: ImportSummary, on_result: Callable[[RowResult], object], result: RowResult
    ) -> None:
        summary.results.append(result)
        on_result(result)

    async def one(self, checked: CheckedRow) -> RowResult:
        row = checked.row
        if not checked.sendable or checked.address is None:
            return RowResult(row.number, row.ref, "invalid", error=checked.problem or "")
        if self.options.dry_run:
            if checked.problem is not None:
                # A quote knows nothing of the rows before this one: their stock is ours.
                return RowResult(row.number, row.ref, "invalid", error=checked.problem)
            return await self._quote(checked)
        try:
            order = await self._place(checked)
        except errors.BackendUnreachable:
            raise
        except errors.ApiError as error:
            return RowResult(row.number, row.ref, "refused", error=self._refusal(checked, error))
        if not self.options.pay or order.status != "pending_payment":
            status: RowStatus = "placed" if order.status == "pending_payment" else "paid"
            return _order_result(row, order, status)
        try:
            payment = await self._send(
                lambda api: api.pay(
                    order.id,
                    self.options.method,
                    self.options.password,
                    idempotency_key=row.pay_key,
                )
            )
        except errors.BackendUnreachable:
            raise
        except errors.ApiError as error:
            if error.code in HALTING_PAYMENT_CODES:
                self.halt = t("import.halted_payment", reason=error_words(error))
            return _order_result(row, order, "unpaid", error=error_words(error))
        return _paid_result(row, order, payment)

    async def _quote(self, checked: CheckedRow) -> RowResult:
        row = checked.row
        try:
            quote = await self.call(
                lambda api: api.quote(
                    items=[(checked.sku_id, checked.qty)],
                    address=checked.address,
                    coupon_id=self.coupon_id,
                )
            )
        except errors.BackendUnreachable:
            raise
        except errors.ApiError as error:
            return RowResult(row.number, row.ref, "refused", error=error_words(error))
        if quote.problems:
            words = t("import.problem.separator").join(
                problem.message for problem in quote.problems
            )
            return RowResult(row.number, row.ref, "refused", total_fen=quote.total_fen, error=words)
        return RowResult(row.number, row.ref, "quoted", total_fen=quote.total_fen)

    async def _place(self, checked: CheckedRow) -> Order:
        """Places the row's order with its own key; a coupon goes with each row until an
        order takes it (a coupon is used once), and a row it does not fit goes without."""

        def create(coupon_id: int | None) -> Callable[[KshopClient], Awaitable[Order]]:
            return lambda api: api.create_order(
                payment_method=self.options.method,
                idempotency_key=checked.row.key,
                items=[(checked.sku_id, checked.qty)],
                address=checked.address,
                coupon_id=coupon_id,
                remark=checked.row.cells.get("remark", ""),
            )

        if self.coupon_id is None:
            return await self._send(create(None))
        try:
            order = await self._send(create(self.coupon_id))
        except errors.ValidationFailed as error:
            if error.code != "COUPON_NOT_APPLICABLE":
                raise
            # A refusal forgets the key: the same key may carry the order without it.
            return await self._send(create(None))
        if order.coupon is not None:
            self.coupon_id = None
        return order

    async def _send(self, action: Callable[[KshopClient], Awaitable[T]]) -> T:
        """`action` with its fixed key, again after a lost answer or while the backend is
        still busy with it: the key makes the repeat answer the first one's result."""
        attempt = 0
        while True:
            try:
                return await self.call(action)
            except errors.ApiError as error:
                if attempt + 1 >= SEND_ATTEMPTS or not unanswered(error):
                    raise
                if isinstance(error, errors.ServerError):
                    raise
            await self.sleep(SEND_BACKOFF_SECONDS[attempt])
            attempt += 1

    @staticmethod
    def _refusal(checked: CheckedRow, error: errors.ApiError) -> str:
        if error.code == "IDEMPOTENCY_KEY_REUSED":
            return t("import.problem.changed_options")
        if checked.soft and checked.problem and error.code == "OUT_OF_STOCK":
            return checked.problem
        return error_words(error)


def _not_run(checked: CheckedRow, why: str) -> RowResult:
    row = checked.row
    if not checked.sendable:
        return RowResult(row.number, row.ref, "invalid", error=checked.problem or "")
    return RowResult(row.number, row.ref, "not_run", error=why)


def _order_result(row: ImportRow, order: Order, status: RowStatus, *, error: str = "") -> RowResult:
    return RowResult(
        row.number,
        row.ref,
        status,
        order_id=order.id,
        order_no=order.order_no,
        total_fen=order.total_fen,
        error=error,
    )


def _paid_result(row: ImportRow, order: Order, payment: Payment) -> RowResult:
    if payment.status == "failed":
        return RowResult(
            row.number,
            row.ref,
            "unpaid",
            order_id=order.id,
            order_no=order.order_no,
            total_fen=order.total_fen,
            error=payment.failure_reason or t("import.payment_failed"),
            payment_status=payment.status,
        )
    return RowResult(
        row.number,
        row.ref,
        "paid",
        order_id=order.id,
        order_no=order.order_no,
        total_fen=order.total_fen,
        payment_status=payment.status,
    )


# --- the results file ----------------------------------------------------------------


def write_results(path: Path, results: Sequence[RowResult]) -> None:
    """`FILE.results.csv`: ref, order id, status, total (yuan), error; one line per row,
    in file order. Written whole to a temporary file and moved into place, so a reader
    never sees half of it. Blocking."""
    ordered = sorted(results, key=lambda result: result.number)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(RESULT_COLUMNS)
    for result in ordered:
        writer.writerow(
            (
                _spreadsheet_safe(result.ref),
                result.order_id or "",
                result.status,
                "" if result.total_fen is None else f"{result.total_fen / 100:.2f}",
                _spreadsheet_safe(result.error),
            )
        )
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(buffer.getvalue(), encoding="utf-8-sig")
    temporary.replace(path)


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is quoted as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
