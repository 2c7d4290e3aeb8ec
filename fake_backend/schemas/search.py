"""Search on the wire: suggestions as the shopper types, and the last searches."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel

MAX_SUGGEST_QUERY = 200
MAX_HISTORY_QUERY = 100


class Suggestion(BaseModel):
    text: str = Field(description="The whole search to run: earlier words, then the completion.")
    kind: Literal["brand", "category", "word"]
    count: int = Field(description="Products this search finds.")


class SuggestionList(BaseModel):
    items: list[Suggestion]
    closest: bool = Field(
        description="true: nothing completes what was typed and it finds nothing; the items"
        " are the nearest searches that do find products."
    )


class SearchIn(StrictModel):
    q: str = Field(min_length=1, max_length=MAX_HISTORY_QUERY)


class HistoryEntry(BaseModel):
    q: str
    searched_at: str | None


class HistoryList(BaseModel):
    items: list[HistoryEntry] = Field(description="Newest first, at most ten.")
