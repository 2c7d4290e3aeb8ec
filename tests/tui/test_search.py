"""Search in the TUI against the in-process backend (issue 15): suggestions under the box
chosen with ↓/enter, the matched words highlighted in the results, the closest searches
when nothing matches, a logged-in user's history (shown, cleared, recorded; never a
guest's), and relevance as the default order of a search with words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from rich.segment import Segment
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kshop_tui.api.backend import Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.api.models import Suggestions
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.catalogue import browse
from kshop_tui.screens.catalogue.browse import BrowseScreen
from kshop_tui.shop.flows.search import (
    MENU_ROWS,
    RELEVANCE,
    SORTS,
    Answer,
    MenuRow,
    closest_rows,
    suggestion_key,
)
from kshop_tui.widgets import product_list
from kshop_tui.widgets.product_list import ProductList
from kshop_tui.widgets.suggestion_list import SuggestionList
from tests.tui.helpers import (
    notifications,
    poll_until,
    settle,
    settle_debounced,
    shown_text,
    text_of,
    wait_until,
)

MakeApp = Callable[..., KshopApp]


def browse_of(pilot: Pilot[None]) -> BrowseScreen:
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen), f"not browsing: {screen!r}"
    return screen


async def results_for(pilot: Pilot[None], words: str) -> ProductList:
    """Until the list shows the results of a search for `words` (and whatever that search
    started, the closest searches included, has finished)."""
    screen = browse_of(pilot)
    results = screen.query_one(ProductList)

    def shown() -> bool:
        pages = screen.result_pages
        return (
            screen.query_state.words == words
            and pages is not None
            and pages.query == screen.query_state
            and not results.fetching
        )

    await settle_debounced(pilot)
    await wait_until(pilot, shown, what=f"the results for {words!r}")
    await settle(pilot)
    return results


async def type_in_box(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash")  # focus the search box
    await pilot.press(*text)  # type
    await settle_debounced(pilot)  # the search and the suggestions the typing asked for


async def suggestions_for(client: KshopClient, text: str) -> Suggestions:
    """What the backend suggests for `text`: what the screen must show."""
    return await client.search_suggest(suggestion_key(text))


def menu_rows(pilot: Pilot[None]) -> list[MenuRow]:
    """The rows the list under the search box shows (none while it is hidden)."""
    widget = browse_of(pilot).query_one(SuggestionList)
    return widget.rows if widget.display else []


def offers_clearing(pilot: Pilot[None]) -> bool:
    """The footer offers ctrl+d to clear the history (elsewhere ctrl+d is the box's own
    delete-right, which the footer does not show)."""
    active = browse_of(pilot).active_bindings.get("ctrl+d")
    return (
        active is not None
        and active.binding.action == "clear_history"
        and active.binding.description == t("key.clear_history")
        and active.enabled
    )


async def recorded_searches(client: KshopClient, token: str) -> list[str]:
    client.token = token
    return [entry.q for entry in await client.search_history()]


# --- suggestions ---------------------------------------------------------------------------


async def test_suggestions_show_as_one_types_and_down_enter_searches_for_one(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温")
        expected = await suggestions_for(app.shop.backend.client, "保温")
        assert expected.items and not expected.closest, "the catalogue completes 保温"
        rows = menu_rows(pilot)
        assert rows == [MenuRow(item.text, item.count) for item in expected.items][:MENU_ROWS]
        shown = shown_text(browse_of(pilot).query_one(SuggestionList))
        assert rows[0].text in shown and t("suggest.count", count=f"{rows[0].found:,}") in shown

        await pilot.press("down", "down")  # into the list: the second suggestion
        chosen = rows[1] if len(rows) > 1 else rows[0]
        assert browse_of(pilot).menu.chosen_text() == chosen.text
        assert "▶" in shown_text(browse_of(pilot).query_one(SuggestionList))
        assert isinstance(app.focused, Input)  # the typing stays in the box
        await pilot.press("enter")  # search for it
        results = await results_for(pilot, chosen.text)
        screen = browse_of(pilot)
        assert screen.query_one("#search", Input).value == chosen.text
        assert app.focused is results and menu_rows(pilot) == []
        assert screen.total == chosen.found


async def test_up_goes_back_to_the_box_and_enter_then_searches_for_what_was_typed(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温")
        assert menu_rows(pilot)
        await pilot.press("down", "up")  # into the list and back to the box
        assert browse_of(pilot).menu.chosen is None
        await pilot.press("enter")
        await results_for(pilot, "保温")


async def test_escape_closes_the_suggestions_then_leaves_the_box(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温")
        assert menu_rows(pilot)
        await pilot.press("escape")  # close the list
        assert menu_rows(pilot) == [] and isinstance(app.focused, Input)
        await pilot.press("down")  # nothing to choose: ↓ does nothing in the box
        assert browse_of(pilot).menu.chosen is None
        await pilot.press("escape")  # leave the box
        assert isinstance(app.focused, ProductList)


async def test_suggestions_never_open_for_a_box_the_focus_has_left(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"保温", "enter")  # typed and searched before any answer
        await results_for(pilot, "保温")
        assert menu_rows(pilot) == []
        await pilot.press("slash")  # back in the box: the kept answer shows at once
        await pilot.pause()
        assert menu_rows(pilot)


async def test_a_failing_suggest_call_leaves_typing_and_searching_alone(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kshop_tui.api import errors

    async def refuse(self: KshopClient, *args: Any, **kwargs: Any) -> Any:
        raise errors.ServerError("suggestions are down")

    monkeypatch.setattr(KshopClient, "search_suggest", refuse)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        assert menu_rows(pilot) == []
        await pilot.press("enter")
        results = await results_for(pilot, "保温杯")
        assert results.rows and notifications(app) == []  # no notice for a suggestion


def gate_searches_with_words(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Searches with words wait until the answered event is set (the browse screen's
    first search, without words, goes through)."""
    gate = asyncio.Event()
    original = KshopClient.search_products

    async def search_products(self: KshopClient, **kwargs: Any) -> Any:
        if kwargs.get("q"):
            await gate.wait()
        return await original(self, **kwargs)

    monkeypatch.setattr(KshopClient, "search_products", search_products)
    return gate


