"""QR logins (WeChat / QQ) and the QR widget: approved, expired and refreshed, switched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import segno
from textual.widgets import Static

from fake_backend.context import Ctx
from fake_backend.services import auth
from kshop_tui.api.backend import Backend
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.account.qr_login import QrLoginScreen
from kshop_tui.widgets.qr import QrCode, half_block_lines, qr_matrix
from tests.tui.helpers import settle
from tests.tui.test_login import DEMO_PHONE, header_who, open_login

GLYPHS = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


async def test_qr_login_approved_on_the_phone(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(app, pilot, results)
        await pilot.press("ctrl+o")  # QR login (WeChat)
        await settle(pilot)
        qr = app.screen
        assert isinstance(qr, QrLoginScreen) and qr.device_code is not None
        assert qr.query_one(QrCode).payload.startswith("kshop-oauth://wechat/")
        assert "simulator" in str(qr.query_one("#qr-demo", Static).render())
        auth.approve_oauth(backend_ctx, qr.device_code, DEMO_PHONE)  # scanned on the phone
        qr.poll()  # the next poll, without waiting for its timer
        await settle(pilot)
        assert results == [True]
        assert app.user is not None and app.user.phone == DEMO_PHONE
        assert header_who(app) == "138****8000"


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_qr_login_in_manual_mode_says_nothing_approves_it_by_itself(
    make_app: Callable[..., KshopApp], backend: Backend, lang: str
) -> None:
    backend.merchant = "manual"
    app = make_app(lang=lang)
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(app, pilot, results)
        await pilot.press("ctrl+o")  # QR login (WeChat)
        await settle(pilot)
        qr = app.screen
        assert isinstance(qr, QrLoginScreen) and qr.device_code is not None
        hint = str(qr.query_one("#qr-demo", Static).render())
        assert {"en": "nobody scans", "zh_CN": "不会自动确认"}[lang] in hint
        assert f"/_dev/oauth/{qr.device_code}/approve" in hint


async def test_qr_code_expires_and_refreshes(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(app, pilot, results)
        await pilot.press("ctrl+o")  # QR login
        await settle(pilot)
        qr = app.screen
        assert isinstance(qr, QrLoginScreen)
        first_code = qr.device_code
        backend_ctx.clock.advance(301)  # past the code's 5 minutes
        qr.poll()
        await settle(pilot)
        assert qr.query_one(QrCode).faded
        assert "Press r" in str(qr.query_one("#qr-status", Static).render())
        await pilot.press("r")  # a new code
        await settle(pilot)
        assert qr.device_code not in (None, first_code)
        assert not qr.query_one(QrCode).faded
        assert results == [] and app.user is None


async def test_switching_to_qq_and_cancelling(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        login = await open_login(app, pilot, results)
        await pilot.press("ctrl+o")  # QR login
        await settle(pilot)
        await pilot.press("q")  # QQ instead
        await settle(pilot)
        qr = app.screen
        assert isinstance(qr, QrLoginScreen)
        assert qr.query_one(QrCode).payload.startswith("kshop-oauth://qq/")
        assert "QQ" in str(qr.query_one("#qr-dialog").border_title)
        await pilot.press("escape")  # back to the login form
        await settle(pilot)
        assert app.screen is login and isinstance(login, LoginScreen)
        assert results == []


def test_half_blocks_carry_every_module_with_a_light_quiet_zone() -> None:
    payload = "kshop-oauth://wechat/0123456789abcdefghijklmnopqrstuv"
    matrix = qr_matrix(payload)
    expected = [
        [bool(module) for module in row]
        for row in segno.make(payload, error="l", boost_error=True).matrix_iter(border=2)
    ]
    assert matrix == expected
    lines = half_block_lines(matrix)
    decoded: list[list[bool]] = []
    for line in lines:
        decoded.append([GLYPHS[char][0] for char in line])
        decoded.append([GLYPHS[char][1] for char in line])
    assert decoded[: len(matrix)] == matrix
    assert not any(module for row in decoded[len(matrix) :] for module in row)  # padding row
    assert not any(matrix[0]) and not any(matrix[1])  # quiet zone: two light rows on top
    assert not any(row[0] or row[1] for row in matrix)  # and two light columns on the left
    # 53 bytes fit version 3 (29 modules): 33 columns and 17 rows with the quiet zone.
    assert len(lines) == 17 and {len(line) for line in lines} == {33}
