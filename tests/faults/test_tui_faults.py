"""The shop through faults, with the keyboard (pilot), on the in-process backend wrapped
in a fault transport: a 503 or a timeout while placing an order or paying, the network
going down and coming back, a login that expires in the middle of checkout. What the
user typed stays, the cart stays, errors are in words, the outage banner comes and
goes, and every retry makes one order and one charge (rows in the backend's DB)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from textual.pilot import Pilot
from textual.widgets import Input, RadioSet

from fake_backend.context import Ctx
from kshop_tui.api import client as client_module
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.result import PaymentResultScreen
from kshop_tui.widgets.banner import OutageBanner
from tests.faults.harness import FaultTransport
from tests.tui import conftest as tui
from tests.tui.helpers import notifications, text_of
from tests.tui.test_checkout_flows import open_checkout, orders_of, settle, wait_until
from tests.tui.test_login import latest_code

# The TUI suite's fixtures, for this module too (`backend` is replaced below).
backend_app = tui.backend_app
backend_ctx = tui.backend_ctx
demo_token = tui.demo_token
deterministic_ui = tui.deterministic_ui
make_app = tui.make_app

MakeApp = Callable[..., KshopApp]
DEMO_USER = 1
DEMO_PHONE = "13800138000"
REMARK = "放门口 [b]x[/b]"
INVOICE_TITLE = "某某公司"
CART_QTY = 2


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "BACKOFF_SECONDS", (0.0, 0.0, 0.0))


@pytest.fixture
def faults(backend_app: FastAPI) -> FaultTransport:
    return FaultTransport(httpx.ASGITransport(app=backend_app))


@pytest.fixture
def backend(faults: FaultTransport) -> Backend:
    """The test backend, reached through `faults` (make_app uses this one)."""
    client = KshopClient(IN_PROCESS_URL, transport=faults, language=lambda: "en")
    return Backend(client=client, in_process=True, description="test")


def cart_rows(ctx: Ctx) -> list[tuple[int, int]]:
    rows = ctx.db.all("SELECT sku_id, qty FROM cart_items WHERE user_id = ? ORDER BY id", (1,))
    return [(row["sku_id"], row["qty"]) for row in rows]


def charges(ctx: Ctx, order_id: int) -> int:
    return int(
        ctx.db.scalar(
            "SELECT COUNT(*) FROM wallet_transactions WHERE order_id = ? AND kind = 'payment'",
            (order_id,),
        )
    )


def banner_up(app: KshopApp) -> bool:
    """The outage banner of the topmost full screen (a dialog has none) is showing."""
    screen = next(s for s in reversed(app.screen_stack) if s.query(OutageBanner))
    return bool(screen.query_one(OutageBanner).has_class("-down"))


async def cart_with_one_line(backend: Backend, ctx: Ctx, token: str) -> int:
    sku_id = int(ctx.db.scalar("SELECT id FROM skus WHERE stock >= 20 ORDER BY id LIMIT 1"))
    backend.client.token = token
    await backend.client.add_to_cart(sku_id, CART_QTY)
    return sku_id


async def fill_the_form(pilot: Pilot[None], screen: CheckoutScreen) -> None:
    """A remark and a personal invoice, typed as a user would."""
    screen.query_one("#remark", Input).focus()
    await pilot.press(*REMARK)  # the remark
    screen.query_one("#invoice-kind", RadioSet).focus()
    await pilot.press("down", "enter")  # a personal invoice
    await settle(pilot)
    screen.query_one("#invoice-title", Input).value = INVOICE_TITLE  # its title, pasted
    await settle(pilot)


def assert_form_kept(screen: CheckoutScreen, method: str | None) -> None:
    assert screen.query_one("#remark", Input).value == REMARK
    assert screen.query_one("#invoice-title", Input).value == INVOICE_TITLE
    assert screen.invoice() is not None and screen.invoice().type == "personal"  # type: ignore[union-attr]
    chosen = screen.chosen_method()
    assert chosen is not None and chosen.key == method
    assert screen.address is not None and screen.address.is_default


async def test_a_503_then_a_timeout_while_placing_keep_everything_and_make_one_order(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str, faults: FaultTransport
) -> None:
    sku_id = await cart_with_one_line(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, None)
        await fill_the_form(pilot, screen)
        method = screen.chosen_method()
        assert method is not None
        await pilot.press("ctrl+s")  # to the review
        await settle(pilot)
        assert screen.step == 2

        # A gateway answers 503: nothing was made; the words say so and how to go on.
        faults.fail("status", "POST", "/api/v1/orders", status=503)
        await pilot.press("enter")  # place the order
        await wait_until(
            pilot, lambda: "will not be placed twice" in text_of(screen, "#review-note")
        )
        note = text_of(screen, "#review-note")
        assert "server is having trouble" in note and "<html>" not in note
        assert screen.step == 2 and orders_of(backend_ctx) == []
        assert cart_rows(backend_ctx) == [(sku_id, CART_QTY)]
        assert_form_kept(screen, method.key)
        assert not banner_up(app)  # the server answered: not an outage

        # Next try: the order is made but the answer never comes (timeout).
        faults.fail("timeout", "POST", "/api/v1/orders")
        await pilot.press("enter")  # place again (the same key)
        await wait_until(pilot, lambda: app.backend_down)
        await wait_until(pilot, lambda: "did not answer" in text_of(screen, "#review-note"))
        assert banner_up(app)
        assert len(orders_of(backend_ctx)) == 1 and screen.order is None
        assert_form_kept(screen, method.key)

        # The network goes down altogether: retrying changes nothing, the banner stays.
        faults.down()
        await pilot.press("enter")  # try again
        await wait_until(pilot, lambda: not screen._placing)
        assert banner_up(app) and len(orders_of(backend_ctx)) == 1

        # It comes back: ctrl+r takes the banner away, Enter finishes the same order.
        faults.up()
        await pilot.press("ctrl+r")  # the banner's retry
        await wait_until(pilot, lambda: not app.backend_down)
        assert not banner_up(app)
        await pilot.press("enter")  # place: replayed under the same key
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        (order,) = orders_of(backend_ctx)
        assert screen.order is not None and screen.order.id == order["id"]
        assert order["remark"] == REMARK and INVOICE_TITLE in order["invoice"]
        quantity = backend_ctx.db.scalar(
            "SELECT qty FROM order_items WHERE order_id = ? AND sku_id = ?", (order["id"], sku_id)
        )
        assert quantity == CART_QTY
        creates = [seen for seen in faults.seen if seen[:2] == ("POST", "/api/v1/orders")]
        assert [what for _, _, what in creates] == ["status", "timeout", "refuse", "ok"]


async def test_a_503_and_a_timeout_while_paying_charge_once(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, faults: FaultTransport
) -> None:
    sku_id = int(backend_ctx.db.scalar("SELECT id FROM skus WHERE stock >= 20 ORDER BY id LIMIT 1"))
    balance = backend_ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER,))
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, [(sku_id, 1)])
        await pilot.press("ctrl+s")  # review
        await settle(pilot)
        await pilot.press("enter")  # place
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        modal = app.screen
        assert isinstance(modal, PaymentPasswordModal)
        (order,) = orders_of(backend_ctx)

        faults.fail("status", "POST", "/pay", status=503)
        await pilot.press(*"123456")  # the payment password
        await wait_until(pilot, lambda: "not be charged twice" in text_of(modal, "#pw-status"))
        assert "server is having trouble" in text_of(modal, "#pw-status")
        assert charges(backend_ctx, order["id"]) == 0
        assert modal.query_one(Input).value == "123456"  # kept for the retry

        faults.fail("timeout", "POST", "/pay")
        await pilot.press("enter")  # try again: charged, the answer lost
        await wait_until(pilot, lambda: "did not answer" in text_of(modal, "#pw-status"))
        assert app.screen is modal and banner_up(app)
        assert charges(backend_ctx, order["id"]) == 1

        await pilot.press("enter")  # try again: the same key replays the payment
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        assert "Payment successful" in text_of(app.screen, "#result-headline")
        assert not app.backend_down
        assert charges(backend_ctx, order["id"]) == 1
        assert (
            backend_ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER,))
            == balance - order["total_fen"]
        )
        status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order["id"],))
        assert status == "awaiting_shipment"
        assert screen.order is not None


async def test_a_login_that_expires_mid_checkout_comes_back_to_the_same_step(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id = await cart_with_one_line(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_checkout(pilot, None)
        await fill_the_form(pilot, screen)
        method = screen.chosen_method()
        assert method is not None
        await pilot.press("ctrl+s")  # review
        await settle(pilot)
        backend_ctx.db.execute(
            "UPDATE sessions SET expires_at = ? WHERE user_id = ?", (backend_ctx.now() - 1, 1)
        )
        await pilot.press("enter")  # place: the server says the login is over
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert "Your login has expired" in notifications(app)[-1]
        assert cart_rows(backend_ctx) == [(sku_id, CART_QTY)] and orders_of(backend_ctx) == []
        assert screen in app.screen_stack and screen.step == 2

        await pilot.press(*DEMO_PHONE)  # log in again with an SMS code
        await pilot.press("ctrl+g")  # get a code
        await settle(pilot)
        await pilot.press(*latest_code(backend_ctx, DEMO_PHONE, "login"))  # type it
        await pilot.press("enter")  # log in
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentPasswordModal))
        assert app.screen_stack[-2] is screen and screen.step == 3
        assert_form_kept(screen, method.key)
        (order,) = orders_of(backend_ctx)
        assert order["remark"] == REMARK and INVOICE_TITLE in order["invoice"]
        lines = backend_ctx.db.all(
            "SELECT sku_id, qty FROM order_items WHERE order_id = ?", (order["id"],)
        )
        assert [(row["sku_id"], row["qty"]) for row in lines] == [(sku_id, CART_QTY)]
        await pilot.press(*"123456")  # pay
        await wait_until(pilot, lambda: isinstance(app.screen, PaymentResultScreen))
        assert len(orders_of(backend_ctx)) == 1 and charges(backend_ctx, order["id"]) == 1
