"""An API error put into the user's words, the same way on every screen and in every flow.

The backend's message is data: it goes through `text.clean`, so a refusal can never move
the cursor or retitle the terminal. A backend that did not answer sent no words; the
caller says what to show instead."""

from __future__ import annotations

from kshop_tui.api import errors
from kshop_tui.text import clean


def error_words(error: Exception, *, unreachable: str | None = None) -> str:
    """What to show for `error`. `unreachable`: the words for a backend that did not
    answer (None: the client's own description of the network failure)."""
    if isinstance(error, errors.BackendUnreachable) and unreachable is not None:
        return unreachable
    if isinstance(error, errors.ApiError):
        return clean(error.message)
    return str(error)
