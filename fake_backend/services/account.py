"""The account (`/me`): profile view, two-step verification, real-name verification,
login and payment passwords, and the 5-strikes / 15-minute lockouts of docs/api.md §2."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, field_error, not_found
from fake_backend.seed_data import DEMO_PHONE
from fake_backend.services import rules
from fake_backend.storage import users

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
# Payment passwords verified right lately, per process (rules.RememberedMatches says why
# that is safe): a payment's PBKDF2 (18 ms of CPU) is paid once per buyer and password.
PAYMENT_PASSWORD_MATCHES = rules.RememberedMatches()
PROVIDER_LABELS = {"wechat": ("微信", "WeChat"), "qq": ("QQ", "QQ")}


def shape_ok(pattern: re.Pattern[str], text: str) -> bool:
    """`pattern` matches all of `text`, in ASCII only.

    Used with `match`, `rules`' patterns also accept full-width digits ("１３８…") and a
    trailing newline; what is checked here must be plain ASCII and nothing more.
    """
    return text.isascii() and pattern.fullmatch(text) is not None


def valid_phone(phone: str) -> bool:
    return shape_ok(rules.PHONE_RE, phone)


def me_view(ctx: Ctx, user_id: int, lang: str) -> dict[str, Any]:
    """The `/me` shape; also the `user` of every login answer."""
    user = users.user_by_id(ctx.db, user_id)
    if user is None:
        raise not_found("user")
    real_name = user["real_name"]
    return {
        "id": user["id"],
        "phone": user["phone"],
        "phone_masked": rules.mask_phone(user["phone"]),
        "nickname": user["nickname"],
        "real_name_verified": real_name is not None,
        "real_name_masked": rules.mask_name(real_name) if real_name is not None else None,
        "id_number_masked": user["id_number_masked"],
        "two_factor_enabled": bool(user["two_factor_enabled"]),
        "has_payment_password": user["payment_password_hash"] is not None,
        "created_at": iso(user["created_at"]),
        "guest": bool(user["guest"]),
        "linked_logins": [
            {
                "provider": link["provider"],
                "label": link["label"] or _provider_label(link["provider"], lang),
                "created_at": iso(link["created_at"]),
            }
            for link in users.linked_logins(ctx.db, user_id)
        ],
    }


def _provider_label(provider: str, lang: str) -> str:
    zh, en = PROVIDER_LABELS.get(provider, (provider, provider))
    return zh if lang == "zh" else en


# Lockouts


def locked_error(locked_until: float | None, now: float) -> ApiError | None:
    """LOCKED with the seconds left, while `locked_until` is ahead of `now`."""
    if locked_until is None or locked_until <= now:
        return None
    return ApiError("LOCKED", retry_after=math.ceil(locked_until - now))


def ensure_login_unlocked(ctx: Ctx, phone: str) -> None:
    error = locked_error(users.login_lock(ctx.db, phone), ctx.now())
    if error is not None:
        raise error


def record_login_failure(ctx: Ctx, phone: str, wrong: Callable[[int], ApiError]) -> ApiError:
    """Counts a wrong code or password for `phone` and answers the error to raise.

    The count is committed here, before the caller raises, so the refusal keeps it: call
    this outside any transaction. The fifth failure locks the phone for 15 minutes;
    before that the answer is `wrong(attempts_left)`.
    """
    must_commit_alone(ctx, "record_login_failure")
    with ctx.db.tx():
        failures = users.add_login_failure(ctx.db, phone)
        if failures >= MAX_FAILURES:
            users.lock_login(ctx.db, phone, ctx.now() + LOCK_SECONDS)
            return ApiError("LOCKED", retry_after=LOCK_SECONDS)
    return wrong(MAX_FAILURES - failures)


def must_commit_alone(ctx: Ctx, what: str) -> None:
    """Refuses to run a failure count inside a caller's transaction, whose rollback on
    the refusal would undo the count (and the lockout would never come)."""
    if ctx.db.in_transaction():
        raise RuntimeError(f"{what} must run outside ctx.db.tx(): its count has to commit")


def _nothing_to_clear(ctx: Ctx, user_id: int) -> bool:
    """No wrong payment password counted and no lockout recorded, as last committed (read
    after the hashing, so a failure counted meanwhile is seen and reset as before)."""
    row = users.pay_failure_state(ctx.db, user_id)
    return row is not None and row["pay_failures"] == 0 and row["pay_locked_until"] is None


def attempts_error(code: str) -> Callable[[int], ApiError]:
    """A `wrong` for `record_login_failure`: `code` carrying attempts_left."""

    def make(attempts_left: int) -> ApiError:
        return ApiError(code, attempts_left=attempts_left, details={"attempts_left": attempts_left})

    return make


# Profile settings


def keep_published_demo_credentials(ctx: Ctx, user_id: int, from_visitor: bool) -> None:
    """A visitor of a served shop may use the published demo account but not change how
    it is entered (password, payment password, two-step verification): that would lock
    every later visitor out of it."""
    user = users.user_by_id(ctx.db, user_id)
    if from_visitor and user is not None and user["phone"] == DEMO_PHONE:
        raise ApiError("DEMO_ACCOUNT_PROTECTED")


def set_two_factor(
    ctx: Ctx, user_id: int, enabled: bool, password: str | None, lang: str
) -> dict[str, Any]:
    """Turns two-step verification on or off; off needs the login password, whose wrong
    guesses count towards the phone's lockout like any other."""
    if not enabled:
        user = users.user_by_id(ctx.db, user_id)
        if user is None:
            raise not_found("user")
        if password is None:
            raise field_error("password", "required")
        ensure_login_unlocked(ctx, user["phone"])
        if not rules.verify_secret(password, user["password_hash"]):
            raise record_login_failure(ctx, user["phone"], attempts_error("WRONG_PASSWORD"))
    with ctx.db.tx():
        users.set_two_factor(ctx.db, user_id, enabled)
    return me_view(ctx, user_id, lang)


