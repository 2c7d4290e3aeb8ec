"""Subscriptions (周期购, docs/api.md §7.8): what a new one must say before it is sent,
which moves a subscription allows and why not, how its periods read, and the notice of
failed periods at start (remembered, so one failure is told once).

The notice's memory is local, not the backend's: a file in the data directory
(`subscription-notices.json`, per user) when the login is remembered, memory only when
the shop is served (a visitor's session must not write the server's disk)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.text import CHINA_TZ

if TYPE_CHECKING:
    from kshop_tui.api.models import Subscription, SubscriptionDetail, SubscriptionPeriod
    from kshop_tui.shop.session import ShopSession

EVERY = ("week", "two_weeks", "month")
METHODS = ("balance", "bank_card", "bnpl")
MAX_QTY = 99
MAX_STARTS_AHEAD_DAYS = 365
# A screen's action → the backend's name in `actions`.
MOVES = {
    "pause": "pause",
    "resume": "resume",
    "skip_next": "skip_next",
    "edit": "edit",
    "cancel": "cancel",
}
FAILED_PERIODS = ("failing", "skipped")
NOTICE_LINES = 3


# --- a new one ----------------------------------------------------------------------------


def china_today(now: float) -> date:
    """The day in China at `now` (the backend's clock): periods begin at its midnight."""
    return datetime.fromtimestamp(now, CHINA_TZ).date()


def qty_problem(text: str, stock: int | None = None) -> str | None:
    """A catalogue key for what is wrong with the quantity typed, or None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return "subs.problem.qty"
    qty = int(text)
    if not 1 <= qty <= MAX_QTY:
        return "subs.problem.qty"
    if stock is not None and qty > stock:
        return "subs.problem.qty_stock"
    return None


def starts_on_problem(text: str, today: date) -> str | None:
    """A catalogue key for what is wrong with the first period's date, or None."""
    # fromisoformat takes other ISO forms too (20261124); the backend wants this one.
    if len(text.strip()) != len("YYYY-MM-DD"):
        return "subs.problem.date"
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return "subs.problem.date"
    if day < today:
        return "subs.problem.past"
    if day > today + timedelta(days=MAX_STARTS_AHEAD_DAYS):
        return "subs.problem.far"
    return None


def password_refusal(error: errors.ApiError) -> bool:
    """A refusal the payment password dialog answers itself (try again, locked) rather
    than the form: everything else goes back to the form, next to its field."""
    if isinstance(error, errors.RateLimited):
        return True
    if isinstance(error, errors.Forbidden) and error.code == "WRONG_PAYMENT_PASSWORD":
        return True
    return isinstance(error, errors.ValidationFailed) and "payment_password" in error.fields


@dataclass(frozen=True)
class Refused:
    """What the subscribe call answered when the form must show why (not the password)."""

    error: errors.ApiError


# Refusals by code → the form's field that they are about.
CODE_FIELDS = {
    "OUT_OF_STOCK": "qty",
    "BANK_CARD_REQUIRED": "payment_method",
    "BNPL_NOT_ENABLED": "payment_method",
    "PAYMENT_PASSWORD_NOT_SET": "payment_method",
}


def refused_field(error: errors.ApiError) -> str | None:
    """The form field a refusal without field names is about (None: a general one)."""
    if isinstance(error, errors.NotFound):
        resource = error.details.get("resource")
        return {"address": "address_id", "bank_card": "payment_method", "sku": "qty"}.get(
            str(resource)
        )
    return CODE_FIELDS.get(error.code)


@dataclass(frozen=True)
class SubscribeTarget:
    """What a product page subscribes to: the SKU, its words and price, and the stock."""

    sku_id: int
    product_name: str
    specs: str
    price_fen: int
    stock: int
    qty: int = 1


# --- moves --------------------------------------------------------------------------------


def allows(action: str, subscription: Subscription | None) -> bool:
    """Whether the backend offers `action` for the subscription (its `actions`)."""
    return subscription is not None and MOVES.get(action, action) in subscription.actions


def refusal_words(action: str, subscription: Subscription) -> str:
    """Why `action` does not apply to the subscription in its state, for a notice."""
    status = subscription.status
    if status == "cancelled":
        return t("subs.why_not.cancelled")
    if action == "pause":
        return t("subs.why_not.pause")
    if action == "resume":
        return t("subs.why_not.resume")
    return t("subs.why_not.other", state=status_words(status))


# --- words --------------------------------------------------------------------------------


def every_words(every: str) -> str:
    return t(f"subs.every.{every}")


def status_words(status: str) -> str:
    return t(f"subs.status.{status}")


def method_words(method: str) -> str:
    return t(f"pay.method.{method}")


def outcome_words(period: SubscriptionPeriod | None) -> str:
    """A period's outcome in a few words: placed, retrying (why), skipped (why)."""
    if period is None:
        return t("subs.outcome.none")
    if period.status == "placed":
        return t("subs.outcome.placed")
    reason = error_reason(period)
    if period.status == "failing":
        return t("subs.outcome.failing", reason=reason)
    if period.status == "skipped" and period.error_code is None:
        return t("subs.outcome.skipped_by_you")
    return t("subs.outcome.skipped", reason=reason)


def error_reason(period: SubscriptionPeriod) -> str:
    """Why a period failed: the shop's short words for the usual codes, else the
    backend's message."""
    code = period.error_code or ""
    key = f"subs.reason.{code}"
    words = t(key)
    if words != key:
        return words
    return period.error_message or code


def failed(period: SubscriptionPeriod) -> bool:
    """A period that made no order because the shop refused it (not one the user skipped)."""
    return period.status in FAILED_PERIODS and period.error_code is not None


# --- the notice at start --------------------------------------------------------------


@dataclass(frozen=True)
class MissedPeriod:
    subscription_id: int
    product_name: str
    period: SubscriptionPeriod

    @property
    def key(self) -> str:
        # A failing period that ends skipped is news again: the key holds the status.
        return f"{self.subscription_id}:{self.period.period_on}:{self.period.status}"


class NoticeMemory:
    """Which failed periods each user has been told of, and what each subscription's last
    outcome was when last looked at (so only a changed one is read again)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._users: dict[str, dict[str, Any]] = {}
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path is None:
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # nothing remembered yet, or a broken file: tell again rather than fail
        if isinstance(raw, dict):
            self._users = {
                str(user): entry for user, entry in raw.items() if isinstance(entry, dict)
            }

    def _user(self, user_id: int) -> dict[str, Any]:
        self._load()
        entry = self._users.setdefault(str(user_id), {})
        entry.setdefault("told", [])
        entry.setdefault("looked", {})
        return entry

    def told(self, user_id: int) -> set[str]:
        return set(self._user(user_id)["told"])

    def looked(self, user_id: int) -> dict[str, str]:
        return dict(self._user(user_id)["looked"])

    def remember(self, user_id: int, told: set[str], looked: dict[str, str]) -> None:
        entry = self._user(user_id)
        entry["told"] = sorted(told)
        entry["looked"] = looked
        if self.path is None:
            return
        with contextlib.suppress(OSError):  # a read-only data dir: tell again next time
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self._users, ensure_ascii=False), encoding="utf-8")


def _outcome_mark(subscription: Subscription) -> str:
    outcome = subscription.last_outcome
    if outcome is None:
        return ""
    return f"{outcome.period_on}:{outcome.status}:{outcome.attempts}"


async def missed_periods(shop: ShopSession, memory: NoticeMemory) -> list[MissedPeriod]:
    """The failed periods of the user's subscriptions not told of yet, oldest first; they
    count as told from now on. Reads a subscription's periods only when its last outcome
    changed since the last look. Raises ApiError; calls the client itself, not
    `run_api`: an expired login here must not pop up a login screen at start."""
    user = shop.user
    if user is None or user.guest:
        return []
    api = await shop.client()
    subscriptions = await api.subscriptions()
    told, looked = memory.told(user.id), memory.looked(user.id)
    missed: list[MissedPeriod] = []
    now_looked: dict[str, str] = {}
    for subscription in subscriptions:
        mark = _outcome_mark(subscription)
        now_looked[str(subscription.id)] = mark
        if not mark or looked.get(str(subscription.id)) == mark:
            continue
        detail: SubscriptionDetail = await api.subscription(subscription.id)
        for period in detail.history:
            item = MissedPeriod(detail.id, detail.product_name, period)
            if failed(period) and item.key not in told:
                missed.append(item)
    told |= {item.key for item in missed}
    memory.remember(user.id, told, now_looked)
    missed.sort(key=lambda item: (item.period.period_on, item.subscription_id))
    return missed


def notice_text(missed: list[MissedPeriod]) -> str:
    """The notice: one line a failed period (the first few), and where to see them."""
    lines = [
        t(
            "subs.notice.line",
            name=item.product_name,
            day=item.period.period_on,
            outcome=outcome_words(item.period),
        )
        for item in missed[:NOTICE_LINES]
    ]
    if len(missed) > NOTICE_LINES:
        lines.append(t("subs.notice.more", count=len(missed) - NOTICE_LINES))
    lines.append(t("subs.notice.where"))
    return "\n".join(lines)
