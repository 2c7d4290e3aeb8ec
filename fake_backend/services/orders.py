"""Orders (docs/api.md §3): placing one reserves stock and uses the coupon in the same
transaction as the order; changing, cancelling and completing follow the state table,
and the order view lists the actions its state allows."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state, not_found
from fake_backend.services import addresses, cart, catalogue, ledger, payments, pricing
from fake_backend.services.order_records import (
    BILINGUAL_MARK,
    load_order,
)
from fake_backend.services.paging import after_keyset, encode_cursor
from fake_backend.services.rules import (
    TAX_ID_RE,
    china_date,
    dumps,
    loads,
    mask_phone,
)
from fake_backend.storage import orders as store
from fake_backend.storage import payments as payment_store

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
    "after_sale_withdrawn": ("买家撤销售后申请", "The buyer withdrew the after-sale request"),
    "after_sale_upheld": ("平台维持商家处理结果", "The platform upheld the merchant's decision"),
    "all_refunded": (
        "全部商品已退款，订单关闭",
        "Every item was refunded; the order is closed",
    ),
    "alipay": ("支付宝支付", "Paid with Alipay"),
    "wechat_pay": ("微信支付", "Paid with WeChat Pay"),
    "bank_card": ("银行卡支付", "Paid by bank card"),
    "balance": ("余额支付", "Paid from balance"),
    "bnpl": ("先用后付", "Pay later"),
}
ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail")


def localized(texts: tuple[str, str], lang: str) -> str:
    return texts[0] if lang == "zh" else texts[1]


# --- the interface other areas use -------------------------------------------------------


def cancel_fully_refunded(ctx: Ctx, order_id: int) -> None:
    """Cancels an order still awaiting shipment whose every item an after-sale refunded,
    as a plain cancel does (coupon back while valid); joins the caller's transaction."""
    with ctx.db.tx():
        order = store.get_order(ctx.db, order_id)
        if order is not None and order["status"] == "awaiting_shipment":
            _cancel(ctx, order, "all_refunded")


def release_stock(ctx: Ctx, order_id: int, item_ids: Sequence[int] | None = None) -> None:
    """Puts the stock of the order's lines back on the shelf: `item_ids`, or (None) every
    line not refunded yet (a refund before shipment has already put its lines back)."""
    with ctx.db.tx():
        for line in store.items_for_stock(ctx.db, order_id, item_ids):
            store.return_sku(ctx.db, line["sku_id"], line["qty"])


def order_view(ctx: Ctx, order_id: int, lang: str) -> dict[str, Any]:
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
        "address": {**address, "phone_masked": mask_phone(address["phone"])},
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
        "cancel_reason": _note_text(order["cancel_reason"], lang),
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
                "note": _note_text(event["note"], lang),
            }
            for event in store.events(ctx.db, order_id)
        ],
        "actions": _actions(ctx, order, items, now),
    }


def cancel_unpaid(ctx: Ctx) -> None:
    """Sweeper rule: orders unpaid for 30 minutes of backend clock are cancelled."""
    for order_id in store.unpaid_before(ctx.db, ctx.now() - AUTO_CANCEL_SECONDS):
        with ctx.db.tx():
            order = store.get_order(ctx.db, order_id)
            if order is not None and order["status"] == "pending_payment":
                _cancel(ctx, order, "timeout")


def auto_confirm_delivered(ctx: Ctx) -> None:
    """Sweeper rule: parcels delivered 10 days ago count as received."""
    for order_id in store.delivered_before(ctx.db, ctx.now() - AUTO_CONFIRM_SECONDS):
        with ctx.db.tx():
            _complete(ctx, order_id, "auto_confirmed")


# --- user actions ------------------------------------------------------------------------


