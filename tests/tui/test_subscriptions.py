"""Subscriptions (周期购) in the TUI: subscribing from a product page (checked before it is
sent, refusals by their field, the form kept, the payment password asked once, a login
first when needed); the subscriptions screen (reached from the orders screen and the
palette) with its moves, each only in the right state and saying why not; three periods
on the backend clock with one sold out (skipped and shown); the notice at start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import DataTable, Input, RadioSet

from fake_backend.context import Ctx
from fake_backend.services import sessions
from fake_backend.services import subscriptions as subscription_service
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.catalogue.product import ProductScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.screens.subscriptions.subscription_form import SubscriptionFormModal
from kshop_tui.screens.subscriptions.subscription_list import SubscriptionsScreen
from tests.tui.helpers import notifications, settle, text_of, wait_for_screen, wait_until

MakeApp = Callable[..., KshopApp]
DAY = 86400
TODAY = "2026-11-24"  # the frozen test clock: 10:00 in China
DEMO_USER = 1
DEMO_PAYMENT_PASSWORD = "123456"
# Workers that wait on a dialog the test answers: the product page's `S` waits on the form,
# a move on its question.
WAITING = ("subscribe", "subscription-move")


@pytest.fixture
def long_token(backend_ctx: Ctx) -> str:
    """A login that outlives the weeks these tests move the clock on by."""
    token, _ = sessions.issue(backend_ctx, DEMO_USER, lifetime=400 * DAY)
    return token


def physical_product(ctx: Ctx) -> int:
    product_id: int = ctx.db.scalar(
        "SELECT p.id FROM products p WHERE p.kind = 'physical' AND NOT EXISTS"
        " (SELECT 1 FROM skus s WHERE s.product_id = p.id AND s.stock < 50) ORDER BY p.id LIMIT 1"
    )
    return product_id


def first_sku(ctx: Ctx, product_id: int) -> int:
    sku_id: int = ctx.db.scalar(
        "SELECT id FROM skus WHERE product_id = ? ORDER BY id LIMIT 1", (product_id,)
    )
    return sku_id


def default_address(ctx: Ctx) -> int:
    address_id: int = ctx.db.scalar(
        "SELECT id FROM addresses WHERE user_id = ? ORDER BY is_default DESC, id LIMIT 1",
        (DEMO_USER,),
    )
    return address_id


def set_stock(ctx: Ctx, sku_id: int, stock: int) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku_id))


def subscribe(ctx: Ctx, sku_id: int, **changes: Any) -> int:
    """A subscription made on the backend (as the CLI would), weekly from today."""
    fields: dict[str, Any] = {
        "sku_id": sku_id,
        "qty": 2,
        "address_id": default_address(ctx),
        "payment_method": "balance",
        "bank_card_id": None,
        "every": "week",
        "starts_on": TODAY,
        **changes,
    }
    made = subscription_service.create(ctx, DEMO_USER, lang="en", **fields)
    subscription_id: int = made["id"]
    return subscription_id


def stored(ctx: Ctx) -> list[Any]:
    return ctx.db.all("SELECT * FROM subscriptions WHERE user_id = ? ORDER BY id", (DEMO_USER,))


async def advance(app: KshopApp, seconds: int) -> None:
    """The backend's clock on by `seconds` (its sweep places what became due)."""
    assert app.shop.backend is not None
    await app.shop.backend.client._call("POST", "/_dev/clock/advance", json={"seconds": seconds})


async def open_the_form(pilot: Any, app: KshopApp) -> SubscriptionFormModal:
    await settle(pilot, waiting=WAITING)
    assert isinstance(app.screen, ProductScreen)
    await pilot.press("S")  # subscribe
    form = await wait_for_screen(pilot, SubscriptionFormModal)
    await settle(pilot, waiting=WAITING)
    return form


# --- subscribing ---------------------------------------------------------------------------


