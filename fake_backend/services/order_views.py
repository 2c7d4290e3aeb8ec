"""Reading orders (docs/api.md §3): one order as the API answers it, with the actions its
state allows; the user's pages of orders, the counts per tab and the cancel reasons."""

from __future__ import annotations

import sqlite3
from typing import TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import field_error, not_found
from fake_backend.services import catalogue, service_slots, virtual_codes
from fake_backend.services.after_sale_rules import QUALITY_WINDOW_DAYS
from fake_backend.services.order_records import (
    AUTO_CANCEL_SECONDS,
    CANCEL_REASONS,
    DAY_SECONDS,
    MAX_ORDER_CHANGES,
    REVIEW_WINDOW_SECONDS,
    load_order,
    localized,
    note_text,
)
from fake_backend.services.paging import after_keyset, encode_cursor
from fake_backend.services.rules import loads, mask_phone
from fake_backend.services.virtual_codes import DeliverySummary
from fake_backend.storage import orders as store
from fake_backend.storage import users as user_store

# ---- what reading orders answers: a TypedDict per shape, field for field the response
# model of schemas/orders.py (tests/backend/test_order_shapes.py) --------------------------


class OrderItemView(TypedDict):
    id: int
    product_id: int
    sku_id: int
    name: str
    specs: dict[str, str]
    image: str | None
    price_fen: int
    qty: int
    line_total_fen: int
    discount_share_fen: int
    refunded: bool
    reviewed: bool


class OrderAddressView(TypedDict):
    name: str
    phone: str
    phone_masked: str
    province: str
    city: str
    district: str
    detail: str


class InvoiceView(TypedDict):
    type: str
    title: str
    tax_id: str | None


class OrderCouponView(TypedDict):
    id: int
    title: str


class DeliveryEstimateView(TypedDict):
    earliest: str
    latest: str


class OrderEventView(TypedDict):
    status: str
    at: str | None
    note: str | None


class AppointmentView(TypedDict):
    slot_id: str
    starts_at: str | None
    ends_at: str | None
    rescheduled: bool
    changeable_until: str | None


class OrderView(TypedDict):
    id: int
    order_no: str
    kind: str
    status: str
    after_sale_status: str
    items: list[OrderItemView]
    subtotal_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    refunded_fen: int
    payment_method: str
    paid_method: str | None
    address: OrderAddressView | None
    delivery: DeliverySummary | None
    appointment: AppointmentView | None
    service_note: str | None
    remark: str
    invoice: InvoiceView | None
    coupon: OrderCouponView | None
    created_at: str | None
    paid_at: str | None
    shipped_at: str | None
    delivered_at: str | None
    completed_at: str | None
    cancelled_at: str | None
    cancel_reason: str | None
    auto_cancel_at: str | None
    carrier: str | None
    tracking_no: str | None
    estimated_delivery: DeliveryEstimateView | None
    timeline: list[OrderEventView]
    actions: list[str]


class FirstItemView(TypedDict):
    name: str
    specs: dict[str, str]
    image: str | None


class OrderSummaryView(TypedDict):
    id: int
    order_no: str
    kind: str
    status: str
    after_sale_status: str
    created_at: str | None
    total_fen: int
    item_count: int
    first_item: FirstItemView | None
    auto_cancel_at: str | None
    tracking_no: str | None


class OrderPage(TypedDict):
    items: list[OrderSummaryView]
    next_cursor: str | None


class OrderCountsView(TypedDict):
    all: int
    pending_payment: int
    awaiting_shipment: int
    awaiting_service: int
    shipped: int
    completed: int
    cancelled: int
    closed: int
    after_sale: int


class CancelReasonView(TypedDict):
    code: str
    label: str


class CancelReasonList(TypedDict):
    items: list[CancelReasonView]


# ---- reading ------------------------------------------------------------------------------


