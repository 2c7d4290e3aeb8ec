"""Pilot tests of account and security: change the password (a wrong current one is
refused next to its field), set and change the payment password, two-step verification,
logging out everywhere."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Switch

from fake_backend.context import Ctx
from fake_backend.services import rules, sessions
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.change_password import ChangePasswordModal
from kshop_tui.screens.account.payment_password import SetPaymentPasswordDialog
from kshop_tui.screens.account.settings import AccountScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.screens.secret_prompt import SecretPromptModal
from tests.tui.helpers import settle, text_of
from tests.tui.test_wallet import new_user

MakeApp = Callable[..., KshopApp]


async def test_change_password_wrong_current_is_refused_next_to_the_field_then_changed(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("p")  # change the password
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ChangePasswordModal)
        await pilot.press(*"wrong1234")  # not the current password
        await pilot.press("tab")  # to the new one
        await pilot.press(*"Better2026!")  # a strong new password
        assert "Strong" in str(modal.query_one("#cpw-strength").render())
        await pilot.press("tab")  # to the confirmation
        await pilot.press(*"Better2026!")  # the same again
        await pilot.press("enter")  # change it
        await settle(pilot)
        assert app.screen is modal
        assert "current password is wrong" in text_of(modal, "#cpw-current-hint")
        assert modal.query_one("#cpw-new", Input).value == "Better2026!"
        modal.query_one("#cpw-current", Input).value = "demo1234"
        await pilot.press("enter")  # again, with the right current password
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
    stored = backend_ctx.db.scalar("SELECT password_hash FROM users WHERE id = 1")
    assert rules.verify_secret("Better2026!", stored)


async def test_set_the_payment_password_for_a_new_account_then_change_it(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    user_id, token = new_user(backend_ctx)
    app = make_app(token=token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert "Not set" in text_of(screen, "#ac-pay-password-value")
        await pilot.press("m")  # set a payment password
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SetPaymentPasswordDialog) and not modal.has_one
        await pilot.press(*"246810")  # six digits: focus moves on by itself
        await pilot.press(*"246811")  # a different second entry
        await pilot.press("enter")  # save
        await settle(pilot)
        assert "differ" in text_of(modal, "#pp-repeat-hint")
        await pilot.press("backspace", "0")  # fix the second entry
        await pilot.press("enter")  # save
        await settle(pilot)
        assert app.screen is screen
        assert "set" in text_of(screen, "#ac-pay-password-value")
        stored = backend_ctx.db.scalar(
            "SELECT payment_password_hash FROM users WHERE id = ?", (user_id,)
        )
        assert rules.verify_secret("246810", stored)
        await pilot.press("m")  # change it: the current one is asked for now
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SetPaymentPasswordDialog) and modal.has_one
        await pilot.press(*"111111")  # a wrong current one
        await pilot.press(*"135790")  # the new one
        await pilot.press(*"135790")  # and again
        await pilot.press("enter")  # save
        await settle(pilot)
        assert "Wrong payment password" in text_of(modal, "#pp-current-hint")
        assert modal.query_one("#pp-new", Input).value == "135790"
        modal.query_one("#pp-current", Input).value = "246810"
        await pilot.press("enter")  # save with the right current one
        await settle(pilot)
        assert app.screen is screen
    stored = backend_ctx.db.scalar(
        "SELECT payment_password_hash FROM users WHERE id = ?", (user_id,)
    )
    assert rules.verify_secret("135790", stored)


async def test_two_step_verification_toggle_persists(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        await pilot.press("t")  # two-step verification on
        await settle(pilot)
        assert backend_ctx.db.scalar("SELECT two_factor_enabled FROM users WHERE id = 1") == 1
        assert "SMS code" in text_of(screen, "#ac-two-factor-value")
        await pilot.press("t")  # and off again: the login password confirms it
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, SecretPromptModal)
        await pilot.press(*"wrong999", "enter")  # a wrong password: still on
        await settle(pilot)
        assert "4 attempts left" in text_of(prompt, "#sp-status")
        assert backend_ctx.db.scalar("SELECT two_factor_enabled FROM users WHERE id = 1") == 1
        await pilot.press(*"demo1234", "enter")  # the right one
        await settle(pilot)
        assert app.screen is screen
        assert backend_ctx.db.scalar("SELECT two_factor_enabled FROM users WHERE id = 1") == 0
        assert "Off" in text_of(screen, "#ac-two-factor-value")


async def test_backing_out_of_turning_two_step_off_leaves_it_on(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    backend_ctx.db.execute("UPDATE users SET two_factor_enabled = 1 WHERE id = 1")
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("t")  # off? the password is asked for
        await settle(pilot)
        assert isinstance(app.screen, SecretPromptModal)
        await pilot.press("escape")  # changed my mind
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#ac-two-factor", Switch).value is True
    assert backend_ctx.db.scalar("SELECT two_factor_enabled FROM users WHERE id = 1") == 1


async def test_log_out_everywhere_revokes_every_session(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    sessions.issue(backend_ctx, 1)  # logged in on another device too
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # log out everywhere
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert app.user is not None
        await pilot.press("e")  # log out everywhere
        await settle(pilot)
        await pilot.press("y")  # yes
        await settle(pilot)
        assert app.user is None
        assert not isinstance(app.screen, AccountScreen)
    rows = backend_ctx.db.all("SELECT revoked FROM sessions WHERE user_id = 1")
    assert len(rows) == 2 and all(row["revoked"] == 1 for row in rows)


async def test_profile_shows_the_masked_phone_and_linked_logins(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    with backend_ctx.db.tx():
        backend_ctx.db.execute(
            "INSERT INTO linked_logins(user_id, provider, external_id, label, created_at)"
            " VALUES (1, 'wechat', 'wx-1', '', ?)",
            (backend_ctx.clock.now(),),
        )
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert text_of(screen, "#ac-phone-value") == "138****8000"
        assert "verified" in text_of(screen, "#ac-real-name-value")
        assert "WeChat" in text_of(screen, "#ac-linked")
