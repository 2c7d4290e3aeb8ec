"""Requests and answers of `/auth` and the SMS outbox / QR approval of `/_dev`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.account import MAX_PASSWORD_LENGTH, MAX_SHORT_SECRET_LENGTH, Me
from fake_backend.schemas.common import StrictModel
from fake_backend.seed_data import DEMO_PHONE

SmsPurpose = Literal["login", "register", "reset", "guest"]
MAX_PHONE_LENGTH = 32
MAX_DEVICE_CODE_LENGTH = 64


class SmsCodeRequest(StrictModel):
    phone: str = Field(max_length=MAX_PHONE_LENGTH, examples=["13800138000"])
    purpose: SmsPurpose


class SmsCodeSent(BaseModel):
    sent: bool
    expires_in: int = Field(description="Seconds the code stays valid")
    retry_after: int = Field(description="Seconds before this phone may ask again")


class LoginRequest(StrictModel):
    """`{phone, code}` or `{phone, password}`; with two-step verification on, both."""

    phone: str = Field(max_length=MAX_PHONE_LENGTH)
    code: str | None = Field(default=None, max_length=MAX_SHORT_SECRET_LENGTH)
    password: str | None = Field(default=None, max_length=MAX_PASSWORD_LENGTH)


class RegisterRequest(StrictModel):
    phone: str = Field(max_length=MAX_PHONE_LENGTH)
    code: str = Field(max_length=MAX_SHORT_SECRET_LENGTH)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class PasswordResetRequest(StrictModel):
    phone: str = Field(max_length=MAX_PHONE_LENGTH)
    code: str = Field(max_length=MAX_SHORT_SECRET_LENGTH)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class GuestLoginRequest(StrictModel):
    phone: str = Field(max_length=MAX_PHONE_LENGTH)
    code: str = Field(max_length=MAX_SHORT_SECRET_LENGTH, description="A guest-purpose code")


class GuestUser(BaseModel):
    id: int
    guest: Literal[True]
    phone: str
    phone_masked: str


class GuestAuthResult(BaseModel):
    token: str
    expires_at: str = Field(description="24 hours after the login")
    user: GuestUser


class AuthResult(BaseModel):
    token: str
    expires_at: str
    user: Me


class OAuthStart(BaseModel):
    device_code: str
    qr_payload: str = Field(examples=["kshop-oauth://wechat/3q2-example"])
    interval: int = Field(description="Seconds to wait between polls")
    expires_in: int


class OAuthPollRequest(StrictModel):
    device_code: str = Field(min_length=1, max_length=MAX_DEVICE_CODE_LENGTH)


class OAuthPending(BaseModel):
    status: Literal["pending"]


class OAuthApproveRequest(StrictModel):
    phone: str = Field(default=DEMO_PHONE, max_length=MAX_PHONE_LENGTH)


class SmsMessage(BaseModel):
    phone: str
    purpose: SmsPurpose
    code: str
    sent_at: str


class SmsOutbox(BaseModel):
    messages: list[SmsMessage]
