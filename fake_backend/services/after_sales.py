"""After-sales (售后): refund only and return-and-refund, the merchant's answer, the
return parcel, modification, appeals to the platform, the 24 h answer deadline and the
merchant simulator's moves (docs/api.md §2 "Returns", §3).

Every move is one transaction guarded by the after-sale's current status, so an illegal
transition answers 409 INVALID_STATE and changes nothing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, field_error, invalid_state, not_found
from fake_backend.services import addresses, logistics, order_records, orders, payments
from fake_backend.services.paging import after_keyset, encode_cursor
from fake_backend.services.rules import CHINA_TZ, china_date, dumps, fmt_fen, loads
from fake_backend.storage import after_sales as store

DAY = 86400.0
ANSWER_DEADLINE = 24 * 3600.0
PICKUP_DAYS = 3
PICKUP_WINDOWS = ((9, 11), (11, 13), (13, 15), (15, 17), (17, 19))
PICKUP_CARRIER = "SF"
PICKUP_ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail")
SLOT_RE = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2}) (?P<start>\d{2}):00-(?P<end>\d{2}):00")
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
# Where returned goods go: the merchant's after-sale desk in the order's warehouse city.
WAREHOUSE_PROVINCES = {
    "广州市": "广东省",
    "深圳市": "广东省",
    "东莞市": "广东省",
    "杭州市": "浙江省",
    "义乌市": "浙江省",
    "苏州市": "江苏省",
    "成都市": "四川省",
    "武汉市": "湖北省",
    "上海市": "上海市",
    "北京市": "北京市",
}
RETURN_DESK = {
    "name": "kshop 售后服务中心",
    "phone": "4008208820",
    "district": "物流园区",
    "detail": "售后仓 3 号门（请勿到付）",
}


@dataclass(frozen=True)
class Verdict:
    """Why a type (or an item) is not allowed: a TEXTS key and its parameters."""

    code: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return _text(self.code, lang, **self.params)


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


def _text(code: str, lang: str, **params: str) -> str:
    zh, en = TEXTS[code]
    return (zh if lang == "zh" else en).format(**params)


def _date(ts: float) -> str:
    return china_date(ts).strftime("%Y-%m-%d")


# ---- eligibility ----------------------------------------------------------------------


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


def eligibility(ctx: Ctx, user_id: int, order_id: int, lang: str) -> dict[str, Any]:
    """GET /orders/{id}/after-sale-eligibility."""
    order = order_records.load_order(ctx, user_id, order_id)
    assessment = assess(ctx, order)
    allowed = assessment.allowed_types()
    by_type = {kind: assessment.max_refund(assessment.eligible_ids(kind)) for kind in allowed}
    items = []
    for line in assessment.lines:
        line_types = [kind for kind in allowed if kind not in line.blocked]
        # Say why the item misses a type the order allows, or why it has none at all.
        why = next((line.blocked[kind] for kind in allowed if kind in line.blocked), None)
        if why is None and not line_types:
            why = next(iter(line.blocked.values()), None) or next(
                iter(assessment.blocked.values()), None
            )
        items.append(
            {
                "item_id": line.id,
                "product_id": line.row["product_id"],
                "name": line.row["name"],
                "specs": loads(line.row["specs"]) or {},
                "qty": line.row["qty"],
                "price_fen": line.row["price_fen"],
                "refundable_fen": line.refundable_fen,
                "types": line_types,
                "eligible": bool(line_types),
                "reason": why.text(lang) if why is not None else None,
            }
        )
    return {
        "order_id": order_id,
        "types": allowed,
        "max_refund_fen": max(by_type.values(), default=0),
        "max_refund_by_type": by_type,
        "not_allowed": {kind: verdict.text(lang) for kind, verdict in assessment.blocked.items()},
        "window_ends_at": iso(assessment.window_ends_at),
        "items": items,
        "merchant_pays_return_shipping_reasons": [
            code for code, reason in REASONS.items() if reason.merchant_pays_return_shipping
        ],
    }


def reasons(lang: str) -> dict[str, Any]:
    """GET /after-sale-reasons."""
    return {
        "items": [
            {
                "code": reason.code,
                "label": reason.label(lang),
                "types": list(reason.types),
                "merchant_pays_return_shipping": reason.merchant_pays_return_shipping,
            }
            for reason in REASONS.values()
        ]
    }


# ---- the user's requests --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What the user asks for, on create and on modify."""

    type: str
    item_ids: list[int]
    reason: str
    description: str
    amount_fen: int
    refund_to: str
    photo_ids: list[int]


