"""The route table: every place a screen, a key, the command palette or an `--open` deep
link can open, by name. Screens post `navigation.Open(name, …)` instead of importing one
another; only the App reads this table. A screen's module is imported when it is first
opened, so starting the shop loads only the browse screen."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen

Flow = Callable[..., Awaitable[Any]]
"""A flow route: `async def flow(app: App, *args, **kwargs) -> answer`."""


@dataclass(frozen=True)
class Route:
    module: str
    name: str
    # Opened again while it is already on top: left as it is, not stacked twice.
    single: bool = False
    # Leaving a pending login for this place ends that login as cancelled.
    ends_login: bool = False
    # Not a screen but a flow of several: `name` is an async function of the App and
    # the route's arguments, run in a worker; the `Open` reply gets what it answers.
    flow: bool = False

    def screen_class(self) -> type[Screen[Any]]:
        screen_class: type[Screen[Any]] = getattr(importlib.import_module(self.module), self.name)
        return screen_class

    def flow_function(self) -> Flow:
        flow: Flow = getattr(importlib.import_module(self.module), self.name)
        return flow


_SCREENS = "kshop_tui.screens"

ROUTES: dict[str, Route] = {
    # The App's own places (keys, the command palette, deep links).
    "product": Route(f"{_SCREENS}.catalogue.product", "ProductScreen"),
    "cart": Route(f"{_SCREENS}.cart.cart", "CartScreen", single=True, ends_login=True),
    "orders": Route(f"{_SCREENS}.orders.order_list", "OrdersScreen", single=True, ends_login=True),
    "order": Route(f"{_SCREENS}.orders.detail", "OrderDetailScreen", ends_login=True),
    "track": Route(
        f"{_SCREENS}.orders.logistics", "TrackParcelScreen", single=True, ends_login=True
    ),
    "insights": Route(
        f"{_SCREENS}.orders.insights", "InsightsScreen", single=True, ends_login=True
    ),
    # 批量导入订单 from a CSV file (the orders screen's `i`).
    "order_import": Route(
        f"{_SCREENS}.orders.order_import", "OrderImportScreen", single=True, ends_login=True
    ),
    "wallet": Route(f"{_SCREENS}.wallet.wallet", "WalletScreen", single=True, ends_login=True),
    "coupons": Route(f"{_SCREENS}.wallet.coupons", "CouponsScreen", single=True, ends_login=True),
    "account": Route(f"{_SCREENS}.account.settings", "AccountScreen", single=True, ends_login=True),
    "after_sales": Route(f"{_SCREENS}.after_sales.after_sale_list", "AfterSalesScreen"),
    "support": Route(f"{_SCREENS}.support.threads", "SupportScreen"),
    "subscriptions": Route(
        f"{_SCREENS}.subscriptions.subscription_list",
        "SubscriptionsScreen",
        single=True,
        ends_login=True,
    ),
    "help": Route(f"{_SCREENS}.help", "HelpScreen", single=True),
    "login": Route(f"{_SCREENS}.account.login", "LoginScreen"),
    # Places one area of screens opens in another.
    "checkout": Route(f"{_SCREENS}.cart.checkout", "CheckoutScreen"),
    "address_book": Route(f"{_SCREENS}.account.address_book", "AddressBookModal"),
    "address_form": Route(f"{_SCREENS}.account.address_form", "AddressFormModal"),
    "real_name": Route(f"{_SCREENS}.account.real_name", "RealNameScreen"),
    # A service's day and 2-hour slot (product_id, current slot id or None, title) → Slot.
    "slot_picker": Route(f"{_SCREENS}.slot_picker", "SlotPickerModal"),
    # Subscribing (target=a SubscribeTarget) or changing one (subscription=…) → the
    # subscription as the server answered, or None.
    "subscription_form": Route(
        f"{_SCREENS}.subscriptions.subscription_form", "SubscriptionFormModal"
    ),
    "bnpl": Route(f"{_SCREENS}.wallet.bnpl", "BnplScreen"),
    # Pays an unpaid order (order_id, total_fen, choice: a shop.flows.payment.MethodOption
    # already made, or None to ask) → shop.flows.payment.PayResult.
    "pay": Route(f"{_SCREENS}.payment.flow", "pay_order", flow=True),
    # The after-sale wizard for an order (order_id; resubmit=a rejected AfterSale to change).
    "after_sale": Route(f"{_SCREENS}.after_sales.wizard", "AfterSaleWizard"),
    # Places a screen opens in its own area.
    "logistics": Route(f"{_SCREENS}.orders.logistics", "LogisticsScreen"),
    "after_sale_detail": Route(f"{_SCREENS}.after_sales.detail", "AfterSaleDetailScreen"),
    # A guest's order by its number and phone, read-only (phone=the one typed at login).
    "order_lookup": Route(f"{_SCREENS}.orders.lookup", "OrderLookupScreen"),
    "qr_login": Route(f"{_SCREENS}.account.qr_login", "QrLoginScreen"),
    "support_chat": Route(f"{_SCREENS}.support.chat", "SupportChatScreen"),
}
