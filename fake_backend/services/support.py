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
from fake_backend.services.wallet import decode_cursor, encode_cursor
from fake_backend.storage import support as store

ESCALATED_NOTE = "平台客服已介入，将在 24 小时内协助您处理，请耐心等待。"
SHIPPING_WORDS = ("物流", "快递", "发货")
AFTER_SALE_WORDS = ("退款", "退货", "售后")
INVOICE_WORDS = ("发票",)
ORDER_PROGRESS = {
    "pending_payment": "订单 {no} 还未付款，付款后我们会尽快为您发货。",
    "awaiting_shipment": "订单 {no} 已付款，正在备货，通常 48 小时内发货，请耐心等待。",
    "shipped": "订单 {no} 已发货{parcel}，可在订单详情中查看物流进度。",
    "completed": "订单 {no} 已签收完成；如包裹有问题，可在订单中申请售后。",
    "cancelled": "订单 {no} 已取消，不会再发货。",
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
    messages = store.messages(ctx.db, thread_id, 0)
    view = _thread_view(row, messages[-1] if messages else None)
    view["messages"] = [_message_view(message) for message in messages]
    return view


def _require_text(field: str, text: str) -> None:
    if not text.strip():
        raise field_error(field, "too_short")


def list_threads(ctx: Ctx, user_id: int, cursor: str | None, limit: int) -> dict[str, Any]:
    after = None
    if cursor:
        updated_at, thread_id = decode_cursor(cursor, 2)
        after = (float(updated_at), int(thread_id))
    rows = store.threads_page(ctx.db, user_id, after, limit + 1)
    page = rows[:limit]
    last = store.last_messages(ctx.db, [row["id"] for row in page])
    next_cursor = (
        encode_cursor([page[-1]["updated_at"], page[-1]["id"]])
        if len(rows) > limit and page
        else None
    )
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


def list_messages(ctx: Ctx, user_id: int, thread_id: int, after_id: int) -> dict[str, Any]:
    """The thread's messages after `after_id`, oldest first (a client polls with the last id)."""
    _load(ctx, user_id, thread_id)
    return {"items": [_message_view(row) for row in store.messages(ctx.db, thread_id, after_id)]}


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
