"""How a screen opens another without importing it: it posts `Open(route, …)` and the
App builds the screen from its route table (`kshop_tui.routes`), the same table its keys,
its command palette and `--open` deep links read."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message import Message


class Open(Message):
    """Show `route` with these arguments. With `reply`, the App sets it to what the
    screen was dismissed with; `replace` swaps the current screen for the new one."""

    def __init__(
        self,
        route: str,
        *args: Any,
        reply: asyncio.Future[Any] | None = None,
        replace: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.route = route
        self.args = args
        self.kwargs = kwargs
        self.reply = reply
        self.replace = replace
