"""The user's spending overview (charts on the insights screen)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fake_backend.deps import CtxDep, LangDep, UserDep
from fake_backend.schemas.common import AUTH_ERRORS
from fake_backend.schemas.insights import Insights
from fake_backend.services import insights

router = APIRouter(tags=["insights"], responses=AUTH_ERRORS)


@router.get("/me/insights", response_model=Insights)
def get_insights(
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    months: Annotated[int, Query(ge=1, le=24)] = 12,
) -> dict[str, object]:
    return insights.insights(ctx, user.id, months, lang)
