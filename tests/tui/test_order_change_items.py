"""Changing an unpaid order's items (issue 5): adding from the cart, quantities, the
server's quote of the change (its coupon kept or returned, as the server says), saving
(stock re-reserved, the total in the database), refusals in words with nothing lost, and
how the dialog and the cart picker look at 80×24 and 120×40, and in Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from fake_backend.context import Ctx
from fake_backend.services import cart
from kshop_tui.app import KshopApp
from kshop_tui.screens.orders.change_items import AddFromCartPicker, ChangeItemsDialog
from kshop_tui.text import money
from tests.tui.conftest import SIZES
from tests.tui.helpers import finish_group, settle, shown_text, wait_for_screen, wait_for_timers
from tests.tui.test_order_detail import back_on_detail, open_detail, stock_of
from tests.tui.test_orders import DEMO_USER, place

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]
DEMO_COUPON_ID = 1  # the demo user's 满199减20


def sku_priced(ctx: Ctx, low_fen: int, high_fen: int, *, not_of: tuple[int, ...] = ()) -> int:
    """An in-stock SKU priced in [low, high), without promotions, of a product not in `not_of`
    (product ids)."""
    marks = ",".join("?" for _ in not_of)
    sku_id = ctx.db.scalar(
        "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE s.price_fen >= ? AND s.price_fen < ? AND s.stock >= 20 AND p.promotions = '[]'"
        f" AND s.product_id NOT IN ({marks}) ORDER BY s.id LIMIT 1",
        (low_fen, high_fen, *not_of),
    )
    assert sku_id is not None, "the seed has no such SKU"
    return int(sku_id)


def product_of(ctx: Ctx, sku_id: int) -> int:
    return int(ctx.db.scalar("SELECT product_id FROM skus WHERE id = ?", (sku_id,)))


def name_of(ctx: Ctx, sku_id: int) -> str:
    return str(
        ctx.db.scalar(
            "SELECT p.name FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?",
            (sku_id,),
        )
    )


def set_stock(ctx: Ctx, sku_id: int, stock: int) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku_id))


def order_lines(ctx: Ctx, order_id: int) -> list[tuple[int, int]]:
    rows = ctx.db.all(
        "SELECT sku_id, qty FROM order_items WHERE order_id = ? ORDER BY id", (order_id,)
    )
    return [(row["sku_id"], row["qty"]) for row in rows]


def order_money(ctx: Ctx, order_id: int) -> dict[str, Any]:
    row = ctx.db.one(
        "SELECT subtotal_fen, shipping_fen, discount_fen, total_fen, coupon_id FROM orders"
        " WHERE id = ?",
        (order_id,),
    )
    assert row is not None
    return dict(row)


def cart_rows(ctx: Ctx) -> list[tuple[int, int, int]]:
    rows = ctx.db.all(
        "SELECT sku_id, qty, selected FROM cart_items WHERE user_id = ? ORDER BY id", (DEMO_USER,)
    )
    return [(row["sku_id"], row["qty"], row["selected"]) for row in rows]


async def quoted(pilot: Pilot[None]) -> str:
    """Lets the debounced re-quote run, then answers the dialog's summary."""
    await wait_for_timers(pilot)  # the quote's debounce fires
    await finish_group(pilot, "items-quote")
    dialog = pilot.app.screen
    assert isinstance(dialog, ChangeItemsDialog)
    return shown_text(dialog.query_one("#items-quote"))


async def open_items(pilot: Pilot[None]) -> ChangeItemsDialog:
    await open_detail(pilot)
    await pilot.press("i")  # change the items
    dialog = await wait_for_screen(pilot, ChangeItemsDialog)
    await finish_group(pilot, "items-quote")
    return dialog


async def open_picker(pilot: Pilot[None]) -> AddFromCartPicker:
    await pilot.press("a")  # add from the cart
    return await wait_for_screen(pilot, AddFromCartPicker)


# --- pilot tests ---------------------------------------------------------------------------


