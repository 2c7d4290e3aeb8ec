"""Subscriptions (周期购, docs/api.md §7.8): one order of a SKU placed and paid every
week, two weeks or month on the backend clock.

A period is due at 00:00 (China) of its date. Placing it — the order, its payment and the
record of the period — is one transaction, so a backend killed in the middle leaves no
trace and the next sweep places it once; `subscription_periods` holds one row per period,
so a period is never placed twice. A placement the shop refuses (sold out, no funds) is
recorded on the period and tried again a day later, three times, then the period is
skipped. The payment password is given once, when the subscription is made (and again
when its payment method changes): the subscription is the user's standing order.
"""

from __future__ import annotations

import calendar
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, field_error, invalid_state, not_found
from fake_backend.services import account, addresses, order_creation, payments
from fake_backend.services.rules import CHINA_TZ, china_day, loads
from fake_backend.storage import payments as payment_store
from fake_backend.storage import subscriptions as store
from fake_backend.storage import wallet as wallet_store

Every = Literal["week", "two_weeks", "month"]
Method = Literal["balance", "bank_card", "bnpl"]
EVERY_DAYS = {"week": 7, "two_weeks": 14}
DAY = 24 * 3600
RETRIES = 3  # after the first failed placement; then the period is skipped
MAX_LIVE_PER_USER = 20
MAX_STARTS_AHEAD_DAYS = 365
MAX_QTY = 99
HISTORY_LIMIT = 50
LIST_LIMIT = 2 * MAX_LIVE_PER_USER
# Periods placed in one sweep at most per subscription (a clock advanced by years).
MAX_PERIODS_PER_SWEEP = 60
ACTIONS = {
    "active": ["pause", "skip_next", "edit", "cancel"],
    "paused": ["resume", "skip_next", "edit", "cancel"],
    "cancelled": [],
}


class PeriodView(TypedDict):
    period_on: str
    status: str
    order_id: int | None
    attempts: int
    error_code: str | None
    error_message: str | None
    at: str | None


class SubscriptionView(TypedDict):
    id: int
    status: str
    sku_id: int
    product_id: int
    product_name: str
    specs: dict[str, str]
    qty: int
    price_fen: int
    address_id: int
    payment_method: str
    bank_card_id: int | None
    every: str
    starts_on: str
    next_on: str | None
    next_attempt_at: str | None
    last_outcome: PeriodView | None
    actions: list[str]
    created_at: str | None


class SubscriptionDetail(SubscriptionView):
    history: list[PeriodView]


class SubscriptionList(TypedDict):
    items: list[SubscriptionView]
    next_cursor: None


# --- dates -------------------------------------------------------------------------------


def _day(text: str) -> date:
    return date.fromisoformat(text)


def day_start(day: str) -> float:
    """00:00 of `day` in China, as epoch seconds."""
    return datetime.combine(_day(day), datetime.min.time(), CHINA_TZ).timestamp()


def following(day: str, every: str, anchor: str) -> str:
    """The period after `day`. Monthly periods keep the anchor's day of the month, on the
    month's last day when it is shorter (31 Jan → 28 Feb → 31 Mar)."""
    if every in EVERY_DAYS:
        return (_day(day) + timedelta(days=EVERY_DAYS[every])).isoformat()
    current = _day(day)
    year, month = (current.year, current.month + 1) if current.month < 12 else (current.year + 1, 1)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(_day(anchor).day, last)).isoformat()


def due_at(row: sqlite3.Row) -> float:
    """When the next placement of `row` is due: its period's start, a day later per failure."""
    return day_start(row["next_on"]) + int(row["attempts"]) * DAY


# --- views -------------------------------------------------------------------------------


def _period_view(row: sqlite3.Row, lang: str) -> PeriodView:
    return {
        "period_on": row["period_on"],
        "status": row["status"],
        "order_id": row["order_id"],
        "attempts": row["attempts"],
        "error_code": row["error_code"],
        "error_message": row["error_zh"] if lang == "zh" else row["error_en"],
        "at": iso(row["at"]),
    }


