"""Getting a session: SMS codes, code and password logins (with two-step verification
and the per-phone lockout), registration, password reset, QR logins through WeChat/QQ,
logging out, and the fake SMS outbox.

Codes are 6 random digits, valid 5 minutes, single use and bound to a purpose; only the
newest code of a purpose counts. Every wrong code or password for a phone counts towards
its 5-strikes lockout (docs/api.md §2), whichever endpoint it came through.
"""

from __future__ import annotations

import hmac
import math
import secrets
import sqlite3
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, field_error, not_found
from fake_backend.seed_data import DEMO_PHONE
from fake_backend.services import coupons, limits, rules, sessions
from fake_backend.services.account import (
    attempts_error,
    ensure_login_unlocked,
    me_view,
    record_login_failure,
    shape_ok,
    valid_phone,
)
from fake_backend.storage import users

SMS_CODE_LIFETIME = 300
SMS_RESEND_SECONDS = 60
OUTBOX_LIMIT = 200
# What a served shop's visitor may read from the demo outbox, for a phone with no account.
VISITOR_CODE_PURPOSES = frozenset({"register", "guest"})
OAUTH_LIFETIME = 300
OAUTH_POLL_INTERVAL = 2
# provider -> prefix of the fake openid it links
OAUTH_PROVIDERS = {"wechat": "wx", "qq": "qq"}


# SMS codes


def send_sms_code(
    ctx: Ctx, phone: str, purpose: str, client: str = limits.UNNAMED_CLIENT
) -> dict[str, Any]:
    """Sends (into the fake outbox) a new code: one per phone per 60 s of backend clock,
    and within `limits.SMS_PER_PHONE` and the requesting client's `limits.SMS_PER_CLIENT`."""
    if not valid_phone(phone):
        raise field_error("phone", "bad_phone")
    if purpose == "register" and users.user_by_phone(ctx.db, phone) is not None:
        raise ApiError("PHONE_TAKEN")
    code = f"{secrets.randbelow(10**6):06d}"
    with ctx.db.tx():
        now = ctx.now()
        last_sent = users.last_sms_sent_at(ctx.db, phone)
        if last_sent is not None and now - last_sent < SMS_RESEND_SECONDS:
            wait = math.ceil(SMS_RESEND_SECONDS - (now - last_sent))
            raise ApiError("RATE_LIMITED", retry_after=wait)
        limits.take(ctx, limits.SMS_PER_PHONE, phone)
        limits.take(ctx, limits.SMS_PER_CLIENT, client)
        users.insert_sms_code(ctx.db, phone, purpose, code, now, now + SMS_CODE_LIFETIME)
    return {"sent": True, "expires_in": SMS_CODE_LIFETIME, "retry_after": SMS_RESEND_SECONDS}


def take_code(ctx: Ctx, phone: str, purpose: str, code: str) -> bool:
    """Spends `code` if it is the phone's newest, unused, unexpired code for `purpose`."""
    with ctx.db.tx():
        latest = users.latest_sms_code(ctx.db, phone, purpose)
        if (
            latest is None
            or latest["used"]
            or latest["expires_at"] <= ctx.now()
            or not hmac.compare_digest(latest["code"], code)
        ):
            return False
        users.mark_sms_code_used(ctx.db, latest["id"])
        return True


def wrong_code(attempts_left: int) -> ApiError:
    return ApiError(
        "VALIDATION_ERROR",
        details={"fields": {"code": ("wrong_code", {})}, "attempts_left": attempts_left},
    )


def _outbox_message(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "phone": row["phone"],
        "purpose": row["purpose"],
        "code": row["code"],
        "sent_at": iso(row["sent_at"]),
    }


def sms_outbox(ctx: Ctx, phone: str | None) -> dict[str, Any]:
    """What the fake SMS gateway has sent, newest last."""
    return {
        "messages": [_outbox_message(row) for row in users.sms_outbox(ctx.db, phone, OUTBOX_LIMIT)]
    }


def sms_outbox_for_visitor(ctx: Ctx, phone: str | None) -> dict[str, Any]:
    """The outbox as a served shop's visitor may see it: the register and guest codes of
    one phone, while no account has it. A code for logging in, two-step verification or a
    reset goes to an account's owner alone: shown, it would let anyone into any account;
    a guest code of an account's phone would show that account's guest orders."""
    if phone is None or users.user_by_phone(ctx.db, phone) is not None:
        return {"messages": []}
    rows = users.sms_outbox(ctx.db, phone, OUTBOX_LIMIT)
    return {
        "messages": [
            _outbox_message(row) for row in rows if row["purpose"] in VISITOR_CODE_PURPOSES
        ]
    }


