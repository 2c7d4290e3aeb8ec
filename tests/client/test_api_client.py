"""The API client's error mapping, retries and idempotency keys (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pydantic
import pytest

from kshop_tui.api import errors, models
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler, token: str | None = "tok") -> KshopClient:
    return KshopClient("http://127.0.0.1", transport=httpx.MockTransport(handler), token=token)


def envelope(status: int, code: str, message: str = "m", **details: object) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "MALFORMED", errors.BadRequest),
        (401, "TOKEN_EXPIRED", errors.AuthExpired),
        (401, "UNAUTHENTICATED", errors.AuthExpired),
        (401, "INVALID_CREDENTIALS", errors.CredentialsRejected),
        (401, "TWO_FACTOR_REQUIRED", errors.CredentialsRejected),
        (402, "INSUFFICIENT_FUNDS", errors.InsufficientFunds),
        (403, "WRONG_PAYMENT_PASSWORD", errors.Forbidden),
        (404, "NOT_FOUND", errors.NotFound),
        (409, "OUT_OF_STOCK", errors.Conflict),
        (413, "PAYLOAD_TOO_LARGE", errors.PayloadTooLarge),
        (422, "VALIDATION_ERROR", errors.ValidationFailed),
        (500, "INTERNAL", errors.ServerError),
        (503, "INTERNAL", errors.ServerError),
    ],
)
async def test_each_status_maps_to_its_exception(status: int, code: str, kind: type) -> None:
    client = client_with(lambda request: envelope(status, code, "words"))
    with pytest.raises(kind) as caught:
        await client.me()
    assert caught.value.code == code and caught.value.message == "words"
    assert caught.value.status == status


async def test_validation_errors_name_their_fields() -> None:
    fields = {"phone": {"code": "bad_phone", "message": "enter 11 digits"}}
    client = client_with(lambda request: envelope(422, "VALIDATION_ERROR", fields=fields))
    with pytest.raises(errors.ValidationFailed) as caught:
        await client.send_sms_code("123", "login")
    assert caught.value.fields == {"phone": "enter 11 digits"}


async def test_rate_limit_carries_retry_after_from_details_or_header() -> None:
    client = client_with(lambda request: envelope(429, "RATE_LIMITED", retry_after=42))
    with pytest.raises(errors.RateLimited) as caught:
        await client.send_sms_code("13800138000", "login")
    assert caught.value.retry_after == 42

    def header_only(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"error": {"code": "LOCKED", "message": "m", "details": {}}},
            headers={"Retry-After": "900"},
        )

    with pytest.raises(errors.RateLimited) as caught:
        await client_with(header_only).me()
    assert caught.value.retry_after == 900


async def test_a_non_envelope_error_is_a_server_error() -> None:
    client = client_with(lambda request: httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(errors.ServerError):
        await client.me()


async def test_gets_are_retried_after_connection_errors_and_then_succeed() -> None:
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"items": [], "count": 0})

    cart = await client_with(flaky).cart()
    assert cart.items == [] and calls == ["GET", "GET", "GET"]


async def test_posts_are_never_retried_automatically() -> None:
    calls = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(errors.BackendUnreachable):
        await client_with(down).add_to_cart(1, 1)
    assert calls == ["POST"]


async def test_timeouts_and_cut_responses_are_unreachable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(errors.BackendUnreachable):
        await client_with(slow).cart()

    def cut(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    with pytest.raises(errors.BackendUnreachable):
        await client_with(cut).me()


async def test_headers_token_language_and_booleans() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "total": 0, "next_cursor": None})

    client = KshopClient(
        "http://127.0.0.1",
        transport=httpx.MockTransport(record),
        token="abc",
        language=lambda: "en",
    )
    await client.search_products(q="杯", in_stock=True, price_min_fen=100)
    request = seen[0]
    assert request.headers["authorization"] == "Bearer abc"
    assert request.headers["accept-language"] == "en"
    assert request.url.params["in_stock"] == "true"
    assert request.url.params["price_min_fen"] == "100"
    assert request.url.params["q"] == "杯"
    assert "brand" not in request.url.params


def test_intent_keys_are_unique_uuids() -> None:
    keys = {new_intent_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(k) == 36 for k in keys)


async def test_success_bodies_are_parsed_into_models() -> None:
    """`me()` asks GET /api/v1/me and answers a typed, frozen `User`: the backend's text is
    cleaned of terminal escapes, nested objects become models, fields a newer backend adds
    are ignored and fields it leaves out take their defaults."""
    seen: list[httpx.Request] = []
    body = {
        "id": 1,
        "phone": "13800138000",
        "phone_masked": "138****8000",
        "nickname": "张\x1b[31m三\x1b]0;pwned\x07",
        "linked_logins": [{"provider": "wechat", "label": "微信\x1b[2J"}],
        "a_field_from_a_newer_backend": {"anything": 1},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=json.dumps(body).encode())

    user = await client_with(answer).me()
    assert [(request.method, request.url.path) for request in seen] == [("GET", "/api/v1/me")]
    assert isinstance(user, models.User)
    assert (user.id, user.phone_masked, user.nickname) == (1, "138****8000", "张三")
    assert user.linked_logins == [models.LinkedLogin(provider="wechat", label="微信")]
    assert (user.two_factor_enabled, user.has_payment_password, user.created_at) == (
        False,
        False,
        None,
    )
    assert "a_field_from_a_newer_backend" not in user.model_dump()
    with pytest.raises(pydantic.ValidationError):
        user.nickname = "someone else"  # type: ignore[misc]  # frozen: screens share it


async def test_a_served_session_names_itself_and_its_visitor() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={"items": []})

    served = KshopClient(
        "http://127.0.0.1",
        transport=httpx.MockTransport(handler),
        served=True,
        visitor="203.0.113.7",
    )
    local = KshopClient("http://127.0.0.1", transport=httpx.MockTransport(handler))
    await served.categories()
    await local.categories()
    assert seen[0]["X-Kshop-Served"] == "1" and seen[0]["X-Kshop-Visitor"] == "203.0.113.7"
    assert "X-Kshop-Served" not in seen[1] and "X-Kshop-Visitor" not in seen[1]
