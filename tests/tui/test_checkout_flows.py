"""Pilot tests of checkout against the in-process backend: buy-now and cart entry, the
review step, one order per checkout attempt (double Enter, a lost response), the stock
race, field errors, the coupon picker and the address book. Each asserts the rows the
backend holds, amounts in fen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, RadioSet, Select

from fake_backend.context import Ctx
from kshop_tui.api import errors
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.address_book import AddressBookModal
from kshop_tui.screens.account.address_form import AddressFormModal
from kshop_tui.screens.cart.cart import CartScreen
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.cart.coupon_modal import CouponPickerModal
from kshop_tui.screens.payment import qr
from kshop_tui.screens.payment.method_picker import MethodPickerModal
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.result import PaymentResultScreen
from tests.tui import helpers
from tests.tui.helpers import text_of

MakeApp = Callable[..., KshopApp]
DEMO_USER = 1
# Workers that wait on a pushed screen (or poll forever) never "complete" by themselves:
# every settle here skips them ("flow": the App's worker that runs the route "pay").
WAITING_GROUPS = {"place", "pay", "flow", "address-book", "coupon", "address-form", "qr-pay-poll"}
settle = partial(helpers.settle, waiting=WAITING_GROUPS)
wait_until = partial(helpers.wait_until, waiting=WAITING_GROUPS)
settle_debounced = partial(helpers.settle_debounced, waiting=WAITING_GROUPS)


def pick_sku(ctx: Ctx, *, min_price_fen: int = 19900) -> tuple[int, int]:
    """An in-stock SKU whose price passes the demo user's ¥199 coupon threshold."""
    row = ctx.db.one(
        "SELECT id, price_fen FROM skus WHERE stock >= 20 AND price_fen BETWEEN ? AND 100000"
        " ORDER BY id LIMIT 1",
        (min_price_fen,),
    )
    assert row is not None
    return int(row["id"]), int(row["price_fen"])


async def open_checkout(pilot: Pilot[None], lines: list[tuple[int, int]] | None) -> CheckoutScreen:
    app = pilot.app
    await settle(pilot)
    screen = CheckoutScreen(lines)
    await app.push_screen(screen)
    await wait_quoted(pilot, screen)
    return screen


async def wait_quoted(pilot: Pilot[None], screen: CheckoutScreen) -> None:
    """Until the checkout shows its quote and the pay-with choice, and the re-quote that
    choice debounces has come too."""
    await wait_until(
        pilot,
        lambda: screen.quote is not None and screen.chosen_method() is not None,
        what="a quote and a payment method",
    )
    await settle_debounced(pilot)


def orders_of(ctx: Ctx) -> list[Any]:
    return ctx.db.all("SELECT * FROM orders WHERE user_id = ? ORDER BY id", (DEMO_USER,))


def balance(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER,)))


async def choose_method(pilot: Pilot[None], screen: CheckoutScreen, key: str) -> None:
    """Moves the pay-with radio to `key` with the keyboard and presses it."""
    radios = screen.query_one("#pay-with", RadioSet)
    radios.focus()
    await pilot.pause()
    for _ in range(len(screen.options)):
        if any(b.name == key and b.has_class("-selected") for b in radios.query(RadioButton)):
            break
        await pilot.press("down")  # the next available method
    await pilot.press("enter")  # press it
    await settle(pilot)
    chosen = screen.chosen_method()
    assert chosen is not None and chosen.key == key


async def review_and_place(pilot: Pilot[None], screen: CheckoutScreen) -> None:
    await pilot.press("ctrl+s")  # to the review step
    await settle(pilot)
    assert screen.step == 2
    await pilot.press("enter")  # place the order (the button has focus)


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr, "POLL_SECONDS", 0.05)


