"""Search beside the product list: suggestions (no login) and the user's last searches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fake_backend.deps import CtxDep, UserDep
from fake_backend.schemas.common import Ok, errors
from fake_backend.schemas.search import (
    MAX_SUGGEST_QUERY,
    HistoryList,
    SearchIn,
    SuggestionList,
)
from fake_backend.services import search

router = APIRouter(tags=["search"])


@router.get("/search/suggest", response_model=SuggestionList)
def suggest(
    ctx: CtxDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_SUGGEST_QUERY)],
    limit: Annotated[int, Query(ge=1, le=search.MAX_SUGGESTIONS)] = search.DEFAULT_SUGGESTIONS,
) -> search.SuggestionList:
    """Up to `limit` completions of what was typed (names' words, brands, categories;
    pinyin too), the most sold first; or, when it finds nothing, the closest searches."""
    return search.suggest(ctx, q, limit)


@router.get("/search/history", response_model=HistoryList, responses=errors(401))
def history(user: UserDep, ctx: CtxDep) -> search.HistoryList:
    """The user's last ten searches, newest first."""
    return search.history(ctx, user.id)


@router.post("/search/history", response_model=Ok, responses=errors(401))
def record(body: SearchIn, user: UserDep, ctx: CtxDep) -> Ok:
    """Remembers a search the user ran (the same one again moves to the front)."""
    search.record(ctx, user.id, body.q)
    return Ok()


@router.delete("/search/history", response_model=Ok, responses=errors(401))
def clear(user: UserDep, ctx: CtxDep) -> Ok:
    """Forgets the user's searches."""
    search.clear_history(ctx, user.id)
    return Ok()
