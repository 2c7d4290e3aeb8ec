"""A text box whose typing repaints the box, not the screen's layout.

Textual's `Input` keeps its text's width as its virtual size (what it scrolls sideways
over), and `virtual_size` is a layout reactive: every key typed laid the whole screen
out again — on the browse screen at 120×40 that was 12–18 ms a keystroke, more than
drawing the echo itself, and over SSH it is every visitor's keystroke. A box's size never
depends on its text (a box of `width: auto` is laid out again by `Input` itself), and
its sideways scrolling reads the virtual size when the cursor moves; so here a change of
the virtual size only repaints the box."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class TextBox(Input):
    """`Input` whose typing lays nothing out (see the module)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