# Logging in and registering


def _session_answer(ctx: Ctx, user_id: int, lang: str) -> dict[str, Any]:
    adopt_guest_orders(ctx, user_id)
    token, expires_at = sessions.issue(ctx, user_id)
    return {"token": token, "expires_at": iso(expires_at), "user": me_view(ctx, user_id, lang)}


def adopt_guest_orders(ctx: Ctx, user_id: int) -> None:
    """Moves the orders placed as a guest with the account's phone into the account
    (docs/api.md §7.4): at registration, and at any later login, for orders a guest placed
    with the phone after the account existed."""
    user = users.user_by_id(ctx.db, user_id)
    if user is None or user["guest"]:
        return
    guest = users.user_by_phone(ctx.db, sessions.GUEST_PHONE_PREFIX + user["phone"])
    if guest is not None:
        with ctx.db.tx():
            users.adopt_guest(ctx.db, guest["id"], user_id)


def login(
    ctx: Ctx, phone: str, code: str | None, password: str | None, lang: str
) -> dict[str, Any]:
    """`{phone, code}` or `{phone, password}` (plus `code` under two-step verification)."""
    problems = FieldErrors()
    if not valid_phone(phone):
        problems.add("phone", "bad_phone")
    if code is None and password is None:
        problems.add("code", "code_or_password").add("password", "code_or_password")
    if code is not None and not shape_ok(rules.CODE_RE, code):
        problems.add("code", "bad_code")
    problems.raise_if_any()
    ensure_login_unlocked(ctx, phone)
    if password is not None:
        return _password_login(ctx, phone, password, code, lang)
    assert code is not None  # refused above when both are missing
    return _code_login(ctx, phone, code, lang)


def _code_login(ctx: Ctx, phone: str, code: str, lang: str) -> dict[str, Any]:
    user = users.user_by_phone(ctx.db, phone)
    with ctx.db.tx():
        right = take_code(ctx, phone, "login", code)
        if right and user is not None:
            users.clear_login_failures(ctx.db, phone)
            return _session_answer(ctx, user["id"], lang)
    if right:
        raise ApiError("NOT_REGISTERED")
    raise record_login_failure(ctx, phone, attempts_error("INVALID_CREDENTIALS"))


def _password_login(
    ctx: Ctx, phone: str, password: str, code: str | None, lang: str
) -> dict[str, Any]:
    user = users.user_by_phone(ctx.db, phone)
    if user is None or not rules.verify_secret(password, user["password_hash"]):
        raise record_login_failure(ctx, phone, attempts_error("INVALID_CREDENTIALS"))
    # Only a caller who knows the password learns whether two-step verification is on.
    if not user["two_factor_enabled"]:
        if code is not None:
            raise field_error("code", "code_or_password")
        with ctx.db.tx():
            users.clear_login_failures(ctx.db, phone)
            return _session_answer(ctx, user["id"], lang)
    if code is None:
        raise ApiError("TWO_FACTOR_REQUIRED")
    with ctx.db.tx():
        if take_code(ctx, phone, "login", code):
            users.clear_login_failures(ctx.db, phone)
            return _session_answer(ctx, user["id"], lang)
    raise record_login_failure(ctx, phone, attempts_error("INVALID_CREDENTIALS"))


def register(ctx: Ctx, phone: str, code: str, password: str, lang: str) -> dict[str, Any]:
    """A new account from a register-purpose code; it gets the new-user coupon."""
    problems = FieldErrors()
    if not valid_phone(phone):
        problems.add("phone", "bad_phone")
    if not shape_ok(rules.CODE_RE, code):
        problems.add("code", "bad_code")
    if not rules.strong_password(password):
        problems.add("password", "weak_password")
    problems.raise_if_any()
    ensure_login_unlocked(ctx, phone)
    password_hash = rules.hash_secret(password)
    with ctx.db.tx():
        if users.user_by_phone(ctx.db, phone) is not None:
            raise ApiError("PHONE_TAKEN")
        if take_code(ctx, phone, "register", code):
            user_id = users.insert_user(
                ctx.db, phone, f"用户{phone[-4:]}", password_hash, ctx.now()
            )
            coupons.grant_new_user(ctx, user_id)
            users.clear_login_failures(ctx.db, phone)
            return _session_answer(ctx, user_id, lang)
    raise record_login_failure(ctx, phone, wrong_code)


