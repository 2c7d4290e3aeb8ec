"""Account rules without a screen: the login password change, the payment password,
logging out, SSH key fingerprints."""

from __future__ import annotations

import pytest

from kshop_tui.api import errors
from kshop_tui.shop.flows import account


@pytest.mark.parametrize(
    ("name", "values", "problem"),
    [
        ("current", {"current": ""}, "valid.required"),
        ("current", {"current": "anything"}, None),
        ("new", {"current": "demo1234", "new": "short1"}, "valid.password_short"),
        ("new", {"current": "demo1234", "new": "demo1234"}, "account.password.same"),
        ("new", {"current": "demo1234", "new": "Better2026"}, None),
        ("confirm", {"new": "Better2026", "confirm": "Better"}, "valid.password_mismatch"),
        ("confirm", {"new": "Better2026", "confirm": "Better2026"}, None),
    ],
)
def test_password_change_problems(name: str, values: dict[str, str], problem: str | None) -> None:
    assert account.password_change_problem(name, values) == problem


@pytest.mark.parametrize(
    ("pin", "problem"),
    [
        ("", "paypw.required"),
        ("12345", "paypw.six"),
        ("1234567", "paypw.six"),
        ("12345a", "paypw.six"),
        ("１２３４５６", "paypw.six"),  # full-width digits are digits, not ASCII ones
        ("123456", None),
    ],
)
def test_a_pin_is_six_ascii_digits(pin: str, problem: str | None) -> None:
    assert account.check_pin(pin) == problem


def test_a_new_pin_is_typed_twice_alike() -> None:
    values = {"new": "123456", "repeat": "654321"}
    assert account.pin_problem("repeat", values, has_one=False) == "paypw.mismatch"
    assert account.pin_problem("repeat", {**values, "repeat": "123456"}, has_one=False) is None
    # A malformed repeat says so first.
    assert account.pin_problem("repeat", {**values, "repeat": "1"}, has_one=False) == "paypw.six"


def test_a_changed_pin_differs_from_the_current_one() -> None:
    values = {"current": "123456", "new": "123456", "repeat": "123456"}
    assert account.pin_problem("new", values, has_one=True) == "paypw.same"
    assert account.pin_problem("new", {**values, "new": "111111"}, has_one=True) is None
    assert account.pin_problem("current", values, has_one=True) is None


def test_logging_out_here_stands_whatever_the_server_says() -> None:
    for error in (errors.BackendUnreachable("gone"), errors.ServerError("boom")):
        assert account.logged_out_despite(error, everywhere=False)


def test_logging_out_everywhere_needs_the_server_unless_the_login_had_expired() -> None:
    assert not account.logged_out_despite(errors.BackendUnreachable("gone"), everywhere=True)
    assert not account.logged_out_despite(errors.ServerError("boom"), everywhere=True)
    expired = errors.AuthExpired("expired", code="TOKEN_EXPIRED", status=401)
    assert account.logged_out_despite(expired, everywhere=True)


def test_a_long_fingerprint_is_shortened_to_tell_keys_apart() -> None:
    long = "SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz"
    assert account.short_fingerprint(long) == "SHA256:AbCd…wxyz"
    assert account.short_fingerprint("SHA256:short") == "SHA256:short"
