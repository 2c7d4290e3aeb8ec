"""The CLI's guest commands (docs/api.md §7.4): `kshop login --guest`, `kshop order place
--to TEXT` (an inline address read by the backend's parser), `kshop order lookup` and
`kshop address parse`."""

# ruff: noqa: F811  (the tests take test_cli's fixtures, imported here, by name)
from __future__ import annotations

import pytest

from fake_backend.context import Ctx
from tests.client.test_cli import (  # noqa: F401
    SKU,
    Shell,
    backend_app,
    backend_ctx,
    isolated,
    kshop,
    shell_for,
    shopper,
)

GUEST_PHONE = "13712345678"
PASTED = "张三 13800138000 浙江省杭州市西湖区文三路100号"


def latest_code(ctx: Ctx, phone: str) -> str:
    row = ctx.db.execute(
        "SELECT code FROM sms_codes WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,)
    ).fetchone()
    return str(row["code"])


def guest_login(kshop: Shell, ctx: Ctx) -> None:
    result = kshop("login", GUEST_PHONE, "--guest", answers=[lambda: latest_code(ctx, GUEST_PHONE)])
    assert result.code == 0, result.err
    assert "Ordering as a guest (137****5678)" in result.out


def test_address_parse_prints_the_fields(kshop: Shell) -> None:
    result = kshop("address", "parse", PASTED)
    assert result.code == 0, result.err
    for value in ("张三", "13800138000", "浙江省", "杭州市", "西湖区", "文三路100号"):
        assert value in result.out


def test_address_parse_as_json_and_a_partial_one_exits_4(kshop: Shell) -> None:
    whole = kshop("address", "parse", "--json", *PASTED.split())
    assert whole.code == 0 and whole.json()["district"] == "西湖区"
    partial = kshop("address", "parse", "--json", "随便 写写")
    assert partial.code == 4
    assert partial.json()["province"] is None


def test_a_guest_orders_to_a_pasted_address_and_pays_by_qr(kshop: Shell, backend_ctx: Ctx) -> None:
    guest_login(kshop, backend_ctx)
    placed = kshop("order", "place", "--sku", str(SKU), "--to", PASTED, "--pay", "alipay", "--json")
    assert placed.code == 0, placed.err
    order = placed.json()["order"]
    assert order["address"]["district"] == "西湖区"
    stored = backend_ctx.db.execute(
        "SELECT guest_phone, address_id FROM orders WHERE id = ?", (order["id"],)
    ).fetchone()
    assert stored["guest_phone"] == GUEST_PHONE and stored["address_id"] is None


def test_a_guest_cannot_pay_from_a_balance(kshop: Shell, backend_ctx: Ctx) -> None:
    guest_login(kshop, backend_ctx)
    refused = kshop(
        "order", "place", "--sku", str(SKU), "--to", PASTED, "--pay", "balance",
        "--payment-password-stdin", stdin="123456\n",
    )  # fmt: skip
    assert refused.code == 4
    assert "Guests pay with Alipay, WeChat Pay or a bank card" in refused.err


def test_an_unreadable_to_address_places_nothing(kshop: Shell, backend_ctx: Ctx) -> None:
    guest_login(kshop, backend_ctx)
    before = backend_ctx.db.execute("SELECT COUNT(*) AS n FROM orders").fetchone()["n"]
    result = kshop("order", "place", "--sku", str(SKU), "--to", "张三 文三路", "--pay", "alipay")
    assert result.code == 2
    assert "could not find the phone, province" in result.err
    assert backend_ctx.db.execute("SELECT COUNT(*) AS n FROM orders").fetchone()["n"] == before


def test_order_lookup_by_number_and_phone(kshop: Shell, backend_ctx: Ctx) -> None:
    guest_login(kshop, backend_ctx)
    placed = kshop(
        "order", "place", "--sku", str(SKU), "--to", PASTED, "--pay", "wechat_pay", "--json"
    )
    order_no = placed.json()["order"]["order_no"]
    kshop("logout")
    backend_ctx.clock.advance(61)
    found = kshop(
        "order", "lookup", order_no, "--phone", GUEST_PHONE,
        answers=[lambda: latest_code(backend_ctx, GUEST_PHONE)],
    )  # fmt: skip
    assert found.code == 0, found.err
    assert order_no in found.out and "浙江省" in found.out


@pytest.mark.parametrize("code", ["000000", "12"])
def test_order_lookup_with_a_wrong_code_exits_4(kshop: Shell, code: str) -> None:
    result = kshop("order", "lookup", "KS000", "--phone", GUEST_PHONE, "--code", code)
    assert result.code == 4
    assert "code" in result.err