def order_view(ctx: Ctx, order_id: int, lang: str) -> OrderView:
    """The full order as `GET /orders/{id}` answers it."""
    order = store.get_order(ctx.db, order_id)
    if order is None:
        raise not_found("order")
    items = store.order_items(ctx.db, order_id)
    address = loads(order["address"])
    coupon = store.coupon_title(ctx.db, order["coupon_id"]) if order["coupon_id"] else None
    now = ctx.now()
    return {
        "id": order["id"],
        "order_no": order["order_no"],
        "kind": order["kind"],
        "status": order["status"],
        "after_sale_status": order["after_sale_status"],
        "items": [
            {
                "id": item["id"],
                "product_id": item["product_id"],
                "sku_id": item["sku_id"],
                "name": item["name"],
                "specs": loads(item["specs"]),
                "image": catalogue.image_url(item["image_id"]),
                "price_fen": item["price_fen"],
                "qty": item["qty"],
                "line_total_fen": item["price_fen"] * item["qty"],
                "discount_share_fen": item["discount_share_fen"],
                "refunded": bool(item["refunded"]),
                "reviewed": bool(item["reviewed"]),
            }
            for item in items
        ],
        "subtotal_fen": order["subtotal_fen"],
        "shipping_fen": order["shipping_fen"],
        "discount_fen": order["discount_fen"],
        "total_fen": order["total_fen"],
        "refunded_fen": order["refunded_fen"],
        "payment_method": order["payment_method"],
        "paid_method": order["paid_method"],
        "address": (
            {
                "name": address["name"],
                "phone": address["phone"],
                "phone_masked": mask_phone(address["phone"]),
                "province": address["province"],
                "city": address["city"],
                "district": address["district"],
                "detail": address["detail"],
            }
            if address is not None
            else None
        ),
        "delivery": virtual_codes.summary(ctx, order),
        "appointment": _appointment(order, items),
        "service_note": order["service_note"],
        "remark": order["remark"],
        "invoice": loads(order["invoice"]),
        "coupon": (
            {"id": coupon["id"], "title": coupon["title_zh" if lang == "zh" else "title_en"]}
            if coupon is not None
            else None
        ),
        "created_at": iso(order["created_at"]),
        "paid_at": iso(order["paid_at"]),
        "shipped_at": iso(order["shipped_at"]),
        "delivered_at": iso(order["delivered_at"]),
        "completed_at": iso(order["completed_at"]),
        "cancelled_at": iso(order["cancelled_at"]),
        "cancel_reason": note_text(order["cancel_reason"], lang),
        "auto_cancel_at": (
            iso(order["created_at"] + AUTO_CANCEL_SECONDS)
            if order["status"] == "pending_payment"
            else None
        ),
        "carrier": order["carrier"],
        "tracking_no": order["tracking_no"],
        "estimated_delivery": (
            {"earliest": order["est_earliest"], "latest": order["est_latest"]}
            if order["est_earliest"] is not None
            else None
        ),
        "timeline": [
            {
                "status": event["status"],
                "at": iso(event["at"]),
                "note": note_text(event["note"], lang),
            }
            for event in store.events(ctx.db, order_id)
        ],
        "actions": _allowed_to_owner(ctx, order, _actions(ctx, order, items, now)),
    }


# What a guest's session cannot do: it has no address book, no after-sales, no reviews.
GUEST_REFUSED_ACTIONS = frozenset({"change_address", "after_sale", "review"})


def _allowed_to_owner(ctx: Ctx, order: sqlite3.Row, actions: list[str]) -> list[str]:
    owner = user_store.user_by_id(ctx.db, order["user_id"])
    if owner is None or not owner["guest"]:
        return actions
    return [action for action in actions if action not in GUEST_REFUSED_ACTIONS]


def get_order(ctx: Ctx, user_id: int, order_id: int, lang: str) -> OrderView:
    load_order(ctx, user_id, order_id)
    return order_view(ctx, order_id, lang)


def list_orders(ctx: Ctx, user_id: int, status: str, cursor: str | None, limit: int) -> OrderPage:
    """A page of the user's orders, newest first; `next_cursor` is None on the last page."""
    if status not in store.STATUS_FILTERS:
        raise field_error("status", "not_one_of", expected=", ".join(store.STATUS_FILTERS))
    after = after_keyset(cursor)
    rows = store.list_page(ctx.db, user_id, status, after, limit + 1)
    page = rows[:limit]
    firsts = store.first_items(
        ctx.db, [row["first_item_id"] for row in page if row["first_item_id"]]
    )
    items: list[OrderSummaryView] = []
    for row in page:
        first = firsts.get(row["first_item_id"])
        items.append(
            {
                "id": row["id"],
                "order_no": row["order_no"],
                "kind": row["kind"],
                "status": row["status"],
                "after_sale_status": row["after_sale_status"],
                "created_at": iso(row["created_at"]),
                "total_fen": row["total_fen"],
                "item_count": row["item_count"],
                "first_item": (
                    {
                        "name": first["name"],
                        "specs": loads(first["specs"]),
                        "image": catalogue.image_url(first["image_id"]),
                    }
                    if first is not None
                    else None
                ),
                "auto_cancel_at": (
                    iso(row["created_at"] + AUTO_CANCEL_SECONDS)
                    if row["status"] == "pending_payment"
                    else None
                ),
                "tracking_no": row["tracking_no"],
            }
        )
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last["created_at"], last["id"]])
    return {"items": items, "next_cursor": next_cursor}


