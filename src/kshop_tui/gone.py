"""Work that outlives its screen hands nothing to the screen's widgets.

Textual cancels a node's workers when the node is unmounted, and a screen is unmounted
only after every widget in it has been taken away. A worker whose answer arrives in
between (a refresh in flight when `b` pops the screen) would go on to `query_one` widgets
that are no longer there and end the app with `NoMatches`.

`WorkUntilGone`, mixed into the shop's screens, dialogs and the widgets that run workers,
makes every worker, timer and after-refresh callback of its node stop as soon as the node
is gone or leaving (`gone_or_leaving`): before a worker resumes after an await, it checks,
and if so the await raises `CancelledError` inside the worker (so its `finally` blocks
and `async with` exits still run) and the worker ends quietly, its result dropped. That
is Textual's own cancellation, brought forward to the moment the screen leaves the stack.
A widget lookup that fails while the node is leaving ends the work the same way; one that
fails while the node is live is a bug and is raised as before.
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Callable, Coroutine, Generator
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.app import ScreenStackError
from textual.css.query import NoMatches
from textual.dom import DOMNode, NoScreen
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.timer import Timer, TimerCallback
    from textual.widget import Widget
    from textual.worker import Worker, WorkType

    _NodeBase = Widget
else:
    # A plain mixin at run time, so Textual's CSS type names stay those of the widget.
    _NodeBase = object

T = TypeVar("T")
ResultType = TypeVar("ResultType")

LOOKUP_FAILURES = (NoMatches, NoScreen, ScreenStackError)
"""What asking for a widget raises once its screen is being taken apart."""


def gone_or_leaving(node: DOMNode) -> bool:
    """True once nothing `node` draws can be seen again: the app is closing; the node (or
    a container it is in) is being removed or already detached; or its screen is no longer
    in the app's screen stack (popped or switched away, perhaps still being taken apart).
    A screen covered by another one is still in the stack: its work goes on."""
    app = node.app
    if not app.is_running or node._closing or node._closed or node._pruning:
        return True
    if not node.is_attached:  # also False once the app is exiting
        return True
    screen = node if isinstance(node, Screen) else node.screen
    return screen not in app.screen_stack


@types.coroutine
def _until_gone(node: DOMNode, coroutine: Coroutine[Any, Any, T]) -> Generator[Any, Any, T | None]:
    """Awaits `coroutine`, checking `node` each time the event loop resumes it. Once the
    node is gone or leaving, the pending await raises CancelledError in the coroutine; its
    clean-up then runs unchecked, and the result is None."""
    to_send: Any = None
    to_throw: BaseException | None = None
    ours: asyncio.CancelledError | None = None
    cancelled = False
    while True:
        if to_throw is None and not cancelled and gone_or_leaving(node):
            to_throw = ours = asyncio.CancelledError()
        cancelled = cancelled or isinstance(to_throw, asyncio.CancelledError)
        try:
            yielded = coroutine.send(to_send) if to_throw is None else coroutine.throw(to_throw)
        except StopIteration as done:
            return cast("T", done.value)
        except asyncio.CancelledError as error:
            if error is ours:
                return None
            raise
        except LOOKUP_FAILURES:
            if not gone_or_leaving(node):
                raise  # a live screen lacks the widget: a real bug
            return None
        try:
            to_send, to_throw = (yield yielded), None
        except BaseException as error:  # what the event loop throws in: a cancellation
            to_send, to_throw = None, error


def _drop_when_gone(
    node: DOMNode, work: Callable[[], Coroutine[Any, Any, T]]
) -> Callable[[], Coroutine[Any, Any, T | None]]:
    """`work` (a coroutine function) run so that it stops when `node` goes (see above)."""

    async def guarded() -> T | None:
        return await _until_gone(node, work())

    return guarded


def guard_callback(node: DOMNode, callback: Callable[..., Any]) -> Callable[..., Any]:
    """A timer's or after-refresh callback that does nothing once `node` is gone or
    leaving; an async one also stops at its next await. Textual's own callbacks (the
    screen's refresh timer, which pauses itself when it runs; tooltips) are left as they
    are: Textual stops them in time."""
    function = getattr(callback, "func", callback)  # a partial's function
    if getattr(function, "__module__", "").startswith("textual."):
        return callback

    @wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if gone_or_leaving(node):
            return None
        try:
            result = callback(*args, **kwargs)
        except LOOKUP_FAILURES:
            if not gone_or_leaving(node):
                raise
            return None
        if inspect.iscoroutine(result):
            return _until_gone(node, result)
        return result

    return guarded


class WorkUntilGone(_NodeBase):
    """Mixed in first: the node's workers, timers and after-refresh callbacks stop once it
    is gone or leaving, and hand nothing to widgets after that."""

    def run_worker(
        self,
        work: WorkType[ResultType],
        name: str | None = "",
        group: str = "default",
        description: str = "",
        exit_on_error: bool = True,
        start: bool = True,
        exclusive: bool = False,
        thread: bool = False,
    ) -> Worker[ResultType]:
        if not thread and _is_coroutine_function(work):
            coroutine_function = cast("Callable[[], Coroutine[Any, Any, ResultType]]", work)
            work = cast("WorkType[ResultType]", _drop_when_gone(self, coroutine_function))
        return super().run_worker(
            work,
            name=name,
            group=group,
            description=description,
            exit_on_error=exit_on_error,
            start=start,
            exclusive=exclusive,
            thread=thread,
        )

    def set_timer(
        self,
        delay: float,
        callback: TimerCallback | None = None,
        *,
        name: str | None = None,
        pause: bool = False,
    ) -> Timer:
        guarded = None if callback is None else guard_callback(self, callback)
        return super().set_timer(delay, guarded, name=name, pause=pause)

    def set_interval(
        self,
        interval: float,
        callback: TimerCallback | None = None,
        *,
        name: str | None = None,
        repeat: int = 0,
        pause: bool = False,
    ) -> Timer:
        guarded = None if callback is None else guard_callback(self, callback)
        return super().set_interval(interval, guarded, name=name, repeat=repeat, pause=pause)

    def call_after_refresh(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        return super().call_after_refresh(guard_callback(self, callback), *args, **kwargs)


def _is_coroutine_function(work: object) -> bool:
    """As Textual's Worker decides it: an async function, or a partial of one (`@work`)."""
    return inspect.iscoroutinefunction(work) or inspect.iscoroutinefunction(
        getattr(work, "func", None)
    )
