"""After-sales (售后) and photo uploads; `/_dev` merchant and platform answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse

from fake_backend.deps import CtxDep, IdempotencyKey, LangDep, UserDep, run_idempotent
from fake_backend.errors import FieldErrors, field_error
from fake_backend.schemas.after_sales import (
    MAX_ID,
    AfterSale,
    AfterSaleCreate,
    AfterSaleFields,
    AfterSaleList,
    AppealIn,
    Eligibility,
    MerchantNoteIn,
    PickupSlots,
    PlatformDecisionIn,
    ReasonList,
    ReturnShipmentIn,
    Upload,
)
from fake_backend.schemas.common import errors
from fake_backend.services import (
    after_sale_appeals,
    after_sale_merchant,
    after_sale_requests,
    after_sale_returns,
    after_sale_views,
    uploads,
)

router = APIRouter(tags=["after-sales"])
dev_router = APIRouter()

OrderId = Annotated[int, Path(ge=1, le=MAX_ID)]
AfterSaleId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _request(body: AfterSaleFields) -> after_sale_requests.Request:
    return after_sale_requests.Request(
        type=body.type,
        item_ids=list(body.item_ids) if body.item_ids is not None else None,
        reason=body.reason,
        description=body.description,
        amount_fen=body.amount_fen,
        refund_to=body.refund_to,
        photo_ids=list(body.photo_ids),
        exchange_items=[
            after_sale_requests.ExchangeItem(item_id=wanted.item_id, sku_id=wanted.sku_id)
            for wanted in body.exchange_items
        ]
        if body.exchange_items is not None
        else None,
    )


@router.get(
    "/orders/{order_id}/after-sale-eligibility",
    response_model=Eligibility,
    responses=errors(401, 404),
)
def eligibility(
    order_id: OrderId, ctx: CtxDep, user: UserDep, lang: LangDep
) -> after_sale_views.EligibilityView:
    """Which after-sale types the order allows now, for which items, up to how much."""
    return after_sale_views.eligibility(ctx, user.id, order_id, lang)


@router.get("/after-sale-reasons", response_model=ReasonList)
def reasons(lang: LangDep) -> after_sale_views.ReasonList:
    """The reasons a buyer may give, for which types, and who pays return shipping."""
    return after_sale_views.reasons(lang)


@router.post(
    "/uploads", status_code=201, response_model=Upload, responses=errors(401, 413, 422, 429)
)
def upload(
    file: Annotated[UploadFile, File(description="A PNG or JPEG image, at most 5 MB")],
    ctx: CtxDep,
    user: UserDep,
) -> dict[str, Any]:
    """Stores a photo for an after-sale; only its uploader may attach it. Photos no
    after-sale names yet: at most 20 and 50 MB per user (429 `UPLOAD_QUOTA`, Retry-After
    until the oldest is deleted), deleted 24 h after upload."""
    data = file.file.read(uploads.MAX_UPLOAD_BYTES + 1)
    return uploads.save(ctx, user.id, file.filename, data)


@router.post(
    "/after-sales",
    status_code=201,
    response_model=AfterSale,
    responses=errors(401, 404, 409, 422),
)
def create(
    body: AfterSaleCreate,
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Requests a refund only, a return and refund, or an exchange (换货); the merchant
    answers within 24 h. A quality reason needs a photo (422 `PHOTO_REQUIRED`)."""
    return run_idempotent(
        ctx,
        user,
        idempotency_key,
        "POST /after-sales",
        body,
        lambda: after_sale_requests.create(ctx, user.id, body.order_id, _request(body), lang),
        AfterSale,
        status_code=201,
    )


