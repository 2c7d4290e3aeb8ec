"""Buying without an account in the TUI (docs/api.md §7.4): the login screen's guest tab
(phone + SMS code), then a checkout with an address typed or pasted for the order only
and QR or card payments; nothing of an account's is asked for or created."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.address_form import AddressFormModal
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.payment.guest_card import GuestCardModal
from kshop_tui.screens.payment.qr import QrPaymentScreen
from kshop_tui.screens.payment.result import PaymentResultScreen
from tests.tui.helpers import text_of
from tests.tui.test_checkout_flows import (
    choose_method,
    pick_sku,
    review_and_place,
    settle,
    wait_quoted,
    wait_until,
)

MakeApp = Callable[..., KshopApp]
GUEST_PHONE = "13712345678"
PASTED = "张三 13800138000 浙江省杭州市西湖区文三路100号"


def latest_code(ctx: Ctx, phone: str) -> str:
    code = ctx.db.scalar(
        "SELECT code FROM sms_codes WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,)
    )
    assert code is not None
    return str(code)


async def log_in_as_guest(pilot: Pilot[None], ctx: Ctx) -> None:
    app = pilot.app
    await settle(pilot)
    login = LoginScreen()
    await app.push_screen(login)
    await settle(pilot)
    await pilot.press("ctrl+t", "ctrl+t", "ctrl+t")  # code, password, register, guest
    await settle(pilot)
    await pilot.press(*GUEST_PHONE)  # the phone
    await pilot.press("ctrl+g")  # send a code
    await settle(pilot)
    await pilot.press(*latest_code(ctx, GUEST_PHONE))  # the code from the demo outbox
    await pilot.press("enter")  # continue as a guest
    await settle(pilot)
    assert app.screen is not login


async def test_the_guest_tab_opens_a_guest_session(make_app: MakeApp, backend_ctx: Ctx) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in_as_guest(pilot, backend_ctx)
        user = app.shop.user
        assert user is not None and user.guest and user.phone == GUEST_PHONE
    guest = backend_ctx.db.one("SELECT guest FROM users WHERE phone = ?", ("guest:" + GUEST_PHONE,))
    assert guest is not None and guest["guest"] == 1


async def test_a_guest_orders_to_a_pasted_address_and_pays_by_qr(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    books_before = backend_ctx.db.scalar("SELECT COUNT(*) FROM addresses")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in_as_guest(pilot, backend_ctx)
        screen = CheckoutScreen([(sku_id, 1)])
        await app.push_screen(screen)
        await wait_quoted(pilot, screen)
        assert [option.method for option in screen.options] == ["alipay", "wechat_pay", "bank_card"]
        await pilot.press("e")  # where to: the address form, for this order only
        await wait_until(pilot, lambda: isinstance(app.screen, AddressFormModal))
        form = app.screen
        paste = form.query_one("#af-paste", Input)
        paste.focus()
        paste.value = PASTED
        await pilot.press("enter")  # read the pasted address
        await settle(pilot)
        assert form.query_one("#af-detail", Input).value == "文三路100号"
        await pilot.press("ctrl+s")  # checked: use it
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_quoted(pilot, screen)
        assert screen.quote is not None and screen.quote.shipping_rule is not None
        assert screen.quote.shipping_rule.province == "浙江省"
        await choose_method(pilot, screen, "wechat_pay")
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, QrPaymentScreen))
        qr_screen = app.screen
        assert isinstance(qr_screen, QrPaymentScreen)
        await wait_until(pilot, lambda: qr_screen.payment is not None)
        assert qr_screen.payment is not None
        await app.shop.backend.client._call(  # type: ignore[union-attr]
            "POST", f"/_dev/payments/{qr_screen.payment.id}/succeed"
        )
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
    order = backend_ctx.db.one("SELECT * FROM orders ORDER BY id DESC LIMIT 1")
    assert order is not None and order["guest_phone"] == GUEST_PHONE
    assert order["address_id"] is None and order["status"] == "awaiting_shipment"
    assert backend_ctx.db.scalar("SELECT COUNT(*) FROM addresses") == books_before


async def test_a_guest_pays_with_a_card_typed_for_the_payment(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in_as_guest(pilot, backend_ctx)
        screen = CheckoutScreen([(sku_id, 1)])
        await app.push_screen(screen)
        await wait_quoted(pilot, screen)
        await pilot.press("e")  # the address
        await wait_until(pilot, lambda: isinstance(app.screen, AddressFormModal))
        form = app.screen
        form.query_one("#af-paste", Input).focus()
        form.query_one("#af-paste", Input).value = PASTED
        await pilot.press("enter")  # read it
        await settle(pilot)
        await pilot.press("ctrl+s")  # use it
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_quoted(pilot, screen)
        await choose_method(pilot, screen, "bank_card")
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, GuestCardModal))
        modal = app.screen
        await pilot.press(*"6225880137706869")  # a mistyped card: Luhn says no
        await pilot.press("tab", *"张三", "enter")  # the holder; pay
        await settle(pilot)
        assert app.screen is modal
        assert "card number" in text_of(modal, "#gc-status")
        modal.query_one("#gc-number", Input).value = "6225 8801 3770 6868"
        await pilot.press("enter")  # pay with the right one
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
    order = backend_ctx.db.one("SELECT status, paid_method FROM orders ORDER BY id DESC LIMIT 1")
    assert order is not None and order["paid_method"] == "bank_card"
    assert order["status"] == "awaiting_shipment"
