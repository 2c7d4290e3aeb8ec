"""The checkout's lines that open a chooser with enter: the ship-to address, the coupon."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.widgets.address_card import AddressCard


class ChoiceRow(Static, can_focus=True):
    """A line that opens a chooser with enter (the address, the coupon)."""

    DEFAULT_CSS = """
    ChoiceRow { height: auto; width: 1fr; }
    ChoiceRow:focus { background: $primary 25%; }
    """
    BINDINGS = [Binding("enter", "choose", "checkout.key.choose", id="checkout.choose")]

    def __init__(self, screen_action: str, *, id: str) -> None:
        super().__init__(id=id, markup=False)
        localize_bindings(self)
        self.screen_action = screen_action

    async def action_choose(self) -> None:
        await self.run_action(f"screen.{self.screen_action}")


class AddressRow(AddressCard, ChoiceRow):
    """The ship-to line: an address card that opens the address book."""
