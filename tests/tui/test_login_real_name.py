"""Real-name verification: live check-digit validation, the backend's answer, success."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input, Static

from fake_backend.context import Ctx
from kshop_rules.identity import id_check_char
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.real_name import RealNameScreen
from tests.tui.helpers import settle

FIRST17 = "11010519900307123"
VALID_ID = FIRST17 + id_check_char(FIRST17)
WRONG_ID = FIRST17 + ("1" if id_check_char(FIRST17) != "1" else "2")
NEW_USER_PHONE = "13700001111"


def new_user_token(ctx: Ctx) -> str:
    """A logged-in user who is not verified yet (the demo user already is)."""
    from fake_backend.services import sessions
    from fake_backend.storage import users

    user_id = users.insert_user(ctx.db, NEW_USER_PHONE, "用户1111", "x", ctx.now())
    token, _ = sessions.issue(ctx, user_id)
    return token


async def open_real_name(
    app: KshopApp, pilot: Pilot[None], results: list[bool | None]
) -> RealNameScreen:
    await app.workers.wait_for_complete()
    await app.shop.refresh_account()
    screen = RealNameScreen()
    await app.push_screen(screen, results.append)
    await pilot.pause()
    return screen


async def test_check_digit_is_checked_while_typing(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app(token=new_user_token(backend_ctx))
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_real_name(app, pilot, results)
        hint = screen.query_one("#rn-id-hint", Static)
        await pilot.press("tab", *FIRST17[:10])  # to the ID box, half the number
        assert "10/18" in str(hint.render()) and not hint.has_class("-error")
        await pilot.press(*WRONG_ID[10:])  # the rest, with a wrong check digit
        assert "check digit" in str(hint.render()) and hint.has_class("-error")
        await pilot.press("backspace", VALID_ID[-1])  # fix the last character
        assert str(hint.render()) == "✓"


async def test_verify_and_update_the_user(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app(token=new_user_token(backend_ctx))
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_real_name(app, pilot, results)
        await pilot.press(*"王小明", "tab", *VALID_ID, "enter")  # name, ID, verify
        await settle(pilot)
        assert results == [True]
        assert app.user is not None and app.user.real_name_verified
        assert app.user.real_name_masked == "王**"
    masked = backend_ctx.db.scalar(
        "SELECT id_number_masked FROM users WHERE phone = ?", (NEW_USER_PHONE,)
    )
    assert masked == VALID_ID[:3] + "*" * 11 + VALID_ID[-4:]


async def test_a_latin_name_is_refused_by_the_field(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app(token=new_user_token(backend_ctx))
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_real_name(app, pilot, results)
        await pilot.press(*"Wang", "tab", *VALID_ID, "enter")  # a name in Latin letters
        await settle(pilot)
        hint = screen.query_one("#rn-name-hint", Static)
        assert hint.has_class("-error") and "Chinese" in str(hint.render())
        assert app.focused is screen.query_one("#rn-name", Input)
        assert screen.query_one("#rn-id", Input).value == VALID_ID
        assert results == []


async def test_already_verified_says_so(make_app: Callable[..., KshopApp], demo_token: str) -> None:
    app = make_app(token=demo_token)
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_real_name(app, pilot, results)
        assert "Already verified" in str(screen.query_one("#rn-general", Static).render())
        assert screen.query_one("#rn-name", Input).disabled
        await pilot.press("escape")  # back
        await settle(pilot)
        assert results == [False]
