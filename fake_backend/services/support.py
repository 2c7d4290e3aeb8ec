"""Customer support (客服): threads between a user and the merchant, which the platform
joins when the user escalates (投诉). The simulator answers users' messages.

Replies are written in Chinese whatever the request language: they are messages from
people in a Chinese shop, not interface labels.
"""

from __future__ import annotations

import sqlite3
from itertools import groupby
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import field_error, invalid_state, not_found
from fake_backend.services.paging import after_keyset, cut, decode_cursor
from fake_backend.storage import support as store

ESCALATED_NOTE = "平台客服已介入，将在 24 小时内协助您处理，请耐心等待。"
SHIPPING_WORDS = ("物流", "快递", "发货")
AFTER_SALE_WORDS = ("退款", "退货", "售后")
INVOICE_WORDS = ("发票",)
ORDER_PROGRESS = {
    "pending_payment": "订单 {no} 还未付款，付款后我们会尽快为您发货。",
    "awaiting_shipment": "订单 {no} 已付款，正在备货，通常 48 小时内发货，请耐心等待。",
    "shipped": "订单 {no} 已发货{parcel}，可在订单详情中查看物流进度。",
    "awaiting_service": "订单 {no} 是上门服务，不发快递：师傅会在预约时段上门，可在订单中改期。",
    "completed": "订单 {no} 已签收完成；如包裹有问题，可在订单中申请售后。",
    "cancelled": "订单 {no} 已取消，不会再发货。",
    "closed": "订单 {no} 已全额退款，交易关闭，不会再发货。",
}
SHIPPING_WITHOUT_ORDER = "请告诉我们订单号，我们马上为您查询物流进度。"
AFTER_SALE_ANSWER = (
    "退款或退货请在「订单详情」中点「申请售后」，选择仅退款或退货退款并填写原因；"
    "商家会在 24 小时内处理，超时将自动同意。"
)
INVOICE_ANSWER = (
    "下单时可填写发票抬头（个人或单位）；电子发票会在订单完成后开具，如需修改抬头或税号请告诉我们。"
)
GENERIC_ANSWER = "您好，已收到您的留言，我们正在为您核实，请稍候。感谢您的耐心！"
# How many of the newest messages a thread's detail carries; older ones are paged.
DETAIL_MESSAGES = 20


def _message_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "sender": row["sender"],
        "text": row["text"],
        "created_at": iso(row["created_at"]),
    }


