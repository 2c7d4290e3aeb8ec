"""Stylesheets parsed once per process (kshop_tui.stylesheets): what `preparse` parsed is
not parsed again by an app, by a screen's stylesheet, or by another theme's variables
when it is the same."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import textual.css.stylesheet as textual_stylesheet

import kshop_tui
from kshop_tui import stylesheets
from kshop_tui.app import KshopApp
from kshop_tui.screens.help import HelpScreen
from kshop_tui.stylesheets import SharedStylesheet, preparse
from tests.tui.helpers import settle, wait_for_screen


@pytest.fixture
def real_parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """The sources Textual's parser is run on from now on (by their location)."""
    parsed: list[tuple[str, str]] = []
    parse = textual_stylesheet.__dict__["parse"]  # the name Stylesheet calls

    def counting(scope: str, css: str, read_from: tuple[str, str], **options: Any) -> Any:
        parsed.append(read_from)
        return parse(scope, css, read_from, **options)

    monkeypatch.setattr(textual_stylesheet, "parse", counting)
    monkeypatch.setattr(stylesheets, "_PARSED", {})
    yield parsed


def _preparse_for(app: KshopApp) -> int:
    """As the zygote does, once every module is imported: `preparse` finds the widget
    classes imported so far (the browse screen's are imported as it first opens)."""
    importlib.import_module("kshop_tui.screens.catalogue.browse")
    package = Path(kshop_tui.__file__).parent
    return preparse(app.get_css_variables(), sorted(package.rglob("*.tcss")))


async def test_an_app_after_preparse_parses_no_stylesheet_to_its_first_screen_nor_the_next(
    make_app: Callable[..., KshopApp], real_parses: list[tuple[str, str]]
) -> None:
    app = make_app()
    assert _preparse_for(app) > 50
    before = len(real_parses)
    assert before > 50
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, HelpScreen)
        await settle(pilot)
    assert isinstance(app.stylesheet, SharedStylesheet)
    assert real_parses[before:] == []


async def test_a_second_app_reuses_the_first_apps_rules_and_a_screen_change_reparses_nothing(
    make_app: Callable[..., KshopApp], real_parses: list[tuple[str, str]]
) -> None:
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    parsed_by_first = len(real_parses)
    assert parsed_by_first > 0
    second = make_app()
    async with second.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for_screen(pilot, HelpScreen)
        await settle(pilot)
    parsed_by_second = real_parses[parsed_by_first:]
    # Only what the first app never showed (the help screen's stylesheet and widgets).
    assert ("", "") not in parsed_by_second
    assert not set(parsed_by_second) & set(real_parses[:parsed_by_first])
    assert len(parsed_by_second) == len(set(parsed_by_second))
    assert any(location[0].endswith("help.tcss") for location in parsed_by_second)


def test_rules_are_kept_per_theme_variables(real_parses: list[tuple[str, str]]) -> None:
    css = "Static { color: $accent; }"
    location = ("test", "Static.DEFAULT_CSS")
    dark = SharedStylesheet(variables={"accent": "red"})
    light = SharedStylesheet(variables={"accent": "blue"})
    dark_rules = dark._parse_rules(css, location)
    again = SharedStylesheet(variables={"accent": "red"})._parse_rules(css, location)
    light_rules = light._parse_rules(css, location)
    assert again is dark_rules
    assert light_rules is not dark_rules
    assert len(real_parses) == 2
    assert dark_rules[0].styles.color != light_rules[0].styles.color


def test_a_source_with_errors_is_not_kept(real_parses: list[tuple[str, str]]) -> None:
    broken = "Static { colour: red; }"
    for _ in range(2):
        rules = SharedStylesheet(variables={})._parse_rules(broken, ("test", "broken"))
        assert any(rule.errors for rule in rules)
    assert len(real_parses) == 2
