"""The backend's notion of time.

Every time rule (SMS expiry, lockouts, auto-cancel, return windows, merchant deadline,
BNPL due dates) reads `Clock.now()`, so `/_dev/clock/advance` can move them all at once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall time plus an offset that `/_dev/clock/advance` can grow."""

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._frozen = frozen
        self._base = start if start is not None else time.time()
        self._wall_at_base = time.time()
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, on the backend's clock."""
        elapsed = 0.0 if self._frozen else time.time() - self._wall_at_base
        return self._base + elapsed + self._offset

    @property
    def frozen(self) -> bool:
        """The clock moves only when advanced (tests and demos that need a fixed "now")."""
        return self._frozen

    def advance(self, seconds: float) -> None:
        self._offset += seconds


def iso(ts: float | None) -> str | None:
    """An epoch timestamp as the ISO 8601 UTC string used on the wire."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
