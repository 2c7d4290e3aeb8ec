"""Pilot tests of the checkout's short way (issue 17): "Pay with" has the focus on arrival,
digits choose a method, ctrl+s then Enter places exactly one order; the key sequences
the README counts, pressed as written; and an order repeated for another address from
its detail screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import RadioButton, RadioSet

from fake_backend.context import Ctx
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.account.address_book import AddressBookModal
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.payment import qr
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.qr import QrPaymentScreen
from kshop_tui.screens.payment.result import PaymentResultScreen
from kshop_tui.shop.flows.orders import offered_actions, order_allows, repeat_lines
from tests.tui import helpers
from tests.tui.helpers import notifications, shown_text
from tests.tui.test_orders import complete, pay, place, ship, skus_in_stock

MakeApp = Callable[..., KshopApp]
DEMO_USER = 1
WAITING_GROUPS = {"place", "pay", "flow", "address-book", "coupon", "address-form", "qr-pay-poll"}
settle = partial(helpers.settle, waiting=WAITING_GROUPS)
wait_until = partial(helpers.wait_until, waiting=WAITING_GROUPS)
settle_debounced = partial(helpers.settle_debounced, waiting=WAITING_GROUPS)


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr, "POLL_SECONDS", 0.05)


def product_in_stock(ctx: Ctx) -> int:
    """A product whose first spec is in stock and costs less than the demo balance."""
    return int(
        ctx.db.scalar(
            "SELECT p.id FROM products p JOIN skus s ON s.product_id = p.id"
            " WHERE s.stock >= 20 AND s.price_fen BETWEEN 19900 AND 100000 ORDER BY p.id LIMIT 1"
        )
    )


def orders_of(ctx: Ctx) -> list[Any]:
    return ctx.db.all("SELECT * FROM orders WHERE user_id = ? ORDER BY id", (DEMO_USER,))


async def arrive_at_checkout(pilot: Pilot[None]) -> CheckoutScreen:
    """`B` on the open product page, then until the form shows its methods and quote."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("B")  # buy now
    await wait_until(pilot, lambda: isinstance(app.screen, CheckoutScreen))
    screen = app.screen
    assert isinstance(screen, CheckoutScreen)
    await wait_until(
        pilot,
        lambda: screen.quote is not None and screen.chosen_method() is not None,
        what="a quote and a payment method",
    )
    await settle_debounced(pilot)
    return screen


def highlighted(radios: RadioSet) -> RadioButton:
    (button,) = radios.query("RadioButton.-selected").results(RadioButton)
    return button


async def test_pay_with_has_the_focus_on_arrival_with_the_chosen_method_highlighted(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target=f"product {product_in_stock(backend_ctx)}")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await arrive_at_checkout(pilot)
        radios = screen.query_one("#pay-with", RadioSet)
        assert app.focused is radios
        assert radios.pressed_button is not None and radios.pressed_button.name == "balance"
        # Enter on arrival keeps the method chosen (Textual highlights the first button).
        assert highlighted(radios) is radios.pressed_button
        await pilot.press("enter")
        await settle_debounced(pilot)
        chosen = screen.chosen_method()
        assert chosen is not None and chosen.method == "balance"


async def test_digits_choose_the_method_shown_with_them(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target=f"product {product_in_stock(backend_ctx)}")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await arrive_at_checkout(pilot)
        radios = screen.query_one("#pay-with", RadioSet)
        labels = [shown_text(button) for button in radios.query(RadioButton)]
        for number, (label, option) in enumerate(zip(labels, screen.options, strict=True), 1):
            assert f"{number} {option.label}" in label
        for number, option in enumerate(screen.options, start=1):
            await pilot.press(str(number))
            await settle_debounced(pilot)
            chosen = screen.chosen_method()
            assert chosen is not None
            if option.available:
                assert chosen.key == option.key
                assert highlighted(radios).name == option.key
                assert app.focused is radios
            else:  # the demo's pay-later is off: the choice stays, and the notice says why
                assert chosen.key != option.key
                assert any(option.reason in words for words in notifications(app))
        await pilot.press("1")
        await settle_debounced(pilot)
        chosen = screen.chosen_method()
        assert chosen is not None and chosen.method == "alipay"
        # A digit typed into the remark is text, not a choice.
        remark = screen.query_one("#remark")
        remark.focus()
        await pilot.press("4")
        await settle_debounced(pilot)
        chosen = screen.chosen_method()
        assert chosen is not None and chosen.method == "alipay"
        assert screen.remark() == "4"


async def test_ctrl_s_asks_and_enter_places_exactly_one_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target=f"product {product_in_stock(backend_ctx)}")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await arrive_at_checkout(pilot)
        await pilot.press("ctrl+s")  # asks: the review step
        await settle(pilot)
        assert screen.step == 2 and orders_of(backend_ctx) == []
        await pilot.press("enter", "enter")  # confirms; the second Enter is the same intent
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        assert len(orders_of(backend_ctx)) == 1


