"""Checkout: the form and its review (`CheckoutForm`), then the order is placed
(`shop.flows.checkout`) and paid through the route "pay".

A refused order leaves every field as it was typed; a placed but unpaid order stays on
this screen, payable, until paid.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import Button

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screens.cart.checkout_form import METHOD_DIGITS, CheckoutForm
from kshop_tui.shop.flows.checkout import Placement, Step
from kshop_tui.shop.flows.payment import PayResult, failure_words
from kshop_tui.text import clean, local_time, money

# `1`…`9` choose the pay-with method of that number (the form shows each one's digit);
# the footer shows them as one group.
METHOD_DIGIT_BINDINGS = [
    Binding(
        str(number),
        f"pick_method({number})",
        "checkout.key.method",
        id=f"checkout.method_{number}",
        group=Binding.Group("checkout.key.method", compact=True),
    )
    for number in range(1, METHOD_DIGITS + 1)
]

# The checkout's own keys, whose refusals `CheckoutScreen.refusal` words.
CHECKOUT_ACTIONS = frozenset({"review", "edit_address", "pick_coupon", "pick_slot", "pay", "place"})


class CheckoutScreen(CheckoutForm):
    CSS_PATH = "checkout.tcss"
    BINDINGS = [
        Binding("ctrl+s", "review", "checkout.key.review", id="checkout.review"),
        *METHOD_DIGIT_BINDINGS,
        Binding("e", "edit_address", "checkout.key.ship_to", id="checkout.address"),
        Binding("k", "pick_coupon", "checkout.key.coupon", id="checkout.coupon"),
        Binding("t", "pick_slot", "kinds.key.pick_slot", id="checkout.slot"),
        Binding("p", "pay", "checkout.key.pay", id="checkout.pay"),
        Binding("enter", "place", "checkout.key.place", id="checkout.place"),
    ]

    def where(self) -> str:
        return f"{t('checkout.title')}  ·  {t('checkout.step', step=1)}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_address":
            return self.step == Step.FORM and self.kind != "virtual"
        if action == "pick_slot":
            return self.step == Step.FORM and self.kind == "service"
        if action in ("review", "pick_coupon"):
            return self.step == Step.FORM
        if action == "pick_method":
            number = parameters[0] if parameters else 0
            shown = isinstance(number, int) and number <= len(self.options)
            return self.step == Step.FORM and shown
        if action == "pay":
            return self.step == Step.PLACED
        if action == "place":
            return self.step == Step.REVIEW
        return True

    def refusal(self, action: str) -> str | None:
        """Why a checkout key does nothing now (the form's, the review's or the placed
        order's keys, and the kind of goods: no address for virtual goods, a slot only
        for a service)."""
        if action not in CHECKOUT_ACTIONS:
            return None
        step = self.step
        if action == "pay":
            return None if step == Step.PLACED else t("checkout.why_not.not_placed")
        if action == "place":
            if step == Step.FORM:
                return t("checkout.why_not.review_first")
            return t("checkout.why_not.placed") if step == Step.PLACED else None
        if step == Step.REVIEW:
            return t("checkout.why_not.on_review")
        if step == Step.PLACED:
            return t("checkout.why_not.placed")
        if action == "edit_address" and self.kind == "virtual":
            return t("kinds.why_not.no_address")
        if action == "pick_slot" and self.kind != "service":
            return t("kinds.why_not.slot_not_service")
        if self.quote is None:
            return t("checkout.why_not.loading")
        return None

    # --- placing ---------------------------------------------------------------------

    @on(Button.Pressed, "#place")
    def action_place(self) -> None:
        if self.step == Step.PLACED:
            self.action_pay()
            return
        # A second Enter while the first is on its way is the same intent: ignore it.
        if self._placing or self.step != Step.REVIEW:
            return
        self._placing = True
        self.place_order()

    @work(group="place")
    async def place_order(self) -> None:
        try:
            placement = await self._place()
        finally:
            self._placing = False
        order = placement.order if placement is not None else None
        if order is not None:
            self._show_step()
            self.set_where(f"{t('checkout.title')}  ·  {order.order_no}")
            await self.shop.refresh_cart_count()
            await self._pay(preset=True)

    async def _place(self) -> Placement | None:
        draft = self.draft()
        if draft.method is None or draft.quote is None:
            return None
        if draft.address is None and draft.needs_address:
            return None
        self._note(t("checkout.placing"), problem=False)
        placement = await self.checkout.place(self.shop, draft)
        if placement.fresh_quote is not None:
            self.quote = placement.fresh_quote
        error = placement.error
        if placement.kind == "login_cancelled":
            self._note("")
        elif placement.kind == "unanswered" and error is not None:
            self._note(t("checkout.retry_same", reason=failure_words(error)))
        elif placement.kind == "refused" and error is not None:
            self._refused(error)
        elif placement.kind == "stock_gone":
            self._show_step()
            self._show_quote()
        elif placement.kind == "price_changed" and placement.fresh_quote is not None:
            self._show_quote()
            self._show_review()
            now, was = placement.fresh_quote.total_fen, placement.reviewed_fen
            self._note(t("checkout.price_changed", now=money(now), was=money(was)))
        return placement

    def _refused(self, error: errors.ApiError) -> None:
        """A definite no from the server: back to the form, everything kept, the
        problem beside the field it concerns."""
        self._show_step()
        if isinstance(error, errors.Conflict) and error.code == "SLOT_FULL":
            # Someone took the last place meanwhile: choose another slot.
            self.slot = None
            self._show_kind()
            self._hint("slot-hint", "⚠ " + clean(error.message))
            self.query_one("#slot").focus()
        elif isinstance(error, errors.Conflict) and error.code == "OUT_OF_STOCK":
            self._hint("items-hint", "⚠ " + clean(error.message))
            self.query_one("#ship-to").focus()
            self._schedule_quote(at_once=True)
        elif isinstance(error, errors.ValidationFailed) and error.fields:
            self._show_field_errors(error)
            if "coupon_id" in error.fields:
                self.coupon_id = None
                self._schedule_quote(at_once=True)
        else:
            self._summary(Text(failure_words(error), style="bold red"))
        self.notify(failure_words(error), severity="error", markup=False)

    # --- paying ----------------------------------------------------------------------

    def action_pay(self) -> None:
        if self.step == Step.PLACED and self.order is not None and not self._paying:
            self.pay_order()

    @work(group="pay")
    async def pay_order(self) -> None:
        await self._pay(preset=False)

    async def _pay(self, *, preset: bool) -> None:
        order = self.order
        if order is None or self._paying:
            return
        self._paying = True
        try:
            choice = self.chosen_method() if preset else None
            result: PayResult = await self.open_for_result("pay", order.id, order.total_fen, choice)
        finally:
            self._paying = False
        if result.paid or result.next in ("detail", "browse"):
            self.app.call_next(self._leave, result)
            return
        self._show_review()
        deadline = local_time(order.auto_cancel_at, "%H:%M") if order.auto_cancel_at else ""
        self._note(t("checkout.awaiting_payment", order_no=order.order_no, time=deadline))

    async def _leave(self, result: PayResult) -> None:
        """The order is paid (or the user asked to go elsewhere): this checkout is done,
        and the user goes where the result screen asked."""
        from kshop_tui.screens.cart.cart import CartScreen

        assert self.order is not None
        order_id = self.order.id
        if self.app.screen is self:
            await self.app.pop_screen()
        if isinstance(self.app.screen, CartScreen) and result.next != "browse":
            # It stays in the stack: show it without the lines just ordered.
            self.app.screen.load()
        if result.next == "browse":
            # Later, by the app: browse pops screens, and a pop awaited from a worker of
            # a screen it pops would be cancelled with that worker (and, with it, the
            # app's own message loop: the app would quit without a word).
            self.app.call_later(self.app.run_action, "app.browse")
        elif result.next == "detail":
            self.open("order", order_id)
