"""Checkout: where the order goes, what is in it, the coupon, shipping, how to pay, the
invoice and a remark, with the server's quote refreshed on every change (step 1/2);
then everything summarised for one last look (step 2/2), then the order is placed and
paid (`payment.PayOrderFlow`).

One Idempotency-Key per checkout attempt, made when the user first confirms and kept
until the server gives a definite answer: a double Enter, a timeout or a lost connection
all retry with it, so the server makes one order. A refused order leaves every field as
it was typed; a placed but unpaid order stays on this screen, payable, until paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Label, LoadingIndicator, RadioButton, RadioSet, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.screen_base import ShopModal, ShopScreen
from kshop_tui.screens.payment import (
    MethodOption,
    PayOrderFlow,
    failure_words,
    method_options,
    open_next_step,
    preferred,
)
from kshop_tui.shop.flows.payment import PayResult
from kshop_tui.text import clean, local_time, money
from kshop_tui.widgets.address_card import AddressCard
from kshop_tui.widgets.coupon_picker import NO_COUPON, CouponList

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Address, Invoice, Order, Quote, Wallet

QUOTE_DEBOUNCE_SECONDS = 0.3
REMARK_MAX = 200
INVOICE_TITLE_MAX = 100
TAX_ID_LENGTHS = (15, 18, 20)
STOCK_PROBLEMS = ("sold_out", "insufficient_stock")
INVOICE_KINDS = ("none", "personal", "company")
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
}


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


class CouponPickerModal(ShopModal):
    """Dismisses with `[coupon_id]` (`[None]` for no coupon), or None on escape."""

    DEFAULT_CSS = """
    CouponPickerModal { align: center middle; }
    CouponPickerModal #cp-dialog {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; border-title-color: $text-primary;
        border-title-style: bold; background: $surface; padding: 0 1;
    }
    CouponPickerModal CouponList { border: none; background: $surface; }
    """

    def __init__(self, quote: Quote, chosen_id: int | None) -> None:
        super().__init__()
        self.quote = quote
        self.chosen_id = chosen_id

    def compose(self) -> ComposeResult:
        from textual.widgets import Footer

        usable = sum(1 for coupon in self.quote.coupons if coupon.usable)
        with Vertical(id="cp-dialog") as dialog:
            dialog.border_title = t("coupon_pick.picker_title", count=usable)
            yield CouponList(self.quote.coupons, self.chosen_id, id="cp-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CouponList).focus()

    @on(CouponList.OptionSelected)
    def _chosen(self, event: CouponList.OptionSelected) -> None:
        option_id = event.option.id
        self.dismiss([None if option_id == NO_COUPON else int(option_id or 0)])


class CheckoutScreen(ShopScreen):
    CSS_PATH = "checkout.tcss"
    BINDINGS = [
        Binding("ctrl+s", "review", "checkout.key.review", id="checkout.review"),
        Binding("e", "edit_address", "checkout.key.ship_to", id="checkout.address"),
        Binding("k", "pick_coupon", "checkout.key.coupon", id="checkout.coupon"),
        Binding("p", "pay", "checkout.key.pay", id="checkout.pay"),
        Binding("enter", "place", "checkout.key.place", id="checkout.place"),
    ]

    def __init__(self, lines: list[tuple[int, int]] | None = None) -> None:
        """`lines` [(sku_id, qty)] to buy now, or None for the cart's selected lines."""
        super().__init__()
        self.lines = lines
        self.addresses: list[Address] = []
        self.address: Address | None = None
        self.options: list[MethodOption] = []
        self.coupon_id: int | None = None
        self._coupon_decided = False
        self.quote: Quote | None = None
        self._quote_generation = 0
        self._quote_timer: Timer | None = None
        self.step = 1
        """1 the form, 2 the review, 3 placed and waiting to be paid."""
        self.order_key: str | None = None
        """The checkout attempt's Idempotency-Key, kept until the server answers."""
        self._placing = False
        self._paying = False
        self._reviewed_total: int | None = None
        self.order: Order | None = None
        self._loaded = False
        self._wallet: Wallet | None = None
        self._has_payment_password = False
        self._methods_total: int | None = None

    def where(self) -> str:
        return f"{t('checkout.title')}  ·  {t('checkout.step', step=1)}"

    # --- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield LoadingIndicator(id="checkout-loading")
        with VerticalScroll(id="checkout-form"):
            with Horizontal(classes="row"):
                yield Label(t("checkout.ship_to"), classes="row-label")
                yield AddressRow("edit_address", id="ship-to")
            yield Static(id="address-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("checkout.items"), classes="row-label")
                yield Static(id="items")
            yield Static(id="items-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("checkout.coupon"), classes="row-label")
                yield ChoiceRow("pick_coupon", id="coupon")
            yield Static(id="coupon-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("checkout.shipping"), classes="row-label")
                yield Static(id="shipping")
            with Horizontal(classes="row", id="pay-row"):
                yield Label(t("checkout.pay_with"), classes="row-label")
                yield RadioSet(id="pay-with", compact=True)
            yield Static(id="pay-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("checkout.invoice"), classes="row-label")
                with RadioSet(id="invoice-kind", compact=True):
                    for kind in INVOICE_KINDS:
                        yield RadioButton(t(f"checkout.invoice.{kind}"), value=kind == "none")
            with Horizontal(classes="row", id="invoice-fields"):
                yield Label("", classes="row-label")
                yield Input(
                    placeholder=t("checkout.invoice.title_placeholder"),
                    id="invoice-title",
                    max_length=INVOICE_TITLE_MAX,
                    compact=True,
                )
                yield Input(
                    placeholder=t("checkout.invoice.tax_placeholder"),
                    id="invoice-tax",
                    restrict=r"[0-9A-Za-z]*",
                    max_length=max(TAX_ID_LENGTHS),
                    compact=True,
                )
            yield Static(id="invoice-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("checkout.remark"), classes="row-label")
                yield Input(
                    placeholder=t("checkout.remark_placeholder"),
                    id="remark",
                    max_length=REMARK_MAX,
                    compact=True,
                )
            yield Static(id="remark-hint", classes="hint", markup=False)
        with VerticalScroll(id="checkout-review"):
            yield Static(id="review-text")
            yield Static(id="review-note", markup=False)
            place = Button("", id="place", variant="primary", compact=True)
            # Enter is the screen's key here, so the footer can say what it does.
            place.can_focus = False
            yield place
        yield Static(id="checkout-summary")

    def on_mount(self) -> None:
        self.query_one("#checkout-form").display = False
        self.query_one("#checkout-review").display = False
        self.query_one("#invoice-fields").display = False
        self.load()

    # --- loading ---------------------------------------------------------------------

    @work(exclusive=True, group="checkout-load")
    async def load(self) -> None:
        from kshop_tui.api import errors

        try:
            addresses = await self.shop.run_api(lambda api: api.addresses(), needs_login=True)
            wallet = await self.shop.run_api(lambda api: api.wallet(), needs_login=True)
        except LoginCancelled:
            self.app.pop_screen()
            return
        except errors.ApiError as error:
            self.query_one("#checkout-loading").display = False
            self._summary(Text(failure_words(error), style="bold red"))
            return
        self.addresses = addresses
        self.address = next((a for a in addresses if a.is_default), None) or (
            addresses[0] if addresses else None
        )
        user = self.shop.user
        self._has_payment_password = user is not None and user.has_payment_password
        self._wallet = wallet
        self.query_one("#checkout-loading").display = False
        self.query_one("#checkout-form").display = True
        self._loaded = True
        self.query_one(AddressRow).show(self.address)
        self.query_one(AddressRow).focus()
        self._schedule_quote(at_once=True)

    async def _fill_methods(self, total_fen: int) -> None:
        """The pay-with radios for `total_fen`, keeping the user's choice when it still
        works (a balance too small for a new total becomes unavailable)."""
        chosen = self.chosen_method()
        assert self._wallet is not None
        self._methods_total = total_fen
        self.options = method_options(self._wallet, self._has_payment_password, total_fen)
        keep = next(
            (o for o in self.options if chosen and o.key == chosen.key and o.available), None
        )
        selected = keep or preferred(self.options)
        buttons = [
            RadioButton(
                option.text(),
                value=option is selected,
                disabled=not option.available,
                name=option.key,
            )
            for option in self.options
        ]
        # A RadioSet learns its buttons when it mounts: a new set, not new buttons.
        old = self.query_one("#pay-with", RadioSet)
        had_focus = old.has_focus
        await old.remove()
        radios = RadioSet(*buttons, id="pay-with", compact=True)
        await self.query_one("#pay-row", Horizontal).mount(radios)
        if had_focus:
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
        from kshop_tui.api import errors

        generation = self._quote_generation
        lines, coupon_id = self.lines, self.coupon_id
        address_id = self.address.id if self.address is not None else None

        async def ask(api: KshopClient) -> Quote:
            return await api.quote(items=lines, address_id=address_id, coupon_id=coupon_id)

        self._summary(Text(t("cart.quoting"), style="dim"))
        try:
            quote = await self.shop.run_api(ask, needs_login=True)
        except errors.ValidationFailed as error:
            if generation != self._quote_generation:
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
        self.quote = quote
        if self.chosen_method() is None or self._methods_total != quote.total_fen:
            await self._fill_methods(quote.total_fen)
        self._show_quote()

    def _show_quote(self) -> None:
        quote = self.quote
        if quote is None:
            return
        self.query_one("#items", Static).update(_items_table(quote))
        self._hint("items-hint", "\n".join("⚠ " + p.message for p in quote.problems))
        self.query_one("#coupon", ChoiceRow).update(self._coupon_line(quote))
        self.query_one("#shipping", Static).update(_shipping_line(quote))
        self._summary(_totals(quote))
        if self.step == 2:
            self._show_review()

    def _coupon_line(self, quote: Quote) -> RenderableType:
        usable = sum(1 for coupon in quote.coupons if coupon.usable)
        chosen = next((c for c in quote.coupons if c.id == self.coupon_id), None)
        left = Text()
        if chosen is not None:
            left.append(chosen.title)
        elif usable:
            left.append(t("coupon_pick.none"), style="dim")
        else:
            left.append(t("coupon_pick.none_usable"), style="dim")
        if usable:
            left.append("  " + t("coupon_pick.usable_count", count=usable), style="dim")
        right = Text("−" + money(quote.discount_fen) if quote.discount_fen else "", style="green")
        return _left_right(left, right)

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
        if self.step == 1 and self._loaded:
            self.choose_address()

    @work(exclusive=True, group="address-book")
    async def choose_address(self) -> None:
        from kshop_tui.screens.address_book import AddressBookModal, AddressFormModal

        chosen: Address | None
        if not self.addresses:
            chosen = await self.app.push_screen_wait(AddressFormModal(None))
        else:
            current = self.address.id if self.address is not None else None
            chosen = await self.app.push_screen_wait(AddressBookModal(current))
        await self._reload_addresses(chosen)

    async def _reload_addresses(self, chosen: Address | None) -> None:
        """The book may have changed (added, edited, deleted) whatever was picked."""
        from kshop_tui.api import errors

        try:
            self.addresses = await self.shop.run_api(lambda api: api.addresses(), needs_login=True)
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        wanted = chosen.id if chosen is not None else (self.address.id if self.address else None)
        self.address = next((a for a in self.addresses if a.id == wanted), None) or next(
            (a for a in self.addresses if a.is_default), None
        )
        self.query_one(AddressRow).show(self.address)
        self._hint("address-hint", "")
        self._schedule_quote(at_once=True)

    def action_pick_coupon(self) -> None:
        if self.step == 1 and self.quote is not None:
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
        self._schedule_quote()

    @on(Input.Submitted)
    def _input_done(self) -> None:
        self.action_review()

    def _invoice_kind(self) -> str:
        index = self.query_one("#invoice-kind", RadioSet).pressed_index
        return INVOICE_KINDS[index] if 0 <= index < len(INVOICE_KINDS) else "none"

    def invoice(self) -> Invoice | None:
        from kshop_tui.api.models import Invoice

        kind = self._invoice_kind()
        if kind == "none":
            return None
        title = self.query_one("#invoice-title", Input).value.strip()
        tax_id = self.query_one("#invoice-tax", Input).value.strip().upper()
        if kind == "company":
            return Invoice(type="company", title=title, tax_id=tax_id or None)
        return Invoice(type="personal", title=title)

    def remark(self) -> str:
        return self.query_one("#remark", Input).value.strip()

    # --- the review step -------------------------------------------------------------

    def _problems(self) -> dict[str, tuple[str, str | None]]:
        """What must be fixed before the order can be placed: hint id → (words, the
        field to focus for it, if any)."""
        problems: dict[str, tuple[str, str | None]] = {}
        if self.address is None:
            problems["address-hint"] = (t("checkout.need_address"), "#ship-to")
        quote = self.quote
        if quote is None:
            problems["items-hint"] = (t("checkout.need_quote"), None)
        elif any(p.code in STOCK_PROBLEMS for p in quote.problems):
            words = "\n".join("⚠ " + p.message for p in quote.problems if p.code in STOCK_PROBLEMS)
            problems["items-hint"] = (words, None)
        method = self.chosen_method()
        if method is None or not method.available:
            problems["pay-hint"] = (t("checkout.need_method"), "#pay-with")
        kind = self._invoice_kind()
        if kind != "none":
            title = self.query_one("#invoice-title", Input).value.strip()
            tax_id = self.query_one("#invoice-tax", Input).value.strip()
            if not title:
                problems["invoice-hint"] = (t("checkout.invoice.need_title"), "#invoice-title")
            elif kind == "company" and (
                len(tax_id) not in TAX_ID_LENGTHS or not tax_id.isascii() or not tax_id.isalnum()
            ):
                problems["invoice-hint"] = (t("checkout.invoice.bad_tax_id"), "#invoice-tax")
        return problems

    def action_review(self) -> None:
        if self.step != 1 or not self._loaded:
            return
        problems = self._problems()
        for hint_id in ("address-hint", "pay-hint", "invoice-hint"):
            self._hint(hint_id, problems[hint_id][0] if hint_id in problems else "")
        if "items-hint" in problems:
            self._hint("items-hint", problems["items-hint"][0])
        if problems:
            focus = next((target for _, target in problems.values() if target), None)
            if focus is not None:
                self.query_one(focus).focus()
            return
        assert self.quote is not None
        self._reviewed_total = self.quote.total_fen
        self._set_step(2)

    def _set_step(self, step: int) -> None:
        self.step = step
        self.query_one("#checkout-form").display = step == 1
        self.query_one("#checkout-review").display = step != 1
        self.set_where(f"{t('checkout.title')}  ·  {t('checkout.step', step=min(step, 2))}")
        if step == 1:
            self.query_one("#review-note", Static).update("")
        else:
            self._show_review()
            self.set_focus(None)
        self.refresh_bindings()

    def _show_review(self) -> None:
        quote, address, method = self.quote, self.address, self.chosen_method()
        if quote is None or address is None or method is None:
            return
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(
            Text(t("checkout.ship_to")),
            Text(f"{address.name} {address.phone_masked}  {address.one_line()}"),
        )
        grid.add_row(Text(t("checkout.items")), _items_table(quote))
        coupon = next((c for c in quote.coupons if c.id == self.coupon_id), None)
        grid.add_row(
            Text(t("checkout.coupon")),
            Text(
                f"{coupon.title}  −{money(quote.discount_fen)}" if coupon else t("coupon_pick.none")
            ),
        )
        grid.add_row(Text(t("checkout.shipping")), _shipping_line(quote))
        grid.add_row(Text(t("checkout.pay_with")), method.text())
        grid.add_row(Text(t("checkout.invoice")), Text(_invoice_words(self.invoice())))
        grid.add_row(Text(t("checkout.remark")), Text(self.remark() or "—"))
        self.query_one("#review-text", Static).update(grid)
        button = self.query_one("#place", Button)
        if self.step == 3 and self.order is not None:
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
        if self.step == 2:
            self._set_step(1)
            self.query_one(AddressRow).focus()
            return
        if self.step == 3 and self.order is not None:
            self.notify(t("checkout.kept_in_orders", order_no=self.order.order_no), markup=False)
        super().action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("review", "edit_address", "pick_coupon"):
            return self.step == 1
        if action == "pay":
            return self.step == 3
        if action == "place":
            return self.step == 2
        return True

    # --- placing and paying ----------------------------------------------------------

    @on(Button.Pressed, "#place")
    def action_place(self) -> None:
        if self.step == 3:
            self.action_pay()
            return
        # A second Enter while the first is on its way is the same intent: ignore it.
        if self._placing or self.step != 2:
            return
        self._placing = True
        self.place_order()

    @work(group="place")
    async def place_order(self) -> None:
        try:
            order = await self._place()
        finally:
            self._placing = False
        if order is not None:
            self.order = order
            self._set_step(3)
            self.set_where(f"{t('checkout.title')}  ·  {order.order_no}")
            await self.shop.refresh_cart_count()
            await self._pay(preset=True)

    async def _place(self) -> Order | None:
        from kshop_tui.api import errors
        from kshop_tui.api.intent import new_intent_key

        method = self.chosen_method()
        address = self.address
        if method is None or address is None or self.quote is None:
            return None
        lines, coupon_id, remark, invoice = (
            self.lines,
            self.coupon_id,
            self.remark(),
            self.invoice(),
        )
        self._note(t("checkout.placing"), problem=False)
        try:
            if self.order_key is None:
                if not await self._price_still_holds():
                    return None
                self.order_key = new_intent_key()
            key = self.order_key

            async def create(api: KshopClient) -> Order:
                return await api.create_order(
                    payment_method=method.method,
                    idempotency_key=key,
                    items=lines,
                    address_id=address.id,
                    coupon_id=coupon_id,
                    remark=remark,
                    invoice=invoice,
                )

            return await self.shop.run_api(create, needs_login=True)
        except LoginCancelled:
            self._note("")
            return None
        except errors.ApiError as error:
            if _unanswered(error):
                self._note(t("checkout.retry_same", reason=failure_words(error)))
                return None
            self.order_key = None  # refused: nothing was made under the key
            self._refused(error)
            return None

    async def _price_still_holds(self) -> bool:
        """Before the first send of an attempt: the total the user reviewed is still
        the server's. A changed price is shown for a second confirmation."""
        from kshop_tui.api import errors

        lines, coupon_id = self.lines, self.coupon_id
        address_id = self.address.id if self.address is not None else None
        try:
            fresh = await self.shop.run_api(
                lambda api: api.quote(items=lines, address_id=address_id, coupon_id=coupon_id),
                needs_login=True,
            )
        except errors.BackendUnreachable:
            raise
        except errors.ApiError as error:
            self._refused(error)
            return False
        self.quote = fresh
        if any(p.code in STOCK_PROBLEMS for p in fresh.problems):
            self._set_step(1)
            self._show_quote()
            return False
        if fresh.total_fen != self._reviewed_total:
            was = money(self._reviewed_total or 0)
            self._reviewed_total = fresh.total_fen
            self._show_quote()
            self._show_review()
            self._note(t("checkout.price_changed", now=money(fresh.total_fen), was=was))
            return False
        return True

    def _refused(self, error: Exception) -> None:
        """A definite no from the server: back to the form, everything kept, the
        problem beside the field it concerns."""
        from kshop_tui.api import errors

        self._set_step(1)
        if isinstance(error, errors.Conflict) and error.code == "OUT_OF_STOCK":
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

    def action_pay(self) -> None:
        if self.step == 3 and self.order is not None and not self._paying:
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
            flow = PayOrderFlow(self.app, order.id, order.total_fen)
            result = await flow.run(choice)
        finally:
            self._paying = False
        if result.paid or result.next in ("detail", "browse"):
            self.app.call_next(self._leave, result)
            return
        self._show_review()
        deadline = local_time(order.auto_cancel_at, "%H:%M") if order.auto_cancel_at else ""
        self._note(t("checkout.awaiting_payment", order_no=order.order_no, time=deadline))

    async def _leave(self, result: PayResult) -> None:
        """The order is paid (or the user asked to go elsewhere): this checkout is done."""
        from kshop_tui.screens.cart import CartScreen

        assert self.order is not None
        order_id = self.order.id
        if self.app.screen is self:
            await self.app.pop_screen()
        if isinstance(self.app.screen, CartScreen) and result.next != "browse":
            # It stays in the stack: show it without the lines just ordered.
            self.app.screen.load()
        await open_next_step(self.app, result.next, order_id)


def _unanswered(error: Exception) -> bool:
    """No answer (or the same request still running): the order may exist, so the
    retry must carry the same key."""
    from kshop_tui.api import errors

    return isinstance(error, errors.BackendUnreachable | errors.ServerError) or (
        isinstance(error, errors.Conflict) and error.code == "IDEMPOTENCY_IN_FLIGHT"
    )


def _left_right(left: Text, right: Text) -> Table:
    grid = Table.grid(expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    grid.add_row(left, right)
    return grid


def _items_table(quote: Quote) -> Table:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True, min_width=10)
    for line in quote.lines:
        name = Text(line.name)
        specs = "/".join(line.specs.values())
        if specs:
            name.append("  " + specs, style="dim")
        if not line.available:
            name.append("  " + t("cart.unavailable", stock=line.stock), style="bold red")
        grid.add_row(
            name,
            Text(f"{money(line.price_fen)} × {line.qty}", style="dim"),
            Text(money(line.line_total_fen)),
        )
    return grid


def _shipping_line(quote: Quote) -> Table:
    left = Text()
    rule = quote.shipping_rule
    if rule is not None:
        province = rule.province if rule.province != "*" else t("checkout.anywhere")
        left.append(province + ": ")
        if rule.free_over_fen is not None:
            left.append(
                t("checkout.free_over", amount=money(rule.free_over_fen), base=money(rule.base_fen))
            )
        else:
            left.append(t("checkout.flat_rate", base=money(rule.base_fen)))
    window = quote.estimated_delivery
    if window is not None:
        left.append(
            " · " + t("checkout.arrives", earliest=window.earliest[5:], latest=window.latest[5:]),
            style="dim",
        )
    return _left_right(left, Text(money(quote.shipping_fen)))


def _totals(quote: Quote) -> Table:
    text = Text()
    text.append(t("cart.subtotal") + " " + money(quote.subtotal_fen) + "   ", style="dim")
    text.append(t("cart.shipping") + " " + money(quote.shipping_fen) + "   ", style="dim")
    if quote.discount_fen:
        text.append(t("cart.discount") + " −" + money(quote.discount_fen), style="green")
    total = Text(t("cart.total") + " ", style="bold")
    total.append(money(quote.total_fen), style="bold yellow")
    return _left_right(text, total)


def _invoice_words(invoice: Invoice | None) -> str:
    if invoice is None:
        return t("checkout.invoice.none")
    if invoice.type == "company":
        return f"{t('checkout.invoice.company')}: {invoice.title} ({invoice.tax_id or ''})"
    return f"{t('checkout.invoice.personal')}: {invoice.title}"
