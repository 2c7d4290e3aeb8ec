"""One order: items, address, payment, invoice, remark, the money, estimated delivery, a
timeline of what happened, and only the actions the server lists for it now (docs/api.md §3).
The backend clock counts down the time left to pay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import LoadingIndicator, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.orders.cancel import ask_reason_and_cancel
from kshop_tui.screens.orders.change_items import ChangeItemsDialog
from kshop_tui.screens.orders.codes import OrderCodesModal
from kshop_tui.screens.orders.confirm_receipt import ConfirmReceiptDialog
from kshop_tui.screens.orders.contact import ContactSupportDialog
from kshop_tui.screens.orders.order_view import (
    info_table,
    items_table,
    money_table,
    timeline_entries,
)
from kshop_tui.screens.orders.paying import pay_and_follow
from kshop_tui.screens.orders.receipt import export_receipt
from kshop_tui.screens.orders.review import ReviewDialog
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.booking import reschedule as reschedule_order
from kshop_tui.shop.flows.orders import (
    add_to_cart_again,
    address_id_of,
    offered_actions,
    order_allows,
    refusal_words,
    repeat_lines,
)
from kshop_tui.text import local_time, money, seconds_until
from kshop_tui.widgets.status_badge import StatusBadge, time_left
from kshop_tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from kshop_tui.api.models import Address, Order, Slot

WIDE_ENOUGH_FOR_COLUMNS = 110
REFRESH_SECONDS = 5.0


class OrderDetailScreen(ShopScreen):
    CSS_PATH = "detail.tcss"
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
        Binding(
            "N",
            "buy_again_elsewhere",
            "orders.key.buy_again_elsewhere",
            id="orders.buy_again_elsewhere",
        ),
        Binding("s", "contact_support", "orders.key.contact_support", id="orders.support"),
        Binding("e", "export_receipt", "orders.key.export_receipt", id="orders.export"),
        Binding("k", "view_codes", "kinds.key.codes", id="orders.view_codes"),
        Binding("m", "reschedule", "kinds.key.reschedule", id="orders.reschedule"),
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
        order_id = self.order_id

        def refused(error: errors.ApiError) -> None:
            self.query_one("#detail-loading").display = False
            self.query_one("#detail-error", Static).update(Text(error_words(error)))

        order = await self.shop.attempt(
            lambda api: api.order(order_id),
            needs_login=True,
            on_refusal=refused,
            on_login_cancelled=self.dismiss_screen,
        )
        if order is None:
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
        self.query_one("#detail-items", Static).update(items_table(order.items))
        self.query_one("#detail-info", Static).update(info_table(order, self.shop.clock.now()))
        self.query_one("#detail-money", Static).update(money_table(order))
        self.query_one(Timeline).entries = tuple(
            timeline_entries(order.timeline, self.shop.clock.now())
        )
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
        return order_allows(action, self.order)

    def refusal(self, action: str) -> str | None:
        order = self.order
        if order is None or order_allows(action, order):
            return None
        return refusal_words(action, order)

    def offered_actions(self) -> list[str]:
        """The server's action names this screen offers now (shown in the footer)."""
        return offered_actions(self.order)

    # --- actions -------------------------------------------------------------------

    def action_pay(self) -> None:
        self.pay()

    @work(group="order-pay")
    async def pay(self) -> None:
        order = self.order
        if order is None:
            return
        await pay_and_follow(self, order.id, order.total_fen, on_its_detail=True)
        self.load()

    def action_cancel_order(self) -> None:
        self.cancel_order()

    @work(group="order-cancel")
    async def cancel_order(self) -> None:
        order = self.order
        if order is None:
            return
        paid = order.status != "pending_payment"
        cancelled = await ask_reason_and_cancel(self, order.id, order.order_no, paid)
        if cancelled is not None:
            self.order = cancelled

    def action_confirm_receipt(self) -> None:
        self.confirm_receipt()

    @work(group="order-confirm")
    async def confirm_receipt(self) -> None:
        order = self.order
        if order is None:
            return
        if not await self.app.push_screen_wait(ConfirmReceiptDialog()):
            return
        confirmed = await self.shop.attempt(
            lambda api: api.confirm_receipt(order.id), needs_login=True
        )
        if confirmed is None:
            return
        self.order = confirmed
        self.notify(t("orders.confirmed"))

    def action_view_codes(self) -> None:
        self.view_codes()

    @work(group="order-codes")
    async def view_codes(self) -> None:
        order = self.order
        if order is None:
            return
        if await self.app.push_screen_wait(OrderCodesModal(order)):
            self.load()  # the codes were viewed: the order no longer offers a refund

    def action_reschedule(self) -> None:
        self.reschedule()

    @work(group="order-reschedule")
    async def reschedule(self) -> None:
        order = self.order
        if order is None or order.appointment is None or not order.items:
            return
        slot: Slot | None = await self.open_for_result(
            "slot_picker",
            order.items[0].product_id,
            order.appointment.slot_id,
            t("kinds.pick.reschedule_title"),
        )
        if slot is None:
            return
        moved = await reschedule_order(self.shop, order.id, slot)
        if moved is not None:
            self.order = moved

    def action_track(self) -> None:
        self.open("logistics", order_id=self.order_id)

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
        self.open("after_sale", self.order_id)

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
        order = self.order
        if order is not None:
            await add_to_cart_again(self.shop, order)

    def action_buy_again_elsewhere(self) -> None:
        """A checkout of the same items that opens with the address book, for the same
        order sent somewhere else (an operator's 代客下单: the next customer)."""
        order = self.order
        if order is not None and order.items:
            self.open("checkout", repeat_lines(order), order.kind, choose_address=True)

    def action_change_address(self) -> None:
        self.change_address()

    @work(group="order-address")
    async def change_address(self) -> None:
        order = self.order
        if order is None or order.address is None:
            return
        addresses = await self.shop.attempt(lambda api: api.addresses(), needs_login=True)
        if addresses is None:
            return
        current_id = address_id_of(order.address, addresses)
        chosen: Address | None = await self.open_for_result("address_book", current_id)
        if chosen is None or chosen.id == current_id:
            return
        changed = await self.shop.attempt(
            lambda api: api.change_order_address(order.id, chosen.id), needs_login=True
        )
        if changed is None:
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
