"""How after-sales and support look: every wizard step and the review, the after-sale
detail while requested (deadline), awaiting the return (ship form), rejected (appeal) and
refunded, the photo picker, the threads list and a chat — 80×24 and 120×40, some in
Chinese."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fake_backend.context import Ctx
from kshop_tui.api.backend import Backend
from kshop_tui.api.intent import new_intent_key
from kshop_tui.app import KshopApp
from kshop_tui.screens.after_sales.after_sale_list import AfterSalesScreen
from kshop_tui.screens.after_sales.detail import AfterSaleDetailScreen
from kshop_tui.screens.after_sales.wizard import AfterSaleWizard
from kshop_tui.screens.orders.order_list import OrdersScreen
from kshop_tui.screens.support.chat import SupportChatScreen
from kshop_tui.screens.support.threads import SupportScreen
from tests.tui.conftest import SIZES
from tests.tui.helpers import poll_until, settle
from tests.tui.test_after_sale_exchange_flows import exchange_through_the_api
from tests.tui.test_after_sale_flows import (
    delivered_order,
    paid_order,
    requested_return,
    wait_for_folder,
)

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]
# A fixed folder: the picker shows its path, which must not change between runs.
PHOTO_FOLDER = Path("/tmp/kshop-snapshot-photos")
PHOTO_FOLDER_LOCK = Path("/tmp/kshop-snapshot-photos.lock")


class TestWizard:
    @staticmethod
    def run_to(step: str, backend: Backend, ctx: Ctx, token: str) -> RunBefore:
        async def run_before(pilot: Pilot[None]) -> None:
            order = await delivered_order(backend, ctx, token)
            await settle(pilot)
            pilot.app.push_screen(AfterSaleWizard(order.id))
            await settle(pilot)
            if step == "type":
                return
            await pilot.press("enter")  # return and refund
            await settle(pilot)
            if step == "items":
                return
            await pilot.press("ctrl+n")  # keep the ticked item
            await settle(pilot)
            if step == "reason":
                # A quality problem: the wizard says at once that it needs a photo.
                await pilot.press("enter")
                await pilot.press("tab")  # to the details
                await pilot.press(*"left earbud silent")  # describe it
                return
            await pilot.press(*["down"] * 4, "enter")  # the merchant sent the wrong item
            await pilot.press("tab")  # to the details
            await pilot.press(*"left earbud silent")  # describe it
            if step == "amount":
                return
            await pilot.press("ctrl+n")  # to the review
            await settle(pilot)

        return run_before

    @pytest.mark.parametrize("step", ["type", "items", "reason", "review"])
    @pytest.mark.parametrize("size", SIZES)
    def test_step(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        step: str,
        size: tuple[int, int],
    ) -> None:
        run_before = self.run_to(step, backend, backend_ctx, demo_token)
        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("step", ["type", "reason"])
    def test_step_chinese(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        step: str,
    ) -> None:
        run_before = self.run_to(step, backend, backend_ctx, demo_token)
        app = make_app(lang="zh_CN", token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    def test_amount_above_the_maximum(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
    ) -> None:
        reason_step = self.run_to("amount", backend, backend_ctx, demo_token)

        async def run_before(pilot: Pilot[None]) -> None:
            await reason_step(pilot)
            amount = pilot.app.screen.query_one("#amount", Input)
            amount.focus()
            amount.value = ""
            await pilot.press(*"99999")  # far above what was paid
            await pilot.press("ctrl+n")  # try to go on: refused next to the field

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class TestExchange:
    """§7.2–7.3's new states: the spec step (a sold-out spec struck through), the detail
    of a reshipped exchange, an appeal the platform upheld, the closed orders tab."""

    @staticmethod
    def spec_step(backend: Backend, ctx: Ctx, token: str) -> RunBefore:
        async def run_before(pilot: Pilot[None]) -> None:
            order = await delivered_order(backend, ctx, token)
            await settle(pilot)
            pilot.app.push_screen(AfterSaleWizard(order.id))
            await settle(pilot)
            await pilot.press("down", "enter")  # exchange
            await settle(pilot)
            await pilot.press("ctrl+n")  # the ticked item
            await settle(pilot)
            await pilot.press("down", "enter")  # another spec in stock
            await settle(pilot)

        return run_before

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_spec_step(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        lang: str,
    ) -> None:
        run_before = self.spec_step(backend, backend_ctx, demo_token)
        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_reshipped_exchange(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        lang: str,
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            exchange = await exchange_through_the_api(backend, backend_ctx, demo_token)
            await settle(pilot)
            pilot.app.push_screen(AfterSaleDetailScreen(exchange.id))
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_appeal_upheld(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        lang: str,
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            after_sale = await requested_return(backend, backend_ctx, demo_token)
            call = backend.client._call
            await call("POST", f"/_dev/after-sales/{after_sale.id}/reject")
            await backend.client.appeal_after_sale(after_sale.id, "商家拒绝没有道理")
            decide = f"/_dev/after-sales/{after_sale.id}/platform-decide"
            await call("POST", decide, json={"approve": False})
            await settle(pilot)
            pilot.app.push_screen(AfterSaleDetailScreen(after_sale.id))
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_closed_orders_tab(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        lang: str,
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            order = await paid_order(backend, backend_ctx, demo_token)
            refund = await backend.client.create_after_sale(
                order_id=order.id,
                type="refund_only",
                item_ids=[item.id for item in order.items],
                reason="changed_mind",
                amount_fen=order.total_fen,
                idempotency_key=new_intent_key(),
            )
            await backend.client._call("POST", f"/_dev/after-sales/{refund.id}/approve")
            await settle(pilot)
            pilot.app.push_screen(OrdersScreen(tab="closed"))
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class TestDetail:
    @staticmethod
    def run_in(state: str, backend: Backend, ctx: Ctx, token: str) -> RunBefore:
        async def run_before(pilot: Pilot[None]) -> None:
            after_sale = await requested_return(backend, ctx, token)
            await settle(pilot)
            dev = backend.client._call
            base = f"/_dev/after-sales/{after_sale.id}"
            if state == "rejected":
                note = "[bold]已拆封[/bold] 影响二次销售"  # markup, to be shown literally
                await dev("POST", f"{base}/reject", json={"note": note})
            elif state in ("awaiting_return", "refunded"):
                await dev("POST", f"{base}/approve")
            if state == "refunded":
                await backend.client.ship_return(after_sale.id, "SF", "SF1234567890123")
                await dev("POST", f"{base}/receive")
            pilot.app.push_screen(AfterSaleDetailScreen(after_sale.id))
            await settle(pilot)

        return run_before

    @pytest.mark.parametrize("state", ["requested", "awaiting_return", "rejected", "refunded"])
    @pytest.mark.parametrize("size", SIZES)
    def test_after_sale_detail_state(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        state: str,
        size: tuple[int, int],
    ) -> None:
        run_before = self.run_in(state, backend, backend_ctx, demo_token)
        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("state", ["requested", "refunded"])
    def test_state_chinese(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        state: str,
    ) -> None:
        run_before = self.run_in(state, backend, backend_ctx, demo_token)
        app = make_app(lang="zh_CN", token=demo_token)
        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


class TestList:
    @pytest.mark.parametrize("size", SIZES)
    def test_after_sales_list(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            first = await requested_return(backend, backend_ctx, demo_token)
            await backend.client._call("POST", f"/_dev/after-sales/{first.id}/reject")
            await requested_return(backend, backend_ctx, demo_token)
            await settle(pilot)
            pilot.app.push_screen(AfterSalesScreen())
            await settle(pilot)

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.fixture
def photo_folder() -> Iterator[Path]:
    """The fixed folder, filled anew. Another xdist worker (or a test run in another
    checkout on this machine) uses the same folder: a lock beside it lets one test at a
    time fill and show it, so none empties it under another's picker."""
    with PHOTO_FOLDER_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        shutil.rmtree(PHOTO_FOLDER, ignore_errors=True)
        (PHOTO_FOLDER / "receipts").mkdir(parents=True)
        Image.new("RGB", (64, 64), (30, 120, 200)).save(PHOTO_FOLDER / "earbud.png")
        Image.new("RGB", (320, 240), (200, 120, 30)).save(PHOTO_FOLDER / "box.jpg", quality=95)
        (PHOTO_FOLDER / "notes.txt").write_text("not shown")
        (PHOTO_FOLDER / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (6 * 1024 * 1024))
        yield PHOTO_FOLDER


