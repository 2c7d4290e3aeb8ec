"""Pilot tests of one order's screen: the actions offered are exactly the server's for
every state; confirm receipt; reviews once per item; changing an unpaid order's address
and items; support, buy again, the countdown and the receipt export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.binding import ActiveBinding
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from fake_backend.context import Ctx
from fake_backend.services import addresses, order_views, reviews
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.address_book import AddressBookModal
from kshop_tui.screens.orders.change_items import ChangeItemsDialog
from kshop_tui.screens.orders.confirm_receipt import ConfirmReceiptDialog
from kshop_tui.screens.orders.contact import ContactSupportDialog
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.review import RatingPicker, ReviewDialog
from kshop_tui.screens.payment.method_picker import MethodPickerModal
from tests.tui.helpers import (
    finish_group,
    poll_until,
    settle,
    shown_text,
    wait_for_screen,
    wait_for_timers,
    wait_until,
)
from tests.tui.test_orders import (
    DEMO_USER,
    complete,
    order_in_state,
    pay,
    place,
    ship,
    skus_in_stock,
)

MakeApp = Callable[..., KshopApp]
STATES = ["pending_payment", "awaiting_shipment", "shipped", "completed", "cancelled"]


def stock_of(ctx: Ctx, sku_id: int) -> int:
    return int(ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (sku_id,)))


def server_order(ctx: Ctx, order_id: int) -> dict[str, Any]:
    return order_views.get_order(ctx, DEMO_USER, order_id, "en")


async def open_detail(pilot: Pilot[None]) -> OrderDetailScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrderDetailScreen)
    return screen


async def back_on_detail(pilot: Pilot[None]) -> OrderDetailScreen:
    """After a dialog closes, once the worker that waited on it has finished."""
    screen = await wait_for_screen(pilot, OrderDetailScreen)
    await settle(pilot)
    return screen


@pytest.mark.parametrize("state", STATES)
async def test_every_state_offers_exactly_the_servers_actions(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, state: str
) -> None:
    order_id = order_in_state(backend_ctx, state, skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot)
        expected = server_order(backend_ctx, order_id)["actions"]
        assert isinstance(expected, list) and expected
        assert sorted(screen.offered_actions()) == sorted(expected)
        footer_actions = {active.binding.action for active in _active(screen)}
        for action in ("pay", "change_address", "cancel_order", "confirm_receipt", "review"):
            shown = action in footer_actions
            server_name = "cancel" if action == "cancel_order" else action
            assert shown == (server_name in expected), action


def _active(screen: OrderDetailScreen) -> list[ActiveBinding]:
    """The screen's own keys the footer shows now."""
    return [
        active
        for active in screen.active_bindings.values()
        if active.node is screen and active.enabled and active.binding.show
    ]


async def test_confirm_receipt_completes_a_shipped_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot)
        await pilot.press("y")  # confirm receipt
        await wait_for_screen(pilot, ConfirmReceiptDialog)
        await pilot.press("enter")  # yes, it arrived
        screen = await back_on_detail(pilot)
        assert screen.order is not None and screen.order.status == "completed"
        status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
        assert status == "completed"
        assert "review" in screen.offered_actions()


async def test_escape_on_the_confirmation_changes_nothing(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot)
        await pilot.press("y")  # confirm receipt…
        await wait_for_screen(pilot, ConfirmReceiptDialog)
        await pilot.press("escape")  # …not yet
        await back_on_detail(pilot)
    status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status == "shipped"


