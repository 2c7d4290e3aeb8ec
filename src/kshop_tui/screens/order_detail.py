"""One order: items, address, payment, invoice, remark, the money, estimated delivery, a
timeline of what happened, and only the actions the server lists for it now (docs/api.md §3).

Also the dialogs the orders list shares with it: the cancel-reason picker, a yes/no
confirmation, reviews, contacting support and changing an unpaid order's items; and the
backend clock that counts down the time left to pay.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.receipt import export_receipt, invoice_label, payment_method_label
from kshop_tui.screen_base import ShopModal, ShopScreen
from kshop_tui.shop.session import shop_of
from kshop_tui.text import local_time, money, seconds_until
from kshop_tui.widgets.status_badge import StatusBadge, time_left
from kshop_tui.widgets.timeline import Timeline, TimelineEntry, Tone

if TYPE_CHECKING:
    from textual.app import App

    from kshop_tui.api.models import (
        Address,
        CancelReason,
        CartItem,
        Order,
        OrderAddress,
        OrderEvent,
        OrderItem,
        Quote,
    )

WIDE_ENOUGH_FOR_COLUMNS = 110
REFRESH_SECONDS = 5.0
QUOTE_DEBOUNCE_SECONDS = 0.3
MAX_PER_LINE = 99
REVIEW_MAX = 500
SUBJECT_MAX = 60
MESSAGE_MAX = 1000


# --- what the server's action names need ------------------------------------------------


def after_sale_wizard() -> Callable[[int], Screen[Any]] | None:
    """The after-sale wizard (built with an order id) where this build has it, else None."""
    if importlib.util.find_spec("kshop_tui.screens.after_sale") is None:
        return None
    module = importlib.import_module("kshop_tui.screens.after_sale")
    wizard: Callable[[int], Screen[Any]] | None = getattr(module, "AfterSaleWizard", None)
    return wizard


async def pay_pending_order(
    app: App[Any], order_id: int, total_fen: int, *, from_detail: bool
) -> None:
    """Runs the payment flow (the payment screens own it) for an unpaid order, then goes
    where its result screen asked; asking for this order's detail from its detail stays."""
    from kshop_tui.screens.payment import PayOrderFlow, open_next_step

    result = await PayOrderFlow(app, order_id, total_fen).run()
    if result.next == "detail" and from_detail:
        return
    await open_next_step(app, result.next, order_id)


async def cancel_with_reason(
    app: App[Any], order_id: int, order_no: str, paid: bool
) -> Order | None:
    """Asks why, then cancels; answers the cancelled order, or None (backed out, refused)."""
    shop = shop_of(app)
    from kshop_tui.api import errors

    try:
        reasons = await shop.run_api(lambda api: api.cancel_reasons(), needs_login=True)
    except LoginCancelled:
        return None
    except errors.ApiError as error:
        shop.show_error(error)
        return None
    code = await app.push_screen_wait(CancelReasonPicker(order_no, reasons, paid=paid))
    if code is None:
        return None
    try:
        order = await shop.run_api(lambda api: api.cancel_order(order_id, code), needs_login=True)
    except LoginCancelled:
        return None
    except errors.ApiError as error:
        shop.show_error(error)
        return None
    if order.refunded_fen:
        app.notify(t("orders.cancelled_refunded", amount=money(order.refunded_fen)))
    else:
        app.notify(t("orders.cancelled", order_no=order.order_no), markup=False)
    return order


def address_id_of(snapshot: OrderAddress, addresses: list[Address]) -> int | None:
    """Which address-book entry an order's address snapshot came from, if it is still there."""
    for address in addresses:
        same = (
            address.name == snapshot.name
            and address.phone == snapshot.phone
            and address.one_line() == snapshot.one_line()
        )
        if same:
            return address.id
    return None


# --- the screen ------------------------------------------------------------------------

# Screen action → the server's action name that allows it.
SERVER_ACTIONS = {
    "pay": "pay",
    "change_address": "change_address",
    "change_items": "change_items",
    "cancel_order": "cancel",
    "confirm_receipt": "confirm_receipt",
    "track": "track",
    "review": "review",
    "after_sale": "after_sale",
    "buy_again": "buy_again",
}
NEEDS_AN_ORDER = {"contact_support", "export_receipt"}


