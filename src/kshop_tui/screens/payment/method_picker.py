"""Choosing how to pay; the unavailable ways are shown, greyed, with why."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.flows.payment import MethodOption, preferred
from kshop_tui.text import money
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.pay_method import method_text


class MethodPickerModal(ShopModal):
    """Dismisses with the chosen `MethodOption`; unavailable ones cannot be chosen."""

    CSS_PATH = "payment.tcss"

    def __init__(self, options: list[MethodOption], total_fen: int) -> None:
        super().__init__()
        self.options = options
        self.total_fen = total_fen

    def compose(self) -> ComposeResult:
        with Vertical(id="pm-dialog", classes="pay-dialog") as dialog:
            dialog.border_title = t("pay.choose_title", amount=money(self.total_fen))
            yield OptionList(
                *(
                    Option(method_text(option), id=option.key, disabled=not option.available)
                    for option in self.options
                ),
                id="pm-list",
            )
        yield ShopFooter()

    def on_mount(self) -> None:
        first = preferred(self.options)
        options = self.query_one(OptionList)
        if first is not None:
            options.highlighted = self.options.index(first)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = next((o for o in self.options if o.key == event.option.id), None)
        if chosen is not None and chosen.available:
            self.dismiss(chosen)
