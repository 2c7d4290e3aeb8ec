"""The terminal driver's input thread (`kshop_tui.quiet_driver`): it waits for a key with
no timeout while nothing is pending (Textual's woke ten times a second: 200 idle SSH
visitors took half of two cores), waits only for the key parser's deadline while an
escape byte may start a sequence, and wakes when the input is stopped."""

from __future__ import annotations

import os
import queue
import selectors
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.message import Message

from kshop_tui.app import KshopApp
from kshop_tui.quiet_driver import QuietLinuxDriver, input_timeout

SAFETY_S = 30.0  # only a hung thread ever waits this long


def test_the_thread_may_wait_for_ever_unless_an_escape_is_pending() -> None:
    parser = XTermParser()
    assert input_timeout(parser) is None
    assert [event.key for event in parser.feed("a") if isinstance(event, events.Key)] == ["a"]
    assert input_timeout(parser) is None
    list(parser.feed("\x1b"))  # the escape key, or the start of a sequence
    timeout = input_timeout(parser)
    assert timeout is not None and 0 <= timeout <= constants.ESCAPE_DELAY


def test_the_shop_runs_in_a_terminal_with_the_quiet_driver() -> None:
    assert KshopApp().get_driver_class() is QuietLinuxDriver


class RecordingSelector(selectors.SelectSelector):
    """A selector that reports every timeout it is asked to wait."""

    waits: queue.Queue[float | None]

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        self.waits.put(timeout)
        return super().select(timeout)


@pytest.fixture
def signals() -> Iterator[None]:
    """The driver installs SIGTSTP and SIGCONT handlers: put back afterwards."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGTSTP, signal.SIGCONT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


async def test_the_input_thread_sleeps_until_a_key_and_wakes_to_stop(
    monkeypatch: pytest.MonkeyPatch, signals: None
) -> None:
    waits: queue.Queue[float | None] = queue.Queue()
    monkeypatch.setattr(RecordingSelector, "waits", waits, raising=False)
    monkeypatch.setattr(selectors, "SelectSelector", RecordingSelector)
    keys: queue.Queue[str] = queue.Queue()
    driver = QuietLinuxDriver(KshopApp())
    reading, writing = os.pipe()
    driver.fileno = reading

    def collect(message: Message, *_: Any) -> None:
        if isinstance(message, events.Key):
            keys.put(message.key)

    monkeypatch.setattr(driver, "process_message", collect)
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        assert waits.get(timeout=SAFETY_S) is None, "idle: no timeout, no polling"
        os.write(writing, b"ab")
        assert [keys.get(timeout=SAFETY_S) for _ in range(2)] == ["a", "b"]
        assert waits.get(timeout=SAFETY_S) is None

        os.write(writing, b"\x1b")  # alone, it becomes the escape key once its delay is up
        pending = waits.get(timeout=SAFETY_S)
        assert pending is not None and 0 <= pending <= constants.ESCAPE_DELAY
        assert keys.get(timeout=SAFETY_S) == "escape"

        driver.exit_event.set()  # as Textual's disable_input does, then joins
        thread.join(timeout=SAFETY_S)
        assert not thread.is_alive(), "stopping the input woke the thread"
    finally:
        driver.exit_event.set()
        driver.close()
        os.close(reading)
        os.close(writing)
