"""Phones and resident IDs are checked by one rule, kshop_rules.identity, that the TUI, the
CLI and the backend import: no other file spells out the ID's check weights, its shape,
or a phone pattern of its own."""

from __future__ import annotations

import re
from pathlib import Path

import kshop_rules.identity

ROOT = Path(__file__).resolve().parents[2]
RULE_FILE = Path(kshop_rules.identity.__file__).resolve()
SPELLED_RULES = {
    "the ID check weights": re.compile(r"7,\s*9,\s*10,\s*5"),
    "the ID check characters": re.compile(r"10X98765432"),
    "an ID shape": re.compile(r"\\d\{17\}"),
    "a phone pattern": re.compile(r"1\[3-9\]|1\\d\{10\}"),
}


def _sources() -> list[Path]:
    return sorted(
        [*(ROOT / "src" / "kshop_tui").rglob("*.py"), *(ROOT / "fake_backend").rglob("*.py")]
    )


def test_the_rule_file_spells_each_rule() -> None:
    text = RULE_FILE.read_text(encoding="utf-8")
    assert SPELLED_RULES["the ID check weights"].search(text)
    assert SPELLED_RULES["the ID check characters"].search(text)
    assert "1[3-9]" in text


def test_no_other_file_spells_a_phone_or_id_rule() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in _sources()
        for what, pattern in SPELLED_RULES.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