def _not_allowed(kind: str, verdict: Verdict, item_id: int | None = None) -> ApiError:
    zh_type, en_type = TYPE_LABELS[kind]
    details: dict[str, Any] = {"type": kind, "reason": verdict.code}
    if item_id is not None:
        details["item_id"] = item_id
    return ApiError(
        "AFTER_SALE_NOT_ALLOWED",
        type_zh=zh_type,
        type_en=en_type,
        reason_zh=verdict.text("zh"),
        reason_en=verdict.text("en"),
        details=details,
    )


def _check_request(ctx: Ctx, user_id: int, assessment: Assessment, request: Request) -> None:
    """Refuses a request the rules do not allow; nothing is written before this passes."""
    if request.type in assessment.blocked:
        raise _not_allowed(request.type, assessment.blocked[request.type])
    problems = FieldErrors()
    lines = {line.id: line for line in assessment.lines}
    if any(item_id not in lines for item_id in request.item_ids):
        problems.add("item_ids", "not_selectable")
    reason = REASONS.get(request.reason)
    if reason is None:
        problems.add("reason", "not_one_of", expected=", ".join(REASONS))
    elif request.type not in reason.types:
        problems.add("reason", "not_for_type")
    problems.raise_if_any()
    for item_id in request.item_ids:
        verdict = lines[item_id].blocked.get(request.type)
        if verdict is not None:
            raise _not_allowed(request.type, verdict, item_id)
    maximum = assessment.max_refund(request.item_ids)
    if not 1 <= request.amount_fen <= maximum:
        raise ApiError(
            "VALIDATION_ERROR",
            details={
                "fields": {
                    "amount_fen": ("bad_amount", {"min": fmt_fen(1), "max": fmt_fen(maximum)})
                },
                "max_refund_fen": maximum,
            },
        )
    missing = set(request.photo_ids) - store.own_upload_ids(ctx.db, user_id, request.photo_ids)
    if missing:
        raise not_found("upload")


def _normalized(request: Request) -> Request:
    """Item and photo ids without repeats, in the order given."""
    return Request(
        type=request.type,
        item_ids=list(dict.fromkeys(request.item_ids)),
        reason=request.reason,
        description=request.description,
        amount_fen=request.amount_fen,
        refund_to=request.refund_to,
        photo_ids=list(dict.fromkeys(request.photo_ids)),
    )


def _request_columns(request: Request) -> dict[str, Any]:
    merchant_pays = (
        request.type == "return_refund" and REASONS[request.reason].merchant_pays_return_shipping
    )
    return {
        "type": request.type,
        "reason": request.reason,
        "description": request.description,
        "amount_fen": request.amount_fen,
        "refund_to": request.refund_to,
        "item_ids": dumps(sorted(request.item_ids)),
        "photo_ids": dumps(request.photo_ids),
        "merchant_pays_return": int(merchant_pays),
    }


def create(ctx: Ctx, user_id: int, order_id: int, request: Request, lang: str) -> dict[str, Any]:
    """POST /after-sales: a new request, waiting for the merchant (24 h deadline)."""
    request = _normalized(request)
    with ctx.db.tx():
        order = order_records.load_order(ctx, user_id, order_id)
        _check_request(ctx, user_id, assess(ctx, order), request)
        now = ctx.now()
        after_sale_id = store.insert_after_sale(
            ctx.db,
            {
                "user_id": user_id,
                "order_id": order_id,
                "status": "requested",
                **_request_columns(request),
                "deadline_at": now + ANSWER_DEADLINE,
                "created_at": now,
                "updated_at": now,
            },
        )
        store.attach_uploads(ctx.db, request.photo_ids, now)
        store.add_event(ctx.db, after_sale_id, status="requested", actor="user", at=now)
        store.set_order_after_sale_status(ctx.db, order_id, "in_progress")
        amount = fmt_fen(request.amount_fen)
        order_records.add_event(
            ctx,
            order_id,
            "after_sale_requested",
            order_records.both_languages(
                *(
                    _text("order_requested", language, type=label, amount=amount)
                    for language, label in zip(("zh", "en"), TYPE_LABELS[request.type], strict=True)
                )
            ),
        )
        return view(ctx, after_sale_id, lang)