def _view(ctx: Ctx, row: sqlite3.Row, lang: str) -> SubscriptionView:
    latest = store.periods_of(ctx.db, row["id"], 1)
    live = row["status"] != "cancelled"
    return {
        "id": row["id"],
        "status": row["status"],
        "sku_id": row["sku_id"],
        "product_id": row["product_id"],
        "product_name": row["product_name"],
        "specs": loads(row["specs"]) or {},
        "qty": row["qty"],
        "price_fen": row["price_fen"],
        "address_id": row["address_id"],
        "payment_method": row["payment_method"],
        "bank_card_id": row["bank_card_id"],
        "every": row["every"],
        "starts_on": row["starts_on"],
        "next_on": row["next_on"] if live else None,
        "next_attempt_at": iso(due_at(row)) if row["status"] == "active" else None,
        "last_outcome": _period_view(latest[0], lang) if latest else None,
        "actions": list(ACTIONS[row["status"]]),
        "created_at": iso(row["created_at"]),
    }


def _load(ctx: Ctx, user_id: int, subscription_id: int) -> sqlite3.Row:
    row = store.by_id(ctx.db, subscription_id)
    if row is None or row["user_id"] != user_id:
        raise not_found("subscription")
    return row


def list_subscriptions(ctx: Ctx, user_id: int, lang: str) -> SubscriptionList:
    """The user's live subscriptions (MAX_LIVE_PER_USER at most), then the latest
    cancelled ones, newest first: one page of at most LIST_LIMIT."""
    rows = store.of_user(ctx.db, user_id, LIST_LIMIT)
    return {"items": [_view(ctx, row, lang) for row in rows], "next_cursor": None}


def detail(ctx: Ctx, user_id: int, subscription_id: int, lang: str) -> SubscriptionDetail:
    row = _load(ctx, user_id, subscription_id)
    history = [
        _period_view(period, lang) for period in store.periods_of(ctx.db, row["id"], HISTORY_LIMIT)
    ]
    return {**_view(ctx, row, lang), "history": history}


# --- making and changing ------------------------------------------------------------------


def _check_payment_method(
    ctx: Ctx, user_id: int, method: str, bank_card_id: int | None
) -> int | None:
    """The card a bank-card subscription pays with (the first card when none is named);
    409 when the method cannot pay yet."""
    if bank_card_id is not None and method != "bank_card":
        raise field_error("bank_card_id", "only_for", what="payment_method bank_card")
    if method == "bank_card":
        card = payment_store.usable_bank_card(ctx.db, user_id, bank_card_id)
        if card is None and bank_card_id is None:
            raise ApiError("BANK_CARD_REQUIRED")
        if card is None:
            raise not_found("bank_card")
        return int(card["id"])
    if method == "bnpl" and not wallet_store.user_wallet(ctx.db, user_id)["bnpl_enabled"]:
        raise ApiError("BNPL_NOT_ENABLED")
    return None


def _check_sku(ctx: Ctx, sku_id: int, qty: int) -> None:
    sku = store.sku_row(ctx.db, sku_id)
    if sku is None:
        raise not_found("sku")
    if sku["stock"] < qty:
        raise ApiError(
            "OUT_OF_STOCK",
            name=sku["name"],
            available=sku["stock"],
            details={"sku_id": sku_id, "available": sku["stock"]},
        )


def _check_starts_on(ctx: Ctx, starts_on: str) -> str:
    try:
        day = _day(starts_on)
    except ValueError:
        raise field_error("starts_on", "invalid") from None
    today = _day(china_day(ctx.now()))
    if day < today:
        raise field_error("starts_on", "in_past")
    if day > today + timedelta(days=MAX_STARTS_AHEAD_DAYS):
        raise field_error("starts_on", "too_far", days=MAX_STARTS_AHEAD_DAYS)
    return day.isoformat()


def check_new(ctx: Ctx, user_id: int, payment_password: str | None) -> None:
    """The payment password, outside any transaction (a wrong one's count commits)."""
    account.verify_payment_password(ctx, user_id, payment_password)


