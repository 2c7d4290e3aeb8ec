"""My subscriptions (周期购): each with its product, quantity, rhythm, next date, state and
last outcome; under the list, the periods of the one under the cursor and the orders they
made (enter opens one). Pause, resume, skip the next period, change or cancel, each only
in the states the backend allows; a key that does not apply says why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.subscriptions import (
    allows,
    error_reason,
    every_words,
    failed,
    method_words,
    outcome_words,
    refusal_words,
    status_words,
)
from kshop_tui.text import local_time, money
from kshop_tui.widgets.row_table import RowTable, tone

if TYPE_CHECKING:
    from kshop_tui.api.models import Subscription, SubscriptionDetail, SubscriptionPeriod

# The list's fixed columns (qty, every, next, state); the product and outcome share the rest.
FIXED_WIDTH = 4 + 8 + 10 + 9
WIDE = 100


class SubscriptionsScreen(ShopScreen):
    CSS_PATH = "subscription_list.tcss"
    BINDINGS = [
        Binding("enter", "open", "subs.key.open", id="subscriptions.open", show=False),
        Binding("p", "pause", "subs.key.pause", id="subscriptions.pause"),
        Binding("r", "resume", "subs.key.resume", id="subscriptions.resume"),
        Binding("n", "skip_next", "subs.key.skip_next", id="subscriptions.skip_next"),
        Binding("e", "edit", "subs.key.edit", id="subscriptions.edit"),
        Binding("x", "cancel", "subs.key.cancel", id="subscriptions.cancel"),
        Binding("f5", "reload", "subs.key.reload", id="subscriptions.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Subscription] = []
        self.details: dict[int, SubscriptionDetail] = {}
        self.loaded = False
        self.generation = 0
        self.reload_on_resume = False
        """Bumped by a move's answer: a list asked for before it is older, and dropped."""

    def where(self) -> str:
        return f"{t('orders.title')} › {t('subs.title')}"

    def compose_body(self) -> ComposeResult:
        with Vertical(id="subs-body"):
            yield Static(id="subs-empty")
            yield RowTable(id="subs-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="subs-detail-title")
            yield RowTable(id="subs-periods", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#subs-table", DataTable)
        table.add_column(Text(t("subs.col.product")), key="product")
        table.add_column(Text(t("subs.col.qty"), justify="right"), key="qty", width=4)
        table.add_column(Text(t("subs.col.every")), key="every", width=8)
        table.add_column(Text(t("subs.col.next")), key="next", width=10)
        table.add_column(Text(t("subs.col.state")), key="state", width=9)
        table.add_column(Text(t("subs.col.last")), key="last")
        periods = self.query_one("#subs-periods", DataTable)
        periods.add_column(Text(t("subs.col.period")), key="period", width=10)
        periods.add_column(Text(t("subs.col.outcome")), key="outcome")
        periods.add_column(Text(t("subs.col.order")), key="order", width=12)
        table.focus()
        self.load()

    def on_resize(self) -> None:
        if self.loaded:
            self._draw()

    def reload_after_outage(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        # Back from an order: a period may have been placed meanwhile (the clock moves on).
        # Not after a dialog of this screen: its move's answer is drawn by the move.
        if self.loaded and self.reload_on_resume:
            self.reload_on_resume = False
            self.load()

    # --- loading -------------------------------------------------------------------------

    @work(exclusive=True, group="subscriptions")
    async def load(self) -> None:
        generation = self.generation
        rows = await self.shop.attempt(
            lambda api: api.subscriptions(),
            needs_login=True,
            on_refusal=lambda error: self._show_problem(error_words(error)),
            on_login_cancelled=self.leave_if_on_top,
        )
        if rows is None or generation != self.generation:
            return
        self.rows = rows
        self.details = {}
        self.loaded = True
        self._draw()
        self.load_detail()

    @work(exclusive=True, group="subscription-detail")
    async def load_detail(self) -> None:
        row = self._current()
        if row is None:
            return
        try:
            detail = await self.shop.run_api(lambda api: api.subscription(row.id), needs_login=True)
        except (LoginCancelled, errors.ApiError):
            return  # the row still shows its last outcome; the periods wait for a reload
        self.details[row.id] = detail
        current = self._current()
        if current is not None and current.id == detail.id:
            self._draw_detail()

    # --- drawing -------------------------------------------------------------------------

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        table = self.query_one("#subs-table", DataTable)
        keep = self._current()
        table.clear()
        self._size_columns()
        empty = self.query_one("#subs-empty", Static)
        empty.display = not self.rows
        empty.update(Text(t("subs.empty"), style="dim"))
        table.display = bool(self.rows)
        self.query_one("#subs-periods").display = bool(self.rows)
        for row in self.rows:
            table.add_row(*self._cells(row), key=str(row.id))
        if self.rows:
            index = next((i for i, r in enumerate(self.rows) if keep and r.id == keep.id), 0)
            table.move_cursor(row=index)
        self._draw_detail()
        self.refresh_bindings()

    def _size_columns(self) -> None:
        table = self.query_one("#subs-table", DataTable)
        rest = max(24, self.size.width - 2 - FIXED_WIDTH - 2 * 6)
        product = rest // 2 if self.size.width >= WIDE else rest * 11 // 20
        for key, width in (("product", product), ("last", rest - product)):
            column = table.columns[ColumnKey(key)]
            column.width = width
            column.auto_width = False
        periods = self.query_one("#subs-periods", DataTable)
        outcome = periods.columns[ColumnKey("outcome")]
        outcome.width = max(20, self.size.width - 2 - 10 - 12 - 2 * 3)
        outcome.auto_width = False

    def _cells(self, row: Subscription) -> tuple[Text, ...]:
        product = Text(row.product_name, no_wrap=True, overflow="ellipsis")
        specs = "/".join(row.specs.values())
        if specs:
            product.append(" " + specs, style="dim")
        state = Text(status_words(row.status))
        if row.status == "paused":
            state.stylize(tone(self.app, "warning"))
        elif row.status == "cancelled":
            state.stylize("dim")
        return (
            product,
            Text(str(row.qty), justify="right"),
            Text(every_words(row.every)),
            Text(row.next_on or "—"),
            state,
            self._outcome_cell(row.last_outcome),
        )

    def _outcome_cell(self, period: SubscriptionPeriod | None, *, dated: bool = True) -> Text:
        cell = Text(no_wrap=True, overflow="ellipsis")
        if period is None:
            cell.append(outcome_words(None), style="dim")
            return cell
        if period.status != "placed":
            style = tone(self.app, "error" if failed(period) else "warning")
        else:
            style = tone(self.app, "success")
        if dated:
            cell.append(period.period_on + " ", style="dim")
        cell.append(outcome_words(period), style=style)
        return cell

    def _draw_detail(self) -> None:
        title = self.query_one("#subs-detail-title", Static)
        periods = self.query_one("#subs-periods", DataTable)
        periods.clear()
        row = self._current()
        if row is None:
            title.update("")
            return
        detail = self.details.get(row.id)
        text = Text(t("subs.detail_title", id=row.id), style="bold")
        text.append(
            "  "
            + t(
                "subs.detail_line",
                price=money(row.price_fen * row.qty),
                method=method_words(row.payment_method),
                starts=row.starts_on,
            ),
            style="dim",
        )
        failing = row.last_outcome is not None and row.last_outcome.status == "failing"
        if failing and row.next_attempt_at:
            retry = t("subs.retry_at", when=local_time(row.next_attempt_at))
            text.append(" · " + retry, style=tone(self.app, "warning"))
        if detail is None:
            text.append("\n" + t("browse.loading"), style="dim")
        elif not detail.history:
            text.append("\n" + t("subs.no_periods", day=row.next_on or row.starts_on), style="dim")
        title.update(text)
        if detail is None:
            return
        for index, period in enumerate(detail.history):
            outcome = self._outcome_cell(period, dated=False)
            if period.status != "placed" and period.error_code is not None and period.attempts:
                outcome.append(" " + t("subs.attempts", count=period.attempts), style="dim")
            order = Text(f"#{period.order_id}" if period.order_id else "—")
            periods.add_row(Text(period.period_on), outcome, order, key=str(index))

    def _show_problem(self, message: str) -> None:
        empty = self.query_one("#subs-empty", Static)
        empty.update(Text(message))
        empty.display = True
        self.query_one("#subs-table").display = False
        self.query_one("#subs-periods").display = False

    # --- the cursor ----------------------------------------------------------------------

    def _current(self) -> Subscription | None:
        if not self.rows or not self.is_mounted:
            return None
        index = self.query_one("#subs-table", DataTable).cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _current_period(self) -> SubscriptionPeriod | None:
        row = self._current()
        detail = self.details.get(row.id) if row is not None else None
        if detail is None or not detail.history:
            return None
        index = self.query_one("#subs-periods", DataTable).cursor_row
        return detail.history[index] if 0 <= index < len(detail.history) else None

    @on(DataTable.RowHighlighted, "#subs-table")
    def _highlighted(self) -> None:
        self.refresh_bindings()
        row = self._current()
        if row is not None and row.id not in self.details:
            self._draw_detail()
            self.load_detail()
        else:
            self._draw_detail()

    @on(DataTable.RowSelected, "#subs-table")
    def _selected_subscription(self) -> None:
        if self.query_one("#subs-periods", DataTable).row_count:
            self.query_one("#subs-periods").focus()

    @on(DataTable.RowSelected, "#subs-periods")
    def _selected_period(self) -> None:
        self.action_open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause", "resume", "skip_next", "edit", "cancel"):
            return allows(action, self._current())
        return True

    def refusal(self, action: str) -> str | None:
        if action not in ("pause", "resume", "skip_next", "edit", "cancel"):
            return None
        row = self._current()
        if row is None:
            return t("subs.why_not.none")
        if allows(action, row):
            return None
        return refusal_words(action, row)

    # --- actions -------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load()

    def action_open(self) -> None:
        """The order the period under the cursor made (from the periods below)."""
        period = self._current_period()
        if period is None:
            return
        if period.order_id is None:
            reason = error_reason(period) if period.error_code else outcome_words(period)
            self.notify(t("subs.no_order", day=period.period_on, reason=reason), markup=False)
            return
        self.reload_on_resume = True
        self.open("order", period.order_id)

    def action_pause(self) -> None:
        self.move("pause")

    def action_resume(self) -> None:
        self.move("resume")

    def action_skip_next(self) -> None:
        self.move("skip_next")

    def action_cancel(self) -> None:
        self.move("cancel")

    @work(group="subscription-move")
    async def move(self, action: str) -> None:
        row = self._current()
        if row is None:
            return
        if action in ("cancel", "skip_next"):
            day = row.next_on or ""
            question = t(f"subs.ask.{action}", name=row.product_name, id=row.id, day=day)
            label = t(f"subs.ask.{action}.yes")
            sure = await self.app.push_screen_wait(
                ConfirmDialog(question, confirm_label=label, danger=action == "cancel")
            )
            if not sure:
                return
        try:
            moved = await self.shop.run_api(
                lambda api: api.move_subscription(row.id, action), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            self.load()  # the state changed elsewhere (the clock, the CLI): show it
            return
        self._replace(moved)
        self.notify(t(f"subs.done.{action}", id=row.id, day=moved.next_on or ""))

    def _replace(self, moved: SubscriptionDetail) -> None:
        self.generation += 1
        self.rows = [moved if row.id == moved.id else row for row in self.rows]
        self.details[moved.id] = moved
        self._draw()

    def action_edit(self) -> None:
        row = self._current()
        if row is not None:
            self.open("subscription_form", subscription=row, callback=self._edited)

    def _edited(self, saved: SubscriptionDetail | None) -> None:
        if saved is not None:
            self._replace(saved)
