"""Limits for a public demo (config.toml `[demo]`): how many sessions at once, and how
many new connections one address may open per minute (a sliding window)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Literal

from kshop_tui.config import DemoLimits

Refusal = Literal["full", "rate"]
RATE_WINDOW_S = 60.0


class SessionGate:
    """Admits sessions; shared by every connection of one server (one event loop)."""

    def __init__(self, limits: DemoLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._active = 0
        self._recent: dict[str, deque[float]] = {}

    @property
    def active(self) -> int:
        return self._active

    def admit(self, ip: str) -> Refusal | None:
        """None when a new session from `ip` may start (the caller then owes a
        `release()`), else why not. A connection refused for its rate does not count
        against its address: whoever hammers gets in again a minute after stopping."""
        now = self._clock()
        self._forget_before(now - RATE_WINDOW_S)
        attempts = self._recent.setdefault(ip, deque())
        if len(attempts) >= self.limits.connections_per_minute:
            return "rate"
        attempts.append(now)
        if self._active >= self.limits.max_sessions:
            return "full"
        self._active += 1
        return None

    def release(self) -> None:
        """A session admitted earlier has ended."""
        self._active = max(0, self._active - 1)

    def _forget_before(self, horizon: float) -> None:
        for ip in list(self._recent):
            attempts = self._recent[ip]
            while attempts and attempts[0] <= horizon:
                attempts.popleft()
            if not attempts:
                del self._recent[ip]


def idle_farewell(limit_s: int, messages: Mapping[str, str]) -> str:
    """What a session ended for idling is told, in the catalogue `messages`."""
    if limit_s % 60 == 0:
        duration = messages["serve.minutes"].format(count=limit_s // 60)
    else:
        duration = messages["serve.seconds"].format(count=limit_s)
    return messages["serve.idle"].format(duration=duration)
