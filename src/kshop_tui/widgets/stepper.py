"""A quantity stepper: `-`/`+` (or ←/→) within 1..maximum."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from kshop_tui.i18n.bindings import localize_bindings


class QuantityStepper(Widget, can_focus=True):
    DEFAULT_CSS = """
    QuantityStepper { width: auto; height: 1; padding: 0 1; }
    QuantityStepper:focus { background: $primary 30%; }
    """
    BINDINGS = [
        Binding("plus,equals_sign,right", "change(1)", "key.more", id="stepper.more"),
        Binding("minus,left", "change(-1)", "key.less", id="stepper.less"),
    ]

    value: reactive[int] = reactive(1)
    """The chosen quantity."""
    maximum: reactive[int] = reactive(99)
    """The most that may be chosen (stock, capped at 99)."""

    @dataclass
    class Changed(Message):
        stepper: QuantityStepper
        value: int

        @property
        def control(self) -> QuantityStepper:
            return self.stepper

    def __init__(self, value: int = 1, maximum: int = 99, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self)
        self.set_reactive(QuantityStepper.maximum, max(1, maximum))
        self.set_reactive(QuantityStepper.value, max(1, min(value, maximum)))

    def validate_value(self, value: int) -> int:
        return max(1, min(value, max(1, self.maximum)))

    def watch_maximum(self, maximum: int) -> None:
        self.value = min(self.value, max(1, maximum))

    def watch_value(self, value: int) -> None:
        self.post_message(self.Changed(self, value))

    def action_change(self, delta: int) -> None:
        self.value += delta

    def render(self) -> Text:
        text = Text()
        text.append("[-]", style="dim" if self.value <= 1 else "bold")
        text.append(f" {self.value} ")
        text.append("[+]", style="dim" if self.value >= self.maximum else "bold")
        return text