async def test_subscribing_from_a_product_page_asks_the_payment_password_once(
    make_app: MakeApp, backend_ctx: Ctx, long_token: str
) -> None:
    product_id = physical_product(backend_ctx)
    app = make_app(token=long_token, open_target=f"product {product_id}")
    async with app.run_test(size=(100, 34)) as pilot:
        form = await open_the_form(pilot, app)
        product = app.screen_stack[-2]
        assert isinstance(product, ProductScreen) and product.sku is not None
        sku_id = product.sku.id
        assert form.query_one("#sf-starts", Input).value == TODAY
        assert "张三" in text_of(form, "#sf-address-text")  # the default address
        form.query_one("#sf-qty", Input).value = "3"
        every = form.query_one("#sf-every", RadioSet)
        every.query("RadioButton")[1].value = True  # every two weeks
        form.query_one("#sf-qty", Input).focus()
        await pilot.press("enter")  # subscribe
        prompt = await wait_for_screen(pilot, SecretPromptModal)
        assert "3 ×" in prompt.question and "every 2 weeks" in prompt.question
        assert stored(backend_ctx) == []  # nothing is made before the password
        await pilot.press(*"111111", "enter")  # a wrong password: asked again
        await settle(pilot, waiting=WAITING)
        assert app.screen is prompt and "Wrong payment password" in text_of(prompt, "#sp-status")
        await pilot.press(*DEMO_PAYMENT_PASSWORD, "enter")
        await settle(pilot, waiting=WAITING)
        assert isinstance(app.screen, ProductScreen)
        [made] = stored(backend_ctx)
        assert (made["sku_id"], made["qty"], made["every"], made["starts_on"]) == (
            sku_id,
            3,
            "two_weeks",
            TODAY,
        )
        assert made["payment_method"] == "balance"
        assert t("subs.made", id=made["id"], day=TODAY) in notifications(app)


async def test_the_form_checks_each_field_and_keeps_what_was_typed_on_a_refusal(
    make_app: MakeApp, backend_ctx: Ctx, long_token: str
) -> None:
    product_id = physical_product(backend_ctx)
    app = make_app(token=long_token, open_target=f"product {product_id}")
    async with app.run_test(size=(100, 34)) as pilot:
        form = await open_the_form(pilot, app)
        form.query_one("#sf-qty", Input).value = "0"
        form.query_one("#sf-starts", Input).value = "2026-11-01"
        form.query_one("#sf-qty", Input).focus()
        await pilot.press("enter")  # subscribe: refused here, nothing sent
        await settle(pilot, waiting=WAITING)
        assert app.screen is form
        assert text_of(form, "#sf-qty-hint") == t("subs.problem.qty", max=99)
        assert text_of(form, "#sf-starts-hint") == t("subs.problem.past", today=TODAY)
        assert form.query_one("#sf-qty-hint").has_class("-error")
        form.query_one("#sf-starts", Input).value = "2026-13-40"
        form.query_one("#sf-qty", Input).value = "2"
        await pilot.press("enter")
        await settle(pilot, waiting=WAITING)
        assert text_of(form, "#sf-starts-hint") == t("subs.problem.date")
        assert text_of(form, "#sf-qty-hint") == ""
        # Sold out meanwhile: the server says so, by the quantity; the form stays filled.
        product = app.screen_stack[-2]
        assert isinstance(product, ProductScreen) and product.sku is not None
        set_stock(backend_ctx, product.sku.id, 1)
        form.query_one("#sf-starts", Input).value = "2026-11-30"
        await pilot.press("enter")  # subscribe
        await wait_for_screen(pilot, SecretPromptModal)
        await pilot.press(*DEMO_PAYMENT_PASSWORD, "enter")
        await settle(pilot, waiting=WAITING)
        assert app.screen is form
        assert "stock" in text_of(form, "#sf-qty-hint").lower()
        assert form.query_one("#sf-qty-hint").has_class("-error")
        assert form.query_one("#sf-qty", Input).value == "2"
        assert form.query_one("#sf-starts", Input).value == "2026-11-30"
        assert stored(backend_ctx) == []


async def test_logged_out_S_logs_in_first(make_app: MakeApp, backend_ctx: Ctx) -> None:
    product_id = physical_product(backend_ctx)
    app = make_app(open_target=f"product {product_id}")
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot, waiting=WAITING)
        await pilot.press("S")  # subscribe, not logged in
        await wait_for_screen(pilot, LoginScreen)
        await pilot.press("escape")  # back out of the login
        await settle(pilot, waiting=WAITING)
        assert isinstance(app.screen, ProductScreen)
        assert stored(backend_ctx) == []


# --- the list and its moves ----------------------------------------------------------------