async def test_buy_now_from_product_pays_with_balance(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    product_id = backend_ctx.db.scalar(
        "SELECT p.id FROM products p JOIN skus s ON s.product_id = p.id"
        " WHERE s.stock >= 20 AND s.price_fen >= 19900 ORDER BY p.id LIMIT 1"
    )
    app = make_app(token=demo_token, open_target=f"product {product_id}")
    before = balance(backend_ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("B")  # buy now
        await wait_until(pilot, lambda: isinstance(app.screen, CheckoutScreen))
        screen = app.screen
        assert isinstance(screen, CheckoutScreen)
        await wait_quoted(pilot, screen)
        assert screen.quote is not None
        assert screen.coupon_id == screen.quote.best_coupon_id is not None  # best preselected
        assert screen.quote.discount_fen == 2000
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        await pilot.press(*"123456")  # the payment password; the sixth digit pays
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        orders = orders_of(backend_ctx)
        assert len(orders) == 1
        order = orders[0]
        assert order["status"] == "awaiting_shipment"
        assert order["paid_method"] == "balance"
        assert order["discount_fen"] == 2000
        assert balance(backend_ctx) == before - order["total_fen"]
        assert "Payment successful" in text_of(app.screen, "#result-headline")
        assert order["order_no"] in text_of(app.screen, "#result-detail")
        await pilot.press("b")  # keep shopping
        await settle(pilot)
        assert len(app.screen_stack) == 1


async def test_cart_checkout_orders_the_selected_lines_and_empties_them(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, backend: Any
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    client: KshopClient = backend.client
    client.token = demo_token
    await client.add_to_cart(sku_id, 2)
    app = make_app(token=demo_token, open_target="cart")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CartScreen))
        await settle_debounced(pilot)  # the cart's quote
        await pilot.press("x")  # checkout the selected lines
        await wait_until(pilot, lambda: isinstance(app.screen, CheckoutScreen))
        screen = app.screen
        assert isinstance(screen, CheckoutScreen) and screen.lines is None
        await wait_quoted(pilot, screen)
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        assert app.cart_count == 0  # ordered lines left the cart when the order was made
        await pilot.press(*"123456")  # pay
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        await pilot.press("escape")  # back from the result
        await wait_until(pilot, lambda: isinstance(app.screen, CartScreen))
        cart_rows = backend_ctx.db.scalar(
            "SELECT COUNT(*) FROM cart_items WHERE user_id = ?", (DEMO_USER,)
        )
        assert cart_rows == 0
        (order,) = orders_of(backend_ctx)
        quantity = backend_ctx.db.scalar(
            "SELECT qty FROM order_items WHERE order_id = ? AND sku_id = ?", (order["id"], sku_id)
        )
        assert quantity == 2
        assert order["status"] == "awaiting_shipment"


async def test_double_enter_makes_one_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await pilot.press("ctrl+s")  # review
        await settle(pilot)
        await pilot.press("enter", "enter", "enter")  # an impatient triple press
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        assert len(orders_of(backend_ctx)) == 1
        await pilot.press("escape")  # not paying now
        await wait_until(pilot, lambda: app.screen is screen and screen.step == 3)
        assert "waits for payment" in text_of(screen, "#review-note")
        await pilot.press("p")  # pay the placed order
        await wait_until(pilot, lambda: isinstance(app.screen, MethodPickerModal))
        await pilot.press("escape")
        await settle(pilot)
        (order,) = orders_of(backend_ctx)
        assert order["status"] == "pending_payment"


async def test_lost_response_is_retried_with_the_same_key(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    real_create = KshopClient.create_order
    keys: list[str] = []

    async def create_then_lose_answer(self: KshopClient, **kwargs: Any) -> Any:
        keys.append(kwargs["idempotency_key"])
        order = await real_create(self, **kwargs)
        if len(keys) == 1:
            raise errors.BackendUnreachable("ReadTimeout")  # the server made it; we never heard
        return order

    monkeypatch.setattr(KshopClient, "create_order", create_then_lose_answer)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await review_and_place(pilot, screen)
        await wait_until(
            pilot, lambda: "will not be placed twice" in text_of(screen, "#review-note")
        )
        assert screen.step == 2 and screen.order is None
        assert len(orders_of(backend_ctx)) == 1
        await pilot.press("enter")  # try again
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        assert len(keys) == 2 and keys[0] == keys[1]
        (order,) = orders_of(backend_ctx)
        assert screen.order is not None and screen.order.id == order["id"]
        await pilot.press(*"123456")  # pay
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        assert orders_of(backend_ctx)[0]["status"] == "awaiting_shipment"


async def test_stock_gone_after_the_quote_keeps_the_form(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 2)])
        screen.query_one("#remark", Input).focus()
        await pilot.press(*"放门口")  # a remark to keep
        await settle(pilot)
        await pilot.press("ctrl+s")  # review, priced before the stock went
        await settle(pilot)
        backend_ctx.db.execute("UPDATE skus SET stock = 0 WHERE id = ?", (sku_id,))
        await pilot.press("enter")  # place
        await wait_until(pilot, lambda: screen.step == 1)
        assert "sold out" in text_of(screen, "#items-hint")
        assert screen.query_one("#remark", Input).value == "放门口"
        assert orders_of(backend_ctx) == []


