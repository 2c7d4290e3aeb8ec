"""Argument types: a malformed id, quantity, amount or phone is a usage error (exit 2)
before anything reaches the backend."""

from __future__ import annotations

import argparse

from kshop_rules.identity import valid_phone
from kshop_tui.text import parse_yuan


def positive_int(text: str) -> int:
    """An id or a count: a whole number of at least 1."""
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit() or int(stripped) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(stripped)


def id_list(text: str) -> list[int]:
    """`3,5,8` → [3, 5, 8]."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("give at least one id, e.g. 3,5")
    return [positive_int(part) for part in parts]


def yuan(text: str) -> int:
    """An amount in yuan (`12.5`, `¥1,234.50`) → fen."""
    fen = parse_yuan(text)
    if fen is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in yuan (e.g. 12.50)")
    return fen


def phone(text: str) -> str:
    stripped = text.strip().replace(" ", "")
    if not valid_phone(stripped):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a mainland mobile number (11 digits starting with 13–19)"
        )
    return stripped
