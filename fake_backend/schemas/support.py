"""Customer-support threads and messages on the wire."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel

MAX_ID = 2**62
Sender = Literal["user", "merchant", "platform"]
ThreadStatus = Literal["open", "escalated", "closed"]


class LastMessage(BaseModel):
    sender: Sender
    text: str
    created_at: str


class Message(BaseModel):
    id: int
    sender: Sender
    text: str
    created_at: str


class MessageList(BaseModel):
    items: list[Message]
    next_cursor: str | None


class Thread(BaseModel):
    id: int
    order_id: int | None
    order_no: str | None
    subject: str
    status: ThreadStatus
    created_at: str
    updated_at: str
    last_message: LastMessage | None


class ThreadDetail(Thread):
    messages: list[Message] = Field(description="The newest 20, oldest first.")
    messages_next_cursor: str | None = Field(
        description="For GET /support/threads/{id}/messages?cursor=: the older messages."
    )


class ThreadList(BaseModel):
    items: list[Thread]
    next_cursor: str | None


class ThreadIn(StrictModel):
    order_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    subject: str = Field(min_length=1, max_length=60)
    message: str = Field(min_length=1, max_length=1000)


class MessageIn(StrictModel):
    text: str = Field(min_length=1, max_length=1000)