class TestFilePicker:
    @pytest.mark.parametrize("size", SIZES)
    def test_picker(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        photo_folder: Path,
        size: tuple[int, int],
    ) -> None:
        reason_step = TestWizard.run_to("reason", backend, backend_ctx, demo_token)

        async def run_before(pilot: Pilot[None]) -> None:
            await reason_step(pilot)
            wizard = pilot.app.screen
            assert isinstance(wizard, AfterSaleWizard)
            wizard._last_folder = photo_folder
            await pilot.press("ctrl+o")  # open the picker
            picker = await wait_for_folder(pilot, entries=4)  # receipts/, 3 photos
            await pilot.press("down", "down", "down", "down")  # to huge.png: too big, said at once
            status = picker.query_one("#picker-status", Static)
            await poll_until(
                pilot, lambda: "huge.png" in str(status.render()), what="huge.png refused"
            )

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestSupport:
    @staticmethod
    async def threads(backend: Backend, token: str) -> int:
        backend.client.token = token
        await backend.client.open_thread("发票抬头", "请帮我开单位发票，抬头：杭州某某科技有限公司")
        escalated = await backend.client.open_thread(
            "[bold]杯子漏水[/bold]", "收到的保温杯盖子漏水，\n能换一个吗？"
        )
        await backend.client.escalate_thread(escalated.id)
        return escalated.id

    @pytest.mark.parametrize("size", SIZES)
    def test_threads(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await self.threads(backend, demo_token)
            await settle(pilot)
            pilot.app.push_screen(SupportScreen())
            await settle(pilot)

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_chat(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        from fake_backend.services import support

        async def run_before(pilot: Pilot[None]) -> None:
            thread_id = await self.threads(backend, demo_token)
            await backend.client.send_message(thread_id, "退款什么时候到账？")
            backend_ctx.clock.advance(3)
            support.simulate(backend_ctx)
            await settle(pilot)
            pilot.app.push_screen(SupportChatScreen(thread_id))
            await settle(pilot)
            await pilot.press(*"thanks")  # a reply being typed

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_chat_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend: Backend, demo_token: str
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            thread_id = await self.threads(backend, demo_token)
            await settle(pilot)
            pilot.app.push_screen(SupportChatScreen(thread_id))
            await settle(pilot)

        app = make_app(lang="zh_CN", token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
