"""The user's after-sale requests (docs/api.md §2 "Returns", §7.2–7.3): creating one (a
refund, a return or an exchange), modifying and resubmitting it after a rejection (at
most `MAX_RESUBMITS` times), withdrawing it, confirming an exchange's replacement. Nothing
is written before the rules allow the request."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, field_error, not_found
from fake_backend.services import order_records
from fake_backend.services.after_sale_merchant import complete_replacement
from fake_backend.services.after_sale_rules import (
    ANSWER_DEADLINE,
    GOODS_BACK,
    MAX_RESUBMITS,
    REASONS,
    TYPE_LABELS,
    Assessment,
    Line,
    Verdict,
    assess,
    text,
)
from fake_backend.services.after_sale_states import (
    move,
    own_after_sale,
    release_replacement,
    require_status,
    settle_order_status,
)
from fake_backend.services.after_sale_views import AfterSaleView, view
from fake_backend.services.rules import dumps, fmt_fen
from fake_backend.storage import after_sales as store


@dataclass(frozen=True)
class ExchangeItem:
    """One order item to exchange and the SKU (same product, same price) wanted instead."""

    item_id: int
    sku_id: int


@dataclass(frozen=True)
class Request:
    """What the user asks for, on create and on modify. A refund or a return names
    `item_ids` and `amount_fen`; an exchange names `exchange_items` and neither."""

    type: str
    item_ids: list[int] | None
    reason: str
    description: str
    amount_fen: int | None
    refund_to: str
    photo_ids: list[int]
    exchange_items: list[ExchangeItem] | None = None

    @property
    def chosen_ids(self) -> list[int]:
        if self.exchange_items is not None:
            return [item.item_id for item in self.exchange_items]
        return list(self.item_ids or [])


def create(ctx: Ctx, user_id: int, order_id: int, request: Request, lang: str) -> AfterSaleView:
    """POST /after-sales: a new request, waiting for the merchant (24 h deadline)."""
    request = _normalized(request)
    with ctx.db.tx():
        order = order_records.load_order(ctx, user_id, order_id)
        assessment = assess(ctx, order)
        amount_fen = _check_request(ctx, user_id, assessment, request)
        now = ctx.now()
        after_sale_id = store.insert_after_sale(
            ctx.db,
            {
                "user_id": user_id,
                "order_id": order_id,
                "status": "requested",
                **_request_columns(request, amount_fen),
                "deadline_at": now + ANSWER_DEADLINE,
                "created_at": now,
                "updated_at": now,
            },
        )
        store.attach_uploads(ctx.db, request.photo_ids, now)
        store.add_event(ctx.db, after_sale_id, status="requested", actor="user", at=now)
        store.set_order_after_sale_status(ctx.db, order_id, "in_progress")
        amount = fmt_fen(amount_fen)
        order_records.add_event(
            ctx,
            order_id,
            "after_sale_requested",
            order_records.both_languages(
                *(
                    text("order_requested", language, type=label, amount=amount)
                    if request.type != "exchange"
                    else text("order_requested_exchange", language)
                    for language, label in zip(("zh", "en"), TYPE_LABELS[request.type], strict=True)
                )
            ),
        )
        return view(ctx, after_sale_id, lang)


def modify(
    ctx: Ctx, user_id: int, after_sale_id: int, request: Request, lang: str
) -> AfterSaleView:
    """PUT /after-sales/{id}: after a rejection, change the request and resubmit it."""
    request = _normalized(request)
    with ctx.db.tx():
        row = own_after_sale(ctx, user_id, after_sale_id)
        require_status(row, "rejected")
        if store.times_resubmitted(ctx.db, after_sale_id) >= MAX_RESUBMITS:
            raise ApiError(
                "AFTER_SALE_RESUBMIT_LIMIT", limit=MAX_RESUBMITS, details={"limit": MAX_RESUBMITS}
            )
        order = store.order(ctx.db, row["order_id"])
        assert order is not None
        assessment = assess(
            ctx, order, exclude_after_sale_id=after_sale_id, window_at=row["created_at"]
        )
        amount_fen = _check_request(ctx, user_id, assessment, request)
        now = ctx.now()
        store.update_after_sale(
            ctx.db,
            after_sale_id,
            status="requested",
            **_request_columns(request, amount_fen),
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


def cancel(ctx: Ctx, user_id: int, after_sale_id: int, lang: str) -> AfterSaleView:
    """POST /after-sales/{id}/cancel: withdrawn while requested or awaiting the return."""
    with ctx.db.tx():
        row = own_after_sale(ctx, user_id, after_sale_id)
        require_status(row, "requested", "awaiting_return")
        release_replacement(ctx, row)
        move(ctx, row, "cancelled", "user", note_key="user_cancelled")
        settle_order_status(ctx, row["order_id"])
        order_records.add_event(
            ctx, row["order_id"], "after_sale_cancelled", "after_sale_withdrawn"
        )
        return view(ctx, after_sale_id, lang)


def confirm_replacement(ctx: Ctx, user_id: int, after_sale_id: int, lang: str) -> AfterSaleView:
    """POST /after-sales/{id}/confirm-replacement: the buyer has the replacement."""
    with ctx.db.tx():
        own_after_sale(ctx, user_id, after_sale_id)
        complete_replacement(ctx, after_sale_id, actor="user")
        return view(ctx, after_sale_id, lang)


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


def _check_request(ctx: Ctx, user_id: int, assessment: Assessment, request: Request) -> int:
    """Refuses a request the rules do not allow; nothing is written before this passes.
    Answers the amount to store: the one asked for, or an exchange's items' value."""
    _check_shape(request)
    reason = REASONS.get(request.reason)
    problems = FieldErrors()
    if reason is None:
        problems.add("reason", "not_one_of", expected=", ".join(REASONS))
    elif request.type not in reason.types:
        problems.add("reason", "not_for_type")
    problems.raise_if_any()
    assert reason is not None
    quality = reason.extended
    blocked = assessment.blocks(quality)
    if request.type in blocked:
        raise _not_allowed(request.type, blocked[request.type])
    lines = {line.id: line for line in assessment.lines}
    chosen = request.chosen_ids
    if any(item_id not in lines for item_id in chosen):
        field = "exchange_items" if request.type == "exchange" else "item_ids"
        raise field_error(field, "not_selectable")
    for item_id in chosen:
        verdict = lines[item_id].blocks(quality).get(request.type)
        if verdict is not None:
            raise _not_allowed(request.type, verdict, item_id)
    # Asked only of a request the rules allow: a photo would not change a refusal.
    if reason.quality and not request.photo_ids:
        raise ApiError(
            "PHOTO_REQUIRED",
            reason_zh=reason.label_zh,
            reason_en=reason.label_en,
            details={"fields": {"photo_ids": "photo_required"}, "reason": reason.code},
        )
    maximum = assessment.max_refund(chosen)
    if request.exchange_items is not None:
        _check_replacements(ctx, lines, request.exchange_items)
        amount_fen = max(1, maximum)
    else:
        amount_fen = request.amount_fen or 0
        if not 1 <= amount_fen <= maximum:
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
    return amount_fen


def _check_shape(request: Request) -> None:
    """An exchange names `exchange_items` only; a refund or a return `item_ids` and
    `amount_fen` only (422 naming each field that is missing or out of place)."""
    problems = FieldErrors()
    if request.type == "exchange":
        if not request.exchange_items:
            problems.add("exchange_items", "required")
        if request.item_ids is not None:
            problems.add("item_ids", "not_with", other="type exchange (exchange_items)")
        if request.amount_fen is not None:
            problems.add("amount_fen", "not_with", other="type exchange")
    else:
        if not request.item_ids:
            problems.add("item_ids", "required")
        if request.amount_fen is None:
            problems.add("amount_fen", "required")
        if request.exchange_items is not None:
            problems.add("exchange_items", "only_for", what="type exchange")
    problems.raise_if_any()


def _check_replacements(
    ctx: Ctx, lines: dict[int, Line], exchange_items: list[ExchangeItem]
) -> None:
    """Each replacement is a SKU of the item's own product at the price paid for it, and
    in stock for the item's quantity now (the merchant takes it when approving)."""
    problems = FieldErrors()
    skus: dict[int, sqlite3.Row] = {}
    for index, wanted in enumerate(exchange_items):
        field = f"exchange_items.{index}.sku_id"
        line = lines[wanted.item_id]
        sku = store.sku(ctx.db, wanted.sku_id)
        if sku is None or sku["product_id"] != line.row["product_id"]:
            problems.add(field, "exchange_other_product")
        elif sku["price_fen"] != line.row["price_fen"]:
            problems.add(field, "exchange_other_price", price=fmt_fen(line.row["price_fen"]))
        else:
            skus[index] = sku
    problems.raise_if_any()
    for index, wanted in enumerate(exchange_items):
        sku = skus[index]
        qty = lines[wanted.item_id].row["qty"]
        if sku["stock"] < qty:
            raise ApiError(
                "OUT_OF_STOCK",
                name=lines[wanted.item_id].row["name"],
                available=sku["stock"],
                details={"sku_id": sku["id"], "available": sku["stock"]},
            )


