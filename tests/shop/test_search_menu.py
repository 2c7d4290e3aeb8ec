"""The list under the search box without a screen (`SuggestionMenu`): when it asks the
backend for suggestions or the history, which answers it shows, what ↓/↑/enter choose,
which searches are remembered, and what a search that found nothing offers instead."""

from __future__ import annotations

import pytest

from kshop_tui.api.models import SearchHistoryEntry, Suggestion, Suggestions
from kshop_tui.shop.flows.search import (
    ANSWERS_KEPT,
    MENU_ROWS,
    Answer,
    MenuRow,
    Query,
    SuggestionMenu,
    closest_rows,
    search_to_record,
    suggestion_key,
    wants_closest,
)


def suggestions(*texts: str, closest: bool = False, count: int = 3) -> Suggestions:
    return Suggestions(
        items=[Suggestion(text=text, kind="word", count=count) for text in texts],
        closest=closest,
    )


def typing(menu: SuggestionMenu, text: str, *, logged_in: bool = False) -> str:
    return menu.box_changed(text, focused=True, logged_in=logged_in)


# --- when it asks ----------------------------------------------------------------------------


def test_words_typed_ask_for_suggestions_and_their_answer_opens_the_menu() -> None:
    menu = SuggestionMenu()
    assert typing(menu, "保温") == "suggestions"
    assert not menu.is_open  # nothing to show until the answer
    menu.suggested("保温", suggestions("保温杯", "保温壶"))
    assert menu.is_open and menu.kind == "suggestions"
    assert menu.rows == [MenuRow("保温杯", 3), MenuRow("保温壶", 3)]
    assert menu.chosen is None


@pytest.mark.parametrize("text", ["！？", "🎁", "  ", "-*"])
def test_no_words_ask_for_nothing_from_a_guest(text: str) -> None:
    menu = SuggestionMenu()
    assert typing(menu, "保温") == "suggestions"
    menu.suggested("保温", suggestions("保温杯"))
    assert typing(menu, text) == "nothing"
    assert not menu.is_open


def test_too_long_a_text_asks_for_nothing() -> None:
    menu = SuggestionMenu()
    assert typing(menu, "杯" * 101) == "nothing" and not menu.is_open
    assert typing(menu, "杯" * 100) == "suggestions"


def test_when_the_typing_stops_the_text_without_an_answer_is_asked_for() -> None:
    """Quick keystrokes wait for the search's debounce; so do their suggestions."""
    menu = SuggestionMenu()
    typing(menu, "保温")  # quick: the screen does not ask yet
    assert menu.due() == "保温"
    menu.suggested("保温", suggestions("保温杯"))
    assert menu.due() is None  # answered meanwhile
    typing(menu, "  保温   杯 ")
    assert menu.due() == "保温 杯"
    menu.close()  # escape before the typing stopped
    assert menu.due() is None
    typing(menu, "！？")
    assert menu.due() is None
    assert menu.box_changed("", focused=True, logged_in=True) == "history"
    assert menu.due() is None  # the past searches, not suggestions


def test_an_answer_is_kept_per_text_so_typing_it_again_asks_nothing() -> None:
    menu = SuggestionMenu()
    typing(menu, "华为 耳")
    menu.suggested(suggestion_key("华为 耳"), suggestions("华为 耳机"))
    typing(menu, "华为 耳机")  # asked, not answered yet: the rows before stay
    assert menu.rows == [MenuRow("华为 耳机", 3)]
    # Backspace back to the text answered, spaced differently: no request.
    assert typing(menu, " 华为  耳 ") == "nothing"
    assert menu.is_open and menu.rows == [MenuRow("华为 耳机", 3)]
    assert menu.known("华为 耳") == Answer([MenuRow("华为 耳机", 3)], closest=False)


def test_only_the_latest_answers_are_kept() -> None:
    menu = SuggestionMenu()
    for number in range(ANSWERS_KEPT + 5):
        menu.suggested(f"w{number}", suggestions(f"w{number}x"))
    assert len(menu.answers) == ANSWERS_KEPT
    assert menu.known("w0") is None and menu.known(f"w{ANSWERS_KEPT + 4}") is not None


def test_an_answer_for_a_text_no_longer_in_the_box_is_kept_but_not_shown() -> None:
    menu = SuggestionMenu()
    typing(menu, "保")
    typing(menu, "手机")
    menu.suggested("保", suggestions("保温杯"))
    assert not menu.is_open
    assert typing(menu, "保") == "nothing" and menu.rows == [MenuRow("保温杯", 3)]


def test_at_most_eight_rows_show() -> None:
    menu = SuggestionMenu()
    typing(menu, "a")
    menu.suggested("a", suggestions(*[f"a{number}" for number in range(12)]))
    assert len(menu.rows) == MENU_ROWS == 8


def test_an_empty_answer_or_the_closest_searches_keep_the_menu_shut_while_typing() -> None:
    menu = SuggestionMenu()
    typing(menu, "zzz")
    menu.suggested("zzz", suggestions("保温杯", closest=True))
    assert not menu.is_open  # no completion of "zzz": offered once its search finds nothing
    typing(menu, "zzzq")
    menu.suggested("zzzq", suggestions())
    assert not menu.is_open


def test_escape_closes_until_the_text_changes_and_a_late_answer_does_not_reopen_it() -> None:
    menu = SuggestionMenu()
    typing(menu, "保")
    menu.suggested("保", suggestions("保温杯"))
    typing(menu, "保温")
    menu.close()  # escape, while "保温" was being asked
    menu.suggested("保温", suggestions("保温杯"))
    assert not menu.is_open
    typing(menu, "保温杯")
    menu.suggested("保温杯", suggestions("保温杯 礼盒"))
    assert menu.is_open


