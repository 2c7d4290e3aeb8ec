"""How a screen opens another without importing it: it posts `Open(route, …)` and the
App builds the screen from its route table (`kshop_tui.routes`), the same table its keys,
its command palette and `--open` deep links read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.message import Message


class Open(Message):
    """Show `route` with these arguments. What the new screen is dismissed with goes to
    `reply` (a future a worker awaits) or to `callback`; `replace` swaps the current
    screen for the new one."""

    def __init__(
        self,
        route: str,
        *args: Any,
        reply: asyncio.Future[Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
        replace: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.route = route
        self.args = args
        self.kwargs = kwargs
        self.reply = reply
        self.callback = callback
        self.replace = replace
