"""`kshop COMMAND ...` run in-process against the bundled backend on the per-test seeded
database (frozen clock, merchant manual): output, JSON shapes, exit codes, idempotency.
Never the network."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed_data import (
    DEMO_BALANCE_FEN,
    DEMO_PASSWORD,
    DEMO_PAYMENT_PASSWORD,
    DEMO_PHONE,
)
from kshop_tui.api import client as client_module
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.cli_commands import Runtime, run
from kshop_tui.cli_commands.runtime import BackendChoice
from kshop_tui.shop import tokens as token_session
from kshop_tui.shop.tokens import TokenStore

SKU = 1384  # 创意工坊 定制刻字保温杯, 经典款: ¥94.90, 268 in stock
PRICEY_SKU = 1385  # the 礼盒款 of the same: ¥104.90, 197 in stock
PRODUCT = 226


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)


@dataclass
class Shell:
    """Runs `kshop ARGS` in-process on the test backend, with scripted prompts."""

    backend: Backend
    transport: Counting
    data_dir: Path
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    sleep_hook: Callable[[float], None] = lambda seconds: None
    opened: list[BackendChoice] = field(default_factory=list)

    def __call__(
        self,
        *argv: str,
        answers: Sequence[str | Callable[[], str]] = (),
        secrets: Sequence[str] = (),
        stdin: str = "",
    ) -> Result:
        pending_answers = list(answers)
        pending_secrets = list(secrets)

        async def open_backend(choice: BackendChoice) -> Backend:
            self.opened.append(choice)
            return self.backend

        async def sleep(seconds: float) -> None:
            self.sleep_hook(seconds)

        def ask(prompt: str) -> str:
            answer = pending_answers.pop(0)
            return answer if isinstance(answer, str) else answer()

        runtime = Runtime(
            open_backend=open_backend,
            data_dir=self.data_dir,
            ask=ask,
            secret=lambda prompt: pending_secrets.pop(0),
            sleep=sleep,
        )
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = run(["--lang", "en", *argv], runtime)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def login(self) -> None:
        assert self("login", DEMO_PHONE, secrets=[DEMO_PASSWORD]).code == 0


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Config and data dirs of the test's own; tokens never reach a real keyring."""
    monkeypatch.setenv("KSHOP_CONFIG_FILE", str(tmp_path / "config.toml"))
    monkeypatch.setenv("KSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KSHOP_BACKEND_URL", raising=False)
    monkeypatch.delenv("KSHOP_TOKEN", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setattr(token_session, "_keyring", lambda: None)
    monkeypatch.setattr(client_module, "BACKOFF_SECONDS", (0.0, 0.0, 0.0))


@pytest.fixture
def backend_app(db_path: Path, clock: Clock) -> FastAPI:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
def backend_ctx(backend_app: FastAPI) -> Ctx:
    context: Ctx = backend_app.state.ctx
    return context


def in_process(transport: httpx.AsyncBaseTransport) -> Backend:
    client = KshopClient(IN_PROCESS_URL, transport=transport, language=lambda: "en")
    return Backend(client=client, in_process=True, description="test")


@pytest.fixture
def shell_for(
    backend_app: FastAPI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Shell]:
    """`shell_for(transport=None)`: a Shell on the test backend, or on `transport`."""

    def make(transport: httpx.AsyncBaseTransport | None = None) -> Shell:
        counting = Counting(transport or httpx.ASGITransport(app=backend_app))
        return Shell(in_process(counting), counting, tmp_path / "data", capsys, monkeypatch)

    return make


@pytest.fixture
def kshop(shell_for: Callable[..., Shell]) -> Shell:
    return shell_for()


@pytest.fixture
def shopper(kshop: Shell) -> Shell:
    kshop.login()
    return kshop


def balance_fen(backend_ctx: Ctx) -> int:
    row = backend_ctx.db.execute("SELECT balance_fen FROM users WHERE id = 1").fetchone()
    return int(row["balance_fen"])


def count(backend_ctx: Ctx, table: str) -> int:
    return int(backend_ctx.db.execute(f"SELECT COUNT(*) AS n FROM {table}").fetchone()["n"])


def place(shell: Shell, *extra: str, sku: int = SKU, qty: int = 1) -> Result:
    return shell(
        "order", "place", "--sku", str(sku), "--qty", str(qty), "--pay", "balance",
        "--payment-password-stdin", "--json", *extra, stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )  # fmt: skip


# --- login, logout, whoami -----------------------------------------------------------


def test_login_keeps_the_token_in_a_private_file_and_never_the_password(
    kshop: Shell, tmp_path: Path
) -> None:
    result = kshop("login", DEMO_PHONE, secrets=[DEMO_PASSWORD])
    assert result.code == 0
    assert "Logged in as" in result.out and "138****8000" in result.out
    token_file = tmp_path / "data" / "token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert "(0600)" in result.err

    who = kshop("whoami", "--json")
    assert who.code == 0
    assert who.json()["phone"] == DEMO_PHONE and who.json()["id"] == 1
    table = kshop("whoami")
    assert "138****8000" in table.out and "Payment password" in table.out

    secret = DEMO_PASSWORD.encode()
    for output in (result, who, table):
        assert DEMO_PASSWORD not in output.out + output.err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path


def test_login_asks_for_the_phone_and_reads_a_password_from_stdin(kshop: Shell) -> None:
    result = kshop("login", "--password-stdin", answers=[DEMO_PHONE], stdin=DEMO_PASSWORD + "\n")
    assert result.code == 0
    assert kshop("whoami").code == 0


def latest_sms_code(backend_ctx: Ctx) -> str:
    row = backend_ctx.db.execute(
        "SELECT code FROM sms_codes WHERE phone = ? ORDER BY id DESC LIMIT 1", (DEMO_PHONE,)
    ).fetchone()
    return str(row["code"])


def test_login_with_an_sms_code(kshop: Shell, backend_ctx: Ctx) -> None:
    result = kshop("login", DEMO_PHONE, "--sms", answers=[lambda: latest_sms_code(backend_ctx)])
    assert result.code == 0, result.err
    assert "sent to 138****8000" in result.err
    assert f"Demo shop: the code is {latest_sms_code(backend_ctx)}" in result.err
    assert kshop("whoami").code == 0
    limited = kshop("login", DEMO_PHONE, "--sms", answers=["000000"])
    assert limited.code == 4 and "try again in 60 s" in limited.err  # one SMS a minute


def test_two_step_login_asks_for_an_sms_code(kshop: Shell, backend_ctx: Ctx) -> None:
    backend_ctx.db.execute("UPDATE users SET two_factor_enabled = 1 WHERE id = 1")
    result = kshop(
        "login", DEMO_PHONE, secrets=[DEMO_PASSWORD], answers=[lambda: latest_sms_code(backend_ctx)]
    )
    assert result.code == 0, result.err
    assert "Two-step verification" in result.err


def test_wrong_password_and_no_login_exit_3(kshop: Shell) -> None:
    wrong = kshop("login", DEMO_PHONE, secrets=["not-the-password"])
    assert wrong.code == 3
    assert wrong.err.startswith("kshop: Wrong phone, code or password")
    assert wrong.err.count("\n") == 1
    assert "not-the-password" not in wrong.out + wrong.err

    for argv in (("whoami",), ("cart", "list"), ("orders", "list"), ("after-sale", "list")):
        result = kshop(*argv)
        assert result.code == 3, argv
        assert "not logged in" in result.err


def test_an_expired_login_exits_3_and_says_to_log_in(kshop: Shell, tmp_path: Path) -> None:
    TokenStore(tmp_path / "data" / "token").save("expired-or-unknown", remember=True)
    result = kshop("orders", "list")
    assert result.code == 3
    assert "kshop login" in result.err


def test_logout_forgets_the_token(shopper: Shell, tmp_path: Path) -> None:
    result = shopper("logout")
    assert result.code == 0 and "Logged out" in result.out
    assert not (tmp_path / "data" / "token").exists()
    assert shopper("whoami").code == 3
    assert shopper("logout").out.strip() == "Not logged in."


def test_a_bad_phone_is_a_usage_error(kshop: Shell) -> None:
    assert kshop("login", "12345").code == 2
    # 11 digits, but no mainland mobile number starts with 12: the backend's rule.
    assert kshop("login", "12800138000").code == 2
    assert kshop("login", answers=["not a phone"]).code == 2


# --- catalogue -----------------------------------------------------------------------


def test_products_search_table_and_json(kshop: Shell) -> None:
    table = kshop("products", "search", "保温杯", "--limit", "5")
    assert table.code == 0
    assert "[限时] 创意工坊 定制刻字保温杯" in table.out  # markup-looking text, printed as is
    assert "¥94.90" in table.out
    assert "5 of 12 shown" in table.out

    answer = kshop("products", "search", "保温杯", "--limit", "5", "--json").json()
    assert set(answer) == {"items", "total", "next_cursor"}
    assert answer["total"] == 12 and len(answer["items"]) == 5
    first = answer["items"][0]
    assert first["id"] == PRODUCT and first["price_fen"] == 9490
    assert {"id", "name", "brand", "price_fen", "stock", "sales", "rating"} <= set(first)


def test_products_search_filters_sorts_and_pages(kshop: Shell) -> None:
    cheap = kshop(
        "products", "search", "--price-min", "50", "--price-max", "100.5",
        "--sort", "price_asc", "--in-stock", "--limit", "30", "--json",
    ).json()  # fmt: skip
    prices = [item["price_fen"] for item in cheap["items"]]
    assert prices == sorted(prices)
    assert all(5000 <= price <= 10050 for price in prices)
    assert all(item["stock"] > 0 for item in cheap["items"])

    many = kshop("products", "search", "--limit", "150", "--json").json()
    assert len(many["items"]) == 150  # two pages of the backend's 100
    assert len({item["id"] for item in many["items"]}) == 150


def test_products_search_reads_words_as_shoppers_type_them(kshop: Shell) -> None:
    relevant = kshop("products", "search", "huawei耳机", "--json").json()
    assert relevant["total"] > 0
    assert all(item["brand"] == "华为" and "耳机" in item["name"] for item in relevant["items"])
    explicit = kshop("products", "search", "huawei耳机", "--sort", "relevance", "--json").json()
    assert [item["id"] for item in explicit["items"]] == [item["id"] for item in relevant["items"]]
    by_sales = kshop("products", "search", "huawei耳机", "--sort", "sales_desc", "--json").json()
    sales = [item["sales"] for item in by_sales["items"]]
    assert sales == sorted(sales, reverse=True)


def test_product_show_lists_the_skus_to_order(kshop: Shell) -> None:
    table = kshop("product", "show", str(PRODUCT))
    assert table.code == 0
    assert str(SKU) in table.out and "经典款" in table.out and "¥104.90" in table.out
    answer = kshop("product", "show", str(PRODUCT), "--json").json()
    assert answer["id"] == PRODUCT
    assert [sku["id"] for sku in answer["skus"]] == [SKU, PRICEY_SKU]
    assert kshop("product", "show", "999999").code == 4


def test_backend_text_is_printed_literally(kshop: Shell, backend_ctx: Ctx) -> None:
    name = "[bold red]x[/bold red] [@click=app.quit]y[/] \x1b]0;pwned\x07z"
    backend_ctx.db.execute("UPDATE products SET name = ? WHERE id = ?", (name, PRODUCT))
    result = kshop("product", "show", str(PRODUCT))
    assert "[bold red]x[/bold red] [@click=app.quit]y[/]" in result.out
    assert "\x1b" not in result.out and "pwned" not in result.out


# --- cart ----------------------------------------------------------------------------


def test_cart_add_list_remove_clear(shopper: Shell) -> None:
    added = shopper("cart", "add", str(SKU), "--qty", "2", "--json")
    assert added.code == 0
    cart = added.json()
    assert {"items", "count", "selected_count", "selected_subtotal_fen"} <= set(cart)
    assert [(item["sku_id"], item["qty"]) for item in cart["items"]] == [(SKU, 2)]
    assert cart["selected_subtotal_fen"] == 2 * 9490

    shopper("cart", "add", str(PRICEY_SKU))
    table = shopper("cart", "list")
    assert "¥189.80" in table.out and "¥104.90" in table.out and "经典款" in table.out

    first = cart["items"][0]["id"]
    removed = shopper("cart", "remove", str(first), "--json").json()
    assert [item["sku_id"] for item in removed["items"]] == [PRICEY_SKU]
    assert shopper("cart", "remove", str(first)).code == 4  # gone already

    cleared = shopper("cart", "clear", "--json").json()
    assert cleared["items"] == []
    assert "empty" in shopper("cart", "list").out


@pytest.mark.parametrize(
    "argv",
    [
        ("cart", "add", "abc"),
        ("cart", "add", str(SKU), "--qty", "0"),
        ("cart", "add", str(SKU), "--qty", "-1"),
        ("cart", "add", str(SKU), "--qty", "two"),
        ("cart", "remove", "1.5"),
        ("orders", "list", "--status", "posted"),
        ("order", "place", "--pay", "balance"),
        ("order", "place", "--sku", str(SKU), "--pay", "cash"),
        ("order", "place", "--sku", str(SKU), "--sku", "7", "--qty", "1", "--pay", "alipay"),
        ("order", "place", "--from-cart", "--qty", "2", "--pay", "alipay"),
        ("order", "place", "--sku", str(SKU), "--address", "home", "--pay", "alipay"),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "refund_only",
            "--items",
            "a,b",
            "--reason",
            "other",
        ),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "swap",
            "--items",
            "1",
            "--reason",
            "other",
        ),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "refund_only",
            "--items",
            "1",
            "--reason",
            "other",
            "--amount",
            "1.234",
        ),
        ("after-sale", "create", "--order", "1", "--type", "exchange", "--reason", "size_fit"),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "exchange",
            "--reason",
            "size_fit",
            "--exchange",
            "1:2",
            "--amount",
            "5",
        ),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "exchange",
            "--reason",
            "size_fit",
            "--exchange",
            "1-2",
        ),
        ("after-sale", "create", "--order", "1", "--type", "return_refund", "--reason", "other"),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "refund_only",
            "--items",
            "1",
            "--reason",
            "other",
            "--exchange",
            "1:2",
        ),
        (
            "after-sale",
            "create",
            "--order",
            "1",
            "--type",
            "refund_only",
            "--items",
            "1",
            "--reason",
            "damaged",
            "--photo",
            "/nonexistent/kshop/crack.png",
        ),
        ("after-sale", "confirm-replacement", "x"),
        ("products", "search", "--price-min", "cheap"),
        ("teleport",),
        ("cart",),
    ],
)
def test_usage_errors_exit_2_before_any_request(shopper: Shell, argv: tuple[str, ...]) -> None:
    requests = shopper.transport.requests
    result = shopper(*argv)
    assert result.code == 2, result.err
    assert "error" in result.err
    assert result.out == ""
    assert shopper.transport.requests == requests