async def test_add_from_the_cart_change_the_quantity_and_save(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    ordered = sku_priced(backend_ctx, 3000, 5000)
    wanted = sku_priced(backend_ctx, 5000, 8000, not_of=(product_of(backend_ctx, ordered),))
    other = sku_priced(
        backend_ctx,
        6000,
        10000,
        not_of=(product_of(backend_ctx, ordered), product_of(backend_ctx, wanted)),
    )
    order_id = place(backend_ctx, [(ordered, 1)])
    cart.add_item(backend_ctx, DEMO_USER, other, 3)
    cart.add_item(backend_ctx, DEMO_USER, wanted, 1)
    other_line = backend_ctx.db.scalar("SELECT id FROM cart_items WHERE sku_id = ?", (other,))
    cart.update_item(backend_ctx, DEMO_USER, other_line, None, False)
    cart_before = cart_rows(backend_ctx)
    stock_before = stock_of(backend_ctx, wanted)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_items(pilot)
        picker = await open_picker(pilot)
        shown = shown_text(picker.query_one(DataTable))
        assert name_of(backend_ctx, other)[:8] in shown  # unselected lines are offered too
        row = next(i for i, (item, _) in enumerate(picker.choices) if item.sku_id == wanted)
        for _ in range(row):
            await pilot.press("down")  # to the cart line to add
        await pilot.press("enter")  # add one of it
        await wait_for_screen(pilot, ChangeItemsDialog)
        assert dialog.wanted() == [(ordered, 1), (wanted, 1)]
        await pilot.press("plus")  # two of the added line
        assert dialog.wanted() == [(ordered, 1), (wanted, 2)]
        summary = await quoted(pilot)
        assert "New total" in summary and "(now " in summary
        await pilot.press("ctrl+s")  # save
        screen = await back_on_detail(pilot)
        assert order_lines(backend_ctx, order_id) == [(ordered, 1), (wanted, 2)]
        saved = order_money(backend_ctx, order_id)
        assert f"New total {money(saved['total_fen'])}" in summary
        assert saved["total_fen"] == (
            saved["subtotal_fen"] - saved["discount_fen"] + saved["shipping_fen"]
        )
        assert screen.order is not None and screen.order.total_fen == saved["total_fen"]
        assert money(saved["total_fen"]) in shown_text(screen.query_one("#detail-money"))
        assert "Pay within" in shown_text(screen.query_one("#detail-deadline"))
    assert stock_of(backend_ctx, wanted) == stock_before - 2
    assert cart_rows(backend_ctx) == cart_before  # the cart is only read


async def test_the_coupon_is_kept_while_it_still_applies(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    big = sku_priced(backend_ctx, 20000, 30000)
    extra = sku_priced(backend_ctx, 3000, 5000, not_of=(product_of(backend_ctx, big),))
    order_id = place(backend_ctx, [(big, 1)], coupon_id=DEMO_COUPON_ID)
    cart.add_item(backend_ctx, DEMO_USER, extra, 1)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_items(pilot)
        await open_picker(pilot)
        await pilot.press("enter")  # add the cart's only line
        await wait_for_screen(pilot, ChangeItemsDialog)
        summary = await quoted(pilot)
        assert "Coupon ¥20 off over ¥199 -¥20.00: still applies" in summary
        await pilot.press("ctrl+s")  # save
        await back_on_detail(pilot)
    saved = order_money(backend_ctx, order_id)
    assert saved["coupon_id"] == DEMO_COUPON_ID and saved["discount_fen"] == 2000
    assert f"New total {money(saved['total_fen'])}" in summary
    used = backend_ctx.db.one(
        "SELECT status, used_order_id FROM user_coupons WHERE id = ?", (DEMO_COUPON_ID,)
    )
    assert used is not None and tuple(used) == ("used", order_id)


async def test_the_coupon_is_returned_when_the_change_falls_below_its_threshold(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    mid = sku_priced(backend_ctx, 11000, 15000)
    order_id = place(backend_ctx, [(mid, 2)], coupon_id=DEMO_COUPON_ID)
    before = order_money(backend_ctx, order_id)
    assert before["discount_fen"] == 2000
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_items(pilot)
        await pilot.press("minus")  # one instead of two: under ¥199
        summary = await quoted(pilot)
        assert "Coupon ¥20 off over ¥199 no longer applies (usable over ¥199.00;" in summary
        assert f"(now {money(before['total_fen'])})" in summary
        await pilot.press("ctrl+s")  # save anyway
        await back_on_detail(pilot)
    saved = order_money(backend_ctx, order_id)
    assert saved["coupon_id"] is None and saved["discount_fen"] == 0
    assert f"New total {money(saved['total_fen'])}" in summary
    status = backend_ctx.db.scalar(
        "SELECT status FROM user_coupons WHERE id = ?", (DEMO_COUPON_ID,)
    )
    assert status == "usable"


async def test_a_sold_out_cart_line_is_refused_in_words_and_nothing_changes(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    ordered = sku_priced(backend_ctx, 3000, 5000)
    gone = sku_priced(backend_ctx, 5000, 8000, not_of=(product_of(backend_ctx, ordered),))
    order_id = place(backend_ctx, [(ordered, 1)])
    cart.add_item(backend_ctx, DEMO_USER, gone, 1)
    set_stock(backend_ctx, gone, 0)  # sold out since it went into the cart
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_items(pilot)
        picker = await open_picker(pilot)
        assert "Sold out" in shown_text(picker.query_one(DataTable))
        await pilot.press("enter")  # try to add it anyway
        await pilot.pause()
        assert app.screen is picker  # still choosing
        refusal = shown_text(picker.query_one("#add-error"))
        assert "Cannot add" in refusal and "Sold out" in refusal
        await pilot.press("escape")  # back to the order's lines
        assert await wait_for_screen(pilot, ChangeItemsDialog) is dialog
        assert dialog.wanted() == [(ordered, 1)]
    assert order_lines(backend_ctx, order_id) == [(ordered, 1)]


async def test_stock_gone_at_save_flags_the_line_and_keeps_the_dialog(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    ordered = sku_priced(backend_ctx, 3000, 5000)
    added = sku_priced(backend_ctx, 5000, 8000, not_of=(product_of(backend_ctx, ordered),))
    order_id = place(backend_ctx, [(ordered, 1)])
    cart.add_item(backend_ctx, DEMO_USER, added, 1)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_items(pilot)
        await open_picker(pilot)
        await pilot.press("enter")  # add it
        await wait_for_screen(pilot, ChangeItemsDialog)
        await pilot.press("plus")  # and one more
        await quoted(pilot)
        set_stock(backend_ctx, added, 1)  # someone else bought the rest meanwhile
        await pilot.press("ctrl+s")  # save
        await finish_group(pilot, "items-save")
        await finish_group(pilot, "items-quote")
        assert app.screen is dialog  # still open, nothing lost
        assert dialog.wanted() == [(ordered, 1), (added, 2)]
        status = shown_text(dialog.query_one("#items-status"))
        assert "Not enough stock: only 1 left of" in status
        assert added in dialog.flags
        assert dialog.query_one(DataTable).cursor_row == 1  # the flagged line
        assert "⚠" in shown_text(dialog.query_one(DataTable))
    assert order_lines(backend_ctx, order_id) == [(ordered, 1)]
    assert stock_of(backend_ctx, added) == 1


async def test_an_empty_cart_says_how_to_fill_it(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = place(backend_ctx, [(sku_priced(backend_ctx, 3000, 5000), 1)])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_items(pilot)
        await pilot.press("a")  # add from the cart
        await finish_group(pilot, "items-add")
        assert app.screen is dialog
        words = shown_text(dialog.query_one("#items-status"))
        assert "Your cart is empty" in words and "press a" in words


# --- how it looks --------------------------------------------------------------------------


def dialog_with_an_added_line(*, then: tuple[str, ...] = ()) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("i")  # change the items
        await wait_for_screen(pilot, ChangeItemsDialog)
        await pilot.press("a")  # add from the cart
        await wait_for_screen(pilot, AddFromCartPicker)
        await pilot.press("enter")  # the first cart line
        await wait_for_screen(pilot, ChangeItemsDialog)
        for key in then:
            await pilot.press(key)
        await quoted(pilot)

    return run_before


class TestChangeItemsLooks:
    @pytest.mark.parametrize("size", SIZES)
    def test_added_from_the_cart_with_the_coupon_kept(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        big = sku_priced(backend_ctx, 20000, 30000)
        extra = sku_priced(backend_ctx, 3000, 5000, not_of=(product_of(backend_ctx, big),))
        order_id = place(backend_ctx, [(big, 1)], coupon_id=DEMO_COUPON_ID)
        cart.add_item(backend_ctx, DEMO_USER, extra, 1)
        app = make_app(token=demo_token, open_target=f"order {order_id}")
        run_before = dialog_with_an_added_line(then=("plus",))  # two of the added line
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_coupon_returned_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        mid = sku_priced(backend_ctx, 11000, 15000)
        extra = sku_priced(backend_ctx, 3000, 5000, not_of=(product_of(backend_ctx, mid),))
        order_id = place(backend_ctx, [(mid, 2)], coupon_id=DEMO_COUPON_ID)
        cart.add_item(backend_ctx, DEMO_USER, extra, 1)
        app = make_app(lang="zh_CN", token=demo_token, open_target=f"order {order_id}")
        # up: the first line (two of it); minus: one of it, under the coupon's ¥199
        run_before = dialog_with_an_added_line(then=("up", "minus"))
        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_cart_picker_with_a_sold_out_line(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        ordered = sku_priced(backend_ctx, 3000, 5000)
        first = sku_priced(backend_ctx, 5000, 8000, not_of=(product_of(backend_ctx, ordered),))
        gone = sku_priced(
            backend_ctx,
            6000,
            10000,
            not_of=(product_of(backend_ctx, ordered), product_of(backend_ctx, first)),
        )
        order_id = place(backend_ctx, [(ordered, 1)])
        cart.add_item(backend_ctx, DEMO_USER, first, 2)
        cart.add_item(backend_ctx, DEMO_USER, gone, 1)
        set_stock(backend_ctx, gone, 0)
        app = make_app(token=demo_token, open_target=f"order {order_id}")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("i")  # change the items
            await wait_for_screen(pilot, ChangeItemsDialog)
            await finish_group(pilot, "items-quote")
            await pilot.press("a")  # add from the cart
            await wait_for_screen(pilot, AddFromCartPicker)
            await pilot.press("up")  # the sold-out line (the newest in the cart)
            await pilot.press("enter")  # try it: refused in words

        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_empty_cart(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id = place(backend_ctx, [(sku_priced(backend_ctx, 3000, 5000), 1)])
        app = make_app(token=demo_token, open_target=f"order {order_id}")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("i")  # change the items
            await wait_for_screen(pilot, ChangeItemsDialog)
            await finish_group(pilot, "items-quote")
            await pilot.press("a")  # add from the (empty) cart
            await finish_group(pilot, "items-add")

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
