"""The FastAPI app factory: routers, the error envelope, the simulator's lifespan."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_backend.clock import Clock
from fake_backend.context import Ctx, MerchantMode
from fake_backend.deps import language_of
from fake_backend.errors import ApiError
from fake_backend.route_scopes import document_scopes
from fake_backend.schemas.common import COMMON_ERRORS
from fake_backend.server_time import ServerTime
from fake_backend.storage.db import Database

log = logging.getLogger("fake_backend")

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 6 * 1024 * 1024
ROUTER_MODULES = (
    "auth",
    "account",
    "catalogue",
    "search",
    "cart",
    "addresses",
    "checkout",
    "orders",
    "logistics",
    "after_sales",
    "wallet",
    "coupons",
    "support",
    "insights",
    "ssh_keys",
    "access_tokens",
    "subscriptions",
    "dev",
)
# pydantic's error type -> (errors.FIELD_MESSAGES reason, {its param: pydantic's ctx key}).
PYDANTIC_REASONS: dict[str, tuple[str, dict[str, str]]] = {
    "missing": ("required", {}),
    "extra_forbidden": ("unknown_field", {}),
    "string_too_long": ("too_long", {}),
    "too_long": ("too_many", {}),
    "string_too_short": ("too_short", {}),
    "too_short": ("too_few", {"min": "min_length"}),
    "greater_than_equal": ("too_small", {"min": "ge"}),
    "less_than_equal": ("too_large", {"max": "le"}),
    "literal_error": ("not_one_of", {"expected": "expected"}),
    "int_parsing": ("not_integer", {}),
    "int_type": ("not_integer", {}),
    "int_from_float": ("not_integer", {}),
    "int_parsing_size": ("not_integer", {}),
    "float_parsing": ("not_number", {}),
    "float_type": ("not_number", {}),
    "bool_parsing": ("not_boolean", {}),
    "bool_type": ("not_boolean", {}),
    "string_type": ("not_text", {}),
    "list_type": ("not_list", {}),
    "dict_type": ("not_object", {}),
    "model_type": ("not_object", {}),
    "model_attributes_type": ("not_object", {}),
}


def create_app(
    db_path: str | Path,
    clock: Clock | None = None,
    *,
    merchant: MerchantMode | None = None,
    dev: bool = True,
    seed: int | None = 42,
    gateway_secret: str | None = None,
    public_demo: bool = False,
) -> FastAPI:
    """The backend on the SQLite file `db_path`, seeded on first start when `seed` is set.

    `merchant` defaults to `auto` (the simulator) in dev mode and `manual` without it;
    `auto` without dev mode is refused (ValueError): nothing moves by itself then.

    `gateway_secret` (default: env `KSHOP_GATEWAY_SECRET`) lets the SSH gateway start
    sessions for linked keys; without one, `/auth/ssh-session` answers 403.
    `public_demo`: every request comes from a visitor (see `deps.SERVED_HEADER`).
    """
    from fake_backend import log_privacy, simulator
    from fake_backend import seed as seeding
    from fake_backend.services import search

    log_privacy.install()

    if gateway_secret is None:
        gateway_secret = os.environ.get("KSHOP_GATEWAY_SECRET") or None
    ctx = Ctx(
        db=Database(db_path),
        clock=clock or Clock(),
        dev=dev,
        merchant=merchant or ("auto" if dev else "manual"),
        gateway_secret=gateway_secret or None,
        public_demo=public_demo,
    )
    if seed is not None:
        seeding.ensure_seeded(ctx, seed=seed)
    search.ensure_index(ctx)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(simulator.run_forever(ctx)) if ctx.merchant == "auto" else None
        # Beside the first requests, not before them: the first search would read it.
        warming = asyncio.create_task(asyncio.to_thread(search.warm, ctx))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await warming

    app = FastAPI(
        title="kshop API",
        version="1.0.0",
        description="The kshop storefront contract (docs/api.md §4). Money is integer fen.",
        lifespan=lifespan,
        responses=COMMON_ERRORS,
    )
    app.state.ctx = ctx
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"fake_backend.routers.{name}")
        app.include_router(module.router, prefix=API_PREFIX)
        dev_router = getattr(module, "dev_router", None)
        if dev and dev_router is not None:
            app.include_router(dev_router, prefix="/_dev", tags=["dev"], include_in_schema=False)
    _install_error_handlers(app)
    document_scopes(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(ServerTime, clock=ctx.clock)
    return app


def prepare_routes(app: FastAPI) -> None:
    """FastAPI works out an included router's routes (each operation's parameter and body
    models) the first time a request passes through it: about half a second of CPU for the
    whole API, which the first request paid on the event loop (in a served burst, the
    first visitor's, with every request queued behind it). A path that no route takes
    passes through every router: matched once here.

    For a server about to serve (`kshop-backend`, `kshop serve`'s shared backend), not in
    `create_app`: a test's app answers a handful of requests and would pay for every
    router first, and the TUI's bundled backend would show its first results later (3.8 →
    4.4 s, measured): its first request works out only the routers before the catalogue's."""
    scope = {"type": "http", "method": "GET", "path": "/\x00", "root_path": "", "app": app}
    for route in app.router.routes:
        route.matches(scope)


def _error_response(error: ApiError, request: Request) -> JSONResponse:
    lang = language_of(request.headers.get("accept-language"))
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return JSONResponse(error.envelope(lang), status_code=error.status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, Any] = {}
        for problem in exc.errors():
            kind = problem.get("type", "")
            # Only the body as a whole is malformed; a wrong type inside it is a field's 422.
            if kind == "json_invalid" or (
                kind in ("model_attributes_type", "dict_type", "model_type")
                and tuple(problem.get("loc", ())) == ("body",)
            ):
                return _error_response(
                    ApiError("MALFORMED", reason="body is not a JSON object"), request
                )
            loc = [
                str(part)
                for part in problem.get("loc", ())
                if part not in ("body", "query", "path", "header")
            ]
            name = ".".join(loc) or "body"
            reason, wanted = PYDANTIC_REASONS.get(kind, ("invalid", {}))
            context = problem.get("ctx") or {}
            # pydantic's "'a', 'b' or 'c'" loses its English "or", to read in zh too.
            params = {
                param: str(context.get(key, "")).replace(" or ", ", ")
                for param, key in wanted.items()
            }
            fields.setdefault(name, (reason, params))
        return _error_response(ApiError("VALIDATION_ERROR", details={"fields": fields}), request)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _error_response(ApiError("NOT_FOUND", what_key="route"), request)
        if exc.status_code == 405:
            # A route that exists under another method: 405 naming the ones it has (Allow).
            response = _error_response(
                ApiError("METHOD_NOT_ALLOWED", method=request.method), request
            )
            response.headers.update(exc.headers or {})
            return response
        return _error_response(ApiError("MALFORMED", reason=str(exc.detail)), request)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error_response(ApiError("INTERNAL"), request)


class BodyTooLarge(Exception):
    """Raised into the app by BodyLimit's `receive` once a body passes MAX_BODY_BYTES."""


class BodyLimit:
    """Refuses request bodies over MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE.

    A declared Content-Length over the limit is refused before anything is read. A body
    without one (chunked), or longer than it declared, is counted as it arrives: past the
    limit `receive` raises and is never called again, so at most MAX_BODY_BYTES plus one
    chunk is held, and whatever the app then tries to answer (FastAPI turns the error into
    a 400 "error parsing the body") is replaced by the 413.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        lang = language_of(headers.get(b"accept-language", b"").decode("latin-1"))
        size = headers.get(b"content-length", b"")
        if size.isdigit() and int(size) > MAX_BODY_BYTES:
            await _too_large(lang)(scope, receive, send)
            return
        received = 0
        over = False
        answer_started = False

        async def counted_receive() -> Message:
            nonlocal received, over
            if over:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answer_started
            if over and not answer_started:
                return  # the app's answer to a body it could not read; the 413 replaces it
            answer_started = answer_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if answer_started:
                raise
        if over and not answer_started:
            await _too_large(lang)(scope, receive, send)


def _too_large(lang: str) -> JSONResponse:
    return JSONResponse(ApiError("PAYLOAD_TOO_LARGE", limit="5 MB").envelope(lang), status_code=413)
