"""Client-side checks: each answers None or the i18n key of what is wrong, and agrees
with the backend's rules."""

from __future__ import annotations

import datetime

import pytest

from fake_backend.services import rules
from kshop_rules.identity import id_check_char
from kshop_tui.i18n import en, zh_CN
from kshop_tui.validation import (
    check_chinese_name,
    check_code,
    check_confirmation,
    check_id_number,
    check_password,
    check_phone,
    password_strength,
)


@pytest.mark.parametrize(
    ("phone", "problem"),
    [
        ("13800138000", None),
        ("19912345678", None),
        ("", "valid.required"),
        ("1380013800", "valid.phone"),
        ("138001380001", "valid.phone"),
        ("12800138000", "valid.phone"),
        ("23800138000", "valid.phone"),
        ("１３８００１３８０００", "valid.phone"),  # full-width digits
        ("1380013800a", "valid.phone"),
    ],
)
def test_phone(phone: str, problem: str | None) -> None:
    assert check_phone(phone) == problem


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("123456", None),
        ("", "valid.required"),
        ("12345", "valid.code"),
        ("1234567", "valid.code"),
        ("12345a", "valid.code"),
        ("１２３４５６", "valid.code"),
    ],
)
def test_code(code: str, problem: str | None) -> None:
    assert check_code(code) == problem


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("abcd1234", None),
        ("", "valid.required"),
        ("abc123", "valid.password_short"),
        ("abcdefgh", "valid.password_mix"),
        ("12345678", "valid.password_mix"),
        ("密码密码密码12", None),  # letters need not be Latin, as on the backend
    ],
)
def test_password_rules_match_the_backend(password: str, problem: str | None) -> None:
    assert check_password(password) == problem
    assert (problem is None) == rules.strong_password(password)


def test_confirmation() -> None:
    assert check_confirmation("abcd1234", "abcd1234") is None
    assert check_confirmation("abcd1234", "") == "valid.required"
    assert check_confirmation("abcd1234", "abcd1235") == "valid.password_mismatch"


@pytest.mark.parametrize(
    ("password", "score"),
    [
        ("", 0),
        ("abc", 1),
        ("abcdefgh", 1),
        ("abcd1234", 2),
        ("abcd12345678", 3),
        ("Abcd1234", 3),
        ("abcd1234!", 3),
        ("Abcd1234!", 4),
        ("Abcd1234!xyz", 4),
    ],
)
def test_strength(password: str, score: int) -> None:
    assert password_strength(password) == score


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("王小明", None),
        ("欧阳娜娜", None),
        ("阿依古丽·买买提", None),
        ("", "valid.required"),
        ("王", "valid.chinese_name"),
        ("Wang", "valid.chinese_name"),
        ("王 小明", "valid.chinese_name"),
        ("王" * 21, "valid.chinese_name"),
    ],
)
def test_chinese_name(name: str, problem: str | None) -> None:
    assert check_chinese_name(name) == problem


def test_id_check_char_matches_gb11643() -> None:
    # The standard's own example: 11010519491231002X.
    assert id_check_char("11010519491231002") == "X"


def _with_check_char(first17: str) -> str:
    return first17 + id_check_char(first17)


TODAY = datetime.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("id_number", "problem"),
    [
        ("11010519491231002X", None),
        ("11010519491231002x", None),  # a lower-case x is accepted and upper-cased
        ("", "valid.required"),
        ("1101051949123100", "valid.id_length"),
        ("11010519491231002XX", "valid.id_length"),
        ("1101051949123100AX", "valid.id_chars"),
        ("X10105194912310021", "valid.id_chars"),
        ("110105194912310021", "valid.id_check_digit"),
        ("１１０１０５１９４９１２３１００２X", "valid.id_chars"),
        # The check character is right; the birth date is month 13, day 99.
        ("110101199913991231", "valid.id_birth_date"),
        (_with_check_char("11010120230229123"), "valid.id_birth_date"),  # no 29 February
        (_with_check_char("11010120240229123"), None),
        (_with_check_char("11010118991231123"), "valid.id_birth_date"),  # before 1900
        (_with_check_char("11010119000101123"), None),
        (_with_check_char("11010120260316123"), "valid.id_birth_date"),  # tomorrow
        (_with_check_char("11010120260315123"), None),  # born today
    ],
)
def test_id_number(id_number: str, problem: str | None) -> None:
    assert check_id_number(id_number, TODAY) == problem
    # The backend decides with the same rule, on its own clock's day.
    backend_now = datetime.datetime(2026, 3, 15, 12, tzinfo=rules.CHINA_TZ).timestamp()
    accepted = id_number.isascii() and rules.valid_id_number(id_number.upper(), backend_now)
    assert accepted == (problem is None)


def test_every_problem_key_is_translated() -> None:
    keys = {
        check_phone(""),
        check_phone("1"),
        check_code("1"),
        check_password("a"),
        check_password("abcdefgh"),
        check_confirmation("a", "b"),
        check_chinese_name("A"),
        check_id_number("1"),
        check_id_number("1" * 17 + "A"),
        check_id_number("110105194912310021"),
        check_id_number("110101199913991231"),
    }
    for key in keys:
        assert key in en.MESSAGES and key in zh_CN.MESSAGES