def modify(
    ctx: Ctx, user_id: int, after_sale_id: int, request: Request, lang: str
) -> dict[str, Any]:
    """PUT /after-sales/{id}: after a rejection, change the request and resubmit it."""
    request = _normalized(request)
    with ctx.db.tx():
        row = _own(ctx, user_id, after_sale_id)
        _require(row, "rejected")
        if store.times_resubmitted(ctx.db, after_sale_id) >= MAX_RESUBMITS:
            raise ApiError(
                "AFTER_SALE_RESUBMIT_LIMIT", limit=MAX_RESUBMITS, details={"limit": MAX_RESUBMITS}
            )
        order = store.order(ctx.db, row["order_id"])
        assert order is not None
        assessment = assess(
            ctx, order, exclude_after_sale_id=after_sale_id, window_at=row["created_at"]
        )
        _check_request(ctx, user_id, assessment, request)
        now = ctx.now()
        store.update_after_sale(
            ctx.db,
            after_sale_id,
            status="requested",
            **_request_columns(request),
            deadline_at=now + ANSWER_DEADLINE,
            updated_at=now,
        )
        store.attach_uploads(ctx.db, request.photo_ids, now)
        store.add_event(
            ctx.db,
            after_sale_id,
            status="requested",
            actor="user",
            at=now,
            note_key="resubmitted",
        )
        return view(ctx, after_sale_id, lang)


def cancel(ctx: Ctx, user_id: int, after_sale_id: int, lang: str) -> dict[str, Any]:
    """POST /after-sales/{id}/cancel: withdrawn while requested or awaiting the return."""
    with ctx.db.tx():
        row = _own(ctx, user_id, after_sale_id)
        _require(row, "requested", "awaiting_return")
        _move(ctx, row, "cancelled", "user", note_key="user_cancelled")
        _settle_order_status(ctx, row["order_id"])
        order_records.add_event(
            ctx, row["order_id"], "after_sale_cancelled", "after_sale_withdrawn"
        )
        return view(ctx, after_sale_id, lang)


def appeal(ctx: Ctx, user_id: int, after_sale_id: int, reason: str, lang: str) -> dict[str, Any]:
    """POST /after-sales/{id}/appeal: the platform steps in after a rejection."""
    if len(reason.strip()) < 5:
        raise field_error("reason", "too_short")
    with ctx.db.tx():
        row = _own(ctx, user_id, after_sale_id)
        _require(row, "rejected")
        store.update_after_sale(ctx.db, after_sale_id, appeal_reason=reason)
        _move(ctx, row, "appealed", "user", note=reason)
        return view(ctx, after_sale_id, lang)


def pickup_slots(ctx: Ctx, user_id: int, after_sale_id: int) -> dict[str, Any]:
    """GET /after-sales/{id}/pickup-slots: 2-hour courier windows, 09–19 Beijing time,
    over today and the next two days, only those not yet begun."""
    row = _own(ctx, user_id, after_sale_id)
    _require(row, "awaiting_return")
    return {"items": _slots(ctx.now())}


def _slots(now: float) -> list[str]:
    today = china_date(now).replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    for day in range(PICKUP_DAYS):
        date = today + timedelta(days=day)
        for start, end in PICKUP_WINDOWS:
            if date.replace(hour=start).timestamp() > now:
                found.append(f"{date:%Y-%m-%d} {start:02d}:00-{end:02d}:00")
    return found