async def open_the_list(pilot: Any, app: KshopApp) -> SubscriptionsScreen:
    await settle(pilot, waiting=WAITING)
    await pilot.press("o")  # orders
    await settle(pilot, waiting=WAITING)
    assert isinstance(app.screen, OrdersScreen)
    await pilot.press("S")  # its subscriptions
    await settle(pilot, waiting=WAITING)
    assert isinstance(app.screen, SubscriptionsScreen)
    return app.screen


def row_cells(screen: SubscriptionsScreen, index: int = 0) -> list[str]:
    table = screen.query_one("#subs-table", DataTable)
    return [str(cell) for cell in table.get_row_at(index)]


def status_of(ctx: Ctx, subscription_id: int) -> str:
    status: str = ctx.db.scalar("SELECT status FROM subscriptions WHERE id = ?", (subscription_id,))
    return status


async def test_the_list_moves_each_only_in_its_state_and_says_why_not(
    make_app: MakeApp, backend_ctx: Ctx, long_token: str
) -> None:
    sku_id = first_sku(backend_ctx, physical_product(backend_ctx))
    subscription_id = subscribe(backend_ctx, sku_id, starts_on="2026-11-26")
    app = make_app(token=long_token)
    async with app.run_test(size=(100, 34)) as pilot:
        screen = await open_the_list(pilot, app)
        cells = row_cells(screen)
        assert cells[1:5] == ["2", "Week", "2026-11-26", "Active"]
        assert cells[5] == t("subs.outcome.none")
        await pilot.press("r")  # resume: not paused
        await settle(pilot, waiting=WAITING)
        assert t("subs.why_not.resume") in notifications(app)
        await pilot.press("p")  # pause
        await settle(pilot, waiting=WAITING)
        assert status_of(backend_ctx, subscription_id) == "paused"
        assert row_cells(screen)[4] == "Paused"
        await pilot.press("p")  # pause again: it says why not
        await settle(pilot, waiting=WAITING)
        assert t("subs.why_not.pause") in notifications(app)
        await pilot.press("r")  # resume
        await settle(pilot, waiting=WAITING)
        assert status_of(backend_ctx, subscription_id) == "active"
        await pilot.press("n")  # skip the next period, after a question
        await settle(pilot, waiting=WAITING)
        assert isinstance(app.screen, ConfirmDialog) and "2026-11-26" in app.screen.question
        await pilot.press("y")
        await settle(pilot, waiting=WAITING)
        assert row_cells(screen)[3] == "2026-12-03"
        periods = screen.query_one("#subs-periods", DataTable)
        assert [str(cell) for cell in periods.get_row_at(0)][:2] == [
            "2026-11-26",
            t("subs.outcome.skipped_by_you"),
        ]
        await pilot.press("e")  # change it
        form = await wait_for_screen(pilot, SubscriptionFormModal)
        await settle(pilot, waiting=WAITING)
        assert not form.query_one("#sf-pay-row").display  # the way to pay stays
        form.query_one("#sf-qty", Input).value = "5"
        form.query_one("#sf-every", RadioSet).query("RadioButton")[2].value = True  # monthly
        form.query_one("#sf-qty", Input).focus()
        await pilot.press("enter")  # save
        await settle(pilot, waiting=WAITING)
        assert app.screen is screen
        row = backend_ctx.db.one("SELECT * FROM subscriptions WHERE id = ?", (subscription_id,))
        assert (row["qty"], row["every"]) == (5, "month")
        assert row_cells(screen)[1:3] == ["5", "Month"]
        await pilot.press("x")  # cancel it, after a question
        await settle(pilot, waiting=WAITING)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot, waiting=WAITING)
        assert status_of(backend_ctx, subscription_id) == "cancelled"
        assert row_cells(screen)[4] == "Cancelled"
        for key in "prnex":  # nothing applies to a cancelled one, and each says so
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot, waiting=WAITING)
            assert notifications(app) == [t("subs.why_not.cancelled")]
            assert app.screen is screen


async def test_the_palette_and_a_deep_link_open_the_list(
    make_app: MakeApp, backend_ctx: Ctx, long_token: str
) -> None:
    app = make_app(token=long_token)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot, waiting=WAITING)
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert t("subs.cmd") in commands
        await app.action_subscriptions()
        await settle(pilot, waiting=WAITING)
        assert isinstance(app.screen, SubscriptionsScreen)
        assert text_of(app.screen, "#subs-empty") == t("subs.empty")
    app = make_app(token=long_token, open_target="subscriptions")  # kshop --open subscriptions
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SubscriptionsScreen)


