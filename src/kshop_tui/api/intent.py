"""One user intent (place this order, pay it, top up, ask for this refund) carries one
Idempotency-Key. The key is kept while no answer came, so a retry cannot make a second
order or charge twice (docs/api.md §4.4), and dropped once the server has answered either
way, so the next press is a new intent. The TUI's flows and the CLI share this rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kshop_tui.api import errors

T = TypeVar("T")


def new_intent_key() -> str:
    """One Idempotency-Key per user intent: make it once, reuse it on every retry."""
    return str(uuid.uuid4())


def unanswered(error: BaseException) -> bool:
    """No answer, or the same request still running: what it asked for may have happened,
    so a retry must carry the same key."""
    return isinstance(error, errors.BackendUnreachable | errors.ServerError) or (
        isinstance(error, errors.Conflict) and error.code == "IDEMPOTENCY_IN_FLIGHT"
    )


class Intent:
    """The key of one intent, from its first send until a definite answer."""

    def __init__(self, key: str | None = None) -> None:
        self.key = key

    @property
    def pending(self) -> bool:
        """Sent without a definite answer: the next send repeats it."""
        return self.key is not None

    def begin(self) -> str:
        """The key to send: the pending one, or a new one."""
        if self.key is None:
            self.key = new_intent_key()
        return self.key

    def settle(self, error: BaseException | None = None) -> None:
        """After a send: a success or a refusal ends the intent; no answer keeps it."""
        if error is None or not unanswered(error):
            self.key = None

    def forget(self) -> None:
        """The user chose something else: whatever comes next is a new intent."""
        self.key = None

    async def send(self, request: Callable[[str], Awaitable[T]]) -> T:
        """Sends `request(key)` and settles the intent by how it ended."""
        key = self.begin()
        try:
            result = await request(key)
        except errors.ApiError as error:
            self.settle(error)
            raise
        self.settle()
        return result
