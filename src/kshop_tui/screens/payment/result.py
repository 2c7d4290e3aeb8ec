"""The payment's result: paid and what happens next, or why not and that the order is
kept, still payable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.flows.payment import MethodOption, PayOutcome
from kshop_tui.text import local_time, money

if TYPE_CHECKING:
    from kshop_tui.api.models import Order


class PaymentResultScreen(ShopScreen):
    """Paid: the order number and what happens next. Not paid: why, and that the order
    is kept and still payable. Dismisses with where to go next (`NextStep`)."""

    CSS_PATH = "payment.tcss"
    BINDINGS = [
        Binding("enter", "next('detail')", "pay.key.order_detail", id="pay_result.detail"),
        Binding("m", "next('another')", "pay.key.another_method", id="pay_result.another"),
        Binding("b", "next('browse')", "pay.key.browse", id="pay_result.browse"),
    ]

    def __init__(self, order_id: int, choice: MethodOption, outcome: PayOutcome) -> None:
        super().__init__()
        self.order_id = order_id
        self.choice = choice
        self.outcome = outcome
        self.order: Order | None = None

    def where(self) -> str:
        return t("pay.result_where")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="result-body"), Vertical(id="result-card"):
            yield Static(id="result-headline")
            yield Static(id="result-detail", markup=False)
            yield Static(id="result-next", markup=False)

    def on_mount(self) -> None:
        card = self.query_one("#result-card")
        card.set_class(self.outcome.paid, "-paid")
        card.set_class(not self.outcome.paid, "-failed")
        self._show()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next" and parameters == ("another",):
            return not self.outcome.paid
        return True

    def action_next(self, step: str) -> None:
        self.dismiss(step)

    def action_back(self) -> None:
        self.dismiss("back")

    @work(exclusive=True, group="result-order")
    async def load(self) -> None:
        try:
            self.order = await self.shop.run_api(
                lambda api: api.order(self.order_id), needs_login=True
            )
        except errors.ApiError:
            return  # the headline already says what matters; the details are extras
        self._show()

    def _show(self) -> None:
        order = self.order
        headline = Text()
        if self.outcome.paid:
            headline.append("✓ " + t("pay.result_paid"), style="bold green")
        else:
            headline.append("✗ " + t("pay.result_failed"), style="bold red")
        self.query_one("#result-headline", Static).update(headline)
        detail = Text()
        if order is not None:
            detail.append(t("pay.result_order", order_no=order.order_no) + "\n")
            detail.append(money(order.total_fen), style="bold yellow")
            detail.append("  " + self.choice.label)
            if self.choice.bank_card_id is not None:
                # The card's number, not the balance as it was before paying.
                detail.append(" " + self.choice.detail, style="dim")
        if not self.outcome.paid:
            detail.append("\n" + t("pay.result_why", reason=self.outcome.failure), style="red")
        self.query_one("#result-detail", Static).update(detail)
        self.query_one("#result-next", Static).update(self._what_next(order))

    def _what_next(self, order: Order | None) -> Text:
        text = Text()
        if not self.outcome.paid:
            if order is not None and order.auto_cancel_at:
                text.append(t("pay.kept_until", time=local_time(order.auto_cancel_at, "%H:%M")))
            else:
                text.append(t("pay.kept"))
            if self.outcome.insufficient:
                text.append("\n" + t("pay.insufficient_hint"))
            text.append("\n\n" + t("pay.result_failed_keys"), style="dim")
            return text
        if order is not None and order.kind in ("virtual", "service"):
            # Codes are there already; a service waits for its slot (docs/api.md §7.1).
            text.append(t(f"kinds.pay_next.{order.kind}"))
            text.append("\n\n" + t("pay.result_paid_keys"), style="dim")
            return text
        if self.choice.method == "bnpl":
            text.append(t("pay.next_bnpl"))
        else:
            text.append(t("pay.next_ship"))
        if order is not None and order.estimated_delivery is not None:
            window = order.estimated_delivery
            text.append(
                "\n" + t("pay.next_arrives", earliest=window.earliest, latest=window.latest)
            )
        text.append("\n" + t("pay.next_orders"))
        text.append("\n\n" + t("pay.result_paid_keys"), style="dim")
        return text
