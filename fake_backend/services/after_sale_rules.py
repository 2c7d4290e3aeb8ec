"""After-sales' rules (docs/api.md §2 "Returns"): the types and reasons, the caps on the
state machine's loops, the texts of refusals and timeline notes, and `assess` — which
after-sales an order allows right now, for which items, up to how much."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fake_backend.context import Ctx
from fake_backend.services.rules import china_date, fmt_fen, loads
from fake_backend.storage import after_sales as store

DAY = 86400.0
ANSWER_DEADLINE = 24 * 3600.0
TYPES = ("refund_only", "return_refund", "exchange")
# Types that send the goods back to the merchant.
GOODS_BACK = ("return_refund", "exchange")
# Quality problems (and a parcel that never arrived) are heard on any goods, for this long
# after receipt, whatever the no-reason window says (§7.3).
QUALITY_WINDOW_DAYS = 90
# An exchange's replacement counts as received this long after it was reshipped.
AUTO_COMPLETE_REPLACEMENT = 10 * DAY
# The loops of the state machine, capped so a timeline stays bounded: a rejected request
# may be modified and resubmitted this often, and an order may see this many requests
# withdrawn or closed (a refunded one ends its items', which are finite).
MAX_RESUBMITS = 3
MAX_UNSUCCESSFUL_PER_ORDER = 3
TYPE_LABELS = {
    "refund_only": ("仅退款", "a refund only"),
    "return_refund": ("退货退款", "a return and refund"),
    "exchange": ("换货", "an exchange"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    label_zh: str
    label_en: str
    types: tuple[str, ...]
    merchant_pays_return_shipping: bool
    # A quality problem: heard on any goods up to QUALITY_WINDOW_DAYS after receipt, a
    # refund only after delivery included; needs at least one photo.
    quality: bool = False
    # A refund only after delivery without being a quality problem (未收到货).
    refund_after_delivery: bool = False

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    @property
    def extended(self) -> bool:
        """Whether the quality rules (`Assessment.quality`) judge it, not the ordinary ones."""
        return self.quality or self.refund_after_delivery


REASONS: dict[str, Reason] = {
    reason.code: reason
    for reason in (
        Reason("quality_problem", "质量问题", "Quality problem", TYPES, True, quality=True),
        Reason("damaged", "商品破损", "Arrived damaged", TYPES, True, quality=True),
        Reason("missing_items", "少件/漏发", "Items missing", TYPES, True, quality=True),
        Reason("not_as_described", "与商品描述不符", "Not as described", TYPES, True, quality=True),
        Reason("wrong_item", "商家发错货", "Wrong item sent", TYPES, True),
        Reason("size_fit", "尺码/规格不合适", "Wrong size or spec", GOODS_BACK, False),
        Reason(
            "not_received",
            "未收到货",
            "Not received",
            ("refund_only",),
            False,
            refund_after_delivery=True,
        ),
        Reason(
            "changed_mind", "不想要了", "Changed my mind", ("refund_only", "return_refund"), False
        ),
        Reason("other", "其他原因", "Other", TYPES, False),
    )
}
# Why something is not allowed, and the system's own timeline notes: (zh, en) templates.
TEXTS: dict[str, tuple[str, str]] = {
    "not_paid": ("订单尚未付款", "the order is not paid yet"),
    "order_cancelled": ("订单已取消", "the order is cancelled"),
    "not_shipped": (
        "订单尚未发货，请申请仅退款",
        "the order has not shipped yet; request a refund only",
    ),
    "delivered": (
        "商品已签收，仅退款仅限少件、未收到货或质量问题",
        "the goods were delivered; a refund only is for missing items, a parcel not"
        " received or a quality problem",
    ),
    "order_closed": ("订单已关闭", "the order is closed"),
    "quality_window_closed": (
        "已超过签收后 {days} 天的售后期（{date} 结束）",
        "after-sales closed {days} days after receipt, on {date}",
    ),
    "in_progress": ("该订单已有进行中的售后", "an after-sale of this order is under way"),
    "too_many_requests": (
        "该订单已有 {count} 次售后申请被撤销或关闭，不能再申请，请联系客服",
        "{count} after-sales of this order were withdrawn or closed already; contact support",
    ),
    "in_after_sale": ("该商品售后处理中", "this item is in an after-sale already"),
    "refunded": ("该商品已退款", "this item is already refunded"),
    "all_refunded": ("订单商品均已退款", "every item of this order is already refunded"),
    "window_closed": ("退货期已于 {date} 结束", "the return window closed on {date}"),
    "customised": ("定制商品不支持退货", "customised goods cannot be returned"),
    "perishable": ("生鲜易腐商品不支持退货", "perishable goods cannot be returned"),
    "virtual": ("虚拟商品不支持退货", "virtual goods cannot be returned"),
    "not_returnable": ("该商品不支持退货", "this product cannot be returned"),
    "codes_viewed": ("卡密已查看，不支持退款", "the codes were viewed, so they cannot be refunded"),
    "service_booked": (
        "服务尚未进行：服务开始 24 小时前可取消预约并全额退款",
        "the service has not taken place: cancel the booking up to 24 hours before it for a"
        " full refund",
    ),
    "auto_approved": (
        "商家超时未处理，系统自动同意",
        "The merchant did not answer in time; approved automatically",
    ),
    "resubmitted": ("买家修改后重新提交", "Modified and resubmitted by the buyer"),
    "merchant_rejected": ("商家拒绝了申请", "The merchant rejected the request"),
    "changed_mind_rejected": (
        "商品已拆封使用，影响二次销售，不支持无理由退货",
        "The goods were opened and used, so a no-reason return is not accepted",
    ),
    "send_back": (
        "请将商品寄回商家并填写退货运单号",
        "Send the goods back and enter the return tracking number",
    ),
    "refund_sent": ("退款 {amount} 已退回{account}", "{amount} refunded to {account}"),
    "platform_refund": (
        "平台介入支持买家：退款 {amount} 已退回{account}",
        "The platform sided with the buyer: {amount} refunded to {account}",
    ),
    "platform_closed": (
        "平台介入：维持商家处理结果",
        "The platform upheld the merchant's decision",
    ),
    "parcel_received": ("商家已签收退货", "The merchant received the returned goods"),
    "user_cancelled": ("买家撤销了申请", "Withdrawn by the buyer"),
    "order_requested": ("申请{type} {amount}", "Requested {type} of {amount}"),
    "order_requested_exchange": ("申请换货", "Requested an exchange"),
    "send_back_exchange": (
        "请将商品寄回商家并填写退货运单号，商家收到后寄出新商品",
        "Send the goods back and enter the return tracking number; the merchant then"
        " ships the replacement",
    ),
    "exchange_out_of_stock": (
        "换货商品（{specs}）已无库存，商家改为退货退款 {amount}",
        "The replacement ({specs}) is out of stock, so the merchant offers a return and"
        " refund of {amount} instead",
    ),
    "parcel_received_exchange": (
        "商家已签收退货，将寄出新商品",
        "The merchant received the goods and will ship the replacement",
    ),
    "replacement_shipped": (
        "新商品已寄出：{carrier} {tracking_no}",
        "Replacement shipped: {carrier} {tracking_no}",
    ),
    "replacement_confirmed": (
        "买家确认收到新商品，换货完成",
        "The buyer confirmed the replacement; exchange done",
    ),
    "replacement_auto_confirmed": (
        "新商品寄出 10 天后系统自动确认收货，换货完成",
        "Replacement confirmed automatically 10 days after it was shipped; exchange done",
    ),
    "platform_approved": (
        "平台介入支持买家：商家须同意申请",
        "The platform sided with the buyer: the merchant must accept the request",
    ),
}
ACCOUNT_NAMES = {
    "balance": ("余额", "the balance"),
    "red_packet": ("红包", "red packets"),
    "bank_card": ("银行卡", "the bank card"),
    "alipay": ("支付宝", "Alipay"),
    "wechat_pay": ("微信支付", "WeChat Pay"),
    "bnpl": ("先用后付", "pay later"),
}


@dataclass(frozen=True)
class Verdict:
    """Why a type (or an item) is not allowed: a TEXTS key and its parameters."""

    code: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return text(self.code, lang, **self.params)


@dataclass
class Line:
    row: sqlite3.Row
    refundable_fen: int
    blocked: dict[str, Verdict]  # type → why this item cannot be part of it (ordinary reasons)
    quality_blocked: dict[str, Verdict]  # the same under the quality rules

    @property
    def id(self) -> int:
        item_id: int = self.row["id"]
        return item_id

    def blocks(self, quality: bool) -> dict[str, Verdict]:
        return self.quality_blocked if quality else self.blocked


@dataclass
class Assessment:
    """What after-sales one order allows right now, under the ordinary rules (any reason)
    and under the quality rules (reasons with `Reason.extended`)."""

    order: sqlite3.Row
    lines: list[Line]
    blocked: dict[str, Verdict]  # type → why the whole order cannot have it
    quality_blocked: dict[str, Verdict]
    window_ends_at: float | None
    quality_window_ends_at: float | None

    def blocks(self, quality: bool) -> dict[str, Verdict]:
        return self.quality_blocked if quality else self.blocked

    def allowed_types(self, quality: bool | None = None) -> list[str]:
        """The types allowed under one set of rules, or (None) under either."""
        tiers = (False, True) if quality is None else (quality,)
        return [kind for kind in TYPES if any(kind not in self.blocks(tier) for tier in tiers)]

    def eligible_ids(self, kind: str, quality: bool | None = None) -> list[int]:
        tiers = (False, True) if quality is None else (quality,)
        return [
            line.id for line in self.lines if any(kind not in line.blocks(tier) for tier in tiers)
        ]

    def reasons_for(self, kind: str) -> list[str]:
        """The reason codes a request of `kind` may give on this order now."""
        return [
            code
            for code, reason in REASONS.items()
            if kind in reason.types and kind not in self.blocks(reason.extended)
        ]

    def max_refund(self, item_ids: Sequence[int]) -> int:
        """What was paid for these items (discount shares deducted), plus the shipping
        fee while the order has not shipped and they are all that is left to refund;
        never more than what the order still holds."""
        chosen = set(item_ids)
        total = sum(line.refundable_fen for line in self.lines if line.id in chosen)
        unrefunded = {line.id for line in self.lines if not line.row["refunded"]}
        if self.order["shipped_at"] is None and unrefunded <= chosen:
            total += self.order["shipping_fen"]
        still_held: int = self.order["total_fen"] - self.order["refunded_fen"]
        return max(0, min(total, still_held))


def text(code: str, lang: str, **params: str) -> str:
    zh, en = TEXTS[code]
    return (zh if lang == "zh" else en).format(**params)


def localized_params(params: dict[str, Any], lang: str) -> dict[str, str]:
    out = {key: str(value) for key, value in params.items()}
    if "amount_fen" in params:
        out["amount"] = fmt_fen(int(params["amount_fen"]))
    if "account" in params:
        zh, en = ACCOUNT_NAMES.get(str(params["account"]), (params["account"],) * 2)
        out["account"] = zh if lang == "zh" else en
    return out


def _date(ts: float) -> str:
    return china_date(ts).strftime("%Y-%m-%d")


def assess(
    ctx: Ctx,
    order: sqlite3.Row,
    *,
    exclude_after_sale_id: int | None = None,
    window_at: float | None = None,
) -> Assessment:
    """The after-sale rules for `order`. `exclude_after_sale_id` is the after-sale being
    modified (it does not block itself); `window_at` is when the return window is judged
    (a resubmission keeps the date of the first request)."""
    now = ctx.now() if window_at is None else window_at
    status = order["status"]
    blocked: dict[str, Verdict] = {}
    quality_blocked: dict[str, Verdict] = {}
    received_at: float | None = None
    whole_order = {
        "pending_payment": "not_paid",
        "cancelled": "order_cancelled",
        "closed": "order_closed",
    }
    if status in whole_order:
        blocked = {kind: Verdict(whole_order[status]) for kind in TYPES}
        quality_blocked = dict(blocked)
    elif order["kind"] == "service" and status == "awaiting_service":
        blocked = {kind: Verdict("service_booked") for kind in TYPES}
        quality_blocked = dict(blocked)
    elif order["kind"] == "virtual":
        # docs/api.md §7.1: codes are not sent back; a refund only while none was viewed.
        for kind in GOODS_BACK:
            blocked[kind] = quality_blocked[kind] = Verdict("virtual")
        if order["codes_viewed_at"] is not None:
            blocked["refund_only"] = quality_blocked["refund_only"] = Verdict("codes_viewed")
    elif status == "awaiting_shipment":
        for kind in GOODS_BACK:
            blocked[kind] = quality_blocked[kind] = Verdict("not_shipped")
    elif status == "completed" or order["delivered_at"] is not None:
        blocked["refund_only"] = Verdict("delivered")
        received_at = order["delivered_at"] or order["completed_at"]
    quality_ends_at = received_at + QUALITY_WINDOW_DAYS * DAY if received_at is not None else None
    if quality_ends_at is not None and now > quality_ends_at:
        for kind in TYPES:
            quality_blocked.setdefault(
                kind,
                Verdict(
                    "quality_window_closed",
                    {"days": str(QUALITY_WINDOW_DAYS), "date": _date(quality_ends_at)},
                ),
            )
    active = store.active_for_order(ctx.db, order["id"], exclude_after_sale_id)
    active_items = set(loads(active["item_ids"])) if active is not None else set()
    if active is not None:
        for kind in TYPES:
            blocked.setdefault(kind, Verdict("in_progress"))
            quality_blocked.setdefault(kind, Verdict("in_progress"))
    # A resubmission (exclude_after_sale_id) is no new request: its own cap is MAX_RESUBMITS.
    ended = store.ended_without_refund(ctx.db, order["id"])
    if exclude_after_sale_id is None and ended >= MAX_UNSUCCESSFUL_PER_ORDER:
        for kind in TYPES:
            too_many = Verdict("too_many_requests", {"count": str(ended)})
            blocked.setdefault(kind, too_many)
            quality_blocked.setdefault(kind, too_many)

    lines: list[Line] = []
    window_ends: list[float] = []
    for row in store.order_lines(ctx.db, order["id"]):
        ends_at: float | None = None
        if row["returnable"] and not row["refunded"] and received_at is not None:
            ends_at = received_at + row["return_window_days"] * DAY
            window_ends.append(ends_at)
        line_blocked: dict[str, Verdict] = {}
        line_quality_blocked: dict[str, Verdict] = {}
        if row["refunded"]:
            line_blocked = {kind: Verdict("refunded") for kind in TYPES}
            line_quality_blocked = dict(line_blocked)
        elif row["id"] in active_items:
            line_blocked = {kind: Verdict("in_after_sale") for kind in TYPES}
            line_quality_blocked = dict(line_blocked)
        elif not row["returnable"]:
            reason = row["non_returnable_reason"]
            verdict = Verdict(
                reason if reason in ("customised", "perishable", "virtual") else "not_returnable"
            )
            for kind in GOODS_BACK:
                line_blocked[kind] = verdict
                # A quality problem is heard on customised and perishable goods too; codes
                # already delivered cannot be sent back.
                if reason == "virtual":
                    line_quality_blocked[kind] = verdict
        elif ends_at is not None and now > ends_at:
            for kind in GOODS_BACK:
                line_blocked[kind] = Verdict("window_closed", {"date": _date(ends_at)})
        refundable = row["price_fen"] * row["qty"] - row["discount_share_fen"]
        lines.append(
            Line(
                row=row,
                refundable_fen=max(0, refundable),
                blocked=line_blocked,
                quality_blocked=line_quality_blocked,
            )
        )

    for order_blocked, quality in ((blocked, False), (quality_blocked, True)):
        for kind in TYPES:
            if kind in order_blocked:
                continue
            if all(line.row["refunded"] for line in lines):
                order_blocked[kind] = Verdict("all_refunded")
            elif all(kind in line.blocks(quality) for line in lines):
                # The latest closed window speaks for the order; else the first item's reason.
                verdicts = [
                    line.blocks(quality)[kind] for line in lines if not line.row["refunded"]
                ]
                order_blocked[kind] = max(
                    verdicts, key=lambda verdict: verdict.params.get("date", "")
                )
    return Assessment(
        order=order,
        lines=lines,
        blocked=blocked,
        quality_blocked=quality_blocked,
        window_ends_at=max(window_ends) if window_ends else None,
        quality_window_ends_at=quality_ends_at,
    )