@router.get("/after-sales", response_model=AfterSaleList, responses=errors(401, 422))
def list_after_sales(
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    order_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> after_sale_views.AfterSalePage:
    """The user's after-sales, newest first (optionally one order's)."""
    return after_sale_views.list_for_user(
        ctx, user.id, lang, cursor=cursor, limit=limit, order_id=order_id
    )


@router.get("/after-sales/{after_sale_id}", response_model=AfterSale, responses=errors(401, 404))
def get_after_sale(
    after_sale_id: AfterSaleId, ctx: CtxDep, user: UserDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """One after-sale with its timeline and what the user may do next."""
    return after_sale_views.get(ctx, user.id, after_sale_id, lang)


@router.put(
    "/after-sales/{after_sale_id}",
    response_model=AfterSale,
    responses=errors(401, 404, 409, 422),
)
def modify(
    after_sale_id: AfterSaleId, body: AfterSaleFields, ctx: CtxDep, user: UserDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """Changes a rejected request and resubmits it (a new 24 h deadline)."""
    return after_sale_requests.modify(ctx, user.id, after_sale_id, _request(body), lang)


@router.post(
    "/after-sales/{after_sale_id}/cancel",
    response_model=AfterSale,
    responses=errors(401, 404, 409),
)
def cancel(
    after_sale_id: AfterSaleId, ctx: CtxDep, user: UserDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """Withdraws a request still waiting for the merchant or for the returned goods."""
    return after_sale_requests.cancel(ctx, user.id, after_sale_id, lang)


@router.post(
    "/after-sales/{after_sale_id}/appeal",
    response_model=AfterSale,
    responses=errors(401, 404, 409, 422),
)
def appeal(
    after_sale_id: AfterSaleId, body: AppealIn, ctx: CtxDep, user: UserDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """Asks the platform to step in after the merchant rejected the request."""
    return after_sale_appeals.appeal(ctx, user.id, after_sale_id, body.reason, lang)


@router.post(
    "/after-sales/{after_sale_id}/confirm-replacement",
    response_model=AfterSale,
    responses=errors(401, 404, 409),
)
def confirm_replacement(
    after_sale_id: AfterSaleId, ctx: CtxDep, user: UserDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """The buyer received an exchange's replacement: reshipped → completed (it also
    completes by itself 10 days after it was reshipped)."""
    return after_sale_requests.confirm_replacement(ctx, user.id, after_sale_id, lang)


@router.get(
    "/after-sales/{after_sale_id}/pickup-slots",
    response_model=PickupSlots,
    responses=errors(401, 404, 409),
)
def pickup_slots(
    after_sale_id: AfterSaleId, ctx: CtxDep, user: UserDep
) -> after_sale_returns.PickupSlots:
    """The courier's 2-hour pickup windows over the next 3 days (Beijing time)."""
    return after_sale_returns.pickup_slots(ctx, user.id, after_sale_id)


@router.post(
    "/after-sales/{after_sale_id}/return-shipment",
    response_model=AfterSale,
    responses=errors(401, 404, 409, 422),
)
def return_shipment(
    after_sale_id: AfterSaleId,
    body: ReturnShipmentIn,
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
) -> after_sale_views.AfterSaleView:
    """The goods are on their way back: `{carrier, tracking_no}` for a parcel the user
    sent, or `{pickup: {address_id, slot}}` for a courier collecting it (上门取件)."""
    if body.pickup is not None:
        if body.carrier is not None or body.tracking_no is not None:
            raise field_error("pickup", "not_with", other="carrier / tracking_no")
        return after_sale_returns.book_pickup(
            ctx, user.id, after_sale_id, body.pickup.address_id, body.pickup.slot, lang
        )
    carrier, tracking_no = body.carrier, body.tracking_no
    if carrier is None or tracking_no is None:
        problems = FieldErrors()
        if carrier is None:
            problems.add("carrier", "required")
        if tracking_no is None:
            problems.add("tracking_no", "required")
        raise problems.error()
    return after_sale_returns.ship_return(ctx, user.id, after_sale_id, carrier, tracking_no, lang)


# ---- /_dev: the merchant's and the platform's answers ----------------------------------


@dev_router.post(
    "/after-sales/{after_sale_id}/approve", response_model=AfterSale, responses=errors(404, 409)
)
def dev_approve(
    after_sale_id: AfterSaleId, ctx: CtxDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """The merchant approves a request; on an appeal, the platform refunds."""
    after_sale_merchant.answer(ctx, after_sale_id, approved=True)
    return after_sale_views.view(ctx, after_sale_id, lang)


@dev_router.post(
    "/after-sales/{after_sale_id}/reject", response_model=AfterSale, responses=errors(404, 409)
)
def dev_reject(
    after_sale_id: AfterSaleId,
    ctx: CtxDep,
    lang: LangDep,
    body: MerchantNoteIn | None = None,
) -> after_sale_views.AfterSaleView:
    """The merchant rejects a request; on an appeal, the platform closes it."""
    note = body.note if body is not None else ""
    after_sale_merchant.answer(ctx, after_sale_id, approved=False, note=note)
    return after_sale_views.view(ctx, after_sale_id, lang)


@dev_router.post(
    "/after-sales/{after_sale_id}/receive", response_model=AfterSale, responses=errors(404, 409)
)
def dev_receive(
    after_sale_id: AfterSaleId, ctx: CtxDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """The merchant receives the returned goods, which refunds the buyer."""
    after_sale_merchant.receive(ctx, after_sale_id)
    return after_sale_views.view(ctx, after_sale_id, lang)


@dev_router.post(
    "/after-sales/{after_sale_id}/reship", response_model=AfterSale, responses=errors(404, 409)
)
def dev_reship(
    after_sale_id: AfterSaleId, ctx: CtxDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """The merchant ships an exchange's replacement (received → reshipped)."""
    after_sale_merchant.reship(ctx, after_sale_id)
    return after_sale_views.view(ctx, after_sale_id, lang)


@dev_router.post(
    "/after-sales/{after_sale_id}/platform-decide",
    response_model=AfterSale,
    responses=errors(404, 409, 422),
)
def dev_platform_decide(
    after_sale_id: AfterSaleId, body: PlatformDecisionIn, ctx: CtxDep, lang: LangDep
) -> after_sale_views.AfterSaleView:
    """The platform decides an appeal: for the buyer (a return or an exchange back to
    approved, a refund only refunded) or not (closed)."""
    after_sale_appeals.platform_decide(ctx, after_sale_id, approve=body.approve, note=body.note)
    return after_sale_views.view(ctx, after_sale_id, lang)