def test_server_refusals_exit_4_with_the_backends_words(shopper: Shell) -> None:
    too_many = shopper("cart", "add", str(SKU), "--qty", "100")  # 422: at most 99
    assert too_many.code == 4 and too_many.err.startswith("kshop: Invalid input")
    missing = shopper("cart", "add", "99999999")  # 404
    assert missing.code == 4 and missing.err == "kshop: SKU not found\n"
    assert shopper("order", "show", "424242").code == 4


# --- orders and payments -------------------------------------------------------------


def test_order_place_pays_with_balance(shopper: Shell, backend_ctx: Ctx) -> None:
    result = place(shopper, qty=2)
    assert result.code == 0, result.err
    answer = result.json()
    assert set(answer) == {"order", "payment"}
    order, payment = answer["order"], answer["payment"]
    assert order["status"] == "awaiting_shipment"
    assert [(item["sku_id"], item["qty"]) for item in order["items"]] == [(SKU, 2)]
    assert payment["status"] == "succeeded" and payment["method"] == "balance"
    assert payment["amount_fen"] == order["total_fen"]
    assert balance_fen(backend_ctx) == DEMO_BALANCE_FEN - order["total_fen"]
    assert DEMO_PAYMENT_PASSWORD not in result.out + result.err


def test_order_place_table_and_orders_list(shopper: Shell) -> None:
    shown = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "balance", "--remark", "[b]ring[/b]",
        secrets=[DEMO_PAYMENT_PASSWORD],
    )  # fmt: skip
    assert shown.code == 0, shown.err
    assert "awaiting_shipment" in shown.out and "balance · succeeded" in shown.out

    listed = shopper("orders", "list", "--status", "awaiting_shipment", "--json").json()
    assert set(listed) == {"items", "next_cursor"}
    (summary,) = listed["items"]
    assert summary["status"] == "awaiting_shipment" and summary["total_fen"] == 9490 + 600
    assert shopper("orders", "list", "--status", "shipped", "--json").json()["items"] == []

    table = shopper("orders", "list")
    assert summary["order_no"] in table.out and "¥100.90" in table.out  # ¥6 postage

    detail = shopper("order", "show", str(summary["id"]))
    assert "[b]ring[/b]" in detail.out and "Timeline" in detail.out
    assert shopper("order", "show", str(summary["id"]), "--json").json()["remark"] == "[b]ring[/b]"


