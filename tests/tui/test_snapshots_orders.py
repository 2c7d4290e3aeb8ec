"""How the order screens look: the orders list in every tab (and empty), an order in
each state (the countdown frozen with the backend clock), its parcel (normal and with an
exception), 物流查询 with an error, the review and cancel dialogs, and the insights —
at 80×24 and 120×40, some in Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.screens.orders.cancel import CancelReasonPicker
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.screens.orders.review import ReviewDialog
from tests.tui.conftest import SIZES
from tests.tui.helpers import settle, wait_for_screen
from tests.tui.test_logistics import shipped_with_exception
from tests.tui.test_orders import (
    cancel,
    one_of_each,
    order_in_state,
    place,
    skus_in_stock,
)

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]


def keys(*presses: str) -> RunBefore:
    """Settles, presses `presses` one by one (settling after each), settles again."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run_before


class TestOrdersList:
    @pytest.mark.parametrize("size", SIZES)
    def test_all_orders(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        one_of_each(backend_ctx)
        app = make_app(token=demo_token, open_target="orders")
        assert snap_compare(app, terminal_size=size, run_before=keys())

    @pytest.mark.parametrize(
        "tabs_right",
        [
            pytest.param(1, id="to-pay"),
            pytest.param(2, id="to-ship"),
            pytest.param(4, id="shipped"),  # past 待服务 (to be served)
            pytest.param(5, id="done"),
            pytest.param(6, id="cancelled"),
            pytest.param(8, id="after-sales-empty"),  # past 交易关闭 (closed)
        ],
    )
    def test_each_tab(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        tabs_right: int,
    ) -> None:
        one_of_each(backend_ctx)
        app = make_app(token=demo_token, open_target="orders")
        # `]` moves one tab right each time
        run_before = keys(*["right_square_bracket"] * tabs_right)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    def test_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        one_of_each(backend_ctx)
        app = make_app(lang="zh_CN", token=demo_token, open_target="orders")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys())

    def test_no_orders_yet(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str
    ) -> None:
        app = make_app(token=demo_token, open_target="orders")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys())

    def test_cancel_reason_picker_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        one_of_each(backend_ctx)
        app = make_app(lang="zh_CN", token=demo_token, open_target="orders")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("x")  # cancel the newest (unpaid) order
            await wait_for_screen(pilot, CancelReasonPicker)
            await pilot.press("down")  # the second reason

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class TestOrderDetail:
    @pytest.mark.parametrize("size", SIZES)
    def test_pending_with_countdown(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        first, second = skus_in_stock(backend_ctx, 2)
        order_id = place(backend_ctx, [(first, 1), (second, 2)], remark="请周末送货")
        backend_ctx.clock.advance(6 * 60 + 19)  # 23:41 left to pay; the clock stays there
        app = make_app(token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=size, run_before=keys())

    def test_pending_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id = order_in_state(backend_ctx, "pending_payment", skus_in_stock(backend_ctx, 1)[0])
        app = make_app(lang="zh_CN", token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=(120, 40), run_before=keys())

    @pytest.mark.parametrize("size", SIZES)
    def test_shipped(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
        app = make_app(token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=size, run_before=keys())

    def test_order_detail_completed(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id = order_in_state(backend_ctx, "completed", skus_in_stock(backend_ctx, 1)[0], 2)
        app = make_app(token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=(120, 40), run_before=keys())

    def test_cancelled_after_payment_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id = order_in_state(
            backend_ctx, "awaiting_shipment", skus_in_stock(backend_ctx, 1)[0]
        )
        cancel(backend_ctx, order_id)
        app = make_app(lang="zh_CN", token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys())

    def test_review_dialog(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id = order_in_state(backend_ctx, "completed", skus_in_stock(backend_ctx, 1)[0])
        app = make_app(token=demo_token, open_target=f"order {order_id}")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            assert isinstance(pilot.app.screen, OrderDetailScreen)
            await pilot.press("v")  # review
            await wait_for_screen(pilot, ReviewDialog)
            await pilot.press("enter")  # rate the item
            await pilot.press("4")  # four stars
            await pilot.press("tab")  # the text
            await pilot.press(*"Soft and well made")  # the review

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class TestLogistics:
    @pytest.mark.parametrize("size", SIZES)
    def test_timeline(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        from fake_backend.services import logistics

        order_id = order_in_state(backend_ctx, "shipped", skus_in_stock(backend_ctx, 1)[0])
        tracking_no = backend_ctx.db.scalar(
            "SELECT tracking_no FROM orders WHERE id = ?", (order_id,)
        )
        for _ in range(3):  # two hubs, then out for delivery
            backend_ctx.clock.advance(3 * 3600)
            logistics.advance_parcel(backend_ctx, tracking_no)
        app = make_app(token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=size, run_before=keys("t"))  # t: track

    def test_exception(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id, _ = shipped_with_exception(backend_ctx)
        app = make_app(token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=(80, 24), run_before=keys("t"))  # t: track

    def test_exception_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        order_id, _ = shipped_with_exception(backend_ctx)
        app = make_app(lang="zh_CN", token=demo_token, open_target=f"order {order_id}")
        assert snap_compare(app, terminal_size=(120, 40), run_before=keys("t"))  # t: track

    @pytest.mark.parametrize("size", SIZES)
    def test_track_by_number_error(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, size: tuple[int, int]
    ) -> None:
        app = make_app(token=demo_token, open_target="track")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press(*"SF0000000000000")  # well formed, but nobody shipped it
            await pilot.press("enter")  # look it up
            await settle(pilot)

        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_track_by_number_bad_shape_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str
    ) -> None:
        app = make_app(lang="zh_CN", token=demo_token, open_target="track")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press(*"YT12345")  # too short for YTO
            await pilot.press("enter")  # look it up
            await settle(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def spend_over_months(ctx: Ctx) -> str:
    """Paid orders of different sizes and categories over five months, then one refunded;
    answers a login token issued at the end (one from the start would have expired)."""
    from fake_backend.services import sessions

    parents = {
        row["id"]: row["parent_id"] for row in ctx.db.all("SELECT id, parent_id FROM categories")
    }

    def root(category_id: int) -> int:
        while parents[category_id] is not None:
            category_id = parents[category_id]
        return category_id

    skus: dict[int, int] = {}
    for row in ctx.db.all(
        "SELECT s.id, p.category_id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE s.stock >= 20 AND p.kind = 'physical' AND s.price_fen <= 20000 ORDER BY s.id"
    ):
        skus.setdefault(root(row["category_id"]), row["id"])
    chosen = list(skus.values())[:4]
    for month, sku_id in enumerate(chosen * 2 + chosen[:1]):
        order_in_state(ctx, "completed", sku_id, qty=1 + month % 3)
        ctx.clock.advance(31 * 86400 if month % 2 else 9 * 86400)
    refunded = order_in_state(ctx, "awaiting_shipment", chosen[0], qty=2)
    cancel(ctx, refunded)
    token, _ = sessions.issue(ctx, 1)
    return token


class TestInsights:
    @pytest.mark.parametrize("size", SIZES)
    def test_twelve_months(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        size: tuple[int, int],
    ) -> None:
        token = spend_over_months(backend_ctx)
        app = make_app(token=token, open_target="insights")
        assert snap_compare(app, terminal_size=size, run_before=keys())

    def test_six_months_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx
    ) -> None:
        token = spend_over_months(backend_ctx)
        app = make_app(lang="zh_CN", token=token, open_target="insights")
        # [ : fewer months (six)
        assert snap_compare(app, terminal_size=(120, 40), run_before=keys("left_square_bracket"))
