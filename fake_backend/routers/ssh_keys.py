"""Linked SSH keys: the user's list (`/me/ssh-keys`) and the SSH gateway's login by key
(`/auth/ssh-session`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, status
from fastapi.responses import JSONResponse

from fake_backend.deps import CtxDep, LangDep, UserDep
from fake_backend.schemas.auth import AuthResult
from fake_backend.schemas.common import Ok, errors
from fake_backend.schemas.ssh_keys import MAX_ID, SshKey, SshKeyIn, SshKeyList, SshSessionIn
from fake_backend.services import ssh_keys

router = APIRouter(tags=["ssh-keys"])

KeyId = Annotated[int, Path(ge=1, le=MAX_ID)]
GatewaySecret = Annotated[
    str | None,
    Header(
        alias="X-Kshop-Gateway-Secret",
        max_length=256,
        description="The secret shared with the SSH gateway (KSHOP_GATEWAY_SECRET)",
    ),
]


@router.get("/me/ssh-keys", response_model=SshKeyList, responses=errors(401))
def list_ssh_keys(user: UserDep, ctx: CtxDep) -> dict[str, Any]:
    return ssh_keys.list_keys(ctx, user.id)


@router.post(
    "/me/ssh-keys",
    response_model=SshKey,
    status_code=status.HTTP_201_CREATED,
    responses={
        status.HTTP_200_OK: {"model": SshKey, "description": "Already linked to you; unchanged"},
        **errors(401, 409, 422),
    },
)
def link_ssh_key(body: SshKeyIn, user: UserDep, ctx: CtxDep) -> Any:
    """201 for a new link; 409 when the key belongs to another account or the user
    already has the most keys allowed."""
    key, created = ssh_keys.link_key(ctx, user.id, body.fingerprint, body.label)
    if created:
        return key
    return JSONResponse(SshKey.model_validate(key).model_dump(mode="json"))


@router.delete("/me/ssh-keys/{key_id}", response_model=Ok, responses=errors(401, 404))
def unlink_ssh_key(key_id: KeyId, user: UserDep, ctx: CtxDep) -> dict[str, Any]:
    """Sessions can no longer start with the key."""
    return ssh_keys.unlink_key(ctx, user.id, key_id)


@router.post("/auth/ssh-session", response_model=AuthResult, responses=errors(403, 404, 422))
def ssh_session(
    body: SshSessionIn, ctx: CtxDep, lang: LangDep, gateway_secret: GatewaySecret = None
) -> dict[str, Any]:
    """For the SSH gateway only: a login for the account the key is linked to, as
    `/auth/login` answers it. 403 without the gateway's secret; 404 for an unlinked key."""
    return ssh_keys.start_session(ctx, body.fingerprint, gateway_secret, lang)
