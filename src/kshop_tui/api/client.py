"""One async client for the whole kshop API (SPEC §4).

`_call` is the only place that touches httpx: it adds the token, the language and the
idempotency key, retries GETs whose connection failed (with backoff), and turns every
failure into one of `api.errors`' exceptions `from None`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from kshop_tui.api import errors, models

T = TypeVar("T", bound=BaseModel)
API = "/api/v1"
GET_RETRIES = 3
BACKOFF_SECONDS = (0.2, 0.6, 1.5)
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def new_intent_key() -> str:
    """One Idempotency-Key per user intent: make it once, reuse it on every retry."""
    return str(uuid.uuid4())


class KshopClient:
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        token: str | None = None,
        language: Callable[[], str] = lambda: "zh-CN",
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self._language = language
        self._transport = transport
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

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
    ) -> Any:
        headers = {"Accept-Language": self._language()}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        attempts = GET_RETRIES if method == "GET" else 1
        for attempt in range(attempts):
            try:
                response = await self.http.request(
                    method, path, params=query, json=json, headers=headers, files=files
                )
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if attempt + 1 >= attempts:
                    raise errors.BackendUnreachable(_network_words(error)) from None
                await asyncio.sleep(BACKOFF_SECONDS[attempt])
            except httpx.TimeoutException as error:
                raise errors.BackendUnreachable(_network_words(error)) from None
            except (httpx.TransportError, httpx.DecodingError) as error:
                raise errors.BackendUnreachable(_network_words(error)) from None
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

    async def change_password(self, current_password: str, new_password: str) -> None:
        await self._call(
            "PUT",
            f"{API}/me/password",
            json={"current_password": current_password, "new_password": new_password},
        )

    async def set_payment_password(
        self, payment_password: str, current_payment_password: str | None = None
    ) -> None:
        body = {"payment_password": payment_password}
        if current_payment_password is not None:
            body["current_payment_password"] = current_payment_password
        await self._call("PUT", f"{API}/me/payment-password", json=body)

    async def dev_sms_codes(self, phone: str) -> list[models.SmsMessage]:
        """The fake backend's SMS outbox (only where `/_dev` is mounted)."""
        body = await self._call("GET", "/_dev/sms-outbox", params={"phone": phone})
        return [models.SmsMessage.model_validate(m) for m in body.get("messages", [])]

    # --- catalogue -----------------------------------------------------------------

    async def categories(self) -> list[models.Category]:
        body = await self._call("GET", f"{API}/categories")
        return [models.Category.model_validate(item) for item in body["items"]]

    async def brands(self, category: int | None = None) -> list[models.Brand]:
        body = await self._call("GET", f"{API}/brands", params={"category": category})
        return [models.Brand.model_validate(item) for item in body["items"]]

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
        body = await self._call(
            "GET", f"{API}/coupons/available", params={"product_id": product_id}
        )
        return [models.ClaimableCoupon.model_validate(item) for item in body["items"]]

    async def claim_coupon(self, template_id: int) -> None:
        await self._call("POST", f"{API}/coupons/{template_id}/claim")

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
        body = await self._call("GET", f"{API}/regions")
        return [models.Province.model_validate(item) for item in body["items"]]

    async def addresses(self) -> list[models.Address]:
        body = await self._call("GET", f"{API}/addresses")
        return [models.Address.model_validate(item) for item in body["items"]]

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
    ) -> models.Quote:
        """The server's price for `items` [(sku_id, qty)], or for the cart's selected lines."""
        body: dict[str, Any] = (
            {"items": [{"sku_id": s, "qty": q} for s, q in items]}
            if items is not None
            else {"from_cart": True}
        )
        if address_id is not None:
            body["address_id"] = address_id
        if coupon_id is not None:
            body["coupon_id"] = coupon_id
        return await self._send("POST", f"{API}/checkout/quote", models.Quote, body)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _network_words(error: Exception) -> str:
    kind = type(error).__name__
    return f"{kind}: {error}" if str(error) else kind
