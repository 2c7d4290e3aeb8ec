"""Subscriptions' rules without a pilot: what a new one needs, which moves a state
allows and why not, how a period reads, and the notice of failed periods told once,
across starts (the memory is a file in the data directory)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from kshop_tui.api import errors
from kshop_tui.api.models import Subscription, SubscriptionDetail, SubscriptionPeriod
from kshop_tui.i18n import t
from kshop_tui.shop.flows.subscriptions import (
    NoticeMemory,
    allows,
    missed_periods,
    notice_text,
    outcome_words,
    password_refusal,
    qty_problem,
    refusal_words,
    refused_field,
    starts_on_problem,
)
from tests.shop.fakes import FakeApi

TODAY = date(2026, 11, 24)


def subscription(status: str = "active", **changes: Any) -> dict[str, Any]:
    actions = {
        "active": ["pause", "skip_next", "edit", "cancel"],
        "paused": ["resume", "skip_next", "edit", "cancel"],
        "cancelled": [],
    }[status]
    return {
        "id": 7,
        "status": status,
        "sku_id": 3,
        "product_id": 2,
        "product_name": "挂耳咖啡",
        "qty": 2,
        "price_fen": 1990,
        "address_id": 1,
        "payment_method": "balance",
        "every": "week",
        "starts_on": "2026-11-24",
        "actions": actions,
        **changes,
    }


def period(day: str, status: str, code: str | None = None, order_id: int | None = None) -> Any:
    return SubscriptionPeriod.model_validate(
        {"period_on": day, "status": status, "error_code": code, "order_id": order_id}
    )


def test_what_a_new_subscription_needs() -> None:
    assert [qty_problem(text) for text in ("", "0", "100", "٣", "x", "1", "99")] == [
        "subs.problem.qty",
        "subs.problem.qty",
        "subs.problem.qty",
        "subs.problem.qty",
        "subs.problem.qty",
        None,
        None,
    ]
    assert qty_problem("5", stock=4) == "subs.problem.qty_stock"
    assert [
        starts_on_problem(text, TODAY)
        for text in ("2026-11-23", "2026-11-24", "2027-11-24", "2027-11-25", "20261124", "x")
    ] == [
        "subs.problem.past",
        None,
        None,
        "subs.problem.far",
        "subs.problem.date",
        "subs.problem.date",
    ]


def test_which_refusals_the_password_dialog_keeps() -> None:
    wrong = errors.Forbidden("Wrong payment password", code="WRONG_PAYMENT_PASSWORD")
    locked = errors.RateLimited("locked", retry_after=60, code="PAYMENT_PASSWORD_LOCKED")
    sold_out = errors.Conflict("Sold out", code="OUT_OF_STOCK")
    assert password_refusal(wrong) and password_refusal(locked)
    assert not password_refusal(sold_out)
    assert refused_field(sold_out) == "qty"
    address = errors.NotFound("gone", code="NOT_FOUND", details={"resource": "address"})
    assert refused_field(address) == "address_id"
    assert refused_field(errors.Conflict("Too many", code="SUBSCRIPTION_LIMIT")) is None


def test_moves_follow_the_state_and_say_why_not() -> None:
    active = Subscription.model_validate(subscription())
    paused = Subscription.model_validate(subscription("paused"))
    cancelled = Subscription.model_validate(subscription("cancelled"))
    assert allows("pause", active) and not allows("resume", active)
    assert allows("resume", paused) and not allows("pause", paused)
    assert not any(allows(a, cancelled) for a in ("pause", "resume", "skip_next", "edit", "cancel"))
    assert not allows("pause", None)
    assert refusal_words("resume", active) == t("subs.why_not.resume")
    assert refusal_words("pause", paused) == t("subs.why_not.pause")
    assert refusal_words("edit", cancelled) == t("subs.why_not.cancelled")


def test_a_period_in_words() -> None:
    assert outcome_words(None) == t("subs.outcome.none")
    assert outcome_words(period("2026-11-24", "placed", order_id=9)) == t("subs.outcome.placed")
    sold_out = t("subs.reason.OUT_OF_STOCK")
    assert outcome_words(period("2026-12-01", "failing", "OUT_OF_STOCK")) == t(
        "subs.outcome.failing", reason=sold_out
    )
    assert outcome_words(period("2026-12-01", "skipped")) == t("subs.outcome.skipped_by_you")


class Shop:
    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.user = SimpleNamespace(id=1, guest=False)

    async def client(self) -> FakeApi:
        return self.api


def detail(history: list[Any], **changes: Any) -> SubscriptionDetail:
    last = history[0] if history else None
    fields = subscription(**changes)
    return SubscriptionDetail.model_validate({**fields, "last_outcome": last, "history": history})


async def test_failed_periods_are_told_once_across_starts(tmp_path: Path) -> None:
    store = tmp_path / "data" / "subscription-notices.json"
    failing = [period("2026-11-24", "failing", "OUT_OF_STOCK")]
    first = detail(failing)
    api = FakeApi(subscriptions=[[first]], subscription=[first])
    missed = await missed_periods(Shop(api), NoticeMemory(store))  # type: ignore[arg-type]
    assert [item.key for item in missed] == ["7:2026-11-24:failing"]
    assert "挂耳咖啡" in notice_text(missed) and "2026-11-24" in notice_text(missed)
    # The next start: nothing new, and the periods are not even read again.
    api = FakeApi(subscriptions=[[first]])
    assert await missed_periods(Shop(api), NoticeMemory(store)) == []  # type: ignore[arg-type]
    assert [name for name, _ in api.calls] == ["subscriptions"]
    # Then skipped at last, and the next period placed: the skip is news, told once.
    history = [
        period("2026-12-01", "placed", order_id=12),
        period("2026-11-24", "skipped", "OUT_OF_STOCK"),
    ]
    later = detail(history)
    api = FakeApi(subscriptions=[[later]], subscription=[later])
    missed = await missed_periods(Shop(api), NoticeMemory(store))  # type: ignore[arg-type]
    assert [item.key for item in missed] == ["7:2026-11-24:skipped"]


async def test_a_broken_memory_file_tells_again_rather_than_fails(tmp_path: Path) -> None:
    store = tmp_path / "subscription-notices.json"
    store.write_text("{not json", encoding="utf-8")
    failing = detail([period("2026-11-24", "failing", "INSUFFICIENT_FUNDS")])
    api = FakeApi(subscriptions=[[failing]], subscription=[failing])
    missed = await missed_periods(Shop(api), NoticeMemory(store))  # type: ignore[arg-type]
    assert len(missed) == 1
