"""One async client for the whole kshop API (docs/api.md §4).

`_call` is the only place that touches httpx: it adds the token, the language and the
idempotency key, retries GETs (with backoff) whose connection failed, whose answer was
cut off or that a gateway answered 502/503/504, and turns every failure into one of
`api.errors`' exceptions `from None`. Other requests are never repeated by themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar
from urllib.parse import quote as quote_path

import httpx
from pydantic import BaseModel

from kshop_tui.api import errors, models
from kshop_tui.api.clock import ServerClock

T = TypeVar("T", bound=BaseModel)
API = "/api/v1"
SERVED_HEADER = "X-Kshop-Served"
# The address a served session's visitor connected from: a public-demo backend counts its
# per-client limits (SMS codes, QR logins) per visitor rather than for all of them at once.
VISITOR_HEADER = "X-Kshop-Visitor"
GET_RETRIES = 3
BACKOFF_SECONDS = (0.2, 0.6, 1.5)
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# A backend restarting behind a gateway; worth another try for a request that changes nothing.
RETRY_STATUSES = (502, 503, 504)


class KshopClient:
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        token: str | None = None,
        language: Callable[[], str] = lambda: "zh-CN",
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        served: bool = False,
        visitor: str | None = None,
    ) -> None:
        """`served`: a session of `kshop serve`; every request says so (SERVED_HEADER),
        and the backend treats it as a visitor's (no SMS codes of existing accounts).
        `visitor`: where that visitor connected from (VISITOR_HEADER)."""
        self.base_url = base_url
        self.token = token
        self.served = served
        self.visitor = visitor
        self._language = language
        self._transport = transport
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None
        self.clock = ServerClock()
        """The backend's "now" for countdowns, kept from the time each answer carries."""

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url, transport=self._transport, timeout=self._timeout
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # --- the one door --------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        raw: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        headers = {"Accept-Language": self._language()}
        if self.served:
            headers[SERVED_HEADER] = "1"
            if self.visitor:
                headers[VISITOR_HEADER] = self.visitor
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(extra_headers or {})
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        attempts = GET_RETRIES if method == "GET" else 1
        for attempt in range(attempts):
            last = attempt + 1 >= attempts
            try:
                response = await self.http.request(
                    method, path, params=query, json=json, headers=headers, files=files
                )
            except (
                httpx.ConnectError,
                httpx.ConnectTimeout,
                httpx.RemoteProtocolError,
                httpx.ReadError,
            ) as error:
                if last:
                    raise errors.BackendUnreachable(_network_words(error)) from None
            except httpx.TimeoutException as error:
                raise errors.BackendUnreachable(_network_words(error)) from None
            except (httpx.TransportError, httpx.DecodingError) as error:
                raise errors.BackendUnreachable(_network_words(error)) from None
            else:
                if last or response.status_code not in RETRY_STATUSES:
                    break
            await asyncio.sleep(BACKOFF_SECONDS[attempt])
        self.clock.observe(response.headers)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise errors.from_envelope(
                response.status_code, body, response.headers.get("Retry-After")
            ) from None
        if raw:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise errors.ServerError("the backend's answer was not JSON") from None

    async def _get(self, path: str, model: type[T], **params: Any) -> T:
        return model.model_validate(await self._call("GET", path, params=params))

    async def _send(
        self, method: str, path: str, model: type[T], body: Any = None, key: str | None = None
    ) -> T:
        return model.model_validate(await self._call(method, path, json=body, idempotency_key=key))

    async def _get_items(self, path: str, model: type[T], **params: Any) -> list[T]:
        """The `items` of a list answer that has no cursor (reasons, carriers, cards...)."""
        body = await self._call("GET", path, params=params)
        return [model.model_validate(item) for item in body["items"]]

    # --- auth and account ----------------------------------------------------------

    async def send_sms_code(self, phone: str, purpose: str) -> models.SmsSent:
        return await self._send(
            "POST", f"{API}/auth/sms-codes", models.SmsSent, {"phone": phone, "purpose": purpose}
        )

    async def login_with_code(self, phone: str, code: str) -> models.LoginResult:
        return await self._send(
            "POST", f"{API}/auth/login", models.LoginResult, {"phone": phone, "code": code}
        )

    async def login_with_password(
        self, phone: str, password: str, code: str | None = None
    ) -> models.LoginResult:
        body: dict[str, str] = {"phone": phone, "password": password}
        if code:
            body["code"] = code
        return await self._send("POST", f"{API}/auth/login", models.LoginResult, body)

    async def register(self, phone: str, code: str, password: str) -> models.LoginResult:
        return await self._send(
            "POST",
            f"{API}/auth/register",
            models.LoginResult,
            {"phone": phone, "code": code, "password": password},
        )

    async def reset_password(self, phone: str, code: str, new_password: str) -> None:
        await self._call(
            "POST",
            f"{API}/auth/password-reset",
            json={"phone": phone, "code": code, "new_password": new_password},
        )

    async def oauth_start(self, provider: str) -> models.OAuthStart:
        return await self._send("POST", f"{API}/auth/oauth/{provider}/start", models.OAuthStart)

    async def oauth_poll(self, device_code: str) -> models.LoginResult | None:
        """The login once the QR code is approved; None while it is still pending."""
        body = await self._call("POST", f"{API}/auth/oauth/poll", json={"device_code": device_code})
        if isinstance(body, dict) and "token" in body:
            return models.LoginResult.model_validate(body)
        return None

    async def logout(self, everywhere: bool = False) -> None:
        await self._call("POST", f"{API}/auth/logout-all" if everywhere else f"{API}/auth/logout")

    async def me(self) -> models.User:
        return await self._get(f"{API}/me", models.User)

    async def set_two_factor(self, enabled: bool) -> models.User:
        return await self._send("PUT", f"{API}/me/two-factor", models.User, {"enabled": enabled})

    async def verify_real_name(self, name: str, id_number: str) -> models.User:
        return await self._send(
            "PUT", f"{API}/me/real-name", models.User, {"name": name, "id_number": id_number}
        )

    async def change_password(self, current_password: str, new_password: str) -> models.User:
        """Logs out the user's other sessions; this one stays."""
        return await self._send(
            "PUT",
            f"{API}/me/password",
            models.User,
            {"current_password": current_password, "new_password": new_password},
        )

    async def set_payment_password(
        self, payment_password: str, current_payment_password: str | None = None
    ) -> models.User:
        body = {"payment_password": payment_password}
        if current_payment_password is not None:
            body["current_payment_password"] = current_payment_password
        return await self._send("PUT", f"{API}/me/payment-password", models.User, body)

    async def ssh_keys(self) -> list[models.SshKey]:
        """The linked SSH keys, newest first."""
        return await self._get_items(f"{API}/me/ssh-keys", models.SshKey)

    async def link_ssh_key(self, fingerprint: str, label: str) -> models.SshKey:
        """Links a key (`SHA256:` + 43 base64 characters); one already linked to this
        account is answered unchanged, one linked to another account is a Conflict."""
        return await self._send(
            "POST",
            f"{API}/me/ssh-keys",
            models.SshKey,
            {"fingerprint": fingerprint, "label": label},
        )

    async def unlink_ssh_key(self, key_id: int) -> None:
        await self._call("DELETE", f"{API}/me/ssh-keys/{key_id}")

    async def ssh_session(self, fingerprint: str, gateway_secret: str) -> models.LoginResult:
        """For the SSH gateway: a login for the account the key is linked to. Forbidden
        when the secret is wrong or the backend has none; NotFound for an unlinked key."""
        body = await self._call(
            "POST",
            f"{API}/auth/ssh-session",
            json={"fingerprint": fingerprint},
            extra_headers={"X-Kshop-Gateway-Secret": gateway_secret},
        )
        return models.LoginResult.model_validate(body)

    async def insights(self, months: int = 12) -> models.Insights:
        """Spend per month and per top-level category, orders per status (1–24 months)."""
        return await self._get(f"{API}/me/insights", models.Insights, months=months)

    async def dev_sms_codes(self, phone: str) -> list[models.SmsMessage]:
        """The fake backend's SMS outbox (only where `/_dev` is mounted)."""
        body = await self._call("GET", "/_dev/sms-outbox", params={"phone": phone})
        return [models.SmsMessage.model_validate(m) for m in body.get("messages", [])]

    async def dev_clock(self) -> float:
        """The fake backend's clock in epoch seconds (only where `/_dev` is mounted)."""
        body = await self._call("GET", "/_dev/clock")
        return float(body["epoch"])

    # --- catalogue -----------------------------------------------------------------

    async def categories(self) -> list[models.Category]:
        return await self._get_items(f"{API}/categories", models.Category)

    async def brands(self, category: int | None = None) -> list[models.Brand]:
        return await self._get_items(f"{API}/brands", models.Brand, category=category)

    async def search_products(
        self,
        *,
        q: str = "",
        category: int | None = None,
        brand: str | None = None,
        price_min_fen: int | None = None,
        price_max_fen: int | None = None,
        in_stock: bool | None = None,
        sort: str = "sales_desc",
        cursor: str | None = None,
        limit: int = 50,
    ) -> models.ProductPage:
        return await self._get(
            f"{API}/products",
            models.ProductPage,
            q=q or None,
            category=category,
            brand=brand or None,
            price_min_fen=price_min_fen,
            price_max_fen=price_max_fen,
            in_stock=in_stock,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )

    async def product(self, product_id: int) -> models.ProductDetail:
        return await self._get(f"{API}/products/{product_id}", models.ProductDetail)

    async def reviews(self, product_id: int, cursor: str | None = None) -> models.ReviewPage:
        return await self._get(
            f"{API}/products/{product_id}/reviews", models.ReviewPage, cursor=cursor, limit=10
        )

    async def image(self, path: str) -> bytes:
        """Image bytes from a path the backend gave (e.g. `/api/v1/images/3.png`)."""
        data: bytes = await self._call("GET", path, raw=True)
        return data

    async def claimable_coupons(
        self, product_id: int | None = None
    ) -> list[models.ClaimableCoupon]:
        return await self._get_items(
            f"{API}/coupons/available", models.ClaimableCoupon, product_id=product_id
        )

    async def claim_coupon(self, template_id: int) -> models.Coupon:
        """Claims a coupon of the claim centre (`ClaimableCoupon.id` is its template id)."""
        return await self._send("POST", f"{API}/coupons/{template_id}/claim", models.Coupon)

    async def coupons(
        self, status: models.CouponStatus = "usable", cursor: str | None = None, limit: int = 20
    ) -> models.CouponPage:
        """Usable ones expiring soonest first; used and expired ones newest first."""
        return await self._get(
            f"{API}/coupons", models.CouponPage, status=status, cursor=cursor, limit=limit
        )

    async def check_in(self) -> models.CheckIn:
        """Today's check-in (签到); a second one the same day raises `Conflict`."""
        return await self._send("POST", f"{API}/check-in", models.CheckIn)

    async def check_in_status(self) -> models.CheckInStatus:
        return await self._get(f"{API}/check-in", models.CheckInStatus)

    # --- cart, addresses, checkout -------------------------------------------------

    async def cart(self) -> models.Cart:
        return await self._get(f"{API}/cart", models.Cart)

    async def add_to_cart(self, sku_id: int, qty: int) -> models.Cart:
        return await self._send(
            "POST", f"{API}/cart/items", models.Cart, {"sku_id": sku_id, "qty": qty}
        )

    async def update_cart_item(
        self, item_id: int, *, qty: int | None = None, selected: bool | None = None
    ) -> models.Cart:
        body: dict[str, Any] = {}
        if qty is not None:
            body["qty"] = qty
        if selected is not None:
            body["selected"] = selected
        return await self._send("PATCH", f"{API}/cart/items/{item_id}", models.Cart, body)

    async def remove_cart_item(self, item_id: int) -> models.Cart:
        return await self._send("DELETE", f"{API}/cart/items/{item_id}", models.Cart)

    async def select_all(self, selected: bool) -> models.Cart:
        return await self._send("PUT", f"{API}/cart/selection", models.Cart, {"selected": selected})

    async def regions(self) -> list[models.Province]:
        return await self._get_items(f"{API}/regions", models.Province)

    async def addresses(self) -> list[models.Address]:
        return await self._get_items(f"{API}/addresses", models.Address)

    async def save_address(
        self, fields: dict[str, Any], address_id: int | None = None
    ) -> models.Address:
        if address_id is None:
            return await self._send("POST", f"{API}/addresses", models.Address, fields)
        return await self._send("PUT", f"{API}/addresses/{address_id}", models.Address, fields)

    async def delete_address(self, address_id: int) -> None:
        await self._call("DELETE", f"{API}/addresses/{address_id}")

    async def quote(
        self,
        *,
        items: list[tuple[int, int]] | None = None,
        address_id: int | None = None,
        coupon_id: int | None = None,
        order_id: int | None = None,
    ) -> models.Quote:
        """The server's price for `items` [(sku_id, qty)], or for the cart's selected lines;
        with `order_id`, for a change to that unpaid order (its coupon and stock count)."""
        body = _lines_or_cart(items)
        if address_id is not None:
            body["address_id"] = address_id
        if coupon_id is not None:
            body["coupon_id"] = coupon_id
        if order_id is not None:
            body["order_id"] = order_id
        return await self._send("POST", f"{API}/checkout/quote", models.Quote, body)

    # --- orders and payments -------------------------------------------------------

    async def create_order(
        self,
        *,
        payment_method: models.PaymentMethod,
        idempotency_key: str,
        items: list[tuple[int, int]] | None = None,
        address_id: int | None = None,
        coupon_id: int | None = None,
        remark: str = "",
        invoice: models.Invoice | None = None,
    ) -> models.Order:
        """Places an order for `items` [(sku_id, qty)], or for the cart's selected lines.

        `idempotency_key` comes from `new_intent_key()`, once per "place order" press,
        and is sent again unchanged on a retry: the server then answers the same order.
        """
        body = _lines_or_cart(items)
        body["payment_method"] = payment_method
        if address_id is not None:
            body["address_id"] = address_id
        if coupon_id is not None:
            body["coupon_id"] = coupon_id
        if remark:
            body["remark"] = remark
        if invoice is not None:
            body["invoice"] = invoice.model_dump(exclude_none=True)
        return await self._send("POST", f"{API}/orders", models.Order, body, idempotency_key)

    async def orders(
        self, status: models.OrderFilter = "all", cursor: str | None = None, limit: int = 20
    ) -> models.OrderPage:
        """Newest first; `after_sale` lists the orders that have an after-sale."""
        return await self._get(
            f"{API}/orders", models.OrderPage, status=status, cursor=cursor, limit=limit
        )

    async def order_counts(self) -> models.OrderCounts:
        return await self._get(f"{API}/orders/counts", models.OrderCounts)

    async def cancel_reasons(self) -> list[models.CancelReason]:
        return await self._get_items(f"{API}/orders/cancel-reasons", models.CancelReason)

    async def order(self, order_id: int) -> models.Order:
        return await self._get(f"{API}/orders/{order_id}", models.Order)

    async def change_order_items(self, order_id: int, items: list[tuple[int, int]]) -> models.Order:
        """Unpaid orders only: `items` [(sku_id, qty)] replace the lines, re-priced."""
        body = _lines_or_cart(items)
        return await self._send("PUT", f"{API}/orders/{order_id}/items", models.Order, body)

    async def change_order_address(self, order_id: int, address_id: int) -> models.Order:
        return await self._send(
            "PUT", f"{API}/orders/{order_id}/address", models.Order, {"address_id": address_id}
        )

    async def cancel_order(self, order_id: int, reason: str) -> models.Order:
        """`reason` is a `CancelReason.code`; a paid order is refunded in full."""
        return await self._send(
            "POST", f"{API}/orders/{order_id}/cancel", models.Order, {"reason": reason}
        )

    async def confirm_receipt(self, order_id: int) -> models.Order:
        return await self._send("POST", f"{API}/orders/{order_id}/confirm-receipt", models.Order)

    async def pay(
        self,
        order_id: int,
        method: models.PaymentMethod,
        payment_password: str | None = None,
        bank_card_id: int | None = None,
        *,
        idempotency_key: str,
    ) -> models.Payment:
        """Balance and bank card need the payment password and settle at once, as does
        pay-later; Alipay and WeChat Pay answer a pending payment with a `qr_payload`
        to draw and poll with `payment()`."""
        body: dict[str, Any] = {"method": method}
        if payment_password is not None:
            body["payment_password"] = payment_password
        if bank_card_id is not None:
            body["bank_card_id"] = bank_card_id
        return await self._send(
            "POST", f"{API}/orders/{order_id}/pay", models.Payment, body, idempotency_key
        )

    async def payment(self, payment_id: int) -> models.Payment:
        return await self._get(f"{API}/payments/{payment_id}", models.Payment)

    async def order_logistics(self, order_id: int) -> models.Tracking:
        return await self._get(f"{API}/orders/{order_id}/logistics", models.Tracking)

    async def track_parcel(self, tracking_no: str) -> models.Tracking:
        """物流查询: any parcel by its number (typed by the user, so quoted whole)."""
        return await self._get(
            f"{API}/logistics/{quote_path(tracking_no, safe='')}", models.Tracking
        )

    async def carriers(self) -> list[models.Carrier]:
        return await self._get_items(f"{API}/logistics/carriers", models.Carrier)

    async def review_order(
        self, order_id: int, rating: int, text: str, item_id: int | None = None
    ) -> list[models.OrderReview]:
        """Reviews one item of a completed order, or (no `item_id`) each not yet reviewed."""
        body: dict[str, Any] = {"rating": rating, "text": text}
        if item_id is not None:
            body["item_id"] = item_id
        answer = await self._call("POST", f"{API}/orders/{order_id}/reviews", json=body)
        return [models.OrderReview.model_validate(item) for item in answer["items"]]

    # --- after-sales ---------------------------------------------------------------

    async def after_sale_eligibility(self, order_id: int) -> models.Eligibility:
        return await self._get(
            f"{API}/orders/{order_id}/after-sale-eligibility", models.Eligibility
        )

    async def after_sale_reasons(self) -> list[models.AfterSaleReason]:
        return await self._get_items(f"{API}/after-sale-reasons", models.AfterSaleReason)

    async def upload_photo(self, filename: str, data: bytes, content_type: str) -> models.Upload:
        """A PNG or JPEG of at most 5 MB, to attach to an after-sale by its id."""
        answer = await self._call(
            "POST", f"{API}/uploads", files={"file": (filename, data, content_type)}
        )
        return models.Upload.model_validate(answer)

    async def create_after_sale(
        self,
        *,
        order_id: int,
        type: models.AfterSaleType,
        item_ids: Sequence[int],
        reason: str,
        amount_fen: int,
        idempotency_key: str,
        description: str = "",
        refund_to: models.RefundTo = "original",
        photo_ids: Sequence[int] = (),
    ) -> models.AfterSale:
        """Asks for a refund only or a return and refund of some order items (`item_ids`
        are `OrderItem.id`s); `reason` is an `AfterSaleReason.code`."""
        body = _after_sale_body(
            type, item_ids, reason, amount_fen, description, refund_to, photo_ids
        )
        body["order_id"] = order_id
        return await self._send(
            "POST", f"{API}/after-sales", models.AfterSale, body, idempotency_key
        )

    async def after_sales(
        self, cursor: str | None = None, order_id: int | None = None, limit: int = 20
    ) -> models.AfterSalePage:
        """Newest first; one order's only with `order_id`."""
        return await self._get(
            f"{API}/after-sales",
            models.AfterSalePage,
            cursor=cursor,
            order_id=order_id,
            limit=limit,
        )

    async def after_sale(self, after_sale_id: int) -> models.AfterSale:
        return await self._get(f"{API}/after-sales/{after_sale_id}", models.AfterSale)

    async def pickup_slots(self, after_sale_id: int) -> list[str]:
        """The courier's 2-hour windows (`YYYY-MM-DD HH:MM-HH:MM`, Beijing time)."""
        body = await self._call("GET", f"{API}/after-sales/{after_sale_id}/pickup-slots")
        return [str(slot) for slot in body["items"]]

    async def ship_return(
        self, after_sale_id: int, carrier: str, tracking_no: str
    ) -> models.AfterSale:
        """The user sent the goods back: a `Carrier.code` and the parcel's number."""
        return await self._send(
            "POST",
            f"{API}/after-sales/{after_sale_id}/return-shipment",
            models.AfterSale,
            {"carrier": carrier, "tracking_no": tracking_no},
        )

    async def book_pickup(self, after_sale_id: int, address_id: int, slot: str) -> models.AfterSale:
        """上门取件: a courier collects the goods at `address_id` in one of `pickup_slots`."""
        return await self._send(
            "POST",
            f"{API}/after-sales/{after_sale_id}/return-shipment",
            models.AfterSale,
            {"pickup": {"address_id": address_id, "slot": slot}},
        )

    async def modify_after_sale(
        self,
        after_sale_id: int,
        *,
        type: models.AfterSaleType,
        item_ids: Sequence[int],
        reason: str,
        amount_fen: int,
        description: str = "",
        refund_to: models.RefundTo = "original",
        photo_ids: Sequence[int] = (),
    ) -> models.AfterSale:
        """Changes a rejected request and resubmits it (the merchant has 24 h again)."""
        body = _after_sale_body(
            type, item_ids, reason, amount_fen, description, refund_to, photo_ids
        )
        return await self._send("PUT", f"{API}/after-sales/{after_sale_id}", models.AfterSale, body)

    async def cancel_after_sale(self, after_sale_id: int) -> models.AfterSale:
        return await self._send(
            "POST", f"{API}/after-sales/{after_sale_id}/cancel", models.AfterSale
        )

    async def appeal_after_sale(self, after_sale_id: int, reason: str) -> models.AfterSale:
        """After a rejection: the platform steps in (`reason` 5–500 characters)."""
        return await self._send(
            "POST",
            f"{API}/after-sales/{after_sale_id}/appeal",
            models.AfterSale,
            {"reason": reason},
        )

    # --- wallet --------------------------------------------------------------------

    async def wallet(self) -> models.Wallet:
        return await self._get(f"{API}/wallet", models.Wallet)

    async def wallet_transactions(
        self,
        account: models.WalletAccount | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> models.TransactionPage:
        return await self._get(
            f"{API}/wallet/transactions",
            models.TransactionPage,
            account=account,
            cursor=cursor,
            limit=limit,
        )

    async def top_up(
        self, amount_fen: int, bank_card_id: int | None = None, *, idempotency_key: str
    ) -> models.TopUp:
        """Moves money from a bound card (the first one by default) to the balance."""
        body: dict[str, Any] = {"amount_fen": amount_fen}
        if bank_card_id is not None:
            body["bank_card_id"] = bank_card_id
        return await self._send("POST", f"{API}/wallet/topup", models.TopUp, body, idempotency_key)

    async def bank_cards(self) -> list[models.BankCard]:
        return await self._get_items(f"{API}/wallet/bank-cards", models.BankCard)

    async def add_bank_card(self, card_number: str, holder_name: str) -> models.BankCard:
        """The answer carries `last4`, never the number."""
        return await self._send(
            "POST",
            f"{API}/wallet/bank-cards",
            models.BankCard,
            {"card_number": card_number, "holder_name": holder_name},
        )

    async def remove_bank_card(self, card_id: int) -> None:
        await self._call("DELETE", f"{API}/wallet/bank-cards/{card_id}")

    async def enable_bnpl(self) -> models.Wallet:
        """先用后付: needs real-name verification and a bound card (409 otherwise)."""
        return await self._send("POST", f"{API}/wallet/bnpl/enable", models.Wallet)

    async def bnpl_bills(self, cursor: str | None = None, limit: int = 20) -> models.BillPage:
        """Newest first."""
        return await self._get(
            f"{API}/wallet/bnpl/bills", models.BillPage, cursor=cursor, limit=limit
        )

    async def repay_bill(
        self, bill_id: int, source: Literal["balance", "bank_card"] = "balance"
    ) -> models.Bill:
        return await self._send(
            "POST", f"{API}/wallet/bnpl/bills/{bill_id}/repay", models.Bill, {"source": source}
        )

    # --- support -------------------------------------------------------------------

    async def support_threads(
        self, cursor: str | None = None, limit: int = 20
    ) -> models.SupportThreadPage:
        return await self._get(
            f"{API}/support/threads", models.SupportThreadPage, cursor=cursor, limit=limit
        )

    async def support_thread(self, thread_id: int) -> models.SupportThreadDetail:
        return await self._get(f"{API}/support/threads/{thread_id}", models.SupportThreadDetail)

    async def open_thread(
        self, subject: str, message: str, order_id: int | None = None
    ) -> models.SupportThreadDetail:
        body: dict[str, Any] = {"subject": subject, "message": message}
        if order_id is not None:
            body["order_id"] = order_id
        return await self._send("POST", f"{API}/support/threads", models.SupportThreadDetail, body)

    async def thread_messages(
        self,
        thread_id: int,
        after_id: int | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> models.SupportMessagePage:
        """Oldest first within the page. Polling: `after_id` (the last id seen) answers the
        first `limit` after it. Otherwise the newest `limit`, or those before `cursor`
        (a page's `next_cursor`, or a thread's `messages_next_cursor`)."""
        return await self._get(
            f"{API}/support/threads/{thread_id}/messages",
            models.SupportMessagePage,
            after_id=after_id,
            cursor=cursor,
            limit=limit,
        )

    async def send_message(self, thread_id: int, text: str) -> models.SupportMessage:
        return await self._send(
            "POST",
            f"{API}/support/threads/{thread_id}/messages",
            models.SupportMessage,
            {"text": text},
        )

    async def escalate_thread(self, thread_id: int) -> models.SupportThreadDetail:
        """投诉: the platform joins the conversation."""
        return await self._send(
            "POST", f"{API}/support/threads/{thread_id}/escalate", models.SupportThreadDetail
        )

    async def close_thread(self, thread_id: int) -> models.SupportThreadDetail:
        return await self._send(
            "POST", f"{API}/support/threads/{thread_id}/close", models.SupportThreadDetail
        )


def _lines_or_cart(items: list[tuple[int, int]] | None) -> dict[str, Any]:
    """`items` [(sku_id, qty)] as the API takes them, or the cart's selected lines."""
    if items is None:
        return {"from_cart": True}
    return {"items": [{"sku_id": s, "qty": q} for s, q in items]}


def _after_sale_body(
    type: models.AfterSaleType,
    item_ids: Sequence[int],
    reason: str,
    amount_fen: int,
    description: str,
    refund_to: models.RefundTo,
    photo_ids: Sequence[int],
) -> dict[str, Any]:
    return {
        "type": type,
        "item_ids": list(item_ids),
        "reason": reason,
        "description": description,
        "amount_fen": amount_fen,
        "refund_to": refund_to,
        "photo_ids": list(photo_ids),
    }


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _network_words(error: Exception) -> str:
    kind = type(error).__name__
    return f"{kind}: {error}" if str(error) else kind
