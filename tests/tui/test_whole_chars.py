"""A wide (Chinese) character over the edge of a widget underneath is drawn whole: the
address form's region list at 80×24 lost 黑 of 黑龙江省 over the Save button's edge
(kshop_tui/whole_chars.py)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Select, Static
from textual.widgets._select import SelectOverlay

from kshop_tui.app import KshopApp
from kshop_tui.screens.account.address_form import AddressFormModal
from kshop_tui.whole_chars import WholeCharCompositor
from tests.tui.helpers import settle


def drawn_lines(screen: Screen[object], x: int, y: int, width: int, height: int) -> list[str]:
    """What the screen shows in a rectangle, line by line."""
    strips = screen._compositor.render_strips()
    return [strips[line].crop(x, x + width).text.rstrip() for line in range(y, y + height)]


async def test_the_region_list_over_the_buttons_keeps_every_name_whole(
    make_app: Callable[..., KshopApp], demo_token: str
) -> None:
    app = make_app(lang="zh_CN", token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AddressFormModal())
        await settle(pilot)
        form = app.screen
        form.query_one("#af-province", Select).focus()
        await pilot.press("enter")  # open the province list
        await settle(pilot)
        overlay = form.query_one(SelectOverlay)
        region = overlay.region
        save = form.query_one("#af-save").region
        # The list runs over the Save button, whose edge splits a name's first character.
        assert region.y <= save.y < region.bottom and region.x < save.x < region.right
        provinces = {str(option.prompt) for option in overlay._options}
        shown = drawn_lines(form, region.x, region.y, region.width - 2, region.height)
        assert all(line.strip() in provinces for line in shown), shown
        assert "黑龙江省" in {line.strip() for line in shown}


class Overlapping(App[None]):
    """Two widgets side by side and, in front of both, a line of Chinese across their
    edge at an odd column (the middle of 龙)."""

    CSS = """
    Screen { layers: below above; }
    Horizontal { layer: below; height: 1; }
    #left { width: 3; } #right { width: 1fr; }
    #front { layer: above; width: 12; height: 1; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("aaa", id="left")
            yield Static("bbb", id="right")
        yield Static("黑龙江省", id="front")

    def get_default_screen(self) -> Screen[None]:
        screen: Screen[None] = Screen()
        screen._compositor = WholeCharCompositor()
        return screen


async def test_a_widget_in_front_is_not_cut_at_an_edge_behind_it() -> None:
    app = Overlapping()
    async with app.run_test(size=(20, 2)):
        assert drawn_lines(app.screen, 0, 0, 12, 1) == ["黑龙江省"]
        # The edge at column 3 lies under the front widget: no piece starts there.
        assert 3 not in app.screen._compositor.cuts[0]
