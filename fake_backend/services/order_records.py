"""What every area that touches an order shares: finding the user's order, adding a line
to its timeline and showing its notes, and the order's time limits and caps.

It sits below the order modules (`order_views`, `order_states`, `order_creation`,
`order_changes`), `payments`, `logistics`, the after-sale modules and `reviews`, and
imports none of them, so the services' imports form a DAG (`tests/backend/test_layers.py`).
"""

from __future__ import annotations

import sqlite3

from fake_backend.context import Ctx
from fake_backend.errors import not_found
from fake_backend.services.rules import dumps, loads
from fake_backend.storage import orders as store

AUTO_CANCEL_SECONDS = 30 * 60
AUTO_CONFIRM_SECONDS = 10 * 86400
REVIEW_WINDOW_SECONDS = 30 * 86400
DAY_SECONDS = 86400
# Changes of lines or address per unpaid order: each is a timeline entry, so the timeline
# stays bounded (a finite state machine plus at most this many changes).
MAX_ORDER_CHANGES = 10

# Reasons a user may give for cancelling, in the order the client lists them.
CANCEL_REASONS: dict[str, tuple[str, str]] = {
    "no_longer_needed": ("不想要了", "I no longer want it"),
    "wrong_address": ("地址填错了", "The address is wrong"),
    "duplicate_order": ("重复下单", "I ordered twice"),
    "wrong_item": ("商品选错了", "I chose the wrong item"),
    "better_price": ("其他地方更便宜", "It is cheaper elsewhere"),
    "payment_trouble": ("支付遇到问题", "I had trouble paying"),
    "other": ("其他", "Other"),
}
# Event notes stored as keys and shown in the reader's language; any other note is shown
# as it was written.
NOTE_TEXTS: dict[str, tuple[str, str]] = {
    **CANCEL_REASONS,
    "timeout": ("超时未支付，系统自动取消", "Not paid within 30 minutes; cancelled automatically"),
    "coupon_released": (
        "优惠券已不满足使用条件，已退回",
        "The coupon no longer applies and was returned",
    ),
    "auto_confirmed": (
        "签收 10 天后系统自动确认收货",
        "Receipt confirmed automatically 10 days after delivery",
    ),
    "refund_on_cancel": ("订单取消，全额退款", "Order cancelled: refunded in full"),
    "codes_delivered": ("卡密已发放，可在订单详情查看", "Codes delivered: see them in the order"),
    "service_done": ("商家已完成服务", "The merchant completed the service"),
    "service_auto_completed": (
        "服务时段结束 24 小时后系统自动完成",
        "Completed automatically 24 hours after the slot",
    ),
    "after_sale_withdrawn": ("买家撤销售后申请", "The buyer withdrew the after-sale request"),
    "after_sale_upheld": ("平台维持商家处理结果", "The platform upheld the merchant's decision"),
    "exchange_done": ("换货完成", "Exchange completed"),
    "all_refunded": (
        "全部商品已退款，交易关闭",
        "Every item was refunded; the order is closed",
    ),
    "alipay": ("支付宝支付", "Paid with Alipay"),
    "wechat_pay": ("微信支付", "Paid with WeChat Pay"),
    "bank_card": ("银行卡支付", "Paid by bank card"),
    "balance": ("余额支付", "Paid from balance"),
    "bnpl": ("先用后付", "Pay later"),
}
# The first key of a note kept in both languages (`both_languages`).
BILINGUAL_MARK = "zh"


def add_event(ctx: Ctx, order_id: int, status: str, note: str = "") -> None:
    """Appends a line to the order's timeline."""
    with ctx.db.tx():
        store.add_event(ctx.db, order_id, status, note, ctx.now())


def both_languages(zh: str, en: str) -> str:
    """An event note with figures in it (no fixed `NOTE_TEXTS` key fits), kept in both
    languages and shown in the reader's."""
    return dumps({BILINGUAL_MARK: zh, "en": en})


def localized(texts: tuple[str, str], lang: str) -> str:
    return texts[0] if lang == "zh" else texts[1]


def note_text(note: str | None, lang: str) -> str | None:
    """A stored note as the reader sees it: a `NOTE_TEXTS` key or a `both_languages` note
    in their language, any other note as written."""
    if note is None:
        return None
    texts = NOTE_TEXTS.get(note)
    if texts is None and note.startswith(f'{{"{BILINGUAL_MARK}":'):
        both = loads(note)
        texts = (both[BILINGUAL_MARK], both["en"])
    return localized(texts, lang) if texts is not None else note


def load_order(ctx: Ctx, user_id: int, order_id: int) -> sqlite3.Row:
    """The order row if it is the user's; 404 otherwise (never revealing it exists)."""
    order = store.get_order(ctx.db, order_id)
    if order is None or order["user_id"] != user_id:
        raise not_found("order")
    return order
