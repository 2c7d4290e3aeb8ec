"""Personal access tokens (`/me/tokens`): made, listed and revoked by a login session
only — an access token cannot manage tokens (`route_scopes`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from fake_backend.deps import CtxDep, UserDep, VisitorDep
from fake_backend.schemas.access_tokens import (
    MAX_ID,
    AccessTokenIn,
    AccessTokenList,
    CreatedAccessToken,
)
from fake_backend.schemas.common import Ok, errors
from fake_backend.services import access_tokens, account

router = APIRouter(tags=["access-tokens"])

TokenId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/me/tokens", response_model=AccessTokenList, responses=errors(401))
def list_access_tokens(user: UserDep, ctx: CtxDep) -> access_tokens.AccessTokenList:
    """Never the tokens themselves."""
    return access_tokens.list_tokens(ctx, user.id)


@router.post(
    "/me/tokens",
    response_model=CreatedAccessToken,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 409, 422),
)
def create_access_token(
    body: AccessTokenIn, user: UserDep, ctx: CtxDep, visitor: VisitorDep
) -> access_tokens.CreatedAccessToken:
    """The answer is the only time the token is shown. In a public demo the shared demo
    account takes none (403 `DEMO_ACCOUNT_PROTECTED`): a token is a way in that one
    visitor would hold, and every other could revoke."""
    account.keep_published_demo_credentials(ctx, user.id, visitor)
    return access_tokens.create(ctx, user.id, body.name, body.scopes, body.expires_in_days)


@router.delete("/me/tokens/{token_id}", response_model=Ok, responses=errors(401, 403, 404))
def revoke_access_token(
    token_id: TokenId, user: UserDep, ctx: CtxDep, visitor: VisitorDep
) -> dict[str, bool]:
    """The token is refused from its next use on."""
    account.keep_published_demo_credentials(ctx, user.id, visitor)
    return access_tokens.revoke(ctx, user.id, token_id)