async def test_each_item_is_reviewed_once(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    first_sku, second_sku = skus_in_stock(backend_ctx, 2)
    order_id = place(backend_ctx, [(first_sku, 1), (second_sku, 1)])
    pay(backend_ctx, order_id)
    ship(backend_ctx, order_id)
    complete(backend_ctx, order_id)
    item_ids = [
        row["id"]
        for row in backend_ctx.db.all(
            "SELECT id FROM order_items WHERE order_id = ? ORDER BY id", (order_id,)
        )
    ]
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot)
        await pilot.press("v")  # review
        dialog = await wait_for_screen(pilot, ReviewDialog)
        assert dialog.query_one(OptionList).highlighted == 0
        await pilot.press("enter")  # rate the first item
        await pilot.press("4")  # four stars
        assert dialog.query_one(RatingPicker).value == 4
        await pilot.press("tab")  # to the review text
        await pilot.press(*"Soft cotton")  # the review
        await pilot.press("enter")  # send it
        screen = await back_on_detail(pilot)
        written = backend_ctx.db.all(
            "SELECT order_item_id, rating, text FROM reviews WHERE order_item_id IN (?, ?)",
            tuple(item_ids),
        )
        assert [tuple(row) for row in written] == [(item_ids[0], 4, "Soft cotton")]
        assert screen.order is not None
        assert [item.reviewed for item in screen.order.items] == [True, False]

        # The screen still shows the first item open (the review came from elsewhere):
        reviews.post_review(backend_ctx, DEMO_USER, order_id, item_ids[1], 5, "Fine")
        await pilot.press("v")  # review again
        dialog = await wait_for_screen(pilot, ReviewDialog)
        assert dialog.query_one(OptionList).highlighted == 1
        await pilot.press("enter")  # the second item, already reviewed meanwhile
        await pilot.press("tab")  # to the text
        await pilot.press(*"Again")  # a second review of it
        await pilot.press("ctrl+s")  # send
        await finish_group(pilot, "review-submit")
        assert isinstance(app.screen, ReviewDialog)
        shown = str(app.screen.query_one("#review-error", Static).render())
        assert "already" in shown.lower()
        assert app.screen.query_one("#review-text", Input).value == "Again"
        count = backend_ctx.db.scalar(
            "SELECT COUNT(*) FROM reviews WHERE order_item_id = ?", (item_ids[1],)
        )
        assert count == 1


async def test_changing_the_address_of_an_unpaid_order_recomputes_the_total(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    far = addresses.create_address(
        backend_ctx,
        DEMO_USER,
        addresses.AddressInput(
            name="李四",
            phone="13912345678",
            province="新疆维吾尔自治区",
            city="乌鲁木齐市",
            district="天山区",
            detail="解放南路88号",
        ),
    )
    sku_id = skus_in_stock(backend_ctx, 1)[0]
    order_id = place(backend_ctx, [(sku_id, 1)])
    before = backend_ctx.db.one(
        "SELECT subtotal_fen, shipping_fen, total_fen FROM orders WHERE id = ?", (order_id,)
    )
    assert before is not None and before["subtotal_fen"] < 19900
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot)
        await pilot.press("a")  # change the address
        book = await wait_for_screen(pilot, AddressBookModal)
        await poll_until(pilot, lambda: bool(book.addresses), what="the book's addresses")
        book.query_one(OptionList).highlighted = next(
            index for index, address in enumerate(book.addresses) if address.id == far["id"]
        )
        await pilot.press("enter")  # ship to Xinjiang instead
        screen = await back_on_detail(pilot)
        after = backend_ctx.db.one(
            "SELECT subtotal_fen, shipping_fen, total_fen, address FROM orders WHERE id = ?",
            (order_id,),
        )
        assert after is not None
        assert "新疆维吾尔自治区" in after["address"]
        assert after["shipping_fen"] == 2000 != before["shipping_fen"]
        assert after["total_fen"] == after["subtotal_fen"] + 2000
        assert screen.order is not None and screen.order.total_fen == after["total_fen"]
        assert "¥20.00" in shown_text(screen.query_one("#detail-money"))


async def test_changing_the_items_of_an_unpaid_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    kept_sku, dropped_sku = skus_in_stock(backend_ctx, 2)
    kept_before, dropped_before = (
        stock_of(backend_ctx, kept_sku),
        stock_of(backend_ctx, dropped_sku),
    )
    order_id = place(backend_ctx, [(kept_sku, 1), (dropped_sku, 2)])
    price = backend_ctx.db.scalar("SELECT price_fen FROM skus WHERE id = ?", (kept_sku,))
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot)
        await pilot.press("i")  # change the items
        dialog = await wait_for_screen(pilot, ChangeItemsDialog)
        await pilot.press("plus")  # two of the first line
        await pilot.press("down")  # the second line
        await pilot.press("d")  # remove it
        assert dialog.wanted() == [(kept_sku, 2)]
        await wait_for_timers(pilot)  # the quote's debounce fires
        await finish_group(pilot, "items-quote")
        assert "New total" in shown_text(dialog.query_one("#items-quote"))
        await pilot.press("ctrl+s")  # save
        screen = await back_on_detail(pilot)
        lines = backend_ctx.db.all(
            "SELECT sku_id, qty FROM order_items WHERE order_id = ?", (order_id,)
        )
        assert [tuple(line) for line in lines] == [(kept_sku, 2)]
        subtotal = backend_ctx.db.scalar(
            "SELECT subtotal_fen FROM orders WHERE id = ?", (order_id,)
        )
        assert subtotal == price * 2
        assert stock_of(backend_ctx, kept_sku) == kept_before - 2
        assert stock_of(backend_ctx, dropped_sku) == dropped_before
        assert screen.order is not None and screen.order.subtotal_fen == price * 2