async def test_balance_in_nine_keys_from_the_product_page(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    """The README's count: B, ctrl+s, Enter and the six digits of the payment password."""
    app = make_app(token=demo_token, open_target=f"product {product_in_stock(backend_ctx)}")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await arrive_at_checkout(pilot)  # B
        await pilot.press("ctrl+s", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        await pilot.press(*"123456")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "awaiting_shipment" and order["paid_method"] == "balance"
        assert screen.order is not None and screen.order.id == order["id"]


async def test_alipay_in_four_keys_from_the_product_page(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    """The README's count: B, 1, ctrl+s, Enter; then the code is scanned (here, by the
    backend's development route)."""
    app = make_app(token=demo_token, open_target=f"product {product_in_stock(backend_ctx)}")
    async with app.run_test(size=(100, 30)) as pilot:
        await arrive_at_checkout(pilot)  # B
        await pilot.press("1")
        await settle_debounced(pilot)
        await pilot.press("ctrl+s", "enter")
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


async def test_a_completed_order_is_repeated_for_another_address(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, backend: Any
) -> None:
    client: KshopClient = backend.client
    client.token = demo_token
    elsewhere = await client.save_address(
        {
            "name": "王五",
            "phone": "13700001111",
            "province": "四川省",
            "city": "成都市",
            "district": "武侯区",
            "detail": "人民南路四段 9 号",
        }
    )
    first, second = skus_in_stock(backend_ctx, 2)
    order_id = place(backend_ctx, [(first, 2), (second, 1)])
    pay(backend_ctx, order_id)
    ship(backend_ctx, order_id)
    complete(backend_ctx, order_id)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, OrderDetailScreen) and app.screen.order is not None,
        )
        detail = app.screen
        assert isinstance(detail, OrderDetailScreen)
        assert detail.check_action("buy_again_elsewhere", ())
        await pilot.press("N")  # repeat it for another address: the book opens first
        await wait_until(pilot, lambda: isinstance(app.screen, AddressBookModal))
        book = app.screen
        assert isinstance(book, AddressBookModal)
        await wait_until(pilot, lambda: len(book.addresses) == 2)
        index = next(i for i, a in enumerate(book.addresses) if a.id == elsewhere.id)
        await pilot.press("home", *["down"] * index, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CheckoutScreen))
        screen = app.screen
        assert isinstance(screen, CheckoutScreen)
        await wait_until(
            pilot,
            lambda: (
                screen.address is not None
                and screen.address.id == elsewhere.id
                and screen.quote is not None
                and screen.chosen_method() is not None
            ),
        )
        await settle_debounced(pilot)
        assert screen.quote is not None
        assert sorted((line.sku_id, line.qty) for line in screen.quote.lines) == sorted(
            [(first, 2), (second, 1)]
        )
        await pilot.press("ctrl+s", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        new = orders_of(backend_ctx)[-1]
        assert new["id"] != order_id
        assert new["address_id"] == elsewhere.id and "人民南路四段 9 号" in new["address"]
        items = backend_ctx.db.all(
            "SELECT sku_id, qty FROM order_items WHERE order_id = ? ORDER BY sku_id", (new["id"],)
        )
        assert sorted((row["sku_id"], row["qty"]) for row in items) == sorted(
            [(first, 2), (second, 1)]
        )


def test_a_repeat_orders_each_sku_once_with_all_its_pieces() -> None:
    def item(sku_id: int, qty: int) -> Any:
        return SimpleNamespace(sku_id=sku_id, qty=qty)

    order: Any = SimpleNamespace(items=[item(7, 2), item(9, 1), item(7, 1)])
    assert repeat_lines(order) == [(7, 3), (9, 1)]


def test_repeating_elsewhere_needs_buy_again_and_goods_sent_by_post() -> None:
    def order(kind: str, actions: list[str]) -> Any:
        return SimpleNamespace(kind=kind, actions=actions)

    assert order_allows("buy_again_elsewhere", order("physical", ["track", "buy_again"]))
    assert not order_allows("buy_again_elsewhere", order("physical", ["pay", "cancel"]))
    assert not order_allows("buy_again_elsewhere", order("virtual", ["buy_again"]))
    assert not order_allows("buy_again_elsewhere", order("service", ["buy_again"]))
    assert offered_actions(order("physical", ["track", "buy_again"])) == ["track", "buy_again"]


async def test_goods_without_an_address_are_not_repeated_elsewhere(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    virtual_sku = int(
        backend_ctx.db.scalar(
            "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
            " WHERE p.kind = 'virtual' AND s.stock >= 5 ORDER BY s.id LIMIT 1"
        )
    )
    order_id = place(backend_ctx, [(virtual_sku, 1)])
    pay(backend_ctx, order_id)  # delivered at once: completed, with its codes
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, OrderDetailScreen) and app.screen.order is not None,
        )
        detail = app.screen
        assert isinstance(detail, OrderDetailScreen)
        assert not detail.check_action("buy_again_elsewhere", ())
        assert detail.check_action("buy_again", ())
        await pilot.press("N")
        await settle(pilot)
        assert app.screen is detail
        assert t("orders.why_not.buy_again_elsewhere") in notifications(app)
