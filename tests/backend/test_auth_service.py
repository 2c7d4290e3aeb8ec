"""Auth and account rules at service level (no HTTP), on the frozen backend clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import account, auth, sessions
from fake_backend.services.rules import sha256
from tests.conftest import DEMO_USER_ID

DEMO_PHONE = "13800138000"
NEW_PHONE = "13698765432"
CLIENT = "203.0.113.7"  # the requester's address, for the per-client limits


def outbox_code(ctx: Ctx, phone: str) -> str:
    return str(auth.sms_outbox(ctx, phone)["messages"][-1]["code"])


def refusal(call: Callable[..., object], *args: object) -> ApiError:
    """The ApiError a service call raises."""
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def pay_state(ctx: Ctx) -> tuple[int, float | None]:
    row = ctx.db.one(
        "SELECT pay_failures, pay_locked_until FROM users WHERE id = ?", (DEMO_USER_ID,)
    )
    assert row is not None
    return row["pay_failures"], row["pay_locked_until"]


# SMS codes


def test_sms_rate_limit_counts_down_on_the_backend_clock(ctx: Ctx) -> None:
    assert auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)["sent"] is True
    ctx.clock.advance(59.5)
    error = refusal(auth.send_sms_code, ctx, DEMO_PHONE, "login", CLIENT)
    assert error.code == "RATE_LIMITED" and error.retry_after == 1
    ctx.clock.advance(0.5)
    auth.send_sms_code(ctx, DEMO_PHONE, "reset", CLIENT)
    assert [m["purpose"] for m in auth.sms_outbox(ctx, DEMO_PHONE)["messages"]] == [
        "login",
        "reset",
    ]


def test_codes_are_random_six_digit_strings(ctx: Ctx) -> None:
    codes = set()
    for index in range(20):
        phone = f"1370000{index:04d}"
        # From 20 clients: one may ask for 10 codes in 10 minutes (test_limits.py).
        auth.send_sms_code(ctx, phone, "login", f"203.0.113.{index}")
        codes.add(outbox_code(ctx, phone))
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 1


def test_code_expiry_and_single_use_at_service_level(ctx: Ctx) -> None:
    auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)
    code = outbox_code(ctx, DEMO_PHONE)
    ctx.clock.advance(300)
    assert refusal(auth.login, ctx, DEMO_PHONE, code, None, "zh").code == "INVALID_CREDENTIALS"

    auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)
    fresh = outbox_code(ctx, DEMO_PHONE)
    assert auth.login(ctx, DEMO_PHONE, fresh, None, "zh")["user"]["id"] == DEMO_USER_ID
    assert refusal(auth.login, ctx, DEMO_PHONE, fresh, None, "zh").code == "INVALID_CREDENTIALS"
    used = ctx.db.scalar(
        "SELECT used FROM sms_codes WHERE code = ? AND phone = ?", (fresh, DEMO_PHONE)
    )
    assert used == 1


# Login lockout


def test_login_lockout_and_release(ctx: Ctx) -> None:
    for attempts_left in (4, 3, 2, 1):
        error = refusal(auth.login, ctx, DEMO_PHONE, None, "wrong123", "zh")
        assert error.code == "INVALID_CREDENTIALS" and error.details == {
            "attempts_left": attempts_left
        }
    locked = refusal(auth.login, ctx, DEMO_PHONE, None, "wrong123", "zh")
    assert locked.code == "LOCKED" and locked.status == 429 and locked.retry_after == 900
    assert refusal(auth.login, ctx, DEMO_PHONE, None, "demo1234", "zh").code == "LOCKED"
    ctx.clock.advance(600)
    assert refusal(auth.login, ctx, DEMO_PHONE, None, "demo1234", "zh").retry_after == 300
    ctx.clock.advance(300)
    assert auth.login(ctx, DEMO_PHONE, None, "demo1234", "zh")["user"]["id"] == DEMO_USER_ID
    assert ctx.db.scalar("SELECT COUNT(*) FROM login_failures WHERE phone = ?", (DEMO_PHONE,)) == 0


def test_wrong_reset_codes_lock_the_phone_too(ctx: Ctx) -> None:
    for _ in range(4):
        assert refusal(auth.reset_password, ctx, DEMO_PHONE, "000000", "fresh2026").status == 422
    assert refusal(auth.reset_password, ctx, DEMO_PHONE, "000000", "fresh2026").code == "LOCKED"
    assert refusal(auth.login, ctx, DEMO_PHONE, None, "demo1234", "zh").code == "LOCKED"


def test_two_factor_login_at_service_level(ctx: Ctx) -> None:
    account.set_two_factor(ctx, DEMO_USER_ID, True, None, "zh")
    assert (
        refusal(auth.login, ctx, DEMO_PHONE, None, "demo1234", "zh").code == "TWO_FACTOR_REQUIRED"
    )
    # Knowing the password but not the code is no failure of the password.
    assert ctx.db.scalar("SELECT COUNT(*) FROM login_failures") == 0
    auth.send_sms_code(ctx, DEMO_PHONE, "login", CLIENT)
    answer = auth.login(ctx, DEMO_PHONE, outbox_code(ctx, DEMO_PHONE), "demo1234", "zh")
    assert answer["user"]["two_factor_enabled"] is True


# Registration, reset, sessions


def test_register_stores_hashes_and_grants_the_new_user_coupon(ctx: Ctx) -> None:
    auth.send_sms_code(ctx, NEW_PHONE, "register", CLIENT)
    code = outbox_code(ctx, NEW_PHONE)
    answer = auth.register(ctx, NEW_PHONE, code, "abc12345", "en")
    user_id = answer["user"]["id"]
    row = ctx.db.one("SELECT nickname, password_hash FROM users WHERE id = ?", (user_id,))
    assert row is not None and row["nickname"] == "用户5432"
    assert "abc12345" not in row["password_hash"]
    assert (
        ctx.db.scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", (answer["token"],)) == 0
    )
    assert (
        ctx.db.scalar(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = ?", (sha256(answer["token"]),)
        )
        == 1
    )
    granted = ctx.db.scalar(
        "SELECT COUNT(*) FROM user_coupons c JOIN coupon_templates t ON t.id = c.template_id"
        " WHERE c.user_id = ? AND t.kind = 'new_user'",
        (user_id,),
    )
    assert granted >= 1
    assert refusal(auth.register, ctx, NEW_PHONE, code, "abc12345", "en").code == "PHONE_TAKEN"


def test_reset_revokes_every_session(ctx: Ctx) -> None:
    token, _ = sessions.issue(ctx, DEMO_USER_ID)
    auth.send_sms_code(ctx, DEMO_PHONE, "reset", CLIENT)
    assert auth.reset_password(ctx, DEMO_PHONE, outbox_code(ctx, DEMO_PHONE), "fresh2026") == {
        "ok": True
    }
    assert refusal(sessions.resolve, ctx, token).code == "UNAUTHENTICATED"
    assert auth.login(ctx, DEMO_PHONE, None, "fresh2026", "zh")["user"]["id"] == DEMO_USER_ID


def test_password_change_revokes_other_sessions_only(ctx: Ctx) -> None:
    kept, _ = sessions.issue(ctx, DEMO_USER_ID)
    other, _ = sessions.issue(ctx, DEMO_USER_ID)
    account.change_password(ctx, DEMO_USER_ID, sha256(kept), "demo1234", "better2026", "zh")
    assert sessions.resolve(ctx, kept).id == DEMO_USER_ID
    assert refusal(sessions.resolve, ctx, other).code == "UNAUTHENTICATED"


def test_logout_all_revokes_the_user_sessions(ctx: Ctx) -> None:
    first, _ = sessions.issue(ctx, DEMO_USER_ID)
    second, _ = sessions.issue(ctx, DEMO_USER_ID)
    auth.logout_all(ctx, DEMO_USER_ID)
    assert refusal(sessions.resolve, ctx, first).code == "UNAUTHENTICATED"
    assert refusal(sessions.resolve, ctx, second).code == "UNAUTHENTICATED"


# QR logins


def test_oauth_poll_pending_then_session_once(ctx: Ctx) -> None:
    device_code = auth.start_oauth(ctx, "wechat", CLIENT)["device_code"]
    assert auth.poll_oauth(ctx, device_code, "zh") is None
    auth.approve_oauth(ctx, device_code, DEMO_PHONE)
    answer = auth.poll_oauth(ctx, device_code, "zh")
    assert answer is not None and answer["user"]["linked_logins"][0]["label"] == "微信"
    assert sessions.resolve(ctx, answer["token"]).id == DEMO_USER_ID
    assert refusal(auth.poll_oauth, ctx, device_code, "zh").code == "CONFLICT"
    assert refusal(auth.start_oauth, ctx, "github", CLIENT).code == "NOT_FOUND"


def test_simulate_approves_only_after_the_delay_and_before_expiry(ctx: Ctx) -> None:
    ready = auth.start_oauth(ctx, "qq", CLIENT)["device_code"]
    ctx.clock.advance(ctx.delays["oauth_approve"])
    fresh = auth.start_oauth(ctx, "wechat", CLIENT)["device_code"]
    auth.simulate(ctx)
    approved = {
        row["device_code"]: row["approved_user_id"]
        for row in ctx.db.all("SELECT device_code, approved_user_id FROM oauth_devices")
    }
    assert approved == {ready: DEMO_USER_ID, fresh: None}
    link = ctx.db.one(
        "SELECT provider, external_id FROM linked_logins WHERE user_id = ?", (DEMO_USER_ID,)
    )
    assert link is not None and tuple(link) == ("qq", f"qq-openid-{DEMO_USER_ID}")
    ctx.clock.advance(300)
    auth.simulate(ctx)
    assert (
        ctx.db.scalar("SELECT approved_user_id FROM oauth_devices WHERE device_code = ?", (fresh,))
        is None
    )


# Payment password (the payments area calls verify_payment_password)


def test_verify_payment_password_right_one_passes_and_resets_the_count(ctx: Ctx) -> None:
    refusal(account.verify_payment_password, ctx, DEMO_USER_ID, "000000")
    assert pay_state(ctx) == (1, None)
    account.verify_payment_password(ctx, DEMO_USER_ID, "123456")
    assert pay_state(ctx) == (0, None)


def test_verify_payment_password_locks_after_five_wrong_and_releases(ctx: Ctx) -> None:
    for attempts_left in (4, 3, 2, 1):
        error = refusal(account.verify_payment_password, ctx, DEMO_USER_ID, "000000")
        assert error.code == "WRONG_PAYMENT_PASSWORD" and error.status == 403
        assert error.details == {"attempts_left": attempts_left}
        assert error.params["attempts_left"] == attempts_left
    assert pay_state(ctx)[0] == 4  # the count survived the refusals
    locked = refusal(account.verify_payment_password, ctx, DEMO_USER_ID, "000000")
    assert locked.code == "LOCKED" and locked.retry_after == 900
    still = refusal(account.verify_payment_password, ctx, DEMO_USER_ID, "123456")
    assert still.code == "LOCKED"
    ctx.clock.advance(899)
    assert refusal(account.verify_payment_password, ctx, DEMO_USER_ID, "123456").retry_after == 1
    ctx.clock.advance(1)
    account.verify_payment_password(ctx, DEMO_USER_ID, "123456")
    assert pay_state(ctx) == (0, None)


def test_verify_payment_password_refusals_without_counting(ctx: Ctx) -> None:
    missing = refusal(account.verify_payment_password, ctx, DEMO_USER_ID, None)
    assert missing.status == 422 and missing.details["fields"] == {
        "payment_password": ("required", {})
    }
    assert pay_state(ctx) == (0, None)
    ctx.db.execute("UPDATE users SET payment_password_hash = NULL WHERE id = ?", (DEMO_USER_ID,))
    not_set = refusal(account.verify_payment_password, ctx, DEMO_USER_ID, "123456")
    assert not_set.code == "PAYMENT_PASSWORD_NOT_SET" and not_set.status == 403


def test_verify_payment_password_inside_a_transaction_is_refused(ctx: Ctx) -> None:
    """Inside one, the refusal's rollback would lose the count: it says so instead."""
    with pytest.raises(RuntimeError, match="outside"), ctx.db.tx():
        account.verify_payment_password(ctx, DEMO_USER_ID, "000000")
    assert pay_state(ctx) == (0, None)


def test_set_payment_password_resets_a_lock(ctx: Ctx) -> None:
    ctx.db.execute("UPDATE users SET pay_failures = 3 WHERE id = ?", (DEMO_USER_ID,))
    account.set_payment_password(ctx, DEMO_USER_ID, "654321", "123456", "zh")
    assert pay_state(ctx) == (0, None)
    account.verify_payment_password(ctx, DEMO_USER_ID, "654321")
