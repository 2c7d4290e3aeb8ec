"""Shared request/response pieces and the documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Request bodies: unknown fields are refused (422), per docs/api.md §4."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str = Field(examples=["OUT_OF_STOCK"])
    message: str
    details: dict[str, Any]


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class Ok(BaseModel):
    ok: bool = True


_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, wrong content type)",
    401: "Not logged in, token expired or revoked, or wrong credentials",
    402: "Insufficient funds or credit",
    403: "Forbidden, or wrong payment password",
    404: "Not found (also for other users' resources)",
    409: "Conflict: invalid state, stock, duplicate, or an idempotent request still in flight",
    413: "Payload too large",
    422: "Validation failed (details.fields names each field)",
    429: "Rate limited or locked out (Retry-After header)",
    500: "Server error",
}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries with the error envelope for each status."""
    return {
        status: {
            "model": ErrorEnvelope,
            "description": _DESCRIPTIONS[status],
            **({"headers": _RETRY_AFTER} if status == 429 else {}),
        }
        for status in statuses
    }


# Every route can answer these (413: any body over the app's size limit, see app.BodyLimit).
COMMON_ERRORS = errors(400, 413, 422, 500)
# 403: a guest (docs/api.md §7.4) on what needs an account.
AUTH_ERRORS = errors(400, 401, 403, 413, 422, 500)

# The `cursor` and `limit` query parameters of every paged list (`{items, next_cursor}`).
PageCursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]
PageLimit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]