def test_order_from_cart_to_a_chosen_address(shopper: Shell, backend_ctx: Ctx) -> None:
    shopper("cart", "add", str(SKU), "--qty", "3")
    result = shopper("order", "place", "--from-cart", "--address", "1", "--pay", "alipay", "--json")
    assert result.code == 0, result.err
    order = result.json()["order"]
    assert [(item["sku_id"], item["qty"]) for item in order["items"]] == [(SKU, 3)]
    assert shopper("order", "place", "--from-cart", "--address", "77", "--pay", "alipay").code == 4


def test_qr_payment_prints_the_code_and_stays_pending(shopper: Shell) -> None:
    result = shopper("order", "place", "--sku", str(SKU), "--pay", "alipay")
    assert result.code == 0, result.err
    assert "kshop-pay://alipay/" in result.out and "pending" in result.out
    answer = shopper("order", "place", "--sku", str(SKU), "--pay", "wechat_pay", "--json").json()
    assert answer["payment"]["status"] == "pending"
    assert answer["payment"]["qr_payload"].startswith("kshop-pay://wechat_pay/")
    assert answer["order"]["status"] == "pending_payment"


def test_qr_payment_with_wait_polls_until_paid(shopper: Shell, backend_ctx: Ctx) -> None:
    from fake_backend.services import payments

    polls: list[float] = []

    def scan_on_second_poll(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:
            row = backend_ctx.db.execute(
                "SELECT id FROM payments WHERE status = 'pending'"
            ).fetchone()
            payments.succeed(backend_ctx, int(row["id"]))

    shopper.sleep_hook = scan_on_second_poll
    result = shopper("order", "place", "--sku", str(SKU), "--pay", "alipay", "--wait", "--json")
    assert result.code == 0, result.err
    assert result.json()["payment"]["status"] == "succeeded"
    assert result.json()["order"]["status"] == "awaiting_shipment"
    assert len(polls) == 2


def test_waiting_too_long_for_a_qr_payment_exits_4(shopper: Shell) -> None:
    result = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "alipay", "--wait", "--timeout", "4"
    )
    assert result.code == 4
    assert "still pending after 4 s" in result.err


