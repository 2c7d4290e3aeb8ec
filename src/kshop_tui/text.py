"""Formatting shared by every screen: money, phones, dates, counts, and cleaning backend
text. Each way of writing a thing has one function here, so every screen writes it alike:
a minus is always `-` (`-¥20.00`: one cell wide in every terminal, where U+2212 is
ambiguous-width in CJK ones); a short time shows its year only when it is not this
year's (`11-24 14:03`, `2025-11-24`); sales read as shops write them (`1700+`, `1.2万+`,
`1.7k+` in English); an aside takes the language's brackets (`（已领取）`, ` (claimed)`).

Backend text is data: `clean` strips terminal control characters (C0, DEL, C1, ESC/CSI/OSC
sequences) and bidi overrides, so a product name can never move the cursor or retitle
the terminal. Screens still render it as `Text`/`Content`, never as markup.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from kshop_tui.i18n import language

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL / ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]?"  # other two-character escapes, or a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
CHINA_TZ = timezone(timedelta(hours=8))


def clean(text: str) -> str:
    """Backend text made safe for a terminal: no escapes, controls or bidi overrides.
    Newlines and tabs become spaces (a name is one line)."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("\n", " ").replace("\t", " ").replace("\r", " ")
    return _CONTROL.sub("", text)


def clean_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` ((start, end) character offsets into `text`, end exclusive) moved onto
    `clean(text)`: the characters `clean` drops shift what follows them. Spans that are
    empty, out of range or overlapping once moved are cut, sorted and merged, so a bad
    answer never breaks a screen."""
    kept = [True] * len(text)
    for match in _ESCAPE_SEQUENCE.finditer(text):
        for index in range(match.start(), match.end()):
            kept[index] = False
    for index, character in enumerate(text):
        # clean turns line breaks and tabs into spaces before it drops the controls.
        if kept[index] and character not in "\n\t\r" and _CONTROL.match(character):
            kept[index] = False
    # cleaned_index[i]: where the character at i of `text` is after cleaning (or would be).
    cleaned_index = [0] * (len(text) + 1)
    for index, keep in enumerate(kept):
        cleaned_index[index + 1] = cleaned_index[index] + keep
    moved = sorted(
        (cleaned_index[max(0, start)], cleaned_index[min(end, len(text))])
        for start, end in spans
        if start < end and start < len(text) and end > 0
    )
    merged: list[tuple[int, int]] = []
    for start, end in moved:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clean_multiline(text: str) -> str:
    """Like `clean`, but keeps line breaks (descriptions, messages, reviews)."""
    return "\n".join(clean(line) for line in text.replace("\r\n", "\n").split("\n"))


def money(fen: int) -> str:
    """`123450` → `¥1,234.50`, `-2000` → `-¥20.00`. Integer arithmetic only."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def money_off(fen: int) -> str:
    """A discount or a refund taken off a total, `2000` → `-¥20.00`."""
    return money(-abs(fen))


def signed_money(fen: int) -> str:
    """A movement of money, in or out: `+¥20.00`, `-¥20.00`."""
    return ("+" if fen > 0 else "") + money(fen)


def parse_yuan(text: str) -> int | None:
    """`12.5` / `¥1,234.50` → fen, or None when it is not an amount (at most 2 decimals)."""
    text = text.strip().replace("¥", "").replace(",", "").replace("，", "")
    match = re.fullmatch(r"(\d{1,9})(?:\.(\d{0,2}))?", text)
    if not match:
        return None
    yuan, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(yuan) * 100 + int(cents)


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def compact_count(value: int) -> str:
    """A sales count as shops write it, rounded down and marked `+` once it is rounded:
    86, 600+, 1700+, 1.2万+, 12万+ in Chinese; 86, 600+, 1.7k+, 12k+, 1.2M+ in English."""
    if value < 100:
        return str(value)
    if value < 1000:
        return f"{value // 100 * 100}+"
    if language() == "zh_CN":
        if value < 10_000:
            return f"{value // 100 * 100}+"
        if value < 100_000_000:
            return _rounded_down(value, 10_000, "万")
        return _rounded_down(value, 100_000_000, "亿")
    if value < 1_000_000:
        return _rounded_down(value, 1000, "k")
    return _rounded_down(value, 1_000_000, "M")


def _rounded_down(value: int, unit: int, name: str) -> str:
    """`value` in `unit`s, with one decimal below ten of them, rounded down: 12_345 in
    thousands → `12k+`, 1_234 → `1.2k+`."""
    tenths = value * 10 // unit
    if tenths < 100 and tenths % 10:
        return f"{tenths // 10}.{tenths % 10}{name}+"
    return f"{tenths // 10}{name}+"


def aside(words: str) -> str:
    """Words in brackets after something, in the UI language's brackets: `（已领取）`,
    ` (claimed)`."""
    return f"（{words}）" if language() == "zh_CN" else f" ({words})"


def parse_time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def seconds_until(iso: str, now: float) -> float:
    """Seconds from `now` (the backend's clock, epoch seconds) until an ISO time."""
    return parse_time(iso).timestamp() - now


def local_time(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A wire timestamp shown in China time, the shop's home."""
    if not iso:
        return ""
    return parse_time(iso).astimezone(CHINA_TZ).strftime(fmt)


def short_time(iso: str | None, now: float) -> str:
    """A time in a list or a timeline, China time, as shops write it: `11-24 14:03` this
    year (on the backend's clock, `now`), `2025-11-24` in another; the year only when it
    is not this one, and both fit the same eleven cells."""
    if not iso:
        return ""
    at = parse_time(iso).astimezone(CHINA_TZ)
    this_year = datetime.fromtimestamp(now, CHINA_TZ).year
    return at.strftime("%m-%d %H:%M" if at.year == this_year else "%Y-%m-%d")
