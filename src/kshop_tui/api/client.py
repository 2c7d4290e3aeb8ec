"""One async client for the whole kshop API (docs/api.md §4).

`_call` is the only place that touches httpx: it adds the token, the language and the
idempotency key, retries GETs (with backoff) whose connection failed, whose answer was
cut off or that a gateway answered 502/503/504, and turns every failure into one of
`api.errors`' exceptions `from None`. Other requests are never repeated by themselves.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Callable
from typing import Any

import httpx

from kshop_tui.api import errors
from kshop_tui.api.calls.account import AccountCalls
from kshop_tui.api.calls.after_sales import AfterSaleCalls
from kshop_tui.api.calls.catalogue import CatalogueCalls
from kshop_tui.api.calls.checkout import CheckoutCalls
from kshop_tui.api.calls.orders import OrderCalls
from kshop_tui.api.calls.subscriptions import SubscriptionCalls
from kshop_tui.api.calls.support import SupportCalls
from kshop_tui.api.calls.wallet import WalletCalls
from kshop_tui.api.clock import ServerClock


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One for the process, shared by its clients: loading the CA bundle took 50 ms and
    about a megabyte for each. A served session's is the zygote's, made before it forks."""
    return httpx.create_ssl_context()


SERVED_HEADER = "X-Kshop-Served"
# The address a served session's visitor connected from: a public-demo backend counts its
# per-client limits (SMS codes, QR logins) per visitor rather than for all of them at once.
VISITOR_HEADER = "X-Kshop-Visitor"
GET_RETRIES = 3
BACKOFF_SECONDS = (0.2, 0.6, 1.5)
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# A backend restarting behind a gateway; worth another try for a request that changes nothing.
RETRY_STATUSES = (502, 503, 504)


class KshopClient(
    AccountCalls,
    CatalogueCalls,
    CheckoutCalls,
    OrderCalls,
    AfterSaleCalls,
    WalletCalls,
    SupportCalls,
    SubscriptionCalls,
):
    """The one client: the calls of every area (`api.calls`) over this transport."""

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
                base_url=self.base_url,
                transport=self._transport,
                timeout=self._timeout,
                verify=tls_context(),
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


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _network_words(error: Exception) -> str:
    kind = type(error).__name__
    return f"{kind}: {error}" if str(error) else kind
