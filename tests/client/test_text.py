"""Backend text is data: escapes and controls are stripped; money is exact."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from kshop_tui import i18n
from kshop_tui.api.models import ProductSummary
from kshop_tui.text import (
    CHINA_TZ,
    aside,
    clean,
    clean_multiline,
    compact_count,
    mask_phone,
    money,
    money_off,
    parse_yuan,
    short_time,
    signed_money,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain 保温杯", "plain 保温杯"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;pwned\x07title", "title"),
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("a\x00b\x07c\x7fd", "abcd"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("zero\u200bwidth", "zerowidth"),
        ("two\nlines\tand tab", "two lines and tab"),
        ("\x9b31mC1", "C1"),
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    ],
)
def test_clean_strips_terminal_controls_but_keeps_brackets(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_multiline_keeps_line_breaks() -> None:
    assert clean_multiline("one\x1b[2J\ntwo\r\nthree") == "one\ntwo\nthree"


def test_models_clean_every_string_once() -> None:
    product = ProductSummary.model_validate(
        {
            "id": 1,
            "name": "\x1b[5m[bold]闪[/bold]",
            "brand": "B\x07",
            "category_id": 1,
            "price_fen": 1,
        }
    )
    assert product.name == "[bold]闪[/bold]"
    assert product.brand == "B"


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "¥0.00"), (5, "¥0.05"), (12345, "¥123.45"), (123450, "¥1,234.50"), (-2000, "-¥20.00")],
)
def test_money(fen: int, text: str) -> None:
    assert money(fen) == text


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("59", 5900),
        ("59.9", 5990),
        ("59.90", 5990),
        ("¥1,234.50", 123450),
        ("0.01", 1),
        ("", None),
        ("1.234", None),
        ("-5", None),
        ("abc", None),
        ("1e3", None),
    ],
)
def test_parse_yuan_is_exact(typed: str, fen: int | None) -> None:
    assert parse_yuan(typed) == fen


def test_small_formats() -> None:
    assert mask_phone("13800138000") == "138****8000"


@pytest.fixture
def in_language() -> Iterator[Callable[[str], None]]:
    """Switches the UI language for one test, then puts the one before back."""
    before = i18n.language()
    yield i18n.set_language
    i18n.set_language(before)


@pytest.mark.parametrize(
    ("sales", "chinese", "english"),
    [
        (0, "0", "0"),
        (86, "86", "86"),
        (680, "600+", "600+"),
        (1_723, "1700+", "1.7k+"),
        (9_999, "9900+", "9.9k+"),
        (12_345, "1.2万+", "12k+"),
        (123_456, "12万+", "123k+"),
        (2_000_000, "200万+", "2M+"),
        (123_456_789, "1.2亿+", "123M+"),
    ],
)
def test_sales_counts_as_shops_write_them(
    in_language: Callable[[str], None], sales: int, chinese: str, english: str
) -> None:
    """Rounded down and marked `+`: 1700+ / 1.2万+ in Chinese, 1.7k+ / 12k+ in English."""
    in_language("zh_CN")
    assert compact_count(sales) == chinese
    in_language("en")
    assert compact_count(sales) == english


def test_one_minus_sign_for_every_amount_taken_off() -> None:
    assert money(-2000) == money_off(2000) == signed_money(-2000) == "-¥20.00"
    assert money_off(-2000) == "-¥20.00"  # a discount is taken off whichever way it comes
    assert signed_money(2000) == "+¥20.00" and signed_money(0) == "¥0.00"


def test_an_aside_takes_the_brackets_of_the_language(in_language: Callable[[str], None]) -> None:
    in_language("zh_CN")
    assert aside("已领取") == "（已领取）"
    in_language("en")
    assert aside("claimed") == " (claimed)"


def test_a_short_time_shows_the_year_only_when_it_is_not_this_one() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=CHINA_TZ).timestamp()
    assert short_time("2026-11-24T02:03:00Z", now) == "11-24 10:03"
    assert short_time("2025-12-31T15:30:00Z", now) == "2025-12-31"  # 23:30 in China
    assert short_time("2025-12-31T16:30:00Z", now) == "01-01 00:30"  # already 2026 there
    assert short_time(None, now) == ""