def test_wrong_payment_password_leaves_the_order_to_pay_later(shopper: Shell) -> None:
    result = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "balance", "--json", secrets=["000000"]
    )
    assert result.code == 3
    order = result.json()["order"]
    assert result.json()["payment"] is None
    assert "Wrong payment password" in result.err
    assert f"kshop order pay {order['id']}" in result.err

    paid = shopper(
        "order", "pay", str(order["id"]), "--pay", "balance", "--payment-password-stdin",
        "--json", stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )  # fmt: skip
    assert paid.code == 0, paid.err
    assert paid.json()["order"]["status"] == "awaiting_shipment"
    paid_again = shopper(
        "order", "pay", str(order["id"]), "--pay", "bnpl", "--payment-password-stdin",
        stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )  # fmt: skip
    assert paid_again.code == 4  # paid already


def test_refusals_while_paying_exit_4(shopper: Shell) -> None:
    broke = place(shopper, sku=PRICEY_SKU, qty=60)  # ¥6,294 against a ¥5,000 balance
    assert broke.code == 4
    assert "Insufficient funds" in broke.err
    assert broke.json()["order"]["status"] == "pending_payment"
    no_bnpl = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "bnpl", "--payment-password-stdin",
        stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )  # fmt: skip
    assert no_bnpl.code == 4 and "Pay later is not enabled" in no_bnpl.err