def _is_past_slot(label: str, now: float) -> bool:
    """Whether `label` is one of our windows on some day, and it has already begun."""
    match = SLOT_RE.fullmatch(label)
    if match is None or (int(match["start"]), int(match["end"])) not in PICKUP_WINDOWS:
        return False
    try:
        day = datetime.strptime(match["day"], "%Y-%m-%d")
    except ValueError:
        return False
    begins = day.replace(hour=int(match["start"]), tzinfo=CHINA_TZ).timestamp()
    return begins <= now


def ship_return(
    ctx: Ctx, user_id: int, after_sale_id: int, carrier: str, tracking_no: str, lang: str
) -> dict[str, Any]:
    """POST /after-sales/{id}/return-shipment {carrier, tracking_no}: the user sent it."""
    number = tracking_no.strip().upper()
    with ctx.db.tx():
        row = _own(ctx, user_id, after_sale_id)
        _require(row, "awaiting_return")
        if carrier not in logistics.CARRIERS:
            raise field_error("carrier", "not_one_of", expected=", ".join(logistics.CARRIERS))
        if not logistics.valid_tracking_no(carrier, number):
            raise field_error("tracking_no", "bad_tracking_no")
        if store.tracking_no_taken(ctx.db, number):
            raise field_error("tracking_no", "tracking_no_in_use")
        order = store.order(ctx.db, row["order_id"])
        assert order is not None
        origin = str((loads(order["address"]) or {}).get("city") or "")
        _start_return(ctx, row, carrier, number, origin, pickup=None)
        return view(ctx, after_sale_id, lang)


def book_pickup(
    ctx: Ctx, user_id: int, after_sale_id: int, address_id: int, slot: str, lang: str
) -> dict[str, Any]:
    """POST /after-sales/{id}/return-shipment {pickup}: a courier collects it (上门取件)."""
    with ctx.db.tx():
        row = _own(ctx, user_id, after_sale_id)
        _require(row, "awaiting_return")
        address = addresses.get_address(ctx, user_id, address_id)
        now = ctx.now()
        if slot not in _slots(now):
            passed = _is_past_slot(slot, now)
            raise field_error("pickup.slot", "in_past" if passed else "not_selectable")
        number = _pickup_tracking_no(ctx, after_sale_id)
        snapshot = {name: address[name] for name in PICKUP_ADDRESS_FIELDS}
        pickup = {"address": snapshot, "slot": slot}
        _start_return(ctx, row, PICKUP_CARRIER, number, str(address["city"]), pickup=pickup)
        return view(ctx, after_sale_id, lang)


def _pickup_tracking_no(ctx: Ctx, after_sale_id: int) -> str:
    """An SF number fixed by the after-sale id, skipping any already used."""
    for attempt in range(100):
        digits = (after_sale_id * 7_919 + attempt * 104_729 + 5_550_000_000_000) % 10**13
        number = f"{PICKUP_CARRIER}{digits:013d}"
        if not store.tracking_no_taken(ctx.db, number):
            return number
    raise ApiError(
        "CONFLICT",
        reason_zh="暂时无法预约取件，请稍后再试",
        reason_en="Could not book a pickup; try again",
    )


def _start_return(
    ctx: Ctx,
    row: sqlite3.Row,
    carrier: str,
    tracking_no: str,
    origin: str,
    pickup: dict[str, Any] | None,
) -> None:
    destination = logistics.warehouse_city(ctx, row["order_id"])
    logistics.start_parcel(ctx, tracking_no, carrier, origin or destination, destination)
    store.update_after_sale(
        ctx.db,
        row["id"],
        return_carrier=carrier,
        return_tracking_no=tracking_no,
        pickup=dumps(pickup) if pickup is not None else None,
    )
    _move(ctx, row, "return_shipped", "user", note=f"{carrier} {tracking_no}")


# ---- the merchant, the platform, the system ------------------------------------------


def approve(ctx: Ctx, after_sale_id: int, *, actor: str = "merchant") -> None:
    """requested → approved; a refund-only is refunded at once, a return awaits the goods."""
    with ctx.db.tx():
        row = _get(ctx, after_sale_id)
        _require(row, "requested")
        row = _move(
            ctx, row, "approved", actor, note_key="auto_approved" if actor == "system" else None
        )
        if row["type"] == "refund_only":
            _refund(ctx, row, actor)
        else:
            _move(ctx, row, "awaiting_return", actor, note_key="send_back")


