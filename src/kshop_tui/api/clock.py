"""The backend's "now", as the client knows it.

Every countdown the client shows (the merchant's deadline, an unpaid order's auto-cancel,
a QR code's expiry, the SMS resend wait) compares a time the backend gave with the
backend's own clock, never the client's: the bundled backend's clock can be frozen or
moved on (`/_dev/clock/advance`), and a terminal's wall clock can be wrong. Each answer
carries the backend's time (`X-Server-Time`, or the standard `Date` header from a server
that does not send it); between answers the local monotonic clock carries it forward.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

SERVER_TIME_HEADER = "x-server-time"
SERVER_CLOCK_HEADER = "x-server-clock"


class ServerClock:
    """The last time the backend reported, moved on by the time elapsed here since."""

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._server_time: float | None = None
        self._seen_at = 0.0
        self._frozen = False

    @property
    def known(self) -> bool:
        """The backend has told its time at least once."""
        return self._server_time is not None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Takes the backend's time from an answer's headers (a no-op when it has none)."""
        server_time = _server_time(headers)
        if server_time is None:
            return
        self._server_time = server_time
        self._seen_at = self._monotonic()
        self._frozen = headers.get(SERVER_CLOCK_HEADER) == "frozen"

    def now(self) -> float:
        """Epoch seconds on the backend's clock; the local clock until it has answered."""
        if self._server_time is None:
            return self._wall()
        if self._frozen:
            return self._server_time
        return self._server_time + (self._monotonic() - self._seen_at)

    def seconds_until(self, epoch: float) -> float:
        return epoch - self.now()


def _server_time(headers: Mapping[str, str]) -> float | None:
    exact = headers.get(SERVER_TIME_HEADER)
    if exact is not None:
        try:
            return float(exact)
        except ValueError:
            return None
    date = headers.get("date")
    if date is None:
        return None
    try:
        return parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None
