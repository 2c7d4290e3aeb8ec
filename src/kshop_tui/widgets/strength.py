"""A password strength meter: four bars and a word, coloured by the theme."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from kshop_tui.i18n import t
from kshop_tui.validation import MAX_STRENGTH, password_strength

LEVEL_KEYS = ("", "strength.weak", "strength.fair", "strength.good", "strength.strong")
LEVEL_CLASSES = ("", "strength--weak", "strength--fair", "strength--good", "strength--strong")


class StrengthMeter(Widget):
    """Shows `password_strength` of whatever `show` was last given."""

    DEFAULT_CSS = """
    StrengthMeter { width: auto; min-width: 14; height: 1; }
    StrengthMeter > .strength--empty { color: $text-disabled; }
    StrengthMeter > .strength--weak { color: $error; }
    StrengthMeter > .strength--fair { color: $warning; }
    StrengthMeter > .strength--good { color: $success; }
    StrengthMeter > .strength--strong { color: $success; text-style: bold; }
    """
    COMPONENT_CLASSES = {"strength--empty", *LEVEL_CLASSES[1:]}

    score: reactive[int] = reactive(0)
    """0 (nothing typed) to 4 (strong)."""

    def show(self, password: str) -> None:
        """Rates `password` (never kept: only its score is)."""
        self.score = password_strength(password)

    def render(self) -> Text:
        empty = self.get_component_rich_style("strength--empty")
        if self.score == 0:
            return Text("▱" * MAX_STRENGTH, style=empty)
        filled = self.get_component_rich_style(LEVEL_CLASSES[self.score])
        text = Text()
        text.append("▰" * self.score, style=filled)
        text.append("▱" * (MAX_STRENGTH - self.score), style=empty)
        text.append(" " + t(LEVEL_KEYS[self.score]), style=filled)
        return text
