"""The checkout's form (step 1: where the order goes, what is in it, the coupon,
shipping, how to pay, the invoice and a remark, with the server's quote refreshed on every
change) and its review (step 2: everything summarised for one last look)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Button, Input, RadioSet, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.cart.checkout_layout import compose_checkout
from kshop_tui.screens.cart.coupon_modal import CouponPickerModal
from kshop_tui.screens.cart.rows import AddressRow, ChoiceRow
from kshop_tui.screens.cart.summary import (
    coupon_line,
    items_table,
    review_grid,
    shipping_line,
    totals,
)
from kshop_tui.shop.flows.booking import kind_label, kind_promise, slot_when
from kshop_tui.shop.flows.checkout import (
    INVOICE_KINDS,
    Checkout,
    CheckoutDraft,
    Field,
    InvoiceForm,
    InvoiceKind,
    Step,
    ship_to,
)
from kshop_tui.shop.flows.payment import (
    MethodOption,
    failure_words,
    guest_method_options,
    method_options,
    preferred,
)
from kshop_tui.text import clean, money
from kshop_tui.widgets.pay_method import method_text
from kshop_tui.widgets.toggles import RadioButton

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Address, Invoice, Order, Quote, Slot, Wallet

QUOTE_DEBOUNCE_SECONDS = 0.3
# The pay-with methods a digit chooses: `1` the first … `9` the ninth.
METHOD_DIGITS = 9
# The backend's field names → the hint lines under the fields they concern.
FIELD_HINTS = {
    "address_id": "address-hint",
    "coupon_id": "coupon-hint",
    "items": "items-hint",
    "from_cart": "items-hint",
    "payment_method": "pay-hint",
    "remark": "remark-hint",
    "invoice": "invoice-hint",
    "invoice.title": "invoice-hint",
    "invoice.tax_id": "invoice-hint",
    "invoice.type": "invoice-hint",
    "appointment": "slot-hint",
    "appointment.slot_id": "slot-hint",
    "service_note": "note-hint",
}
# What the draft lacks → the hint line that says so and the field to focus, if any.
PROBLEM_PLACES: dict[Field, tuple[str, str | None]] = {
    "address": ("address-hint", "#ship-to"),
    "items": ("items-hint", None),
    "method": ("pay-hint", "#pay-with"),
    "invoice_title": ("invoice-hint", "#invoice-title"),
    "invoice_tax_id": ("invoice-hint", "#invoice-tax"),
    "slot": ("slot-hint", "#slot"),
    "service_note": ("note-hint", "#service-note"),
}


def _highlight_pressed(radios: RadioSet) -> None:
    """Moves a new set's highlight to its pressed button. Textual highlights the first
    one, whatever is pressed: Enter would then change the method instead of keeping it."""
    pressed = radios.pressed_button
    if pressed is None:
        return
    for _ in radios.query(RadioButton):
        if pressed.has_class("-selected"):
            return
        radios.action_next_button()


class CheckoutForm(ShopScreen):
    """The checkout's steps 1 and 2; `CheckoutScreen` places and pays the order."""

    def __init__(
        self,
        lines: list[tuple[int, int]] | None = None,
        kind: str = "physical",
        *,
        choose_address: bool = False,
    ) -> None:
        """`lines` [(sku_id, qty)] to buy now, or None for the cart's selected lines;
        `kind` the kind of goods when known before the first quote (the product page);
        `choose_address`: open with the address book (an order repeated for another
        address)."""
        super().__init__()
        self.lines = lines
        self.kind_hint = kind
        self._address_first = choose_address
        self.slot: Slot | None = None
        self.addresses: list[Address] = []
        self.address: Address | None = None
        self.options: list[MethodOption] = []
        self.coupon_id: int | None = None
        self._coupon_decided = False
        self.quote: Quote | None = None
        self._quote_generation = 0
        self._quote_timer: Timer | None = None
        self.checkout = Checkout()
        self._placing = False
        self._paying = False
        self._loaded = False
        self._wallet: Wallet | None = None
        # A guest's checkout (docs/api.md §7.4): an inline address, QR or card payments.
        self.guest_checkout = False
        self._has_payment_password = False
        self._methods_total: int | None = None

    @property
    def step(self) -> Step:
        return self.checkout.step

    @property
    def order(self) -> Order | None:
        """The placed order, once there is one."""
        return self.checkout.order

    @property
    def order_key(self) -> str | None:
        """The checkout attempt's Idempotency-Key, kept until the server answers."""
        return self.checkout.placing.key

    def compose_body(self) -> ComposeResult:
        yield from compose_checkout()

    def on_mount(self) -> None:
        self.query_one("#checkout-form").display = False
        self.query_one("#checkout-review").display = False
        self.query_one("#invoice-fields").display = False
        self._show_kind()
        self.load()

    @property
    def kind(self) -> str:
        """The kind of goods ordered: the quote's word once there is one."""
        return self.quote.kind if self.quote is not None else self.kind_hint

    def _show_kind(self) -> None:
        """Virtual goods ask no address; a service asks its slot and its 服务需求."""
        kind = self.kind
        note = self.query_one("#kind-note", Static)
        note.display = kind != "physical"
        note.update(Text(f"{kind_label(kind)} · {kind_promise(kind)}", style="bold"))
        self.query_one("#ship-row").display = kind != "virtual"
        if kind == "virtual":
            self._hint("address-hint", "")
        for row in ("#slot-row", "#note-row"):
            self.query_one(row).display = kind == "service"
        if kind != "service":
            for hint in ("slot-hint", "note-hint"):
                self._hint(hint, "")
        slot_words = (
            Text(slot_when(self.slot.starts_at, self.slot.ends_at))
            if self.slot is not None
            else Text(t("kinds.pick.none_yet"), style="dim")
        )
        self.query_one("#slot", ChoiceRow).update(slot_words)
        self.refresh_bindings()

    # --- loading ---------------------------------------------------------------------

    @work(exclusive=True, group="checkout-load")
    async def load(self) -> None:
        if self.shop.user is not None and self.shop.user.guest:
            # A guest has no address book or wallet: the address is typed here and kept
            # on the order only; it pays by QR code or card (docs/api.md §7.4).
            self.guest_checkout = True
            self._show_form()
            return

        async def fetch(api: KshopClient) -> tuple[list[Address], Wallet]:
            return await api.addresses(), await api.wallet()

        def refused(error: errors.ApiError) -> None:
            self.query_one("#checkout-loading").display = False
            self._summary(Text(failure_words(error), style="bold red"))

        loaded = await self.shop.attempt(
            fetch, needs_login=True, on_refusal=refused, on_login_cancelled=self.app.pop_screen
        )
        if loaded is None:
            return
        addresses, wallet = loaded
        self.addresses = addresses
        self.address = next((a for a in addresses if a.is_default), None) or (
            addresses[0] if addresses else None
        )
        user = self.shop.user
        self._has_payment_password = user is not None and user.has_payment_password
        self._wallet = wallet
        self._show_form()

    def _show_form(self) -> None:
        self.query_one("#checkout-loading").display = False
        self.query_one("#checkout-form").display = True
        self._loaded = True
        self.query_one(AddressRow).show(self.address)
        # The address is usually the default one already; how to pay is what people
        # change: arrows and Enter work on it at once (`e` still opens the addresses).
        self.query_one("#pay-with").focus()
        self._schedule_quote(at_once=True)
        if self._address_first and self.kind != "virtual":
            self.choose_address()

    async def _fill_methods(self, total_fen: int) -> None:
        """The pay-with radios for `total_fen`, keeping the user's choice when it still
        works (a balance too small for a new total becomes unavailable)."""
        chosen = self.chosen_method()
        self._methods_total = total_fen
        if self.guest_checkout or self._wallet is None:
            self.options = guest_method_options()
        else:
            self.options = method_options(self._wallet, self._has_payment_password, total_fen)
        keep = next(
            (o for o in self.options if chosen and o.key == chosen.key and o.available), None
        )
        selected = keep or preferred(self.options)
        buttons = [
            RadioButton(
                method_text(option, number if number <= METHOD_DIGITS else None),
                value=option is selected,
                disabled=not option.available,
                name=option.key,
            )
            for number, option in enumerate(self.options, start=1)
        ]
        # A RadioSet learns its buttons when it mounts: a new set, not new buttons.
        old = self.query_one("#pay-with", RadioSet)
        had_focus = old.has_focus
        await old.remove()
        radios = RadioSet(*buttons, id="pay-with", compact=True)
        await self.query_one("#pay-row", Horizontal).mount(radios)
        _highlight_pressed(radios)
        if had_focus:
            radios.focus()
        self.refresh_bindings()  # the digits that choose a method

    def action_pick_method(self, number: int) -> None:
        """The digit `number` chooses the method shown with it."""
        if self.step != Step.FORM or not 1 <= number <= len(self.options):
            return
        option = self.options[number - 1]
        if not option.available:
            self.notify(f"{option.label}: {option.reason}", severity="warning", markup=False)
            return
        radios = self.query_one("#pay-with", RadioSet)
        radios.query(RadioButton)[number - 1].value = True
        radios.focus()

    def chosen_method(self) -> MethodOption | None:
        if not self.is_mounted:
            return None
        pressed = self.query_one("#pay-with", RadioSet).pressed_button
        if pressed is None:
            return None
        return next((o for o in self.options if o.key == pressed.name), None)

    # --- the quote -------------------------------------------------------------------

    def _schedule_quote(self, *, at_once: bool = False) -> None:
        if self._quote_timer is not None:
            self._quote_timer.stop()
        self._quote_generation += 1
        if at_once:
            self.refresh_quote()
        else:
            self._quote_timer = self.set_timer(QUOTE_DEBOUNCE_SECONDS, self.refresh_quote)

    @work(exclusive=True, group="quote")
    async def refresh_quote(self) -> None:
        generation = self._quote_generation
        lines, coupon_id = self.lines, self.coupon_id
        where = ship_to(self.address) if self.address is not None and self.kind != "virtual" else {}

        async def ask(api: KshopClient) -> Quote:
            return await api.quote(items=lines, coupon_id=coupon_id, **where)

        self._summary(Text(t("cart.quoting"), style="dim"))
        try:
            quote = await self.shop.run_api(ask, needs_login=True)
        except errors.ValidationFailed as error:
            if generation != self._quote_generation:
                return
            refused_address = "address_id" in error.fields or "address" in error.fields
            if refused_address and where and lines is None:
                # The cart held virtual goods, which take no address: ask again without.
                self.kind_hint = "virtual"
                self._show_kind()
                self._schedule_quote(at_once=True)
                return
            if "coupon_id" in error.fields and self.coupon_id is not None:
                # The coupon stopped applying: say why beside it and price without it.
                self._hint("coupon-hint", clean(error.fields["coupon_id"]))
                self.coupon_id = None
                self._schedule_quote(at_once=True)
                return
            self._show_field_errors(error)
            self._summary(Text(failure_words(error), style="red"))
            return
        except errors.ApiError as error:
            if generation == self._quote_generation:
                self._summary(Text(failure_words(error), style="red"))
            return
        if generation != self._quote_generation:
            return  # the user changed something meanwhile; that quote is on its way
        if not self._coupon_decided:
            self._coupon_decided = True
            if quote.best_coupon_id is not None and self.coupon_id is None:
                self.coupon_id = quote.best_coupon_id
                self._schedule_quote(at_once=True)
                return
        kind_changed = self.kind != quote.kind
        self.quote = quote
        if kind_changed:
            self._show_kind()
        if self.chosen_method() is None or self._methods_total != quote.total_fen:
            await self._fill_methods(quote.total_fen)
        self._show_quote()

    def _show_quote(self) -> None:
        quote = self.quote
        if quote is None:
            return
        self.query_one("#items", Static).update(items_table(quote))
        self._hint("items-hint", "\n".join("⚠ " + p.message for p in quote.problems))
        self.query_one("#coupon", ChoiceRow).update(coupon_line(quote, self.coupon_id))
        self.query_one("#shipping", Static).update(shipping_line(quote))
        self._summary(totals(quote))
        if self.step == Step.REVIEW:
            self._show_review()

    def _summary(self, renderable: RenderableType) -> None:
        self.query_one("#checkout-summary", Static).update(renderable)

    def _hint(self, hint_id: str, message: str) -> None:
        hint = self.query_one(f"#{hint_id}", Static)
        hint.update(Text(message))
        hint.set_class(bool(message), "-error")
        hint.display = bool(message)

    def _show_field_errors(self, error: Any) -> None:
        for name, message in error.fields.items():
            self._hint(FIELD_HINTS.get(name, "items-hint"), clean(message))

    # --- changes ---------------------------------------------------------------------

    def action_edit_address(self) -> None:
        if self.step == Step.FORM and self._loaded:
            self.choose_address()

    @work(exclusive=True, group="address-book")
    async def choose_address(self) -> None:
        chosen: Address | None
        if self.guest_checkout:
            # A guest's address: typed (or pasted) for this order, not saved anywhere.
            typed = await self.open_for_result("address_form", self.address, inline=True)
            if typed is not None:
                self.address = typed
                self.query_one(AddressRow).show(self.address)
                self._hint("address-hint", "")
                self._schedule_quote(at_once=True)
            return
        if not self.addresses:
            chosen = await self.open_for_result("address_form", None)
        else:
            current = self.address.id if self.address is not None else None
            chosen = await self.open_for_result("address_book", current)
        await self._reload_addresses(chosen)

    async def _reload_addresses(self, chosen: Address | None) -> None:
        """The book may have changed (added, edited, deleted) whatever was picked."""
        addresses = await self.shop.attempt(lambda api: api.addresses(), needs_login=True)
        if addresses is None:
            return
        self.addresses = addresses
        wanted = chosen.id if chosen is not None else (self.address.id if self.address else None)
        self.address = next((a for a in self.addresses if a.id == wanted), None) or next(
            (a for a in self.addresses if a.is_default), None
        )
        self.query_one(AddressRow).show(self.address)
        self._hint("address-hint", "")
        self._schedule_quote(at_once=True)

    def action_pick_slot(self) -> None:
        if self.step == Step.FORM and self.kind == "service" and self.quote is not None:
            self.choose_slot()

    @work(exclusive=True, group="slot")
    async def choose_slot(self) -> None:
        assert self.quote is not None and self.quote.lines
        product_id = self.quote.lines[0].product_id
        current = self.slot.id if self.slot is not None else None
        chosen: Slot | None = await self.open_for_result("slot_picker", product_id, current)
        if chosen is None:
            return
        self.slot = chosen
        self._hint("slot-hint", "")
        self._show_kind()
        self.query_one("#service-note", Input).focus()

    def action_pick_coupon(self) -> None:
        if self.step == Step.FORM and self.quote is not None:
            self.choose_coupon()

    @work(exclusive=True, group="coupon")
    async def choose_coupon(self) -> None:
        assert self.quote is not None
        picked = await self.app.push_screen_wait(CouponPickerModal(self.quote, self.coupon_id))
        if picked is None:
            return
        self._coupon_decided = True
        self.coupon_id = picked[0]
        self._hint("coupon-hint", "")
        self._schedule_quote(at_once=True)

    @on(RadioSet.Changed, "#pay-with")
    def _method_changed(self) -> None:
        self._hint("pay-hint", "")
        self._schedule_quote()

    @on(RadioSet.Changed, "#invoice-kind")
    def _invoice_changed(self) -> None:
        kind = self._invoice_kind()
        self.query_one("#invoice-fields").display = kind != "none"
        self.query_one("#invoice-tax").display = kind == "company"
        self._hint("invoice-hint", "")
        self._schedule_quote()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id in ("invoice-title", "invoice-tax"):
            self._hint("invoice-hint", "")
        elif event.input.id == "remark":
            self._hint("remark-hint", "")
        elif event.input.id == "service-note":
            self._hint("note-hint", "")
            return  # the note does not change the price
        self._schedule_quote()

    @on(Input.Submitted)
    def _input_done(self) -> None:
        self.action_review()

    def _invoice_kind(self) -> InvoiceKind:
        index = self.query_one("#invoice-kind", RadioSet).pressed_index
        return INVOICE_KINDS[index] if 0 <= index < len(INVOICE_KINDS) else "none"

    def invoice(self) -> Invoice | None:
        return self._invoice_form().invoice()

    def _invoice_form(self) -> InvoiceForm:
        return InvoiceForm(
            kind=self._invoice_kind(),
            title=self.query_one("#invoice-title", Input).value,
            tax_id=self.query_one("#invoice-tax", Input).value,
        )

    def remark(self) -> str:
        return self.query_one("#remark", Input).value.strip()

    def draft(self) -> CheckoutDraft:
        """The order as the form holds it now."""
        return CheckoutDraft(
            lines=self.lines,
            address=self.address,
            quote=self.quote,
            coupon_id=self.coupon_id,
            method=self.chosen_method(),
            invoice_form=self._invoice_form(),
            remark=self.remark(),
            kind_hint=self.kind_hint,
            slot=self.slot,
            service_note=self.query_one("#service-note", Input).value,
        )

    # --- the review step -------------------------------------------------------------

    def action_review(self) -> None:
        if self.step != Step.FORM or not self._loaded:
            return
        problems = self.checkout.review(self.draft())
        shown = {PROBLEM_PLACES[problem.field][0]: problem.words for problem in problems}
        for hint_id in ("address-hint", "pay-hint", "invoice-hint", "slot-hint", "note-hint"):
            self._hint(hint_id, shown.get(hint_id, ""))
        if "items-hint" in shown:
            self._hint("items-hint", shown["items-hint"])
        if problems:
            focus = next(
                (PROBLEM_PLACES[p.field][1] for p in problems if PROBLEM_PLACES[p.field][1]), None
            )
            if focus is not None:
                self.query_one(focus).focus()
            return
        self._show_step()

    def _show_step(self) -> None:
        step = self.step
        self.query_one("#checkout-form").display = step == Step.FORM
        self.query_one("#checkout-review").display = step != Step.FORM
        self.set_where(f"{t('checkout.title')}  ·  {t('checkout.step', step=min(step, 2))}")
        if step == Step.FORM:
            self.query_one("#review-note", Static).update("")
        else:
            self._show_review()
            self.set_focus(None)
        self.refresh_bindings()

    def _show_review(self) -> None:
        quote, address, method = self.quote, self.address, self.chosen_method()
        if quote is None or method is None or (address is None and quote.kind != "virtual"):
            return
        grid = review_grid(
            quote,
            address,
            self.coupon_id,
            method,
            self.invoice(),
            self.remark(),
            slot=self.slot,
            service_note=self.query_one("#service-note", Input).value,
        )
        self.query_one("#review-text", Static).update(grid)
        button = self.query_one("#place", Button)
        if self.step == Step.PLACED and self.order is not None:
            button.label = t("checkout.pay_now", amount=money(self.order.total_fen))
        else:
            button.label = t("checkout.place", amount=money(quote.total_fen))

    def _note(self, message: str, *, problem: bool = True) -> None:
        note = self.query_one("#review-note", Static)
        note.update(Text(message))
        note.set_class(problem, "-problem")

    def action_back(self) -> None:
        if self._placing or self._paying:
            return
        if self.step == Step.REVIEW:
            self.checkout.back_to_form()
            self._show_step()
            self.query_one(AddressRow).focus()
            return
        if self.step == Step.PLACED and self.order is not None:
            self.notify(t("checkout.kept_in_orders", order_no=self.order.order_no), markup=False)
        super().action_back()
