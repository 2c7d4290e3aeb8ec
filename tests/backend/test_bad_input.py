"""Bad input never causes a 500: a schema-driven sweep of every route in `/openapi.json`.

For every JSON body: malformed JSON, an array, `{}`, an unknown field, every string at
maxLength+1, every integer at -1 / 0 / 10**30, wrong types, null; for every path
parameter 0, -1, 10**30, "abc"; for every bounded query parameter values out of range,
and for every free-text one (q, brand, cursor) hostile search input (FTS5 operators, SQL,
emoji, control characters, up to its maxLength); the Idempotency-Key missing or too long.
Every answer must be a documented status with the error envelope (the schema checker
validates it), the schema-invalid ones must be refused (400/422 naming the field), and the
refused writes must change nothing in the database. Values at the edge of the schema
(maxLength, minimum, maximum) must not crash either. Then the same routes without a token
(401), and another user's ids (404, never 403)."""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.dependencies.utils import get_flat_params
from fastapi.testclient import TestClient
from PIL import Image

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.services import sessions
from fake_backend.services.rules import hash_secret
from tests.backend.openapi_check import SchemaChecker, api_operations, check_envelope, needs_login
from tests.conftest import DEMO_USER_ID, FROZEN_START

API = "/api/v1"
Headers = dict[str, str]
Path_ = tuple[str | int, ...]
ROUTES = {(method, path): route for method, path, route in api_operations()}
OPERATIONS = sorted(ROUTES)
WITH_BODY = [op for op in OPERATIONS if ROUTES[op].body_field and "/uploads" not in op[1]]
WITH_PARAMETERS = [op for op in OPERATIONS if get_flat_params(ROUTES[op].dependant)]


def ids(operations: list[tuple[str, str]]) -> list[str]:
    return [f"{method} {path.removeprefix(API)}" for method, path in operations]


UNKNOWN = "zz_unknown_field"

# Issue 15's bad search input, sent to every free-text query parameter (q, brand, cursor):
# punctuation only, one character, emoji, mixed scripts, FTS5 operators, SQL, control
# characters; `hostile_texts` adds them at the parameter's maxLength. Any documented
# answer, never a crash.
HOSTILE_TEXT = [
    "，。！？…",
    "手",
    "😀🎉👨‍👩‍👧",
    "华为huawei耳机ｅｒｊｉ",
    '"保温杯',
    "保温*",
    "NEAR(手机 耳机)",
    "手机 AND 耳机 OR NOT 壳",
    "-华为",
    "^手机",
    "name:华为",
    "'; DROP TABLE products; --",
    "1 OR 1=1",
    "\x00\x1b[31m\u202e手机",
]


def hostile_texts(max_length: int) -> list[str]:
    return [*HOSTILE_TEXT, "手" * max_length, ('😀"*NEAR-' * max_length)[:max_length]]


# ---- one prepared database for the module; each test gets its own copy ---------------


@dataclass
class Prepared:
    path: Path
    token: str
    document: dict[str, Any]
    ids: dict[str, int]  # path parameter name -> a real id of the demo user's
    values: dict[str, Any]  # body field name -> a plausible value


