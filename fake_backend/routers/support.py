"""Customer support: threads with the merchant, messages, and escalation to the platform."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from fake_backend.deps import CtxDep, UserDep
from fake_backend.schemas.common import AUTH_ERRORS, PageCursor, PageLimit, errors
from fake_backend.schemas.support import (
    MAX_ID,
    Message,
    MessageIn,
    MessageList,
    ThreadDetail,
    ThreadIn,
    ThreadList,
)
from fake_backend.services import support

router = APIRouter(tags=["support"], responses=AUTH_ERRORS)

ThreadId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/support/threads", response_model=ThreadList)
def list_threads(
    ctx: CtxDep,
    user: UserDep,
    cursor: PageCursor = None,
    limit: PageLimit = 20,
) -> dict[str, object]:
    return support.list_threads(ctx, user.id, cursor, limit)


@router.post(
    "/support/threads", response_model=ThreadDetail, status_code=201, responses=errors(404)
)
def create_thread(body: ThreadIn, ctx: CtxDep, user: UserDep) -> dict[str, object]:
    return support.create_thread(ctx, user.id, body.order_id, body.subject, body.message)


@router.get("/support/threads/{thread_id}", response_model=ThreadDetail, responses=errors(404))
def get_thread(thread_id: ThreadId, ctx: CtxDep, user: UserDep) -> dict[str, object]:
    return support.get_thread(ctx, user.id, thread_id)


@router.get(
    "/support/threads/{thread_id}/messages", response_model=MessageList, responses=errors(404)
)
def list_messages(
    thread_id: ThreadId,
    ctx: CtxDep,
    user: UserDep,
    after_id: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Poll: only messages after this id.")
    ] = 0,
    cursor: PageCursor = None,
    limit: PageLimit = 20,
) -> dict[str, object]:
    """Newest page first, oldest first within it; `next_cursor` leads to older messages.
    With `after_id` (not with `cursor`): the first `limit` messages after it, no cursor."""
    return support.list_messages(ctx, user.id, thread_id, after_id, cursor, limit)


@router.post(
    "/support/threads/{thread_id}/messages",
    response_model=Message,
    status_code=201,
    responses=errors(404, 409),
)
def post_message(
    thread_id: ThreadId, body: MessageIn, ctx: CtxDep, user: UserDep
) -> dict[str, object]:
    return support.post_message(ctx, user.id, thread_id, body.text)


@router.post(
    "/support/threads/{thread_id}/escalate",
    response_model=ThreadDetail,
    responses=errors(404, 409),
)
def escalate(thread_id: ThreadId, ctx: CtxDep, user: UserDep) -> dict[str, object]:
    return support.escalate(ctx, user.id, thread_id)


@router.post(
    "/support/threads/{thread_id}/close", response_model=ThreadDetail, responses=errors(404, 409)
)
def close(thread_id: ThreadId, ctx: CtxDep, user: UserDep) -> dict[str, object]:
    return support.close(ctx, user.id, thread_id)
