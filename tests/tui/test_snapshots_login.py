"""Snapshots of the login screens: SMS code, password, register, QR login, real-name; at
80×24 and 120×40, in English and (a few) in Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from fake_backend.context import Ctx
from kshop_tui.api import models
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.account.real_name import RealNameScreen
from tests.tui.conftest import SIZES
from tests.tui.helpers import settle

SnapCompare = Callable[..., bool]
FIXED_QR_PAYLOAD = "kshop-oauth://wechat/SNAPSHOT-device-code-0123456789ab"


@pytest.fixture
def fixed_qr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backend's device code is random: draw a fixed payload and freeze the countdown."""
    real_start = KshopClient.oauth_start

    async def start(self: KshopClient, provider: str) -> models.OAuthStart:
        started = await real_start(self, provider)
        return started.model_copy(update={"qr_payload": FIXED_QR_PAYLOAD})

    monkeypatch.setattr(KshopClient, "oauth_start", start)


def snap(
    snap_compare: SnapCompare,
    app: KshopApp,
    size: tuple[int, int],
    steps: Callable[[Pilot[None]], Awaitable[None]],
    screen: Callable[[], Screen[Any]] = LoginScreen,
) -> bool:
    """Opens `screen` over the browse screen (as `ensure_login` does), runs `steps`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)  # the browse screen has loaded
        await pilot.app.push_screen(screen())
        await settle(pilot)
        await steps(pilot)
        await settle(pilot)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestLoginSnapshots:
    def test_empty(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            pass  # the form as a newcomer first sees it

        assert snap(snap_compare, make_app(), size, steps)

    def test_field_errors(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press(*"1380013")  # a phone number cut short
            await pilot.press("enter")  # submit with no code

        assert snap(snap_compare, make_app(), size, steps)

    def test_password_tab(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+t")  # the password method
            await pilot.press(*"13800138000")  # the phone
            await pilot.press("tab")  # to the password
            await pilot.press(*"demo12")  # part of a password (masked)

        assert snap(snap_compare, make_app(), size, steps)

    def test_wrong_password(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+t")  # the password method
            await pilot.press(*"13800138000")  # the phone
            await pilot.press("tab")  # to the password
            await pilot.press(*"wrong1234")  # a wrong password
            await pilot.press("enter")  # log in
            await settle(pilot)

        assert snap(snap_compare, make_app(), size, steps)

    def test_two_step_code_asked(
        self,
        snap_compare: SnapCompare,
        make_app: Callable[..., KshopApp],
        backend_ctx: Ctx,
        size: tuple[int, int],
    ) -> None:
        backend_ctx.db.execute("UPDATE users SET two_factor_enabled = 1 WHERE id = 1")

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+t")  # the password method
            await pilot.press(*"13800138000")  # the phone
            await pilot.press("tab")  # to the password
            await pilot.press(*"demo1234")  # the right password
            await pilot.press("enter")  # log in: the account asks for a code too
            await settle(pilot)

        assert snap(snap_compare, make_app(), size, steps)

    def test_register_with_strength(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+t", "ctrl+t")  # the register method
            await pilot.press(*"13912345678")  # a new phone
            await pilot.press("tab")  # to the code
            await pilot.press(*"123456")  # the code from the SMS
            await pilot.press("tab", "tab")  # past the send button to the password
            await pilot.press(*"Abcd1234")  # a good password
            await pilot.press("tab")  # to the confirmation
            await pilot.press(*"Abcd12")  # the confirmation, half typed

        assert snap(snap_compare, make_app(), size, steps)

    def test_zh_empty(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            pass  # the form in Chinese

        assert snap(snap_compare, make_app(lang="zh_CN"), size, steps)

    def test_zh_register_with_errors(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+t", "ctrl+t")  # the register method
            await pilot.press(*"13912345678")  # a new phone
            await pilot.press("tab", "tab", "tab")  # past the code and its button to the password
            await pilot.press(*"abc")  # a too-short password
            await pilot.press("enter")  # submit

        assert snap(snap_compare, make_app(lang="zh_CN"), size, steps)


@pytest.mark.parametrize("size", SIZES)
class TestQrLoginSnapshots:
    def test_qr_login_wechat(
        self,
        snap_compare: SnapCompare,
        make_app: Callable[..., KshopApp],
        size: tuple[int, int],
        fixed_qr: None,
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+o")  # QR login with WeChat

        assert snap(snap_compare, make_app(), size, steps)

    def test_zh_wechat(
        self,
        snap_compare: SnapCompare,
        make_app: Callable[..., KshopApp],
        size: tuple[int, int],
        fixed_qr: None,
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("ctrl+o")  # 微信扫码登录

        assert snap(snap_compare, make_app(lang="zh_CN"), size, steps)


@pytest.mark.parametrize("size", SIZES)
class TestRealNameSnapshots:
    def test_real_name_invalid_id(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        assert snap(snap_compare, make_app(), size, type_wrong_id, after_register)

    def test_zh_invalid_id(
        self, snap_compare: SnapCompare, make_app: Callable[..., KshopApp], size: tuple[int, int]
    ) -> None:
        assert snap(snap_compare, make_app(lang="zh_CN"), size, type_wrong_id, after_register)


def after_register() -> RealNameScreen:
    return RealNameScreen(offer_skip=True)


async def type_wrong_id(pilot: Pilot[None]) -> None:
    await pilot.press(*"王小明")  # the name
    await pilot.press("tab")  # to the ID number
    await pilot.press(*"110105194912310021")  # 18 characters, wrong check digit
