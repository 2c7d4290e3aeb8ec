"""Pilot tests of parcel tracking: an order's parcel (a normal one and one that met an
exception), copying its number, and 物流查询 by number: bad shape, unknown, found."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Static

from fake_backend.context import Ctx
from fake_backend.services import logistics
from kshop_tui.app import KshopApp
from kshop_tui.screens.cart.cart import CartScreen
from kshop_tui.screens.orders.logistics import LogisticsScreen, ParcelView, TrackParcelScreen
from kshop_tui.widgets.timeline import Timeline
from tests.tui.helpers import settle, shown_text
from tests.tui.test_orders import order_in_state, pay, place, skus_in_stock

MakeApp = Callable[..., KshopApp]
MAX_TRIES = 80


def shipped_with_exception(ctx: Ctx) -> tuple[int, str]:
    """A shipped order whose parcel has reached its exception (1 parcel in 10 meets one)."""
    sku_id = skus_in_stock(ctx, 1, minimum=MAX_TRIES + 1)[0]
    for _ in range(MAX_TRIES):
        order_id = place(ctx, [(sku_id, 1)])
        pay(ctx, order_id)
        tracking_no = logistics.ship(ctx, order_id)
        if logistics.has_exception(tracking_no):
            for _step in range(3):  # hubs, then the exception
                ctx.clock.advance(3600)
                logistics.advance_parcel(ctx, tracking_no)
            return order_id, tracking_no
    raise AssertionError("no parcel met an exception")


async def test_an_orders_parcel_with_its_steps_newest_first(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
    tracking_no = backend_ctx.db.scalar("SELECT tracking_no FROM orders WHERE id = ?", (order_id,))
    backend_ctx.clock.advance(3600)
    logistics.advance_parcel(backend_ctx, tracking_no)  # on to the first hub
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(LogisticsScreen(order_id=order_id))
        await settle(pilot)
        view = app.screen.query_one(ParcelView)
        assert view.tracking is not None and view.tracking.tracking_no == tracking_no
        entries = app.screen.query_one(Timeline).entries
        assert [entry.title for entry in entries] == ["In transit", "Picked up"]
        assert entries[0].tone == "current"
        status = app.screen.query_one("#parcel-status", Static)
        assert "In transit" in shown_text(status) and not status.has_class("-exception")
        await pilot.press("y")  # copy the tracking number
        assert app.clipboard == tracking_no
        await pilot.press("c")  # the cart, as on every other screen
        await settle(pilot)
        assert isinstance(app.screen, CartScreen)


async def test_an_exception_is_shown_as_one(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id, tracking_no = shipped_with_exception(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(LogisticsScreen(order_id=order_id))
        await settle(pilot)
        status = app.screen.query_one("#parcel-status", Static)
        assert status.has_class("-exception")
        assert "Exception — Address unclear" in shown_text(status)
        entries = app.screen.query_one(Timeline).entries
        assert entries[0].tone == "problem" and entries[0].title == "Exception"
        assert len(entries) == 4


async def test_track_by_number_checks_the_shape_first(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="track")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TrackParcelScreen)
        await pilot.press(*"SF123")  # too short for SF Express
        await pilot.press("enter")  # look it up
        await settle(pilot)
        error = shown_text(app.screen.query_one("#track-error"))
        assert "Not a tracking number" in error
        assert app.screen.query_one(Input).value == "SF123"
        assert not app.screen.query_one(ParcelView).display


async def test_track_by_number_unknown_then_found(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
    tracking_no = str(
        backend_ctx.db.scalar("SELECT tracking_no FROM orders WHERE id = ?", (order_id,))
    )
    unknown = "SF" + "0" * 13
    assert tracking_no != unknown
    app = make_app(token=demo_token, open_target="track")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*unknown)  # a well-formed number nobody shipped
        await pilot.press("enter")  # look it up
        await settle(pilot)
        assert "No parcel with that number" in shown_text(app.screen.query_one("#track-error"))
        field = app.screen.query_one(Input)
        field.value = ""
        await pilot.press(*tracking_no.lower())  # the real one, typed in lower case
        await pilot.press("enter")  # look it up
        await settle(pilot)
        assert shown_text(app.screen.query_one("#track-error")).strip() == ""
        view = app.screen.query_one(ParcelView)
        assert view.display and view.tracking is not None
        assert view.tracking.tracking_no == tracking_no
        await pilot.press("ctrl+y")  # copy its number
        assert app.clipboard == tracking_no
