"""A terminal driver whose input thread sleeps until something happens.

Textual's `LinuxDriver` reads keys in a thread that waits for input at most 0.1 s at a
time, to look at its exit flag and to time out a lone escape key: an idle shop woke ten
times a second (2 ms of CPU a second). Served over SSH that is every visitor's session:
200 sitting idle took 0.4–0.7 of the machine's two cores. `QuietLinuxDriver` waits for
input with no timeout, or until the key parser's own deadline (an escape byte waiting to
become the escape key), and stopping the input (`exit_event.set()`) wakes it through a
pipe.

The thread's loop is Textual's `LinuxDriver.run_input_thread` with those two changes;
textual is pinned exactly, and tests/tui/test_quiet_driver.py runs it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING, Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App


class WakingEvent(threading.Event):
    """An event whose `set` also writes a byte to `wake` (the input thread's pipe)."""

    def __init__(self, wake: int) -> None:
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        super().set()
        # Closed (the driver has closed), or full: the thread is awake anyway.
        with contextlib.suppress(OSError):
            os.write(self._wake, b"x")


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, app: App[Any], **options: Any) -> None:
        super().__init__(app, **options)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.exit_event = WakingEvent(self._wake_write)

    def close(self) -> None:
        super().close()
        for descriptor in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(descriptor)

    def run_input_thread(self) -> None:
        """Waits for input and dispatches events (Textual's loop, without the 0.1 s
        polling)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)

        fileno = self.fileno
        wake = self._wake_read
        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick
        decode = getincrementaldecoder("utf-8")().decode

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
        ) -> None:
            if any(key.fd == wake for key, _ in selector_events):
                _drain(wake)
            ready = [(key, mask) for key, mask in selector_events if key.fd != wake]
            for last, (_key, mask) in loop_last(ready):
                if mask & selectors.EVENT_READ:
                    unicode_data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        break  # stdin is piped and at its end
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(input_timeout(parser)))
            selector.unregister(self.fileno)
            selector.unregister(wake)
            process_selector_events(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass


def input_timeout(parser: XTermParser) -> float | None:
    """How long the input thread may wait: until the parser's deadline (an escape byte
    that becomes the escape key if nothing follows), or for ever."""
    deadline: float | None = parser._timeout_time
    return None if deadline is None else max(0.0, deadline - get_time())


def _drain(descriptor: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(descriptor, 512):
            pass
