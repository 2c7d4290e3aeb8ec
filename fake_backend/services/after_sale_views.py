"""What the user sees of after-sales: one after-sale with its timeline and next actions,
the user's pages of them, an order's eligibility and the reasons to choose from."""

from __future__ import annotations

import sqlite3
from typing import TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.services import logistics, order_records
from fake_backend.services.after_sale_rules import (
    AUTO_COMPLETE_REPLACEMENT,
    MAX_RESUBMITS,
    REASONS,
    assess,
    localized_params,
    text,
)
from fake_backend.services.after_sale_states import get_after_sale, own_after_sale
from fake_backend.services.paging import after_keyset, encode_cursor
from fake_backend.services.rules import loads
from fake_backend.storage import after_sales as store

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


# ---- what after-sales answer: a TypedDict per shape, field for field the response model
# of schemas/after_sales.py (tests/backend/test_after_sale_shapes.py) ----------------------


class ReasonView(TypedDict):
    code: str
    label: str
    types: list[str]
    merchant_pays_return_shipping: bool
    quality: bool
    photo_required: bool


class ReasonList(TypedDict):
    items: list[ReasonView]


class ExchangeSkuView(TypedDict):
    sku_id: int
    specs: dict[str, str]
    price_fen: int
    stock: int


class EligibleItemView(TypedDict):
    item_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    qty: int
    price_fen: int
    refundable_fen: int
    types: list[str]
    quality_only_types: list[str]
    eligible: bool
    reason: str | None
    exchange_skus: list[ExchangeSkuView]


class EligibilityView(TypedDict):
    order_id: int
    types: list[str]
    max_refund_fen: int
    max_refund_by_type: dict[str, int]
    not_allowed: dict[str, str]
    quality_only: dict[str, str]
    reasons_by_type: dict[str, list[str]]
    window_ends_at: str | None
    quality_window_ends_at: str | None
    items: list[EligibleItemView]
    merchant_pays_return_shipping_reasons: list[str]


class AfterSaleItemView(TypedDict):
    item_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    qty: int
    price_fen: int
    refundable_fen: int


class PostalAddress(TypedDict):
    """Where the goods go back to, or where the courier collects them."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class PickupView(TypedDict):
    address: PostalAddress
    slot: str


class ExchangeItemView(TypedDict):
    item_id: int
    sku_id: int
    specs: dict[str, str]


class ParcelRef(TypedDict):
    carrier: str
    tracking_no: str


class AfterSaleEventView(TypedDict):
    status: str
    at: str | None
    actor: str
    note: str


class AfterSaleView(TypedDict):
    id: int
    order_id: int
    order_no: str
    type: str
    status: str
    reason: str
    reason_label: str
    description: str
    amount_fen: int
    refund_to: str
    refund_account: str | None
    items: list[AfterSaleItemView]
    photo_ids: list[int]
    merchant_pays_return_shipping: bool
    return_address: PostalAddress | None
    return_carrier: str | None
    return_tracking_no: str | None
    pickup: PickupView | None
    exchange_items: list[ExchangeItemView]
    replacement: ParcelRef | None
    replacement_confirm_by: str | None
    appeal_outcome: str | None
    deadline_at: str | None
    refunded_at: str | None
    merchant_note: str | None
    appeal_reason: str | None
    created_at: str | None
    updated_at: str | None
    timeline: list[AfterSaleEventView]
    actions: list[str]


class AfterSalePage(TypedDict):
    items: list[AfterSaleView]
    next_cursor: str | None


# ---- reading --------------------------------------------------------------------------------


def eligibility(ctx: Ctx, user_id: int, order_id: int, lang: str) -> EligibilityView:
    """GET /orders/{id}/after-sale-eligibility: the types allowed with any reason, and
    those allowed only with a quality reason (or 未收到货) and why the others will not do."""
    order = order_records.load_order(ctx, user_id, order_id)
    assessment = assess(ctx, order)
    allowed = assessment.allowed_types()
    ordinary = assessment.allowed_types(quality=False)
    by_type = {kind: assessment.max_refund(assessment.eligible_ids(kind)) for kind in allowed}
    items: list[EligibleItemView] = []
    for line in assessment.lines:
        line_types = [
            kind for kind in allowed if kind not in line.blocked or kind not in line.quality_blocked
        ]
        # Say why the item misses a type the order allows, else why ordinary reasons will
        # not do for one, or why it has none at all.
        why = next((line.quality_blocked[kind] for kind in allowed if kind not in line_types), None)
        if why is None:
            why = next((line.blocked[kind] for kind in line_types if kind in line.blocked), None)
        if why is None and not line_types:
            why = next(iter(line.quality_blocked.values()), None) or next(
                iter(assessment.quality_blocked.values()), None
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
                "quality_only_types": [
                    kind for kind in line_types if kind in line.blocked or kind not in ordinary
                ],
                "eligible": bool(line_types),
                "reason": why.text(lang) if why is not None else None,
                "exchange_skus": _exchange_skus(ctx, line.row) if "exchange" in line_types else [],
            }
        )
    return {
        "order_id": order_id,
        "types": allowed,
        "max_refund_fen": max(by_type.values(), default=0),
        "max_refund_by_type": by_type,
        # Not even a quality problem gets it: the quality rules' reason is the last word.
        "not_allowed": {
            kind: verdict.text(lang)
            for kind, verdict in assessment.quality_blocked.items()
            if kind not in allowed
        },
        "quality_only": {
            kind: assessment.blocked[kind].text(lang)
            for kind in allowed
            if kind in assessment.blocked
        },
        "reasons_by_type": {kind: assessment.reasons_for(kind) for kind in allowed},
        "window_ends_at": iso(assessment.window_ends_at),
        "quality_window_ends_at": iso(assessment.quality_window_ends_at),
        "items": items,
        "merchant_pays_return_shipping_reasons": [
            code for code, reason in REASONS.items() if reason.merchant_pays_return_shipping
        ],
    }


def _exchange_skus(ctx: Ctx, line: sqlite3.Row) -> list[ExchangeSkuView]:
    """The specs an item may be exchanged for: its product's SKUs at the price paid."""
    return [
        {
            "sku_id": sku["id"],
            "specs": loads(sku["specs"]) or {},
            "price_fen": sku["price_fen"],
            "stock": sku["stock"],
        }
        for sku in store.skus_of_product(ctx.db, line["product_id"])
        if sku["price_fen"] == line["price_fen"]
    ]