def order_counts(ctx: Ctx, user_id: int) -> OrderCountsView:
    counts = store.counts(ctx.db, user_id)
    return {
        "all": counts["all"],
        "pending_payment": counts["pending_payment"],
        "awaiting_shipment": counts["awaiting_shipment"],
        "awaiting_service": counts["awaiting_service"],
        "shipped": counts["shipped"],
        "completed": counts["completed"],
        "cancelled": counts["cancelled"],
        "closed": counts["closed"],
        "after_sale": counts["after_sale"],
    }


def cancel_reasons(lang: str) -> CancelReasonList:
    return {
        "items": [
            {"code": code, "label": localized(texts, lang)}
            for code, texts in CANCEL_REASONS.items()
        ]
    }


def _appointment(order: sqlite3.Row, items: list[sqlite3.Row]) -> AppointmentView | None:
    starts_at = order["slot_starts_at"]
    if order["kind"] != "service" or starts_at is None or not items:
        return None
    return {
        "slot_id": service_slots.slot_id(items[0]["product_id"], starts_at),
        "starts_at": iso(starts_at),
        "ends_at": iso(starts_at + service_slots.SLOT_SECONDS),
        "rescheduled": order["rescheduled_at"] is not None,
        "changeable_until": iso(service_slots.notice_ends_at(order)),
    }


def _actions(ctx: Ctx, order: sqlite3.Row, items: list[sqlite3.Row], now: float) -> list[str]:
    """What the user may do now, per docs/api.md §3's table (§7.1 for virtual goods and
    services)."""
    status = order["status"]
    open_for_after_sale = order["after_sale_status"] != "in_progress" and any(
        not item["refunded"] for item in items
    )
    if order["kind"] != "physical":
        return _actions_not_shipped(ctx, order, items, now, open_for_after_sale)
    if status == "pending_payment":
        if store.times_changed(ctx.db, order["id"]) >= MAX_ORDER_CHANGES:
            return ["pay", "cancel"]
        return ["pay", "change_address", "change_items", "cancel"]
    if status == "awaiting_shipment":
        actions = ["cancel"] if order["after_sale_status"] != "in_progress" else []
        return actions + (["after_sale"] if open_for_after_sale else [])
    if status == "shipped":
        return ["track", "confirm_receipt"] + (["after_sale"] if open_for_after_sale else [])
    if status == "completed":
        actions = []
        completed_at = order["completed_at"] or now
        if now <= completed_at + REVIEW_WINDOW_SECONDS and any(
            not item["reviewed"] for item in items
        ):
            actions.append("review")
        if open_for_after_sale and _open_for_after_sales(ctx, order, now):
            actions.append("after_sale")
        # Buying the same things again is what a finished order is most often opened for.
        return [*actions, "track", "buy_again"]
    return ["buy_again"]


def _actions_not_shipped(
    ctx: Ctx, order: sqlite3.Row, items: list[sqlite3.Row], now: float, open_for_after_sale: bool
) -> list[str]:
    """A virtual order: pay or cancel, then its codes (and a refund while none was viewed);
    a service: pay, cancel and reschedule while the 24-hour rule allows."""
    status = order["status"]
    deadline = service_slots.notice_ends_at(order)
    in_notice = deadline is not None and now <= deadline
    movable = in_notice and order["rescheduled_at"] is None
    if status == "pending_payment":
        return ["pay", *(["reschedule"] if movable else []), "cancel"]
    if status == "awaiting_service":
        actions = ["reschedule"] if movable else []
        if in_notice and order["after_sale_status"] != "in_progress":
            actions.append("cancel")
        return actions
    if status == "completed":
        actions = ["view_codes"] if order["kind"] == "virtual" else []
        completed_at = order["completed_at"] or now
        if now <= completed_at + REVIEW_WINDOW_SECONDS and any(
            not item["reviewed"] for item in items
        ):
            actions.append("review")
        if order["kind"] == "virtual" and open_for_after_sale and order["codes_viewed_at"] is None:
            actions.append("after_sale")
        return [*actions, "buy_again"]
    return ["buy_again"]


def _open_for_after_sales(ctx: Ctx, order: sqlite3.Row, now: float) -> bool:
    """Some item not refunded yet within the return window, or within the 90 days after
    receipt in which a quality problem is heard on any goods (docs/api.md §7.3)."""
    received_at = order["delivered_at"] or order["completed_at"] or now
    quality_ends_at = received_at + QUALITY_WINDOW_DAYS * DAY_SECONDS
    return any(
        not line["refunded"]
        and (
            now <= quality_ends_at
            or (
                line["returnable"] and now <= received_at + line["return_window_days"] * DAY_SECONDS
            )
        )
        for line in store.return_windows(ctx.db, order["id"])
    )