def _normalized(request: Request) -> Request:
    """Item and photo ids without repeats, in the order given (an item exchanged twice:
    the first wish counts)."""
    exchange_items = None
    if request.exchange_items is not None:
        by_item: dict[int, ExchangeItem] = {}
        for wanted in request.exchange_items:
            by_item.setdefault(wanted.item_id, wanted)
        exchange_items = list(by_item.values())
    return Request(
        type=request.type,
        item_ids=list(dict.fromkeys(request.item_ids)) if request.item_ids is not None else None,
        reason=request.reason,
        description=request.description,
        amount_fen=request.amount_fen,
        refund_to=request.refund_to,
        photo_ids=list(dict.fromkeys(request.photo_ids)),
        exchange_items=exchange_items,
    )


def _request_columns(request: Request, amount_fen: int) -> dict[str, Any]:
    merchant_pays = (
        request.type in GOODS_BACK and REASONS[request.reason].merchant_pays_return_shipping
    )
    exchange_items = (
        dumps([{"item_id": item.item_id, "sku_id": item.sku_id} for item in request.exchange_items])
        if request.exchange_items is not None
        else None
    )
    return {
        "type": request.type,
        "reason": request.reason,
        "description": request.description,
        "amount_fen": amount_fen,
        "refund_to": request.refund_to,
        "item_ids": dumps(sorted(request.chosen_ids)),
        "photo_ids": dumps(request.photo_ids),
        "merchant_pays_return": int(merchant_pays),
        "exchange_items": exchange_items,
    }
