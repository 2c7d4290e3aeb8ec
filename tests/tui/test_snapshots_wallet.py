"""Snapshots of the wallet, pay-later bills, coupons and check-in, and account and
security: at 80×24 and 120×40, some in Chinese, filled and with errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from textual.pilot import Pilot

from fake_backend.context import Ctx
from fake_backend.services import sessions
from fake_backend.services import wallet as wallet_service
from kshop_tui.api.backend import IN_PROCESS_URL
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.screens.wallet.bnpl import BnplScreen
from tests.tui.conftest import SIZES
from tests.tui.helpers import settle
from tests.tui.test_wallet import DAY, buy_with_bnpl, new_user, with_check_digit

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[None]], Awaitable[None]]


async def nothing(pilot: Pilot[None]) -> None:
    """The screen as it opens."""


def snap(
    snap_compare: SnapCompare, app: KshopApp, size: tuple[int, int], steps: Steps = nothing
) -> bool:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await steps(pilot)
        await settle(pilot)
        pilot.app.clear_notifications()  # toasts time out on the wall clock
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


def add_history(ctx: Ctx) -> None:
    """A few movements of money besides the seeded top-up, at fixed backend times."""
    now = ctx.clock.now()
    rows = [
        ("balance", "payment", -32790, "KS2611200001", now - 4 * DAY),
        ("red_packet", "refund", 8900, "售后退款 [2件装] 儿童保温杯", now - 3 * DAY),
        ("balance", "topup", 20000, "招商银行 尾号6868", now - 2 * DAY),
        ("red_packet", "payment", -1500, "KS2611230007", now - DAY),
    ]
    with ctx.db.tx():
        for account, kind, amount, note, at in rows:
            ctx.db.execute(
                "INSERT INTO wallet_transactions(user_id, account, kind, amount_fen, note, at)"
                " VALUES (1, ?, ?, ?, ?, ?)",
                (account, kind, amount, note, at),
            )
        ctx.db.execute("UPDATE users SET red_packet_fen = 7400 WHERE id = 1")


class TestWalletSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_wallet(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        add_history(backend_ctx)
        app = make_app(token=demo_token, open_target="wallet")
        assert snap(snap_compare, app, size)

    def test_wallet_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        add_history(backend_ctx)
        app = make_app(lang="zh_CN", token=demo_token, open_target="wallet")
        assert snap(snap_compare, app, (80, 24))

    @pytest.mark.parametrize("size", SIZES)
    def test_bank_cards(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("right_square_bracket")  # the bank cards tab

        app = make_app(token=demo_token, open_target="wallet")
        assert snap(snap_compare, app, size, steps)

    @pytest.mark.parametrize("size", SIZES)
    def test_top_up_with_an_amount_out_of_range(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("t")  # open the top-up dialog
            await settle(pilot)
            await pilot.press(*"60000")  # over the ¥50,000.00 maximum
            await pilot.press("enter")  # try to top up

        app = make_app(token=demo_token, open_target="wallet")
        assert snap(snap_compare, app, size, steps)

    @pytest.mark.parametrize("size", SIZES)
    def test_add_card_with_a_luhn_error(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, size: tuple[int, int]
    ) -> None:
        good = with_check_digit("622202123456789")
        bad = good[:-1] + str((int(good[-1]) + 1) % 10)

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("right_square_bracket")  # the bank cards tab
            await pilot.press("a")  # add a card
            await settle(pilot)
            await pilot.press(*bad)  # one digit wrong
            await pilot.press("tab")  # to the holder
            await pilot.press(*"张三")  # the verified name

        app = make_app(token=demo_token, open_target="wallet")
        assert snap(snap_compare, app, size, steps)

    def test_add_card_with_a_luhn_error_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("right_square_bracket")  # the bank cards tab
            await pilot.press("a")  # add a card
            await settle(pilot)
            await pilot.press(*"6222021234567891")  # not Luhn-valid
            await pilot.press("enter")  # try to add (no holder either)

        app = make_app(lang="zh_CN", token=demo_token, open_target="wallet")
        assert snap(snap_compare, app, (80, 24), steps)

    @pytest.mark.parametrize("size", SIZES)
    def test_bnpl_not_eligible(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, size: tuple[int, int]
    ) -> None:
        _, token = new_user(backend_ctx)

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("right_square_bracket", "right_square_bracket")  # pay later

        app = make_app(token=token, open_target="wallet")
        assert snap(snap_compare, app, size, steps)

    def test_bnpl_not_eligible_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx
    ) -> None:
        _, token = new_user(backend_ctx)

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("right_square_bracket", "right_square_bracket")  # pay later

        app = make_app(lang="zh_CN", token=token, open_target="wallet")
        assert snap(snap_compare, app, (120, 40), steps)


def make_bills(backend_app: FastAPI, ctx: Ctx) -> str:
    """Three pay-later orders: one received and now overdue, one repaid, one on its way;
    answers a token that is still valid after the clock moved on."""

    async def place() -> None:
        token, _ = sessions.issue(ctx, 1)
        client = KshopClient(
            IN_PROCESS_URL, transport=httpx.ASGITransport(app=backend_app), token=token
        )
        overdue = await buy_with_bnpl(client, ctx)
        await client.confirm_receipt(overdue)
        repaid = await buy_with_bnpl(client, ctx)
        ctx.clock.advance(31 * DAY)
        client.token, _ = sessions.issue(ctx, 1)
        bills = (await client.bnpl_bills()).items
        repaid_bill = next(bill.id for bill in bills if bill.order_id == repaid)
        await client.repay_bill(repaid_bill, payment_password="123456")
        await buy_with_bnpl(client, ctx)
        await client.aclose()

    wallet_service.enable_bnpl(ctx, 1, "en")
    asyncio.run(place())
    token, _ = sessions.issue(ctx, 1)
    return token


class TestBillsSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_bills_with_an_overdue_one(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_app: FastAPI,
        backend_ctx: Ctx,
        size: tuple[int, int],
    ) -> None:
        token = make_bills(backend_app, backend_ctx)

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.app.push_screen(BnplScreen())  # the wallet's `l`

        assert snap(snap_compare, make_app(token=token), size, steps)

    def test_bills_chinese(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_app: FastAPI,
        backend_ctx: Ctx,
    ) -> None:
        token = make_bills(backend_app, backend_ctx)

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.app.push_screen(BnplScreen())  # the wallet's `l`
            await settle(pilot)
            await pilot.press("end")  # the overdue bill, the oldest
            await pilot.press("r")  # repay it early: the confirm

        assert snap(snap_compare, make_app(lang="zh_CN", token=token), (80, 24), steps)


def add_used_and_expired_coupons(ctx: Ctx) -> None:
    now = ctx.clock.now()
    templates = ctx.db.all("SELECT id FROM coupon_templates WHERE claimable = 1 ORDER BY id")
    with ctx.db.tx():
        ctx.db.execute(
            "INSERT INTO user_coupons(user_id, template_id, status, claimed_at, expires_at)"
            " VALUES (1, ?, 'used', ?, ?)",
            (templates[1]["id"], now - 10 * DAY, now + 20 * DAY),
        )
        ctx.db.execute(
            "INSERT INTO user_coupons(user_id, template_id, claimed_at, expires_at)"
            " VALUES (1, ?, ?, ?)",
            (templates[3]["id"], now - 9 * DAY, now - 2 * DAY),
        )


COUPON_TABS = [
    pytest.param(0, id="usable"),
    pytest.param(1, id="used"),
    pytest.param(2, id="expired"),
    pytest.param(3, id="claim-centre"),
]


class TestCouponsSnapshots:
    @pytest.mark.parametrize("tab", COUPON_TABS)
    @pytest.mark.parametrize("size", SIZES)
    def test_tab(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
        tab: int,
    ) -> None:
        add_used_and_expired_coupons(backend_ctx)

        async def steps(pilot: Pilot[None]) -> None:
            for _ in range(tab):
                await pilot.press("right_square_bracket")  # the next tab

        app = make_app(token=demo_token, open_target="coupons")
        assert snap(snap_compare, app, size, steps)

    @pytest.mark.parametrize("size", SIZES)
    def test_checked_in(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("k")  # check in

        app = make_app(token=demo_token, open_target="coupons")
        assert snap(snap_compare, app, size, steps)

    def test_check_in_twice_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("k")  # check in
            await settle(pilot)
            await pilot.press("k")  # again: the server says no

        app = make_app(lang="zh_CN", token=demo_token, open_target="coupons")
        assert snap(snap_compare, app, (80, 24), steps)


class TestAccountSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_account(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        with backend_ctx.db.tx():
            backend_ctx.db.execute(
                "INSERT INTO linked_logins(user_id, provider, external_id, label, created_at)"
                " VALUES (1, 'wechat', 'wx-1', '', ?)",
                (backend_ctx.clock.now() - 30 * DAY,),
            )
        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, size)

    def test_account_new_user_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx
    ) -> None:
        _, token = new_user(backend_ctx)
        app = make_app(lang="zh_CN", token=token, open_target="account")
        assert snap(snap_compare, app, (80, 24))

    @pytest.mark.parametrize("size", SIZES)
    def test_change_password_with_the_strength_meter(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("p")  # change the password
            await settle(pilot)
            await pilot.press(*"demo1234")  # the current one
            await pilot.press("tab")  # to the new one
            await pilot.press(*"Better2026")  # good, not yet strong
            await pilot.press("tab")  # on to the confirmation
            await pilot.press(*"Better")  # half typed

        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, size, steps)

    def test_payment_password_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("m")  # change the payment password
            await settle(pilot)
            await pilot.press(*"123456")  # the current one
            await pilot.press(*"123456")  # the same as new
            await pilot.press("enter")  # save: refused

        app = make_app(lang="zh_CN", token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24), steps)
