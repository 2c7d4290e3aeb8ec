"""Coupons: the user's coupons, the claim centre, claiming, and the daily check-in."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from fake_backend.deps import CtxDep, LangDep, UserDep
from fake_backend.schemas.common import AUTH_ERRORS, PageCursor, PageLimit, errors
from fake_backend.schemas.coupons import (
    CheckInResult,
    CheckInStatus,
    ClaimableCouponList,
    Coupon,
    CouponList,
)
from fake_backend.services import coupons

router = APIRouter(tags=["coupons"], responses=AUTH_ERRORS)

MAX_ID = 2**62


@router.get("/coupons", response_model=CouponList)
def list_coupons(
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    status: Literal["usable", "used", "expired"] = "usable",
    cursor: PageCursor = None,
    limit: PageLimit = 20,
) -> dict[str, object]:
    """The user's coupons of one status: usable ones expiring soonest first, used and
    expired ones newest first."""
    return coupons.list_coupons(ctx, user.id, status, lang, cursor, limit)


@router.get("/coupons/available", response_model=ClaimableCouponList, responses=errors(404))
def available_coupons(
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, object]:
    return coupons.available(ctx, user.id, product_id, lang)


@router.post(
    "/coupons/{template_id}/claim",
    response_model=Coupon,
    status_code=201,
    responses=errors(404, 409),
)
def claim_coupon(
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    template_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> dict[str, object]:
    return coupons.claim(ctx, user.id, template_id, lang)


@router.post("/check-in", response_model=CheckInResult, status_code=201, responses=errors(409))
def check_in(ctx: CtxDep, user: UserDep, lang: LangDep) -> dict[str, object]:
    return coupons.check_in(ctx, user.id, lang)


@router.get("/check-in", response_model=CheckInStatus)
def check_in_status(ctx: CtxDep, user: UserDep) -> dict[str, object]:
    return coupons.check_in_status(ctx, user.id)
