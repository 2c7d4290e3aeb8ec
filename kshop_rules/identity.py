"""Mainland mobile numbers and resident ID numbers (GB 11643-1999).

A resident ID is 18 characters: a 6-digit region, the birth date as YYYYMMDD, a 3-digit
sequence and a check character (a digit or X) over the first 17 digits. The check
character alone lets `110101199913991231` (month 13, day 99) through, so the birth date
must also be a real day, not in the future, and not before 1900.

python-stdnum's `cn.ric` was weighed instead: it checks the birth place against its own
table of region codes (refusing regions it does not list) but not a birth date in the
future or before 1900, so these few lines stay ours.
"""

from __future__ import annotations

import datetime
import re

# re.ASCII with fullmatch: `\d` must not accept full-width digits, `$` a trailing newline.
PHONE_PREFIX = r"1[3-9]"
"""The first two digits of a mainland mobile number; searches build on it."""
PHONE_RE = re.compile(rf"{PHONE_PREFIX}\d{{9}}", re.ASCII)
ID_NUMBER_LENGTH = 18
ID_NUMBER_RE = re.compile(r"\d{17}[\dX]", re.ASCII)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

# What `id_number_problem` answers.
ID_LENGTH = "length"
ID_CHARS = "chars"
ID_BIRTH_DATE = "birth_date"
ID_CHECK_DIGIT = "check_digit"


def valid_phone(phone: str) -> bool:
    """A mainland mobile number: 11 ASCII digits starting with 13–19."""
    return PHONE_RE.fullmatch(phone) is not None


def id_check_char(first17: str) -> str:
    """GB 11643's check character over the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_birth_date(id_number: str) -> datetime.date | None:
    """The birth date written in an 18-character ID, or None when it is no calendar day."""
    try:
        return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_number_problem(id_number: str, today: datetime.date) -> str | None:
    """None for a valid resident ID (upper-case X), else what is wrong with it: ID_LENGTH,
    ID_CHARS, ID_BIRTH_DATE (no such day, after `today` or before 1900) or ID_CHECK_DIGIT."""
    if len(id_number) != ID_NUMBER_LENGTH:
        return ID_LENGTH
    if ID_NUMBER_RE.fullmatch(id_number) is None:
        return ID_CHARS
    born = id_birth_date(id_number)
    if born is None or not EARLIEST_BIRTH_DATE <= born <= today:
        return ID_BIRTH_DATE
    if id_check_char(id_number[:17]) != id_number[17]:
        return ID_CHECK_DIGIT
    return None
