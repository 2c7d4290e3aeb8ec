"""`/auth`: SMS codes, logins, registration, password reset, QR logins, logging out;
and on `/_dev` the fake SMS outbox and the QR approval a phone app would give."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import JSONResponse

from fake_backend.deps import ClientDep, CtxDep, LangDep, ShopperDep, UserDep, VisitorDep
from fake_backend.schemas.auth import (
    MAX_PHONE_LENGTH,
    AuthResult,
    GuestAuthResult,
    GuestLoginRequest,
    LoginRequest,
    OAuthApproveRequest,
    OAuthPending,
    OAuthPollRequest,
    OAuthStart,
    PasswordResetRequest,
    RegisterRequest,
    SmsCodeRequest,
    SmsCodeSent,
    SmsOutbox,
)
from fake_backend.schemas.common import Ok, errors
from fake_backend.seed_data import DEMO_PHONE
from fake_backend.services import auth, guests

router = APIRouter(tags=["auth"])
dev_router = APIRouter()


@router.post("/auth/sms-codes", response_model=SmsCodeSent, responses=errors(409, 422, 429))
def send_sms_code(body: SmsCodeRequest, ctx: CtxDep, client: ClientDep) -> dict[str, Any]:
    """Sends a 6-digit code valid 5 minutes. 429 with Retry-After: one per phone per 60 s
    (`RATE_LIMITED`), 5 per phone an hour (`SMS_PHONE_LIMIT`), 10 per client (its IP
    address) in 10 minutes over any phones (`SMS_CLIENT_LIMIT`)."""
    return auth.send_sms_code(ctx, body.phone, body.purpose, client)


@router.post("/auth/login", response_model=AuthResult, responses=errors(401, 422, 429))
def login(body: LoginRequest, ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    """`{phone, code}` or `{phone, password}`; with two-step verification on, both.
    5 wrong attempts lock the phone for 15 minutes (429)."""
    return auth.login(ctx, body.phone, body.code, body.password, lang)


@router.post(
    "/auth/register",
    response_model=AuthResult,
    status_code=status.HTTP_201_CREATED,
    responses=errors(409, 422, 429),
)
def register(body: RegisterRequest, ctx: CtxDep, lang: LangDep) -> dict[str, Any]:
    return auth.register(ctx, body.phone, body.code, body.password, lang)


@router.post(
    "/auth/guest",
    response_model=GuestAuthResult,
    status_code=status.HTTP_201_CREATED,
    responses=errors(422, 429),
)
def guest_login(body: GuestLoginRequest, ctx: CtxDep) -> dict[str, Any]:
    """A 24-hour guest session from a guest-purpose code (docs/api.md §7.4): it may
    browse, use a cart, order with an inline address and pay by Alipay, WeChat Pay or
    bank card. A wrong code counts towards the phone's lockout (429)."""
    return guests.guest_login(ctx, body.phone, body.code)


@router.post("/auth/password-reset", response_model=Ok, responses=errors(401, 422, 429))
def reset_password(body: PasswordResetRequest, ctx: CtxDep) -> dict[str, Any]:
    """Sets a new password with a reset-purpose code and logs out every session."""
    return auth.reset_password(ctx, body.phone, body.code, body.new_password)


@router.post("/auth/oauth/{provider}/start", response_model=OAuthStart, responses=errors(404, 429))
def start_oauth(
    provider: Annotated[str, Path(max_length=16, description="wechat or qq")],
    ctx: CtxDep,
    client: ClientDep,
) -> dict[str, Any]:
    """A QR code to scan with the provider's app; poll with its device_code. 20 per client
    (its IP address) in 10 minutes, then 429 `QR_LOGIN_LIMIT` with Retry-After."""
    return auth.start_oauth(ctx, provider, client)


@router.post(
    "/auth/oauth/poll",
    response_model=AuthResult,
    responses={
        status.HTTP_202_ACCEPTED: {"model": OAuthPending, "description": "Not approved yet"},
        **errors(404, 409),
    },
)
def poll_oauth(body: OAuthPollRequest, ctx: CtxDep, lang: LangDep) -> dict[str, Any] | JSONResponse:
    """202 while waiting, then 200 with the session once; 409 when expired or used."""
    result = auth.poll_oauth(ctx, body.device_code, lang)
    if result is None:
        return JSONResponse({"status": "pending"}, status_code=status.HTTP_202_ACCEPTED)
    return result


@router.post("/auth/logout", response_model=Ok, responses=errors(401))
def logout(user: ShopperDep, ctx: CtxDep) -> dict[str, Any]:
    return auth.logout(ctx, user.token_hash)


@router.post("/auth/logout-all", response_model=Ok, responses=errors(401))
def logout_all(user: UserDep, ctx: CtxDep) -> dict[str, Any]:
    """Logs out every session of the user, this one included."""
    return auth.logout_all(ctx, user.id)


@dev_router.get("/sms-outbox", response_model=SmsOutbox)
def sms_outbox(
    ctx: CtxDep,
    visitor: VisitorDep,
    phone: Annotated[str | None, Query(max_length=MAX_PHONE_LENGTH)] = None,
) -> dict[str, Any]:
    """What the fake SMS gateway sent; to a visitor of a served shop, only the codes for
    registering, or ordering as a guest with, a phone that has no account yet
    (docs/api.md §7.7)."""
    if visitor:
        return auth.sms_outbox_for_visitor(ctx, phone)
    return auth.sms_outbox(ctx, phone)


@dev_router.post("/oauth/{device_code}/approve", response_model=Ok, responses=errors(404, 409))
def approve_oauth(
    device_code: Annotated[str, Path(max_length=64)],
    ctx: CtxDep,
    body: OAuthApproveRequest | None = None,
) -> dict[str, Any]:
    return auth.approve_oauth(ctx, device_code, body.phone if body is not None else DEMO_PHONE)
