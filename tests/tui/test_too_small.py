"""The "terminal too small" screen: it covers the shop below 60×16, adapts as the window
changes, keeps keys from acting on screens nobody can see, and goes away leaving the
user exactly where they were."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Static

from kshop_tui.app import KshopApp
from kshop_tui.screens.cart.cart import CartScreen
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tests.tui.helpers import settle

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]


def shown_message(app: KshopApp) -> str:
    assert isinstance(app.screen, TooSmallScreen)
    return str(app.screen.query_one("#too-small-message", Static).render())


def stack(app: KshopApp) -> list[str]:
    return [type(screen).__name__ for screen in app.screen_stack]


async def test_a_tiny_terminal_shows_the_message_until_it_is_big_enough(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(10, 5)) as pilot:
        await settle(pilot)
        assert stack(app) == ["BrowseScreen", "TooSmallScreen"]
        assert "10×5" in shown_message(app)

        await pilot.resize_terminal(42, 12)  # bigger, still too small
        await settle(pilot)
        message = shown_message(app)
        assert "Terminal too small: 42×12." in message
        assert f"kshop needs at least {MIN_WIDTH}×{MIN_HEIGHT}." in message
        assert "Make the window larger." in message

        await pilot.resize_terminal(MIN_WIDTH, MIN_HEIGHT)  # just big enough
        await settle(pilot)
        assert stack(app) == ["BrowseScreen"]


async def test_the_user_comes_back_exactly_where_they_were(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        await pilot.press("slash")  # focus the search box
        await pilot.press(*"保温")  # type, without searching yet
        search = browse.query_one("#search", Input)

        for small in ((10, 5), (59, 24), (80, 15)):
            await pilot.resize_terminal(*small)
            await settle(pilot)
            assert isinstance(app.screen, TooSmallScreen), small
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            assert app.screen_stack[-1] is browse, small
            assert search.value == "保温"
            assert app.focused is search

        await pilot.press("x")  # typing goes on where it stopped
        assert search.value == "保温x"


async def test_keys_do_nothing_behind_the_message_but_ctrl_q_quits(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        await pilot.press("c", "o", "w", "question_mark", "slash", "escape", "enter")
        await settle(pilot)
        assert stack(app) == ["BrowseScreen", "TooSmallScreen"]
        await pilot.press("ctrl+p")  # the palette is a priority key: it must not stay open
        await settle(pilot)
        assert not any(isinstance(screen, CommandPalette) for screen in app.screen_stack)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.press("ctrl+q")  # quit
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_a_screen_opened_while_too_small_is_covered_then_shown(
    make_app: MakeApp, demo_token: str
) -> None:
    # A deep link opens the cart as soon as the backend answers, while the window is tiny.
    app = make_app(open_target="cart", token=demo_token)
    async with app.run_test(size=(10, 5)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert any(isinstance(screen, CartScreen) for screen in app.screen_stack)

        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert isinstance(app.screen, CartScreen)

        await pilot.press("escape")  # back from the cart: to browse, no message left over
        await settle(pilot)
        assert stack(app) == ["BrowseScreen"]


async def test_the_message_speaks_chinese(make_app: MakeApp) -> None:
    app = make_app(lang="zh_CN")
    async with app.run_test(size=(42, 12)) as pilot:
        await settle(pilot)
        message = shown_message(app)
        assert "终端太小：42×12。" in message
        assert f"kshop 至少需要 {MIN_WIDTH}×{MIN_HEIGHT}。" in message


class TestSnapshots:
    @pytest.mark.parametrize(
        "size",
        [
            pytest.param((10, 5), id="10x5"),
            pytest.param((40, 12), id="40x12"),
            pytest.param((59, 20), id="59x20"),
        ],
    )
    def test_too_small(
        self, snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=settle)

    def test_too_small_chinese(self, snap_compare: SnapCompare, make_app: MakeApp) -> None:
        assert snap_compare(make_app(lang="zh_CN"), terminal_size=(40, 12), run_before=settle)