def create(
    ctx: Ctx,
    user_id: int,
    *,
    sku_id: int,
    qty: int,
    address_id: int,
    payment_method: str,
    bank_card_id: int | None,
    every: str,
    starts_on: str,
    lang: str,
) -> SubscriptionDetail:
    """A new active subscription; its first period is placed by the sweep once
    `starts_on` begins (today's at once). The payment password is `check_new`'s."""
    problems = FieldErrors()
    if not 1 <= qty <= MAX_QTY:
        problems.add("qty", "bad_quantity", max=MAX_QTY)
    problems.raise_if_any()
    first = _check_starts_on(ctx, starts_on)
    with ctx.db.tx():
        _check_sku(ctx, sku_id, qty)
        addresses.get_address(ctx, user_id, address_id)
        card_id = _check_payment_method(ctx, user_id, payment_method, bank_card_id)
        if store.count_live(ctx.db, user_id) >= MAX_LIVE_PER_USER:
            raise ApiError(
                "SUBSCRIPTION_LIMIT",
                limit=MAX_LIVE_PER_USER,
                details={"limit": MAX_LIVE_PER_USER},
            )
        now = ctx.now()
        subscription_id = store.insert(
            ctx.db,
            {
                "user_id": user_id,
                "sku_id": sku_id,
                "qty": qty,
                "address_id": address_id,
                "payment_method": payment_method,
                "bank_card_id": card_id,
                "every": every,
                "status": "active",
                "starts_on": first,
                "next_on": first,
                "anchor_on": first,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
    return detail(ctx, user_id, subscription_id, lang)


def _move(
    ctx: Ctx, user_id: int, subscription_id: int, action: str, lang: str
) -> SubscriptionDetail:
    """pause, resume, skip_next or cancel, each only where ACTIONS allows (else 409)."""
    with ctx.db.tx():
        row = _load(ctx, user_id, subscription_id)
        if action not in ACTIONS[row["status"]]:
            raise invalid_state(row["status"])
        now = ctx.now()
        fields: dict[str, Any] = {"updated_at": now}
        if action == "pause":
            fields["status"] = "paused"
        elif action == "cancel":
            fields["status"] = "cancelled"
        elif action == "resume":
            # Periods that passed while paused are not made up for: the next one from today.
            next_on, today = row["next_on"], china_day(now)
            while next_on < today:
                next_on = following(next_on, row["every"], row["anchor_on"])
            fields.update(status="active", next_on=next_on, attempts=0)
        else:  # skip_next
            store.save_period(
                ctx.db,
                row["id"],
                row["next_on"],
                "skipped",
                order_id=None,
                attempts=row["attempts"],
                error=None,
                at=now,
            )
            fields.update(
                next_on=following(row["next_on"], row["every"], row["anchor_on"]), attempts=0
            )
        store.update(ctx.db, row["id"], fields)
    return detail(ctx, user_id, subscription_id, lang)


def pause(ctx: Ctx, user_id: int, subscription_id: int, lang: str) -> SubscriptionDetail:
    return _move(ctx, user_id, subscription_id, "pause", lang)


def resume(ctx: Ctx, user_id: int, subscription_id: int, lang: str) -> SubscriptionDetail:
    return _move(ctx, user_id, subscription_id, "resume", lang)


def skip_next(ctx: Ctx, user_id: int, subscription_id: int, lang: str) -> SubscriptionDetail:
    return _move(ctx, user_id, subscription_id, "skip_next", lang)


def cancel(ctx: Ctx, user_id: int, subscription_id: int, lang: str) -> SubscriptionDetail:
    return _move(ctx, user_id, subscription_id, "cancel", lang)


def check_edit(
    ctx: Ctx,
    user_id: int,
    subscription_id: int,
    payment_method: str | None,
    bank_card_id: int | None,
    payment_password: str | None,
) -> None:
    """A new way to pay needs the payment password again (outside any transaction)."""
    row = _load(ctx, user_id, subscription_id)
    changes_payment = (payment_method is not None and payment_method != row["payment_method"]) or (
        bank_card_id is not None and bank_card_id != row["bank_card_id"]
    )
    if changes_payment:
        account.verify_payment_password(ctx, user_id, payment_password)


def edit(
    ctx: Ctx,
    user_id: int,
    subscription_id: int,
    changes: dict[str, Any],
    lang: str,
) -> SubscriptionDetail:
    """qty, address_id, payment_method (+ bank_card_id), every; from the next placement
    on (a placement under way finishes first: both take the database's one writer lock)."""
    if not changes:
        raise field_error("body", "nothing_to_change")
    if "qty" in changes and not 1 <= changes["qty"] <= MAX_QTY:
        raise field_error("qty", "bad_quantity", max=MAX_QTY)
    with ctx.db.tx():
        row = _load(ctx, user_id, subscription_id)
        if "edit" not in ACTIONS[row["status"]]:
            raise invalid_state(row["status"])
        fields: dict[str, Any] = {"updated_at": ctx.now()}
        if "qty" in changes:
            _check_sku(ctx, row["sku_id"], changes["qty"])
            fields["qty"] = changes["qty"]
        if "address_id" in changes:
            addresses.get_address(ctx, user_id, changes["address_id"])
            fields["address_id"] = changes["address_id"]
        if "payment_method" in changes or "bank_card_id" in changes:
            method = changes.get("payment_method") or row["payment_method"]
            fields["payment_method"] = method
            fields["bank_card_id"] = _check_payment_method(
                ctx, user_id, method, changes.get("bank_card_id")
            )
        if "every" in changes and changes["every"] != row["every"]:
            # The new rhythm counts from the period already due next.
            fields.update(every=changes["every"], anchor_on=row["next_on"])
        store.update(ctx.db, row["id"], fields)
    return detail(ctx, user_id, subscription_id, lang)


# --- the clock's work ----------------------------------------------------------------------


def place_due(ctx: Ctx) -> None:
    """The sweeper's rule: places (or retries, or skips) every period that is due."""
    now = ctx.now()
    for subscription_id in store.active_ids_due_by(ctx.db, china_day(now)):
        for _ in range(MAX_PERIODS_PER_SWEEP):
            if not place_next(ctx, subscription_id, now):
                break


def place_next(ctx: Ctx, subscription_id: int, now: float) -> bool:
    """Places the subscription's next period if it is due at `now`, in one transaction
    with its record; answers whether one was due (placed, failed or skipped)."""
    with ctx.db.tx():
        row = store.by_id(ctx.db, subscription_id)
        if row is None or row["status"] != "active" or due_at(row) > now:
            return False
        period_on = row["next_on"]
        done = store.period(ctx.db, row["id"], period_on)
        if done is not None and done["status"] in ("placed", "skipped"):
            # Recorded already (never placed twice): only the schedule lagged behind.
            _advance(ctx, row, now)
            return True
        try:
            order_id = _place(ctx, row, period_on)
        except ApiError as refusal:
            _record_failure(ctx, row, period_on, refusal, now)
            return True
        record_placed(ctx, row, period_on, order_id, now)
        return True


def _place(ctx: Ctx, row: sqlite3.Row, period_on: str) -> int:
    """The period's order, placed and paid; a refusal undoes both (a savepoint)."""
    with ctx.db.tx():
        order = order_creation.create_order(
            ctx,
            row["user_id"],
            items=[(row["sku_id"], row["qty"])],
            from_cart=False,
            address_id=row["address_id"],
            coupon_id=None,
            payment_method=row["payment_method"],
            remark=f"周期购 #{row['id']} {period_on}",
            invoice=None,
            lang="zh",
        )
        payments.pay_checked(
            ctx, row["user_id"], order["id"], row["payment_method"], row["bank_card_id"]
        )
        return int(order["id"])


def record_placed(ctx: Ctx, row: sqlite3.Row, period_on: str, order_id: int, now: float) -> None:
    """The period placed with `order_id`, and the schedule moved on; in the placement's
    transaction."""
    store.save_period(
        ctx.db,
        row["id"],
        period_on,
        "placed",
        order_id=order_id,
        attempts=row["attempts"] + 1,
        error=None,
        at=now,
    )
    _advance(ctx, row, now)


def _record_failure(
    ctx: Ctx, row: sqlite3.Row, period_on: str, refusal: ApiError, now: float
) -> None:
    attempts = row["attempts"] + 1
    skipped = attempts > RETRIES
    store.save_period(
        ctx.db,
        row["id"],
        period_on,
        "skipped" if skipped else "failing",
        order_id=None,
        attempts=attempts,
        error=(refusal.code, refusal.message("zh"), refusal.message("en")),
        at=now,
    )
    if skipped:
        _advance(ctx, row, now)
    else:
        store.update(ctx.db, row["id"], {"attempts": attempts, "updated_at": now})


def _advance(ctx: Ctx, row: sqlite3.Row, now: float) -> None:
    store.update(
        ctx.db,
        row["id"],
        {
            "next_on": following(row["next_on"], row["every"], row["anchor_on"]),
            "attempts": 0,
            "updated_at": now,
        },
    )
