"""Checkboxes and radio buttons tell on from off by shape, readable without colour
(`NO_COLOR`), and every screen uses the shop's own (widgets/toggles.py)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import RadioSet

import kshop_tui
from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.widgets.toggles import Checkbox, RadioButton
from tests.tui.test_checkout_flows import choose_method, open_checkout, pick_sku


def drawn(toggle: Widget) -> str:
    """What the toggle draws inside its border (colour left out)."""
    return str(toggle.render())


class Toggles(App[None]):
    def compose(self) -> ComposeResult:
        yield Checkbox("ticked", value=True, id="ticked")
        yield Checkbox("unticked", id="unticked")
        with RadioSet(id="radios"):
            yield RadioButton("first", value=True, id="first")
            yield RadioButton("second", id="second")


async def test_on_and_off_differ_in_shape_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = Toggles()
    async with app.run_test(size=(40, 10)) as pilot:
        assert app.no_color
        assert drawn(app.query_one("#ticked")).startswith("[✓] ticked")
        assert drawn(app.query_one("#unticked")).startswith("[ ] unticked")
        assert drawn(app.query_one("#first")).startswith("(●) first")
        assert drawn(app.query_one("#second")).startswith("( ) second")
        app.query_one("#second", RadioButton).value = True  # choose the other one
        await pilot.pause()
        assert drawn(app.query_one("#first")).startswith("( ) first")
        assert drawn(app.query_one("#second")).startswith("(●) second")


async def test_choosing_how_to_pay_moves_the_dot(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        chosen = screen.chosen_method()
        other = next(o for o in screen.options if chosen and o.key != chosen.key and o.available)
        await choose_method(pilot, screen, other.key)  # pay another way
        buttons = list(screen.query_one("#pay-with", RadioSet).query("RadioButton"))
        assert len(buttons) > 1
        for button in buttons:
            shape = "(●)" if button.name == other.key else "( )"
            assert drawn(button).startswith(shape), (button.name, drawn(button))


def test_no_screen_or_widget_uses_textuals_own_toggles() -> None:
    """Textual's Checkbox and RadioButton look the same on and off: all come from toggles."""
    package = Path(kshop_tui.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "toggles.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
                names = {alias.name for alias in node.names}
                if names & {"Checkbox", "RadioButton", "ToggleButton"}:
                    offenders.append(str(path.relative_to(package)))
    assert offenders == []