def test_cancel_refunds_and_a_second_cancel_exits_4(shopper: Shell, backend_ctx: Ctx) -> None:
    order = place(shopper).json()["order"]
    cancelled = shopper("order", "cancel", str(order["id"]), "--reason", "wrong_item")
    assert cancelled.code == 0
    assert f"is cancelled; ¥{order['total_fen'] / 100:.2f} refunded" in cancelled.out
    assert balance_fen(backend_ctx) == DEMO_BALANCE_FEN
    again = shopper("order", "cancel", str(order["id"]))
    assert again.code == 4 and "current state" in again.err
    assert shopper("order", "cancel", str(order["id"]), "--reason", "bored").code == 4
    assert shopper("orders", "list", "--status", "cancelled", "--json").json()["items"]


def test_track_a_shipped_order(shopper: Shell, backend_app: FastAPI) -> None:
    order = place(shopper).json()["order"]
    assert shopper("order", "track", str(order["id"])).code == 4  # not shipped yet

    async def ship() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=backend_app), base_url=IN_PROCESS_URL
        ) as http:
            (await http.post(f"/_dev/orders/{order['id']}/ship")).raise_for_status()

    import asyncio

    asyncio.run(ship())
    tracking = shopper("order", "track", str(order["id"]), "--json").json()
    assert {"carrier", "carrier_name", "tracking_no", "status", "events"} <= set(tracking)
    table = shopper("order", "track", str(order["id"]))
    assert table.code == 0 and tracking["tracking_no"] in table.out
    shipped = shopper("orders", "list", "--status", "shipped", "--json").json()["items"]
    assert [item["id"] for item in shipped] == [order["id"]]


