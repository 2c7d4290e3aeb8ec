"""`/openapi.json` tells the truth: the document's own rules, then every area's real flows
through the TestClient with EVERY answer (successes and errors) validated against the
schema the document gives for its path, method and status (see `openapi_check`)."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import sessions
from fake_backend.services.rules import china_day
from tests.backend.openapi_check import (
    ERROR_REF,
    SchemaChecker,
    api_operations,
    check_envelope,
    dev_routes,
    needs_login,
)
from tests.conftest import DEMO_USER_ID, FROZEN_START

API = "/api/v1"
DEMO_PHONE = "13800138000"
IDEMPOTENT = {
    ("POST", f"{API}/orders"),
    ("POST", f"{API}/orders/{{order_id}}/pay"),
    ("POST", f"{API}/after-sales"),
    ("POST", f"{API}/wallet/topup"),
}
Headers = dict[str, str]
MakeUser = Callable[..., tuple[int, Headers]]


# ---- the document itself (one app for the module: nothing here writes) -----------------


@pytest.fixture(scope="module")
def module_app(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    path = tmp_path_factory.mktemp("openapi") / "backend.sqlite3"
    shutil.copyfile(seeded_template, path)
    return create_app(path, Clock(FROZEN_START, frozen=True), merchant="manual", seed=None)


@pytest.fixture(scope="module")
def document(module_app: FastAPI) -> dict[str, Any]:
    with TestClient(module_app) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def schema(document: dict[str, Any]) -> SchemaChecker:
    return SchemaChecker(document)


def test_dev_routes_are_left_out_and_every_api_route_is_in(
    document: dict[str, Any], schema: SchemaChecker
) -> None:
    assert not [path for path in document["paths"] if not path.startswith(f"{API}/")]
    documented = {operation.key for operation in schema.operations()}
    served = {(method, path) for method, path, _ in api_operations()}
    assert served == documented
    dev = {route.path for route in dev_routes()}
    assert "/sms-outbox" in dev and "/clock/advance" in dev
    assert not any(path.removeprefix(API) in dev for path in document["paths"])


def test_every_error_response_is_the_envelope(schema: SchemaChecker) -> None:
    """400, 422 and 500 everywhere; every 4xx/5xx documented is ErrorEnvelope; no
    FastAPI default HTTPValidationError anywhere."""
    wrong: list[str] = []
    for operation in schema.operations():
        responses = operation.spec["responses"]
        for status in ("400", "422", "500"):
            if status not in responses:
                wrong.append(f"{operation.key} lacks {status}")
        for status, answer in responses.items():
            if status.startswith(("4", "5")):
                ref = answer.get("content", {}).get("application/json", {}).get("schema", {})
                if ref != {"$ref": ERROR_REF}:
                    wrong.append(f"{operation.key} {status} is {ref}")
            elif not status.startswith("2"):
                wrong.append(f"{operation.key} documents {status}")
    assert not wrong, "\n".join(wrong)
    components = schema.document["components"]["schemas"]
    assert "HTTPValidationError" not in components and "ValidationError" not in components
    envelope = components["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    assert set(components["ErrorBody"]["required"]) == {"code", "message", "details"}


def test_429_documents_its_retry_after_header(schema: SchemaChecker) -> None:
    limited = [op for op in schema.operations() if "429" in op.spec["responses"]]
    assert len(limited) >= 5
    for operation in limited:
        headers = operation.spec["responses"]["429"].get("headers", {})
        assert headers.get("Retry-After", {}).get("schema", {}).get("type") == "integer"


def test_login_routes_document_401(schema: SchemaChecker) -> None:
    missing = []
    for method, path, route in api_operations():
        operation = schema.find(method, path)
        assert operation is not None
        if needs_login(route) and "401" not in operation.spec["responses"]:
            missing.append(operation.key)
    assert not missing


def test_idempotent_routes_require_the_key_and_document_409(schema: SchemaChecker) -> None:
    for method, template in IDEMPOTENT:
        operation = schema.find(method, template.replace("{order_id}", "1"))
        assert operation is not None and operation.template == template
        [header] = [p for p in operation.spec["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is True
        assert header["schema"]["maxLength"] <= 200
        assert {"409", "422"} <= set(operation.spec["responses"])


def _unbounded(schema: SchemaChecker, node: Any, where: str, out: list[str]) -> None:
    node = schema.resolve(node)
    if not isinstance(node, dict):
        return
    for option in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        _unbounded(schema, option, where, out)
    kind = node.get("type")
    if kind == "string" and "enum" not in node and "const" not in node:
        if "maxLength" not in node:
            out.append(f"{where}: string without maxLength")
    elif kind in ("integer", "number"):
        if "maximum" not in node and "exclusiveMaximum" not in node:
            out.append(f"{where}: {kind} without maximum")
        if "minimum" not in node and "exclusiveMinimum" not in node:
            out.append(f"{where}: {kind} without minimum")
    elif kind == "array":
        if "maxItems" not in node:
            out.append(f"{where}: array without maxItems")
        _unbounded(schema, node.get("items"), f"{where}[]", out)
    for name, prop in node.get("properties", {}).items():
        _unbounded(schema, prop, f"{where}.{name}", out)


def test_every_input_is_bounded(schema: SchemaChecker) -> None:
    """docs/backend.md: max_length on every string, ge/le on every number (bodies,
    path, query and header parameters)."""
    problems: list[str] = []
    for operation in schema.operations():
        where = f"{operation.method} {operation.template}"
        for parameter in operation.spec.get("parameters", []):
            _unbounded(schema, parameter["schema"], f"{where} {parameter['name']}", problems)
        body = operation.spec.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            _unbounded(schema, body["application/json"]["schema"], f"{where} body", problems)
    assert not problems, "\n".join(problems)


def test_request_bodies_refuse_unknown_fields(schema: SchemaChecker) -> None:
    open_bodies = []
    for operation in schema.operations():
        content = operation.spec.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            body = schema.resolve(content["application/json"]["schema"])
            for option in body.get("anyOf", [body]):
                option = schema.resolve(option)
                if (
                    option.get("type") == "object"
                    and option.get("additionalProperties") is not False
                ):
                    open_bodies.append(operation.key)
    assert not open_bodies


def test_the_checker_catches_what_the_document_does_not_say(schema: SchemaChecker) -> None:
    """The checker itself: an undocumented status, a missing, an extra or a mistyped field
    and a bare FastAPI error all fail."""
    request = httpx.Request("GET", f"http://testserver{API}/orders/counts")
    counts = {
        "all": 1,
        "pending_payment": 0,
        "awaiting_shipment": 0,
        "awaiting_service": 0,
        "shipped": 1,
        "completed": 0,
        "cancelled": 0,
        "closed": 0,
        "after_sale": 0,
    }
    schema.check(httpx.Response(200, json=counts, request=request))
    envelope = {"error": {"code": "UNAUTHENTICATED", "message": "请先登录", "details": {}}}
    schema.check(httpx.Response(401, json=envelope, request=request))
    lies = [
        httpx.Response(201, json=counts, request=request),
        httpx.Response(404, json=envelope, request=request),
        httpx.Response(200, json={k: v for k, v in counts.items() if k != "all"}, request=request),
        httpx.Response(200, json={**counts, "secret": 1}, request=request),
        httpx.Response(200, json={**counts, "all": "1"}, request=request),
        httpx.Response(422, json={"detail": [{"loc": ["query"], "msg": "x"}]}, request=request),
        httpx.Response(401, json={"error": {**envelope["error"], "extra": 1}}, request=request),
        httpx.Response(401, text="Unauthorized", request=request),
        httpx.Response(200, json=counts, request=httpx.Request("GET", "http://t/api/v1/nope")),
    ]
    for lie in lies:
        with pytest.raises(AssertionError):
            schema.check(lie)


# ---- the real flows, every answer checked -----------------------------------------------


def png(size: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def luhn_card(prefix: str, length: int = 16) -> str:
    body = (prefix + "0123456789" * 2)[: length - 1]
    for check in "0123456789":
        digits = [int(d) for d in body + check]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


class Walk:
    """A demo-user session whose every answer the schema checker validates."""

    def __init__(self, client: TestClient, ctx: Ctx, headers: Headers, make_user: MakeUser):
        self.client = client
        self.ctx = ctx
        self.headers = headers
        self.make_user = make_user

    def call(
        self,
        method: str,
        path: str,
        expect: int | None = None,
        *,
        headers: Headers | None = None,
        key: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(self.headers if headers is None else headers)
        if key:
            sent["Idempotency-Key"] = str(uuid.uuid4())
        url = path if path.startswith("/_dev") else f"{API}{path}"
        response: httpx.Response = self.client.request(method, url, headers=sent, **kwargs)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.text[:600]}"
        return response

    def json(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        return self.call(method, path, expect, **kwargs).json()

    def sku(self, product_id: int, stock: int = 10) -> int:
        sku_id: int = self.ctx.db.scalar(
            "SELECT id FROM skus WHERE product_id = ? AND stock >= ? ORDER BY id LIMIT 1",
            (product_id, stock),
        )
        return sku_id

    def order(self, method: str = "balance", *, product: int = 1, qty: int = 1) -> dict[str, Any]:
        body = {"items": [{"sku_id": self.sku(product), "qty": qty}], "payment_method": method}
        placed: dict[str, Any] = self.json("POST", "/orders", 201, json=body, key=True)
        return placed

    def paid(self, *, product: int = 1, qty: int = 1) -> dict[str, Any]:
        order = self.order(product=product, qty=qty)
        body = {"method": "balance", "payment_password": "123456"}
        self.json("POST", f"/orders/{order['id']}/pay", 201, json=body, key=True)
        paid: dict[str, Any] = self.json("GET", f"/orders/{order['id']}", 200)
        return paid

    def latest_code(self, phone: str) -> str:
        outbox = self.json("GET", "/_dev/sms-outbox", 200, params={"phone": phone})
        code: str = outbox["messages"][-1]["code"]
        return code


@pytest.fixture
def checker(client: TestClient) -> Iterator[SchemaChecker]:
    """Validates every answer `client` gets from now on."""
    checker = SchemaChecker(client.get("/openapi.json").json())

    def hook(response: httpx.Response) -> None:
        response.read()
        checker.check(response)

    client.event_hooks = {"request": [], "response": [hook]}
    yield checker
    client.event_hooks = {"request": [], "response": []}


@pytest.fixture
def walk(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: Headers,
    make_user: MakeUser,
    checker: SchemaChecker,
) -> Walk:
    return Walk(client, app_ctx, demo_headers, make_user)


def walk_auth(w: Walk) -> None:
    phone = "13700001111"
    anon: Headers = {}
    w.call("POST", "/auth/sms-codes", 422, headers=anon, json={"phone": "123", "purpose": "login"})
    w.call(
        "POST", "/auth/sms-codes", 200, headers=anon, json={"phone": phone, "purpose": "register"}
    )
    w.call(
        "POST", "/auth/sms-codes", 429, headers=anon, json={"phone": phone, "purpose": "register"}
    )
    w.call(
        "POST",
        "/auth/sms-codes",
        409,
        headers=anon,
        json={"phone": DEMO_PHONE, "purpose": "register"},
    )
    bad = {"phone": phone, "code": "000000", "password": "abc12345"}
    if w.latest_code(phone) == "000000":
        bad["code"] = "111111"
    w.call("POST", "/auth/register", 422, headers=anon, json=bad)
    body = {"phone": phone, "code": w.latest_code(phone), "password": "abc12345"}
    registered = w.json("POST", "/auth/register", 201, headers=anon, json=body)
    assert registered["user"]["phone"] == phone
    w.call("POST", "/auth/register", 409, headers=anon, json=body)
    w.call("POST", "/auth/login", 401, headers=anon, json={"phone": phone, "password": "wrong1234"})
    logged = w.json(
        "POST", "/auth/login", 200, headers=anon, json={"phone": phone, "password": "abc12345"}
    )
    mine = {"Authorization": f"Bearer {logged['token']}"}
    w.call(
        "POST", "/auth/sms-codes", 200, headers=anon, json={"phone": DEMO_PHONE, "purpose": "login"}
    )
    code = {"phone": DEMO_PHONE, "code": w.latest_code(DEMO_PHONE)}
    w.call("POST", "/auth/login", 200, headers=anon, json=code)
    w.call("POST", "/auth/login", 422, headers=anon, json={"phone": DEMO_PHONE})
    w.ctx.clock.advance(61)
    w.call("POST", "/auth/sms-codes", 200, headers=anon, json={"phone": phone, "purpose": "reset"})
    reset = {"phone": phone, "code": w.latest_code(phone), "new_password": "xyz98765"}
    w.call("POST", "/auth/password-reset", 200, headers=anon, json=reset)
    w.call("POST", "/auth/password-reset", 422, headers=anon, json=reset)
    w.call("GET", "/me", 401, headers=mine)
    w.call("POST", "/auth/oauth/weibo/start", 404, headers=anon)
    started = w.json("POST", "/auth/oauth/wechat/start", 200, headers=anon)
    poll = {"device_code": started["device_code"]}
    assert w.json("POST", "/auth/oauth/poll", 202, headers=anon, json=poll) == {"status": "pending"}
    w.call("POST", f"/_dev/oauth/{started['device_code']}/approve", 200, headers=anon)
    w.call("POST", "/auth/oauth/poll", 200, headers=anon, json=poll)
    w.call("POST", "/auth/oauth/poll", 409, headers=anon, json=poll)
    w.call("POST", "/auth/oauth/poll", 404, headers=anon, json={"device_code": "nope"})
    again = w.json(
        "POST", "/auth/login", 200, headers=anon, json={"phone": phone, "password": "xyz98765"}
    )
    theirs = {"Authorization": f"Bearer {again['token']}"}
    w.call("POST", "/auth/logout", 200, headers=theirs)
    w.call("POST", "/auth/logout", 401, headers=theirs)
    again = w.json(
        "POST", "/auth/login", 200, headers=anon, json={"phone": phone, "password": "xyz98765"}
    )
    theirs = {"Authorization": f"Bearer {again['token']}"}
    w.call("POST", "/auth/logout-all", 200, headers=theirs)
    w.call("POST", "/auth/logout-all", 401, headers=theirs)


def walk_account(w: Walk) -> None:
    w.call("GET", "/me", 200)
    w.call("GET", "/me", 401, headers={})
    w.call("GET", "/me", 401, headers={"Authorization": "Bearer not-a-token"})
    w.call("PUT", "/me/two-factor", 200, json={"enabled": True})
    w.call("PUT", "/me/two-factor", 200, json={"enabled": False, "password": "demo1234"})
    w.call("PUT", "/me/two-factor", 422, json={"enabled": "yes"})
    w.call("PUT", "/me/two-factor", 422, json={"enabled": False})
    w.call("PUT", "/me/two-factor", 403, json={"enabled": False, "password": "wrong1234"})
    w.call("PUT", "/me/real-name", 409, json={"name": "张三", "id_number": "11010519491231002X"})
    _, fresh = w.make_user()
    w.call("PUT", "/me/real-name", 422, headers=fresh, json={"name": "张三", "id_number": "1"})
    w.call(
        "PUT",
        "/me/real-name",
        200,
        headers=fresh,
        json={"name": "张三", "id_number": "11010519491231002X"},
    )
    change = {"current_password": "wrong-one1", "new_password": "newpass123"}
    w.call("PUT", "/me/password", 403, headers=fresh, json=change)
    change["current_password"] = "pass1234"
    w.call("PUT", "/me/password", 200, headers=fresh, json=change)
    w.call("PUT", "/me/payment-password", 422, headers=fresh, json={"payment_password": "12"})
    w.call("PUT", "/me/payment-password", 200, headers=fresh, json={"payment_password": "654321"})
    w.call("PUT", "/me/payment-password", 422, headers=fresh, json={"payment_password": "111111"})
    wrong = {"payment_password": "111111", "current_payment_password": "000000"}
    w.call("PUT", "/me/payment-password", 403, headers=fresh, json=wrong)


def walk_ssh_keys(w: Walk) -> None:
    fingerprint = "SHA256:" + "A" * 43
    w.call("GET", "/me/ssh-keys", 200)
    w.call("GET", "/me/ssh-keys", 401, headers={})
    key = w.json("POST", "/me/ssh-keys", 201, json={"fingerprint": fingerprint, "label": "k"})
    w.call("POST", "/me/ssh-keys", 200, json={"fingerprint": fingerprint, "label": "k"})
    w.call("POST", "/me/ssh-keys", 422, json={"fingerprint": "MD5:00", "label": "k"})
    _, other = w.make_user()
    w.call("POST", "/me/ssh-keys", 409, headers=other, json={"fingerprint": fingerprint})
    w.call("GET", "/me/ssh-keys", 200)
    session = {"fingerprint": fingerprint}
    w.call("POST", "/auth/ssh-session", 403, headers={}, json=session)
    w.ctx.gateway_secret = "walk-secret"
    gateway = {"X-Kshop-Gateway-Secret": "walk-secret"}
    w.call("POST", "/auth/ssh-session", 200, headers=gateway, json=session)
    w.call("POST", "/auth/ssh-session", 422, headers=gateway, json={"fingerprint": "x"})
    w.call("DELETE", f"/me/ssh-keys/{key['id']}", 200)
    w.call("DELETE", f"/me/ssh-keys/{key['id']}", 404)
    w.call("POST", "/auth/ssh-session", 404, headers=gateway, json=session)


def walk_access_tokens(w: Walk) -> None:
    body = {"name": "cron", "scopes": ["read", "order", "pay"], "expires_in_days": 30}
    w.call("GET", "/me/tokens", 200)
    w.call("GET", "/me/tokens", 401, headers={})
    made = w.json("POST", "/me/tokens", 201, json=body)
    w.call("POST", "/me/tokens", 422, json={**body, "scopes": ["admin"]})
    pat = {"Authorization": f"Bearer {made['token']}"}
    w.call("GET", "/me", 200, headers=pat)
    w.call("GET", "/me/tokens", 403, headers=pat)
    w.call("PUT", "/me/two-factor", 403, headers=pat, json={"enabled": True})
    w.call("GET", "/me/tokens", 200)
    w.call("DELETE", f"/me/tokens/{made['id']}", 200)
    w.call("DELETE", f"/me/tokens/{made['id']}", 404)
    w.call("GET", "/me", 401, headers=pat)


def walk_subscriptions(w: Walk) -> None:
    address = w.json("GET", "/addresses", 200)["items"][0]["id"]
    tomorrow = china_day(w.ctx.now() + 86400)
    body = {
        "sku_id": w.sku(1),
        "qty": 1,
        "address_id": address,
        "payment_method": "balance",
        "every": "week",
        "starts_on": tomorrow,
        "payment_password": "123456",
    }
    w.call("GET", "/subscriptions", 401, headers={})
    w.call("POST", "/subscriptions", 422, key=True, json={**body, "starts_on": "2000-01-01"})
    made = w.json("POST", "/subscriptions", 201, key=True, json=body)
    path = f"/subscriptions/{made['id']}"
    w.call("GET", "/subscriptions", 200)
    w.call("GET", path, 200)
    w.call("GET", "/subscriptions/999999", 404)
    w.call("PUT", path, 200, json={"qty": 2, "every": "month"})
    w.call("POST", f"{path}/resume", 409)
    w.call("POST", f"{path}/pause", 200)
    w.call("POST", f"{path}/resume", 200)
    w.call("POST", f"{path}/skip-next", 200)
    w.call("DELETE", path, 200)
    w.call("DELETE", path, 409)
    w.call("PUT", path, 409, json={"qty": 1})
    w.call("POST", f"{path}/pause", 409)
    w.call("POST", f"{path}/skip-next", 409)


def walk_search(w: Walk) -> None:
    w.call("GET", "/products", 200, params={"q": "创意工坊保温杯"})
    w.call("GET", "/products", 200, params={"q": "huawei", "sort": "relevance"})
    w.call("GET", "/search/suggest", 200, params={"q": "bw"})
    w.call("GET", "/search/suggest", 200, params={"q": "温杯子不存在"})
    w.call("GET", "/search/suggest", 422, params={"q": ""})
    w.call("GET", "/search/suggest", 422, params={"q": "手", "limit": 0})
    w.call("POST", "/search/history", 200, json={"q": "保温杯"})
    w.call("POST", "/search/history", 422, json={"q": ""})
    w.call("POST", "/search/history", 401, headers={}, json={"q": "保温杯"})
    w.call("GET", "/search/history", 200)
    w.call("GET", "/search/history", 401, headers={})
    w.call("DELETE", "/search/history", 200)
    w.call("DELETE", "/search/history", 401, headers={})


def walk_catalogue(w: Walk) -> None:
    for lang in ("zh", "en"):
        w.call("GET", "/categories", 200, headers={"Accept-Language": lang})
    tree = w.json("GET", "/categories", 200)
    top = tree["items"][0]["id"]
    w.call("GET", "/brands", 200)
    brands = w.json("GET", "/brands", 200, params={"category": top})
    w.call("GET", "/brands", 404, params={"category": 10**9})
    page = w.json("GET", "/products", 200, params={"limit": 5, "sort": "price_asc"})
    w.call(
        "GET",
        "/products",
        200,
        params={"cursor": page["next_cursor"], "limit": 5, "sort": "price_asc"},
    )
    params = {
        "q": "官方",
        "category": top,
        "in_stock": "true",
        "price_min_fen": 1,
        "price_max_fen": 10**7,
    }
    w.call("GET", "/products", 200, params=params)
    if brands["items"]:
        w.call("GET", "/products", 200, params={"brand": brands["items"][0]["name"]})
    w.call("GET", "/products", 422, params={"cursor": "garbage!"})
    w.call("GET", "/products", 422, params={"price_min_fen": 500, "price_max_fen": 100})
    w.call("GET", "/products", 422, params={"sort": "random"})
    w.call("GET", "/products", 404, params={"category": 10**9})
    detail = w.json("GET", "/products/1", 200, headers={"Accept-Language": "en"})
    w.call("GET", "/products/999999", 404)
    reviews = w.json("GET", "/products/1/reviews", 200, params={"limit": 2})
    if reviews["next_cursor"]:
        w.call("GET", "/products/1/reviews", 200, params={"cursor": reviews["next_cursor"]})
    w.call("GET", "/products/999999/reviews", 404)
    image = w.call("GET", detail["images"][0].removeprefix(API), 200)
    assert image.headers["content-type"] == "image/png"
    w.call("GET", "/images/999999.png", 404)
    w.call("GET", "/regions", 200)
    w.call("GET", "/after-sale-reasons", 200)


def walk_guest(w: Walk) -> None:
    """Guest ordering and the address parser (docs/api.md §7.4)."""
    phone = "13700002222"
    anon: Headers = {}
    w.call("POST", "/auth/sms-codes", 200, headers=anon, json={"phone": phone, "purpose": "guest"})
    wrong = "111111" if w.latest_code(phone) == "000000" else "000000"
    w.call("POST", "/auth/guest", 422, headers=anon, json={"phone": phone, "code": wrong})
    opened = w.json(
        "POST",
        "/auth/guest",
        201,
        headers=anon,
        json={"phone": phone, "code": w.latest_code(phone)},
    )
    guest: Headers = {"Authorization": f"Bearer {opened['token']}"}
    w.call("GET", "/wallet", 403, headers=guest)
    parsed = w.json(
        "POST",
        "/addresses/parse",
        200,
        headers=anon,
        json={"text": "张三 13800138000 浙江省杭州市西湖区文三路100号"},
    )
    w.call("POST", "/addresses/parse", 422, headers=anon, json={"text": ""})
    address = {key: parsed[key] for key in ("name", "phone", "province", "city", "district")}
    address["detail"] = parsed["detail"]
    items = [{"sku_id": w.sku(3), "qty": 1}]
    w.call("POST", "/checkout/quote", 200, headers=guest, json={"items": items, "address": address})
    body = {"items": items, "payment_method": "bank_card", "address": address}
    w.call("POST", "/orders", 422, key=True, headers=guest, json={**body, "payment_method": "bnpl"})
    order = w.json(
        "POST", "/orders", 201, headers={**guest, "Idempotency-Key": str(uuid.uuid4())}, json=body
    )
    card = {"card_number": "6225880137706868", "holder_name": "张三"}
    w.call(
        "POST",
        f"/orders/{order['id']}/pay",
        201,
        key=True,
        headers=guest,
        json={"method": "bank_card", "card": card},
    )
    w.call("POST", "/_dev/clock/advance", 200, headers=anon, json={"seconds": 61})
    w.call("POST", "/auth/sms-codes", 200, headers=anon, json={"phone": phone, "purpose": "guest"})
    lookup = {"order_no": order["order_no"], "phone": phone, "code": w.latest_code(phone)}
    w.call("GET", "/orders/lookup", 422, headers=anon, params={**lookup, "code": "12"})
    w.call("GET", "/orders/lookup", 404, headers=anon, params={**lookup, "order_no": "KS000"})
    w.call("GET", "/orders/lookup", 200, headers=anon, params=lookup)


def walk_cart_addresses_quote(w: Walk) -> None:
    w.call("GET", "/cart", 200)
    added = w.json("POST", "/cart/items", 201, json={"sku_id": w.sku(1), "qty": 2})
    item_id = added["items"][0]["id"]
    w.call("POST", "/cart/items", 404, json={"sku_id": 10**12, "qty": 1})
    w.call("POST", "/cart/items", 422, json={"sku_id": w.sku(1), "qty": 100})
    sold_out = w.ctx.db.scalar("SELECT id FROM skus WHERE stock = 0 ORDER BY id LIMIT 1")
    if sold_out is not None:
        w.call("POST", "/cart/items", 409, json={"sku_id": sold_out, "qty": 1})
    w.call("PATCH", f"/cart/items/{item_id}", 200, json={"qty": 3})
    w.call("PATCH", f"/cart/items/{item_id}", 200, json={"selected": False})
    w.call("PATCH", f"/cart/items/{item_id}", 422, json={})
    w.call("PATCH", "/cart/items/999999", 404, json={"qty": 1})
    w.call("PUT", "/cart/selection", 200, json={"selected": True})
    w.call("POST", "/checkout/quote", 200, json={"from_cart": True})
    w.call("DELETE", f"/cart/items/{item_id}", 200)
    w.call("DELETE", f"/cart/items/{item_id}", 404)
    w.call("POST", "/checkout/quote", 422, json={"from_cart": True})
    listed = w.json("GET", "/addresses", 200)
    address = {
        "name": "李四",
        "phone": "13912345678",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园南路 1 号",
    }
    regions = w.json("GET", "/regions", 200)["items"]
    province = regions[0]
    address.update(
        province=province["name"],
        city=province["cities"][0]["name"],
        district=province["cities"][0]["districts"][0],
    )
    created = w.json("POST", "/addresses", 201, json=address)
    w.call("POST", "/addresses", 422, json={**address, "phone": "12"})
    w.call("PUT", f"/addresses/{created['id']}", 200, json={**address, "is_default": True})
    w.call("PUT", "/addresses/999999", 404, json=address)
    quote = {"items": [{"sku_id": w.sku(1), "qty": 1}], "address_id": created["id"]}
    w.call("POST", "/checkout/quote", 200, json=quote)
    w.call("POST", "/checkout/quote", 404, json={**quote, "address_id": 999999})
    w.call("POST", "/checkout/quote", 404, json={"items": [{"sku_id": 10**12, "qty": 1}]})
    w.call("POST", "/checkout/quote", 422, json={**quote, "coupon_id": 999999})
    w.call("DELETE", f"/addresses/{created['id']}", 200)
    w.call("DELETE", f"/addresses/{created['id']}", 404)
    assert len(w.json("GET", "/addresses", 200)["items"]) == len(listed["items"])


def walk_orders_and_payments(w: Walk) -> dict[str, Any]:
    """Every payment method, order changes, cancel, counts; answers a few ids for later."""
    w.call("POST", "/orders", 422, json={"payment_method": "balance", "from_cart": True})
    w.call(
        "POST",
        "/orders",
        422,
        json={"items": [{"sku_id": w.sku(1), "qty": 1}], "payment_method": "balance"},
    )
    key = {"Idempotency-Key": str(uuid.uuid4()), **w.headers}
    body = {"items": [{"sku_id": w.sku(3), "qty": 1}], "payment_method": "alipay", "remark": "r"}
    first = w.json("POST", "/orders", 201, headers=key, json=body)
    replay = w.call("POST", "/orders", 201, headers=key, json=body)
    assert (
        replay.headers.get("Idempotent-Replayed") == "true" and replay.json()["id"] == first["id"]
    )
    w.call("POST", "/orders", 422, headers=key, json={**body, "remark": "other"})
    w.call("POST", "/orders", 404, key=True, json={**body, "address_id": 999999})
    short = w.ctx.db.one(
        "SELECT id, stock FROM skus WHERE stock BETWEEN 1 AND 98 ORDER BY id LIMIT 1"
    )
    assert short is not None
    too_many = {"items": [{"sku_id": short["id"], "qty": short["stock"] + 1}]}
    w.call("POST", "/orders", 409, key=True, json={**too_many, "payment_method": "balance"})
    invoice = {"type": "company", "title": "某某有限公司", "tax_id": "91330000123456789X"}
    w.call("POST", "/orders", 201, key=True, json={**body, "invoice": invoice})
    order_id = first["id"]
    w.call(
        "PUT", f"/orders/{order_id}/items", 200, json={"items": [{"sku_id": w.sku(3), "qty": 2}]}
    )
    address_id = w.json("GET", "/addresses", 200)["items"][0]["id"]
    w.call("PUT", f"/orders/{order_id}/address", 200, json={"address_id": address_id})
    w.call("PUT", f"/orders/{order_id}/address", 404, json={"address_id": 999999})
    w.call("GET", "/orders/999999", 404)
    alipay = w.json("POST", f"/orders/{order_id}/pay", 201, key=True, json={"method": "alipay"})
    assert alipay["status"] == "pending" and alipay["qr_payload"]
    w.call("GET", f"/payments/{alipay['id']}", 200)
    w.call("GET", "/payments/999999", 404)
    w.call("POST", f"/_dev/payments/{alipay['id']}/fail", 200)
    wechat = w.json("POST", f"/orders/{order_id}/pay", 201, key=True, json={"method": "wechat_pay"})
    w.call("POST", f"/_dev/payments/{wechat['id']}/succeed", 200)
    w.call("POST", f"/orders/{order_id}/pay", 409, key=True, json={"method": "alipay"})
    w.call(
        "PUT", f"/orders/{order_id}/items", 409, json={"items": [{"sku_id": w.sku(3), "qty": 1}]}
    )
    # bank card, with a wrong password first
    card_order = w.order()
    path = f"/orders/{card_order['id']}/pay"
    w.call("POST", path, 422, key=True, json={"method": "bank_card"})
    w.call("POST", path, 403, key=True, json={"method": "bank_card", "payment_password": "000000"})
    w.call(
        "POST",
        path,
        404,
        key=True,
        json={"method": "bank_card", "payment_password": "123456", "bank_card_id": 999999},
    )
    w.call("POST", path, 201, key=True, json={"method": "bank_card", "payment_password": "123456"})
    w.paid()
    # cancel: unpaid, then paid (refunded), then twice
    reasons = w.json("GET", "/orders/cancel-reasons", 200)["items"]
    unpaid = w.order()
    cancel = {"reason": reasons[0]["code"]}
    w.call("POST", f"/orders/{unpaid['id']}/cancel", 200, json=cancel)
    w.call("POST", f"/orders/{unpaid['id']}/cancel", 409, json=cancel)
    w.call("POST", f"/orders/{unpaid['id']}/pay", 409, key=True, json={"method": "alipay"})
    paid = w.paid()
    w.call("POST", f"/orders/{paid['id']}/cancel", 200, json=cancel)
    w.call("POST", f"/orders/{paid['id']}/cancel", 422, json={"reason": "no-such-reason"})
    w.call("POST", f"/orders/{paid['id']}/confirm-receipt", 409)
    # lists
    page = w.json("GET", "/orders", 200, params={"limit": 2})
    w.call("GET", "/orders", 200, params={"cursor": page["next_cursor"], "limit": 2})
    for status in ("pending_payment", "awaiting_shipment", "cancelled", "after_sale"):
        w.call("GET", "/orders", 200, params={"status": status})
    w.call("GET", "/orders", 422, params={"status": "lost"})
    w.call("GET", "/orders", 422, params={"cursor": "###"})
    w.call("GET", "/orders/counts", 200)
    return {"awaiting": card_order["id"]}


def walk_poor_user(w: Walk) -> None:
    _, poor = w.make_user(payment_password="123456")
    address = w.json("GET", "/addresses", 200)["items"][0]
    fields = {k: address[k] for k in ("name", "phone", "province", "city", "district", "detail")}
    w.call("POST", "/addresses", 201, headers=poor, json=fields)
    body = {"items": [{"sku_id": w.sku(1), "qty": 1}], "payment_method": "balance"}
    order = w.json("POST", "/orders", 201, headers=poor, key=True, json=body)
    pay = {"method": "balance", "payment_password": "123456"}
    w.call("POST", f"/orders/{order['id']}/pay", 402, headers=poor, key=True, json=pay)
    for _ in range(5):
        wrong = {"method": "balance", "payment_password": "000000"}
        w.call("POST", f"/orders/{order['id']}/pay", None, headers=poor, key=True, json=wrong)
    w.call("POST", f"/orders/{order['id']}/pay", 429, headers=poor, key=True, json=pay)
    # Locked out by the wrong payment passwords: pay-later and a top-up wait too (§7.5).
    bnpl_pay = {"method": "bnpl", "payment_password": "123456"}
    w.call("POST", f"/orders/{order['id']}/pay", 429, headers=poor, key=True, json=bnpl_pay)
    topup = {"amount_fen": 100, "payment_password": "123456"}
    w.call("POST", "/wallet/topup", 429, headers=poor, key=True, json=topup)


def walk_logistics_and_reviews(w: Walk) -> None:
    order = w.paid(product=1)
    w.call("GET", f"/orders/{order['id']}/logistics", 409)
    shipped = w.json("POST", f"/_dev/orders/{order['id']}/ship", 200)
    tracking_no = shipped["logistics"]["tracking_no"]
    w.call("GET", f"/orders/{order['id']}/logistics", 200)
    w.call("GET", f"/logistics/{tracking_no}", 200)
    w.call("GET", "/logistics/SF0000000000000", 404)
    w.call("GET", "/logistics/carriers", 200)
    w.call("POST", f"/orders/{order['id']}/reviews", 409, json={"rating": 5, "text": "好"})
    w.call("POST", f"/_dev/orders/{order['id']}/deliver", 200)
    w.call("POST", f"/orders/{order['id']}/confirm-receipt", 200)
    w.call("POST", f"/orders/{order['id']}/confirm-receipt", 409)
    w.call("POST", f"/orders/{order['id']}/reviews", 422, json={"rating": 6, "text": "好"})
    w.call(
        "POST",
        f"/orders/{order['id']}/reviews",
        404,
        json={"rating": 5, "text": "好", "item_id": 999999},
    )
    w.call("POST", f"/orders/{order['id']}/reviews", 201, json={"rating": 5, "text": "很好"})
    w.call("POST", f"/orders/{order['id']}/reviews", 409, json={"rating": 5, "text": "很好"})


def walk_after_sales(w: Walk) -> None:
    w.call("GET", "/after-sale-reasons", 200, headers={"Accept-Language": "en"})
    upload = w.json("POST", "/uploads", 201, files={"file": ("a.png", png(), "image/png")})
    w.call("POST", "/uploads", 422, files={"file": ("a.txt", b"hello", "text/plain")})
    w.call(
        "POST",
        "/uploads",
        413,
        files={"file": ("big.png", png() + b"\0" * (5 * 2**20 + 10), "image/png")},
    )
    w.call("POST", "/uploads", 422)
    order = w.paid(product=1)
    w.json("POST", f"/_dev/orders/{order['id']}/ship", 200)
    w.json("POST", f"/_dev/orders/{order['id']}/deliver", 200)
    found = w.json("GET", f"/orders/{order['id']}/after-sale-eligibility", 200)
    w.call("GET", "/orders/999999/after-sale-eligibility", 404)
    item_ids = [item["item_id"] for item in found["items"] if "return_refund" in item["types"]]
    body = {
        "order_id": order["id"],
        "type": "return_refund",
        "item_ids": item_ids,
        "reason": "quality_problem",
        "description": "坏了",
        "amount_fen": found["max_refund_by_type"]["return_refund"],
        "refund_to": "original",
        "photo_ids": [upload["id"]],
    }
    w.call("POST", "/after-sales", 422, key=True, json={**body, "amount_fen": 10**10})
    w.call("POST", "/after-sales", 404, key=True, json={**body, "order_id": 999999})
    created = w.json("POST", "/after-sales", 201, key=True, json=body)
    w.call("POST", "/after-sales", 409, key=True, json=body)
    path = f"/after-sales/{created['id']}"
    w.call("GET", path, 200)
    w.call("GET", "/after-sales/999999", 404)
    w.call("GET", "/after-sales", 200, params={"order_id": order["id"]})
    w.call("GET", "/after-sales", 422, params={"cursor": "!!"})
    w.call("POST", f"{path}/appeal", 409, json={"reason": "理由充分的申诉"})
    w.call(
        "POST",
        f"{path}/return-shipment",
        409,
        json={"carrier": "SF", "tracking_no": "SF1234567890123"},
    )
    w.call("GET", f"{path}/pickup-slots", 409)
    w.call("POST", f"/_dev/after-sales/{created['id']}/approve", 200)
    slots = w.json("GET", f"{path}/pickup-slots", 200)["items"]
    address_id = w.json("GET", "/addresses", 200)["items"][0]["id"]
    w.call("POST", f"{path}/return-shipment", 422, json={"carrier": "SF"})
    w.call(
        "POST",
        f"{path}/return-shipment",
        404,
        json={"pickup": {"address_id": 999999, "slot": slots[0]}},
    )
    w.call(
        "POST",
        f"{path}/return-shipment",
        200,
        json={"pickup": {"address_id": address_id, "slot": slots[0]}},
    )
    w.call("POST", f"{path}/cancel", 409)
    w.call("POST", f"/_dev/after-sales/{created['id']}/receive", 200)
    # rejected → modify → rejected → appeal; and a cancelled one
    other = w.paid(product=1)
    found = w.json("GET", f"/orders/{other['id']}/after-sale-eligibility", 200)
    body = {
        "order_id": other["id"],
        "type": "refund_only",
        "item_ids": [found["items"][0]["item_id"]],
        "reason": found_reason(w, "refund_only"),
        "amount_fen": found["max_refund_by_type"]["refund_only"],
    }
    second = w.json("POST", "/after-sales", 201, key=True, json=body)
    path = f"/after-sales/{second['id']}"
    fields = {k: v for k, v in body.items() if k != "order_id"}
    w.call("PUT", path, 409, json=fields)
    w.call("POST", f"/_dev/after-sales/{second['id']}/reject", 200, json={"note": "不行"})
    w.call("PUT", path, 422, json={**fields, "amount_fen": 10**10})
    w.call("PUT", path, 200, json={**fields, "description": "再看看"})
    w.call("POST", f"/_dev/after-sales/{second['id']}/reject", 200)
    w.call("POST", f"{path}/appeal", 422, json={"reason": "短"})
    w.call("POST", f"{path}/appeal", 200, json={"reason": "商家无理拒绝退款"})
    w.call("POST", f"/_dev/after-sales/{second['id']}/approve", 200)
    third_order = w.paid(product=1)
    found = w.json("GET", f"/orders/{third_order['id']}/after-sale-eligibility", 200)
    body = {**body, "order_id": third_order["id"], "item_ids": [found["items"][0]["item_id"]]}
    body["amount_fen"] = 1
    third = w.json("POST", "/after-sales", 201, key=True, json=body)
    w.call("POST", f"/after-sales/{third['id']}/cancel", 200)
    w.call("POST", f"/after-sales/{third['id']}/cancel", 409)
    page = w.json("GET", "/after-sales", 200, params={"limit": 1})
    w.call("GET", "/after-sales", 200, params={"cursor": page["next_cursor"], "limit": 1})
    # a parcel the user sends back
    fourth_order = w.paid(product=1)
    w.json("POST", f"/_dev/orders/{fourth_order['id']}/ship", 200)
    w.json("POST", f"/_dev/orders/{fourth_order['id']}/deliver", 200)
    found = w.json("GET", f"/orders/{fourth_order['id']}/after-sale-eligibility", 200)
    body = {
        "order_id": fourth_order["id"],
        "type": "return_refund",
        "item_ids": [found["items"][0]["item_id"]],
        "reason": "quality_problem",
        "amount_fen": 1,
    }
    w.call("POST", "/after-sales", 422, key=True, json=body)  # a quality problem needs a photo
    fourth = w.json("POST", "/after-sales", 201, key=True, json={**body, "reason": "wrong_item"})
    w.call("POST", f"/_dev/after-sales/{fourth['id']}/approve", 200)
    path = f"/after-sales/{fourth['id']}/return-shipment"
    w.call("POST", path, 422, json={"carrier": "SF", "tracking_no": "bad"})
    w.call("POST", path, 200, json={"carrier": "SF", "tracking_no": "SF1234567890123"})
    walk_exchange(w)


def walk_exchange(w: Walk) -> None:
    """An exchange to its confirmed replacement; an appeal the platform decides."""
    order = w.paid(product=1)
    w.json("POST", f"/_dev/orders/{order['id']}/ship", 200)
    w.json("POST", f"/_dev/orders/{order['id']}/deliver", 200)
    item = w.json("GET", f"/orders/{order['id']}/after-sale-eligibility", 200)["items"][0]
    choice = next(sku for sku in item["exchange_skus"] if sku["stock"] > 0)
    body = {
        "order_id": order["id"],
        "type": "exchange",
        "exchange_items": [{"item_id": item["item_id"], "sku_id": choice["sku_id"]}],
        "reason": "size_fit",
    }
    w.call("POST", "/after-sales", 422, key=True, json={**body, "amount_fen": 1})
    created = w.json("POST", "/after-sales", 201, key=True, json=body)
    path = f"/after-sales/{created['id']}"
    dev = f"/_dev/after-sales/{created['id']}"
    w.call("POST", f"{path}/confirm-replacement", 409)
    w.call("POST", f"{dev}/reship", 409)
    w.call("POST", f"{dev}/approve", 200)
    w.call(
        "POST",
        f"{path}/return-shipment",
        200,
        json={"carrier": "SF", "tracking_no": "SF1234567890124"},
    )
    w.call("POST", f"{dev}/receive", 200)
    w.call("POST", f"{dev}/reship", 200)
    w.call("POST", "/_dev/after-sales/999999/reship", 404)
    w.call("POST", f"{path}/confirm-replacement", 200)
    w.call("POST", "/after-sales/999999/confirm-replacement", 404)
    # An appeal the platform decides.
    other = w.paid(product=1)
    item = w.json("GET", f"/orders/{other['id']}/after-sale-eligibility", 200)["items"][0]
    refund = {
        "order_id": other["id"],
        "type": "refund_only",
        "item_ids": [item["item_id"]],
        "reason": "other",
        "amount_fen": 1,
    }
    appealed = w.json("POST", "/after-sales", 201, key=True, json=refund)
    decide = f"/_dev/after-sales/{appealed['id']}/platform-decide"
    w.call("POST", decide, 409, json={"approve": True})
    w.call("POST", f"/_dev/after-sales/{appealed['id']}/reject", 200)
    w.call(
        "POST", f"/after-sales/{appealed['id']}/appeal", 200, json={"reason": "商家无理拒绝退款"}
    )
    w.call("POST", decide, 422, json={})
    w.call("POST", decide, 200, json={"approve": False})
    w.call("POST", "/_dev/after-sales/999999/platform-decide", 404, json={"approve": True})
    w.call("GET", "/orders", 200, params={"status": "closed"})


def found_reason(w: Walk, kind: str) -> str:
    reasons = w.json("GET", "/after-sale-reasons", 200)["items"]
    return str(next(r["code"] for r in reasons if kind in r["types"] and not r["photo_required"]))


def walk_wallet(w: Walk) -> None:
    w.call("GET", "/wallet", 200)
    w.call("GET", "/wallet/transactions", 200)
    page = w.json("GET", "/wallet/transactions", 200, params={"limit": 1, "account": "balance"})
    if page["next_cursor"]:
        w.call("GET", "/wallet/transactions", 200, params={"cursor": page["next_cursor"]})
    w.call("GET", "/wallet/transactions", 422, params={"cursor": "@@"})
    w.call("POST", "/wallet/topup", 422, key=True, json={"amount_fen": 1000})
    wrong = {"amount_fen": 1000, "payment_password": "000000"}
    w.call("POST", "/wallet/topup", 403, key=True, json=wrong)
    topup = {"amount_fen": 1000, "payment_password": "123456"}
    w.call("POST", "/wallet/topup", 201, key=True, json=topup)
    w.call("POST", "/wallet/topup", 404, key=True, json={**topup, "bank_card_id": 999999})
    w.call("POST", "/wallet/topup", 422, key=True, json={"amount_fen": 0})
    w.call("POST", "/wallet/topup", 422, json={"amount_fen": 10})
    cards = w.json("GET", "/wallet/bank-cards", 200)["items"]
    holder = cards[0]["holder_name"]
    card = {"card_number": luhn_card("622202"), "holder_name": "王五"}
    w.call("POST", "/wallet/bank-cards", 422, json=card)
    w.call("POST", "/wallet/bank-cards", 422, json={**card, "card_number": "1234"})
    real = w.ctx.db.scalar("SELECT real_name FROM users WHERE id = ?", (DEMO_USER_ID,))
    added = w.json("POST", "/wallet/bank-cards", 201, json={**card, "holder_name": real or holder})
    w.call("POST", "/wallet/bank-cards", 409, json={**card, "holder_name": real or holder})
    w.call("DELETE", f"/wallet/bank-cards/{added['id']}", 200)
    w.call("DELETE", f"/wallet/bank-cards/{added['id']}", 404)
    w.call("GET", "/wallet/bnpl/bills", 200)
    _, fresh = w.make_user()
    terms = {"accept_terms": True}
    w.call("POST", "/wallet/bnpl/enable", 409, headers=fresh, json=terms)
    w.call("POST", "/wallet/bnpl/enable", 422, json={"accept_terms": False})
    w.call("POST", "/wallet/bnpl/enable", 200, json=terms)
    w.call("DELETE", f"/wallet/bank-cards/{cards[0]['id']}", 409)
    order = w.order("bnpl")
    w.call("POST", f"/orders/{order['id']}/pay", 422, key=True, json={"method": "bnpl"})
    bnpl_pay = {"method": "bnpl", "payment_password": "123456"}
    w.call("POST", f"/orders/{order['id']}/pay", 201, key=True, json=bnpl_pay)
    w.call("POST", f"/_dev/orders/{order['id']}/deliver", None)
    bills = w.json("GET", "/wallet/bnpl/bills", 200)["items"]
    assert bills
    repay = f"/wallet/bnpl/bills/{bills[0]['id']}/repay"
    w.call("POST", repay, 422, json={"source": "balance"})
    w.call("POST", repay, 403, json={"payment_password": "000000"})
    w.call("POST", repay, 200, json={"source": "balance", "payment_password": "123456"})
    w.call("POST", repay, 409, json={"payment_password": "123456"})
    w.call("POST", "/wallet/bnpl/bills/999999/repay", 404, json={"payment_password": "123456"})


def walk_coupons_support_insights(w: Walk) -> None:
    w.call("GET", "/coupons", 200)
    for status in ("used", "expired"):
        w.call("GET", "/coupons", 200, params={"status": status})
    w.call("GET", "/coupons", 422, params={"status": "lost"})
    claimable = w.json("GET", "/coupons/available", 200)["items"]
    w.call("GET", "/coupons/available", 200, params={"product_id": 1})
    w.call("GET", "/coupons/available", 404, params={"product_id": 999999})
    unclaimed = [c for c in claimable if not c["claimed"]]
    assert unclaimed
    w.call("POST", f"/coupons/{unclaimed[0]['id']}/claim", 201)
    w.call("POST", f"/coupons/{unclaimed[0]['id']}/claim", 409)
    w.call("POST", "/coupons/999999/claim", 404)
    w.call("GET", "/check-in", 200)
    w.call("POST", "/check-in", 201)
    w.call("POST", "/check-in", 409)
    threads = w.json("GET", "/support/threads", 200)
    del threads
    thread = w.json("POST", "/support/threads", 201, json={"subject": "问题", "message": "你好"})
    w.call(
        "POST",
        "/support/threads",
        404,
        json={"subject": "问题", "message": "你好", "order_id": 999999},
    )
    w.call("POST", "/support/threads", 422, json={"subject": " ", "message": "你好"})
    path = f"/support/threads/{thread['id']}"
    w.call("GET", path, 200)
    w.call("GET", "/support/threads/999999", 404)
    w.call("POST", f"{path}/messages", 201, json={"text": "还在吗"})
    w.call("GET", f"{path}/messages", 200, params={"after_id": 0})
    w.call("POST", f"{path}/escalate", 200)
    w.call("POST", f"{path}/escalate", 409)
    w.call("POST", f"{path}/close", 200)
    w.call("POST", f"{path}/close", 409)
    w.call("POST", f"{path}/messages", 409, json={"text": "还在吗"})
    page = w.json("GET", "/support/threads", 200, params={"limit": 1})
    if page["next_cursor"]:
        w.call("GET", "/support/threads", 200, params={"cursor": page["next_cursor"]})
    w.call("GET", "/support/threads", 422, params={"cursor": "%%"})
    w.call("GET", "/me/insights", 200)
    w.call(
        "GET",
        "/me/insights",
        200,
        params={"months": 1},
        headers={**w.headers, "Accept-Language": "en"},
    )
    w.call("GET", "/me/insights", 422, params={"months": 25})


def walk_time(w: Walk) -> None:
    """The clock rules and the merchant simulator: every view in its later states."""
    unpaid = w.order("alipay")
    qr = w.json("POST", f"/orders/{unpaid['id']}/pay", 201, key=True, json={"method": "alipay"})
    paid = w.paid(product=1)
    found = w.json("GET", f"/orders/{paid['id']}/after-sale-eligibility", 200)
    body = {
        "order_id": paid["id"],
        "type": "refund_only",
        "item_ids": [found["items"][0]["item_id"]],
        "reason": "other",
        "amount_fen": 1,
    }
    after_sale = w.json("POST", "/after-sales", 201, key=True, json=body)
    thread = w.json("POST", "/support/threads", 201, json={"subject": "物流", "message": "到哪了"})
    shipped = w.paid(product=1)
    w.call("POST", f"/_dev/orders/{shipped['id']}/ship", 200)
    w.call("POST", "/_dev/clock/advance", 200, json={"seconds": 31 * 60})
    assert w.json("GET", f"/orders/{unpaid['id']}", 200)["status"] == "cancelled"
    assert w.json("GET", f"/payments/{qr['id']}", 200)["status"] == "failed"
    for _ in range(4):
        w.call("POST", "/_dev/simulator/step", 200)
        w.call("POST", "/_dev/clock/advance", 200, json={"seconds": 6 * 3600})
        w.call("GET", f"/orders/{shipped['id']}/logistics", 200)
        w.call("GET", f"/after-sales/{after_sale['id']}", 200)
        w.call("GET", f"/support/threads/{thread['id']}", 200)
        w.call("GET", f"/support/threads/{thread['id']}/messages", 200)
    for days in (3, 10, 40):
        w.call("POST", "/_dev/clock/advance", 200, json={"seconds": days * 86400})
        w.call("POST", "/_dev/simulator/step", 200)
        token, _ = sessions.issue(w.ctx, DEMO_USER_ID)
        w.headers = {"Authorization": f"Bearer {token}"}
        for status in ("all", "shipped", "completed", "cancelled", "after_sale"):
            for order in w.json("GET", "/orders", 200, params={"status": status})["items"]:
                w.call("GET", f"/orders/{order['id']}", 200)
                w.call("GET", f"/orders/{order['id']}/after-sale-eligibility", 200)
                w.call("GET", f"/orders/{order['id']}/logistics")
        for item in w.json("GET", "/after-sales", 200)["items"]:
            w.call("GET", f"/after-sales/{item['id']}", 200)
        w.call("GET", "/wallet/bnpl/bills", 200)
        w.call("GET", "/wallet", 200)
        w.call("GET", "/wallet/transactions", 200, params={"limit": 100})
        for status in ("usable", "used", "expired"):
            w.call("GET", "/coupons", 200, params={"status": status})
        w.call("GET", "/check-in", 200)
        w.call("GET", "/support/threads", 200)
        w.call("GET", "/me/insights", 200, params={"months": 24})
        w.call("GET", "/orders/counts", 200)
    w.call(
        "POST", f"/orders/{shipped['id']}/reviews", 409, json={"rating": 4, "text": "迟到的评价"}
    )


def walk_kinds(w: Walk) -> None:
    """Products of three kinds (docs/api.md §7.1): slots, a service booked and moved, its
    completion in manual mode, a virtual order's codes."""
    service = w.ctx.db.one(
        "SELECT s.id, s.product_id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE p.kind = 'service' ORDER BY s.id LIMIT 1"
    )
    virtual = w.ctx.db.scalar(
        "SELECT id FROM products WHERE kind = 'virtual' AND stock >= 10 ORDER BY id LIMIT 1"
    )
    product_id = service["product_id"]
    pay_balance = {"method": "balance", "payment_password": "123456"}
    w.call("GET", f"/products/{product_id}/slots", 200)
    w.call("GET", f"/products/{product_id}/slots", 422, params={"date": "someday"})
    w.call("GET", "/products/3/slots", 409)
    slots = [
        slot
        for offset in (3, 4)
        for slot in w.json(
            "GET",
            f"/products/{product_id}/slots",
            200,
            params={"date": china_day(w.ctx.now() + offset * 86400)},
        )["items"]
        if slot["capacity_left"] > 0
    ]
    body = {
        "items": [{"sku_id": service["id"], "qty": 1}],
        "payment_method": "balance",
        "appointment": {"slot_id": slots[0]["id"]},
        "service_note": "两台挂机",
    }
    w.call("POST", "/orders", 422, key=True, json={**body, "service_note": ""})
    order = w.json("POST", "/orders", 201, key=True, json=body)
    w.call("PUT", f"/orders/{order['id']}/appointment", 422, json={"slot_id": "x"})
    w.call("PUT", f"/orders/{order['id']}/appointment", 200, json={"slot_id": slots[-1]["id"]})
    w.call("POST", f"/orders/{order['id']}/pay", 201, key=True, json=pay_balance)
    w.call("POST", f"/_dev/orders/{order['id']}/complete-service", 200)
    w.call("POST", f"/_dev/orders/{order['id']}/complete-service", 409)
    w.call("GET", f"/orders/{order['id']}/delivery", 409)
    codes = w.json(
        "POST",
        "/orders",
        201,
        key=True,
        json={"items": [{"sku_id": w.sku(virtual), "qty": 1}], "payment_method": "balance"},
    )
    w.call("POST", f"/orders/{codes['id']}/pay", 201, key=True, json=pay_balance)
    w.call("GET", f"/orders/{codes['id']}/delivery", 200)
    w.call("GET", "/orders", 200, params={"status": "awaiting_service"})