def test_leaving_the_box_closes_the_menu_and_asks_nothing() -> None:
    menu = SuggestionMenu()
    typing(menu, "保")
    menu.suggested("保", suggestions("保温杯"))
    assert menu.box_changed("保", focused=False, logged_in=True) == "nothing"
    assert not menu.is_open
    menu.suggested("保", suggestions("保温杯"))  # an answer still on its way
    assert not menu.is_open
    # Back in the box: the answer kept shows at once.
    assert typing(menu, "保") == "nothing" and menu.is_open


# --- choosing ------------------------------------------------------------------------------


def test_down_chooses_rows_up_goes_back_to_the_box_and_enter_takes_the_choice() -> None:
    menu = SuggestionMenu()
    assert not menu.down()  # nothing shown: ↓ is not the menu's
    typing(menu, "保")
    menu.suggested("保", suggestions("保温杯", "保温壶", "保鲜盒"))
    assert menu.chosen_text() is None  # enter searches for the text typed
    assert menu.down() and menu.chosen_text() == "保温杯"
    assert menu.down() and menu.down() and menu.down()  # stops at the last row
    assert menu.chosen_text() == "保鲜盒"
    assert menu.up() and menu.chosen_text() == "保温壶"
    assert menu.up() and menu.up()  # from the first row back to the box
    assert menu.chosen is None and menu.chosen_text() is None
    assert not menu.up()  # the box: ↑ is not the menu's


def test_typing_again_forgets_the_row_chosen() -> None:
    menu = SuggestionMenu()
    typing(menu, "保")
    menu.suggested("保", suggestions("保温杯"))
    menu.down()
    typing(menu, "保温")
    assert menu.chosen is None and menu.chosen_text() is None


def test_a_new_answer_forgets_the_row_chosen() -> None:
    menu = SuggestionMenu()
    typing(menu, "保")
    menu.suggested("保", suggestions("保温杯"))
    typing(menu, "保温")
    menu.down()
    menu.suggested("保温", suggestions("保温壶", "保温杯"))
    assert menu.chosen is None


# --- history ---------------------------------------------------------------------------------


def entries(*searches: str) -> list[SearchHistoryEntry]:
    return [SearchHistoryEntry(q=q, searched_at="2026-11-24T02:00:00Z") for q in searches]


def test_an_empty_focused_box_shows_a_logged_in_users_past_searches() -> None:
    menu = SuggestionMenu()
    assert typing(menu, "", logged_in=True) == "history"
    menu.history_came(entries("保温杯", "huawei"))
    assert menu.kind == "history" and menu.is_open
    assert menu.rows == [MenuRow("保温杯"), MenuRow("huawei")]  # no counts
    assert menu.down() and menu.chosen_text() == "保温杯"


def test_a_guest_has_no_history_to_show() -> None:
    menu = SuggestionMenu()
    assert typing(menu, "", logged_in=False) == "nothing"
    assert not menu.is_open


def test_history_that_comes_after_typing_began_is_not_shown() -> None:
    menu = SuggestionMenu()
    typing(menu, "", logged_in=True)
    typing(menu, "保", logged_in=True)
    menu.history_came(entries("保温杯"))
    assert not menu.is_open


def test_typing_replaces_the_past_searches_and_clearing_empties_them() -> None:
    menu = SuggestionMenu()
    typing(menu, "", logged_in=True)
    menu.history_came(entries(*[f"s{number}" for number in range(10)]))
    assert len(menu.rows) == MENU_ROWS
    assert typing(menu, "s", logged_in=True) == "suggestions"
    assert not menu.is_open  # past searches are not completions of "s"
    typing(menu, "", logged_in=True)
    menu.history_came(entries("保温杯"))
    menu.history_cleared()
    assert not menu.is_open and menu.kind == "history"


@pytest.mark.parametrize(
    ("words", "logged_in", "recorded"),
    [
        ("保温杯", True, "保温杯"),
        ("  华为   耳机 ", True, "华为 耳机"),
        ("保温杯", False, None),  # never a guest's
        ("", True, None),
        ("！？🎁", True, None),  # no words: every product, nothing to remember
        ("杯" * 150, True, "杯" * 100),
    ],
)
def test_which_searches_are_remembered(words: str, logged_in: bool, recorded: str | None) -> None:
    assert search_to_record(words, logged_in=logged_in) == recorded


# --- a search that found nothing -------------------------------------------------------------


def test_only_a_search_with_words_that_found_nothing_wants_the_closest_searches() -> None:
    assert wants_closest(Query(words="zzz"), 0)
    assert not wants_closest(Query(words="zzz"), 3)
    assert not wants_closest(Query(words="！？"), 0)  # no words: filters found nothing
    assert not wants_closest(Query(), 0)


def test_the_closest_searches_offered_find_something_and_are_not_the_search_itself() -> None:
    answer = Answer(
        [
            MenuRow("华为 耳机", 0),
            MenuRow("耳机", 12),
            MenuRow("华为  耳机 zzz", 4),
            MenuRow("华为", 30),
        ],
        closest=True,
    )
    assert closest_rows(" 华为 耳机  zzz", answer) == [MenuRow("耳机", 12), MenuRow("华为", 30)]
    many = Answer([MenuRow(f"w{number}", 1) for number in range(12)], closest=True)
    assert len(closest_rows("zzz", many)) == MENU_ROWS
