"""Cancelling an order from its screen or the list: the reason picker, and the flow
(`shop.flows.orders.cancel_with_reason`) run with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal, ShopScreen
from kshop_tui.shop.flows.orders import cancel_with_reason
from kshop_tui.widgets.footer import ShopFooter

if TYPE_CHECKING:
    from kshop_tui.api.models import CancelReason, Order


async def ask_reason_and_cancel(
    screen: ShopScreen, order_id: int, order_no: str, paid: bool
) -> Order | None:
    """Asks why with the picker, then cancels; answers the cancelled order, or None.
    Call from a worker of `screen`."""

    async def choose_reason(reasons: list[CancelReason]) -> str | None:
        picker = CancelReasonPicker(order_no, reasons, paid=paid)
        code: str | None = await screen.app.push_screen_wait(picker)
        return code

    return await cancel_with_reason(screen.shop, order_id, choose_reason)


class CancelReasonPicker(ShopModal):
    """Why the order is cancelled: dismisses with a `CancelReason.code`, or None."""

    CSS_PATH = "detail.tcss"
    # Escape keeps the order: "Cancel" (取消) would read as cancelling it.
    BINDINGS = [Binding("escape", "dismiss_none", "orders.key.keep_order", id="modal.cancel")]

    def __init__(self, order_no: str, reasons: list[CancelReason], *, paid: bool) -> None:
        super().__init__()
        self.order_no = order_no
        self.reasons = reasons
        self.paid = paid

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="cancel-dialog") as dialog:
            dialog.border_title = t("orders.cancel.title", order_no=self.order_no)
            note = t("orders.cancel.refund_note") if self.paid else t("orders.cancel.stock_note")
            yield Static(Text(note), classes="dialog-intro")
            yield OptionList(
                *[Option(Text(reason.label), id=reason.code) for reason in self.reasons],
                id="cancel-reasons",
            )
            yield Static(Text(t("orders.cancel.hint")), classes="dialog-hint")
        yield ShopFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#cancel-reasons")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
