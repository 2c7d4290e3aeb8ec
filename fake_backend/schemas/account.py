"""Requests and answers of `/me` (docs/api.md §4 account)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel

MAX_PASSWORD_LENGTH = 64
# Wide enough for a pasted value with spaces; the service gives the precise refusal.
MAX_SHORT_SECRET_LENGTH = 32


class LinkedLogin(BaseModel):
    """A WeChat or QQ login; linked SSH keys are listed by `GET /me/ssh-keys`."""

    provider: Literal["wechat", "qq"]
    label: str = Field(description="How the link is shown, e.g. 微信 / WeChat")
    created_at: str


class Me(BaseModel):
    id: int
    phone: str
    phone_masked: str = Field(examples=["138****8000"])
    nickname: str
    real_name_verified: bool
    real_name_masked: str | None = Field(examples=["张*"])
    id_number_masked: str | None = Field(examples=["330***********1234"])
    two_factor_enabled: bool
    has_payment_password: bool
    created_at: str
    linked_logins: list[LinkedLogin]
    guest: bool = Field(description="Always false here: a guest (docs/api.md §7.4) has no /me")


class TwoFactorRequest(StrictModel):
    enabled: bool = Field(strict=True)
    password: str | None = Field(
        default=None,
        max_length=MAX_PASSWORD_LENGTH,
        description="The login password: required to turn it off (docs/api.md §7.5)",
    )


class RealNameRequest(StrictModel):
    name: str = Field(min_length=1, max_length=40)
    id_number: str = Field(min_length=1, max_length=32, description="18 characters; x or X last")


class PasswordChangeRequest(StrictModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(
        max_length=MAX_PASSWORD_LENGTH, description="At least 8 characters, letters and digits"
    )


class PaymentPasswordRequest(StrictModel):
    payment_password: str = Field(max_length=MAX_SHORT_SECRET_LENGTH, description="6 digits")
    current_payment_password: str | None = Field(
        default=None,
        max_length=MAX_SHORT_SECRET_LENGTH,
        description="Required once a payment password is set",
    )
