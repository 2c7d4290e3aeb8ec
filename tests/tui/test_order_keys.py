"""An order's keys are named by what they do, and a key that does not apply says why
instead of doing nothing; buy again works on completed orders; the review dialog takes
the stars as digits from its item list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Input

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.after_sales.wizard import AfterSaleWizard
from kshop_tui.screens.orders.cancel import CancelReasonPicker
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.orders.review import RatingPicker, ReviewDialog
from tests.tui.helpers import notifications, settle, wait_for_screen
from tests.tui.test_order_detail import open_detail
from tests.tui.test_orders import (
    DEMO_USER,
    order_in_state,
    place,
    skus_in_stock,
)

MakeApp = Callable[..., KshopApp]


def footer_words(screen: object, key: str) -> str:
    """What the footer says for `key` on the screen now."""
    assert isinstance(screen, (OrderDetailScreen, CancelReasonPicker))
    return screen.active_bindings[key].binding.description


def non_returnable_sku(ctx: Ctx) -> int:
    """An in-stock SKU of a product that cannot be returned (customised goods, food)."""
    sku_id = ctx.db.scalar(
        "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE p.returnable = 0 AND p.kind = 'physical' AND s.stock >= 5 ORDER BY s.id LIMIT 1"
    )
    assert isinstance(sku_id, int)
    return sku_id


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_cancelling_after_shipping_says_why_it_cannot(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str
) -> None:
    order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot)
        assert "x" not in screen.active_bindings  # not offered in the footer
        await pilot.press("x")  # cancel the order anyway
        await settle(pilot)
        assert notifications(app) == [t("orders.why_not.cancel.shipped")]
        assert app.screen is screen
    status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status == "shipped"


async def test_after_sale_on_goods_that_cannot_be_returned_is_for_quality_problems(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "completed", non_returnable_sku(backend_ctx))
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot)
        assert screen.order is not None and "after_sale" in screen.order.actions
        await pilot.press("r")  # after-sale: only a quality problem is heard
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, AfterSaleWizard) and wizard.draft is not None
        reasons = {r.code for r in wizard.draft.reasons_for("refund_only")}
        assert wizard.draft.quality_only("refund_only") and "changed_mind" not in reasons
        assert "quality_problem" in reasons


async def test_a_key_of_the_list_that_does_not_fit_the_row_says_why(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "completed", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        index = next(i for i, row in enumerate(screen.rows) if row.id == order_id)
        screen.query_one(DataTable).move_cursor(row=index)
        await pilot.press("p")  # pay a completed order
        await pilot.press("x")  # cancel it
        await settle(pilot)
        assert notifications(app) == [
            t("orders.why_not.pay.paid"),
            t("orders.why_not.cancel.completed"),
        ]


async def test_buy_again_from_a_completed_order(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sku_id = skus_in_stock(backend_ctx, 1)[0]
    order_id = order_in_state(backend_ctx, "completed", sku_id)
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot)
        assert "buy_again" in screen.offered_actions()
        await pilot.press("n")  # buy again
        await settle(pilot)
        assert notifications(app) == ["1 item added to the cart."]
    qty = backend_ctx.db.scalar(
        "SELECT qty FROM cart_items WHERE user_id = ? AND sku_id = ?", (DEMO_USER, sku_id)
    )
    assert qty == 1


async def test_digits_give_the_stars_from_the_item_list_and_are_text_in_the_box(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "completed", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot)
        await pilot.press("v")  # review
        dialog = await wait_for_screen(pilot, ReviewDialog)
        await pilot.press("3")  # three stars, the item list focused
        assert dialog.query_one(RatingPicker).value == 3
        dialog.query_one("#review-text", Input).focus()
        await pilot.press(*"5 stars")  # typed into the review
        assert dialog.query_one("#review-text", Input).value == "5 stars"
        assert dialog.query_one(RatingPicker).value == 3


@pytest.mark.parametrize(
    ("lang", "confirm", "keep"),
    [("en", "Confirm receipt", "Keep the order"), ("zh_CN", "确认收货", "不取消")],
)
async def test_keys_are_named_by_what_they_do(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str, confirm: str, keep: str
) -> None:
    skus = skus_in_stock(backend_ctx, 2)
    shipped = order_in_state(backend_ctx, "shipped", skus[0])
    unpaid = place(backend_ctx, [(skus[1], 1)])
    app = make_app(lang=lang, token=demo_token, open_target=f"order {shipped}")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot)
        assert footer_words(screen, "y") == confirm
        app.pop_screen()
        app.push_screen(OrderDetailScreen(unpaid))
        screen = await open_detail(pilot)
        await pilot.press("x")  # cancel: the reason picker
        picker = await wait_for_screen(pilot, CancelReasonPicker)
        assert footer_words(picker, "escape") == keep
