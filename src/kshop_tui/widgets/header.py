"""The top line: where you are, who is logged in, and the cart."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from kshop_tui.i18n import t


class ShopHeader(Horizontal):
    DEFAULT_CSS = """
    ShopHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    ShopHeader #brand {
        width: auto; padding: 0 1; background: $primary; color: $text; text-style: bold;
    }
    ShopHeader #where { width: 1fr; padding: 0 1; color: $text-muted; }
    ShopHeader #who { width: auto; padding: 0 1; }
    ShopHeader #cart-count { width: auto; padding: 0 1; background: $accent 30%; }
    """

    where: reactive[str] = reactive("")
    """The breadcrumb of the current screen (plain text, may hold product names)."""

    def __init__(self, where: str = "") -> None:
        super().__init__()
        self.set_reactive(ShopHeader.where, where)

    def compose(self) -> ComposeResult:
        yield Static("kshop", id="brand")
        yield Static(id="where", markup=False)
        yield Static(id="who")
        yield Static(id="cart-count")

    def on_mount(self) -> None:
        self._show_where()
        self.watch(self.app, "user", self._show_user)
        self.watch(self.app, "cart_count", self._show_cart)

    def watch_where(self) -> None:
        if self.is_mounted:
            self._show_where()

    def _show_where(self) -> None:
        self.query_one("#where", Static).update(Text(self.where, no_wrap=True, overflow="ellipsis"))

    def _show_user(self, user: Any) -> None:
        label = user.phone_masked if user is not None else t("header.guest")
        self.query_one("#who", Static).update(Text(label))

    def _show_cart(self, count: int) -> None:
        self.query_one("#cart-count", Static).update(Text(t("header.cart", count=count)))
