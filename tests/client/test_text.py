"""Backend text is data: escapes and controls are stripped; money is exact."""

from __future__ import annotations

import pytest

from kshop_tui.api.models import ProductSummary
from kshop_tui.text import clean, clean_multiline, compact_count, mask_phone, money, parse_yuan


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
    assert compact_count(987) == "987"
    assert compact_count(12_300) == "12.3k"
    assert compact_count(2_000_000) == "2M"