def reject(ctx: Ctx, after_sale_id: int, note: str = "", *, note_key: str | None = None) -> None:
    """requested → rejected, with the merchant's reason; the user may modify or appeal."""
    with ctx.db.tx():
        row = _get(ctx, after_sale_id)
        _require(row, "requested")
        if not note.strip():
            note_key = note_key or "merchant_rejected"
        store.update_after_sale(ctx.db, after_sale_id, merchant_note=note if note.strip() else None)
        _move(ctx, row, "rejected", "merchant", note=note, note_key=note_key)


def receive(ctx: Ctx, after_sale_id: int) -> None:
    """return_shipped → received → refunded: the goods are back, the money goes out."""
    with ctx.db.tx():
        row = _get(ctx, after_sale_id)
        _require(row, "return_shipped")
        row = _move(ctx, row, "received", "merchant", note_key="parcel_received")
        _refund(ctx, row, "merchant")


def platform_approve(ctx: Ctx, after_sale_id: int) -> None:
    """appealed → refunded: the platform sides with the buyer."""
    with ctx.db.tx():
        row = _get(ctx, after_sale_id)
        _require(row, "appealed")
        _refund(ctx, row, "platform")


def platform_reject(ctx: Ctx, after_sale_id: int, note: str = "") -> None:
    """appealed → closed: the platform upholds the merchant's answer."""
    with ctx.db.tx():
        row = _get(ctx, after_sale_id)
        _require(row, "appealed")
        note_key = None if note.strip() else "platform_closed"
        _move(ctx, row, "closed", "platform", note=note, note_key=note_key)
        store.set_order_after_sale_status(ctx.db, row["order_id"], "closed")
        order_records.add_event(ctx, row["order_id"], "after_sale_closed", "after_sale_upheld")


def answer(ctx: Ctx, after_sale_id: int, *, approved: bool, note: str = "") -> None:
    """`/_dev` approve/reject: the merchant answers a request, the platform an appeal."""
    with ctx.db.tx():
        appealed = _get(ctx, after_sale_id)["status"] == "appealed"
        if appealed and approved:
            platform_approve(ctx, after_sale_id)
        elif appealed:
            platform_reject(ctx, after_sale_id, note)
        elif approved:
            approve(ctx, after_sale_id)
        else:
            reject(ctx, after_sale_id, note)


def auto_approve_overdue(ctx: Ctx) -> None:
    """Requests the merchant left unanswered past their 24 h deadline are approved."""
    for after_sale_id in store.overdue_requested(ctx.db, ctx.now()):
        # The sweeper runs before every request: one refusal must not fail them all.
        with suppress(ApiError):
            approve(ctx, after_sale_id, actor="system")


def simulate(ctx: Ctx) -> None:
    """The merchant's auto mode: answers requests (rejecting a first no-reason return, so a
    demo shows modify and appeal), receives returns, lets the platform settle appeals."""
    now = ctx.now()
    answer_by = now - ctx.delays["after_sale_answer"]
    for after_sale_id in store.ids_in_status(ctx.db, "requested", answer_by):
        row = _get(ctx, after_sale_id)
        with suppress(ApiError):  # answered meanwhile, or its refund was refused
            if (
                row["type"] == "return_refund"
                and row["reason"] == "changed_mind"
                and store.times_rejected(ctx.db, after_sale_id) == 0
            ):
                reject(ctx, after_sale_id, note_key="changed_mind_rejected")
            else:
                approve(ctx, after_sale_id)
    step_by = now - ctx.delays["logistics_step"]
    for after_sale_id in store.ids_in_status(ctx.db, "return_shipped"):
        row = _get(ctx, after_sale_id)
        tracking_no = row["return_tracking_no"]
        delivered = store.parcel_delivered(ctx.db, tracking_no)
        # The couriers (logistics.simulate) may have moved it this round already.
        last_step = store.last_parcel_event_at(ctx.db, tracking_no)
        if not delivered and (last_step is None or last_step <= step_by):
            delivered = logistics.advance_parcel(ctx, tracking_no)
        if delivered or row["updated_at"] <= now - ctx.delays["return_receive"]:
            with suppress(ApiError):
                receive(ctx, after_sale_id)
    for after_sale_id in store.ids_in_status(ctx.db, "appealed", now - ctx.delays["appeal"]):
        with suppress(ApiError):
            platform_approve(ctx, after_sale_id)


