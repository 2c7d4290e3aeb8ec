"""Logging in: which fields each way of logging in asks for and what is wrong with them,
the request it sends, when a phone may be sent another code, where a refusal is shown,
and what the bundled backend's demo tells a user (or a visitor of a served demo).

Fields go by the backend's names (`phone`, `code`, `password`), plus `confirm`: the new
password typed again when registering, checked here only.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from kshop_tui import validation
from kshop_tui.api import errors
from kshop_tui.i18n import t, tn
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import clean

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.clock import ServerClock
    from kshop_tui.api.models import GuestLoginResult, LoginResult, SmsMessage

Method = Literal["sms", "password", "register", "guest"]
# What each way of logging in sends, by the backend's field names.
SENT_FIELDS: dict[Method, tuple[str, ...]] = {
    "sms": ("phone", "code"),
    "password": ("phone", "password", "code"),
    "register": ("phone", "code", "password"),
    "guest": ("phone", "code"),
}


def fields_to_check(method: Method, *, two_factor: bool) -> tuple[str, ...]:
    """The fields that must be right before logging in. A password login asks for a code
    only once the account has asked for one (`two_factor`)."""
    if method in ("sms", "guest"):
        return ("phone", "code")
    if method == "password":
        return ("phone", "password", "code") if two_factor else ("phone", "password")
    return ("phone", "code", "password", "confirm")


def field_problem(method: Method, name: str, values: Mapping[str, str]) -> str | None:
    """The i18n key of what is wrong with field `name` (given all the method's values),
    or None. Only a new password must be strong; one typed to log in must only be there."""
    value = values.get(name, "")
    if name == "phone":
        return validation.check_phone(value)
    if name == "code":
        return validation.check_code(value)
    if name == "password" and method == "register":
        return validation.check_password(value)
    if name == "confirm":
        return validation.check_confirmation(values.get("password", ""), value)
    return None if value else "valid.required"


def login_request(
    method: Method, values: Mapping[str, str], *, two_factor: bool
) -> Callable[[KshopClient], Awaitable[LoginResult]]:
    """The call that logs in (or registers) with these values."""
    phone = values["phone"]
    if method == "sms":
        code = values["code"]
        return lambda api: api.login_with_code(phone, code)
    if method == "guest":
        guest_code = values["code"]

        async def as_guest(api: KshopClient) -> LoginResult:
            return guest_session(await api.guest_login(phone, guest_code))

        return as_guest
    if method == "password":
        password = values["password"]
        two_factor_code = values["code"] if two_factor else None
        return lambda api: api.login_with_password(phone, password, two_factor_code)
    code, new_password = values["code"], values["password"]
    return lambda api: api.register(phone, code, new_password)


def guest_session(result: GuestLoginResult) -> LoginResult:
    """A guest login as the session keeps any login: its user marked `guest`, named by
    the phone's last digits."""
    from kshop_tui.api.models import LoginResult, User

    guest = result.user
    user = User(
        id=guest.id,
        phone=guest.phone,
        phone_masked=guest.phone_masked,
        nickname=t("login.guest_nickname", last4=guest.phone[-4:]),
        guest=True,
    )
    return LoginResult(token=result.token, expires_at=result.expires_at, user=user)


class CodeResends:
    """When each phone may be sent another code, on the backend's clock (the backend
    says how long to wait, when it sends one and when it refuses one)."""

    def __init__(self) -> None:
        self._resend_at: dict[str, float] = {}

    def wait(self, phone: str, seconds: float, clock: ServerClock) -> None:
        """No new code for `phone` for `seconds` from now."""
        self._resend_at[phone] = clock.now() + seconds

    def seconds_left(self, phone: str, clock: ServerClock) -> int:
        """Whole seconds until `phone` may be sent another code (0: now)."""
        resend_at = self._resend_at.get(phone)
        if resend_at is None:
            return 0
        return max(0, math.ceil(clock.seconds_until(resend_at)))


@dataclass(frozen=True)
class Refusal:
    """Where a refused login (or code request) is shown and what the form does next."""

    # Field name → the words under it.
    fields: dict[str, str] = field(default_factory=dict)
    # The line under the form; None leaves it as it is.
    general: str | None = None
    general_is_error: bool = True
    # The field to go to.
    focus: str | None = None
    # The account asks for a code as well as the password: show that field.
    ask_two_factor: bool = False
    # The phone has no account: offer registering it.
    offer_register: bool = False


def place_refusal(error: errors.ApiError, method: Method, *, two_factor: bool) -> Refusal:
    """A refusal next to the field it concerns when the form shows that field, else on
    the general line; the words are the backend's."""
    message = error_words(error)
    if isinstance(error, errors.ValidationFailed) and error.fields:
        return _place_field_refusals(error, method, two_factor=two_factor)
    if isinstance(error, errors.CredentialsRejected):
        return _place_rejection(error.code, message, method, two_factor=two_factor)
    if isinstance(error, errors.RateLimited) and error.code == "LOCKED":
        return Refusal(general=tn("login.locked", max(1, math.ceil(error.retry_after / 60))))
    if isinstance(error, errors.Conflict) and error.code == "PHONE_TAKEN":
        return Refusal(
            fields={"phone": message}, general=t("login.phone_taken_hint"), general_is_error=False
        )
    if isinstance(error, errors.BackendUnreachable):
        return Refusal(general=t("backend.unreachable"))
    return Refusal(general=message)


def _place_field_refusals(
    error: errors.ValidationFailed, method: Method, *, two_factor: bool
) -> Refusal:
    shown = set(SENT_FIELDS[method])
    if method == "password" and not two_factor:
        shown.discard("code")  # its field is still hidden
    attempts = error.details.get("attempts_left")
    fields: dict[str, str] = {}
    general = None
    for name, field_message in error.fields.items():
        words = clean(field_message)
        if name == "code" and isinstance(attempts, int):
            words = tn("login.with_attempts", attempts, message=words)
        if name in shown:
            fields[name] = words
        else:
            general = words
    return Refusal(fields=fields, general=general)


def _place_rejection(code: str, message: str, method: Method, *, two_factor: bool) -> Refusal:
    if code == "TWO_FACTOR_REQUIRED":
        return Refusal(general=message, general_is_error=False, focus="code", ask_two_factor=True)
    if code == "NOT_REGISTERED":
        return Refusal(
            fields={"phone": message},
            general=t("login.register_instead"),
            general_is_error=False,
            offer_register=True,
        )
    if method == "sms":
        return Refusal(fields={"code": message}, focus="code")
    if method == "password" and not two_factor:
        return Refusal(fields={"password": message}, focus="password")
    return Refusal(general=message)


# --- the bundled backend's demo ------------------------------------------------------


def demo_hints(*, served: bool) -> tuple[str, str]:
    """How to get in without a real phone: the line under the form and the side panel's.
    A served demo shows a visitor only the codes for registering a new phone."""
    if served:
        return t("login.demo_hint_served"), t("login.aside_demo_served")
    return t("login.demo_hint"), t("login.aside_demo")


@dataclass(frozen=True)
class DemoSms:
    """What the demo says once a code was sent: the code itself, or why it is kept back."""

    message: str
    withheld: bool = False


def demo_sms(messages: Sequence[SmsMessage], purpose: str, *, served: bool) -> DemoSms | None:
    """The latest code for `purpose` from the bundled backend's SMS outbox (it stands in
    for the user's phone). A served demo keeps an existing account's codes from its
    visitors: they are told so. None when there is nothing to say."""
    codes = [message.code for message in messages if message.purpose == purpose]
    if codes:
        return DemoSms(t("login.demo_sms", code=codes[-1]))
    if served:
        return DemoSms(t("login.demo_sms_withheld"), withheld=True)
    return None
