"""Account and security rules: a new login password, the six-digit payment password,
logging out, how a linked SSH key is told apart, and what a new access token needs.
Problems are i18n keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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


# --- personal access tokens (issue 18) ---------------------------------------------------

TOKEN_SCOPES = ("read", "order", "pay")
MAX_TOKEN_NAME = 40
MIN_TOKEN_DAYS, MAX_TOKEN_DAYS = 1, 365
DEFAULT_TOKEN_DAYS = 30


def token_name_problem(name: str) -> str | None:
    """1–40 characters once trimmed, none of them a control character."""
    name = name.strip()
    if not name:
        return "tokens.name_required"
    if len(name) > MAX_TOKEN_NAME:
        return "tokens.name_too_long"
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in name):
        return "tokens.name_invalid"
    return None


def token_days_problem(days: str) -> str | None:
    """A whole number of days from MIN_TOKEN_DAYS to MAX_TOKEN_DAYS."""
    days = days.strip()
    if not days:
        return "tokens.days_required"
    if not (days.isascii() and days.isdigit()) or not (
        MIN_TOKEN_DAYS <= int(days) <= MAX_TOKEN_DAYS
    ):
        return "tokens.days_range"
    return None


def token_scopes_problem(scopes: Sequence[str]) -> str | None:
    return None if any(scope in TOKEN_SCOPES for scope in scopes) else "tokens.scopes_required"


def chosen_scopes(scopes: Iterable[str]) -> list[str]:
    """The known scopes among `scopes`, each once, in TOKEN_SCOPES order."""
    wanted = set(scopes)
    return [scope for scope in TOKEN_SCOPES if scope in wanted]
