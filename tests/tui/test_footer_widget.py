"""The shop's footer, one widget drawing what Textual's footer of a dozen widgets drew:
clicks run keys (a disabled one rings the bell), the key under the pointer lights up, the
palette's key stays on the right while the others are cut at the right, and the footer
repaints only when the keys it shows change, once for a burst of changes."""

from __future__ import annotations

from typing import Any

from rich.style import Style as RichStyle
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from kshop_tui.widgets.footer import ShopFooter
from tests.tui.helpers import settle

GROUP = Binding.Group("Pay with", compact=True)


class KeysScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "add", "Add to cart"),
        Binding("x", "refused", "Refused"),
        *[Binding(str(n), f"pick({n})", "Pay with", group=GROUP) for n in (1, 2, 3)],
        Binding("s", "sort", "Sort"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []
        self.offer_sort = True

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield ShopFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "refused":
            return None  # shown, disabled
        if action == "sort":
            return self.offer_sort
        return True

    def action_add(self) -> None:
        self.ran.append("add")

    def action_refused(self) -> None:
        self.ran.append("refused")

    def action_pick(self, number: int) -> None:
        self.ran.append(f"pick {number}")

    def action_sort(self) -> None:
        self.ran.append("sort")


class KeysApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.bells = 0

    def on_mount(self) -> None:
        self.push_screen(KeysScreen())

    def bell(self) -> None:
        self.bells += 1


def footer_of(pilot: Pilot[Any]) -> ShopFooter:
    return pilot.app.screen.query_one(ShopFooter)


def keys_screen(app: App[Any]) -> KeysScreen:
    screen = app.screen
    assert isinstance(screen, KeysScreen)
    return screen


def drawn(footer: ShopFooter) -> str:
    return footer.render_line(0).text


def column_of(footer: ShopFooter, words: str) -> int:
    text = drawn(footer)
    assert words in text, text
    return text.index(words)


def style_at(footer: ShopFooter, x: int) -> RichStyle:
    at = 0
    for segment in footer.render_line(0):
        at += segment.cell_length
        if x < at:
            assert segment.style is not None
            return segment.style
    raise AssertionError(f"nothing drawn at {x}")


async def test_the_footer_shows_the_keys_in_the_first_frame_as_textual_lays_them_out() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        assert drawn(footer).startswith(" a Add to cart  x Refused  123 Pay with  s Sort ")
        assert drawn(footer).endswith("▏^p palette ")
        assert len(drawn(footer)) == 100


async def test_a_click_on_a_key_runs_it() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        screen = keys_screen(app)
        await pilot.click(ShopFooter, offset=(column_of(footer, "Add to cart"), 0))
        await pilot.click(ShopFooter, offset=(column_of(footer, "123") + 1, 0))
        await settle(pilot)
        assert screen.ran == ["add", "pick 2"]
        assert app.bells == 0


async def test_a_click_on_a_disabled_key_rings_the_bell() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        screen = keys_screen(app)
        assert style_at(footer, column_of(footer, "Refused")).dim
        await pilot.click(ShopFooter, offset=(column_of(footer, "Refused"), 0))
        await settle(pilot)
        assert screen.ran == []
        assert app.bells == 1


async def test_a_click_between_keys_does_nothing() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        screen = keys_screen(app)
        await pilot.click(ShopFooter, offset=(column_of(footer, "Sort ") + 10, 0))
        await settle(pilot)
        assert screen.ran == []
        assert app.bells == 0


async def test_the_key_under_the_pointer_lights_up_until_the_pointer_leaves() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        add = column_of(footer, " a Add")
        sort = column_of(footer, " s Sort")
        plain = style_at(footer, add).bgcolor
        await pilot.hover(ShopFooter, offset=(add + 5, 0))
        await settle(pilot)
        assert footer.hovered is not None and footer.hovered.key == "a"
        assert footer.tooltip is None  # the binding has no tooltip of its own
        lit = style_at(footer, add).bgcolor
        assert lit != plain
        assert style_at(footer, add + len(" a Add to cart ") - 1).bgcolor == lit
        assert style_at(footer, sort).bgcolor == plain
        await pilot.hover(Static)
        await settle(pilot)
        assert footer.hovered is None
        assert style_at(footer, add).bgcolor == plain


async def test_the_palette_key_stays_on_the_right_and_runs() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        assert footer.line.palette is not None
        assert footer.line.palette.key == "ctrl+p"
        await pilot.click(ShopFooter, offset=(99 - len("palette "), 0))
        await settle(pilot)
        assert app.screen.__class__.__name__ == "CommandPalette"


async def test_keys_that_do_not_fit_are_cut_at_the_right_before_the_palette_key() -> None:
    app = KeysApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        text = drawn(footer)
        palette = "▏^p palette "
        assert len(text) == 40
        assert (
            text
            == " a Add to cart  x Refused  123 Pay with  s Sort "[: 40 - len(palette)] + palette
        )
        # The last cell left of the palette's key is the cut group's first key.
        screen = keys_screen(app)
        await pilot.click(ShopFooter, offset=(40 - len(palette) - 1, 0))
        await settle(pilot)
        assert screen.ran == ["pick 1"]


async def test_the_footer_repaints_once_for_a_burst_and_not_for_the_same_keys() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await settle(pilot)
        footer = footer_of(pilot)
        screen = keys_screen(app)
        repaints = 0
        refresh = footer.refresh

        def counted_refresh(*args: Any, **kwargs: Any) -> Any:
            nonlocal repaints
            repaints += 1
            return refresh(*args, **kwargs)

        footer.refresh = counted_refresh  # type: ignore[method-assign]
        shown = footer.line
        screen.refresh_bindings()
        await settle(pilot)
        assert repaints == 0
        assert footer.line is shown

        for offer in (False, True, False):  # a burst: the last one counts
            screen.offer_sort = offer
            screen.refresh_bindings()
        await settle(pilot)
        assert repaints == 1
        assert " s Sort " not in drawn(footer)
        assert [item.key.key for item in footer.line.items if item.key] == ["a", "x", "1", "2", "3"]
