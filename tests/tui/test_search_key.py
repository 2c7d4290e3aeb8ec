"""The search key (`/`) on the browse screen: the box takes the focus before the keys after
it are handed on, so the letters typed with it in one read (a fast typist, one SSH packet)
land in the box; a slash typed in a text box stays a slash, and a dialog keeps its keys."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import Input

from kshop_tui.app import KshopApp
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.screens.confirm import ConfirmModal
from kshop_tui.widgets.product_list import ProductList
from tests.tui.helpers import settle

MakeApp = Callable[..., KshopApp]


def keys_at_once(app: KshopApp, text: str) -> None:
    """`text` as keys all queued before the app handles the first, as one read from a
    terminal brings them."""
    for character in text:
        key = "slash" if character == "/" else character
        app.post_message(events.Key(key, character))


async def test_letters_typed_with_the_search_key_go_into_the_box(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        assert isinstance(app.focused, ProductList)
        keys_at_once(app, "/tea")
        await settle(pilot)
        box = screen.query_one("#search", Input)
        assert app.focused is box
        assert box.value == "tea"


async def test_a_slash_typed_in_a_text_box_is_a_slash(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        keys_at_once(app, "a/b")
        await settle(pilot)
        box = app.screen.query_one("#search", Input)
        assert app.focused is box and box.value == "a/b"


async def test_the_search_key_on_a_dialog_is_the_dialogs(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        browse = app.screen
        dialog = ConfirmModal("Leave?", "Leave")
        app.push_screen(dialog)
        await settle(pilot)
        keys_at_once(app, "/t")
        await settle(pilot)
        assert app.screen is dialog, "the dialog is still up"
        assert browse.query_one("#search", Input).value == ""
