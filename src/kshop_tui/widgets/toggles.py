"""The shop's checkboxes and radio buttons: on and off differ in shape, not only in colour.

Textual draws `▐X▌` and `▐●▌` whatever the value and tells on from off by colour alone,
which `NO_COLOR`, a monochrome terminal or colour blindness cannot see. These draw
`[✓]`/`[ ]` and `(●)`/`( )`. Every screen takes its toggles from here (a test keeps it so);
the class names stay `Checkbox` and `RadioButton`, so CSS type selectors and `RadioSet`
work unchanged.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox as TextualCheckbox
from textual.widgets import RadioButton as TextualRadioButton
from textual.widgets._toggle_button import ToggleButton

# An unticked box in the muted text colour rather than Textual's near-background one: its
# brackets are what says "you can tick this".
_TOGGLE_CSS = """
{name} {{
    & > .toggle--button {{ color: $text-muted; }}
    &.-on > .toggle--button {{ color: $text-success; }}
}}
"""


def _shaped_button(toggle: ToggleButton, left: str, inner: str, right: str) -> Content:
    """The three characters in the button's own style. Textual colours its half-block
    sides with the button's background, which would hide an empty middle."""
    return Content.assemble((f"{left}{inner}{right}", toggle.get_visual_style("toggle--button")))


class Checkbox(TextualCheckbox):
    """A checkbox drawn `[✓]` when ticked and `[ ]` when not."""

    DEFAULT_CSS = _TOGGLE_CSS.format(name="Checkbox")

    @property
    def _button(self) -> Content:
        return _shaped_button(self, "[", "✓" if self.value else " ", "]")


class RadioButton(TextualRadioButton):
    """A radio button drawn `(●)` when chosen and `( )` when not."""

    DEFAULT_CSS = _TOGGLE_CSS.format(name="RadioButton")

    @property
    def _button(self) -> Content:
        return _shaped_button(self, "(", "●" if self.value else " ", ")")