def reset_password(ctx: Ctx, phone: str, code: str, new_password: str) -> dict[str, Any]:
    """A new login password from a reset-purpose code; every session is logged out."""
    problems = FieldErrors()
    if not valid_phone(phone):
        problems.add("phone", "bad_phone")
    if not shape_ok(rules.CODE_RE, code):
        problems.add("code", "bad_code")
    if not rules.strong_password(new_password):
        problems.add("new_password", "weak_password")
    problems.raise_if_any()
    ensure_login_unlocked(ctx, phone)
    user = users.user_by_phone(ctx.db, phone)
    password_hash = rules.hash_secret(new_password)
    with ctx.db.tx():
        right = take_code(ctx, phone, "reset", code)
        if right and user is not None:
            users.set_password_hash(ctx.db, user["id"], password_hash)
            users.clear_login_failures(ctx.db, phone)
            sessions.revoke_all(ctx, user["id"])
            return {"ok": True}
    if right:
        raise ApiError("NOT_REGISTERED")
    raise record_login_failure(ctx, phone, wrong_code)


def logout(ctx: Ctx, token_hash: str) -> dict[str, Any]:
    sessions.revoke(ctx, token_hash)
    return {"ok": True}


def logout_all(ctx: Ctx, user_id: int) -> dict[str, Any]:
    """Logs the user out everywhere, the calling session included."""
    sessions.revoke_all(ctx, user_id)
    return {"ok": True}


# QR logins (WeChat / QQ): the device-code flow


def start_oauth(ctx: Ctx, provider: str, client: str = limits.UNNAMED_CLIENT) -> dict[str, Any]:
    """A device code for a QR login; within the client's `limits.QR_LOGINS_PER_CLIENT`."""
    if provider not in OAUTH_PROVIDERS:
        raise not_found("oauth_provider")
    device_code = secrets.token_urlsafe(24)
    now = ctx.now()
    with ctx.db.tx():
        limits.take(ctx, limits.QR_LOGINS_PER_CLIENT, client)
        users.insert_oauth_device(ctx.db, device_code, provider, now, now + OAUTH_LIFETIME)
    return {
        "device_code": device_code,
        "qr_payload": f"kshop-oauth://{provider}/{device_code}",
        "interval": OAUTH_POLL_INTERVAL,
        "expires_in": OAUTH_LIFETIME,
    }


def _qr_used() -> ApiError:
    return ApiError(
        "CONFLICT",
        reason_zh="该二维码已使用，请刷新",
        reason_en="This QR code has already been used; get a new one",
        details={"reason": "qr_used"},
    )


def _usable_device(ctx: Ctx, device_code: str) -> sqlite3.Row:
    device = users.oauth_device(ctx.db, device_code)
    if device is None:
        raise not_found("device_code")
    if device["consumed"]:
        raise _qr_used()
    if device["expires_at"] <= ctx.now():
        raise ApiError("QR_EXPIRED")
    return device


def poll_oauth(ctx: Ctx, device_code: str, lang: str) -> dict[str, Any] | None:
    """The session once the QR code is approved (only once), None while pending."""
    with ctx.db.tx():
        device = _usable_device(ctx, device_code)
        if device["approved_user_id"] is None:
            return None
        users.consume_oauth_device(ctx.db, device_code)
        return _session_answer(ctx, device["approved_user_id"], lang)


def approve_oauth(ctx: Ctx, device_code: str, phone: str) -> dict[str, Any]:
    """What scanning the QR code in the WeChat/QQ app does (a `/_dev` action)."""
    if not valid_phone(phone):
        raise field_error("phone", "bad_phone")
    with ctx.db.tx():
        device = _usable_device(ctx, device_code)
        if device["approved_user_id"] is not None:
            raise ApiError(
                "CONFLICT",
                reason_zh="该二维码已确认登录",
                reason_en="This QR code has already been approved",
                details={"reason": "qr_approved"},
            )
        user = users.user_by_phone(ctx.db, phone)
        if user is None:
            raise not_found("user")
        _approve(ctx, device_code, device["provider"], user["id"])
    return {"ok": True}


def _approve(ctx: Ctx, device_code: str, provider: str, user_id: int) -> None:
    users.approve_oauth_device(ctx.db, device_code, user_id)
    external_id = f"{OAUTH_PROVIDERS[provider]}-openid-{user_id}"
    users.link_login(ctx.db, user_id, provider, external_id, "", ctx.now())


def simulate(ctx: Ctx) -> None:
    """The demo user "scans" QR codes that have waited `delays["oauth_approve"]` seconds."""
    demo = users.user_by_phone(ctx.db, DEMO_PHONE)
    if demo is None:
        return
    now = ctx.now()
    with ctx.db.tx():
        waiting = users.pending_oauth_devices(ctx.db, now - ctx.delays["oauth_approve"], now)
        for device in waiting:
            _approve(ctx, device["device_code"], device["provider"], demo["id"])
