"""Changing an unpaid order's items: the lines with the server's quote of the change
below them, and the picker of cart lines to add one from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Static

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.orders import ItemsDraft
from kshop_tui.text import money, money_off
from kshop_tui.widgets.footer import ShopFooter

if TYPE_CHECKING:
    from kshop_tui.api.models import CartItem, Order, Quote

QUOTE_DEBOUNCE_SECONDS = 0.3


class ChangeItemsDialog(ShopModal):
    """An unpaid order's lines: `+`/`-` quantity, `d` remove a line, `a` add one from the
    cart. Below them the server's quote of the change, asked again after every change:
    the coupon kept or why not, shipping to the order's province, the new total beside
    today's. `ctrl+s` saves. Dismisses with the changed order, or None."""

    CSS_PATH = "detail.tcss"
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
        self.draft = ItemsDraft(order)
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
        yield ShopFooter()

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
        return self.draft.wanted()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        lines = self.draft.lines
        for line in lines:
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
        if lines:
            table.move_cursor(row=min(keep, len(lines) - 1))

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
        if self.draft.change_qty(self.query_one(DataTable).cursor_row, delta):
            self._changed()

    def action_remove(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if not 0 <= row < len(self.draft.lines):
            return
        removed = self.draft.remove(row)
        if removed is None:
            self._status(t("orders.change_items.last_line"), error=True)
            return
        self.flags.pop(removed.sku_id, None)
        self._changed()

    # --- adding from the cart --------------------------------------------------------

    def action_add_from_cart(self) -> None:
        self.add_from_cart()

    @work(exclusive=True, group="items-add")
    async def add_from_cart(self) -> None:
        self._status(t("orders.add_from_cart.loading"))
        cart = await self.shop.attempt(
            lambda api: api.cart(),
            needs_login=True,
            on_refusal=lambda error: self._status(error_words(error), error=True),
            on_login_cancelled=lambda: self._status(""),
        )
        if cart is None:
            return
        if not cart.items:
            self._status(t("orders.add_from_cart.empty"))
            return
        self._status("")
        choices = [(item, self.draft.refusal(item)) for item in cart.items]
        picked = await self.app.push_screen_wait(AddFromCartPicker(choices))
        if picked is not None:
            self.add_line(picked)

    def add_line(self, item: CartItem) -> None:
        """One more of a cart line's SKU: a new line, or one more on the line it is already."""
        index = self.draft.add(item)
        self._changed(t("orders.add_from_cart.added", name=item.name))
        self.query_one(DataTable).move_cursor(row=index)

    # --- the server's word ---------------------------------------------------------------

    @work(exclusive=True, group="items-quote")
    async def refresh_quote(self) -> None:
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
        self.draft.reprice({line.sku_id: line.price_fen for line in quote.lines})
        self._fill()
        summary.update(change_summary(quote, self.order, coupon_refusal))

    def action_save(self) -> None:
        self.save()

    @work(exclusive=True, group="items-save")
    async def save(self) -> None:
        wanted = self.wanted()
        order_id = self.order.id
        self._status(t("orders.change_items.saving"))

        def refused(error: errors.ApiError) -> None:
            self._status(error_words(error), error=True)
            short_sku = error.details.get("sku_id")
            row = next((i for i, (sku, _) in enumerate(wanted) if sku == short_sku), None)
            if row is not None and isinstance(short_sku, int):
                self.flags[short_sku] = error_words(error)
                self._fill()
                self.query_one(DataTable).move_cursor(row=row)
            self.refresh_quote()

        # A PUT of the whole list: sending it again after a lost answer changes nothing.
        changed = await self.shop.attempt(
            lambda api: api.change_order_items(order_id, wanted),
            needs_login=True,
            on_refusal=refused,
            on_login_cancelled=lambda: self._status(""),
        )
        if changed is not None:
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
                amount=money_off(quote.discount_fen),
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

    CSS_PATH = "detail.tcss"

    def __init__(self, choices: list[tuple[CartItem, str | None]]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-dialog") as dialog:
            dialog.border_title = t("orders.add_from_cart.title")
            yield DataTable(id="add-table", cursor_type="row")
            yield Static(id="add-error", classes="field-error")
            yield Static(Text(t("orders.add_from_cart.hint")), classes="dialog-hint")
        yield ShopFooter()

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
