"""How checkout and paying look: the filled form, an empty address book, errors by field,
the review step, the coupon picker, the address book and its form, the payment password
after a wrong try, the QR code, and both results — at 80×24 and 120×40, some in Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.address_book import AddressBookModal
from kshop_tui.screens.account.address_form import AddressFormModal
from kshop_tui.screens.cart.checkout import CheckoutScreen
from kshop_tui.screens.cart.coupon_modal import CouponPickerModal
from kshop_tui.screens.payment.password import PaymentPasswordModal
from kshop_tui.screens.payment.qr import QrPaymentScreen
from kshop_tui.screens.payment.result import PaymentResultScreen
from tests.tui.conftest import SIZES
from tests.tui.test_checkout_flows import (
    DEMO_USER,
    choose_method,
    pick_sku,
    review_and_place,
    settle,
    settle_debounced,
    wait_quoted,
    wait_until,
)

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]


def checkout(ctx: Ctx, qty: int = 2) -> Callable[[Pilot[None]], Awaitable[CheckoutScreen]]:
    sku_id, _ = pick_sku(ctx)

    async def open_it(pilot: Pilot[None]) -> CheckoutScreen:
        await settle(pilot)
        screen = CheckoutScreen([(sku_id, qty)])
        await pilot.app.push_screen(screen)
        await wait_quoted(pilot, screen)
        return screen

    return open_it


class TestCheckoutSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_filled(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            screen.query_one("#remark", Input).focus()
            await pilot.press(*"please leave it at the door")  # a remark
            await settle_debounced(pilot)  # the re-quote the typing debounced

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_filled_chinese(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_it(pilot)

        app = make_app(lang="zh_CN", token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_empty_address_book(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        backend_ctx.db.execute("UPDATE addresses SET deleted = 1 WHERE user_id = ?", (DEMO_USER,))
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_it(pilot)
            await pilot.press("ctrl+s")  # try to review: the address is missing
            await settle(pilot)

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_errors(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        open_it = checkout(backend_ctx, qty=3)
        sku_id, _ = pick_sku(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            screen.query_one("#invoice-kind").focus()
            await pilot.press("down", "down", "enter")  # a company invoice
            screen.query_one("#invoice-title", Input).value = "杭州某某科技有限公司"
            screen.query_one("#invoice-tax", Input).value = "12345"
            backend_ctx.db.execute("UPDATE skus SET stock = 1 WHERE id = ?", (sku_id,))
            await pilot.press("ctrl+s")  # try to review: stock and tax ID are wrong
            await settle_debounced(pilot)  # the re-quote that learns the stock
            await pilot.press("ctrl+s")  # again, now that the quote knows the stock
            await settle(pilot)

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_review(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            await choose_method(pilot, screen, "wechat_pay")
            await pilot.press("ctrl+s")  # the review step
            await settle(pilot)

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("size", SIZES)
    def test_coupon_picker(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        # Another brand's store coupon and one over a far threshold: listed, greyed, why.
        for template in (
            "SELECT id FROM coupon_templates WHERE brand IS NOT NULL AND brand != '完美日记'"
            " ORDER BY id LIMIT 1",
            "SELECT id FROM coupon_templates ORDER BY threshold_fen DESC, id LIMIT 1",
        ):
            backend_ctx.db.execute(
                "INSERT INTO user_coupons (user_id, template_id, status, claimed_at, expires_at)"
                f" SELECT user_id, ({template}), 'usable', claimed_at, expires_at"
                " FROM user_coupons WHERE user_id = ? LIMIT 1",
                (DEMO_USER,),
            )
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_it(pilot)
            await pilot.press("k")  # the coupon picker
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, CouponPickerModal))

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


class TestAddressSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_address_book(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        backend_ctx.db.execute(
            "INSERT INTO addresses (user_id, name, phone, province, city, district, detail,"
            " is_default, created_at) VALUES (?, '王五', '13700001111', '新疆维吾尔自治区',"
            " '乌鲁木齐市', '天山区', '解放南路 1 号', 0, 1790000000)",
            (DEMO_USER,),
        )
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_it(pilot)
            await pilot.press("e")  # the address book
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, AddressBookModal))

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_address_form_with_errors(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        lang: str,
    ) -> None:
        backend_ctx.db.execute("UPDATE addresses SET deleted = 1 WHERE user_id = ?", (DEMO_USER,))
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_it(pilot)
            await pilot.press("e")  # no address yet: the form
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, AddressFormModal))
            await pilot.press(*"Li Si")  # a name
            await pilot.press("tab", *"12345")  # a phone that is too short
            await pilot.press("ctrl+s")  # save: refused by field
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


class TestPaymentSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_wrong_password(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            await review_and_place(pilot, screen)
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, PaymentPasswordModal))
            modal = pilot.app.screen
            await pilot.press(*"654321")  # a wrong password
            await wait_until(
                pilot, lambda: "attempts" in str(modal.query_one("#pw-status").render())
            )

        app = make_app(token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize(
        ("size", "lang"),
        [
            pytest.param((80, 24), "en", id="ssh-80x24"),
            pytest.param((120, 40), "en", id="wide-120x40"),
            pytest.param((80, 24), "zh_CN", id="zh-80x24"),
        ],
    )
    def test_qr_code(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            await choose_method(pilot, screen, "alipay")
            await review_and_place(pilot, screen)
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, QrPaymentScreen))
            qr_screen = pilot.app.screen
            assert isinstance(qr_screen, QrPaymentScreen)
            await wait_until(pilot, lambda: qr_screen.payment is not None)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize(
        ("size", "lang"),
        [
            pytest.param((80, 24), "en", id="ssh-80x24"),
            pytest.param((120, 40), "en", id="wide-120x40"),
            pytest.param((80, 24), "zh_CN", id="zh-80x24"),
        ],
    )
    def test_result_success(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            await review_and_place(pilot, screen)
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, PaymentPasswordModal))
            await pilot.press(*"123456")  # the right password
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, PaymentResultScreen))
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize(
        ("size", "lang"),
        [
            pytest.param((80, 24), "en", id="ssh-80x24"),
            pytest.param((120, 40), "en", id="wide-120x40"),
            pytest.param((80, 24), "zh_CN", id="zh-80x24"),
        ],
    )
    def test_result_failure(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            screen = await open_it(pilot)
            backend_ctx.db.execute("UPDATE users SET balance_fen = 100 WHERE id = ?", (DEMO_USER,))
            await review_and_place(pilot, screen)
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, PaymentPasswordModal))
            await pilot.press(*"123456")  # pays, but the balance is short now
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, PaymentResultScreen))
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)
