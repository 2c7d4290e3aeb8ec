"""Account and security rules: a new login password, the six-digit payment password,
logging out, and how a linked SSH key is told apart. Problems are i18n keys."""

from __future__ import annotations

from collections.abc import Mapping

from kshop_tui import validation
from kshop_tui.api import errors

PIN_LENGTH = 6


def password_change_problem(name: str, values: Mapping[str, str]) -> str | None:
    """What is wrong with field `name` of a password change (`current`, `new`, `confirm`):
    the new password must be strong and differ from the current one."""
    value = values.get(name, "")
    if name == "new":
        problem = validation.check_password(value)
        if problem is None and value == values.get("current", ""):
            return "account.password.same"
        return problem
    if name == "confirm":
        return validation.check_confirmation(values.get("new", ""), value)
    return None if value else "valid.required"


def check_pin(pin: str) -> str | None:
    """None for six ASCII digits, else the i18n key of what is wrong."""
    if not pin:
        return "paypw.required"
    return None if len(pin) == PIN_LENGTH and pin.isascii() and pin.isdigit() else "paypw.six"


def pin_problem(name: str, values: Mapping[str, str], *, has_one: bool) -> str | None:
    """What is wrong with field `name` of a payment-password change (`current` when one
    is set, `new`, `repeat`): the new one typed twice alike, and not the current one."""
    value = values.get(name, "")
    problem = check_pin(value)
    if problem is not None:
        return problem
    if name == "repeat" and value != values.get("new", ""):
        return "paypw.mismatch"
    if name == "new" and has_one and value == values.get("current", ""):
        return "paypw.same"
    return None


def logged_out_despite(error: errors.ApiError, *, everywhere: bool) -> bool:
    """Whether a refused logout still logs out here. This device forgets its token
    whatever the server says; logging out everywhere needs the server to revoke every
    session first, unless the login had expired anyway."""
    return not everywhere or isinstance(error, errors.AuthExpired)


def short_fingerprint(fingerprint: str) -> str:
    """`SHA256:AbCd…wxyz`: enough to tell keys apart at a glance."""
    if len(fingerprint) <= 20:
        return fingerprint
    return f"{fingerprint[:11]}…{fingerprint[-4:]}"
