"""The login flow's rules, without a screen: fields, requests, the resend wait on the
backend's clock, where refusals go, and what the demo says."""

from __future__ import annotations

from typing import Any

import pytest

from kshop_tui.api import errors
from kshop_tui.api.clock import ServerClock
from kshop_tui.api.models import SmsMessage
from kshop_tui.i18n import t, tn
from kshop_tui.shop.flows import login as login_flow
from kshop_tui.shop.flows.login import Refusal

PHONE = "13800138000"


def test_a_password_login_asks_for_the_code_only_once_the_account_does() -> None:
    assert login_flow.fields_to_check("password", two_factor=False) == ("phone", "password")
    assert login_flow.fields_to_check("password", two_factor=True) == (
        "phone",
        "password",
        "code",
    )
    assert login_flow.fields_to_check("sms", two_factor=True) == ("phone", "code")
    assert login_flow.fields_to_check("register", two_factor=False) == (
        "phone",
        "code",
        "password",
        "confirm",
    )


@pytest.mark.parametrize(
    ("method", "name", "values", "problem"),
    [
        ("sms", "phone", {"phone": "1380013"}, "valid.phone"),
        ("sms", "phone", {"phone": PHONE}, None),
        ("sms", "code", {"code": "12345"}, "valid.code"),
        # A password typed to log in has no rule but being there...
        ("password", "password", {"password": "x"}, None),
        ("password", "password", {"password": ""}, "valid.required"),
        # ...a new one must be strong, and typed twice alike.
        ("register", "password", {"password": "abcdefgh"}, "valid.password_mix"),
        ("register", "password", {"password": "Abcd1234"}, None),
        (
            "register",
            "confirm",
            {"password": "Abcd1234", "confirm": "Abcd12"},
            "valid.password_mismatch",
        ),
        ("register", "confirm", {"password": "Abcd1234", "confirm": "Abcd1234"}, None),
    ],
)
def test_field_problems(
    method: login_flow.Method, name: str, values: dict[str, str], problem: str | None
) -> None:
    assert login_flow.field_problem(method, name, values) == problem


