"""The user's spending overview: per month, per top-level category, orders per status.

Spend is what was paid and kept: a paid order's `total_fen` less its `refunded_fen`,
counted in the month it was paid (Asia/Shanghai). Orders cancelled before payment were
never paid and do not count. Per-category spend splits each order's spend over its lines
by their value after discounts, so the categories add up to the total exactly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import groupby
from typing import Any

from fake_backend.context import Ctx
from fake_backend.services.rules import CHINA_TZ, china_date, split_proportionally
from fake_backend.storage import insights as store

ORDER_STATUSES = (
    "pending_payment",
    "awaiting_shipment",
    "awaiting_service",
    "shipped",
    "completed",
    "cancelled",
    "closed",
)


def _month_starts(now: float, months: int) -> list[datetime]:
    """The first instant of each of the last `months` months (this one included), oldest
    first, in Asia/Shanghai."""
    today = china_date(now)
    index = today.year * 12 + today.month - 1
    return [
        datetime(year, month + 1, 1, tzinfo=CHINA_TZ)
        for year, month in (divmod(i, 12) for i in range(index - months + 1, index + 1))
    ]


def _top_level(ctx: Ctx) -> tuple[dict[int, int], dict[int, tuple[str, str]]]:
    """Each category's top-level ancestor, and the top-level names (zh, en)."""
    rows = {row["id"]: row for row in store.categories(ctx.db)}
    root_of: dict[int, int] = {}
    for category_id in rows:
        current = category_id
        while rows[current]["parent_id"] is not None:
            current = rows[current]["parent_id"]
        root_of[category_id] = current
    names = {
        cid: (row["name_zh"], row["name_en"])
        for cid, row in rows.items()
        if row["parent_id"] is None
    }
    return root_of, names


def insights(ctx: Ctx, user_id: int, months: int, lang: str) -> dict[str, Any]:
    starts = _month_starts(ctx.now(), months)
    since = starts[0].timestamp()
    labels = [start.strftime("%Y-%m") for start in starts]
    month_totals = dict.fromkeys(labels, 0)
    month_orders = dict.fromkeys(labels, 0)
    spend_by_order: dict[int, int] = {}
    for order in store.paid_orders_since(ctx.db, user_id, since):
        month = china_date(order["paid_at"]).strftime("%Y-%m")
        if month not in month_totals:
            continue
        spend = max(0, order["total_fen"] - order["refunded_fen"])
        month_totals[month] += spend
        if order["status"] not in ("cancelled", "closed"):
            month_orders[month] += 1
        spend_by_order[order["id"]] = spend

    root_of, names = _top_level(ctx)
    by_category: dict[int, int] = defaultdict(int)
    lines = store.order_lines(ctx.db, list(spend_by_order))
    for order_id, group in groupby(lines, key=lambda line: line["order_id"]):
        order_lines = list(group)
        weights = [max(0, line["value_fen"]) for line in order_lines]
        if sum(weights) == 0:
            weights = [line["qty"] for line in order_lines]
        shares = split_proportionally(spend_by_order[order_id], weights)
        for line, share in zip(order_lines, shares, strict=True):
            by_category[root_of[line["category_id"]]] += share

    counts = store.status_counts_since(ctx.db, user_id, since)
    return {
        "months": months,
        "total_spend_fen": sum(spend_by_order.values()),
        "spend_by_month": [
            {"month": label, "total_fen": month_totals[label], "orders": month_orders[label]}
            for label in labels
        ],
        "spend_by_category": [
            {
                "category_id": category_id,
                "name": names[category_id][0 if lang == "zh" else 1],
                "total_fen": total,
            }
            for category_id, total in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
            if total > 0
        ],
        "orders_by_status": {status: counts.get(status, 0) for status in ORDER_STATUSES},
    }