def test_every_area_answers_as_its_schema_says(walk: Walk, checker: SchemaChecker) -> None:
    walk_auth(walk)
    walk_account(walk)
    walk_ssh_keys(walk)
    walk_access_tokens(walk)
    walk_subscriptions(walk)
    walk_catalogue(walk)
    walk_search(walk)
    walk_cart_addresses_quote(walk)
    walk_guest(walk)
    walk_orders_and_payments(walk)
    walk_kinds(walk)
    walk_poor_user(walk)
    walk_logistics_and_reviews(walk)
    walk_after_sales(walk)
    walk_wallet(walk)
    walk_coupons_support_insights(walk)
    walk_time(walk)
    # Every documented operation was exercised, with a success and with an error.
    # Every documented operation answered, and answered every success it documents.
    unproven = [
        (op.key, sorted(documented), sorted(seen))
        for op in checker.operations()
        for documented in [{int(s) for s in op.spec["responses"] if s.startswith("2")}]
        for seen in [{s for s in checker.seen.get(op.key, ()) if 200 <= s < 300}]
        if documented != seen
    ]
    assert not unproven, unproven
    for operation in checker.operations():  # and each one refused once, at least
        if not any(s >= 400 for s in checker.seen.get(operation.key, ())):
            path = operation.template.replace("{provider}", "x").replace("{tracking_no}", "x")
            path = re.sub(r"\{[a-z_]+\}", "1", path).removeprefix(API)
            walk.call(operation.method, path, headers={}, content=b"{")
    no_error = [
        op.key
        for op in checker.operations()
        if (op.spec.get("parameters") or op.spec.get("requestBody"))
        and not any(s >= 400 for s in checker.seen.get(op.key, ()))
    ]
    assert not no_error, no_error
    assert checker.checked > 250


