"""What the support screens share: a thread's status in words and colour, and the
server's limits."""

from __future__ import annotations

from kshop_tui.i18n import t

PAGE_SIZE = 20
MAX_MESSAGE = 1000


def thread_status_name(status: str) -> str:
    key = f"cs.status.{status}"
    name = t(key)
    return status if name == key else name


def status_style(status: str) -> str:
    if status == "escalated":
        return "bold yellow"
    if status == "closed":
        return "dim"
    return "bold green"
