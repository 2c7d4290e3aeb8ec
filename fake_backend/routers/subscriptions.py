"""Subscriptions (周期购): made with the payment password, listed, shown with their
periods, paused, resumed, skipped, edited and cancelled. The backend's clock places their
orders (`services/subscriptions.place_due`, a sweeper rule)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from fastapi.responses import JSONResponse

from fake_backend.deps import CtxDep, IdempotencyKey, LangDep, UserDep, run_idempotent
from fake_backend.schemas.common import errors
from fake_backend.schemas.subscriptions import (
    MAX_ID,
    SubscriptionDetail,
    SubscriptionEdit,
    SubscriptionIn,
    SubscriptionList,
)
from fake_backend.services import subscriptions

router = APIRouter(tags=["subscriptions"])

SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/subscriptions", response_model=SubscriptionList, responses=errors(401))
def list_subscriptions(user: UserDep, ctx: CtxDep, lang: LangDep) -> Any:
    return subscriptions.list_subscriptions(ctx, user.id, lang)


@router.post(
    "/subscriptions",
    response_model=SubscriptionDetail,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 409, 422, 429),
)
def create_subscription(
    body: SubscriptionIn, user: UserDep, ctx: CtxDep, lang: LangDep, key: IdempotencyKey
) -> JSONResponse:
    """The payment password authorises every period's payment; the first period is placed
    once `starts_on` begins. Idempotent like `POST /orders`."""
    return run_idempotent(
        ctx,
        user,
        key,
        "POST /subscriptions",
        body,
        lambda: subscriptions.create(
            ctx,
            user.id,
            sku_id=body.sku_id,
            qty=body.qty,
            address_id=body.address_id,
            payment_method=body.payment_method,
            bank_card_id=body.bank_card_id,
            every=body.every,
            starts_on=body.starts_on,
            lang=lang,
        ),
        SubscriptionDetail,
        status.HTTP_201_CREATED,
        prepare=lambda: subscriptions.check_new(ctx, user.id, body.payment_password),
    )


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionDetail,
    responses=errors(401, 404),
)
def get_subscription(
    subscription_id: SubscriptionId, user: UserDep, ctx: CtxDep, lang: LangDep
) -> Any:
    return subscriptions.detail(ctx, user.id, subscription_id, lang)


@router.put(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionDetail,
    responses=errors(401, 403, 404, 409, 422, 429),
)
def edit_subscription(
    subscription_id: SubscriptionId,
    body: SubscriptionEdit,
    user: UserDep,
    ctx: CtxDep,
    lang: LangDep,
) -> Any:
    """From the next placement on; a new payment method needs the payment password."""
    subscriptions.check_edit(
        ctx, user.id, subscription_id, body.payment_method, body.bank_card_id, body.payment_password
    )
    changes = body.model_dump(exclude_unset=True, exclude={"payment_password"})
    return subscriptions.edit(ctx, user.id, subscription_id, changes, lang)


@router.post(
    "/subscriptions/{subscription_id}/pause",
    response_model=SubscriptionDetail,
    responses=errors(401, 404, 409),
)
def pause_subscription(
    subscription_id: SubscriptionId, user: UserDep, ctx: CtxDep, lang: LangDep
) -> Any:
    return subscriptions.pause(ctx, user.id, subscription_id, lang)


@router.post(
    "/subscriptions/{subscription_id}/resume",
    response_model=SubscriptionDetail,
    responses=errors(401, 404, 409),
)
def resume_subscription(
    subscription_id: SubscriptionId, user: UserDep, ctx: CtxDep, lang: LangDep
) -> Any:
    """The next period from today on: periods that passed while paused are not made up."""
    return subscriptions.resume(ctx, user.id, subscription_id, lang)


@router.post(
    "/subscriptions/{subscription_id}/skip-next",
    response_model=SubscriptionDetail,
    responses=errors(401, 404, 409),
)
def skip_next_period(
    subscription_id: SubscriptionId, user: UserDep, ctx: CtxDep, lang: LangDep
) -> Any:
    return subscriptions.skip_next(ctx, user.id, subscription_id, lang)


@router.delete(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionDetail,
    responses=errors(401, 404, 409),
)
def cancel_subscription(
    subscription_id: SubscriptionId, user: UserDep, ctx: CtxDep, lang: LangDep
) -> Any:
    """Cancelled for good (kept, with its history); placed orders are not touched."""
    return subscriptions.cancel(ctx, user.id, subscription_id, lang)
