"""What the pilot tests share: letting the app settle, waiting for a screen or a condition,
and reading what the app shows. Fixtures stay in conftest.py."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from textual.app import App
from textual.dom import DOMNode
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerCancelled

from kshop_tui.screens.account.login import LoginScreen

T = TypeVar("T")


SETTLE_MAX_ROUNDS = 50
"""Rounds `settle` goes on while workers start workers; past that it fails."""


def busy_workers(app: App[Any], waiting: Collection[str] = ()) -> list[Worker[Any]]:
    """The workers `settle` waits for: running, not of a `waiting` group and, while the
    login screen is up, only that screen's own."""
    logging_in = isinstance(app.screen, LoginScreen)
    return [
        worker
        for worker in app.workers
        if not worker.is_finished
        and worker.group not in waiting
        and (not logging_in or worker.node is app.screen)
    ]


async def settle(pilot: Pilot[Any], *, waiting: Collection[str] = (), rounds: int = 3) -> None:
    """Lets timers fire and every worker finish: at least `rounds` rounds, and on while a
    round still finds a worker running (workers start workers); fails when that never ends.

    Workers of the `waiting` groups wait on the user (a pushed screen, an endless poll) and
    never finish by themselves; while the login screen is up, any other screen's call may be
    waiting for that login, so only the login screen's own workers are waited for. A worker
    replaced by a newer one of its exclusive group ends cancelled: that is not a failure.
    A debounce (a screen's own `set_timer`) is not waited for here: see `settle_debounced`."""
    app = pilot.app
    for done in range(1, SETTLE_MAX_ROUNDS + 1):
        await pilot.pause()
        busy = busy_workers(app, waiting)
        if not busy and done >= rounds:
            await pilot.pause()
            return
        for worker in busy:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
    still = sorted({str(worker.group) for worker in busy_workers(app, waiting)})
    raise AssertionError(
        f"workers still running after {SETTLE_MAX_ROUNDS} rounds of settling (groups {still});"
        " a worker that waits on the user belongs in `waiting`"
    )


def pending_timers(screen: Screen[Any]) -> list[Timer]:
    """The screen's own one-shot timers (`set_timer`: its debounces) still to fire.

    A one-shot timer calls its callback inside its own task, so once the task is done
    whatever the callback started (a worker) is already in `app.workers`."""
    return [
        timer
        for timer in list(screen._timers)
        if timer._repeat == 0 and timer._task is not None and not timer._task.done()
    ]


async def wait_for_timers(pilot: Pilot[Any], *, tries: int = 200) -> None:
    """Waits until the current screen has no debounce left to fire (a bounded number of
    short pauses: a debounce takes its own time, not the machine's); fails if one never
    fires. Use it where `settle` would hang (a dialog some worker is waiting on), then
    wait for the group the debounce starts with `finish_group`."""
    for _ in range(tries):
        if not pending_timers(pilot.app.screen):
            return
        await pilot.pause(0.05)
    names = [timer.name for timer in pending_timers(pilot.app.screen)]
    raise AssertionError(f"{pilot.app.screen!r} still has timers to fire: {names}")


async def settle_debounced(
    pilot: Pilot[Any], *, waiting: Collection[str] = (), tries: int = 20
) -> None:
    """`settle`, then waits for the screen's debounces (a quote, a search as one types) and
    settles again, until neither a worker nor a debounce is left: what a debounce starts has
    then finished, and what that started too. Fails if the screen never gets there."""
    for _ in range(tries):
        await settle(pilot, waiting=waiting)
        if not pending_timers(pilot.app.screen):
            return
        await wait_for_timers(pilot)
    raise AssertionError(f"{pilot.app.screen!r} kept starting debounces")


async def wait_until(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    tries: int = 100,
    *,
    waiting: Collection[str] = (),
    what: str = "condition",
) -> None:
    """Settles until `condition` holds (a poll, a timer or a debounce may have to fire
    first: each try settles, then pauses briefly); fails naming `what` if it never does."""
    for _ in range(tries):
        await settle(pilot, waiting=waiting)
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{what} never became true (screen: {pilot.app.screen!r})")


async def poll_until(
    pilot: Pilot[Any], condition: Callable[[], bool], *, what: str, tries: int = 200
) -> None:
    """Pauses briefly until `condition` holds, without settling: for a screen whose
    workers never end by themselves (a directory tree's loader) or that some worker is
    waiting on. Fails naming `what` if it never holds."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{what} never became true (screen: {pilot.app.screen!r})")


async def wait_for_screen(pilot: Pilot[Any], kind: type[T], *, timeout: float = 5.0) -> T:
    """Waits for a screen that a worker pushes and then waits on (so `settle` would hang)."""
    for _ in range(int(timeout / 0.02)):
        if isinstance(pilot.app.screen, kind):
            await pilot.pause()
            return pilot.app.screen
        await pilot.pause(0.02)
    raise AssertionError(f"{kind.__name__} never showed; {pilot.app.screen!r} did")


async def finish_group(pilot: Pilot[Any], group: str) -> None:
    """Waits for one worker group only (others may be waiting on a dialog)."""
    await pilot.pause()
    running = [worker for worker in pilot.app.workers if worker.group == group]
    if running:  # an empty list would mean "every worker"
        await pilot.app.workers.wait_for_complete(running)
    await pilot.pause()


def text_of(node: DOMNode, selector: str) -> str:
    """What the Static at `selector` below `node` shows."""
    return str(node.query_one(selector, Static).render())


def shown_text(widget: Widget) -> str:
    """The text a widget draws now, line by line (whatever renderable it holds)."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text.rstrip() for line in lines)


def notifications(app: App[Any]) -> list[str]:
    """The toasts the app shows now, oldest first."""
    return [notification.message for notification in app._notifications]
