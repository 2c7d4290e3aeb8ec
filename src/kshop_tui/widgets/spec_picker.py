"""Spec pickers (颜色 / 尺码 / 容量 …): one row per axis, ←/→ to choose. Only values that
exist together with the other choices can be chosen; sold-out ones are shown struck."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from kshop_tui.i18n.bindings import localize_bindings

if TYPE_CHECKING:
    from kshop_tui.api.models import Sku, SpecOption


def find_sku(skus: list[Sku], chosen: dict[str, str]) -> Sku | None:
    for sku in skus:
        if all(sku.specs.get(axis) == value for axis, value in chosen.items()):
            return sku
    return None


def value_state(skus: list[Sku], chosen: dict[str, str], axis: str, value: str) -> str:
    """`available`, `sold_out` or `missing` for `axis=value` given the other choices."""
    others = {a: v for a, v in chosen.items() if a != axis}
    matching = [
        sku
        for sku in skus
        if sku.specs.get(axis) == value and all(sku.specs.get(a) == v for a, v in others.items())
    ]
    if not matching:
        return "missing"
    return "available" if any(sku.stock > 0 for sku in matching) else "sold_out"


class SpecRow(Widget, can_focus=True):
    DEFAULT_CSS = """
    SpecRow { height: auto; width: 1fr; padding: 0 0; }
    SpecRow:focus { background: $primary 15%; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "key.spec", id="spec.prev", show=False),
        Binding("right", "move(1)", "key.spec", id="spec.next"),
    ]

    selected: reactive[str] = reactive("")

    def __init__(self, picker: SpecPicker, option: SpecOption, selected: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.picker = picker
        self.option = option
        self.set_reactive(SpecRow.selected, selected)

    def action_move(self, step: int) -> None:
        values = self.option.values
        index = values.index(self.selected) if self.selected in values else -1
        for _ in range(len(values)):
            index = (index + step) % len(values)
            state = self.picker.state_of(self.option.name, values[index])
            if state != "missing":
                self.selected = values[index]
                return

    def watch_selected(self, value: str) -> None:
        self.picker.choose(self.option.name, value)

    def render(self) -> Text:
        label_width = 6
        text = Text(self.option.name, style="dim")
        text.append(" " * max(1, label_width - cell_len(self.option.name)))
        for value in self.option.values:
            state = self.picker.state_of(self.option.name, value)
            if value == self.selected:
                style = "reverse bold" if state == "available" else "reverse dim"
                text.append(f" {value} ", style=style)
            elif state == "available":
                text.append(f" {value} ")
            elif state == "sold_out":
                text.append(f" {value} ", style="dim strike")
            else:
                text.append(f" {value} ", style="dim")
            text.append(" ")
        return text


class SpecPicker(Vertical):
    DEFAULT_CSS = """
    SpecPicker { height: auto; }
    """

    @dataclass
    class Changed(Message):
        """The chosen combination changed; `sku` is None if it does not exist."""

        picker: SpecPicker
        sku: Sku | None

        @property
        def control(self) -> SpecPicker:
            return self.picker

    def __init__(
        self, options: list[SpecOption], skus: list[Sku], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.options = options
        self.skus = skus
        start = next((s for s in skus if s.stock > 0), skus[0] if skus else None)
        self.chosen: dict[str, str] = dict(start.specs) if start is not None else {}

    def compose(self) -> ComposeResult:
        for option in self.options:
            yield SpecRow(self, option, self.chosen.get(option.name, ""))

    @property
    def sku(self) -> Sku | None:
        return find_sku(self.skus, self.chosen)

    def state_of(self, axis: str, value: str) -> str:
        return value_state(self.skus, self.chosen, axis, value)

    def choose(self, axis: str, value: str) -> None:
        if self.chosen.get(axis) == value:
            return
        self.chosen[axis] = value
        if find_sku(self.skus, self.chosen) is None:
            # Keep the new choice and move the other axes to a combination that exists.
            candidates = [s for s in self.skus if s.specs.get(axis) == value]
            best = next(
                (s for s in candidates if s.stock > 0), candidates[0] if candidates else None
            )
            if best is not None:
                self.chosen = dict(best.specs)
                for row in self.query(SpecRow):
                    row.set_reactive(SpecRow.selected, self.chosen.get(row.option.name, ""))
        for row in self.query(SpecRow):
            row.refresh()
        self.post_message(self.Changed(self, self.sku))
