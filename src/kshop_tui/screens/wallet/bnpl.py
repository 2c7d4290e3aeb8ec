"""先用后付 bills: one per order paid later, with what is owed and when; overdue ones in
the error colour; repay one early from the balance (after a confirm)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.screens.wallet.labels import append_bnpl_figures
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.wallet import bills_standing, repayable
from kshop_tui.text import local_time, money
from kshop_tui.widgets.paged_table import PagedTable
from kshop_tui.widgets.row_table import tone

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import Bill, Wallet

PAGE_SIZE = 20
MONEY_WIDTH = 10
DUE_WIDTH = 10
STATUS_WIDTH = 11
ORDER_MIN_WIDTH = 14
# Body padding, a cell's padding on both sides (6 columns), and room for the scrollbar.
TABLE_CHROME = 2 + 2 * 6 + 2


class BnplScreen(ShopScreen):
    CSS_PATH = "bnpl.tcss"
    BINDINGS = [
        Binding("r", "repay", "key.wl_repay", id="bnpl.repay"),
        Binding("f5", "reload", "key.wl_reload", show=False, id="bnpl.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.wallet: Wallet | None = None

    def where(self) -> str:
        return t("bnpl.title")

    def compose_body(self) -> ComposeResult:
        table: PagedTable[Bill] = PagedTable(
            lambda api, cursor: api.bnpl_bills(cursor=cursor, limit=PAGE_SIZE),
            self._cells,
            lambda bill: bill.id,
            id="bn-bills",
        )
        with Vertical(id="bn-body"):
            yield Static(id="bn-summary")
            yield table
            yield Static(id="bn-status")

    @property
    def table(self) -> PagedTable[Bill]:
        return self.query_one("#bn-bills", PagedTable)

    @property
    def bills(self) -> list[Bill]:
        return self.table.entries

    def on_mount(self) -> None:
        table = self.table
        table.add_column(Text(t("bnpl.col.order")), key="order")
        for key in ("amount", "repaid", "owed"):
            header = Text(t(f"bnpl.col.{key}"), justify="right")
            table.add_column(header, key=key, width=MONEY_WIDTH)
        table.add_column(Text(t("bnpl.col.due")), key="due", width=DUE_WIDTH)
        table.add_column(Text(t("bnpl.col.status")), key="status", width=STATUS_WIDTH)
        table.focus()
        self._size_columns()
        self.load()

    def on_resize(self) -> None:
        self._size_columns()
        if self.bills:
            self.table.draw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "repay":
            bill = self._current()
            return None if bill is None or not repayable(bill) else True
        return True

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @work(exclusive=True, group="bills")
    async def load(self) -> None:
        """The wallet's pay-later figures, then the first page of bills."""

        self._status(t("browse.loading"), None)
        wallet = await self.shop.attempt(
            lambda api: api.wallet(),
            needs_login=True,
            on_refusal=lambda error: self._status(error_words(error), "error"),
            on_login_cancelled=self.app.pop_screen,
        )
        if wallet is None:
            return
        self.wallet = wallet
        self._show_summary(wallet)
        self.table.load()

    @on(PagedTable.Failed)
    def _bills_failed(self, event: PagedTable.Failed) -> None:
        if event.error is None:
            self.app.pop_screen()
        else:
            self._status(error_words(event.error), "error")

    def _show_summary(self, wallet: Wallet) -> None:
        bnpl = wallet.bnpl
        text = Text()
        if not bnpl.enabled:
            text.append(t("wallet.bnpl.not_enabled"), style="bold")
        else:
            append_bnpl_figures(text, bnpl)
        text.append("   " + t("wallet.balance") + " ", style="dim")
        text.append(money(wallet.balance_fen), style="bold")
        self.query_one("#bn-summary", Static).update(text)

    def _size_columns(self) -> None:
        order_column = self.table.columns[ColumnKey("order")]
        fixed = 3 * MONEY_WIDTH + DUE_WIDTH + STATUS_WIDTH + TABLE_CHROME
        order_column.width = max(ORDER_MIN_WIDTH, self.size.width - fixed)
        order_column.auto_width = False

    @on(PagedTable.Loaded)
    def _bills_loaded(self) -> None:
        """The line under the table sums the bills loaded so far; more lie below."""
        standing, figure = bills_standing(self.bills)
        if standing == "overdue":
            self._status(t("bnpl.overdue_count", count=figure), "error")
        elif standing == "owed":
            self._status(t("bnpl.owed_total", amount=money(figure)), None)
        elif standing == "repaid":
            self._status(t("bnpl.all_repaid"), "success")
        else:
            self._status(t("bnpl.none"), None)
        self.refresh_bindings()

    def _cells(self, bill: Bill) -> tuple[Text, ...]:
        overdue = bill.status == "overdue"
        alarm = tone(self.app, "error")
        status_key = f"bnpl.status.{bill.status}"
        status_word = t(status_key) if t(status_key) != status_key else bill.status
        if bill.status in ("repaid", "cancelled"):
            status = Text(status_word, style="dim")
        elif overdue:
            status = Text("⚠ " + status_word, style=alarm + Style(bold=True))
        else:
            status = Text(status_word)
        owed_style = alarm if overdue else ("bold" if bill.outstanding_fen else "dim")
        due = (
            Text(local_time(bill.due_at, "%Y-%m-%d"), style=alarm if overdue else "")
            if bill.due_at
            else Text("—", style="dim")
        )
        return (
            Text(bill.order_no, no_wrap=True, overflow="ellipsis"),
            Text(money(bill.amount_fen), justify="right"),
            Text(money(bill.repaid_fen), justify="right", style="dim"),
            Text(money(bill.outstanding_fen), justify="right", style=owed_style),
            due,
            status,
        )

    def _current(self) -> Bill | None:
        return self.table.current

    def _status(self, message: str, level: str | None) -> None:
        style = tone(self.app, "error" if level == "error" else "success") if level else "dim"
        line = Text(message, style=style)
        if self.table.next_cursor:
            line.append("  " + t("paged.more"), style="dim")
        self.query_one("#bn-status", Static).update(line)

    # --- actions -------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load()

    def action_repay(self) -> None:
        bill = self._current()
        if bill is None or not repayable(bill):
            return
        balance = money(self.wallet.balance_fen) if self.wallet is not None else "—"
        question = t(
            "bnpl.repay_question",
            amount=money(bill.outstanding_fen),
            order=bill.order_no,
            balance=balance,
        )

        async def repay_with(password: str) -> Bill:
            return await self.shop.run_api(
                lambda api: api.repay_bill(bill.id, payment_password=password), needs_login=True
            )

        self.app.push_screen(
            SecretPromptModal(
                question,
                kind="payment",
                confirm_label=t("bnpl.repay"),
                attempt=repay_with,
                explain=_repay_refusal,
            ),
            self._repaid,
        )

    def _repaid(self, repaid: Bill | None) -> None:
        """The repayment confirmed with the payment password went through (or None: the
        user backed out, nothing was paid)."""
        if repaid is None:
            return
        self.notify(t("bnpl.repaid", amount=money(repaid.repaid_fen), order=repaid.order_no))
        self.load()


def _repay_refusal(error: ApiError) -> str:
    from kshop_tui.api import errors

    if isinstance(error, errors.InsufficientFunds):
        return t("bnpl.not_enough", reason=error_words(error))
    return error_words(error)