# ---- moves ------------------------------------------------------------------------------


def _get(ctx: Ctx, after_sale_id: int) -> sqlite3.Row:
    row = store.get_after_sale(ctx.db, after_sale_id)
    if row is None:
        raise not_found("after_sale")
    return row


def _own(ctx: Ctx, user_id: int, after_sale_id: int) -> sqlite3.Row:
    """The user's after-sale; another user's is 404, never 403."""
    row = _get(ctx, after_sale_id)
    if row["user_id"] != user_id:
        raise not_found("after_sale")
    return row


def _require(row: sqlite3.Row, *statuses: str) -> None:
    if row["status"] not in statuses:
        raise invalid_state(row["status"])


def _move(
    ctx: Ctx,
    row: sqlite3.Row,
    status: str,
    actor: str,
    *,
    note: str = "",
    note_key: str | None = None,
    note_params: dict[str, Any] | None = None,
) -> sqlite3.Row:
    """Sets the status and writes its timeline entry; answers the updated row."""
    now = ctx.now()
    store.update_after_sale(ctx.db, row["id"], status=status, updated_at=now)
    store.add_event(
        ctx.db,
        row["id"],
        status=status,
        actor=actor,
        at=now,
        note=note,
        note_key=note_key,
        note_params=dumps(note_params) if note_params is not None else None,
    )
    return _get(ctx, row["id"])


def _settle_order_status(ctx: Ctx, order_id: int) -> None:
    """After a withdrawal the order shows `refunded` if anything was, else `none`."""
    refunded_any = any(line["refunded"] for line in store.order_lines(ctx.db, order_id))
    store.set_order_after_sale_status(ctx.db, order_id, "refunded" if refunded_any else "none")


def _refund(ctx: Ctx, row: sqlite3.Row, actor: str) -> None:
    """Pays the amount back (original method or red packets), marks the items refunded,
    and on an unshipped order releases their stock, cancelling it once nothing is left."""
    order_id = row["order_id"]
    order = store.order(ctx.db, order_id)
    assert order is not None
    item_ids: list[int] = loads(row["item_ids"])
    if row["amount_fen"] > order["total_fen"] - order["refunded_fen"]:
        raise invalid_state(order["status"])
    account = payments.refund(
        ctx, order_id, row["amount_fen"], row["refund_to"], f"售后退款 {order['order_no']}"
    )
    now = ctx.now()
    store.mark_items_refunded(ctx.db, order_id, item_ids)
    store.update_after_sale(ctx.db, row["id"], refunded_at=now, refund_account=account)
    params = {"amount_fen": row["amount_fen"], "account": account}
    note_key = "platform_refund" if actor == "platform" else "refund_sent"
    _move(ctx, row, "refunded", actor, note_key=note_key, note_params=params)
    store.set_order_after_sale_status(ctx.db, order_id, "refunded")
    order_records.add_event(
        ctx,
        order_id,
        "after_sale_refunded",
        order_records.both_languages(
            *(
                _text("refund_sent", language, **_localized_params(params, language))
                for language in ("zh", "en")
            )
        ),
    )
    if order["status"] != "awaiting_shipment":
        return
    orders.release_stock(ctx, order_id, item_ids)
    if all(line["refunded"] for line in store.order_lines(ctx.db, order_id)):
        orders.cancel_fully_refunded(ctx, order_id)


# ---- what the user sees -------------------------------------------------------------------


def _localized_params(params: dict[str, Any], lang: str) -> dict[str, str]:
    out = {key: str(value) for key, value in params.items()}
    if "amount_fen" in params:
        out["amount"] = fmt_fen(int(params["amount_fen"]))
    if "account" in params:
        zh, en = ACCOUNT_NAMES.get(str(params["account"]), (params["account"],) * 2)
        out["account"] = zh if lang == "zh" else en
    return out


