"""The login screen end to end against the fake backend: SMS code, password, wrong
password, lockout, two-step verification, registration, backing out."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fake_backend.context import Ctx
from fake_backend.services import auth
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.account.real_name import RealNameScreen
from kshop_tui.widgets.header import ShopHeader
from kshop_tui.widgets.strength import StrengthMeter
from tests.tui.helpers import notifications, settle, text_of

DEMO_PHONE = "13800138000"
DEMO_PASSWORD = "demo1234"
NEW_PHONE = "13912345678"


def latest_code(ctx: Ctx, phone: str, purpose: str) -> str:
    """The newest code the fake SMS gateway sent to `phone` for `purpose`."""
    code = ctx.db.scalar(
        "SELECT code FROM sms_codes WHERE phone = ? AND purpose = ? ORDER BY id DESC LIMIT 1",
        (phone, purpose),
    )
    assert isinstance(code, str)
    return code


async def open_login(app: KshopApp, pilot: Pilot[None], results: list[bool | None]) -> LoginScreen:
    """Pushes the login screen the way `ensure_login` does, collecting what it dismisses
    with (a callback instead of a waiting worker, so workers can be awaited)."""
    await app.workers.wait_for_complete()
    screen = LoginScreen()
    await app.push_screen(screen, results.append)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def header_who(app: KshopApp) -> str:
    return str(app.screen.query_one(ShopHeader).query_one("#who", Static).render())


async def test_login_by_sms_code(make_app: Callable[..., KshopApp], backend_ctx: Ctx) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        assert app.focused is screen.query_one("#sms-phone", Input)
        await pilot.press(*DEMO_PHONE)  # type the phone
        await pilot.press("ctrl+g")  # get a code
        await settle(pilot)
        code = latest_code(backend_ctx, DEMO_PHONE, "login")
        assert f"Demo SMS: your code is {code}" in notifications(app)
        assert app.focused is screen.query_one("#sms-code", Input)
        assert screen.query_one("#sms-send").disabled  # the 60 s countdown runs
        await pilot.press(*code)  # type the code
        await pilot.press("enter")  # log in
        await settle(pilot)
        assert results == [True]
        assert app.user is not None and app.user.phone == DEMO_PHONE
        assert header_who(app) == "138****8000"


async def test_login_by_password(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("ctrl+t")  # the password method
        assert app.focused is screen.query_one("#pw-phone", Input)
        await pilot.press(*DEMO_PHONE, "tab")  # phone, then the password box
        await pilot.press(*DEMO_PASSWORD, "enter")  # password, log in
        await settle(pilot)
        assert results == [True]
        assert app.user is not None and app.user.phone_masked == "138****8000"
        assert header_who(app) == "138****8000"
        assert "Welcome back, 138****8000." in notifications(app)


async def test_switching_method_moves_the_cursor_before_the_new_tab_is_painted(
    make_app: Callable[..., KshopApp],
) -> None:
    """Over SSH a user types as soon as the password tab shows; the keys must land in its
    field, so the focus moves with the switch itself, not a message later."""
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press(*DEMO_PHONE)
        screen.action_next_method()  # ctrl+t, with no message handled after it
        assert app.focused is screen.query_one("#pw-password", Input)


async def test_wrong_password_shows_attempts_left_and_keeps_the_form(
    make_app: Callable[..., KshopApp],
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("ctrl+t")  # the password method
        await pilot.press(*DEMO_PHONE, "tab")  # phone, then the password box
        await pilot.press(*"wrong1234", "enter")  # a wrong password
        await settle(pilot)
        hint = screen.query_one("#pw-password-hint", Static)
        assert "4 attempts left" in str(hint.render())
        assert hint.has_class("-error")
        assert screen.query_one("#pw-phone", Input).value == DEMO_PHONE
        assert screen.query_one("#pw-password", Input).value == "wrong1234"
        assert results == [] and app.user is None


async def test_five_wrong_passwords_lock_the_phone(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("ctrl+t")  # the password method
        await pilot.press(*DEMO_PHONE, "tab", *"wrong1234")  # phone and a wrong password
        for _ in range(5):
            await pilot.press("enter")  # try it again
            await settle(pilot)
        assert "locked for 15 more minutes" in text_of(screen, "#general")
        assert screen.query_one("#pw-phone", Input).value == DEMO_PHONE


async def test_two_step_verification(make_app: Callable[..., KshopApp], backend_ctx: Ctx) -> None:
    backend_ctx.db.execute("UPDATE users SET two_factor_enabled = 1 WHERE phone = ?", (DEMO_PHONE,))
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        code_box = screen.query_one("#pw-code", Input)
        code_row = code_box.parent
        assert code_row is not None
        await pilot.press("ctrl+t")  # the password method
        assert not code_row.display
        await pilot.press(*DEMO_PHONE, "tab", *DEMO_PASSWORD, "enter")  # phone, password, log in
        await settle(pilot)
        assert results == []
        assert code_row.display and app.focused is code_box
        assert "Two-step verification" in text_of(screen, "#general")
        await pilot.press("ctrl+g")  # get the two-step code
        await settle(pilot)
        await pilot.press(*latest_code(backend_ctx, DEMO_PHONE, "login"))  # type it
        await pilot.press("enter")  # log in again
        await settle(pilot)
        assert results == [True]
        assert app.user is not None and app.user.two_factor_enabled


async def test_register_then_skip_real_name(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("ctrl+t", "ctrl+t")  # the register method
        assert app.focused is screen.query_one("#reg-phone", Input)
        await pilot.press(*NEW_PHONE, "ctrl+g")  # phone, get a code
        await settle(pilot)
        await pilot.press(*latest_code(backend_ctx, NEW_PHONE, "register"), "tab")  # the code
        await pilot.press(*"abcd1234", "tab")  # a password
        assert screen.query_one(StrengthMeter).score == 2
        await pilot.press(*"abcd1234", "enter")  # the same again, register
        await settle(pilot)
        assert isinstance(app.screen, RealNameScreen)
        assert app.user is not None and app.user.phone == NEW_PHONE
        # Said on the card: no toast over its fields and Verify button at 80×24.
        assert "new-user coupon" in text_of(app.screen, "#rn-welcome")
        assert notifications(app) == []
        await pilot.press("escape")  # skip real-name verification for now
        await settle(pilot)
        assert results == [True]
        assert header_who(app) == "139****5678"
    coupons = backend_ctx.db.scalar(
        "SELECT COUNT(*) FROM user_coupons JOIN users ON users.id = user_coupons.user_id"
        " WHERE users.phone = ?",
        (NEW_PHONE,),
    )
    assert coupons == 1


async def test_register_refuses_a_mismatched_confirmation(
    make_app: Callable[..., KshopApp],
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("ctrl+t", "ctrl+t")  # the register method
        await pilot.press(*NEW_PHONE, "tab", *"123456")  # phone, a code
        await pilot.press("tab", "tab")  # past the send button to the password
        await pilot.press(*"abcd1234", "tab", *"abcd9999", "enter")  # two different passwords
        await settle(pilot)
        hint = screen.query_one("#reg-confirm-hint", Static)
        assert hint.has_class("-error") and "differ" in str(hint.render())
        assert app.focused is screen.query_one("#reg-confirm", Input)
        assert app.user is None


async def test_registering_a_taken_phone_says_so_by_the_phone(
    make_app: Callable[..., KshopApp],
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press("ctrl+t", "ctrl+t")  # the register method
        await pilot.press(*DEMO_PHONE, "ctrl+g")  # a registered phone, get a code
        await settle(pilot)
        hint = screen.query_one("#reg-phone-hint", Static)
        assert hint.has_class("-error") and "already registered" in str(hint.render())


async def test_unregistered_phone_offers_to_register(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press(*NEW_PHONE, "ctrl+g")  # an unknown phone, get a code
        await settle(pilot)
        await pilot.press(*latest_code(backend_ctx, NEW_PHONE, "login"), "enter")  # log in
        await settle(pilot)
        assert "not registered" in text_of(screen, "#sms-phone-hint")
        assert screen.query_one("#reg-phone", Input).value == NEW_PHONE
        assert results == []


async def test_server_retry_after_holds_the_send_button(
    make_app: Callable[..., KshopApp], backend_ctx: Ctx
) -> None:
    auth.send_sms_code(backend_ctx, DEMO_PHONE, "login")  # a code sent a moment ago elsewhere
    backend_ctx.clock.advance(20)
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        await pilot.press(*DEMO_PHONE, "ctrl+g")  # phone, get a code
        await settle(pilot)
        assert "try again in 40 s" in text_of(screen, "#sms-code-hint")
        send = screen.query_one("#sms-send")
        assert send.disabled and "40" in str(send.label)


async def test_fields_are_checked_quietly_while_typing_and_loudly_on_submit(
    make_app: Callable[..., KshopApp],
) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        phone_hint = screen.query_one("#sms-phone-hint", Static)
        await pilot.press(*"1380")  # a phone half typed
        assert "11 digits" in str(phone_hint.render())
        assert not phone_hint.has_class("-error")
        await pilot.press("enter")  # submit anyway
        await settle(pilot)
        assert phone_hint.has_class("-error")
        assert screen.query_one("#sms-code-hint", Static).has_class("-error")
        assert app.focused is screen.query_one("#sms-phone", Input)
        await pilot.press(*"0138000")  # finish the phone
        assert str(phone_hint.render()) == "✓" and phone_hint.has_class("-ok")


async def test_escape_backs_out_with_false(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_login(app, pilot, results)
        await pilot.press(*DEMO_PHONE)  # start typing
        await pilot.press("escape")  # change your mind
        await settle(pilot)
        assert results == [False]
        assert app.user is None
        assert not isinstance(app.screen, LoginScreen)


async def test_navigation_keys_do_not_leave_the_login(make_app: Callable[..., KshopApp]) -> None:
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        screen.query_one("#submit").focus()
        await pilot.press("c", "b", "slash")  # cart, browse, search: ignored here
        await settle(pilot)
        assert app.screen is screen and results == []


async def test_ensure_login_answers_true_after_a_login(make_app: Callable[..., KshopApp]) -> None:
    """The app's own door: `ensure_login` waits on the screen and reads its answer."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        worker = app.run_worker(app.shop.ensure_login(), group="test-login")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        await pilot.press("ctrl+t", *DEMO_PHONE, "tab", *DEMO_PASSWORD, "enter")  # log in
        assert await worker.wait() is True
        await pilot.pause()
        assert header_who(app) == "138****8000"


async def test_keys_typed_in_one_burst_after_tab_land_in_the_next_field(
    make_app: Callable[..., KshopApp],
) -> None:
    """Over SSH a whole line of typing arrives in one packet, and the driver posts its
    keys to the app one after another. Tab must have moved the focus before the next key
    is handed to the focused field: a binding that ran only once the Tab had bubbled back
    up from the field left the password in the code field (seen in served sessions)."""
    app = make_app()
    results: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_login(app, pilot, results)
        app.post_message(events.Key("tab", None))
        for digit in "123":
            app.post_message(events.Key(digit, digit))
        app.post_message(events.Key("shift+tab", None))
        app.post_message(events.Key("9", "9"))
        await settle(pilot)
        assert screen.query_one("#sms-code", Input).value == "123"
        assert screen.query_one("#sms-phone", Input).value == "9"
