"""`TextBox`: typing repaints the box and lays nothing out, and the box still scrolls
sideways to its cursor; one of `width: auto` still grows with its text."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Static

from kshop_tui.widgets.text_box import TextBox


class Boxes(App[None]):
    CSS = """
    #narrow { width: 12; }
    #auto { width: auto; }
    """

    def __init__(self, box: type[Input]) -> None:
        super().__init__()
        self.box = box

    def compose(self) -> ComposeResult:
        yield self.box(id="narrow")
        yield self.box(id="auto")
        yield Static("below")


async def layouts_while_typing(box: type[Input], text: str) -> int:
    app = Boxes(box)
    layouts: list[Screen[object]] = []
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        app.screen.screen_layout_refresh_signal.subscribe(app, layouts.append, immediate=True)
        app.query_one("#narrow", Input).focus()
        await pilot.pause()
        layouts.clear()
        await pilot.press(*text)
        await pilot.pause()
        assert app.query_one("#narrow", Input).value == text
    return len(layouts)


async def test_typing_lays_nothing_out() -> None:
    assert await layouts_while_typing(TextBox, "abcdef") == 0
    # What it saves: Textual's own box lays the screen out at every key.
    assert await layouts_while_typing(Input, "abcdef") >= 6


MOVES = [list("abcdefghijklmnopqrstuvwxyz"), ["home"], ["end"], ["left"] * 8, ["backspace"] * 3]


async def scrolling(box: type[Input]) -> list[tuple[float, str]]:
    """Where the narrow box is scrolled and what it shows, after each of `MOVES`."""
    app = Boxes(box)
    seen = []
    async with app.run_test(size=(40, 10)) as pilot:
        narrow = app.query_one("#narrow", Input)
        narrow.focus()
        for keys in MOVES:
            await pilot.press(*keys)
            await pilot.pause()
            seen.append((narrow.scroll_x, narrow.render_line(0).text))
    return seen


async def test_a_long_text_scrolls_sideways_as_in_textuals_box() -> None:
    seen = await scrolling(TextBox)
    assert seen == await scrolling(Input)
    assert seen[0][0] > 0 and "xyz" in seen[0][1]  # scrolled to the cursor at the end
    assert seen[1] == (0, "abcdefg")  # and back


async def test_a_box_of_auto_width_grows_with_its_text() -> None:
    app = Boxes(TextBox)
    async with app.run_test(size=(40, 10)) as pilot:
        box = app.query_one("#auto", TextBox)
        box.focus()
        await pilot.pause()
        before = box.size.width
        await pilot.press(*"abcdefghij")
        await pilot.pause()
        assert box.size.width >= before + 10