def create_order(
    ctx: Ctx,
    user_id: int,
    *,
    items: Sequence[tuple[int, int]] | None,
    from_cart: bool,
    address_id: int | None,
    coupon_id: int | None,
    payment_method: str,
    remark: str,
    invoice: dict[str, Any] | None,
    lang: str,
) -> dict[str, Any]:
    """Places an order: quote, stock, order rows, coupon, cart and event, all or nothing."""
    if items and from_cart:
        raise field_error("from_cart", "exactly_one_of", fields="items / from_cart")
    if not items and not from_cart:
        raise field_error("items", "required")
    invoice_snapshot = _checked_invoice(invoice)
    with ctx.db.tx():
        cart_item_ids: list[int] = []
        if items:
            lines = list(items)
        else:
            cart_lines = cart.selected_lines(ctx, user_id)
            if not cart_lines:
                raise field_error("from_cart", "cart_empty")
            lines = [(line.sku_id, line.qty) for line in cart_lines]
            cart_item_ids = [line.cart_item_id for line in cart_lines]
        chosen_address_id = address_id or addresses.default_address_id(ctx, user_id)
        if chosen_address_id is None:
            raise field_error("address_id", "required")
        address = addresses.get_address(ctx, user_id, chosen_address_id)
        quote = pricing.quote(ctx, user_id, lines, chosen_address_id, coupon_id, lang)
        priced = _reserve(ctx, quote)
        now = ctx.now()
        order_id = store.insert_order(
            ctx.db,
            {
                "order_no": store.next_order_no(ctx.db, china_date(now).strftime("%y%m%d")),
                "user_id": user_id,
                "status": "pending_payment",
                **_money_columns(quote),
                "coupon_id": coupon_id,
                "payment_method": payment_method,
                "address": _address_snapshot(address),
                "address_id": chosen_address_id,
                "remark": remark,
                "invoice": dumps(invoice_snapshot) if invoice_snapshot is not None else None,
                "created_at": now,
            },
        )
        store.insert_items(ctx.db, order_id, priced)
        if coupon_id is not None and not store.use_coupon(ctx.db, coupon_id, user_id, order_id):
            raise not_found("coupon")
        if cart_item_ids:
            cart.remove_items(ctx, user_id, cart_item_ids)
        store.add_event(ctx.db, order_id, "created", "", now)
    return order_view(ctx, order_id, lang)


def get_order(ctx: Ctx, user_id: int, order_id: int, lang: str) -> dict[str, Any]:
    load_order(ctx, user_id, order_id)
    return order_view(ctx, order_id, lang)