def test_every_documented_success_status_is_real(walk: Walk, checker: SchemaChecker) -> None:
    """A documented 2xx the route never answers would mislead a client: each 2xx in the
    document must be what the route's status_code or an explicit extra answer says."""
    for operation in checker.operations():
        successes = [s for s in operation.spec["responses"] if s.startswith("2")]
        # oauth/poll: 202 while pending; linking an SSH key: 200 when already linked.
        both = {("POST", f"{API}/auth/oauth/poll"), ("POST", f"{API}/me/ssh-keys")}
        assert len(successes) == 1 or operation.key in both, (
            operation.key,
            successes,
        )


def test_errors_answer_in_the_request_language(walk: Walk) -> None:
    zh = walk.call("GET", "/products/999999", 404, headers={"Accept-Language": "zh-CN"})
    en = walk.call("GET", "/products/999999", 404, headers={"Accept-Language": "en-US"})
    assert check_envelope(zh) == check_envelope(en) == "NOT_FOUND"
    assert zh.json()["error"]["message"] != en.json()["error"]["message"]


def test_a_token_of_an_expired_session_is_refused_with_the_envelope(walk: Walk) -> None:
    token, _ = sessions.issue(walk.ctx, DEMO_USER_ID)
    walk.ctx.clock.advance(8 * 86400)
    response = walk.call("GET", "/me", 401, headers={"Authorization": f"Bearer {token}"})
    assert check_envelope(response) in ("TOKEN_EXPIRED", "UNAUTHENTICATED")