async def test_suggestions_that_come_before_the_results_are_shown_with_them(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suggestions answer first (they cost less than the search beside them): they
    wait for the results, and one frame paints both."""
    gate = gate_searches_with_words(monkeypatch)
    monkeypatch.setattr(browse, "SUGGESTIONS_HELD_S", 600.0)  # never let go by the clock
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = browse_of(pilot)
        await pilot.press("slash", "保")
        await poll_until(pilot, lambda: bool(screen.menu.rows), what="the suggestions' answer")
        await pilot.pause()
        assert menu_rows(pilot) == [], "held while the search is under way"
        assert screen.query_one(ProductList).fetching
        gate.set()
        await results_for(pilot, "保")
        expected = await suggestions_for(app.shop.backend.client, "保")
        assert menu_rows(pilot) == [MenuRow(i.text, i.count) for i in expected.items][:MENU_ROWS]


async def test_suggestions_wait_for_a_slow_search_only_so_long(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = gate_searches_with_words(monkeypatch)
    monkeypatch.setattr(browse, "SUGGESTIONS_HELD_S", 0.01)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = browse_of(pilot)
        await pilot.press("slash", "保")
        await poll_until(pilot, lambda: menu_rows(pilot) != [], what="the suggestions shown")
        assert screen.query_one(ProductList).fetching, "the search has not answered yet"
        gate.set()
        await results_for(pilot, "保")
        assert menu_rows(pilot)


async def test_a_search_changes_nothing_on_screen_before_its_rows_while_it_is_quick(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the loading note's time the list, the note under its rows and the order label
    stay those of the last answer: a frame painted for them alone held the rows' frame
    back. The order label changes with the rows it names."""
    gate = gate_searches_with_words(monkeypatch)
    monkeypatch.setattr(product_list, "LOADING_NOTE_AFTER_S", 600.0)  # never by the clock
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = browse_of(pilot)
        results = screen.query_one(ProductList)
        before = shown_text(results)
        newest_first = t("browse.sort", order=t("sort.sales_desc"))
        assert text_of(screen, "#sort-label") == newest_first
        await pilot.press("slash", "保")
        await poll_until(pilot, lambda: results.fetching, what="the search under way")
        await pilot.pause()
        assert shown_text(results) == before
        assert text_of(screen, "#sort-label") == newest_first, "the rows shown are still those"
        gate.set()
        await results_for(pilot, "保")
        assert shown_text(results) != before
        assert text_of(screen, "#sort-label") == t("browse.sort", order=t("sort.relevance"))


async def test_a_slow_search_says_it_loads_under_the_rows_and_in_place_of_the_closest(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = gate_searches_with_words(monkeypatch)
    gate.set()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = browse_of(pilot)
        results = screen.query_one(ProductList)
        await type_in_box(pilot, "保温杯")  # 12 found: the line under them is on screen
        await results_for(pilot, "保温杯")
        assert not results.has_more and t("browse.loading_more") not in shown_text(results)
        monkeypatch.setattr(product_list, "LOADING_NOTE_AFTER_S", 0.001)
        gate.clear()
        await pilot.press("x")
        await poll_until(
            pilot,
            lambda: t("browse.loading_more") in shown_text(results),
            what="the note under the rows",
        )
        gate.set()
        await results_for(pilot, "保温杯x")
        assert results.closest_shown, "nothing matches 保温杯x: the closest searches offered"
        closest = shown_text(results)

        gate.clear()
        await pilot.press("y")
        await poll_until(pilot, lambda: results.loading_shown, what="the loading note")
        await pilot.pause()
        assert not results.closest_shown, "their keys are not offered while the note shows"
        assert t("browse.loading") in shown_text(results) and shown_text(results) != closest
        gate.set()
        await results_for(pilot, "保温杯xy")


# --- highlights ----------------------------------------------------------------------------


async def test_the_matched_words_of_each_name_are_drawn_as_styled_segments(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        await pilot.press("enter")
        results = await results_for(pilot, "保温杯")
        row = results.rows[0]
        assert row.highlights and all(
            row.name[start:end] == "保温杯" for start, end in row.highlights
        )
        for line in (1, 2):  # the row under the cursor, and the one below it
            segments: list[Segment] = list(results.render_line(line))
            matched = [segment for segment in segments if segment.text == "保温杯"]
            assert matched, f"no segment of its own for the match on line {line}"
            assert all(segment.style and segment.style.underline for segment in matched)
            others = [segment for segment in segments if "保温杯" not in segment.text]
            assert not any(segment.style and segment.style.underline for segment in others)


async def test_a_search_without_words_highlights_nothing(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = browse_of(pilot).query_one(ProductList)
        assert results.rows and all(row.highlights == () for row in results.rows)


# --- nothing found ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "zzz保温杯"), ("zh_CN", "zzz保温杯")], ids=["en", "zh"]
)
async def test_a_search_that_finds_nothing_says_so_and_offers_the_closest_searches(
    make_app: MakeApp, lang: str, words: str
) -> None:
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, words)
        await pilot.press("enter")
        results = await results_for(pilot, words)
        assert browse_of(pilot).total == 0
        answer = await suggestions_for(app.shop.backend.client, words)
        offered = closest_rows(
            words, Answer([MenuRow(item.text, item.count) for item in answer.items], False)
        )
        assert offered, "the backend offers something close to a word it knows"
        assert results.closest == offered
        shown = shown_text(results)
        assert t("browse.no_match", words=words) in shown
        assert t("browse.closest") in shown
        assert all(row.text in shown for row in offered)

        await pilot.press("down")  # the second closest search (or the first, if alone)
        picked = offered[min(1, len(offered) - 1)]
        await pilot.press("enter")  # search for it
        found = await results_for(pilot, picked.text)
        assert browse_of(pilot).total > 0 and found.rows
        assert found.closest == []


async def test_punctuation_alone_is_no_search_words_and_offers_nothing(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "?!-*")
        await pilot.press("enter")
        results = await results_for(pilot, "?!-*")
        assert results.rows and results.closest == []  # no words: every product
        assert browse_of(pilot).query_state.sort == "sales_desc"
        assert all(row.highlights == () for row in results.rows)


# --- history ---------------------------------------------------------------------------------


async def test_a_logged_in_users_searches_are_recorded_shown_and_cleared(
    make_app: MakeApp, backend: Backend, demo_token: str
) -> None:
    app = make_app(token=demo_token, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        await pilot.press("enter")  # submitted: remembered
        await results_for(pilot, "保温杯")
        await pilot.press("slash", *["backspace"] * 3)  # back to an empty box
        await settle_debounced(pilot)
        assert [row.text for row in menu_rows(pilot)] == ["保温杯"]
        await pilot.press(*"华为")
        await settle_debounced(pilot)
        await pilot.press("down", "enter")  # a suggestion picked: remembered too
        picked = browse_of(pilot).query_state.words
        await results_for(pilot, picked)
        assert (await recorded_searches(backend.client, demo_token))[:2] == [picked, "保温杯"]

        await pilot.press("slash", *["backspace"] * len(picked))  # an empty box
        await settle_debounced(pilot)
        assert [row.text for row in menu_rows(pilot)][:2] == [picked, "保温杯"]
        assert all(row.found is None for row in menu_rows(pilot))
        assert t("suggest.history") in shown_text(browse_of(pilot).query_one(SuggestionList))
        assert offers_clearing(pilot)

        await pilot.press("down", "down", "enter")  # a past search picked
        await results_for(pilot, "保温杯")
        assert (await recorded_searches(backend.client, demo_token))[:2] == ["保温杯", picked]

        await pilot.press("slash", *["backspace"] * 3)
        await settle_debounced(pilot)
        assert menu_rows(pilot)
        await pilot.press("ctrl+d")  # clear the history
        await settle(pilot)
        assert menu_rows(pilot) == []
        assert await recorded_searches(backend.client, demo_token) == []
        assert not offers_clearing(pilot)
        assert isinstance(app.focused, Input) and app.focused.value == ""


async def test_ctrl_d_deletes_in_a_box_with_text(make_app: MakeApp, demo_token: str) -> None:
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        await pilot.press("home", "ctrl+d")  # delete the character right of the cursor
        assert browse_of(pilot).query_one("#search", Input).value == "温杯"


async def test_a_guests_searches_are_never_recorded_and_no_history_shows(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    original = KshopClient.record_search

    async def record_search(self: KshopClient, q: str) -> None:
        asked.append(q)
        await original(self, q)

    monkeypatch.setattr(KshopClient, "record_search", record_search)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        await pilot.press("enter")
        await results_for(pilot, "保温杯")
        await pilot.press("slash", *["backspace"] * 3)  # an empty box
        await settle(pilot)
        assert menu_rows(pilot) == [] and asked == []
        assert not offers_clearing(pilot)


async def test_a_failure_to_record_is_silent(
    make_app: MakeApp, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kshop_tui.api import errors

    async def refuse(self: KshopClient, q: str) -> None:
        raise errors.ServerError("history is down")

    monkeypatch.setattr(KshopClient, "record_search", refuse)
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        await pilot.press("enter")
        results = await results_for(pilot, "保温杯")
        assert results.rows and notifications(app) == []


# --- relevance -------------------------------------------------------------------------------


async def test_relevance_is_the_order_of_a_search_with_words_and_s_cycles_the_others(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    sorts_asked: list[str] = []
    original = KshopClient.search_products

    async def search_products(self: KshopClient, **kwargs: Any) -> Any:
        sorts_asked.append(kwargs["sort"])
        return await original(self, **kwargs)

    monkeypatch.setattr(KshopClient, "search_products", search_products)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = browse_of(pilot)
        label = t("browse.sort", order=t("sort.relevance"))
        assert text_of(screen, "#sort-label") == t("browse.sort", order=t("sort.sales_desc"))
        await type_in_box(pilot, "保温杯")
        await results_for(pilot, "保温杯")
        assert text_of(screen, "#sort-label") == label  # with the rows of a search with words
        await pilot.press("enter")
        await results_for(pilot, "保温杯")
        assert screen.query_state.sort == RELEVANCE and sorts_asked[-1] == RELEVANCE

        seen = []
        for _ in SORTS:
            await pilot.press("s")  # the next order
            await results_for(pilot, "保温杯")
            seen.append(screen.query_state.sort)
            assert text_of(screen, "#sort-label") == t(
                "browse.sort", order=t(f"sort.{screen.query_state.sort}")
            )
        assert seen == list(SORTS)
        await pilot.press("s")  # round again to relevance
        await results_for(pilot, "保温杯")
        assert screen.query_state.sort == RELEVANCE and text_of(screen, "#sort-label") == label

        await pilot.press("slash", *["backspace"] * 3, "enter")  # no words again
        await results_for(pilot, "")
        assert screen.query_state.sort == "sales_desc" and sorts_asked[-1] == "sales_desc"
        assert RELEVANCE not in screen.query_state.sorts


@pytest.mark.parametrize(("lang", "word"), [("en", "Relevance"), ("zh_CN", "相关度")])
async def test_the_sort_label_names_relevance_in_both_languages(
    make_app: MakeApp, lang: str, word: str
) -> None:
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "保温杯")
        label = browse_of(pilot).query_one("#sort-label", Static).render()
        assert word in str(label)


async def test_down_from_the_box_reaches_the_closest_searches(make_app: MakeApp) -> None:
    """Typed, not entered: the closest searches show under the note, and ↓ from the box
    goes down to them as it goes down to suggestions."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_in_box(pilot, "温杯子不存在")
        await settle_debounced(pilot)
        results = await results_for(pilot, "温杯子不存在")
        assert [row.text for row in results.closest] == ["温杯"]
        await pilot.press("down", "enter")
        found = await results_for(pilot, "温杯")
        assert browse_of(pilot).total == len(found.rows) > 0
