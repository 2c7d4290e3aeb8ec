"""docs/api.md §2's shape rules (phones, IDs, cards, passwords) and small shared helpers."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

# Phones and resident IDs: the rules the client checks with too, written once there.
from kshop_rules.identity import PHONE_RE as PHONE_RE
from kshop_rules.identity import id_check_char as id_check_char
from kshop_rules.identity import id_number_problem
from kshop_rules.identity import valid_phone as valid_phone

# re.ASCII and fullmatch: `\d` must not accept full-width digits, `$` a trailing newline.
CODE_RE = re.compile(r"\d{6}", re.ASCII)
PAYMENT_PASSWORD_RE = re.compile(r"\d{6}", re.ASCII)
CHINESE_NAME_RE = re.compile(r"[\u4e00-\u9fff·]{2,20}")
TAX_ID_RE = re.compile(r"[0-9A-Z]{15}|[0-9A-Z]{18}|[0-9A-Z]{20}", re.ASCII)
CHINA_TZ = timezone(timedelta(hours=8))
PASSWORD_ITERATIONS = 60_000


def mask_phone(phone: str) -> str:
    """`13800138000` → `138****8000`."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def valid_id_number(id_number: str, now: float) -> bool:
    """GB 11643: a real birth date, not after the backend's day `now` (a timestamp) nor
    before 1900, and the check character over the first 17 digits."""
    return id_number_problem(id_number, china_date(now).date()) is None


def mask_id_number(id_number: str) -> str:
    return f"{id_number[:3]}***********{id_number[-4:]}"


def mask_name(name: str) -> str:
    """`王小明` → `王**`: how reviewers and real names are shown."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else "*"


def luhn_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{16,19}", number, re.ASCII):
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def strong_password(password: str) -> bool:
    return (
        len(password) >= 8
        and any(c.isalpha() for c in password)
        and any(c.isdigit() for c in password)
    )


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """PBKDF2-SHA256; the stored form is `salt$hash` in hex. Secrets are never stored plain."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, PASSWORD_ITERATIONS)
    return f"{salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored or "$" not in stored:
        return False
    salt_hex, _ = stored.split("$", 1)
    return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt_hex)), stored)


class RememberedMatches:
    """Right secrets lately verified against a stored PBKDF2 hash, so that the same secret
    against the same stored hash is not derived again within `lifetime` seconds (a buyer
    paying twice in a row; 50 buyers paying at once spent 18 ms of CPU per payment).

    Only a match is remembered: a wrong guess always costs the full derivation and counts
    towards its lockout as before. Nothing is written anywhere: who holds the database
    file gains nothing. The memory holds, per remembered match, an HMAC under a random
    key of this process over the stored hash and the secret; whoever can read the
    process's memory can test guesses against it quickly, but could read the secrets as
    requests bring them anyway. Entries go after `lifetime` seconds or when `size` newer
    ones came, and a changed password has a new salt, so no entry matches it."""

    def __init__(
        self,
        size: int = 4096,
        lifetime: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = secrets.token_bytes(32)
        self._size = size
        self._lifetime = lifetime
        self._clock = clock
        self._until: OrderedDict[bytes, float] = OrderedDict()
        self._guard = threading.Lock()

    def verify(self, secret: str, stored: str | None) -> bool:
        """`verify_secret(secret, stored)`, remembering a match."""
        if not stored:
            return False
        mark = hmac.new(
            self._key, stored.encode() + b"\0" + secret.encode(), hashlib.sha256
        ).digest()
        now = self._clock()
        with self._guard:
            until = self._until.get(mark)
            if until is not None and until > now:
                return True
        if not verify_secret(secret, stored):
            return False
        with self._guard:
            self._until[mark] = now + self._lifetime
            self._until.move_to_end(mark)
            while len(self._until) > self._size:
                self._until.popitem(last=False)
        return True


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fmt_fen(fen: int) -> str:
    """Money in messages: `¥1,234.50`. Integer arithmetic only."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def china_day(ts: float) -> str:
    """The calendar day in Asia/Shanghai (check-ins, order numbers)."""
    return datetime.fromtimestamp(ts, CHINA_TZ).strftime("%Y-%m-%d")


def china_date(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, CHINA_TZ)


def utc_date(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def split_proportionally(total: int, weights: list[int]) -> list[int]:
    """Splits `total` fen over lines by weight; shares add up exactly to `total`."""
    whole = sum(weights)
    if whole <= 0 or total == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    shares[-1] += total - sum(shares)
    return shares