class RecordingApi:
    """Records which login call a request makes, and with what."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any) -> None:
            self.calls.append((name, args))

        return call


@pytest.mark.parametrize(
    ("method", "two_factor", "call"),
    [
        ("sms", False, ("login_with_code", (PHONE, "123456"))),
        ("password", False, ("login_with_password", (PHONE, "pw1234", None))),
        ("password", True, ("login_with_password", (PHONE, "pw1234", "123456"))),
        ("register", False, ("register", (PHONE, "123456", "pw1234"))),
    ],
)
async def test_each_way_of_logging_in_sends_its_own_request(
    method: login_flow.Method, two_factor: bool, call: tuple[str, tuple[Any, ...]]
) -> None:
    values = {"phone": PHONE, "code": "123456", "password": "pw1234", "confirm": "pw1234"}
    api = RecordingApi()
    request = login_flow.login_request(method, values, two_factor=two_factor)
    await request(api)  # type: ignore[arg-type]
    assert api.calls == [call]


def test_the_resend_wait_counts_down_on_the_backends_clock() -> None:
    now = [1000.0]
    clock = ServerClock(wall=lambda: now[0])
    resends = login_flow.CodeResends()
    assert resends.seconds_left(PHONE, clock) == 0
    resends.wait(PHONE, 60, clock)
    assert resends.seconds_left(PHONE, clock) == 60
    assert resends.seconds_left("13900139000", clock) == 0  # another phone may have one
    now[0] = 1059.5
    assert resends.seconds_left(PHONE, clock) == 1  # a part of a second still counts
    now[0] = 1060.0
    assert resends.seconds_left(PHONE, clock) == 0
    now[0] = 2000.0
    assert resends.seconds_left(PHONE, clock) == 0


def invalid(fields: dict[str, str], **details: Any) -> errors.ValidationFailed:
    return errors.ValidationFailed(
        "invalid", code="VALIDATION", details={"fields": fields, **details}
    )


def test_a_refused_field_lands_under_it_while_the_form_shows_it() -> None:
    error = invalid({"phone": "bad phone", "code": "wrong code"}, attempts_left=2)
    refusal = login_flow.place_refusal(error, "sms", two_factor=False)
    code_words = t("login.with_attempts", message="wrong code", count=2)
    assert refusal == Refusal(fields={"phone": "bad phone", "code": code_words})


def test_a_refused_code_of_a_password_login_goes_on_the_general_line_until_asked_for() -> None:
    error = invalid({"code": "wrong code"})
    hidden = login_flow.place_refusal(error, "password", two_factor=False)
    assert hidden == Refusal(general="wrong code")
    shown = login_flow.place_refusal(error, "password", two_factor=True)
    assert shown == Refusal(fields={"code": "wrong code"})


def test_a_field_the_form_does_not_have_goes_on_the_general_line() -> None:
    refusal = login_flow.place_refusal(invalid({"nickname": "no"}), "sms", two_factor=False)
    assert refusal == Refusal(general="no")


def rejected(code: str) -> errors.CredentialsRejected:
    return errors.CredentialsRejected(f"said {code}", code=code, status=401)


def test_an_account_asking_for_a_code_reveals_its_field() -> None:
    refusal = login_flow.place_refusal(
        rejected("TWO_FACTOR_REQUIRED"), "password", two_factor=False
    )
    assert refusal.ask_two_factor and refusal.focus == "code"
    assert refusal.general == "said TWO_FACTOR_REQUIRED" and not refusal.general_is_error


def test_an_unknown_phone_is_offered_registering() -> None:
    refusal = login_flow.place_refusal(rejected("NOT_REGISTERED"), "sms", two_factor=False)
    assert refusal.offer_register and refusal.fields == {"phone": "said NOT_REGISTERED"}
    assert refusal.general == t("login.register_instead") and not refusal.general_is_error


@pytest.mark.parametrize(
    ("method", "two_factor", "expected"),
    [
        ("sms", False, Refusal(fields={"code": "said WRONG"}, focus="code")),
        ("password", False, Refusal(fields={"password": "said WRONG"}, focus="password")),
        ("password", True, Refusal(general="said WRONG")),
    ],
)
def test_wrong_credentials_are_shown_at_what_was_wrong(
    method: login_flow.Method, two_factor: bool, expected: Refusal
) -> None:
    assert login_flow.place_refusal(rejected("WRONG"), method, two_factor=two_factor) == expected


def test_a_locked_account_says_for_how_many_whole_minutes() -> None:
    locked = errors.RateLimited("locked", retry_after=61, code="LOCKED")
    assert login_flow.place_refusal(locked, "password", two_factor=False) == Refusal(
        general=tn("login.locked", 2)
    )
    soon = errors.RateLimited("locked", retry_after=5, code="LOCKED")
    assert login_flow.place_refusal(soon, "password", two_factor=False).general == tn(
        "login.locked", 1
    )


def test_a_taken_phone_is_refused_under_the_phone_with_a_hint() -> None:
    taken = errors.Conflict("taken", code="PHONE_TAKEN")
    assert login_flow.place_refusal(taken, "register", two_factor=False) == Refusal(
        fields={"phone": "taken"}, general=t("login.phone_taken_hint"), general_is_error=False
    )


def test_other_failures_go_on_the_general_line_in_plain_words() -> None:
    gone = errors.BackendUnreachable("connect failed")
    assert login_flow.place_refusal(gone, "sms", two_factor=False) == Refusal(
        general=t("backend.unreachable")
    )
    odd = errors.ServerError("[b]boom[/b]\x1b[31m")
    assert login_flow.place_refusal(odd, "sms", two_factor=False).general == "[b]boom[/b]"


def sms(purpose: str, code: str) -> SmsMessage:
    return SmsMessage(phone=PHONE, purpose=purpose, code=code, sent_at="2026-11-24T02:00:00Z")


def test_the_demo_shows_the_latest_code_for_what_it_was_sent_for() -> None:
    messages = [sms("login", "111111"), sms("register", "222222"), sms("login", "333333")]
    notice = login_flow.demo_sms(messages, "login", served=False)
    assert notice == login_flow.DemoSms(t("login.demo_sms", code="333333"))


def test_a_served_demo_tells_its_visitor_why_no_code_is_shown() -> None:
    withheld = login_flow.demo_sms([sms("register", "222222")], "login", served=True)
    assert withheld == login_flow.DemoSms(t("login.demo_sms_withheld"), withheld=True)
    assert login_flow.demo_sms([], "login", served=False) is None


def test_a_served_demo_has_its_own_hints() -> None:
    assert login_flow.demo_hints(served=True) == (
        t("login.demo_hint_served"),
        t("login.aside_demo_served"),
    )
    assert login_flow.demo_hints(served=False) == (t("login.demo_hint"), t("login.aside_demo"))
    assert login_flow.demo_hints(served=True) != login_flow.demo_hints(served=False)
