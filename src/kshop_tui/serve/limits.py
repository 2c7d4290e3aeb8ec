"""Limits for a public demo (config.toml `[demo]`): how many sessions at once, how many
new connections one address may open per minute (a sliding window), and how many may
wait, logging in, per address and in all."""

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
        `release()`), else why not: `count` and `take` at once."""
        return self.count(ip) or self.take()

    def count(self, ip: str) -> Literal["rate"] | None:
        """Counts a new connection from `ip`; "rate" when it has made too many this
        minute. One refused for its rate does not count against its address: whoever
        hammers gets in again a minute after stopping."""
        now = self._clock()
        self._forget_before(now - RATE_WINDOW_S)
        attempts = self._recent.setdefault(ip, deque())
        if len(attempts) >= self.limits.connections_per_minute:
            return "rate"
        attempts.append(now)
        return None

    def take(self) -> Literal["full"] | None:
        """Takes a place for a session (the caller then owes a `release()`), or "full"."""
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


class WaitingRoom:
    """Connections that have not opened a shop yet (over SSH: still logging in). Each
    costs little, but they are free to make: without a bound per address and in all, a
    few silent sockets would stand in everyone's way."""

    def __init__(self, limits: DemoLimits) -> None:
        self.limits = limits
        self._waiting: dict[str, int] = {}
        self.total = 0

    def count(self, ip: str) -> int:
        return self._waiting.get(ip, 0)

    def enter(self, ip: str) -> bool:
        """True when one more from `ip` may wait (the caller then owes a `leave(ip)`)."""
        if self.total >= self.limits.max_waiting:
            return False
        if self.count(ip) >= self.limits.waiting_per_address:
            return False
        self._waiting[ip] = self.count(ip) + 1
        self.total += 1
        return True

    def leave(self, ip: str) -> None:
        left = self.count(ip) - 1
        if left > 0:
            self._waiting[ip] = left
        else:
            self._waiting.pop(ip, None)
        self.total = max(0, self.total - 1)


def idle_farewell(limit_s: int, messages: Mapping[str, str]) -> str:
    """What a session ended for idling is told, in the catalogue `messages`."""
    if limit_s % 60 == 0:
        duration = messages["serve.minutes"].format(count=limit_s // 60)
    else:
        duration = messages["serve.seconds"].format(count=limit_s)
    return messages["serve.idle"].format(duration=duration)