async def test_stock_refused_at_submit_names_the_line_and_keeps_the_form(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    real_create = KshopClient.create_order

    async def stock_goes_first(self: KshopClient, **kwargs: Any) -> Any:
        backend_ctx.db.execute("UPDATE skus SET stock = 1 WHERE id = ?", (sku_id,))
        return await real_create(self, **kwargs)

    monkeypatch.setattr(KshopClient, "create_order", stock_goes_first)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 3)])
        screen.query_one("#remark", Input).value = "周末送"
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: screen.step == 1)
        hint = text_of(screen, "#items-hint")
        assert "only 1 left" in hint.lower() and "1" in hint
        assert screen.query_one("#remark", Input).value == "周末送"
        assert screen.order_key is None  # refused: the next attempt is a new one
        assert orders_of(backend_ctx) == []
        assert backend_ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,)) == 1


async def test_company_invoice_needs_a_valid_tax_id(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        kinds = screen.query_one("#invoice-kind", RadioSet)
        kinds.focus()
        await pilot.press("down", "down", "enter")  # company
        await settle(pilot)
        assert screen.query_one("#invoice-tax").display
        screen.query_one("#invoice-title", Input).value = "杭州某某科技有限公司"
        screen.query_one("#invoice-tax", Input).value = "12345"
        await pilot.press("ctrl+s")  # try to review
        await settle(pilot)
        assert screen.step == 1
        assert "15, 18 or 20" in text_of(screen, "#invoice-hint")
        # The cursor waits in the field that is wrong, with what was typed.
        assert app.focused is screen.query_one("#invoice-tax", Input)
        assert screen.query_one("#invoice-title", Input).value == "杭州某某科技有限公司"
        screen.query_one("#invoice-tax", Input).value = "91330106MA2B1C3D4E"
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        (order,) = orders_of(backend_ctx)
        assert '"company"' in order["invoice"] and "91330106MA2B1C3D4E" in order["invoice"]


async def test_coupon_picker_offers_no_coupon(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        assert screen.coupon_id is not None
        await pilot.press("k")  # the coupon picker
        await wait_until(pilot, lambda: isinstance(app.screen, CouponPickerModal))
        await pilot.press("home", "enter")  # "no coupon" is first
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_quoted(pilot, screen)
        assert screen.coupon_id is None
        assert screen.quote is not None and screen.quote.discount_fen == 0
        await review_and_place(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        (order,) = orders_of(backend_ctx)
        assert order["coupon_id"] is None and order["discount_fen"] == 0


async def test_empty_address_book_adds_an_address_with_errors_by_field(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    backend_ctx.db.execute("UPDATE addresses SET deleted = 1 WHERE user_id = ?", (DEMO_USER,))
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        assert screen.address is None
        await pilot.press("ctrl+s")  # cannot review without an address
        await settle(pilot)
        assert "Add an address" in text_of(screen, "#address-hint")
        await pilot.press("e")  # the book is empty: straight to the form
        await wait_until(pilot, lambda: isinstance(app.screen, AddressFormModal))
        form = app.screen
        await pilot.press(*"李四")  # name
        await pilot.press("tab", *"12345")  # a phone that is too short
        form.query_one("#af-detail", Input).value = "文一西路 969 号"
        await pilot.press("ctrl+s")  # save
        await settle(pilot)
        assert isinstance(app.screen, AddressFormModal)
        assert "11 digits" in text_of(form, "#af-phone-hint")
        assert "province" in text_of(form, "#af-region-hint")
        assert form.query_one("#af-phone", Input).value == "12345"
        assert form.query_one("#af-name", Input).value == "李四"
        form.query_one("#af-phone", Input).value = "13912345678"
        form.query_one("#af-province", Select).value = "浙江省"
        await settle(pilot)
        form.query_one("#af-city", Select).value = "杭州市"
        await settle(pilot)
        form.query_one("#af-district", Select).value = "余杭区"
        await settle(pilot)
        await pilot.press("ctrl+s")  # save
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_quoted(pilot, screen)
        row = backend_ctx.db.one(
            "SELECT * FROM addresses WHERE user_id = ? AND deleted = 0", (DEMO_USER,)
        )
        assert row is not None and row["phone"] == "13912345678" and row["district"] == "余杭区"
        assert screen.address is not None and screen.address.id == row["id"]
        assert screen.quote is not None and screen.quote.shipping_rule is not None
        assert screen.quote.shipping_rule.province == "浙江省"


async def test_address_book_picks_sets_default_and_deletes(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, backend: Any
) -> None:
    client: KshopClient = backend.client
    client.token = demo_token
    second = await client.save_address(
        {
            "name": "王五",
            "phone": "13700001111",
            "province": "新疆维吾尔自治区",
            "city": "乌鲁木齐市",
            "district": "天山区",
            "detail": "解放南路 1 号",
        }
    )
    sku_id, _ = pick_sku(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        first_shipping = screen.quote.shipping_fen if screen.quote else None
        await pilot.press("e")  # the address book
        await wait_until(pilot, lambda: isinstance(app.screen, AddressBookModal))
        book = app.screen
        await wait_until(pilot, lambda: len(book.addresses) == 2)
        index = next(i for i, a in enumerate(book.addresses) if a.id == second.id)
        await pilot.press("home", *["down"] * index)  # the new address
        await pilot.press("s")  # make it the default
        await wait_until(
            pilot, lambda: any(a.is_default and a.id == second.id for a in book.addresses)
        )
        await pilot.press("enter")  # use it
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_quoted(pilot, screen)
        assert screen.address is not None and screen.address.id == second.id
        assert screen.quote is not None and screen.quote.shipping_rule is not None
        assert screen.quote.shipping_rule.province == "新疆维吾尔自治区"
        assert first_shipping is not None
        default = backend_ctx.db.scalar(
            "SELECT id FROM addresses WHERE user_id = ? AND is_default = 1", (DEMO_USER,)
        )
        assert default == second.id
        await pilot.press("e")  # the book again
        await wait_until(pilot, lambda: isinstance(app.screen, AddressBookModal))
        book = app.screen
        await wait_until(pilot, lambda: len(book.addresses) == 2)
        other = next(i for i, a in enumerate(book.addresses) if a.id != second.id)
        await pilot.press("home", *["down"] * other, "d")  # delete the old one: asks
        await settle(pilot)
        assert "again" in text_of(book, "#ab-status")
        await pilot.press("d")  # confirm
        await wait_until(pilot, lambda: len(book.addresses) == 1)
        assert (
            backend_ctx.db.scalar(
                "SELECT COUNT(*) FROM addresses WHERE user_id = ? AND deleted = 0", (DEMO_USER,)
            )
            == 1
        )
        await pilot.press("escape")  # back to checkout, the chosen address kept
        await wait_until(pilot, lambda: app.screen is screen)
        assert screen.address is not None and screen.address.id == second.id


def test_item_names_are_text_not_markup() -> None:
    from kshop_tui.api.models import QuoteLine
    from kshop_tui.screens.cart.summary import items_table

    line = QuoteLine(
        sku_id=1,
        product_id=1,
        name="[@click=app.quit]免费[/]",
        price_fen=100,
        qty=1,
        line_total_fen=100,
    )
    from kshop_tui.api.models import Quote

    quote = Quote(lines=[line], subtotal_fen=100, shipping_fen=0, discount_fen=0, total_fen=100)
    cells = list(items_table(quote).columns[0].cells)
    assert isinstance(cells[0], Text) and "[@click=app.quit]" in cells[0].plain