async def test_contact_support_about_the_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "awaiting_shipment", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot)
        await pilot.press("s")  # contact support
        await wait_for_screen(pilot, ContactSupportDialog)
        await pilot.press(*"When will it ship?")  # the question
        await pilot.press("enter")  # send
        await back_on_detail(pilot)
    thread = backend_ctx.db.one(
        "SELECT order_id, subject FROM support_threads WHERE user_id = ?", (DEMO_USER,)
    )
    assert thread is not None and thread["order_id"] == order_id
    assert thread["subject"].startswith("About order KS")
    text = backend_ctx.db.scalar(
        "SELECT text FROM support_messages WHERE sender = 'user' ORDER BY id LIMIT 1"
    )
    assert text == "When will it ship?"


async def test_buy_again_puts_the_items_back_in_the_cart(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id = skus_in_stock(backend_ctx, 1)[0]
    order_id = order_in_state(backend_ctx, "cancelled", sku_id, qty=2)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot)
        await pilot.press("n")  # buy again
        await settle(pilot)
    row = backend_ctx.db.one(
        "SELECT qty FROM cart_items WHERE user_id = ? AND sku_id = ?", (DEMO_USER, sku_id)
    )
    assert row is not None and row["qty"] == 2


async def test_pay_opens_the_payment_flow_and_backing_out_keeps_the_order_payable(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = place(backend_ctx, [(skus_in_stock(backend_ctx, 1)[0], 1)])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot)
        await pilot.press("p")  # pay
        await wait_for_screen(pilot, MethodPickerModal)
        await pilot.press("escape")  # not now
        screen = await back_on_detail(pilot)
        assert "pay" in screen.offered_actions()
    status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status == "pending_payment"


async def test_the_time_left_to_pay_follows_the_backend_clock(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = place(backend_ctx, [(skus_in_stock(backend_ctx, 1)[0], 1)])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot)
        deadline = screen.query_one("#detail-deadline", Static)
        assert "Pay within 30:00" in str(deadline.render())
        backend_ctx.clock.advance(10 * 60 + 30)  # ten and a half minutes pass on the backend
        screen.load()  # the detail's periodic refresh: its answer carries the backend's time
        await settle(pilot)
        screen.tick()
        assert "Pay within 19:30" in str(deadline.render())


async def test_the_receipt_is_exported_as_text_and_svg(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    sku_id = skus_in_stock(backend_ctx, 1)[0]
    order_id = order_in_state(backend_ctx, "completed", sku_id, qty=2)
    order = server_order(backend_ctx, order_id)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot)
        await pilot.press("e")  # export the receipt
        await settle(pilot)
    folder = tmp_path / "data" / "receipts"
    order_no = str(order["order_no"])
    text = (folder / f"{order_no}.txt").read_text(encoding="utf-8")
    items = order["items"]
    assert isinstance(items, list)
    name = items[0]["name"]
    total = int(str(order["total_fen"]))
    assert order_no in text and name in text
    assert f"¥{total // 100:,}.{total % 100:02d}" in text
    assert f"× {items[0]['qty']}" in text
    svg = (folder / f"{order_no}.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and order_no in svg


async def test_the_detail_follows_the_merchant_while_open(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kshop_tui.screens.orders import detail as order_detail

    monkeypatch.setattr(order_detail, "REFRESH_SECONDS", 0.2)
    order_id = order_in_state(backend_ctx, "awaiting_shipment", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot)
        assert "track" not in screen.offered_actions()
        tracking_no = ship(backend_ctx, order_id)  # the merchant ships it
        # The refresh timer (every 0.2 s here) fires and the refresh comes back.
        await wait_until(
            pilot,
            lambda: screen.order is not None and screen.order.status == "shipped",
            what="the detail showing the order shipped",
        )
        assert screen.order is not None and screen.order.status == "shipped"
        assert screen.order.tracking_no == tracking_no
        assert "track" in screen.offered_actions()
