"""Requests and answers of personal access tokens (`/me/tokens`, docs/api.md §7.8)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel
from fake_backend.services.access_tokens import MAX_DAYS, MAX_NAME_LENGTH, MIN_DAYS, Scope

MAX_ID = 2**62
SCOPES_DESCRIPTION = (
    "read: everything that changes nothing; order: also cart, addresses, orders, "
    "after-sales; pay: also payments, top-ups, pay-later, bank cards"
)


class AccessToken(BaseModel):
    id: int
    name: str
    scopes: list[Scope] = Field(description=SCOPES_DESCRIPTION)
    created_at: str
    expires_at: str
    last_used_at: str | None = Field(description="When the token last passed; null if never")
    expired: bool


class CreatedAccessToken(AccessToken):
    token: str = Field(
        description="The bearer token; shown this once, never again (only a hash is kept)",
        examples=["kspat_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"],
    )


class AccessTokenList(BaseModel):
    items: list[AccessToken] = Field(description="Newest first; revoked ones left out")
    next_cursor: None = None


class AccessTokenIn(StrictModel):
    name: str = Field(
        max_length=MAX_NAME_LENGTH, description="What the token is for; 1–40 characters"
    )
    scopes: list[Scope] = Field(min_length=1, max_length=3, description=SCOPES_DESCRIPTION)
    expires_in_days: int = Field(ge=MIN_DAYS, le=MAX_DAYS, strict=True)
