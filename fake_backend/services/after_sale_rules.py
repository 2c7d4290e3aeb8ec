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
TYPES = ("refund_only", "return_refund")
# The loops of the state machine, capped so a timeline stays bounded: a rejected request
# may be modified and resubmitted this often, and an order may see this many requests
# withdrawn or closed (a refunded one ends its items', which are finite).
MAX_RESUBMITS = 3
MAX_UNSUCCESSFUL_PER_ORDER = 3
TYPE_LABELS = {
    "refund_only": ("仅退款", "a refund only"),
    "return_refund": ("退货退款", "a return and refund"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    label_zh: str
    label_en: str
    types: tuple[str, ...]
    merchant_pays_return_shipping: bool

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


REASONS: dict[str, Reason] = {
    reason.code: reason
    for reason in (
        Reason("quality_problem", "质量问题", "Quality problem", TYPES, True),
        Reason("damaged", "商品破损", "Arrived damaged", TYPES, True),
        Reason("wrong_item", "商家发错货", "Wrong item sent", TYPES, True),
        Reason("not_as_described", "与商品描述不符", "Not as described", TYPES, True),
        Reason("not_received", "未收到货", "Not received", ("refund_only",), False),
        Reason("changed_mind", "不想要了", "Changed my mind", TYPES, False),
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
        "商品已签收，请申请退货退款",
        "the goods were delivered; request a return and refund",
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
    blocked: dict[str, Verdict]  # type → why this item cannot be part of it

    @property
    def id(self) -> int:
        item_id: int = self.row["id"]
        return item_id


@dataclass
class Assessment:
    """What after-sales one order allows right now."""

    order: sqlite3.Row
    lines: list[Line]
    blocked: dict[str, Verdict]  # type → why the whole order cannot have it
    window_ends_at: float | None

    def allowed_types(self) -> list[str]:
        return [kind for kind in TYPES if kind not in self.blocked]

    def eligible_ids(self, kind: str) -> list[int]:
        return [line.id for line in self.lines if kind not in line.blocked]

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
    received_at: float | None = None
    if status == "pending_payment":
        blocked = {kind: Verdict("not_paid") for kind in TYPES}
    elif status == "cancelled":
        blocked = {kind: Verdict("order_cancelled") for kind in TYPES}
    elif order["kind"] == "service" and status == "awaiting_service":
        blocked = {kind: Verdict("service_booked") for kind in TYPES}
    elif order["kind"] == "virtual":
        # docs/api.md §7.1: codes are not sent back; a refund only while none was viewed.
        blocked["return_refund"] = Verdict("virtual")
        if order["codes_viewed_at"] is not None:
            blocked["refund_only"] = Verdict("codes_viewed")
    elif status == "awaiting_shipment":
        blocked["return_refund"] = Verdict("not_shipped")
    elif status == "completed" or order["delivered_at"] is not None:
        blocked["refund_only"] = Verdict("delivered")
        received_at = order["delivered_at"] or order["completed_at"]
    active = store.active_for_order(ctx.db, order["id"], exclude_after_sale_id)
    active_items = set(loads(active["item_ids"])) if active is not None else set()
    if active is not None:
        for kind in TYPES:
            blocked.setdefault(kind, Verdict("in_progress"))
    # A resubmission (exclude_after_sale_id) is no new request: its own cap is MAX_RESUBMITS.
    ended = store.ended_without_refund(ctx.db, order["id"])
    if exclude_after_sale_id is None and ended >= MAX_UNSUCCESSFUL_PER_ORDER:
        for kind in TYPES:
            blocked.setdefault(kind, Verdict("too_many_requests", {"count": str(ended)}))

    lines: list[Line] = []
    window_ends: list[float] = []
    for row in store.order_lines(ctx.db, order["id"]):
        ends_at: float | None = None
        if row["returnable"] and not row["refunded"] and received_at is not None:
            ends_at = received_at + row["return_window_days"] * DAY
            window_ends.append(ends_at)
        line_blocked: dict[str, Verdict] = {}
        if row["refunded"]:
            line_blocked = {kind: Verdict("refunded") for kind in TYPES}
        elif row["id"] in active_items:
            line_blocked = {kind: Verdict("in_after_sale") for kind in TYPES}
        elif not row["returnable"]:
            reason = row["non_returnable_reason"]
            line_blocked["return_refund"] = Verdict(
                reason if reason in ("customised", "perishable", "virtual") else "not_returnable"
            )
        elif ends_at is not None and now > ends_at:
            line_blocked["return_refund"] = Verdict("window_closed", {"date": _date(ends_at)})
        refundable = row["price_fen"] * row["qty"] - row["discount_share_fen"]
        lines.append(Line(row=row, refundable_fen=max(0, refundable), blocked=line_blocked))

    for kind in TYPES:
        if kind in blocked:
            continue
        if all(line.row["refunded"] for line in lines):
            blocked[kind] = Verdict("all_refunded")
        elif all(kind in line.blocked for line in lines):
            # The latest closed window speaks for the order; else the first item's reason.
            verdicts = [line.blocked[kind] for line in lines if not line.row["refunded"]]
            blocked[kind] = max(verdicts, key=lambda verdict: verdict.params.get("date", ""))
    return Assessment(
        order=order,
        lines=lines,
        blocked=blocked,
        window_ends_at=max(window_ends) if window_ends else None,
    )
