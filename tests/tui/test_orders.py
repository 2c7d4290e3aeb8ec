"""Pilot tests of the orders list: tabs and their counts, paging, cancelling with a
reason (stock back on the shelf), tracking, and the list following the merchant.

Orders are made through the backend's services (`place`, `pay`, `ship`, …) so each test
starts from exactly the states it needs; assertions read the backend's database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, OptionList

from fake_backend.context import Ctx
from fake_backend.services import logistics, order_creation, order_states, payments
from kshop_tui.app import KshopApp
from kshop_tui.screens.orders import order_list as orders_screen
from kshop_tui.screens.orders.cancel import CancelReasonPicker
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.logistics import LogisticsScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.orders.status_tabs import StatusTabs
from tests.tui.helpers import settle, wait_for_screen, wait_until

MakeApp = Callable[..., KshopApp]
DEMO_USER = 1
PAYMENT_PASSWORD = "123456"


# --- making orders in the states a test needs ---------------------------------------------


def skus_in_stock(ctx: Ctx, count: int, *, minimum: int = 20) -> list[int]:
    rows = ctx.db.all(
        "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE s.stock >= ? ORDER BY s.id LIMIT ?",
        (minimum, count),
    )
    return [row["id"] for row in rows]


def place(
    ctx: Ctx, lines: list[tuple[int, int]], *, remark: str = "", coupon_id: int | None = None
) -> int:
    order = order_creation.create_order(
        ctx,
        DEMO_USER,
        items=lines,
        from_cart=False,
        address_id=None,
        coupon_id=coupon_id,
        payment_method="balance",
        remark=remark,
        invoice=None,
        lang="en",
    )
    return int(order["id"])


def pay(ctx: Ctx, order_id: int) -> None:
    payments.pay(ctx, DEMO_USER, order_id, "balance", PAYMENT_PASSWORD, None)


def ship(ctx: Ctx, order_id: int) -> str:
    return logistics.ship(ctx, order_id)


def complete(ctx: Ctx, order_id: int) -> None:
    order_states.confirm_receipt(ctx, DEMO_USER, order_id, "en")


def cancel(ctx: Ctx, order_id: int) -> None:
    order_states.cancel_order(ctx, DEMO_USER, order_id, "other", "en")


def order_in_state(ctx: Ctx, state: str, sku_id: int, qty: int = 1) -> int:
    """A new order of `qty` × `sku_id` moved to `state`."""
    order_id = place(ctx, [(sku_id, qty)])
    if state == "cancelled":
        cancel(ctx, order_id)
        return order_id
    if state == "pending_payment":
        return order_id
    pay(ctx, order_id)
    if state in ("shipped", "completed"):
        ship(ctx, order_id)
    if state == "completed":
        complete(ctx, order_id)
    return order_id


def one_of_each(ctx: Ctx) -> dict[str, int]:
    """pending ×2, to ship ×1, shipped ×1, completed ×2, cancelled ×1 (oldest first)."""
    skus = skus_in_stock(ctx, 7)
    plan = [
        "completed",
        "cancelled",
        "completed",
        "shipped",
        "awaiting_shipment",
        "pending_payment",
        "pending_payment",
    ]
    made = {}
    for sku_id, state in zip(skus, plan, strict=True):
        ctx.clock.advance(60)
        made[state] = order_in_state(ctx, state, sku_id)
    return made


def orders_shown(app: KshopApp) -> list[int]:
    screen = app.screen
    assert isinstance(screen, OrdersScreen)
    return [row.id for row in screen.rows]


# --- tests --------------------------------------------------------------------------------


async def test_tabs_show_the_servers_counts_and_their_orders(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    made = one_of_each(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")  # the orders screen
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        counts = screen.query_one(StatusTabs).counts
        assert counts is not None
        assert (counts.all, counts.pending_payment, counts.awaiting_shipment) == (7, 2, 1)
        assert (counts.shipped, counts.completed, counts.cancelled, counts.after_sale) == (
            1,
            2,
            1,
            0,
        )
        rendered = str(screen.query_one(StatusTabs).render())
        assert "All 7" in rendered and "To pay 2" in rendered and "Done 2" in rendered
        assert len(orders_shown(app)) == 7
        expected = {
            "pending_payment": 2,
            "awaiting_shipment": 1,
            "awaiting_service": 0,
            "shipped": 1,
            "completed": 2,
            "cancelled": 1,
            "closed": 0,
            "after_sale": 0,
        }
        for tab, count in expected.items():
            await pilot.press("right_square_bracket")  # next tab
            await settle(pilot)
            assert screen.tab == tab
            shown = orders_shown(app)
            assert len(shown) == count
            statuses = {
                backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
                for order_id in shown
            }
            assert statuses <= ({tab} if tab != "after_sale" else set())
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to cancelled
        await settle(pilot)
        assert screen.tab == "cancelled"
        assert orders_shown(app) == [made["cancelled"]]


async def test_the_list_pages_in_near_its_end(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_screen, "PAGE_SIZE", 5)
    sku_id = skus_in_stock(backend_ctx, 1, minimum=30)[0]
    placed = [place(backend_ctx, [(sku_id, 1)]) for _ in range(12)]
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert orders_shown(app) == placed[::-1][:5]
        await pilot.press("end")  # the last row loaded: the next page comes
        await settle(pilot)
        assert len(orders_shown(app)) == 10
        await pilot.press("end")  # and the one after
        await settle(pilot)
        assert orders_shown(app) == placed[::-1]
        screen = app.screen
        assert isinstance(screen, OrdersScreen) and screen.next_cursor is None


async def test_cancel_with_a_reason_releases_the_stock(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id = skus_in_stock(backend_ctx, 1)[0]
    stock_before = backend_ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,))
    order_id = place(backend_ctx, [(sku_id, 3)])
    assert (
        backend_ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,)) == stock_before - 3
    )
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("x")  # cancel the order under the cursor
        picker = await wait_for_screen(pilot, CancelReasonPicker)
        codes = [picker.query_one(OptionList).get_option_at_index(i).id for i in range(3)]
        assert codes[:2] == ["no_longer_needed", "wrong_address"]
        await pilot.press("down")  # the second reason: the address is wrong
        await pilot.press("enter")  # cancel for that reason
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        row = backend_ctx.db.one(
            "SELECT status, cancel_reason FROM orders WHERE id = ?", (order_id,)
        )
        assert row is not None
        assert (row["status"], row["cancel_reason"]) == ("cancelled", "wrong_address")
        assert backend_ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,)) == (
            stock_before
        )
        counts = app.screen.query_one(StatusTabs).counts
        assert counts is not None and counts.cancelled == 1 and counts.pending_payment == 0


async def test_escape_in_the_reason_picker_keeps_the_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = place(backend_ctx, [(skus_in_stock(backend_ctx, 1)[0], 1)])
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("x")  # cancel…
        await wait_for_screen(pilot, CancelReasonPicker)
        await pilot.press("escape")  # …no, keep it
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
    status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status == "pending_payment"


async def test_keys_follow_the_row_under_the_cursor(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    made = one_of_each(backend_ctx)
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        offered: dict[int, set[str]] = {}
        for index, row in enumerate(screen.rows):
            screen.query_one(DataTable).move_cursor(row=index)
            await pilot.pause()
            offered[row.id] = {
                action
                for action in ("pay", "cancel_order", "track", "after_sale")
                if screen.check_action(action, ()) is True
            }
        assert offered[made["pending_payment"]] == {"pay", "cancel_order"}
        assert offered[made["awaiting_shipment"]] == {"cancel_order", "after_sale"}
        assert offered[made["shipped"]] == {"track", "after_sale"}
        assert offered[made["completed"]] == {"track", "after_sale"}
        assert offered[made["cancelled"]] == set()


async def test_track_opens_the_parcel_and_enter_the_detail(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # track the shipped order
        await settle(pilot)
        assert isinstance(app.screen, LogisticsScreen) and app.screen.order_id == order_id
        await pilot.press("escape")  # back to the list
        await pilot.press("enter")  # open its detail
        await settle(pilot)
        assert isinstance(app.screen, OrderDetailScreen) and app.screen.order_id == order_id


async def test_the_list_follows_an_order_shipped_behind_its_back(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_screen, "REFRESH_SECONDS", 0.2)
    order_id = order_in_state(backend_ctx, "awaiting_shipment", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")  # the To ship tab
        await settle(pilot)
        assert orders_shown(app) == [order_id]
        ship(backend_ctx, order_id)  # the merchant ships it
        # The refresh timer (every 0.2 s here) fires and the refresh comes back.
        await wait_until(pilot, lambda: orders_shown(app) == [], what="the order leaving To ship")
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        assert orders_shown(app) == []
        counts = screen.query_one(StatusTabs).counts
        assert counts is not None and counts.shipped == 1 and counts.awaiting_shipment == 0


@pytest.mark.parametrize(
    ("language", "says"), [("en", "· {count} items"), ("zh_CN", "共{count}件")]
)
async def test_a_row_names_the_first_item_and_counts_the_units_of_the_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, language: str, says: str
) -> None:
    """One line of three units is no "+2 more" (two other products): the row counts the
    order's units, as Chinese shops write it, and says nothing for a single unit."""
    first, second = skus_in_stock(backend_ctx, 2)
    one_line_of_three = place(backend_ctx, [(first, 3)])
    backend_ctx.clock.advance(60)
    two_lines = place(backend_ctx, [(first, 1), (second, 2)])
    backend_ctx.clock.advance(60)
    single = place(backend_ctx, [(second, 1)])
    first_name = backend_ctx.db.scalar(
        "SELECT p.name FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?",
        (first,),
    )
    app = make_app(token=demo_token, open_target="orders", lang=language)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        items = {int(str(row_key.value)): str(table.get_row(row_key)[2]) for row_key in table.rows}
        assert items[one_line_of_three] == f"{first_name} {says.format(count=3)}"
        assert items[two_lines].endswith(" " + says.format(count=3))
        assert not items[single].endswith("件") and "items" not in items[single]
