"""Pilot tests of 数据分析: the charts carry exactly the API's numbers, `[`/`]` change the
period, and every bar line fits its width (Chinese labels included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rich.cells import cell_len

from fake_backend.context import Ctx
from fake_backend.services import insights as insights_service
from kshop_tui.app import KshopApp
from kshop_tui.screens.orders.insights import InsightsScreen, share_text
from kshop_tui.text import money
from kshop_tui.widgets.bar_chart import BarChart, bar_cells
from tests.tui.helpers import settle, shown_text
from tests.tui.test_orders import cancel, one_of_each

MakeApp = Callable[..., KshopApp]


def expected(ctx: Ctx, months: int, lang: str = "en") -> dict[str, Any]:
    return insights_service.insights(ctx, 1, months, lang)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_charts_show_the_apis_numbers(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    made = one_of_each(backend_ctx)
    cancel(backend_ctx, made["awaiting_shipment"])  # paid, then refunded in full
    app = make_app(lang=lang, token=demo_token, open_target="insights")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        truth = expected(backend_ctx, 12, "zh" if lang == "zh_CN" else "en")
        months = screen.query_one("#chart-months", BarChart).bars
        assert [(bar.label, bar.value) for bar in months] == [
            (month["month"], month["total_fen"]) for month in truth["spend_by_month"]
        ]
        assert all(money(bar.value) in bar.figures for bar in months)
        categories = screen.query_one("#chart-categories", BarChart).bars
        truth_categories = truth["spend_by_category"]
        assert [(bar.label, bar.value) for bar in categories] == [
            (category["name"], category["total_fen"]) for category in truth_categories
        ]
        statuses = screen.query_one("#chart-statuses", BarChart).bars
        assert [bar.value for bar in statuses] == list(truth["orders_by_status"].values())
        summary = shown_text(screen.query_one("#insights-summary"))
        assert money(int(truth["total_spend_fen"])) in summary
        assert int(truth["total_spend_fen"]) == sum(bar.value for bar in months) > 0
        for chart in screen.query(BarChart):
            width = chart.content_size.width
            assert all(cell_len(line) <= width for line in shown_text(chart).splitlines())


async def test_brackets_change_the_period(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    one_of_each(backend_ctx)
    app = make_app(token=demo_token, open_target="insights")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        assert len(screen.query_one("#chart-months", BarChart).bars) == 12
        await pilot.press("left_square_bracket")  # six months
        await settle(pilot)
        assert screen.months == 6
        assert len(screen.query_one("#chart-months", BarChart).bars) == 6
        await pilot.press("right_square_bracket", "right_square_bracket")  # 24 months
        await settle(pilot)
        assert screen.months == 24
        truth = expected(backend_ctx, 24)
        assert [bar.label for bar in screen.query_one("#chart-months", BarChart).bars] == [
            month["month"] for month in truth["spend_by_month"]
        ]
        await pilot.press("right_square_bracket")  # already the longest: stays
        assert screen.months == 24


def test_bars_and_shares_by_integer_arithmetic() -> None:
    assert bar_cells(0, 100, 10) == ""
    assert bar_cells(100, 100, 10) == "█" * 10
    assert bar_cells(55, 100, 10) == "█████▌"
    assert bar_cells(1, 10_000, 10) == "▏"  # tiny but not nothing
    assert share_text(1, 3) == "33.3%"
    assert share_text(2, 3) == "66.7%"
    assert share_text(0, 0) == "0.0%"
