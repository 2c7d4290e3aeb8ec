"""The spending overview on the wire."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MonthSpend(BaseModel):
    month: str = Field(description="YYYY-MM in Asia/Shanghai")
    total_fen: int
    orders: int


class CategorySpend(BaseModel):
    category_id: int
    name: str
    total_fen: int


class Insights(BaseModel):
    months: int
    total_spend_fen: int
    spend_by_month: list[MonthSpend] = Field(description="Every month in range, oldest first")
    spend_by_category: list[CategorySpend] = Field(
        description="Top-level categories, biggest first"
    )
    orders_by_status: dict[str, int] = Field(description="Orders created in range, per status")