def verify_real_name(
    ctx: Ctx, user_id: int, name: str, id_number: str, lang: str
) -> dict[str, Any]:
    """Real-name verification: a Chinese name and a GB 11643-valid ID (a real birth date,
    the check character); only the masked ID is kept. Once verified it cannot be changed
    (409 ALREADY_VERIFIED)."""
    id_number = id_number.upper()
    problems = FieldErrors()
    if rules.CHINESE_NAME_RE.fullmatch(name) is None:
        problems.add("name", "bad_name")
    if not (id_number.isascii() and rules.valid_id_number(id_number, ctx.now())):
        problems.add("id_number", "bad_id_number")
    problems.raise_if_any()
    with ctx.db.tx():
        if not users.set_real_name(ctx.db, user_id, name, rules.mask_id_number(id_number)):
            raise ApiError("ALREADY_VERIFIED")
    return me_view(ctx, user_id, lang)


def change_password(
    ctx: Ctx,
    user_id: int,
    keep_token_hash: str,
    current_password: str,
    new_password: str,
    lang: str,
) -> dict[str, Any]:
    """Changes the login password and logs out every other session.

    A wrong current password counts towards the phone's login lockout, so a stolen
    session cannot be used to guess the password.
    """
    if not rules.strong_password(new_password):
        raise field_error("new_password", "weak_password")
    user = users.user_by_id(ctx.db, user_id)
    if user is None:
        raise not_found("user")
    ensure_login_unlocked(ctx, user["phone"])
    if not rules.verify_secret(current_password, user["password_hash"]):
        raise record_login_failure(ctx, user["phone"], attempts_error("WRONG_PASSWORD"))
    # The current password is right here, so equal strings mean an unchanged password.
    if new_password == current_password:
        raise field_error("new_password", "same_as_current")
    with ctx.db.tx():
        users.set_password_hash(ctx.db, user_id, rules.hash_secret(new_password))
        users.clear_login_failures(ctx.db, user["phone"])
        users.revoke_other_sessions(ctx.db, user_id, keep_token_hash)
    return me_view(ctx, user_id, lang)


def set_payment_password(
    ctx: Ctx,
    user_id: int,
    payment_password: str,
    current_payment_password: str | None,
    lang: str,
) -> dict[str, Any]:
    """Sets the 6-digit payment password; changing one needs the current one."""
    if not shape_ok(rules.PAYMENT_PASSWORD_RE, payment_password):
        raise field_error("payment_password", "bad_payment_password")
    user = users.user_by_id(ctx.db, user_id)
    if user is None:
        raise not_found("user")
    if user["payment_password_hash"] is not None:
        if current_payment_password is None:
            raise field_error("current_payment_password", "required")
        verify_payment_password(ctx, user_id, current_payment_password)
        if payment_password == current_payment_password:
            raise field_error("payment_password", "same_as_current")
    with ctx.db.tx():
        users.set_payment_password_hash(ctx.db, user_id, rules.hash_secret(payment_password))
    return me_view(ctx, user_id, lang)


def verify_payment_password(ctx: Ctx, user_id: int, password: str | None) -> None:
    """Checks the payment password before money leaves by balance or bank card.

    Raises PAYMENT_PASSWORD_NOT_SET when none is set, LOCKED (429) while locked, a 422
    naming `payment_password` when it is missing, WRONG_PAYMENT_PASSWORD (403, with
    details.attempts_left) when wrong, and LOCKED for 15 minutes on the fifth wrong one.
    A right one resets the count.

    It commits the failure count in its own transaction, so the count survives the
    refusal: callers must call it OUTSIDE any `ctx.db.tx()` (inside one, the raise would
    roll the count back and the lockout would never come).
    """
    must_commit_alone(ctx, "verify_payment_password")
    user = users.user_by_id(ctx.db, user_id)
    if user is None:
        raise not_found("user")
    stored_hash = user["payment_password_hash"]
    if stored_hash is None:
        raise ApiError("PAYMENT_PASSWORD_NOT_SET")
    locked = locked_error(user["pay_locked_until"], ctx.now())
    if locked is not None:
        raise locked
    if password is None:
        raise field_error("payment_password", "required")
    # Hashing is slow on purpose; do it before taking the write lock.
    matches = PAYMENT_PASSWORD_MATCHES.verify(password, stored_hash)
    if matches and _nothing_to_clear(ctx, user_id):
        return  # no count to reset, no lock: the writer is not needed
    with ctx.db.tx():
        locked = locked_error(users.pay_locked_until(ctx.db, user_id), ctx.now())
        if locked is not None:
            raise locked
        if matches:
            users.clear_pay_failures(ctx.db, user_id)
            return
        failures = users.add_pay_failure(ctx.db, user_id)
        if failures >= MAX_FAILURES:
            users.lock_payments(ctx.db, user_id, ctx.now() + LOCK_SECONDS)
            failure = ApiError("LOCKED", retry_after=LOCK_SECONDS)
        else:
            failure = attempts_error("WRONG_PAYMENT_PASSWORD")(MAX_FAILURES - failures)
    raise failure
