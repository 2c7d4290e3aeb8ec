"""The user's after-sale requests (docs/api.md §2 "Returns"): creating one, modifying and
resubmitting it after a rejection (at most `MAX_RESUBMITS` times), withdrawing it. Nothing
is written before the rules allow the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, not_found
from fake_backend.services import order_records
from fake_backend.services.after_sale_rules import (
    ANSWER_DEADLINE,
    MAX_RESUBMITS,
    REASONS,
    TYPE_LABELS,
    Assessment,
    Verdict,
    assess,
    text,
)
from fake_backend.services.after_sale_states import (
    move,
    own_after_sale,
    require_status,
    settle_order_status,
)
from fake_backend.services.after_sale_views import AfterSaleView, view
from fake_backend.services.rules import dumps, fmt_fen
from fake_backend.storage import after_sales as store


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


def create(ctx: Ctx, user_id: int, order_id: int, request: Request, lang: str) -> AfterSaleView:
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
                    text("order_requested", language, type=label, amount=amount)
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


def cancel(ctx: Ctx, user_id: int, after_sale_id: int, lang: str) -> AfterSaleView:
    """POST /after-sales/{id}/cancel: withdrawn while requested or awaiting the return."""
    with ctx.db.tx():
        row = own_after_sale(ctx, user_id, after_sale_id)
        require_status(row, "requested", "awaiting_return")
        move(ctx, row, "cancelled", "user", note_key="user_cancelled")
        settle_order_status(ctx, row["order_id"])
        order_records.add_event(
            ctx, row["order_id"], "after_sale_cancelled", "after_sale_withdrawn"
        )
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