# --- idempotency ---------------------------------------------------------------------


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """Lets the first request to `path` reach the backend, then loses its answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, path: str) -> None:
        self.inner = inner
        self.method = method
        self.path = path
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == self.method and request.url.path == self.path:
            self.keys.append(request.headers["Idempotency-Key"])
            if len(self.keys) == 1:
                await response.aread()
                raise httpx.ReadError("connection reset by peer", request=request)
        return response


def test_a_lost_answer_while_placing_makes_one_order(
    shell_for: Callable[..., Shell], backend_app: FastAPI, backend_ctx: Ctx
) -> None:
    lossy = LoseFirstAnswer(httpx.ASGITransport(app=backend_app), "POST", "/api/v1/orders")
    shell = shell_for(lossy)
    shell.login()
    result = place(shell)
    assert result.code == 0, result.err
    assert len(lossy.keys) == 2 and lossy.keys[0] == lossy.keys[1]
    assert count(backend_ctx, "orders") == 1
    assert balance_fen(backend_ctx) == DEMO_BALANCE_FEN - result.json()["order"]["total_fen"]

    place(shell)  # a new invocation is a new intent: a new key, a second order
    assert len(set(lossy.keys)) == 2 and count(backend_ctx, "orders") == 2


def test_a_lost_answer_while_paying_charges_once(
    shell_for: Callable[..., Shell], backend_app: FastAPI, backend_ctx: Ctx
) -> None:
    lossy = LoseFirstAnswer(httpx.ASGITransport(app=backend_app), "POST", "/api/v1/orders/1/pay")
    shell = shell_for(lossy)
    shell.login()
    result = place(shell)
    assert result.code == 0, result.err
    assert len(lossy.keys) == 2 and lossy.keys[0] == lossy.keys[1]
    assert count(backend_ctx, "payments") == 1
    assert balance_fen(backend_ctx) == DEMO_BALANCE_FEN - result.json()["order"]["total_fen"]


# --- backend down --------------------------------------------------------------------


def refusing(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def test_backend_down_exits_5(shell_for: Callable[..., Shell], tmp_path: Path) -> None:
    shell = shell_for(httpx.MockTransport(refusing))
    TokenStore(tmp_path / "data" / "token").save("a-token", remember=True)
    for argv in (
        ("products", "search", "保温杯"),
        ("orders", "list", "--json"),
        ("order", "place", "--sku", str(SKU), "--pay", "alipay"),
        ("login", DEMO_PHONE),
    ):
        result = shell(*argv, secrets=[DEMO_PASSWORD])
        assert result.code == 5, argv
        assert result.out == ""
        assert result.err.startswith("kshop: the backend did not answer: ConnectError")
        assert result.err.count("\n") == 1
    placing = shell("order", "place", "--sku", str(SKU), "--pay", "alipay")
    assert "kshop orders list --status pending_payment" in placing.err


def test_logout_with_the_backend_down_still_forgets_the_token(
    shell_for: Callable[..., Shell], tmp_path: Path
) -> None:
    shell = shell_for(httpx.MockTransport(refusing))
    TokenStore(tmp_path / "data" / "token").save("a-token", remember=True)
    result = shell("logout")
    assert result.code == 5 and "logged out here" in result.err
    assert not (tmp_path / "data" / "token").exists()


def test_a_server_error_exits_5(shell_for: Callable[..., Shell]) -> None:
    def crash(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "INTERNAL", "message": "Something went wrong", "details": {}}}
        return httpx.Response(500, json=body)

    result = shell_for(httpx.MockTransport(crash))("products", "search", "x")
    assert result.code == 5 and result.err == "kshop: Something went wrong\n"


def test_a_backend_that_cannot_open_exits_5(kshop: Shell) -> None:
    async def broken(choice: BackendChoice) -> Backend:
        raise OSError("unable to open database file")

    runtime = Runtime(open_backend=broken, data_dir=kshop.data_dir)
    kshop.capsys.readouterr()
    assert run(["products", "search", "x"], runtime) == 5
    assert "cannot open the backend: unable to open database file" in kshop.capsys.readouterr().err


# --- after-sales ---------------------------------------------------------------------


def test_after_sale_create_list_show(shopper: Shell, backend_ctx: Ctx) -> None:
    order = place(shopper, qty=2).json()["order"]
    item_id = order["items"][0]["id"]
    common = ("--order", str(order["id"]), "--items", str(item_id), "--reason", "changed_mind")

    not_yet = shopper("after-sale", "create", "--type", "return_refund", *common)
    assert not_yet.code == 4 and "has not shipped" in not_yet.err
    too_much = shopper("after-sale", "create", "--type", "refund_only", *common, "--amount", "999")
    assert too_much.code == 4 and "amount" in too_much.err

    created = shopper(
        "after-sale", "create", "--type", "refund_only", *common,
        "--description", "[i]no[/i]", "--to", "red_packet", "--json",
    )  # fmt: skip
    assert created.code == 0, created.err
    after_sale = created.json()
    assert after_sale["order_id"] == order["id"] and after_sale["type"] == "refund_only"
    assert after_sale["amount_fen"] == order["total_fen"]  # all of it by default
    assert after_sale["refund_to"] == "red_packet"
    assert [item["item_id"] for item in after_sale["items"]] == [item_id]
    assert count(backend_ctx, "after_sales") == 1

    listed = shopper("after-sale", "list", "--json").json()
    assert set(listed) == {"items", "next_cursor"}
    assert [item["id"] for item in listed["items"]] == [after_sale["id"]]
    table = shopper("after-sale", "list")
    assert order["order_no"] in table.out and "refund_only" in table.out

    shown = shopper("after-sale", "show", str(after_sale["id"]))
    assert shown.code == 0 and "[i]no[/i]" in shown.out and "Changed my mind" in shown.out
    assert shopper("after-sale", "show", "31337").code == 4


def test_after_sale_with_an_amount_and_an_unknown_reason(shopper: Shell) -> None:
    order = place(shopper, qty=2).json()["order"]
    item_id = str(order["items"][0]["id"])
    base = ("after-sale", "create", "--order", str(order["id"]), "--type", "refund_only")
    unknown = shopper(*base, "--items", item_id, "--reason", "aliens")
    assert unknown.code == 4
    partial = shopper(*base, "--items", item_id, "--reason", "other", "--amount", "10.5", "--json")
    assert partial.code == 0, partial.err
    assert partial.json()["amount_fen"] == 1050


def delivered(shell: Shell, backend_ctx: Ctx, sku: int) -> dict[str, Any]:
    """An order of one `sku`, paid, shipped and delivered."""
    from fake_backend.services import logistics

    order: dict[str, Any] = place(shell, sku=sku).json()["order"]
    logistics.ship(backend_ctx, order["id"])
    logistics.deliver(backend_ctx, order["id"])
    return order


def test_after_sale_exchange_options_create_and_confirm_replacement(
    shopper: Shell, backend_ctx: Ctx
) -> None:
    order = delivered(shopper, backend_ctx, sku=1)
    item_id = order["items"][0]["id"]
    options = shopper("after-sale", "options", "--order", str(order["id"]))
    assert options.code == 0, options.err
    assert "exchange" in options.out and "size_fit" in options.out
    assert "sold out" in options.out  # a spec at the same price with no stock
    choices = shopper("after-sale", "options", "--order", str(order["id"]), "--json").json()
    wanted = next(
        sku["sku_id"]
        for sku in choices["items"][0]["exchange_skus"]
        if sku["stock"] > 0 and sku["sku_id"] != 1
    )
    created = shopper(
        "after-sale", "create", "--order", str(order["id"]), "--type", "exchange",
        "--exchange", f"{item_id}:{wanted}", "--reason", "size_fit", "--json",
    )  # fmt: skip
    assert created.code == 0, created.err
    after_sale = created.json()
    assert after_sale["type"] == "exchange" and after_sale["amount_fen"] == 0
    assert after_sale["exchange_items"][0]["sku_id"] == wanted
    too_early = shopper("after-sale", "confirm-replacement", str(after_sale["id"]))
    assert too_early.code == 4 and count(backend_ctx, "after_sales") == 1

    from fake_backend.services import after_sale_merchant, after_sale_returns
    from tests.conftest import DEMO_USER_ID

    after_sale_merchant.approve(backend_ctx, after_sale["id"])
    after_sale_returns.ship_return(
        backend_ctx, DEMO_USER_ID, after_sale["id"], "SF", "SF1234567890666", "en"
    )
    after_sale_merchant.receive(backend_ctx, after_sale["id"])
    after_sale_merchant.reship(backend_ctx, after_sale["id"])
    shown = shopper("after-sale", "show", str(after_sale["id"]))
    assert "Replacement" in shown.out and "Exchange for" in shown.out
    assert "Amount" not in shown.out  # no money moves in an exchange
    done = shopper("after-sale", "confirm-replacement", str(after_sale["id"]), "--json")
    assert done.code == 0, done.err
    assert done.json()["status"] == "completed"


def test_after_sale_quality_problem_needs_a_photo(
    shopper: Shell, backend_ctx: Ctx, tmp_path: Path
) -> None:
    from PIL import Image

    order = delivered(shopper, backend_ctx, sku=SKU)  # customised: no ordinary return
    item_id = str(order["items"][0]["id"])
    base = (
        "after-sale", "create", "--order", str(order["id"]), "--type", "return_refund",
        "--items", item_id,
    )  # fmt: skip
    ordinary = shopper(*base, "--reason", "changed_mind")
    assert ordinary.code == 4 and "customised" in ordinary.err
    no_photo = shopper(*base, "--reason", "damaged")
    assert no_photo.code == 4 and "photo" in no_photo.err
    assert count(backend_ctx, "after_sales") == 0
    photo = tmp_path / "crack.png"
    Image.new("RGB", (16, 16), (200, 30, 30)).save(photo)
    created = shopper(*base, "--reason", "damaged", "--photo", str(photo), "--json")
    assert created.code == 0, created.err
    assert len(created.json()["photo_ids"]) == 1


# --- the `kshop` entry point ---------------------------------------------------------


def test_cli_main_dispatches_sub_commands(capsys: pytest.CaptureFixture[str]) -> None:
    from kshop_tui.cli import main

    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == os.environ["KSHOP_CONFIG_FILE"]
    assert main(["--lang", "en", "teleport"]) == 2


def test_kshop_alone_still_starts_the_shop(monkeypatch: pytest.MonkeyPatch) -> None:
    from kshop_tui import app as app_module
    from kshop_tui.cli import main
    from kshop_tui.shop.options import AppOptions

    started: list[AppOptions] = []
    monkeypatch.setattr(app_module.KshopApp, "run", lambda self: started.append(self.options))
    assert main(["--lang", "en", "--open", "cart", "--demo", "--merchant", "manual"]) == 0
    (options,) = started
    assert options.language == "en" and options.open_target == "cart"
    assert options.demo and options.merchant == "manual"


def test_starting_the_shop_does_not_import_the_cli_commands() -> None:
    probe = (
        "import sys, kshop_tui.cli\n"
        "names = ('httpx', 'rich.table', 'kshop_tui.cli_commands')\n"
        "heavy = [name for name in names if name in sys.modules]\n"
        "print(heavy)\n"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert answer.stdout.strip() == "[]"


def test_backend_options_after_the_command_are_honoured(kshop: Shell) -> None:
    kshop("products", "search", "x", "--backend", "http://127.0.0.1:1", "--merchant", "manual")
    kshop("--demo", "products", "search", "x")
    kshop("products", "search", "x")
    first, second, third = kshop.opened
    assert first.url == "http://127.0.0.1:1" and first.merchant == "manual" and not first.demo
    assert second.demo and second.url is None
    assert third.url is None and third.merchant == "auto"


def test_a_missing_payment_password_stops_before_ordering(shopper: Shell, backend_ctx: Ctx) -> None:
    piped = shopper(
        "order", "place", "--sku", str(SKU), "--pay", "balance", "--payment-password-stdin"
    )
    assert piped.code == 2 and "payment password on stdin" in piped.err
    assert (
        shopper("order", "place", "--sku", str(SKU), "--pay", "bank_card", secrets=[""]).code == 2
    )
    assert count(backend_ctx, "orders") == 0


def test_prompts_ask_on_stderr_and_end_of_input_is_a_usage_error(
    kshop: Shell, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kshop_tui.cli_commands.runtime import ask_on_terminal

    monkeypatch.setattr(sys, "stdin", io.StringIO("13800138000\n"))
    assert ask_on_terminal("Phone: ") == DEMO_PHONE
    assert capsys.readouterr() == ("", "Phone: ")
    with pytest.raises(EOFError):
        ask_on_terminal("Phone: ")

    def end_of_input(prompt: str) -> str:
        raise EOFError

    runtime = Runtime(
        open_backend=lambda choice: _ready(kshop.backend),
        data_dir=kshop.data_dir,
        ask=end_of_input,
        secret=end_of_input,
    )
    assert run(["login"], runtime) == 2
    assert run(["login", DEMO_PHONE], runtime) == 2


def test_ctrl_c_at_a_prompt_exits_130(kshop: Shell, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt

    runtime = Runtime(
        open_backend=lambda choice: _ready(kshop.backend),
        data_dir=kshop.data_dir,
        secret=interrupted,
    )
    capsys.readouterr()
    assert run(["login", DEMO_PHONE], runtime) == 130
    assert capsys.readouterr().err == "kshop: interrupted\n"


async def _ready(backend: Backend) -> Backend:
    return backend


def test_version_comes_from_the_installed_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    from kshop_tui.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"kshop {metadata.version('kshop-tui')}\n"


def test_version_outside_an_installation_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    from kshop_tui.cli import main

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == "kshop unknown (not installed)\n"
