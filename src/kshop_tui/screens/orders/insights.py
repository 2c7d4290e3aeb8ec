"""数据分析: what the user spent per month and per category, and how many orders are in
each state, as bar charts with the numbers beside them; `[`/`]` picks 3/6/12/24 months."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import LoadingIndicator, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import money
from kshop_tui.widgets.bar_chart import Bar, BarChart
from kshop_tui.widgets.status_badge import status_label

if TYPE_CHECKING:
    from kshop_tui.api.models import Insights

MONTH_CHOICES = (3, 6, 12, 24)
DEFAULT_MONTHS = 12
WIDE_ENOUGH_FOR_COLUMNS = 110


def share_text(part: int, whole: int) -> str:
    """`34.5%`, by integer arithmetic (half up), so shares match the amounts exactly."""
    if whole <= 0:
        return "0.0%"
    tenths = (part * 1000 * 2 + whole) // (whole * 2)
    return f"{tenths // 10}.{tenths % 10}%"


def orders_text(count: int) -> str:
    return tn("insights.orders", count)


def month_bars(insights: Insights) -> tuple[Bar, ...]:
    return tuple(
        Bar(
            label=month.month,
            value=month.total_fen,
            figures=f"{money(month.total_fen)}  {orders_text(month.orders)}",
        )
        for month in insights.spend_by_month
    )


def category_bars(insights: Insights) -> tuple[Bar, ...]:
    whole = sum(category.total_fen for category in insights.spend_by_category)
    return tuple(
        Bar(
            label=category.name,
            value=category.total_fen,
            figures=f"{money(category.total_fen)}  {share_text(category.total_fen, whole):>6}",
        )
        for category in insights.spend_by_category
    )


def status_bars(insights: Insights) -> tuple[Bar, ...]:
    return tuple(
        Bar(label=status_label(status), value=count, figures=str(count))
        for status, count in insights.orders_by_status.items()
    )


class InsightsScreen(ShopScreen):
    CSS_PATH = "insights.tcss"
    BINDINGS = [
        Binding("right_square_bracket", "months(1)", "orders.key.more_months", id="insights.more"),
        Binding(
            "left_square_bracket", "months(-1)", "orders.key.fewer_months", id="insights.fewer"
        ),
        Binding("r", "reload", "orders.key.reload", id="insights.reload", show=False),
    ]

    def __init__(self, months: int = DEFAULT_MONTHS) -> None:
        super().__init__()
        self.months = months if months in MONTH_CHOICES else DEFAULT_MONTHS
        self.insights: Insights | None = None

    def where(self) -> str:
        return t("insights.title")

    def compose_body(self) -> ComposeResult:
        yield Static(id="insights-summary")
        yield LoadingIndicator(id="insights-loading")
        with VerticalScroll(id="insights-body"), Horizontal(id="insights-columns"):
            with Vertical(id="insights-months"):
                yield Static(t("insights.by_month"), classes="section-title")
                yield BarChart(t("insights.nothing"), id="chart-months")
            with Vertical(id="insights-side"):
                yield Static(t("insights.by_category"), classes="section-title")
                yield BarChart(t("insights.nothing"), id="chart-categories")
                yield Static(t("insights.by_status"), classes="section-title")
                yield BarChart(t("insights.nothing"), id="chart-statuses")
        yield Static(id="insights-error", classes="error-text")

    def on_mount(self) -> None:
        self.query_one("#insights-body").display = False
        self.load()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE_ENOUGH_FOR_COLUMNS, "-wide")

    def action_months(self, step: int) -> None:
        index = MONTH_CHOICES.index(self.months) + step
        if 0 <= index < len(MONTH_CHOICES):
            self.months = MONTH_CHOICES[index]
            self.load()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="insights")
    async def load(self) -> None:
        months = self.months
        self._show_summary(loading=True)

        def refused(error: errors.ApiError) -> None:
            self.query_one("#insights-loading").display = False
            self.query_one("#insights-error", Static).update(Text(error_words(error)))

        insights = await self.shop.attempt(
            lambda api: api.insights(months),
            needs_login=True,
            on_refusal=refused,
            on_login_cancelled=self.leave_if_on_top,
        )
        if insights is None:
            return
        if months != self.months:
            return
        self.insights = insights
        self.query_one("#insights-loading").display = False
        self.query_one("#insights-error", Static).update("")
        self.query_one("#insights-body").display = True
        self.query_one("#chart-months", BarChart).bars = month_bars(insights)
        self.query_one("#chart-categories", BarChart).bars = category_bars(insights)
        self.query_one("#chart-statuses", BarChart).bars = status_bars(insights)
        self._show_summary()

    def _show_summary(self, *, loading: bool = False) -> None:
        summary = Text()
        for choice in MONTH_CHOICES:
            label = f" {t('insights.months', count=choice)} "
            summary.append(label, style="reverse bold" if choice == self.months else "dim")
        summary.append("   ")
        if loading or self.insights is None:
            summary.append(t("browse.loading"), style="dim")
        else:
            orders = sum(month.orders for month in self.insights.spend_by_month)
            summary.append(t("insights.total") + " ")
            summary.append(money(self.insights.total_spend_fen), style="bold")
            summary.append("  " + orders_text(orders), style="dim")
        self.query_one("#insights-summary", Static).update(summary)
