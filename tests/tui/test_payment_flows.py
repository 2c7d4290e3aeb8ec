"""Pilot tests of paying: every method end to end (the password ones, the QR ones paid
through `/_dev` while the screen polls, pay-later), a wrong password, a lockout, not
enough balance, a declined QR payment, and `PayOrderFlow` on an existing order. Each
asserts the backend's rows: one order, its status, the money moved in fen."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from fake_backend.context import Ctx
from kshop_tui.api.backend import Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.payment import qr
from kshop_tui.screens.payment.flow import PayOrderFlow
from kshop_tui.screens.payment.method_picker import MethodPickerModal
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.qr import QrPaymentScreen
from kshop_tui.screens.payment.result import PaymentResultScreen
from kshop_tui.shop.flows.payment import MethodOption
from kshop_tui.widgets.qr import QrCode
from tests.backend.test_orders_service import create
from tests.tui.helpers import text_of
from tests.tui.test_checkout_flows import (
    DEMO_USER,
    MakeApp,
    balance,
    choose_method,
    open_checkout,
    orders_of,
    pick_sku,
    review_and_place,
    settle,
    wait_until,
)


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr, "POLL_SECONDS", 0.05)


def pending_payment_id(ctx: Ctx) -> int:
    payment_id = ctx.db.scalar("SELECT id FROM payments WHERE status = 'pending' ORDER BY id DESC")
    assert payment_id is not None
    return int(payment_id)


async def test_bank_card_asks_the_password_and_charges_the_card(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    before = balance(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await choose_method(pilot, screen, "bank_card:1")
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        await pilot.press(*"123456")  # the payment password
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "awaiting_shipment" and order["paid_method"] == "bank_card"
        assert balance(backend_ctx) == before  # the card paid, not the balance
        charged = backend_ctx.db.scalar(
            "SELECT amount_fen FROM payments WHERE order_id = ? AND status = 'succeeded'",
            (order["id"],),
        )
        assert charged == order["total_fen"]


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
async def test_qr_methods_poll_until_paid(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, method: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    before = balance(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await choose_method(pilot, screen, method)
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, QrPaymentScreen))
        qr_screen = app.screen
        assert isinstance(qr_screen, QrPaymentScreen)
        await wait_until(pilot, lambda: qr_screen.payment is not None)
        assert qr_screen.payment is not None
        assert qr_screen.query_one(QrCode).payload == qr_screen.payment.qr_payload
        assert "Expires in" in text_of(qr_screen, "#qr-pay-expiry")
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "pending_payment"  # nothing paid until the code is scanned
        await app.shop.backend.client._call(  # type: ignore[union-attr]
            "POST", f"/_dev/payments/{qr_screen.payment.id}/succeed"
        )
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "awaiting_shipment" and order["paid_method"] == method
        assert balance(backend_ctx) == before


async def test_pay_later_asks_the_payment_password_and_ships_at_once(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    backend_ctx.db.execute("UPDATE users SET bnpl_enabled = 1 WHERE id = ?", (DEMO_USER,))
    sku_id, _ = pick_sku(backend_ctx)
    before = balance(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await choose_method(pilot, screen, "bnpl")
        await review_and_place(pilot, screen)
        # docs/api.md §7.5: pay-later is confirmed with the payment password too.
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "pending_payment"
        await pilot.press(*"123456")  # the payment password
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "shipped" and order["paid_method"] == "bnpl"
        assert balance(backend_ctx) == before
        assert "ship at once" in text_of(app.screen, "#result-next")


async def test_wrong_password_keeps_the_modal_and_counts_down(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    before = balance(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        modal = app.screen
        await pilot.press(*"654321")  # wrong
        await wait_until(pilot, lambda: "attempts left" in text_of(modal, "#pw-status"))
        assert app.screen is modal
        assert "4 attempts left" in text_of(modal, "#pw-status")
        assert modal.query_one(Input).value == ""
        assert balance(backend_ctx) == before
        await pilot.press(*"123456")  # right
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        (order,) = orders_of(backend_ctx)
        assert balance(backend_ctx) == before - order["total_fen"]


async def test_lockout_says_when_it_ends_and_offers_another_method(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        modal = app.screen
        assert isinstance(modal, PaymentPasswordModal)
        for _ in range(5):
            await pilot.press(*"000000")  # wrong, five times
            await wait_until(pilot, lambda: not modal._paying)
        assert "locked for 15 min" in text_of(modal, "#pw-status")
        assert modal.query_one(Input).disabled
        await pilot.press("escape")  # pay another way
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        assert "locked" in text_of(app.screen, "#result-detail")
        await pilot.press("m")  # another method
        await wait_until(pilot, lambda: isinstance(app.screen, MethodPickerModal))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "pending_payment"


async def test_insufficient_balance_offers_another_method(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        chosen = screen.chosen_method()
        assert chosen is not None and chosen.method == "balance"
        # The balance shrinks elsewhere between the checkout's look and the payment.
        backend_ctx.db.execute("UPDATE users SET balance_fen = 100 WHERE id = ?", (DEMO_USER,))
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        await pilot.press(*"123456")  # pay
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        result = app.screen
        assert "Insufficient funds" in text_of(result, "#result-detail")
        assert "another method" in text_of(result, "#result-next")
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "pending_payment"
        await pilot.press("m")  # try another method
        await wait_until(pilot, lambda: isinstance(app.screen, MethodPickerModal))
        picker = app.screen
        assert isinstance(picker, MethodPickerModal)
        balance_option = next(o for o in picker.options if o.method == "balance")
        assert not balance_option.available  # greyed now, with the reason
        await pilot.press("home", "enter")  # Alipay, the first
        await wait_until(pilot, lambda: isinstance(app.screen, QrPaymentScreen))
        qr_screen = app.screen
        assert isinstance(qr_screen, QrPaymentScreen)
        await wait_until(pilot, lambda: qr_screen.payment is not None)
        assert qr_screen.payment is not None
        await app.shop.backend.client._call(  # type: ignore[union-attr]
            "POST", f"/_dev/payments/{qr_screen.payment.id}/succeed"
        )
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "awaiting_shipment" and order["paid_method"] == "alipay"
        assert balance(backend_ctx) == 100


async def test_declined_qr_payment_keeps_the_order_payable(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await choose_method(pilot, screen, "wechat_pay")
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, QrPaymentScreen))
        await wait_until(pilot, lambda: pending_payment_id(backend_ctx) > 0)
        payment_id = pending_payment_id(backend_ctx)
        await app.shop.backend.client._call(  # type: ignore[union-attr]
            "POST", f"/_dev/payments/{payment_id}/fail"
        )
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        assert "declined" in text_of(app.screen, "#result-detail")
        await pilot.press("escape")  # leave the result: back on the placed checkout
        await wait_until(pilot, lambda: app.screen is screen and screen.step == 3)
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "pending_payment"
        await pilot.press("p")  # pay it after all
        await wait_until(pilot, lambda: isinstance(app.screen, MethodPickerModal))


async def test_pay_order_flow_pays_an_existing_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, backend: Any
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    client: KshopClient = backend.client
    client.token = demo_token
    order = await client.create_order(
        payment_method="alipay", idempotency_key=new_intent_key(), items=[(sku_id, 1)]
    )
    before = balance(backend_ctx)
    app = make_app(token=demo_token)
    results: list[Any] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        async def pay() -> None:
            results.append(await PayOrderFlow(app, order.id, order.total_fen).run())

        app.run_worker(pay(), group="pay")
        await wait_until(pilot, lambda: isinstance(app.screen, MethodPickerModal))
        picker = app.screen
        assert isinstance(picker, MethodPickerModal)
        balance_index = next(i for i, o in enumerate(picker.options) if o.method == "balance")
        assert picker.query_one("#pm-list").highlighted == balance_index  # type: ignore[attr-defined]
        await pilot.press("enter")  # the balance, offered first
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        await pilot.press(*"123456")  # pay
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        await pilot.press("escape")  # back
        await wait_until(pilot, lambda: bool(results))
    assert results[0].paid and results[0].next == "back"
    assert balance(backend_ctx) == before - order.total_fen
    status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order.id,))
    assert status == "awaiting_shipment"


async def test_checkout_is_left_once_paid(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        await pilot.press(*"123456")  # pay
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        await pilot.press("enter")  # the order's detail
        await wait_until(pilot, lambda: not isinstance(app.screen, PaymentResultScreen))
        await settle(pilot)
        assert not any(isinstance(s, CheckoutScreen) for s in app.screen_stack)
        (order,) = orders_of(backend_ctx)
        detail = app.screen
        assert isinstance(detail, OrderDetailScreen), app.screen_stack
        assert detail.order_id == order["id"]
        assert detail.order is not None and detail.order.order_no == order["order_no"]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("merchant", ["auto", "manual"])
async def test_the_qr_pay_screen_says_how_the_demo_pays_in_each_merchant_mode(
    make_app: MakeApp,
    backend: Backend,
    backend_ctx: Ctx,
    demo_token: str,
    merchant: str,
    lang: str,
) -> None:
    """`--merchant auto`: the simulator pays in a few seconds; `manual`: nothing pays by
    itself, so the screen says the code waits for a real payment or for `/_dev`."""
    backend.merchant = merchant
    sku_id, _ = pick_sku(backend_ctx)
    order = create(backend_ctx, [(sku_id, 1)], payment_method="alipay")
    app = make_app(lang=lang, token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = QrPaymentScreen(order["id"], MethodOption("alipay", "Alipay"), order["total_fen"])
        app.push_screen(screen)
        await wait_until(pilot, lambda: screen.payment is not None)
        assert screen.payment is not None
        hint = text_of(screen, "#qr-pay-demo")
        says_soon = {"en": "in a few seconds", "zh_CN": "几秒后"}[lang]
        if merchant == "auto":
            assert says_soon in hint
        else:
            assert says_soon not in hint
            assert {"en": "nothing pays", "zh_CN": "不会自动付款"}[lang] in hint
            assert f"/_dev/payments/{screen.payment.id}/succeed" in hint
        assert (
            backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order["id"],))
            == "pending_payment"
        )