def _luhn(prefix: str) -> str:
    body = (prefix + "0123456789" * 2)[:15]
    for check in "0123456789":
        digits = [int(d) for d in body + check]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def prepared(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """The demo user with one of everything: a pending order, a paid one with an
    after-sale, a cart line, a support thread, a bill, an upload."""
    path = tmp_path_factory.mktemp("bad_input") / "prepared.sqlite3"
    shutil.copyfile(seeded_template, path)
    app = create_app(path, Clock(FROZEN_START, frozen=True), merchant="manual", seed=None)
    ctx = app.state.ctx
    token, _ = sessions.issue(ctx, DEMO_USER_ID, lifetime=365 * 86400)
    auth = {"Authorization": f"Bearer {token}"}
    sku = int(ctx.db.scalar("SELECT id FROM skus WHERE product_id = 1 AND stock >= 10 LIMIT 1"))

    def keyed() -> Headers:
        return {**auth, "Idempotency-Key": str(uuid.uuid4())}

    with TestClient(app) as client:

        def ok(response: httpx.Response) -> Any:
            assert response.status_code < 300, response.text
            return response.json()

        order = {"items": [{"sku_id": sku, "qty": 1}], "payment_method": "balance"}
        pending = ok(client.post(f"{API}/orders", json=order, headers=keyed()))
        paid = ok(client.post(f"{API}/orders", json=order, headers=keyed()))
        pay = {"method": "balance", "payment_password": "123456"}
        payment = ok(client.post(f"{API}/orders/{paid['id']}/pay", json=pay, headers=keyed()))
        after_sale = ok(
            client.post(
                f"{API}/after-sales",
                json={
                    "order_id": paid["id"],
                    "type": "refund_only",
                    "item_ids": [paid["items"][0]["id"]],
                    "reason": "changed_mind",
                    "amount_fen": 1,
                },
                headers=keyed(),
            )
        )
        cart = ok(client.post(f"{API}/cart/items", json={"sku_id": sku, "qty": 1}, headers=auth))
        thread = ok(
            client.post(
                f"{API}/support/threads", json={"subject": "s", "message": "m"}, headers=auth
            )
        )
        ok(client.post(f"{API}/wallet/bnpl/enable", json={"accept_terms": True}, headers=auth))
        bnpl = ok(
            client.post(f"{API}/orders", json={**order, "payment_method": "bnpl"}, headers=keyed())
        )
        bnpl_pay = {"method": "bnpl", "payment_password": "123456"}
        ok(client.post(f"{API}/orders/{bnpl['id']}/pay", json=bnpl_pay, headers=keyed()))
        bill = ok(client.get(f"{API}/wallet/bnpl/bills", headers=auth))["items"][0]
        address = ok(client.get(f"{API}/addresses", headers=auth))["items"][0]
        card = ok(client.get(f"{API}/wallet/bank-cards", headers=auth))["items"][0]
        template = ok(client.get(f"{API}/coupons/available", headers=auth))["items"][0]
        link = {"fingerprint": "SHA256:" + "A" * 43, "label": "laptop"}
        ssh_key = ok(client.post(f"{API}/me/ssh-keys", json=link, headers=auth))
        made_token = {"name": "script", "scopes": ["read"], "expires_in_days": 30}
        access_token = ok(client.post(f"{API}/me/tokens", json=made_token, headers=auth))
        subscribe = {
            "sku_id": sku,
            "qty": 1,
            "address_id": address["id"],
            "payment_method": "balance",
            "every": "week",
            "starts_on": "2026-11-25",
            "payment_password": "123456",
        }
        subscription = ok(client.post(f"{API}/subscriptions", json=subscribe, headers=keyed()))
        # Paid later, so shipped at once (docs/api.md §2).
        shipped = {
            "logistics": ok(client.get(f"{API}/orders/{bnpl['id']}/logistics", headers=auth))
        }
        document = ok(client.get("/openapi.json"))
    ctx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.db.close()
    return Prepared(
        path=path,
        token=token,
        document=document,
        ids={
            "order_id": pending["id"],
            "payment_id": payment["id"],
            "after_sale_id": after_sale["id"],
            "item_id": cart["items"][0]["id"],
            "thread_id": thread["id"],
            "bill_id": bill["id"],
            "address_id": address["id"],
            "card_id": card["id"],
            "template_id": template["id"],
            "key_id": ssh_key["id"],
            "token_id": access_token["id"],
            "subscription_id": subscription["id"],
            "product_id": 1,
            "image_id": 1,
        },
        values={
            "phone": "13800138000",
            "code": "123456",
            "password": "demo1234",
            "new_password": "abc12345",
            "current_password": "demo1234",
            "payment_password": "123456",
            "sku_id": sku,
            "qty": 1,
            "address_id": address["id"],
            "order_id": paid["id"],
            "item_ids": [paid["items"][0]["id"]],
            "amount_fen": 1,
            "reason": "other",
            "card_number": _luhn("622202"),
            "holder_name": "张三",
            "name": "张三",
            "id_number": "11010519491231002X",
            "province": address["province"],
            "city": address["city"],
            "district": address["district"],
            "detail": address["detail"],
            "carrier": "SF",
            "tracking_no": shipped["logistics"]["tracking_no"],
            "text": "好",
            "subject": "s",
            "message": "m",
            "rating": 5,
            "fingerprint": link["fingerprint"],
            "label": link["label"],
            "starts_on": "2026-11-25",
            "every": "week",
        },
    )


@pytest.fixture
def sweep(prepared: Prepared, tmp_path: Path) -> Iterator[Sweep]:
    path = tmp_path / "backend.sqlite3"
    shutil.copyfile(prepared.path, path)
    app = create_app(path, Clock(FROZEN_START, frozen=True), merchant="manual", seed=None)
    with TestClient(app) as client:
        checker = SchemaChecker(prepared.document)
        yield Sweep(client, checker, prepared, path)
    app.state.ctx.db.close()


# ---- sampling and mutating bodies from the schema ----------------------------------------


class Sweep:
    def __init__(
        self, client: TestClient, checker: SchemaChecker, prepared: Prepared, db_path: Path
    ) -> None:
        self.client = client
        self.checker = checker
        self.prepared = prepared
        self.db_path = db_path
        self.auth = {"Authorization": f"Bearer {prepared.token}"}

    def operation(self, method: str, template: str) -> dict[str, Any]:
        found = self.checker.find(method, template)
        assert found is not None and found.template == template
        return found.spec

    def resolve(self, node: Any) -> dict[str, Any]:
        node = self.checker.resolve(node)
        options = [self.checker.resolve(o) for o in node.get("anyOf", [])]
        concrete = [o for o in options if o.get("type") != "null"]
        if concrete:
            first: dict[str, Any] = concrete[0]
            return first
        result: dict[str, Any] = node
        return result

    def sample(self, node: Any, name: str = "") -> Any:
        """A schema-valid value (plausible where the field name is known)."""
        node = self.resolve(node)
        if name in self.prepared.values:
            return copy.deepcopy(self.prepared.values[name])
        if "enum" in node:
            return node["enum"][0]
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        if kind == "object":
            required = set(node.get("required", []))
            return {
                key: self.sample(prop, key)
                for key, prop in node.get("properties", {}).items()
                if key in required
            }
        if kind == "array":
            return [
                self.sample(node["items"], name) for _ in range(max(1, node.get("minItems", 0)))
            ]
        if kind == "string":
            return "有效值好"[: node.get("maxLength", 4)].ljust(node.get("minLength", 1), "字")
        if kind == "integer":
            return max(1, node.get("minimum", 1))
        if kind == "number":
            return max(1, node.get("minimum", 1))
        if kind == "boolean":
            return True
        return None

    def leaves(self, node: Any, at: Path_ = ()) -> Iterator[tuple[Path_, dict[str, Any]]]:
        """Every field under a body schema: (path, its schema), nested objects and the
        first element of arrays included."""
        node = self.resolve(node)
        for key, prop in node.get("properties", {}).items():
            resolved = self.resolve(prop)
            yield (*at, key), resolved
            if resolved.get("type") == "object":
                yield from self.leaves(resolved, (*at, key))
            elif resolved.get("type") == "array":
                items = self.resolve(resolved.get("items", {}))
                yield (*at, key, 0), items
                if items.get("type") == "object":
                    yield from self.leaves(items, (*at, key, 0))

    def with_value(self, body_schema: Any, base: Any, at: Path_, value: Any) -> Any:
        """`base` with the field at `at` set to `value` (containers sampled as needed)."""
        body = copy.deepcopy(base)
        node = self.resolve(body_schema)
        target = body
        for step in at[:-1]:
            if isinstance(step, int):
                node = self.resolve(node["items"])
                if not target:
                    target.append(self.sample(node))
                target = target[step]
            else:
                node = self.resolve(node["properties"][step])
                if target.get(step) is None:
                    target[step] = self.sample(node, str(step))
                target = target[step]
        last = at[-1]
        if isinstance(last, int):
            if not target:
                target.append(None)
            target[last] = value
        else:
            target[last] = value
        return body

    def url(self, template: str, override: dict[str, Any] | None = None) -> str:
        values = {**self.prepared.ids, "provider": "wechat", "tracking_no": "SF1234567890123"}
        values.update(override or {})
        url = template
        for name, value in values.items():
            url = url.replace(f"{{{name}}}", str(value))
        assert "{" not in url, url
        return url

    def send(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        headers: Headers | None = None,
        key: bool = True,
        params: dict[str, Any] | None = None,
        raw: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        """One request, checked against the document; `raw` replaces `"placeholder"`
        strings of the JSON with literal text (a lone surrogate, NaN) json.dumps cannot
        write."""
        sent = dict(self.auth if headers is None else headers)
        if key:
            sent["Idempotency-Key"] = str(uuid.uuid4())
        if content is None and body is not None:
            text = json.dumps(body)
            for placeholder, literal in (raw or {}).items():
                text = text.replace(json.dumps(placeholder), literal)
            content = text.encode()
        if content is not None:
            sent["Content-Type"] = content_type
        response: httpx.Response = self.client.request(
            method, url, content=content, headers=sent, params=params
        )
        self.checker.check(response)
        assert response.status_code != 500, response.text
        return response

    def fingerprint(self) -> str:
        """A hash of every row of every table: equal means nothing changed."""
        digest = hashlib.sha256()
        connection = sqlite3.connect(self.db_path)
        try:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            for table in tables:
                rows = connection.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
                digest.update(repr((table, sorted(map(repr, rows)))).encode())
        finally:
            connection.close()
        return digest.hexdigest()


def fields_of(response: httpx.Response) -> dict[str, Any]:
    check_envelope(response)
    fields: dict[str, Any] = response.json()["error"]["details"].get("fields", {})
    return fields


def dotted(at: Path_) -> str:
    return ".".join(str(step) for step in at)


def names_field(response: httpx.Response, at: Path_) -> bool:
    """The 422 names the field or, for a field inside a list element, its list."""
    fields = fields_of(response)
    wanted = dotted(at)
    return any(
        name == wanted or wanted.startswith(f"{name}.") or name.startswith(f"{wanted}.")
        for name in fields
    )


def json_body_schema(spec: dict[str, Any]) -> dict[str, Any] | None:
    content = spec.get("requestBody", {}).get("content", {})
    schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
    return schema


# ---- the sweep ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), WITH_BODY, ids=ids(WITH_BODY))
def test_bad_bodies_are_refused_and_change_nothing(
    sweep: Sweep, method: str, template: str
) -> None:
    spec = sweep.operation(method, template)
    schema = json_body_schema(spec)
    assert schema is not None, "a body the document does not show"
    url = sweep.url(template)
    base = sweep.sample(schema)
    body_schema = sweep.resolve(schema)
    sweep.send("GET", f"{API}/me", key=False)  # lets the sweeper run before the fingerprint
    before = sweep.fingerprint()
    problems: list[str] = []

    def refused(expected: int, response: httpx.Response, at: Path_ | None, what: str) -> None:
        if response.status_code != expected:
            problems.append(f"{what}: {response.status_code} {response.text[:300]}")
        elif at is not None and not names_field(response, at):
            problems.append(f"{what}: 422 does not name {dotted(at)}: {response.text[:300]}")

    refused(400, sweep.send(method, url, content=b'{"a": '), None, "malformed JSON")
    refused(400, sweep.send(method, url, content=b"\xff\xfe{"), None, "not UTF-8")
    refused(400, sweep.send(method, url, body=[base]), None, "an array")
    refused(400, sweep.send(method, url, body="text"), None, "a string")
    refused(400, sweep.send(method, url, body=None, content=b"[" * 50_000), None, "too deep")
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = sweep.send(method, url, body=base, content_type=content_type)
        refused(400, response, None, f"as {content_type}")
    if spec["requestBody"].get("required"):
        refused(422, sweep.send(method, url), ("body",), "no body at all")
    if body_schema.get("required"):
        refused(422, sweep.send(method, url, body={}), None, "{}")
    refused(422, sweep.send(method, url, body={**base, UNKNOWN: 1}), (UNKNOWN,), "unknown field")
    for at, node in sweep.leaves(schema):
        kind = node.get("type")
        bad: list[tuple[str, Any]] = []
        if kind == "string" and "enum" not in node:
            bad.append(("maxLength+1", "长" * (node["maxLength"] + 1)))
            bad += [("an object for a string", {"a": 1}), ("a number for a string", 12345)]
        if "enum" in node:
            bad.append(("not in the enum", "zz_not_a_choice"))
        if kind == "integer":
            for number in (-1, 0, 10**30, 2**63):
                if not node.get("minimum", -(10**40)) <= number <= node.get("maximum", 10**40):
                    bad.append((f"integer {number}", number))
            bad += [("a string for an integer", "abc"), ("a float", 1.5), ("an object", {})]
        if kind == "boolean":
            bad += [("a string for a boolean", "maybe"), ("a list for a boolean", [True])]
        if kind == "array":
            bad += [("an object for a list", {"a": 1}), ("a string for a list", "abc")]
            if "maxItems" in node:
                item = sweep.sample(node["items"], str(at[-1]))
                bad.append(("maxItems+1", [item] * (node["maxItems"] + 1)))
        if kind == "object":
            bad += [("a string for an object", "abc"), ("a list for an object", [])]
        if at[-1] in body_schema.get("required", []) and len(at) == 1:
            bad.append(("null", None))
        for what, value in bad:
            response = sweep.send(method, url, body=sweep.with_value(schema, base, at, value))
            refused(422, response, at, f"{dotted(at)} = {what}")
        literals = []
        if kind == "string":
            literals += ['"\\ud800"', '"a\\udfffb"']
        if kind == "integer":
            literals += ["NaN", "Infinity", "-Infinity", "1e400"]
        for literal in literals:
            body = sweep.with_value(schema, base, at, "zz_placeholder")
            response = sweep.send(method, url, body=body, raw={"zz_placeholder": literal})
            refused(422, response, at, f"{dotted(at)} = {literal}")
    assert not problems, f"{method} {template}:\n" + "\n".join(problems)
    assert sweep.fingerprint() == before, f"{method} {template}: a refused request wrote"

    # Values at the schema's edges are valid input: any documented answer but no crash.
    for at, node in sweep.leaves(schema):
        kind = node.get("type")
        edges: list[Any] = []
        if kind == "string" and "enum" not in node:
            edges += ["字" * node["maxLength"], ("\x00[bold]<>'\"%s" * 20)[: node["maxLength"]]]
            edges.append(" " * node.get("minLength", 1))
        if kind == "integer":
            edges += [node.get("minimum", 0), node.get("maximum", 2**62)]
        for value in edges:
            sweep.send(method, url, body=sweep.with_value(schema, base, at, value))
    if not body_schema.get("required"):
        sweep.send(method, url, body={})


@pytest.mark.parametrize(("method", "template"), WITH_PARAMETERS, ids=ids(WITH_PARAMETERS))
def test_bad_path_query_and_header_values_are_refused(
    sweep: Sweep, method: str, template: str
) -> None:
    spec = sweep.operation(method, template)
    schema = json_body_schema(spec)
    body = sweep.sample(schema) if schema is not None else None
    parameters = spec.get("parameters", [])
    assert parameters, "parameters the document does not show"
    sweep.send("GET", f"{API}/me", key=False)
    before = sweep.fingerprint()
    problems: list[str] = []

    def expect(response: httpx.Response, statuses: tuple[int, ...], what: str) -> None:
        if response.status_code not in statuses:
            problems.append(f"{what}: {response.status_code} {response.text[:300]}")

    for parameter in parameters:
        name, where = parameter["name"], parameter["in"]
        node = sweep.resolve(parameter["schema"])
        kind = node.get("type")
        bad: list[Any] = []
        if kind == "integer":
            bad += [
                n for n in (0, -1, 10**30, 2**63) if not node["minimum"] <= n <= node["maximum"]
            ]
            bad += ["abc", "1.5", "1e3"] + ([""] if where == "query" else [])
        elif kind == "string" and "enum" not in node:
            bad.append("x" * (node["maxLength"] + 1))
        elif "enum" in node:
            bad.append("zz_not_a_choice")
        elif kind == "boolean":
            bad.append("maybe")
        if where == "path":
            for value in bad:
                url = sweep.url(template, {name: value})
                expect(sweep.send(method, url, body=body), (422,), f"path {name}={value!r}")
            if kind == "string":
                url = sweep.url(template, {name: "abc"})
                expect(sweep.send(method, url, body=body), (404, 422), f"path {name}='abc'")
        elif where == "query":
            for value in bad:
                response = sweep.send(method, sweep.url(template), body=body, params={name: value})
                expect(response, (422,), f"query {name}={value!r}")
                if response.status_code == 422 and name not in fields_of(response):
                    problems.append(f"query {name}={value!r}: not named: {response.text[:200]}")
            if kind == "string" and "enum" not in node:
                for value in hostile_texts(node["maxLength"]):
                    sweep.send(method, sweep.url(template), body=body, params={name: value})
        elif where == "header" and name == "Idempotency-Key":
            url = sweep.url(template)
            missing = sweep.send(method, url, body=body, key=False)
            expect(missing, (422,), "no Idempotency-Key")
            too_long = {**sweep.auth, name: "k" * (node["maxLength"] + 1)}
            response = sweep.send(method, url, body=body, headers=too_long, key=False)
            expect(response, (422,), "Idempotency-Key too long")
    assert not problems, f"{method} {template}:\n" + "\n".join(problems)
    assert sweep.fingerprint() == before, f"{method} {template}: a refused request wrote"


def test_a_body_over_the_size_limit_is_413_on_every_route(sweep: Sweep) -> None:
    """The size limit guards every route before the body is read; the schema says so."""
    oversized = b'{"a": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    for method, template in OPERATIONS:
        url = sweep.url(template)
        for lang in ("zh-CN", "en"):
            response = sweep.send(
                method, url, content=oversized, headers={**sweep.auth, "Accept-Language": lang}
            )
            assert response.status_code == 413, f"{method} {template}: {response.status_code}"
            assert check_envelope(response) == "PAYLOAD_TOO_LARGE"
        zh, en = (
            sweep.send(
                method, url, content=oversized, headers={**sweep.auth, "Accept-Language": lang}
            ).json()
            for lang in ("zh", "en")
        )
        assert zh["error"]["message"] != en["error"]["message"]


CURSOR_PAYLOADS: list[bytes] = [
    b"[]",
    b"null",
    b"{}",
    b"[1]",
    b'"abc"',
    b"1" + b"0" * 30,
    b'["sales_desc", 1' + b"0" * 30 + b", 1]",
    b'["sales_desc", "x", 1]',
    b'["sales_desc", 1.5, 1' + b"0" * 30 + b"]",
    b'["price_asc", null, null]',
    b'["sales_desc", NaN, 1]',
    b'["sales_desc", Infinity, -Infinity]',
    b'["sales_desc", true, 1]',
    b"[[1], [2], [3]]",
    b'["x", "x", "x", "x", "x"]',
    b"\xff\xfe",
    b'["\\ud800", 1, 1]',
]
LISTS = [
    ("/products", {}),
    ("/products", {"sort": "price_asc"}),
    ("/products", {"sort": "price_desc"}),
    ("/products", {"sort": "newest"}),
    ("/products", {"sort": "sales_asc"}),
    ("/products/1/reviews", {}),
    ("/orders", {}),
    ("/after-sales", {}),
    ("/support/threads", {}),
    ("/wallet/transactions", {}),
]


def test_forged_cursors_are_refused_not_crashed(sweep: Sweep) -> None:
    """A cursor is opaque: whatever a client makes up answers 200 or 422, never 500."""
    problems = []
    for path, params in LISTS:
        for payload in CURSOR_PAYLOADS:
            cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
            for value in (cursor, cursor + "==", "!" + cursor):
                response = sweep.send("GET", f"{API}{path}", params={**params, "cursor": value})
                if response.status_code not in (200, 422):
                    problems.append(f"{path} {params} {payload!r}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_login_routes_answer_401_without_a_token_and_public_ones_do_not(sweep: Sweep) -> None:
    problems = []
    for method, template in OPERATIONS:
        spec = sweep.operation(method, template)
        schema = json_body_schema(spec)
        body = sweep.sample(schema) if schema is not None else None
        url = sweep.url(template)
        protected = needs_login(ROUTES[(method, template)])
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic abc"}):
            response = sweep.send(method, url, body=body, headers=headers)
            if protected and (response.status_code != 401 or check_envelope(response) is None):
                problems.append(f"{method} {template} {headers}: {response.status_code}")
            if not protected and response.status_code == 401 and "oauth" not in template:
                problems.append(f"public {method} {template} {headers}: 401")
    assert not problems, "\n".join(problems)


# ---- another user's ids --------------------------------------------------------------------


def test_another_users_ids_answer_404_and_change_nothing(sweep: Sweep) -> None:
    """A second user with an address, a cart line, an order, an after-sale, a support
    thread, a bank card, a bill, an upload: the demo user gets 404 for each, like an id
    that does not exist, and the owner's data stays as it was."""
    client, ctx = sweep.client, sweep.client.app.state.ctx  # type: ignore[attr-defined]
    demo = sweep.auth
    with ctx.db.tx():
        other_id = ctx.db.insert(
            "INSERT INTO users(phone, nickname, password_hash, payment_password_hash, real_name,"
            " id_number_masked, balance_fen, created_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                "13900009999",
                "用户9999",
                None,
                hash_secret("123456"),
                "李四",
                "110***********002X",
                10**7,
                ctx.now(),
            ),
        )
    token, _ = sessions.issue(ctx, other_id)
    other = {"Authorization": f"Bearer {token}"}

    def mine(method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        response = sweep.send(method, f"{API}{path}", body=body, headers=other, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    values = sweep.prepared.values
    fields = {k: values[k] for k in ("phone", "province", "city", "district", "detail")}
    address = mine("POST", "/addresses", {**fields, "name": "李四"})
    cart = mine("POST", "/cart/items", {"sku_id": values["sku_id"], "qty": 1})
    card = mine(
        "POST", "/wallet/bank-cards", {"card_number": _luhn("621700"), "holder_name": "李四"}
    )
    mine("POST", "/wallet/bnpl/enable", {"accept_terms": True})
    line = {"items": [{"sku_id": values["sku_id"], "qty": 1}], "address_id": address["id"]}
    pending = mine("POST", "/orders", {**line, "payment_method": "alipay"})
    qr = mine("POST", f"/orders/{pending['id']}/pay", {"method": "alipay"})
    bnpl = mine("POST", "/orders", {**line, "payment_method": "bnpl"})
    mine("POST", f"/orders/{bnpl['id']}/pay", {"method": "bnpl", "payment_password": "123456"})
    bill = mine("GET", "/wallet/bnpl/bills")["items"][0]
    shipped = {"logistics": mine("GET", f"/orders/{bnpl['id']}/logistics")}  # shipped at once
    tracking_no = shipped["logistics"]["tracking_no"]
    after_sale = mine(
        "POST",
        "/after-sales",
        {
            "order_id": bnpl["id"],
            "type": "refund_only",
            "item_ids": [bnpl["items"][0]["id"]],
            "reason": "changed_mind",
            "amount_fen": 1,
        },
    )
    thread = mine(
        "POST", "/support/threads", {"subject": "s", "message": "m", "order_id": bnpl["id"]}
    )
    template = mine("GET", "/coupons/available")["items"][0]["id"]
    ssh_key = mine("POST", "/me/ssh-keys", {"fingerprint": "SHA256:" + "B" * 43, "label": "b"})
    coupon = mine("POST", f"/coupons/{template}/claim")
    upload = client.post(
        f"{API}/uploads", headers=other, files={"file": ("a.png", _png(), "image/png")}
    ).json()
    placed = sweep.send(
        "POST", f"{API}/orders", body={**line, "address_id": None, "payment_method": "balance"}
    ).json()
    pay = {"method": "balance", "payment_password": "123456"}
    assert sweep.send("POST", f"{API}/orders/{placed['id']}/pay", body=pay).status_code == 201
    sweep.send("GET", f"{API}/me", key=False)
    before = sweep.fingerprint()

    order_id, as_id, thread_id = bnpl["id"], after_sale["id"], thread["id"]
    fields_body = {
        "type": "refund_only",
        "item_ids": [bnpl["items"][0]["id"]],
        "reason": "changed_mind",
        "amount_fen": 1,
    }
    slot = {"pickup": {"address_id": values["address_id"], "slot": "2026-11-25 09:00-11:00"}}
    path_cases: list[tuple[str, str, Any]] = [
        ("PUT", f"/addresses/{address['id']}", {**fields, "name": "王五"}),
        ("DELETE", f"/addresses/{address['id']}", None),
        ("PATCH", f"/cart/items/{cart['items'][0]['id']}", {"qty": 2}),
        ("DELETE", f"/cart/items/{cart['items'][0]['id']}", None),
        ("GET", f"/orders/{pending['id']}", None),
        ("PUT", f"/orders/{pending['id']}/items", {"items": line["items"]}),
        ("PUT", f"/orders/{pending['id']}/address", {"address_id": values["address_id"]}),
        ("POST", f"/orders/{pending['id']}/cancel", {"reason": "no_longer_needed"}),
        ("POST", f"/orders/{pending['id']}/pay", {"method": "alipay"}),
        ("POST", f"/orders/{order_id}/confirm-receipt", None),
        ("GET", f"/orders/{order_id}/logistics", None),
        ("POST", f"/orders/{order_id}/reviews", {"rating": 1, "text": "差"}),
        ("GET", f"/orders/{order_id}/after-sale-eligibility", None),
        ("GET", f"/payments/{qr['id']}", None),
        ("GET", f"/after-sales/{as_id}", None),
        ("PUT", f"/after-sales/{as_id}", fields_body),
        ("POST", f"/after-sales/{as_id}/cancel", None),
        ("POST", f"/after-sales/{as_id}/appeal", {"reason": "商家无理拒绝退款"}),
        ("GET", f"/after-sales/{as_id}/pickup-slots", None),
        ("POST", f"/after-sales/{as_id}/return-shipment", slot),
        ("GET", f"/support/threads/{thread_id}", None),
        ("GET", f"/support/threads/{thread_id}/messages", None),
        ("POST", f"/support/threads/{thread_id}/messages", {"text": "hi"}),
        ("POST", f"/support/threads/{thread_id}/escalate", None),
        ("POST", f"/support/threads/{thread_id}/close", None),
        ("DELETE", f"/wallet/bank-cards/{card['id']}", None),
        ("POST", f"/wallet/bnpl/bills/{bill['id']}/repay", {"payment_password": "123456"}),
        ("DELETE", f"/me/ssh-keys/{ssh_key['id']}", None),
    ]
    problems = []
    for method, path, body in path_cases:
        response = sweep.send(method, f"{API}{path}", body=body, headers=demo)
        if response.status_code != 404:
            problems.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    listed = sweep.send("GET", f"{API}/after-sales", params={"order_id": order_id}, headers=demo)
    assert listed.status_code == 200 and listed.json()["items"] == []

    # Their ids inside the demo user's bodies: refused exactly like an id that does not
    # exist (same status, code and details), so nothing tells them apart.
    demo_order = sweep.prepared.ids["order_id"]
    demo_after_sale = sweep.prepared.ids["after_sale_id"]
    items = {"items": line["items"]}
    own_order = {**fields_body, "order_id": placed["id"], "item_ids": [placed["items"][0]["id"]]}
    body_cases: list[tuple[str, str, Callable[[int], Any], int]] = [
        (
            "POST",
            "/orders",
            lambda i: {**items, "address_id": i, "payment_method": "balance"},
            address["id"],
        ),
        (
            "POST",
            "/orders",
            lambda i: {**items, "coupon_id": i, "payment_method": "balance"},
            coupon["id"],
        ),
        ("POST", "/checkout/quote", lambda i: {**items, "address_id": i}, address["id"]),
        ("POST", "/checkout/quote", lambda i: {**items, "coupon_id": i}, coupon["id"]),
        ("PUT", f"/orders/{demo_order}/address", lambda i: {"address_id": i}, address["id"]),
        (
            "POST",
            f"/orders/{demo_order}/pay",
            lambda i: {"method": "bank_card", "payment_password": "123456", "bank_card_id": i},
            card["id"],
        ),
        (
            "POST",
            "/wallet/topup",
            lambda i: {"amount_fen": 100, "bank_card_id": i, "payment_password": "123456"},
            card["id"],
        ),
        ("POST", "/after-sales", lambda i: {**fields_body, "order_id": i}, order_id),
        ("POST", "/after-sales", lambda i: {**own_order, "item_ids": [i]}, bnpl["items"][0]["id"]),
        ("POST", "/after-sales", lambda i: {**own_order, "photo_ids": [i]}, upload["id"]),
        (
            "POST",
            f"/after-sales/{demo_after_sale}/return-shipment",
            lambda i: {"pickup": {"address_id": i, "slot": "2026-11-25 09:00-11:00"}},
            address["id"],
        ),
        (
            "POST",
            "/support/threads",
            lambda i: {"subject": "s", "message": "m", "order_id": i},
            order_id,
        ),
    ]
    for method, path, make_body, their_id in body_cases:
        theirs = sweep.send(method, f"{API}{path}", body=make_body(their_id), headers=demo)
        nowhere = sweep.send(method, f"{API}{path}", body=make_body(10**9), headers=demo)
        echoed_theirs = re.sub(rf"\b{their_id}\b", "ID", theirs.text)  # the id given back
        echoed_nowhere = re.sub(rf"\b{10**9}\b", "ID", nowhere.text)
        if theirs.status_code < 400 or (theirs.status_code, echoed_theirs) != (
            nowhere.status_code,
            echoed_nowhere,
        ):
            problems.append(
                f"{method} {path} with their id: {theirs.text[:200]} vs {nowhere.text[:200]}"
            )
    tracking = sweep.send("GET", f"{API}/logistics/{tracking_no}", headers=demo)
    assert tracking.status_code == 200
    assert set(tracking.json()) == {
        "carrier",
        "carrier_name",
        "tracking_no",
        "status",
        "events",
        "estimated_delivery",
    }
    their_listed = {
        "/orders": {pending["id"], order_id},
        "/after-sales": {as_id},
        "/support/threads": {thread_id},
        "/wallet/bank-cards": {card["id"]},
        "/addresses": {address["id"]},
    }
    for listing, their_ids in their_listed.items():
        items = sweep.send("GET", f"{API}{listing}", headers=demo).json()["items"]
        assert not {item["id"] for item in items} & their_ids, listing
    assert not problems, "\n".join(problems)
    assert sweep.fingerprint() == before, "another user's request changed something"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()
