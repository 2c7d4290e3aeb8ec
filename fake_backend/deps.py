"""FastAPI dependencies and helpers shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.route_scopes import required_scope
from fake_backend.services import idempotency, limits, sessions, sweeper
from fake_backend.services.sessions import AuthedUser


def get_ctx(request: Request) -> Ctx:
    ctx: Ctx = request.app.state.ctx
    sweeper.maybe_run(ctx)
    return ctx


# Sent by the client of a served session (`kshop --served`, over SSH or the web): the
# request comes from a visitor, whom the demo SMS outbox shows only codes for new phones.
SERVED_HEADER = "X-Kshop-Served"


def from_visitor(request: Request, ctx: Annotated[Ctx, Depends(get_ctx)]) -> bool:
    """True when a visitor of a served shop asks: every request of a public-demo backend,
    and any request a served session marks."""
    return ctx.public_demo or request.headers.get(SERVED_HEADER) == "1"


def get_lang(request: Request) -> str:
    return language_of(request.headers.get("accept-language"))


def language_of(header: str | None) -> str:
    """`zh` unless the client asks for English first; the platform's home is China."""
    if not header:
        return "zh"
    first = header.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


# Sent by a served session's client: the address its visitor connected from.
VISITOR_HEADER = "X-Kshop-Visitor"
MAX_VISITOR_LENGTH = 64


def client_address(request: Request, ctx: Annotated[Ctx, Depends(get_ctx)]) -> str:
    """Who is asking, for the per-client limits: the HTTP peer's address. In-process, and
    for a peer the server does not name (a Unix socket), everyone is one client. The
    backend `kshop serve` starts sees every visitor come from its own sessions on
    127.0.0.1, so there each session's visitor address (which the session passes on)
    names the client; it listens on loopback only, where the sessions are its callers."""
    visitor = request.headers.get(VISITOR_HEADER)
    if ctx.public_demo and visitor:
        return "visitor " + visitor[:MAX_VISITOR_LENGTH]
    return request.client.host if request.client is not None else limits.UNNAMED_CLIENT


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def shopper(request: Request, ctx: Annotated[Ctx, Depends(get_ctx)]) -> AuthedUser:
    """The user or the guest behind the token: for what a guest may do too (browse, cart,
    quote, orders and their payments; docs/api.md §7.4). A personal access token only for
    an operation its scopes allow."""
    return sessions.resolve(ctx, bearer_token(request), required_scope(request))


def current_user(request: Request, ctx: Annotated[Ctx, Depends(get_ctx)]) -> AuthedUser:
    """An account's user (a guest's token is refused: 403 `GUEST_NOT_ALLOWED`); a personal
    access token only for an operation its scopes allow."""
    user = sessions.resolve(ctx, bearer_token(request), required_scope(request))
    if user.guest:
        raise ApiError("GUEST_NOT_ALLOWED")
    return user


def optional_user(request: Request, ctx: Annotated[Ctx, Depends(get_ctx)]) -> AuthedUser | None:
    token = bearer_token(request)
    return sessions.resolve(ctx, token, required_scope(request)) if token else None


CtxDep = Annotated[Ctx, Depends(get_ctx)]
UserDep = Annotated[AuthedUser, Depends(current_user)]
ShopperDep = Annotated[AuthedUser, Depends(shopper)]
OptionalUserDep = Annotated[AuthedUser | None, Depends(optional_user)]
LangDep = Annotated[str, Depends(get_lang)]
VisitorDep = Annotated[bool, Depends(from_visitor)]
ClientDep = Annotated[str, Depends(client_address)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=idempotency.MAX_KEY_LENGTH,
        description="One UUID per user intent, reused on retry (docs/api.md §4).",
    ),
]


def run_idempotent(
    ctx: Ctx,
    user: AuthedUser,
    key: str,
    endpoint: str,
    body: BaseModel | dict[str, Any],
    action: Callable[[], Any],
    response_model: type[BaseModel],
    status_code: int = 200,
    *,
    prepare: Callable[[], None] | None = None,
) -> JSONResponse:
    """Runs `action` once per key: replays the stored answer, refuses a changed body.

    `action`'s effect and the stored answer commit together (`idempotency.perform`);
    `prepare` runs before, on its own, for checks whose refusal must commit (a wrong
    payment password's count). Routes run in a worker thread (they are plain `def`), so a
    second request with the same key, arriving meanwhile, sees the key in flight (409)
    rather than queueing behind it, and the work finishes (or forgets) the key even if
    the client goes away.
    """
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    replay = idempotency.begin(ctx, user.id, key, endpoint, payload)
    if replay is not None:
        return JSONResponse(
            replay.body, status_code=replay.status_code, headers={"Idempotent-Replayed": "true"}
        )

    def shape(result: Any) -> Any:
        return response_model.model_validate(result).model_dump(mode="json")

    data = idempotency.perform(ctx, user.id, key, status_code, action, shape, prepare)
    return JSONResponse(data, status_code=status_code)
