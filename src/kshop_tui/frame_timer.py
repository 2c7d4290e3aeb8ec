"""When a screen paints: at most `MAX_FPS` frames a second, each as soon as that allows.

Textual's `Screen` paints when its update timer ticks, and pauses the timer after each
frame; something to paint resumes it. That timer is one of Textual's interval timers, and
an interval timer resumed after a pause skips one boundary too many: it computes the
ticks it missed as `int(elapsed / interval + 1)` and then waits for the one after. So the
first frame after an idle moment came at once (a keystroke's echo), but the next one (the
results that keystroke searched for, 15 ms later) waited until the second boundary after
the echo, 17 to 33 ms later instead of at most 17. `FrameTimer` keeps the same rate
limit without the skip: a frame comes one period after the previous one, or at once.

It stands in for Textual's `Screen._update_timer` (whose only calls are `pause` and
`resume`): textual is pinned exactly, and tests/tui/test_frame_timer.py checks the
screens use it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from textual import constants

FRAME_PERIOD = 1 / constants.MAX_FPS


class FrameTimer:
    """Calls `paint` once per `resume`, no sooner than `period` after its last call;
    `pause` cancels a call not made yet. Errors go to `on_error` (the App's handler)."""

    def __init__(
        self,
        paint: Callable[[], object],
        on_error: Callable[[Exception], object],
        period: float = FRAME_PERIOD,
    ) -> None:
        self._paint = paint
        self._on_error = on_error
        self._period = period
        self._last = -math.inf
        self._pending: asyncio.TimerHandle | None = None

    @property
    def pending(self) -> bool:
        """A frame is due (resumed, not painted nor paused since)."""
        return self._pending is not None

    def resume(self) -> None:
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_at(max(loop.time(), self._last + self._period), self._fire)

    def pause(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _fire(self) -> None:
        self._pending = None
        self._last = asyncio.get_running_loop().time()
        try:
            self._paint()
        except Exception as error:
            self._on_error(error)