class OrderDetailScreen(ShopScreen):
    CSS_PATH = "order_detail.tcss"
    BINDINGS = [
        Binding("p", "pay", "orders.key.pay", id="orders.pay"),
        Binding("a", "change_address", "orders.key.change_address", id="orders.change_address"),
        Binding("i", "change_items", "orders.key.change_items", id="orders.change_items"),
        Binding("x", "cancel_order", "orders.key.cancel_order", id="orders.cancel"),
        Binding("y", "confirm_receipt", "orders.key.confirm_receipt", id="orders.confirm_receipt"),
        Binding("t", "track", "orders.key.track", id="orders.track"),
        Binding("v", "review", "orders.key.review", id="orders.review"),
        Binding("r", "after_sale", "orders.key.after_sale", id="orders.after_sale"),
        Binding("n", "buy_again", "orders.key.buy_again", id="orders.buy_again"),
        Binding("s", "contact_support", "orders.key.contact_support", id="orders.support"),
        Binding("e", "export_receipt", "orders.key.export_receipt", id="orders.export"),
    ]

    order: reactive[Order | None] = reactive(None, init=False)
    """The order as the server last described it."""

    def __init__(self, order_id: int) -> None:
        super().__init__()
        self.order_id = order_id
        self._countdown: Timer | None = None

    def where(self) -> str:
        return t("orders.title")

    def compose_body(self) -> ComposeResult:
        yield LoadingIndicator(id="detail-loading")
        with VerticalScroll(id="detail-body"):
            with Horizontal(id="detail-title"):
                yield Static(id="detail-order-no")
                yield StatusBadge(id="detail-status")
            yield Static(id="detail-deadline")
            with Horizontal(id="detail-columns"):
                with Vertical(id="detail-main"):
                    yield Static(t("orders.section.items"), classes="section-title")
                    yield Static(id="detail-items")
                    yield Static(id="detail-info")
                    yield Static(t("orders.section.money"), classes="section-title")
                    yield Static(id="detail-money")
                with Vertical(id="detail-side"):
                    yield Static(t("orders.section.timeline"), classes="section-title")
                    yield Timeline(id="detail-timeline")
        yield Static(id="detail-error", classes="error-text")

    def on_mount(self) -> None:
        self.query_one("#detail-body").display = False
        self._countdown = self.set_interval(1.0, self.tick, pause=True)
        self.set_interval(REFRESH_SECONDS, self._refresh_if_visible)
        self.load()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE_ENOUGH_FOR_COLUMNS, "-wide")

    # --- loading and drawing -------------------------------------------------------

    @work(exclusive=True, group="order-detail")
    async def load(self) -> None:
        from kshop_tui.api import errors

        order_id = self.order_id
        try:
            order = await self.shop.run_api(lambda api: api.order(order_id), needs_login=True)
        except LoginCancelled:
            self.dismiss_screen()
            return
        except errors.ApiError as error:
            self.query_one("#detail-loading").display = False
            self.query_one("#detail-error", Static).update(Text(error.message))
            return
        first_load = self.order is None
        self.order = order
        if first_load:
            self.query_one("#detail-body").focus()  # ↑↓ PgUp PgDn scroll the order
        self.tick()

    def _refresh_if_visible(self) -> None:
        if self.is_current and self.order is not None:
            self.refresh_quietly()

    @work(exclusive=True, group="order-refresh")
    async def refresh_quietly(self) -> None:
        """Re-asks the order so the merchant's moves show while it is open; a failed
        background ask changes nothing (the banner tells of an outage)."""
        from kshop_tui.api import errors

        order_id, asked_about = self.order_id, self.order
        try:
            order = await self.shop.run_api(lambda api: api.order(order_id))
        except errors.ApiError:
            return
        if self.order is asked_about:  # else an action's answer came first and is newer
            self.order = order

    def on_screen_resume(self) -> None:
        # Back from tracking, a payment or an after-sale: show what happened there.
        if self.order is not None:
            self.refresh_quietly()

    def dismiss_screen(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def watch_order(self, order: Order | None) -> None:
        if order is None:
            return
        self.query_one("#detail-loading").display = False
        self.query_one("#detail-error", Static).update("")
        self.query_one("#detail-body").display = True
        self.set_where(f"{t('orders.title')} › {order.order_no}")
        self.query_one("#detail-order-no", Static).update(Text(order.order_no, style="bold"))
        self.query_one(StatusBadge).show(order.status, order.after_sale_status)
        self.query_one("#detail-items", Static).update(_items_table(order.items))
        self.query_one("#detail-info", Static).update(_info_table(order))
        self.query_one("#detail-money", Static).update(_money_table(order))
        self.query_one(Timeline).entries = tuple(_timeline_entries(order.timeline))
        deadline = self.query_one("#detail-deadline", Static)
        deadline.display = order.auto_cancel_at is not None
        assert self._countdown is not None
        if order.auto_cancel_at is not None:
            self._countdown.resume()
        else:
            self._countdown.pause()
        self.refresh_bindings()

    def tick(self) -> None:
        """Redraws the time left to pay (every second while the order is unpaid)."""
        order = self.order
        if order is None or order.auto_cancel_at is None:
            return
        left = seconds_until(order.auto_cancel_at, self.shop.clock.now())
        deadline = self.query_one("#detail-deadline", Static)
        if left <= 0:
            deadline.update(Text(t("orders.pay_expired"), style="bold"))
            assert self._countdown is not None
            self._countdown.pause()
            self.load()
            return
        words = t(
            "orders.pay_within",
            time=time_left(left),
            at=local_time(order.auto_cancel_at, "%H:%M"),
        )
        deadline.update(Text(words))

    # --- which keys work -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NEEDS_AN_ORDER:
            return self.order is not None
        needed = SERVER_ACTIONS.get(action)
        if needed is None:
            return True
        if self.order is None or needed not in self.order.actions:
            return False
        if needed == "after_sale":
            return after_sale_wizard() is not None
        return True

    def offered_actions(self) -> list[str]:
        """The server's action names this screen offers now (shown in the footer)."""
        return [
            needed
            for action, needed in SERVER_ACTIONS.items()
            if self.check_action(action, ()) is True
        ]

    # --- actions -------------------------------------------------------------------

    def action_pay(self) -> None:
        self.pay()

    @work(group="order-pay")
    async def pay(self) -> None:
        order = self.order
        if order is None:
            return
        await pay_pending_order(self.app, order.id, order.total_fen, from_detail=True)
        self.load()

    def action_cancel_order(self) -> None:
        self.cancel_order()

    @work(group="order-cancel")
    async def cancel_order(self) -> None:
        order = self.order
        if order is None:
            return
        paid = order.status != "pending_payment"
        cancelled = await cancel_with_reason(self.app, order.id, order.order_no, paid)
        if cancelled is not None:
            self.order = cancelled

    def action_confirm_receipt(self) -> None:
        self.confirm_receipt()

    @work(group="order-confirm")
    async def confirm_receipt(self) -> None:
        from kshop_tui.api import errors

        order = self.order
        if order is None:
            return
        question = ConfirmDialog(t("orders.confirm_title"), t("orders.confirm_body"))
        if not await self.app.push_screen_wait(question):
            return
        try:
            confirmed = await self.shop.run_api(
                lambda api: api.confirm_receipt(order.id), needs_login=True
            )
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        self.order = confirmed
        self.notify(t("orders.confirmed"))

    def action_track(self) -> None:
        from kshop_tui.screens.logistics import LogisticsScreen

        self.app.push_screen(LogisticsScreen(order_id=self.order_id))

    def action_review(self) -> None:
        self.review()

    @work(group="order-review")
    async def review(self) -> None:
        order = self.order
        if order is None:
            return
        written = await self.app.push_screen_wait(ReviewDialog(order))
        if written:
            self.notify(t("orders.review.thanks"))
            self.load()

    def action_after_sale(self) -> None:
        wizard = after_sale_wizard()
        if wizard is not None:
            self.app.push_screen(wizard(self.order_id))

    def action_contact_support(self) -> None:
        self.contact_support()

    @work(group="order-support")
    async def contact_support(self) -> None:
        order = self.order
        if order is None:
            return
        if await self.app.push_screen_wait(ContactSupportDialog(order)):
            self.notify(t("orders.support.sent"))

    def action_buy_again(self) -> None:
        self.buy_again()

    @work(group="order-buy-again")
    async def buy_again(self) -> None:
        from kshop_tui.api import errors
        from kshop_tui.shop.cart_outbox import CartChange

        order = self.order
        if order is None:
            return
        added = 0
        for item in order.items:
            try:
                await self.shop.change_cart(CartChange("add", sku_id=item.sku_id, qty=item.qty))
            except LoginCancelled:
                return
            except errors.ApiError as error:
                self.notify(
                    t("orders.buy_again_refused", name=item.name, reason=error.message),
                    severity="warning",
                    markup=False,
                )
                continue
            added += 1
        if added:
            self.notify(t("orders.buy_again_done", count=added))

    def action_change_address(self) -> None:
        self.change_address()

    @work(group="order-address")
    async def change_address(self) -> None:
        from kshop_tui.api import errors
        from kshop_tui.screens.address_book import AddressBookModal

        order = self.order
        if order is None:
            return
        try:
            addresses = await self.shop.run_api(lambda api: api.addresses(), needs_login=True)
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        current_id = address_id_of(order.address, addresses)
        chosen = await self.app.push_screen_wait(AddressBookModal(current_id))
        if chosen is None or chosen.id == current_id:
            return
        try:
            changed = await self.shop.run_api(
                lambda api: api.change_order_address(order.id, chosen.id), needs_login=True
            )
        except errors.ApiError as error:
            self.shop.show_error(error)
            self.load()
            return
        self.order = changed
        self.notify(t("orders.address_changed", total=money(changed.total_fen)))

    def action_change_items(self) -> None:
        self.change_items()

    @work(group="order-items")
    async def change_items(self) -> None:
        order = self.order
        if order is None:
            return
        changed = await self.app.push_screen_wait(ChangeItemsDialog(order))
        if changed is not None:
            self.order = changed
            self.tick()
            self.notify(t("orders.items_changed", total=money(changed.total_fen)))

    def action_export_receipt(self) -> None:
        self.export()

    @work(group="order-export")
    async def export(self) -> None:
        order = self.order
        if order is None:
            return
        try:
            text_path, svg_path = await export_receipt(self.app, self.shop.options.data_dir, order)
        except OSError as error:
            self.notify(t("receipt.failed", reason=str(error)), severity="error", markup=False)
            return
        self.notify(
            t("receipt.saved", text=str(text_path), svg=str(svg_path)),
            title=t("receipt.title"),
            markup=False,
            timeout=8,
        )


# --- drawing helpers ---------------------------------------------------------------------


def _items_table(items: list[OrderItem]) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(ratio=1)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for item in items:
        name = Text(item.name, overflow="ellipsis")
        details = "/".join(item.specs.values())
        if details:
            name.append("\n" + details, style="dim")
        if item.refunded:
            name.append("  " + t("orders.item.refunded"), style="dim")
        if item.reviewed:
            name.append("  " + t("orders.item.reviewed"), style="dim")
        each = Text(f"{money(item.price_fen)} × {item.qty}")
        table.add_row(name, each, Text(money(item.line_total_fen)))
    return table


def _info_table(order: Order) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    address = order.address
    ship_to = Text(f"{address.name}  {address.phone_masked}\n{address.one_line()}")
    table.add_row(Text(t("orders.field.ship_to")), ship_to)
    method = payment_method_label(order.paid_method or order.payment_method)
    if order.paid_at:
        payment = Text(f"{method} · {t('orders.paid_at', at=local_time(order.paid_at))}")
    else:
        payment = Text(f"{method} · {t('orders.unpaid')}")
    table.add_row(Text(t("orders.field.payment")), payment)
    table.add_row(Text(t("orders.field.placed")), Text(local_time(order.created_at)))
    if order.estimated_delivery is not None and order.status in (
        "pending_payment",
        "awaiting_shipment",
        "shipped",
    ):
        window = order.estimated_delivery
        table.add_row(
            Text(t("orders.field.delivery")),
            Text(t("orders.delivery_window", earliest=window.earliest, latest=window.latest)),
        )
    if order.carrier and order.tracking_no:
        table.add_row(Text(t("orders.field.parcel")), Text(f"{order.carrier} {order.tracking_no}"))
    if order.coupon is not None:
        table.add_row(Text(t("orders.field.coupon")), Text(order.coupon.title))
    table.add_row(Text(t("orders.field.invoice")), Text(invoice_label(order.invoice)))
    if order.remark:
        table.add_row(Text(t("orders.field.remark")), Text(order.remark))
    if order.cancel_reason:
        table.add_row(Text(t("orders.field.cancel_reason")), Text(order.cancel_reason))
    return table


def _money_table(order: Order) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_row(Text(t("orders.money.subtotal")), Text(money(order.subtotal_fen)))
    table.add_row(Text(t("orders.money.shipping")), Text(money(order.shipping_fen)))
    if order.discount_fen:
        table.add_row(Text(t("orders.money.discount")), Text(money(-order.discount_fen)))
    table.add_row(
        Text(t("orders.money.total"), style="bold"), Text(money(order.total_fen), style="bold")
    )
    if order.refunded_fen:
        table.add_row(Text(t("orders.money.refunded")), Text(money(-order.refunded_fen)))
    return table


def event_title(status: str) -> str:
    label = t(f"orders.event.{status}")
    return status.replace("_", " ") if label == f"orders.event.{status}" else label


def _timeline_entries(events: list[OrderEvent]) -> list[TimelineEntry]:
    entries = []
    for index, event in enumerate(reversed(events)):
        tone: Tone = "current" if index == 0 else "normal"
        entries.append(
            TimelineEntry(
                at=local_time(event.at, "%m-%d %H:%M"),
                title=event_title(event.status),
                detail=event.note,
                tone=tone,
            )
        )
    return entries


# --- dialogs ---------------------------------------------------------------------------


class CancelReasonPicker(ShopModal):
    """Why the order is cancelled: dismisses with a `CancelReason.code`, or None."""

    CSS_PATH = "order_detail.tcss"

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
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#cancel-reasons")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ConfirmDialog(ShopModal):
    """A yes/no question: dismisses True on enter or `y`, None on escape."""

    CSS_PATH = "order_detail.tcss"
    BINDINGS = [
        Binding("enter,y", "confirm", "orders.key.confirm", id="confirm.yes"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(Text(self.message), classes="dialog-intro")
        yield Footer()

    def action_confirm(self) -> None:
        self.dismiss(True)


class RatingPicker(Widget, can_focus=True):
    """One to five stars: ←/→ or the digits 1–5."""

    DEFAULT_CSS = """
    RatingPicker { width: auto; height: 1; padding: 0 1; color: $text-warning; }
    RatingPicker:focus { background: $primary 30%; }
    """
    BINDINGS = [
        Binding("right,plus,equals_sign", "change(1)", "key.more", id="rating.more"),
        Binding("left,minus", "change(-1)", "key.less", id="rating.less"),
        *[Binding(str(n), f"set({n})", show=False) for n in range(1, 6)],
    ]

    value: reactive[int] = reactive(5)
    """The stars chosen, 1–5."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self)

    def render(self) -> Text:
        return Text("★" * self.value + "☆" * (5 - self.value) + f"  {self.value}/5")

    def action_change(self, delta: int) -> None:
        self.value = min(5, max(1, self.value + delta))

    def action_set(self, stars: int) -> None:
        self.value = stars


class ReviewDialog(ShopModal):
    """Rates and reviews one item of a completed order; each item once. Dismisses with
    True once a review is written, None when the user backs out."""

    CSS_PATH = "order_detail.tcss"
    BINDINGS = [Binding("ctrl+s", "submit", "orders.key.send", id="orders.review.send")]

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="review-dialog") as dialog:
            dialog.border_title = t("orders.review.title", order_no=self.order.order_no)
            options = []
            for item in self.order.items:
                label = Text(item.name, overflow="ellipsis", no_wrap=True)
                specs = "/".join(item.specs.values())
                if specs:
                    label.append("  " + specs, style="dim")
                if item.reviewed:
                    label.append("  " + t("orders.item.reviewed"), style="dim")
                options.append(Option(label, id=str(item.id)))
            yield OptionList(*options, id="review-items")
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.review.rating"), classes="dialog-label")
                yield RatingPicker(id="review-rating")
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.review.text"), classes="dialog-label")
                yield Input(
                    placeholder=t("orders.review.placeholder"),
                    max_length=REVIEW_MAX,
                    id="review-text",
                )
            yield Static(id="review-error", classes="field-error")
            yield Static(Text(t("orders.review.hint")), classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        items = self.query_one("#review-items", OptionList)
        first_open = next((i for i, item in enumerate(self.order.items) if not item.reviewed), 0)
        items.highlighted = first_open
        items.focus()

    @on(OptionList.OptionSelected, "#review-items")
    def _item_chosen(self) -> None:
        self.query_one(RatingPicker).focus()

    @on(Input.Submitted, "#review-text")
    def _text_submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        self.submit()

    @work(exclusive=True, group="review-submit")
    async def submit(self) -> None:
        from kshop_tui.api import errors

        index = self.query_one("#review-items", OptionList).highlighted
        error_line = self.query_one("#review-error", Static)
        if index is None:
            return
        item = self.order.items[index]
        rating = self.query_one(RatingPicker).value
        text = self.query_one("#review-text", Input).value.strip()
        if not text:
            error_line.update(Text(t("orders.review.text_needed")))
            self.query_one("#review-text", Input).focus()
            return
        error_line.update(Text(t("orders.review.sending"), style="dim"))
        order_id = self.order.id
        try:
            await self.shop.run_api(
                lambda api: api.review_order(order_id, rating, text, item_id=item.id),
                needs_login=True,
            )
        except errors.ValidationFailed as error:
            error_line.update(Text(error.fields.get("text") or error.message))
            return
        except errors.ApiError as error:
            error_line.update(Text(error.message))
            return
        self.dismiss(True)


class ContactSupportDialog(ShopModal):
    """A message to the merchant about this order; dismisses True once sent."""

    CSS_PATH = "order_detail.tcss"
    BINDINGS = [Binding("ctrl+s", "send", "orders.key.send", id="orders.support.send")]

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="support-dialog") as dialog:
            dialog.border_title = t("orders.support.title", order_no=self.order.order_no)
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.support.subject"), classes="dialog-label")
                yield Input(
                    t("orders.support.default_subject", order_no=self.order.order_no),
                    max_length=SUBJECT_MAX,
                    id="support-subject",
                )
            yield Static(id="support-subject-error", classes="field-error")
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.support.message"), classes="dialog-label")
                yield Input(
                    placeholder=t("orders.support.placeholder"),
                    max_length=MESSAGE_MAX,
                    id="support-message",
                )
            yield Static(id="support-message-error", classes="field-error")
            yield Static(Text(t("orders.support.hint")), classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#support-message", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        self.send()

    @work(exclusive=True, group="support-send")
    async def send(self) -> None:
        from kshop_tui.api import errors

        subject = self.query_one("#support-subject", Input).value.strip()
        message = self.query_one("#support-message", Input).value.strip()
        subject_error = self.query_one("#support-subject-error", Static)
        message_error = self.query_one("#support-message-error", Static)
        subject_error.update(Text(t("valid.required")) if not subject else "")
        message_error.update(Text(t("valid.required")) if not message else "")
        if not subject or not message:
            return
        order_id = self.order.id
        try:
            await self.shop.run_api(
                lambda api: api.open_thread(subject, message, order_id), needs_login=True
            )
        except errors.ValidationFailed as error:
            fields = error.fields
            subject_error.update(Text(fields.get("subject", "")))
            message_error.update(Text(fields.get("message") or error.message))
            return
        except errors.ApiError as error:
            message_error.update(Text(error.message))
            return
        self.dismiss(True)


@dataclass
class DraftLine:
    """A line of the order as the user is changing it. The price is the server's latest
    word on it: the order's, the cart's, then each quote's."""

    sku_id: int
    name: str
    specs: dict[str, str]
    price_fen: int
    qty: int


def held_stock(order: Order) -> dict[int, int]:
    """Pieces per SKU the order holds now: they are its to keep when it is changed."""
    held: dict[int, int] = {}
    for item in order.items:
        held[item.sku_id] = held.get(item.sku_id, 0) + item.qty
    return held


class ChangeItemsDialog(ShopModal):
    """An unpaid order's lines: `+`/`-` quantity, `d` remove a line, `a` add one from the
    cart. Below them the server's quote of the change, asked again after every change:
    the coupon kept or why not, shipping to the order's province, the new total beside
    today's. `ctrl+s` saves. Dismisses with the changed order, or None."""

    CSS_PATH = "order_detail.tcss"
    BINDINGS = [
        Binding("plus,equals_sign", "change_qty(1)", "key.more", id="items.more"),
        Binding("minus", "change_qty(-1)", "key.less", id="items.less"),
        Binding("d,delete", "remove", "key.remove", id="items.remove"),
        Binding("a", "add_from_cart", "orders.key.add_from_cart", id="items.add"),
        Binding("ctrl+s", "save", "orders.key.save", id="items.save"),
    ]

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order
        self.lines = [
            DraftLine(item.sku_id, item.name, dict(item.specs), item.price_fen, item.qty)
            for item in order.items
        ]
        self.held = held_stock(order)
        self.flags: dict[int, str] = {}
        """SKU → why that line cannot be had as it stands (the quote's or the save's words)."""
        self._quote_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="items-dialog") as dialog:
            dialog.border_title = t("orders.change_items.title", order_no=self.order.order_no)
            table: DataTable[Text] = DataTable(id="items-table", cursor_type="row")
            yield table
            yield Static(id="items-status")
            yield Static(id="items-quote")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#items-status").display = False
        table = self.query_one(DataTable)
        table.add_column(Text(t("cart.col.product")), key="product", width=46)
        table.add_column(Text(t("cart.col.price"), justify="right"), key="price", width=10)
        table.add_column(Text(t("cart.col.qty"), justify="right"), key="qty", width=4)
        self._fill()
        table.focus()
        self.refresh_quote()

    def wanted(self) -> list[tuple[int, int]]:
        """The lines as the server takes them: (sku_id, qty)."""
        return [(line.sku_id, line.qty) for line in self.lines]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for line in self.lines:
            name = Text(no_wrap=True, overflow="ellipsis")
            if line.sku_id in self.flags:
                name.append("⚠ ", style="bold red")
            name.append(line.name)
            specs = "/".join(line.specs.values())
            if specs:
                name.append(" " + specs, style="dim")
            table.add_row(
                name,
                Text(money(line.price_fen), justify="right"),
                Text(str(line.qty), justify="right"),
            )
        if self.lines:
            table.move_cursor(row=min(keep, len(self.lines) - 1))

    def _status(self, words: str, *, error: bool = False) -> None:
        status = self.query_one("#items-status", Static)
        status.update(Text(words))
        status.display = bool(words)
        status.set_class(error, "error-text")
        status.set_class(not error, "muted")

    def _changed(self, status: str = "") -> None:
        self._fill()
        self._status(status)
        if self._quote_timer is not None:
            self._quote_timer.stop()
        self._quote_timer = self.set_timer(QUOTE_DEBOUNCE_SECONDS, self.refresh_quote)

    def action_change_qty(self, delta: int) -> None:
        row = self.query_one(DataTable).cursor_row
        if not 0 <= row < len(self.lines):
            return
        line = self.lines[row]
        new_qty = min(MAX_PER_LINE, max(1, line.qty + delta))
        if new_qty != line.qty:
            line.qty = new_qty
            self._changed()

    def action_remove(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if not 0 <= row < len(self.lines):
            return
        if len(self.lines) == 1:
            self._status(t("orders.change_items.last_line"), error=True)
            return
        removed = self.lines.pop(row)
        self.flags.pop(removed.sku_id, None)
        self._changed()

    # --- adding from the cart --------------------------------------------------------

    def refusal(self, item: CartItem) -> str | None:
        """Why one more of a cart line cannot go into the order, or None. The stock this
        order holds is its own, so it counts as available."""
        in_order = next((line.qty for line in self.lines if line.sku_id == item.sku_id), 0)
        available = item.stock + self.held.get(item.sku_id, 0)
        if in_order >= MAX_PER_LINE:
            return t("orders.add_from_cart.max_per_line", max=MAX_PER_LINE)
        if available <= 0:
            return t("orders.add_from_cart.sold_out")
        if in_order >= available:
            return t("orders.add_from_cart.all_in_order", count=available)
        return None

    def action_add_from_cart(self) -> None:
        self.add_from_cart()

    @work(exclusive=True, group="items-add")
    async def add_from_cart(self) -> None:
        from kshop_tui.api import errors

        self._status(t("orders.add_from_cart.loading"))
        try:
            cart = await self.shop.run_api(lambda api: api.cart(), needs_login=True)
        except LoginCancelled:
            self._status("")
            return
        except errors.ApiError as error:
            self._status(error.message, error=True)
            return
        if not cart.items:
            self._status(t("orders.add_from_cart.empty"))
            return
        self._status("")
        choices = [(item, self.refusal(item)) for item in cart.items]
        picked = await self.app.push_screen_wait(AddFromCartPicker(choices))
        if picked is not None:
            self.add_line(picked)

    def add_line(self, item: CartItem) -> None:
        """One more of a cart line's SKU: a new line, or one more on the line it is already."""
        index = next((i for i, line in enumerate(self.lines) if line.sku_id == item.sku_id), None)
        if index is None:
            self.lines.append(
                DraftLine(item.sku_id, item.name, dict(item.specs), item.price_fen, 1)
            )
            index = len(self.lines) - 1
        else:
            line = self.lines[index]
            line.qty = min(MAX_PER_LINE, line.qty + 1)
        self._changed(t("orders.add_from_cart.added", name=item.name))
        self.query_one(DataTable).move_cursor(row=index)

    # --- the server's word ---------------------------------------------------------------

    @work(exclusive=True, group="items-quote")
    async def refresh_quote(self) -> None:
        from kshop_tui.api import errors

        wanted = self.wanted()
        summary = self.query_one("#items-quote", Static)
        summary.update(Text(t("cart.quoting"), style="dim"))
        order_id = self.order.id
        coupon_id = self.order.coupon.id if self.order.coupon is not None else None
        coupon_refusal: str | None = None
        try:
            try:
                quote = await self.shop.run_api(
                    lambda api: api.quote(items=wanted, order_id=order_id, coupon_id=coupon_id),
                    needs_login=True,
                )
            except errors.ValidationFailed as error:
                if coupon_id is None or "coupon_id" not in error.fields:
                    raise
                # Saving would return the coupon to the user: price it without, say why.
                coupon_refusal = error.fields["coupon_id"]
                quote = await self.shop.run_api(
                    lambda api: api.quote(items=wanted, order_id=order_id), needs_login=True
                )
        except LoginCancelled:
            self.dismiss(None)
            return
        except errors.ApiError as error:
            if wanted == self.wanted():
                summary.update(Text(error.message))
            return
        if wanted != self.wanted():
            return  # changed meanwhile: the quote for that is on its way
        self.flags = {
            problem.sku_id: problem.message
            for problem in quote.problems
            if problem.code in ("sold_out", "insufficient_stock")
        }
        prices = {line.sku_id: line.price_fen for line in quote.lines}
        for line in self.lines:
            line.price_fen = prices.get(line.sku_id, line.price_fen)
        self._fill()
        summary.update(change_summary(quote, self.order, coupon_refusal))

    def action_save(self) -> None:
        self.save()

    @work(exclusive=True, group="items-save")
    async def save(self) -> None:
        from kshop_tui.api import errors

        wanted = self.wanted()
        order_id = self.order.id
        self._status(t("orders.change_items.saving"))
        try:
            # A PUT of the whole list: sending it again after a lost answer changes nothing.
            changed = await self.shop.run_api(
                lambda api: api.change_order_items(order_id, wanted), needs_login=True
            )
        except LoginCancelled:
            self._status("")
            return
        except errors.ApiError as error:
            self._status(error.message, error=True)
            short_sku = error.details.get("sku_id")
            row = next((i for i, (sku, _) in enumerate(wanted) if sku == short_sku), None)
            if row is not None and isinstance(short_sku, int):
                self.flags[short_sku] = error.message
                self._fill()
                self.query_one(DataTable).move_cursor(row=row)
            self.refresh_quote()
            return
        self.dismiss(changed)


def change_summary(quote: Quote, order: Order, coupon_refusal: str | None) -> RenderableType:
    """The quote of a change, on the same basis as the order's total: after the coupon
    when it still applies, shipping to the order's province."""
    goods = Text(t("cart.subtotal") + " " + money(quote.subtotal_fen) + "   ")
    rule = quote.shipping_rule
    province = rule.province if rule is not None else "*"
    place = province if province != "*" else t("checkout.anywhere")
    goods.append(t("orders.items_edit.shipping", province=place, amount=money(quote.shipping_fen)))
    if rule is not None:
        terms = (
            t("orders.items_edit.free_over", amount=money(rule.free_over_fen))
            if rule.free_over_fen is not None
            else t("orders.items_edit.flat_rate", base=money(rule.base_fen))
        )
        goods.append(" " + terms, style="dim")
    rows: list[RenderableType] = [goods]
    if order.coupon is not None:
        if coupon_refusal is None:
            words = t(
                "orders.items_edit.coupon_kept",
                title=order.coupon.title,
                amount=money(quote.discount_fen),
            )
            rows.append(Text(words, style="green"))
        else:
            words = t(
                "orders.items_edit.coupon_dropped", title=order.coupon.title, reason=coupon_refusal
            )
            rows.append(Text(words, style="yellow"))
    total = Text(t("orders.items_edit.new_total", total=money(quote.total_fen)), style="bold")
    total.append("  " + t("orders.items_edit.now", total=money(order.total_fen)), style="dim")
    rows.append(total)
    rows.extend(Text("⚠ " + problem.message, style="bold red") for problem in quote.problems)
    return Group(*rows)


class AddFromCartPicker(ShopModal):
    """The cart's lines, selected or not, to put one of into an order: each with its spec,
    price and stock. Those that cannot go in are dimmed with the reason, and picking one
    says so instead. Dismisses with the chosen `CartItem`, or None; the cart is unchanged."""

    CSS_PATH = "order_detail.tcss"

    def __init__(self, choices: list[tuple[CartItem, str | None]]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-dialog") as dialog:
            dialog.border_title = t("orders.add_from_cart.title")
            yield DataTable(id="add-table", cursor_type="row")
            yield Static(id="add-error", classes="field-error")
            yield Static(Text(t("orders.add_from_cart.hint")), classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column(Text(t("cart.col.product")), key="product", width=38)
        table.add_column(Text(t("cart.col.price"), justify="right"), key="price", width=10)
        table.add_column(Text(t("orders.add_from_cart.col.stock")), key="stock", width=16)
        for item, refusal in self.choices:
            style = "dim" if refusal is not None else ""
            name = Text(item.name, style=style, no_wrap=True, overflow="ellipsis")
            specs = "/".join(item.specs.values())
            if specs:
                name.append(" " + specs, style="dim")
            stock = refusal or t("orders.add_from_cart.in_stock", count=item.stock)
            table.add_row(
                name,
                Text(money(item.price_fen), style=style, justify="right"),
                Text(stock, style=style, no_wrap=True, overflow="ellipsis"),
            )
        first_addable = next((i for i, (_, why) in enumerate(self.choices) if why is None), 0)
        table.move_cursor(row=first_addable)
        table.focus()

    @on(DataTable.RowSelected, "#add-table")
    def _picked(self, event: DataTable.RowSelected) -> None:
        item, refusal = self.choices[event.cursor_row]
        if refusal is not None:
            words = t("orders.add_from_cart.refused", name=item.name, reason=refusal)
            self.query_one("#add-error", Static).update(Text(words))
            return
        self.dismiss(item)