def _thread_view(row: sqlite3.Row, last: sqlite3.Row | None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "order_no": row["order_no"],
        "subject": row["subject"],
        "status": row["status"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "last_message": (
            {"sender": last["sender"], "text": last["text"], "created_at": iso(last["created_at"])}
            if last is not None
            else None
        ),
    }


def _load(ctx: Ctx, user_id: int, thread_id: int) -> sqlite3.Row:
    row = store.thread(ctx.db, user_id, thread_id)
    if row is None:
        raise not_found("thread")
    return row


def _detail(ctx: Ctx, user_id: int, thread_id: int) -> dict[str, Any]:
    row = _load(ctx, user_id, thread_id)
    newest = _older_messages(ctx, thread_id, None, DETAIL_MESSAGES)
    last = store.last_messages(ctx.db, [thread_id]).get(thread_id)
    view = _thread_view(row, last)
    view["messages"] = newest["items"]
    view["messages_next_cursor"] = newest["next_cursor"]
    return view


def _older_messages(ctx: Ctx, thread_id: int, cursor: str | None, limit: int) -> dict[str, Any]:
    """The `limit` messages before the cursor's (the newest without one), oldest first;
    `next_cursor` leads to the ones before those."""
    before_id = int(decode_cursor(cursor, 1)[0]) if cursor else None
    rows = store.messages_before(ctx.db, thread_id, before_id, limit + 1)
    page, next_cursor = cut(rows, limit, lambda message: [message["id"]])
    return {"items": [_message_view(row) for row in reversed(page)], "next_cursor": next_cursor}


def _require_text(field: str, text: str) -> None:
    if not text.strip():
        raise field_error(field, "too_short")


def list_threads(ctx: Ctx, user_id: int, cursor: str | None, limit: int) -> dict[str, Any]:
    rows = store.threads_page(ctx.db, user_id, after_keyset(cursor), limit + 1)
    page, next_cursor = cut(rows, limit, lambda row: [row["updated_at"], row["id"]])
    last = store.last_messages(ctx.db, [row["id"] for row in page])
    return {
        "items": [_thread_view(row, last.get(row["id"])) for row in page],
        "next_cursor": next_cursor,
    }


def create_thread(
    ctx: Ctx, user_id: int, order_id: int | None, subject: str, message: str
) -> dict[str, Any]:
    """Opens a thread (about one of the user's orders, or none) with its first message."""
    _require_text("subject", subject)
    _require_text("message", message)
    with ctx.db.tx():
        if order_id is not None and not store.order_belongs_to(ctx.db, user_id, order_id):
            raise not_found("order")
        now = ctx.now()
        thread_id = store.insert_thread(ctx.db, user_id, order_id, subject, now)
        store.insert_message(ctx.db, thread_id, "user", message, now)
        return _detail(ctx, user_id, thread_id)


def get_thread(ctx: Ctx, user_id: int, thread_id: int) -> dict[str, Any]:
    return _detail(ctx, user_id, thread_id)


def list_messages(
    ctx: Ctx, user_id: int, thread_id: int, after_id: int, cursor: str | None, limit: int
) -> dict[str, Any]:
    """A chat pages backwards: the newest `limit` messages (older ones with `cursor`),
    oldest first. Polling with `after_id` answers the first `limit` messages after it and
    no cursor (poll again from the last one for the rest)."""
    if after_id and cursor:
        raise field_error("cursor", "not_with", other="after_id")
    _load(ctx, user_id, thread_id)
    if not after_id:
        return _older_messages(ctx, thread_id, cursor, limit)
    rows = store.messages_after(ctx.db, thread_id, after_id, limit)
    return {"items": [_message_view(row) for row in rows], "next_cursor": None}


def post_message(ctx: Ctx, user_id: int, thread_id: int, text: str) -> dict[str, Any]:
    _require_text("text", text)
    with ctx.db.tx():
        thread = _load(ctx, user_id, thread_id)
        if thread["status"] == "closed":
            raise invalid_state("closed")
        message_id = store.insert_message(ctx.db, thread_id, "user", text, ctx.now())
        row = store.message(ctx.db, message_id)
    assert row is not None
    return _message_view(row)


def escalate(ctx: Ctx, user_id: int, thread_id: int) -> dict[str, Any]:
    """投诉: the platform joins an open thread and says so."""
    with ctx.db.tx():
        thread = _load(ctx, user_id, thread_id)
        if thread["status"] != "open":
            raise invalid_state(thread["status"])
        now = ctx.now()
        store.set_status(ctx.db, thread_id, "escalated", now)
        store.insert_message(ctx.db, thread_id, "platform", ESCALATED_NOTE, now)
        return _detail(ctx, user_id, thread_id)


def close(ctx: Ctx, user_id: int, thread_id: int) -> dict[str, Any]:
    """The user ends a conversation; a closed thread takes no more messages."""
    with ctx.db.tx():
        thread = _load(ctx, user_id, thread_id)
        if thread["status"] == "closed":
            raise invalid_state("closed")
        store.set_status(ctx.db, thread_id, "closed", ctx.now())
        return _detail(ctx, user_id, thread_id)


def reply_for(text: str, thread: sqlite3.Row) -> str:
    """The canned answer whose keywords the user's words contain."""
    if any(word in text for word in SHIPPING_WORDS):
        template = ORDER_PROGRESS.get(thread["order_status"] or "")
        if template is None:
            return SHIPPING_WITHOUT_ORDER
        parcel = (
            f"（{thread['carrier'] or '快递'} {thread['tracking_no']}）"
            if thread["tracking_no"]
            else ""
        )
        return template.format(no=thread["order_no"], parcel=parcel)
    if any(word in text for word in AFTER_SALE_WORDS):
        return AFTER_SALE_ANSWER
    if any(word in text for word in INVOICE_WORDS):
        return INVOICE_ANSWER
    return GENERIC_ANSWER


def simulate(ctx: Ctx) -> None:
    """Answers users' messages older than the `support_reply` delay: one reply per thread
    for what is waiting, from the merchant, or from the platform once escalated."""
    cutoff = ctx.now() - ctx.delays["support_reply"]
    waiting = store.unanswered_before(ctx.db, cutoff)
    for (thread_id, user_id), group in groupby(
        waiting, key=lambda row: (row["thread_id"], row["user_id"])
    ):
        messages = list(group)
        with ctx.db.tx():
            thread = store.thread(ctx.db, user_id, thread_id)
            if thread is None or thread["status"] not in ("open", "escalated"):
                continue
            sender = "platform" if thread["status"] == "escalated" else "merchant"
            text = "\n".join(message["text"] for message in messages)
            store.insert_message(ctx.db, thread_id, sender, reply_for(text, thread), ctx.now())
            store.mark_answered(ctx.db, [message["id"] for message in messages])
