"""`/me`: the profile, two-step verification, real name and the two passwords."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fake_backend.deps import CtxDep, LangDep, UserDep, VisitorDep
from fake_backend.schemas.account import (
    Me,
    PasswordChangeRequest,
    PaymentPasswordRequest,
    RealNameRequest,
    TwoFactorRequest,
)
from fake_backend.schemas.common import errors
from fake_backend.services import account

router = APIRouter(tags=["account"])


@router.get("/me", response_model=Me, responses=errors(401))
def me(user: UserDep, ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    return account.me_view(ctx, user.id, lang)


@router.put("/me/two-factor", response_model=Me, responses=errors(401, 403, 422, 429))
def set_two_factor(
    body: TwoFactorRequest, user: UserDep, ctx: CtxDep, lang: LangDep, visitor: VisitorDep
) -> dict[str, Any]:
    """When on, password login also needs an SMS code. Turning it off needs the login
    `password` (missing 422; wrong 403 `WRONG_PASSWORD`, counted towards the phone's
    login lockout: 429)."""
    account.keep_published_demo_credentials(ctx, user.id, visitor)
    return account.set_two_factor(ctx, user.id, body.enabled, body.password, lang)


@router.put("/me/real-name", response_model=Me, responses=errors(401, 409, 422))
def verify_real_name(
    body: RealNameRequest, user: UserDep, ctx: CtxDep, lang: LangDep
) -> dict[str, Any]:
    """Chinese name + resident ID with a valid GB 11643 check digit; once only."""
    return account.verify_real_name(ctx, user.id, body.name, body.id_number, lang)


@router.put("/me/password", response_model=Me, responses=errors(401, 403, 422, 429))
def change_password(
    body: PasswordChangeRequest, user: UserDep, ctx: CtxDep, lang: LangDep, visitor: VisitorDep
) -> dict[str, Any]:
    """Logs out the user's other sessions; this one stays."""
    account.keep_published_demo_credentials(ctx, user.id, visitor)
    return account.change_password(
        ctx, user.id, user.token_hash, body.current_password, body.new_password, lang
    )


@router.put("/me/payment-password", response_model=Me, responses=errors(401, 403, 422, 429))
def set_payment_password(
    body: PaymentPasswordRequest, user: UserDep, ctx: CtxDep, lang: LangDep, visitor: VisitorDep
) -> dict[str, Any]:
    """6 digits; changing an existing one needs `current_payment_password`."""
    account.keep_published_demo_credentials(ctx, user.id, visitor)
    return account.set_payment_password(
        ctx, user.id, body.payment_password, body.current_payment_password, lang
    )
