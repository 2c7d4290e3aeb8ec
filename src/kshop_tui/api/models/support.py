"""Support threads and their messages."""

from __future__ import annotations

from kshop_tui.api.models.base import Line, Model, Paragraph


class LastMessage(Model):
    sender: str
    text: Paragraph
    created_at: str


class SupportMessage(Model):
    id: int
    sender: str
    """user, merchant or platform."""
    text: Paragraph
    created_at: str


class SupportThread(Model):
    id: int
    order_id: int | None = None
    order_no: Line | None = None
    subject: Line
    status: str
    created_at: str
    updated_at: str
    last_message: LastMessage | None = None


class SupportMessagePage(Model):
    items: list[SupportMessage]
    """Oldest first."""
    next_cursor: str | None = None
    """Leads to older messages."""


class SupportThreadDetail(SupportThread):
    messages: list[SupportMessage]
    """The newest page, oldest first."""
    messages_next_cursor: str | None = None
    """For `thread_messages(cursor=)`: the messages before these."""


class SupportThreadPage(Model):
    items: list[SupportThread]
    next_cursor: str | None = None
