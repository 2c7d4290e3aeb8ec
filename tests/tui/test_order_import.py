"""The orders screen's import (批量导入订单): `i` opens it with the file picker, the rows are
checked (bad ones named with their reason), ctrl+s places and pays the good ones with a
progress bar and each row's result; stopping keeps what was placed, and importing the
same file again places nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from fake_backend.context import Ctx
from fake_backend.seed_data import DEMO_PAYMENT_PASSWORD
from kshop_tui.app import KshopApp
from kshop_tui.i18n import translate
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.order_import import OrderImportScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.shop.flows.order_import import RowResult
from kshop_tui.widgets.file_picker import FilePickerModal
from tests.client.test_cli import SKU, count
from tests.client.test_cli_import import BEIJING, HANGZHOU, good_row, write_csv
from tests.tui import helpers

MakeApp = Callable[..., KshopApp]
WAITING = {"import-pick", "import-run", "orders-page"}
settle = partial(helpers.settle, waiting=WAITING)
wait_until = partial(helpers.wait_until, waiting=WAITING)


def sample_rows() -> list[list[str]]:
    return [
        good_row("A-1"),
        ["A-2", str(SKU), "1", "李四", "12345", *HANGZHOU, ""],
        good_row("A-3", qty=2, where=BEIJING),
        good_row("A-4", sku=999999),
    ]


async def open_import(pilot: Pilot[Any], path: Path) -> OrderImportScreen:
    """From the orders list: `i`, then the file typed into the picker's path box."""
    await helpers.wait_for_screen(pilot, OrdersScreen)
    await settle(pilot)
    await pilot.press("i")
    return await choose(pilot, path)


async def choose(pilot: Pilot[Any], path: Path) -> OrderImportScreen:
    picker = await helpers.wait_for_screen(pilot, FilePickerModal)
    box = picker.query_one("#picker-path", Input)
    box.value = str(path)
    box.focus()
    await pilot.press("enter")
    screen = await helpers.wait_for_screen(pilot, OrderImportScreen)
    await wait_until(pilot, lambda: screen.state in ("checked", "intro"), what="checked")
    return screen


async def place_with_password(pilot: Pilot[Any], screen: OrderImportScreen) -> None:
    await pilot.press("ctrl+s")
    prompt = await helpers.wait_for_screen(pilot, SecretPromptModal)
    prompt.query_one("Input", Input).value = DEMO_PAYMENT_PASSWORD
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen.state == "done", what="import done")


def statuses(screen: OrderImportScreen) -> list[str]:
    table = screen.query_one("#import-rows", DataTable)
    return [table.get_row_at(index)[2].plain for index in range(table.row_count)]


def words(lang: str, *keys: str) -> list[str]:
    return [translate(lang, f"import.status.{key}") for key in keys]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_import_places_the_good_rows_and_names_the_bad_ones(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, tmp_path: Path, lang: str
) -> None:
    path = write_csv(tmp_path / "orders.csv", sample_rows())
    orders = count(backend_ctx, "orders")
    app = make_app(lang=lang, token=demo_token, open_target=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        screen = await open_import(pilot, path)
        assert screen.state == "checked"
        assert statuses(screen) == words(lang, "pending", "invalid", "pending", "invalid")
        status = helpers.text_of(screen, "#import-status")
        assert "orders.csv" in status
        table = screen.query_one("#import-rows", DataTable)
        problem = table.get_row_at(1)[5].plain
        assert translate(lang, "valid.phone") in problem
        assert "SKU 999999" in table.get_row_at(3)[5].plain
        assert count(backend_ctx, "orders") == orders

        await place_with_password(pilot, screen)

        assert statuses(screen) == words(lang, "paid", "invalid", "paid", "invalid")
        assert table.get_row_at(0)[3].plain.startswith("KS")
        assert count(backend_ctx, "orders") == orders + 2
        assert "orders.results.csv" in helpers.text_of(screen, "#import-status")
        assert (tmp_path / "orders.results.csv").exists()
        progress = screen.query_one("#import-progress")
        assert progress.display
        table.focus()
        table.move_cursor(row=2)
        await pilot.press("enter")
        detail = await helpers.wait_for_screen(pilot, OrderDetailScreen)
        assert detail.order_id == screen.placed["4"]


async def test_not_paying_now_places_orders_to_pay_from_the_list(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "later.csv", [good_row("L-1"), good_row("L-2")])
    unpaid = backend_ctx.db.execute(
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'pending_payment'"
    ).fetchone()["n"]
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        screen = await open_import(pilot, path)
        screen.query_one("#import-pay", Select).value = "none"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.state == "done", what="import done")
        assert statuses(screen) == words("en", "placed", "placed")
        assert not isinstance(app.screen, SecretPromptModal)
    now_unpaid = backend_ctx.db.execute(
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'pending_payment'"
    ).fetchone()["n"]
    assert now_unpaid == unpaid + 2


async def test_stopping_keeps_what_was_placed_and_a_second_import_places_each_row_once(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    refs = [f"S-{number}" for number in range(1, 5)]
    path = write_csv(tmp_path / "stop.csv", [good_row(ref) for ref in refs])
    orders = count(backend_ctx, "orders")
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        screen = await open_import(pilot, path)
        row_done = screen._row_done

        def escape_after_the_first(result: RowResult) -> None:
            row_done(result)
            if result.number == 2:
                screen.action_back()  # escape mid-run stops, it does not leave

        screen._row_done = escape_after_the_first  # type: ignore[method-assign]
        await place_with_password(pilot, screen)
        assert app.screen is screen
        assert statuses(screen) == words("en", "paid", "not_run", "not_run", "not_run")
        assert count(backend_ctx, "orders") == orders + 1
        assert "Stopped" in helpers.text_of(screen, "#import-status")

        screen._row_done = row_done  # type: ignore[method-assign]
        await pilot.press("o")
        await choose(pilot, path)
        await place_with_password(pilot, screen)
        assert statuses(screen) == words("en", "paid", "paid", "paid", "paid")
    assert count(backend_ctx, "orders") == orders + 4
    for ref in refs:
        placed = backend_ctx.db.execute(
            "SELECT COUNT(*) AS n FROM orders WHERE remark = ?", (f"备注 {ref}",)
        ).fetchone()["n"]
        assert placed == 1


async def test_a_file_that_cannot_be_read_says_why_and_places_nothing(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "short.csv", [["x", "1"]], header=("ref", "sku_id"))
    orders = count(backend_ctx, "orders")
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        screen = await open_import(pilot, path)
        assert screen.state == "intro"
        assert "qty, name, phone" in helpers.text_of(screen, "#import-status")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert count(backend_ctx, "orders") == orders
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
