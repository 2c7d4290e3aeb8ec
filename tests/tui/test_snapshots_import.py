"""How the orders import looks, at 80×24 and 120×40, in English and Chinese: before a file
is chosen, a file checked (two bad rows named), the run done, and a run stopped after its
first row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kshop_tui.app import KshopApp
from kshop_tui.screens.orders.order_import import OrderImportScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.shop.flows.order_import import RowResult
from kshop_tui.widgets.file_picker import FilePickerModal
from tests.client.test_cli_import import write_csv
from tests.tui import helpers
from tests.tui.test_order_import import open_import, place_with_password, sample_rows, settle

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LANGS = [pytest.param("en", id="en"), pytest.param("zh_CN", id="zh")]


def checked(path: Path) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("o")
        await open_import(pilot, path)
        await settle(pilot)

    return run_before


def done(path: Path) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("o")
        screen = await open_import(pilot, path)
        await place_with_password(pilot, screen)
        await settle(pilot)

    return run_before


def stopped(path: Path) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("o")
        screen = await open_import(pilot, path)
        row_done = screen._row_done

        def stop_after_the_first(result: RowResult) -> None:
            row_done(result)
            screen.action_stop()

        screen._row_done = stop_after_the_first  # type: ignore[method-assign]
        await place_with_password(pilot, screen)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("lang", LANGS)
def test_before_a_file_is_chosen(
    snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, lang: str
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("o")
        await helpers.wait_for_screen(pilot, OrdersScreen)
        await settle(pilot)
        await pilot.press("i")
        await helpers.wait_for_screen(pilot, FilePickerModal)
        await pilot.press("escape")
        await helpers.wait_for_screen(pilot, OrderImportScreen)
        await settle(pilot)

    app = make_app(lang=lang, token=demo_token)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", ["checked", "done", "stopped"])
def test_import_states(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    demo_token: str,
    tmp_path: Path,
    lang: str,
    size: tuple[int, int],
    state: str,
) -> None:
    path = write_csv(tmp_path / "orders.csv", sample_rows())
    run_before = {"checked": checked, "done": done, "stopped": stopped}[state](path)
    app = make_app(lang=lang, token=demo_token)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
