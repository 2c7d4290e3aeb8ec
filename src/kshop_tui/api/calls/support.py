"""Customer support threads and their messages."""

from __future__ import annotations

from typing import Any

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls


class SupportCalls(ApiCalls):
    """Support calls of `KshopClient`."""

    async def support_threads(
        self, cursor: str | None = None, limit: int = 20
    ) -> models.SupportThreadPage:
        return await self._get(
            f"{API}/support/threads", models.SupportThreadPage, cursor=cursor, limit=limit
        )

    async def support_thread(self, thread_id: int) -> models.SupportThreadDetail:
        return await self._get(f"{API}/support/threads/{thread_id}", models.SupportThreadDetail)

    async def open_thread(
        self, subject: str, message: str, order_id: int | None = None
    ) -> models.SupportThreadDetail:
        body: dict[str, Any] = {"subject": subject, "message": message}
        if order_id is not None:
            body["order_id"] = order_id
        return await self._send("POST", f"{API}/support/threads", models.SupportThreadDetail, body)

    async def thread_messages(
        self,
        thread_id: int,
        after_id: int | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> models.SupportMessagePage:
        """Oldest first within the page. Polling: `after_id` (the last id seen) answers the
        first `limit` after it. Otherwise the newest `limit`, or those before `cursor`
        (a page's `next_cursor`, or a thread's `messages_next_cursor`)."""
        return await self._get(
            f"{API}/support/threads/{thread_id}/messages",
            models.SupportMessagePage,
            after_id=after_id,
            cursor=cursor,
            limit=limit,
        )

    async def send_message(self, thread_id: int, text: str) -> models.SupportMessage:
        return await self._send(
            "POST",
            f"{API}/support/threads/{thread_id}/messages",
            models.SupportMessage,
            {"text": text},
        )

    async def escalate_thread(self, thread_id: int) -> models.SupportThreadDetail:
        """投诉: the platform joins the conversation."""
        return await self._send(
            "POST", f"{API}/support/threads/{thread_id}/escalate", models.SupportThreadDetail
        )

    async def close_thread(self, thread_id: int) -> models.SupportThreadDetail:
        return await self._send(
            "POST", f"{API}/support/threads/{thread_id}/close", models.SupportThreadDetail
        )
