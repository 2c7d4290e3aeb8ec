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
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerCancelled

from kshop_tui.screens.login import LoginScreen

T = TypeVar("T")


async def settle(pilot: Pilot[Any], *, waiting: Collection[str] = (), rounds: int = 3) -> None:
    """Lets timers fire and every worker finish, a few rounds (workers start workers).

    Workers of the `waiting` groups wait on the user (a pushed screen, an endless poll) and
    never finish by themselves; while the login screen is up, any other screen's call may be
    waiting for that login, so only the login screen's own workers are waited for. A worker
    replaced by a newer one of its exclusive group ends cancelled: that is not a failure."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        logging_in = isinstance(app.screen, LoginScreen)
        busy = [
            worker
            for worker in app.workers
            if not worker.is_finished
            and worker.group not in waiting
            and (not logging_in or worker.node is app.screen)
        ]
        for worker in busy:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
    await pilot.pause()


async def wait_until(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    tries: int = 100,
    *,
    waiting: Collection[str] = (),
) -> None:
    """Settles until `condition` holds (a poll or a timer may have to fire first)."""
    for _ in range(tries):
        await settle(pilot, waiting=waiting)
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


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
