"""Which scope each operation needs from a personal access token (docs/api.md §7.8).

One table, read on every request that names a user (`deps.current_user`): a token whose
scopes do not grant the operation's scope is refused with 403 SCOPE_REQUIRED before the
operation runs. `tests/backend/test_route_scopes.py` keeps the table equal to the served
operations, so a new route cannot go out without a declared scope; an operation missing
from it needs a login session (no token passes). `/openapi.json` carries each operation's
scope as `x-token-scope`.

- `read`: changes nothing (every token may: `order` and `pay` include it);
- `order`: changes the user's shopping — cart, addresses, orders, after-sales, reviews,
  coupons, support, search history;
- `pay`: moves the user's money — paying, top-ups, pay-later, bank cards;
- `login`: a login session only — tokens, passwords, two-step verification, real name,
  SSH keys, logging out;
- `public`: reads no bearer token at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request

from fake_backend.services.access_tokens import LOGIN_ONLY

READ, ORDER, PAY, LOGIN, PUBLIC = "read", "order", "pay", LOGIN_ONLY, "public"
API_PREFIX = "/api/v1"

ROUTE_SCOPES: dict[tuple[str, str], str] = {
    # auth
    ("POST", "/auth/sms-codes"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/guest"): PUBLIC,
    ("POST", "/auth/register"): PUBLIC,
    ("POST", "/auth/password-reset"): PUBLIC,
    ("POST", "/auth/oauth/{provider}/start"): PUBLIC,
    ("POST", "/auth/oauth/poll"): PUBLIC,
    ("POST", "/auth/ssh-session"): PUBLIC,
    ("POST", "/auth/logout"): LOGIN,
    ("POST", "/auth/logout-all"): LOGIN,
    # account
    ("GET", "/me"): READ,
    ("PUT", "/me/two-factor"): LOGIN,
    ("PUT", "/me/real-name"): LOGIN,
    ("PUT", "/me/password"): LOGIN,
    ("PUT", "/me/payment-password"): LOGIN,
    ("GET", "/me/ssh-keys"): LOGIN,
    ("POST", "/me/ssh-keys"): LOGIN,
    ("DELETE", "/me/ssh-keys/{key_id}"): LOGIN,
    ("GET", "/me/tokens"): LOGIN,
    ("POST", "/me/tokens"): LOGIN,
    ("DELETE", "/me/tokens/{token_id}"): LOGIN,
    ("GET", "/me/insights"): READ,
    # catalogue and search
    ("GET", "/categories"): PUBLIC,
    ("GET", "/brands"): PUBLIC,
    ("GET", "/products"): PUBLIC,
    ("GET", "/products/{product_id}"): PUBLIC,
    ("GET", "/products/{product_id}/slots"): PUBLIC,
    ("GET", "/products/{product_id}/reviews"): PUBLIC,
    ("GET", "/images/{image_id}.png"): PUBLIC,
    ("GET", "/search/suggest"): PUBLIC,
    ("GET", "/search/history"): READ,
    ("POST", "/search/history"): ORDER,
    ("DELETE", "/search/history"): ORDER,
    # cart, addresses, checkout
    ("GET", "/cart"): READ,
    ("POST", "/cart/items"): ORDER,
    ("PATCH", "/cart/items/{item_id}"): ORDER,
    ("DELETE", "/cart/items/{item_id}"): ORDER,
    ("PUT", "/cart/selection"): ORDER,
    ("GET", "/regions"): PUBLIC,
    ("GET", "/addresses"): READ,
    ("POST", "/addresses/parse"): PUBLIC,
    ("POST", "/addresses"): ORDER,
    ("PUT", "/addresses/{address_id}"): ORDER,
    ("DELETE", "/addresses/{address_id}"): ORDER,
    ("POST", "/checkout/quote"): READ,
    # orders and logistics
    ("POST", "/orders"): ORDER,
    ("GET", "/orders"): READ,
    ("GET", "/orders/counts"): READ,
    ("GET", "/orders/cancel-reasons"): READ,
    ("GET", "/orders/lookup"): PUBLIC,
    ("GET", "/orders/{order_id}"): READ,
    # Viewing the codes uses them up (no refund after): a change, not a read.
    ("GET", "/orders/{order_id}/delivery"): ORDER,
    ("PUT", "/orders/{order_id}/appointment"): ORDER,
    ("PUT", "/orders/{order_id}/items"): ORDER,
    ("PUT", "/orders/{order_id}/address"): ORDER,
    ("POST", "/orders/{order_id}/cancel"): ORDER,
    ("POST", "/orders/{order_id}/confirm-receipt"): ORDER,
    ("POST", "/orders/{order_id}/pay"): PAY,
    ("GET", "/payments/{payment_id}"): READ,
    ("GET", "/orders/{order_id}/logistics"): READ,
    ("GET", "/logistics/carriers"): READ,
    ("GET", "/logistics/{tracking_no}"): READ,
    ("POST", "/orders/{order_id}/reviews"): ORDER,
    # after-sales
    ("GET", "/orders/{order_id}/after-sale-eligibility"): READ,
    ("GET", "/after-sale-reasons"): PUBLIC,
    ("POST", "/uploads"): ORDER,
    ("POST", "/after-sales"): ORDER,
    ("GET", "/after-sales"): READ,
    ("GET", "/after-sales/{after_sale_id}"): READ,
    ("PUT", "/after-sales/{after_sale_id}"): ORDER,
    ("POST", "/after-sales/{after_sale_id}/cancel"): ORDER,
    ("POST", "/after-sales/{after_sale_id}/appeal"): ORDER,
    ("POST", "/after-sales/{after_sale_id}/confirm-replacement"): ORDER,
    ("GET", "/after-sales/{after_sale_id}/pickup-slots"): READ,
    ("POST", "/after-sales/{after_sale_id}/return-shipment"): ORDER,
    # wallet
    ("GET", "/wallet"): READ,
    ("GET", "/wallet/transactions"): READ,
    ("POST", "/wallet/topup"): PAY,
    ("GET", "/wallet/bank-cards"): READ,
    ("POST", "/wallet/bank-cards"): PAY,
    ("DELETE", "/wallet/bank-cards/{card_id}"): PAY,
    ("POST", "/wallet/bnpl/enable"): PAY,
    ("GET", "/wallet/bnpl/bills"): READ,
    ("POST", "/wallet/bnpl/bills/{bill_id}/repay"): PAY,
    # coupons
    ("GET", "/coupons"): READ,
    ("GET", "/coupons/available"): READ,
    ("POST", "/coupons/{template_id}/claim"): ORDER,
    ("POST", "/check-in"): ORDER,
    ("GET", "/check-in"): READ,
    # subscriptions: making one authorises its payments
    ("GET", "/subscriptions"): READ,
    ("POST", "/subscriptions"): PAY,
    ("GET", "/subscriptions/{subscription_id}"): READ,
    ("PUT", "/subscriptions/{subscription_id}"): ORDER,
    ("DELETE", "/subscriptions/{subscription_id}"): ORDER,
    ("POST", "/subscriptions/{subscription_id}/pause"): ORDER,
    ("POST", "/subscriptions/{subscription_id}/resume"): ORDER,
    ("POST", "/subscriptions/{subscription_id}/skip-next"): ORDER,
    # support
    ("GET", "/support/threads"): READ,
    ("POST", "/support/threads"): ORDER,
    ("GET", "/support/threads/{thread_id}"): READ,
    ("GET", "/support/threads/{thread_id}/messages"): READ,
    ("POST", "/support/threads/{thread_id}/messages"): ORDER,
    ("POST", "/support/threads/{thread_id}/escalate"): ORDER,
    ("POST", "/support/threads/{thread_id}/close"): ORDER,
}


def required_scope(request: Request) -> str:
    """The scope the request's operation needs; `login` for one the table lacks."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    method = "GET" if request.method == "HEAD" else request.method
    if not isinstance(path, str):
        return LOGIN
    return ROUTE_SCOPES.get((method, path), LOGIN)


SCOPE_REFUSAL = {
    "description": "The access token's scopes do not allow this (SCOPE_REQUIRED)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
}


def document_scopes(app: FastAPI) -> None:
    """`/openapi.json` names each operation's scope (`x-token-scope`) and documents the
    403 an access token without it gets."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi_with_scopes() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                scope = ROUTE_SCOPES.get((method.upper(), path.removeprefix(API_PREFIX)), LOGIN)
                operation["x-token-scope"] = scope
                if scope != PUBLIC:
                    operation["responses"].setdefault("403", SCOPE_REFUSAL)
        return document

    app.openapi = openapi_with_scopes  # type: ignore[method-assign]