def reasons(lang: str) -> ReasonList:
    """GET /after-sale-reasons."""
    return {
        "items": [
            {
                "code": reason.code,
                "label": reason.label(lang),
                "types": list(reason.types),
                "merchant_pays_return_shipping": reason.merchant_pays_return_shipping,
                "quality": reason.quality,
                "photo_required": reason.quality,
            }
            for reason in REASONS.values()
        ]
    }


def view(ctx: Ctx, after_sale_id: int, lang: str) -> AfterSaleView:
    """One after-sale as the API answers it, timeline included."""
    row = get_after_sale(ctx, after_sale_id)
    status = row["status"]
    lines = {line["id"]: line for line in store.order_lines(ctx.db, row["order_id"])}
    events = store.events(ctx.db, after_sale_id)
    answers = [event for event in events if event["status"] in ("rejected", "closed")]
    reason = REASONS[row["reason"]]
    exchange_items = loads(row["exchange_items"]) or []
    reshipped_at = row["reshipped_at"]
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "order_no": store.order_no(ctx.db, row["order_id"]),
        "type": row["type"],
        "status": status,
        "reason": row["reason"],
        "reason_label": reason.label(lang),
        "description": row["description"],
        # No money moves in an exchange (its column keeps the goods' value for the case
        # it becomes a return).
        "amount_fen": 0 if row["type"] == "exchange" else row["amount_fen"],
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
        "exchange_items": [
            {
                "item_id": wanted["item_id"],
                "sku_id": wanted["sku_id"],
                "specs": _sku_specs(ctx, wanted["sku_id"]),
            }
            for wanted in exchange_items
        ],
        "replacement": {
            "carrier": row["replacement_carrier"],
            "tracking_no": row["replacement_tracking_no"],
        }
        if row["replacement_tracking_no"]
        else None,
        "replacement_confirm_by": iso(reshipped_at + AUTO_COMPLETE_REPLACEMENT)
        if status == "reshipped" and reshipped_at is not None
        else None,
        "appeal_outcome": row["appeal_outcome"],
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


def get(ctx: Ctx, user_id: int, after_sale_id: int, lang: str) -> AfterSaleView:
    """GET /after-sales/{id}."""
    own_after_sale(ctx, user_id, after_sale_id)
    return view(ctx, after_sale_id, lang)


def list_for_user(
    ctx: Ctx,
    user_id: int,
    lang: str,
    *,
    cursor: str | None = None,
    limit: int = 20,
    order_id: int | None = None,
) -> AfterSalePage:
    """GET /after-sales: the user's after-sales, newest first."""
    after = after_keyset(cursor)
    rows = store.list_for_user(ctx.db, user_id, order_id=order_id, after=after, limit=limit + 1)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last["created_at"], last["id"]])
    return {"items": [view(ctx, row["id"], lang) for row in page], "next_cursor": next_cursor}


def _note(event: sqlite3.Row, lang: str) -> str:
    if event["note_key"] is None:
        note: str = event["note"]
        return note
    params = loads(event["note_params"]) or {}
    return text(event["note_key"], lang, **localized_params(params, lang))


def _actions(row: sqlite3.Row, resubmits: int) -> list[str]:
    status = row["status"]
    if status == "requested":
        return ["cancel"]
    if status == "awaiting_return":
        return ["ship_return", "book_pickup", "cancel"]
    if status == "rejected":
        return ["modify", "appeal"] if resubmits < MAX_RESUBMITS else ["appeal"]
    if status == "reshipped":
        return ["confirm_replacement", "track_replacement"]
    if status == "completed" and row["replacement_tracking_no"]:
        return ["track_replacement"]
    if row["return_tracking_no"] and status in ("return_shipped", "received", "refunded"):
        return ["track_return"]
    return []


def _sku_specs(ctx: Ctx, sku_id: int) -> dict[str, str]:
    sku = store.sku(ctx.db, sku_id)
    specs: dict[str, str] = (loads(sku["specs"]) or {}) if sku is not None else {}
    return specs


def _return_address(ctx: Ctx, order_id: int) -> PostalAddress:
    city = logistics.warehouse_city(ctx, order_id)
    return {
        "name": RETURN_DESK["name"],
        "phone": RETURN_DESK["phone"],
        "province": WAREHOUSE_PROVINCES.get(city, city),
        "city": city,
        "district": RETURN_DESK["district"],
        "detail": RETURN_DESK["detail"],
    }