# --- the backend clock over three periods -------------------------------------------------


async def test_three_periods_one_sold_out_is_skipped_and_shown(
    make_app: MakeApp, backend_ctx: Ctx, long_token: str
) -> None:
    sku_id = first_sku(backend_ctx, physical_product(backend_ctx))
    subscription_id = subscribe(backend_ctx, sku_id)
    app = make_app(token=long_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, waiting=WAITING)
        await advance(app, 1)  # period 1 (today): placed
        set_stock(backend_ctx, sku_id, 0)
        await advance(app, 7 * DAY)  # period 2: sold out, tried again a day apart…
        for _ in range(3):
            await advance(app, DAY)  # …three times, then skipped
        set_stock(backend_ctx, sku_id, 50)
        await advance(app, 4 * DAY)  # period 3: placed
        screen = await open_the_list(pilot, app)
        await wait_until(pilot, lambda: subscription_id in screen.details, what="its periods")
        cells = row_cells(screen)
        assert cells[3] == "2026-12-15" and cells[5].endswith(t("subs.outcome.placed"))
        assert t("subs.retry_at", when="") not in text_of(screen, "#subs-detail-title")
        periods = screen.query_one("#subs-periods", DataTable)
        shown = [[str(cell) for cell in periods.get_row_at(i)] for i in range(3)]
        skipped = t("subs.outcome.skipped", reason=t("subs.reason.OUT_OF_STOCK"))
        assert [row[0] for row in shown] == ["2026-12-08", "2026-12-01", "2026-11-24"]
        assert shown[0][1] == t("subs.outcome.placed")
        assert shown[1][1].startswith(skipped) and shown[1][2] == "—"
        assert shown[2][1] == t("subs.outcome.placed")
        orders = backend_ctx.db.all(
            "SELECT order_id FROM subscription_periods WHERE subscription_id = ?"
            " AND order_id IS NOT NULL ORDER BY period_on",
            (subscription_id,),
        )
        assert len(orders) == 2
        periods.focus()
        await pilot.press("down")  # the skipped period
        await pilot.press("enter")  # has no order: says why
        await settle(pilot, waiting=WAITING)
        assert any("2026-12-01" in message for message in notifications(app))
        await pilot.press("down", "enter")  # the first period's order
        await settle(pilot, waiting=WAITING)
        assert isinstance(app.screen, OrderDetailScreen)
        assert app.screen.order_id == orders[0]["order_id"]


# --- the notice at start -------------------------------------------------------------------


async def test_a_failed_period_is_told_at_the_next_start_once(
    make_app: MakeApp, backend_ctx: Ctx, long_token: str
) -> None:
    sku_id = first_sku(backend_ctx, physical_product(backend_ctx))
    subscribe(backend_ctx, sku_id)
    set_stock(backend_ctx, sku_id, 0)
    backend_ctx.clock.advance(1)
    subscription_service.place_due(backend_ctx)  # today's period: sold out
    app = make_app(token=long_token)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot, waiting=WAITING)
        [notice] = notifications(app)
        assert TODAY in notice and t("subs.reason.OUT_OF_STOCK") in notice
        assert t("subs.notice.where") in notice
        await app.action_subscriptions()  # the list shows it failing, and when it is tried again
        await settle(pilot, waiting=WAITING)
        screen = app.screen
        assert isinstance(screen, SubscriptionsScreen)
        failing = t("subs.outcome.failing", reason=t("subs.reason.OUT_OF_STOCK"))
        assert row_cells(screen)[5] == f"{TODAY} {failing}"
        title = text_of(screen, "#subs-detail-title")
        assert t("subs.retry_at", when="2026-11-25 00:00") in title
        app.clear_notifications()
        app.tell_missed_periods()  # looked at again (a login, a next start): told once only
        await settle(pilot, waiting=WAITING)
        assert notifications(app) == []
        for _ in range(3):  # retried a day apart to the end: now skipped
            backend_ctx.clock.advance(DAY)
            subscription_service.place_due(backend_ctx)
        app.tell_missed_periods()
        await settle(pilot, waiting=WAITING)
        [notice] = notifications(app)
        skipped = t("subs.outcome.skipped", reason=t("subs.reason.OUT_OF_STOCK"))
        assert skipped in notice