def list_orders(
    ctx: Ctx, user_id: int, status: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    """A page of the user's orders, newest first; `next_cursor` is None on the last page."""
    if status not in store.STATUS_FILTERS:
        raise field_error("status", "not_one_of", expected=", ".join(store.STATUS_FILTERS))
    after = after_keyset(cursor)
    rows = store.list_page(ctx.db, user_id, status, after, limit + 1)
    page = rows[:limit]
    firsts = store.first_items(
        ctx.db, [row["first_item_id"] for row in page if row["first_item_id"]]
    )
    items = []
    for row in page:
        first = firsts.get(row["first_item_id"])
        items.append(
            {
                "id": row["id"],
                "order_no": row["order_no"],
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


def order_counts(ctx: Ctx, user_id: int) -> dict[str, int]:
    return store.counts(ctx.db, user_id)


def cancel_reasons(lang: str) -> dict[str, Any]:
    return {
        "items": [
            {"code": code, "label": localized(texts, lang)}
            for code, texts in CANCEL_REASONS.items()
        ]
    }


def change_items(
    ctx: Ctx, user_id: int, order_id: int, items: Sequence[tuple[int, int]], lang: str
) -> dict[str, Any]:
    """Replaces an unpaid order's lines: stock re-reserved, prices and coupon re-checked."""
    with ctx.db.tx():
        order = _require_changeable(ctx, user_id, order_id)
        _requote(ctx, order, list(items), order["address_id"], lang, "items_changed")
    return order_view(ctx, order_id, lang)


def change_address(
    ctx: Ctx, user_id: int, order_id: int, address_id: int, lang: str
) -> dict[str, Any]:
    """Ships an unpaid order elsewhere; shipping and total follow the new province."""
    with ctx.db.tx():
        order = _require_changeable(ctx, user_id, order_id)
        address = addresses.get_address(ctx, user_id, address_id)
        lines = [(line["sku_id"], line["qty"]) for line in store.items_for_stock(ctx.db, order_id)]
        store.update_order(
            ctx.db, order_id, address=_address_snapshot(address), address_id=address_id
        )
        _requote(ctx, order, lines, address_id, lang, "address_changed")
    return order_view(ctx, order_id, lang)


def cancel_order(ctx: Ctx, user_id: int, order_id: int, reason: str, lang: str) -> dict[str, Any]:
    """Cancels before shipment: stock and coupon come back; a paid order is refunded in full."""
    if reason not in CANCEL_REASONS:
        raise field_error("reason", "not_one_of", expected=", ".join(CANCEL_REASONS))
    with ctx.db.tx():
        order = load_order(ctx, user_id, order_id)
        if order["status"] not in ("pending_payment", "awaiting_shipment"):
            raise invalid_state(order["status"])
        if order["after_sale_status"] == "in_progress":
            raise invalid_state("after_sale_in_progress")
        _cancel(ctx, order, reason)
        refundable = order["total_fen"] - order["refunded_fen"]
        if order["status"] == "awaiting_shipment" and refundable > 0:
            payments.refund(
                ctx, order_id, refundable, "original", f"取消订单退款 {order['order_no']}"
            )
            store.add_event(ctx.db, order_id, "refunded", "refund_on_cancel", ctx.now())
    return order_view(ctx, order_id, lang)


def confirm_receipt(ctx: Ctx, user_id: int, order_id: int, lang: str) -> dict[str, Any]:
    with ctx.db.tx():
        _require(ctx, user_id, order_id, "shipped")
        _complete(ctx, order_id, "")
    return order_view(ctx, order_id, lang)


# --- internals ---------------------------------------------------------------------------


def _require(ctx: Ctx, user_id: int, order_id: int, status: str) -> sqlite3.Row:
    order = load_order(ctx, user_id, order_id)
    if order["status"] != status:
        raise invalid_state(order["status"])
    return order


def _require_changeable(ctx: Ctx, user_id: int, order_id: int) -> sqlite3.Row:
    """An unpaid order changed fewer than MAX_ORDER_CHANGES times (else 409)."""
    order = _require(ctx, user_id, order_id, "pending_payment")
    if store.times_changed(ctx.db, order_id) >= MAX_ORDER_CHANGES:
        raise ApiError(
            "ORDER_CHANGE_LIMIT", limit=MAX_ORDER_CHANGES, details={"limit": MAX_ORDER_CHANGES}
        )
    return order


def _checked_invoice(invoice: dict[str, Any] | None) -> dict[str, Any] | None:
    if invoice is None:
        return None
    tax_id = invoice.get("tax_id")
    if tax_id:
        tax_id = tax_id.strip().upper()
        if not TAX_ID_RE.fullmatch(tax_id):
            raise field_error("invoice.tax_id", "bad_tax_id")
    elif invoice["type"] == "company":
        raise field_error("invoice.tax_id", "required")
    return {"type": invoice["type"], "title": invoice["title"], "tax_id": tax_id or None}


def _address_snapshot(address: dict[str, Any]) -> str:
    return dumps({field: address[field] for field in ADDRESS_FIELDS})


def _money_columns(quote: dict[str, Any]) -> dict[str, Any]:
    estimate = quote.get("estimated_delivery") or {}
    return {
        "subtotal_fen": quote["subtotal_fen"],
        "shipping_fen": quote["shipping_fen"],
        "discount_fen": quote["discount_fen"],
        "total_fen": quote["total_fen"],
        "est_earliest": estimate.get("earliest"),
        "est_latest": estimate.get("latest"),
    }


def _reserve(ctx: Ctx, quote: dict[str, Any]) -> list[dict[str, Any]]:
    """Takes the stock of every quoted line (409 naming the first short one) and answers
    the order item rows, priced and discounted as quoted."""
    rows = []
    for line in quote["lines"]:
        if not store.reserve_sku(ctx.db, line["sku_id"], line["qty"]):
            raise ApiError(
                "OUT_OF_STOCK",
                name=line["name"],
                available=line["stock"],
                details={
                    "sku_id": line["sku_id"],
                    "product_id": line["product_id"],
                    "available": line["stock"],
                },
            )
        rows.append(
            {
                "product_id": line["product_id"],
                "sku_id": line["sku_id"],
                "name": line["name"],
                "specs": dumps(line["specs"]),
                "price_fen": line["price_fen"],
                "qty": line["qty"],
                "discount_share_fen": line["discount_share_fen"],
            }
        )
    return rows


def _requote(
    ctx: Ctx,
    order: sqlite3.Row,
    lines: list[tuple[int, int]],
    address_id: int | None,
    lang: str,
    event: str,
) -> None:
    """Re-prices an unpaid order for new lines or a new address, inside the caller's
    transaction. The old stock goes back first so the order can keep what it held; a
    coupon that no longer applies is returned to the user and the timeline says so."""
    order_id = order["id"]
    user_id = order["user_id"]
    release_stock(ctx, order_id)
    coupon_id = order["coupon_id"]
    note = ""
    if coupon_id is not None:
        store.free_coupon(ctx.db, coupon_id)
    try:
        quote = pricing.quote(ctx, user_id, lines, address_id, coupon_id, lang)
    except ApiError as refusal:
        if coupon_id is None or refusal.code != "COUPON_NOT_APPLICABLE":
            raise
        coupon_id, note = None, "coupon_released"
        quote = pricing.quote(ctx, user_id, lines, address_id, None, lang)
    priced = _reserve(ctx, quote)
    store.delete_items(ctx.db, order_id)
    store.insert_items(ctx.db, order_id, priced)
    if coupon_id is not None:
        store.use_coupon(ctx.db, coupon_id, user_id, order_id)
    store.update_order(ctx.db, order_id, coupon_id=coupon_id, **_money_columns(quote))
    now = ctx.now()
    payment_store.fail_pending_of_order(ctx.db, order_id, "order changed", now)
    store.add_event(ctx.db, order_id, event, note, now)


def _cancel(ctx: Ctx, order: sqlite3.Row, reason: str) -> None:
    """Cancels inside the caller's transaction: stock back, coupon back while it is still
    valid, pending payments closed. Refunds are the caller's business."""
    now = ctx.now()
    order_id = order["id"]
    if not store.set_status_if(
        ctx.db,
        order_id,
        order["status"],
        status="cancelled",
        cancelled_at=now,
        cancel_reason=reason,
    ):
        raise invalid_state("cancelled")
    release_stock(ctx, order_id)
    coupon_id = order["coupon_id"]
    if coupon_id is not None and store.coupon_expires_at(ctx.db, coupon_id) > now:
        store.free_coupon(ctx.db, coupon_id)
    payment_store.fail_pending_of_order(ctx.db, order_id, "order cancelled", now)
    store.add_event(ctx.db, order_id, "cancelled", reason, now)


def _complete(ctx: Ctx, order_id: int, note: str) -> None:
    """Shipped → completed, inside the caller's transaction; a pay-later bill starts its term."""
    now = ctx.now()
    if not store.set_status_if(ctx.db, order_id, "shipped", status="completed", completed_at=now):
        return
    store.add_event(ctx.db, order_id, "completed", note, now)
    order = store.get_order(ctx.db, order_id)
    if order is not None and order["paid_method"] == "bnpl":
        ledger.bnpl_start_due(ctx, order_id, now)


def _note_text(note: str | None, lang: str) -> str | None:
    if note is None:
        return None
    texts = NOTE_TEXTS.get(note)
    if texts is None and note.startswith(f'{{"{BILINGUAL_MARK}":'):
        both = loads(note)
        texts = (both[BILINGUAL_MARK], both["en"])
    return localized(texts, lang) if texts is not None else note


def _actions(ctx: Ctx, order: sqlite3.Row, items: list[sqlite3.Row], now: float) -> list[str]:
    """What the user may do now, per docs/api.md §3's table."""
    status = order["status"]
    open_for_after_sale = order["after_sale_status"] != "in_progress" and any(
        not item["refunded"] for item in items
    )
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
        if open_for_after_sale and _within_return_window(ctx, order, now):
            actions.append("after_sale")
        return [*actions, "track"]
    return ["buy_again"]


def _within_return_window(ctx: Ctx, order: sqlite3.Row, now: float) -> bool:
    received_at = order["delivered_at"] or order["completed_at"] or now
    return any(
        line["returnable"]
        and not line["refunded"]
        and now <= received_at + line["return_window_days"] * DAY_SECONDS
        for line in store.return_windows(ctx.db, order["id"])
    )