def _note(event: sqlite3.Row, lang: str) -> str:
    if event["note_key"] is None:
        note: str = event["note"]
        return note
    params = loads(event["note_params"]) or {}
    return _text(event["note_key"], lang, **_localized_params(params, lang))


def _actions(row: sqlite3.Row, resubmits: int) -> list[str]:
    status = row["status"]
    if status == "requested":
        return ["cancel"]
    if status == "awaiting_return":
        return ["ship_return", "book_pickup", "cancel"]
    if status == "rejected":
        return ["modify", "appeal"] if resubmits < MAX_RESUBMITS else ["appeal"]
    if row["return_tracking_no"] and status in ("return_shipped", "received", "refunded"):
        return ["track_return"]
    return []


def _return_address(ctx: Ctx, order_id: int) -> dict[str, str]:
    city = logistics.warehouse_city(ctx, order_id)
    return {"province": WAREHOUSE_PROVINCES.get(city, city), "city": city, **RETURN_DESK}


def view(ctx: Ctx, after_sale_id: int, lang: str) -> dict[str, Any]:
    """One after-sale as the API answers it, timeline included."""
    row = _get(ctx, after_sale_id)
    status = row["status"]
    lines = {line["id"]: line for line in store.order_lines(ctx.db, row["order_id"])}
    events = store.events(ctx.db, after_sale_id)
    answers = [event for event in events if event["status"] in ("rejected", "closed")]
    reason = REASONS[row["reason"]]
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "order_no": store.order_no(ctx.db, row["order_id"]),
        "type": row["type"],
        "status": status,
        "reason": row["reason"],
        "reason_label": reason.label(lang),
        "description": row["description"],
        "amount_fen": row["amount_fen"],
        "refund_to": row["refund_to"],
        "refund_account": row["refund_account"],
        "items": [
            {
                "item_id": item_id,
                "product_id": lines[item_id]["product_id"],
                "name": lines[item_id]["name"],
                "specs": loads(lines[item_id]["specs"]) or {},
                "qty": lines[item_id]["qty"],
                "price_fen": lines[item_id]["price_fen"],
                "refundable_fen": lines[item_id]["price_fen"] * lines[item_id]["qty"]
                - lines[item_id]["discount_share_fen"],
            }
            for item_id in loads(row["item_ids"])
        ],
        "photo_ids": loads(row["photo_ids"]),
        "merchant_pays_return_shipping": bool(row["merchant_pays_return"]),
        "return_address": _return_address(ctx, row["order_id"])
        if status in ("awaiting_return", "return_shipped")
        else None,
        "return_carrier": row["return_carrier"],
        "return_tracking_no": row["return_tracking_no"],
        "pickup": loads(row["pickup"]),
        "deadline_at": iso(row["deadline_at"]) if status == "requested" else None,
        "refunded_at": iso(row["refunded_at"]),
        "merchant_note": _note(answers[-1], lang) if answers else None,
        "appeal_reason": row["appeal_reason"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "timeline": [
            {
                "status": event["status"],
                "at": iso(event["at"]),
                "actor": event["actor"],
                "note": _note(event, lang),
            }
            for event in events
        ],
        "actions": _actions(row, sum(event["note_key"] == "resubmitted" for event in events)),
    }


def get(ctx: Ctx, user_id: int, after_sale_id: int, lang: str) -> dict[str, Any]:
    """GET /after-sales/{id}."""
    _own(ctx, user_id, after_sale_id)
    return view(ctx, after_sale_id, lang)


def list_for_user(
    ctx: Ctx,
    user_id: int,
    lang: str,
    *,
    cursor: str | None = None,
    limit: int = 20,
    order_id: int | None = None,
) -> dict[str, Any]:
    """GET /after-sales: the user's after-sales, newest first."""
    after = after_keyset(cursor)
    rows = store.list_for_user(ctx.db, user_id, order_id=order_id, after=after, limit=limit + 1)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last["created_at"], last["id"]])
    return {"items": [view(ctx, row["id"], lang) for row in page], "next_cursor": next_cursor}
