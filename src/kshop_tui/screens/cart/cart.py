"""The cart: lines with spec, unit price, quantity and line total; select, change,
remove; and the server's live quote for the selected lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import money, money_off

if TYPE_CHECKING:
    from kshop_tui.api.models import Cart, CartItem, Quote
    from kshop_tui.shop.cart_outbox import CartChange

QUOTE_DEBOUNCE_SECONDS = 0.3
MAX_PER_LINE = 99


class CartScreen(ShopScreen):
    CSS_PATH = "cart.tcss"
    # The footer shows these in this order and cuts off the last ones at 80 columns.
    BINDINGS = [
        Binding("x", "checkout", "key.checkout", id="cart.checkout"),
        Binding("space", "toggle_selected", "key.select", id="cart.select"),
        Binding("d,delete", "remove", "key.remove", id="cart.remove"),
        Binding("plus,equals_sign", "change_qty(1)", "key.more", id="cart.more"),
        Binding("minus", "change_qty(-1)", "key.less", id="cart.less"),
        Binding("ctrl+a", "toggle_all", "key.select_all", id="cart.select_all"),
        Binding("enter", "open", "key.open", id="cart.open", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cart: Cart | None = None
        self.quote: Quote | None = None
        self._quote_timer: Timer | None = None

    def where(self) -> str:
        return t("cart.title")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="cart-body"):
            yield Static(id="cart-empty")
            table: DataTable[Text] = DataTable(
                id="cart-table", cursor_type="row", zebra_stripes=True
            )
            yield table
            yield Static(id="cart-summary")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text(" "), key="check", width=3)
        table.add_column(Text(t("cart.col.product")), key="product")
        table.add_column(Text(t("cart.col.price"), justify="right"), key="price", width=11)
        table.add_column(Text(t("cart.col.qty"), justify="right"), key="qty", width=5)
        table.add_column(Text(t("cart.col.total"), justify="right"), key="total", width=12)
        table.focus()
        self.load()

    def reload_after_outage(self) -> None:
        self.load()

    def on_resize(self) -> None:
        if self.cart is not None:
            self._fill(self.cart)

    # --- loading and drawing -------------------------------------------------------

    @work(exclusive=True, group="cart")
    async def load(self) -> None:

        self.query_one("#cart-empty", Static).update(Text(t("browse.loading"), style="dim"))
        cart = await self.shop.attempt(
            lambda api: api.cart(),
            needs_login=True,
            on_refusal=lambda error: self.query_one("#cart-empty", Static).update(
                Text(error_words(error), style="bold red")
            ),
            on_login_cancelled=self.app.pop_screen,
        )
        if cart is None:
            return
        self.shop.cart_changed(cart)
        self._fill(cart)

    def _fill(self, cart: Cart) -> None:
        self.cart = cart
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        empty = self.query_one("#cart-empty", Static)
        if not cart.items:
            empty.update(Text(t("cart.empty"), style="dim"))
            empty.display = True
            table.display = False
        else:
            empty.display = False
            table.display = True
        # The other columns are fixed; each column has one cell of padding either side,
        # and the table's own width already excludes its padding and scrollbar.
        available = table.scrollable_content_region.width or self.size.width - 4
        product_width = max(16, available - (3 + 11 + 5 + 12) - 2 * 5)
        product_column = table.columns[ColumnKey("product")]
        product_column.width = product_width
        product_column.auto_width = False
        for item in cart.items:
            table.add_row(*self._cells(item), key=str(item.id), height=2)
        if cart.items:
            table.move_cursor(row=min(keep, len(cart.items) - 1))
        self._schedule_quote()

    @staticmethod
    def _cells(item: CartItem) -> tuple[Text, Text, Text, Text, Text]:
        check = Text("[x]" if item.selected else "[ ]", style="bold" if item.selected else "dim")
        product = Text(item.name, no_wrap=True, overflow="ellipsis")
        details = "/".join(item.specs.values())
        product.append("\n" + details, style="dim")
        if not item.available:
            product.append("  " + t("cart.unavailable", stock=item.stock), style="bold red")
        elif item.price_changed and item.added_price_fen is not None:
            product.append(
                "  " + t("cart.price_changed", was=money(item.added_price_fen)), style="yellow"
            )
        price = Text(money(item.price_fen), justify="right")
        qty = Text(str(item.qty), justify="right")
        total = Text(money(item.line_total_fen or item.price_fen * item.qty), justify="right")
        return check, product, price, qty, total

    def _current(self) -> CartItem | None:
        if self.cart is None or not self.cart.items:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.cart.items[row] if 0 <= row < len(self.cart.items) else None

    # --- quote ---------------------------------------------------------------------

    def _schedule_quote(self) -> None:
        if self._quote_timer is not None:
            self._quote_timer.stop()
        self._quote_timer = self.set_timer(QUOTE_DEBOUNCE_SECONDS, self.refresh_quote)

    @work(exclusive=True, group="quote")
    async def refresh_quote(self) -> None:
        from kshop_tui.api import errors

        summary = self.query_one("#cart-summary", Static)
        cart = self.cart
        if cart is None or not any(item.selected for item in cart.items):
            self.quote = None
            summary.update(
                Text(t("cart.select_to_quote"), style="dim") if cart and cart.items else ""
            )
            return
        summary.update(Text(t("cart.quoting"), style="dim"))
        try:
            quote = await self.shop.run_api(lambda api: api.quote())
        except errors.ApiError as error:
            summary.update(Text(error.message, style="red"))
            return
        if cart is not self.cart:
            return
        self.quote = quote
        summary.update(_summary_text(quote, cart))

    # --- actions -------------------------------------------------------------------

    def action_toggle_selected(self) -> None:
        from kshop_tui.shop.cart_outbox import CartChange

        item = self._current()
        if item is not None:
            self.apply(CartChange("select", item_id=item.id, selected=not item.selected))

    def action_change_qty(self, delta: int) -> None:
        from kshop_tui.shop.cart_outbox import CartChange

        item = self._current()
        if item is None:
            return
        qty = item.qty + delta
        if qty < 1:
            self.notify(t("cart.min_qty"), severity="information")
            return
        if qty > min(MAX_PER_LINE, max(item.stock, 1)):
            self.notify(t("cart.max_qty", count=min(MAX_PER_LINE, item.stock)), severity="warning")
            return
        self.apply(CartChange("set_qty", item_id=item.id, qty=qty))

    def action_remove(self) -> None:
        from kshop_tui.shop.cart_outbox import CartChange

        item = self._current()
        if item is not None:
            self.apply(CartChange("remove", item_id=item.id))

    def action_toggle_all(self) -> None:
        if self.cart is not None and self.cart.items:
            everything = all(item.selected for item in self.cart.items)
            self.select_all(not everything)

    def action_checkout(self) -> None:
        if self.cart is None or not any(item.selected for item in self.cart.items):
            self.notify(t("cart.select_to_quote"), severity="warning")
            return
        # By its route: the checkout screen imports this one (to refresh it on leaving).
        self.open("checkout", None)

    def action_open(self) -> None:
        item = self._current()
        if item is not None:
            self.open("product", item.product_id)

    @on(DataTable.RowSelected)
    def _row_chosen(self) -> None:
        self.action_open()

    @work(group="cart-change")
    async def apply(self, change: CartChange) -> None:
        from kshop_tui.api import errors

        try:
            cart = await self.shop.change_cart(change)
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        if cart is not None:
            self._fill(cart)
        elif self.cart is not None:
            self._fill(_locally_applied(self.cart, change))

    @work(group="cart-change")
    async def select_all(self, selected: bool) -> None:
        cart = await self.shop.attempt(lambda api: api.select_all(selected), needs_login=True)
        if cart is not None:
            self._fill(cart)


def _summary_text(quote: Quote, cart: Cart) -> Text:
    text = Text()
    text.append(t("cart.selected", count=cart.selected_count) + "   ", style="dim")
    text.append(t("cart.subtotal") + " " + money(quote.subtotal_fen) + "   ")
    text.append(t("cart.shipping") + " " + money(quote.shipping_fen) + "   ")
    if quote.discount_fen:
        text.append(t("cart.discount") + " " + money_off(quote.discount_fen) + "   ", style="green")
    text.append(t("cart.total") + " ", style="bold")
    text.append(money(quote.total_fen), style="bold yellow")
    for problem in quote.problems:
        text.append("\n⚠ " + problem.message, style="red")
    return text


def _locally_applied(cart: Cart, change: CartChange) -> Cart:
    """The cart as it will be once a queued change reaches the server (shown meanwhile)."""
    items = []
    for item in cart.items:
        if item.id != change.item_id:
            items.append(item)
        elif change.op == "set_qty" and change.qty is not None:
            items.append(
                item.model_copy(
                    update={"qty": change.qty, "line_total_fen": item.price_fen * change.qty}
                )
            )
        elif change.op == "select" and change.selected is not None:
            items.append(item.model_copy(update={"selected": change.selected}))
    return cart.model_copy(update={"items": items, "count": sum(i.qty for i in items)})
