"""What the browse screen repaints (issue 15: a keystroke's results painted fast on a big
catalogue): the results list never shows a horizontal scrollbar, the suggestions drop down
over the results without moving them, and a layout that changes nothing about a list
leaves its scrollbar unpainted while one that changes its length updates it."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from textual import events
from textual.dom import DOMNode
from textual.geometry import Size
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import OptionList, Static

from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.screens.help import HelpScreen
from kshop_tui.widgets import product_list
from kshop_tui.widgets.product_list import ProductList
from kshop_tui.widgets.suggestion_list import SuggestionList
from tests.tui.helpers import settle, settle_debounced, wait_until

MakeApp = Callable[..., KshopApp]


def browse_of(pilot: Pilot[None]) -> BrowseScreen:
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen), f"not browsing: {screen!r}"
    return screen


async def first_results(pilot: Pilot[None]) -> ProductList:
    results = browse_of(pilot).query_one(ProductList)
    await wait_until(pilot, lambda: results.extent > 0, what="the first results")
    await settle(pilot)
    return results


def count_refreshes(widget: Widget, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of `widget.refresh` calls from now on."""
    calls = [0]
    original = widget.refresh

    def counting(*regions: object, **options: bool) -> Widget:
        calls[0] += 1
        return original(*regions, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(widget, "refresh", counting)
    return calls


def count_layouts(screen: BrowseScreen, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the screen's layouts (`Screen._refresh_layout`) from now on."""
    layouts = [0]
    refresh_layout = screen._refresh_layout

    def counting(*args: object, **options: object) -> None:
        layouts[0] += 1
        refresh_layout(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(screen, "_refresh_layout", counting)
    return layouts


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_results_list_never_scrolls_sideways(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        results = await first_results(pilot)
        assert results.total > results.size.height, "enough results for a vertical scrollbar"
        assert results.show_vertical_scrollbar
        assert not results.show_horizontal_scrollbar
        # The list's last line is a row, not a scrollbar.
        last_line = results.scrollable_content_region.height - 1
        assert results.render_line(last_line).text.strip()


async def test_the_suggestions_drop_down_over_the_results_without_moving_them(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        results = await first_results(pilot)
        where_before = results.region
        await pilot.press("slash", *"保温")
        await settle_debounced(pilot)
        suggestions = browse_of(pilot).query_one(SuggestionList)
        await wait_until(pilot, lambda: suggestions.display, what="the suggestions")
        await settle(pilot)
        assert suggestions.region.height > 0
        assert suggestions.region.overlaps(results.region), "drawn over the results"
        assert results.region == where_before, "the results stay where they were"
        await pilot.press("escape")  # closes the suggestions
        await settle(pilot)
        assert not suggestions.display and results.region == where_before


async def test_suggestions_placed_by_a_layout_are_not_painted_again_for_their_new_size(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_results(pilot)
        suggestions = browse_of(pilot).query_one(SuggestionList)
        sizing = [False]
        repaints_for_size = [0]
        size_updated = suggestions._size_updated
        refresh = suggestions.refresh

        def updating_size(*args: object, **options: object) -> bool:
            sizing[0] = True
            try:
                return size_updated(*args, **options)  # type: ignore[arg-type]
            finally:
                sizing[0] = False

        def counting(*regions: object, **options: bool) -> Widget:
            repaints_for_size[0] += sizing[0]
            return refresh(*regions, **options)  # type: ignore[arg-type]

        monkeypatch.setattr(suggestions, "_size_updated", updating_size)
        monkeypatch.setattr(suggestions, "refresh", counting)
        await pilot.press("slash", *"保温")
        await settle_debounced(pilot)
        await wait_until(pilot, lambda: suggestions.display, what="the suggestions")
        await settle(pilot)
        assert suggestions.region.height > 0
        # The layout that placed them painted them: their new size asks for no other frame.
        assert repaints_for_size == [0]


async def test_a_layout_that_changes_nothing_leaves_the_scrollbars_unpainted(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        results = await first_results(pilot)
        await settle(pilot)
        brands = browse_of(pilot).query_one("#brands", OptionList)
        await wait_until(pilot, lambda: brands.option_count > 1, what="the brands")
        await settle(pilot)
        scrollbars = [results.vertical_scrollbar]
        if brands.show_vertical_scrollbar:
            scrollbars.append(brands.vertical_scrollbar)
        counters = [count_refreshes(scrollbar, monkeypatch) for scrollbar in scrollbars]

        browse_of(pilot).refresh(layout=True)  # as a keystroke in the search box does
        await settle(pilot)
        assert [calls[0] for calls in counters] == [0] * len(counters)

        # A list of another length: its scrollbar follows.
        rows = results.rows
        results.show_results(rows[:-1], total=len(rows) - 1)
        await settle(pilot)
        assert counters[0][0] > 0
        assert results.vertical_scrollbar.window_virtual_size == results.virtual_size.height
        # Too short to scroll: the scrollbar goes, and the rows take its column.
        width = results.scrollable_content_region.width
        results.show_results(rows[:3], total=3)
        await settle(pilot)
        assert not results.show_vertical_scrollbar
        assert results.scrollable_content_region.width > width
        results.show_results(rows, total=len(rows))
        await settle(pilot)
        assert results.show_vertical_scrollbar
        assert results.vertical_scrollbar.window_virtual_size == results.virtual_size.height
        assert results.scrollable_content_region.width == width


async def test_results_of_another_length_lay_nothing_out_while_the_scrollbar_stays(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new search's results change the list's length: its scrollbar's thumb follows,
    and the screen (at 120×40 a filter panel of trees and lists) is laid out only when
    the scrollbar comes or goes."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        results = await first_results(pilot)
        screen = browse_of(pilot)
        layouts = count_layouts(screen, monkeypatch)
        rows = results.rows
        for shown in (len(rows) - 1, len(rows) - 5, len(rows)):
            results.show_results(rows[:shown], total=shown)
            await settle(pilot)
            assert results.vertical_scrollbar.window_virtual_size == results.virtual_size.height
        assert layouts == [0]
        results.show_results(rows[:3], total=3)
        await settle(pilot)
        assert layouts[0] >= 1, "the scrollbar went: the rows take its column"


async def test_a_search_starting_repaints_only_the_note_under_the_rows(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows shown stay while the next search loads: the note under the last row,
    when the search takes long enough to need one, changes the list's length by that
    line, and that line is all there is to paint."""
    monkeypatch.setattr(product_list, "LOADING_NOTE_AFTER_S", 0.001)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        results = await first_results(pilot)
        first_row = results.render_line(1).text
        painted: list[int] = []
        render_line = results.render_line

        def counting(y: int) -> Strip:
            painted.append(y)
            return render_line(y)

        monkeypatch.setattr(results, "render_line", counting)
        height = results.virtual_size.height
        results.set_loading(True)
        await wait_until(pilot, lambda: results.loading_shown)
        assert results.virtual_size.height == height + (0 if results.has_more else 1)
        assert len(painted) <= 1, f"lines repainted: {painted}"
        assert render_line(1).text == first_row


async def test_a_count_no_wider_than_before_repaints_in_place(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count beside the search box keeps the widest width it has had: a narrower
    count (each keystroke brings one) lays nothing out and stays at the right edge; only
    a wider one moves the search box."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_results(pilot)
        screen = browse_of(pilot)
        label = screen.query_one("#count-label", Static)
        region = label.region
        layouts = count_layouts(screen, monkeypatch)
        screen.total = 7
        screen._show_count()
        await settle(pilot)
        assert layouts == [0] and label.region == region
        line = label.render_line(0).text
        # Right-aligned in the width kept.
        assert line.rstrip().endswith(t("browse.found", count="7")) and line.startswith("  ")
        screen.total = 12_345_678
        screen._show_count()
        await settle(pilot)
        assert layouts[0] >= 1 and label.region.width > region.width
        assert t("browse.found", count="12,345,678") in label.render_line(0).text


async def test_a_resize_to_the_size_laid_out_lays_nothing_out(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual sends a screen the same size more than once as it starts (two of three
    Resize events of a session's first screen changed nothing): only a new size lays the
    screen out again."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        results = await first_results(pilot)
        height = results.size.height
        screen = browse_of(pilot)
        layouts = count_layouts(screen, monkeypatch)
        screen.post_message(events.Resize(Size(80, 24), Size(80, 24)))
        await settle(pilot)
        assert layouts == [0]
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert layouts[0] >= 1
        assert results.size.height == height + 6, "laid out 30 high"


async def test_the_first_screen_is_styled_once_and_a_pushed_one_as_textual_does(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual restyles a screen, all of it, as it becomes the current one (its
    ScreenResume handler): the app's first screen is left as its widgets were styled when
    they mounted (that restyle was a third of a served session's styling, for nothing);
    a screen pushed over it is restyled as Textual does (its snapshots need it)."""
    restyled: list[str] = []
    update_node_styles = DOMNode.update_node_styles

    def recording(node: DOMNode, animate: bool = True) -> None:
        if sys._getframe(1).f_code.co_name == "_on_screen_resume":
            restyled.append(type(node).__name__)
        update_node_styles(node, animate)

    monkeypatch.setattr(DOMNode, "update_node_styles", recording)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_results(pilot)
        assert restyled == []
        await pilot.app.push_screen(HelpScreen(pilot.app.screen))
        await settle(pilot)
        assert restyled == ["HelpScreen"]
