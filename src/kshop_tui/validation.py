"""Client-side checks for the login and account forms, mirroring the backend's rules
(docs/api.md §2) so the user hears about a typo before a round trip.

Each `check_*` answers None when the value is fine, or the i18n key of what is wrong.
The backend stays the authority: these never replace its answer, they only come first.
"""

from __future__ import annotations

import datetime
import re

from kshop_rules import identity

CODE_RE = re.compile(r"\d{6}")
ORDER_NO_RE = re.compile(r"KS\d{12}")
CHINESE_NAME_RE = re.compile(r"[\u4e00-\u9fff·]{2,20}")
PASSWORD_MIN_LENGTH = 8
STRONG_LENGTH = 12
MAX_STRENGTH = 4


def _ascii_match(pattern: re.Pattern[str], text: str) -> bool:
    # `\d` also matches full-width digits (１３８…), which the backend refuses.
    return text.isascii() and pattern.fullmatch(text) is not None


def check_phone(phone: str) -> str | None:
    """A mainland mobile number (kshop_rules.identity: 11 digits starting with 13–19)."""
    if not phone:
        return "valid.required"
    return None if identity.valid_phone(phone) else "valid.phone"


def check_code(code: str) -> str | None:
    """An SMS code: 6 digits."""
    if not code:
        return "valid.required"
    return None if _ascii_match(CODE_RE, code) else "valid.code"


def check_order_no(order_no: str) -> str | None:
    """An order number as the shop prints it: KS and 12 digits (case does not matter)."""
    if not order_no:
        return "valid.required"
    return None if _ascii_match(ORDER_NO_RE, order_no.upper()) else "valid.order_no"


def check_password(password: str) -> str | None:
    """A login password: at least 8 characters, with letters and digits."""
    if not password:
        return "valid.required"
    if len(password) < PASSWORD_MIN_LENGTH:
        return "valid.password_short"
    has_letter = any(char.isalpha() for char in password)
    has_digit = any(char.isdigit() for char in password)
    return None if has_letter and has_digit else "valid.password_mix"


def check_confirmation(password: str, confirmation: str) -> str | None:
    """The second copy of a new password."""
    if not confirmation:
        return "valid.required"
    return None if confirmation == password else "valid.password_mismatch"


def password_strength(password: str) -> int:
    """0 (empty) to 4 (strong). Below 2 the password breaks the rules; length and variety
    (mixed case, symbols) earn the rest."""
    if not password:
        return 0
    if check_password(password) is not None:
        return 1
    has_mixed_case = any(char.islower() for char in password) and any(
        char.isupper() for char in password
    )
    has_symbol = any(not char.isalnum() for char in password)
    extras = (len(password) >= STRONG_LENGTH) + has_mixed_case + has_symbol
    return min(MAX_STRENGTH, 2 + extras)


def check_chinese_name(name: str) -> str | None:
    """A name as on the resident ID: 2–20 Chinese characters (· between name parts)."""
    if not name:
        return "valid.required"
    return None if CHINESE_NAME_RE.fullmatch(name) else "valid.chinese_name"


ID_PROBLEM_KEYS = {
    identity.ID_LENGTH: "valid.id_length",
    identity.ID_CHARS: "valid.id_chars",
    identity.ID_BIRTH_DATE: "valid.id_birth_date",
    identity.ID_CHECK_DIGIT: "valid.id_check_digit",
}


def check_id_number(id_number: str, today: datetime.date | None = None) -> str | None:
    """An 18-character resident ID (x or X last) with a real birth date and the right check
    character (kshop_rules.identity, the backend's rule). `today`: the local date."""
    if not id_number:
        return "valid.required"
    problem = identity.id_number_problem(id_number.upper(), today or datetime.date.today())
    return None if problem is None else ID_PROBLEM_KEYS[problem]
