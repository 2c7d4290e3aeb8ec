"""The screens' frame timer (`kshop_tui.frame_timer`): a frame one period after the
previous one or at once, never a period later than that; and every shop screen paints
with it (Textual's own timer put a keystroke's results a frame late)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from kshop_tui.app import KshopApp
from kshop_tui.frame_timer import FrameTimer
from kshop_tui.screen_base import ShopModal, ShopScreen
from tests.tui.helpers import settle

MakeApp = Callable[..., KshopApp]
PERIOD = 1 / 60


class Clock:
    """The running loop's time, set by the test, and the calls it was asked to make at
    which time (made only when the test says)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        self.scheduled: list[tuple[float, asyncio.TimerHandle, Callable[[], object]]] = []
        loop = asyncio.get_running_loop()
        call_at = loop.call_at

        def recording_call_at(when: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
            handle = call_at(loop.time() + 3600, callback)  # never by itself
            self.scheduled.append((when, handle, callback))
            return handle

        monkeypatch.setattr(loop, "time", lambda: self.now)
        monkeypatch.setattr(loop, "call_at", recording_call_at)

    def run_due(self) -> None:
        """Makes the last scheduled call, at the time it was scheduled for."""
        when, handle, callback = self.scheduled[-1]
        assert not handle.cancelled()
        self.now = max(self.now, when)
        handle.cancel()
        callback()


async def test_a_frame_comes_at_once_after_a_quiet_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(monkeypatch)
    painted: list[float] = []
    timer = FrameTimer(lambda: painted.append(clock.now), pytest.fail, PERIOD)
    timer.resume()
    assert clock.scheduled[-1][0] == clock.now
    clock.run_due()
    assert painted == [1000.0] and not timer.pending


async def test_the_next_frame_comes_one_period_after_the_last_not_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The echo of a key painted at once, its results 5 ms later: they are painted one
    period after the echo (Textual's timer waited for the second boundary)."""
    clock = Clock(monkeypatch)
    painted: list[float] = []
    timer = FrameTimer(lambda: painted.append(clock.now), pytest.fail, PERIOD)
    timer.resume()
    clock.run_due()
    clock.now += 0.005
    timer.resume()
    assert clock.scheduled[-1][0] == pytest.approx(1000.0 + PERIOD)
    clock.run_due()
    assert painted == [1000.0, pytest.approx(1000.0 + PERIOD)]
    # Long after the last frame: at once again.
    clock.now += 1.0
    timer.resume()
    assert clock.scheduled[-1][0] == clock.now


async def test_resuming_twice_asks_for_one_frame_and_pausing_cancels_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(monkeypatch)
    timer = FrameTimer(pytest.fail, pytest.fail, PERIOD)
    timer.resume()
    timer.resume()
    assert len(clock.scheduled) == 1 and timer.pending
    timer.pause()
    assert clock.scheduled[0][1].cancelled() and not timer.pending


async def test_a_failing_frame_goes_to_the_error_handler_and_the_timer_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(monkeypatch)
    errors: list[Exception] = []

    def paint() -> None:
        raise RuntimeError("a widget failed to render")

    timer = FrameTimer(paint, errors.append, PERIOD)
    timer.resume()
    clock.run_due()
    assert [str(error) for error in errors] == ["a widget failed to render"]
    timer.resume()
    assert timer.pending


async def test_every_shop_screen_paints_with_the_frame_timer(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShopScreen)
        assert isinstance(screen._update_timer, FrameTimer)
        before = screen._compositor.render_update
        frames = [0]

        def counting(*args: object, **kwargs: object) -> object:
            frames[0] += 1
            return before(*args, **kwargs)  # type: ignore[arg-type]

        screen._compositor.render_update = counting  # type: ignore[method-assign]
        await pilot.press("slash", "a")  # the box takes the focus and the letter
        await settle(pilot)
        assert frames[0] >= 1, "the screen painted through the frame timer"
        assert ShopModal._update_timer is ShopScreen._update_timer  # dialogs too
