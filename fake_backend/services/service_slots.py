"""Service slots (docs/api.md §7.1): a service is booked for one 2-hour slot of the next 14
days; each slot takes at most the product's `slot_capacity` bookings, reserved like stock.

A slot's id names its product and its start in Asia/Shanghai: `<product_id>-<YYYYMMDDHH>`
(`812-2026120710` is product 812 from 10:00 to 12:00 on 7 December 2026). The day's slots
start at SLOT_HOURS. A slot is bookable while it has not started and lies within the next
BOOKING_DAYS days (today included).
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, timedelta
from typing import TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, not_found
from fake_backend.services.rules import CHINA_TZ, china_date
from fake_backend.storage import bookings as store
from fake_backend.storage import catalogue as catalogue_store

SLOT_SECONDS = 2 * 3600
SLOT_HOURS = (8, 10, 12, 14, 16, 18)
BOOKING_DAYS = 14
# Cancelling (with a full refund) and rescheduling close this long before the slot starts.
NOTICE_SECONDS = 24 * 3600
# The backend completes a service this long after its slot ended, if the merchant did not.
AUTO_COMPLETE_SECONDS = 24 * 3600
SLOT_ID_RE = re.compile(r"(\d{1,19})-(\d{4})(\d{2})(\d{2})(\d{2})", re.ASCII)
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class SlotView(TypedDict):
    id: str
    starts_at: str | None
    ends_at: str | None
    capacity_left: int


class SlotList(TypedDict):
    items: list[SlotView]


def slot_id(product_id: int, starts_at: float) -> str:
    return f"{product_id}-{china_date(starts_at):%Y%m%d%H}"


def parse_slot_id(text: str, field: str) -> tuple[int, float]:
    """(product_id, starts_at) of a well-formed slot id; 422 `field` `bad_slot` otherwise."""
    match = SLOT_ID_RE.fullmatch(text)
    if match is None:
        raise field_error(field, "bad_slot")
    product_id, year, month, day, hour = (int(part) for part in match.groups())
    if hour not in SLOT_HOURS:
        raise field_error(field, "bad_slot")
    try:
        start = datetime(year, month, day, hour, tzinfo=CHINA_TZ)
    except ValueError:
        raise field_error(field, "bad_slot") from None
    return product_id, start.timestamp()


def booking_days(now: float) -> tuple[date, date]:
    """The first and last day slots may be booked on (Asia/Shanghai)."""
    today = china_date(now).date()
    return today, today + timedelta(days=BOOKING_DAYS - 1)


def list_slots(ctx: Ctx, product_id: int, day_text: str | None) -> SlotList:
    """The day's slots of a service that have not started, with what each has left
    (`day_text` None: today)."""
    capacity = _capacity(ctx, product_id)
    if day_text is None:
        day_text = str(booking_days(ctx.now())[0])
    if not DATE_RE.fullmatch(day_text):
        raise field_error("date", "bad_date")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise field_error("date", "bad_date") from None
    now = ctx.now()
    first, last = booking_days(now)
    if not first <= day <= last:
        raise field_error("date", "date_out_of_range", first=str(first), last=str(last))
    starts = [
        datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ).timestamp()
        for hour in SLOT_HOURS
    ]
    starts = [start for start in starts if start > now]
    held = store.booked(ctx.db, product_id, starts)
    return {
        "items": [
            {
                "id": slot_id(product_id, start),
                "starts_at": iso(start),
                "ends_at": iso(start + SLOT_SECONDS),
                "capacity_left": max(0, capacity - held.get(start, 0)),
            }
            for start in starts
        ]
    }


def book(ctx: Ctx, product_id: int, text: str, field: str) -> float:
    """Reserves one booking of slot `text` for `product_id` (inside the caller's
    transaction) and answers its start. 422 `field` for an id that is malformed, of
    another product or not bookable now; 409 SLOT_FULL when it has no room left."""
    slot_product, starts_at = parse_slot_id(text, field)
    if slot_product != product_id:
        raise field_error(field, "slot_of_other_product")
    now = ctx.now()
    first, last = booking_days(now)
    if starts_at <= now or not first <= china_date(starts_at).date() <= last:
        raise field_error(field, "slot_unavailable")
    capacity = _capacity(ctx, product_id)
    if not store.reserve_slot(ctx.db, product_id, starts_at, capacity):
        raise ApiError("SLOT_FULL", details={"slot_id": text})
    return starts_at


def release(ctx: Ctx, order: sqlite3.Row) -> None:
    """Gives back the slot a service order holds (inside the caller's transaction)."""
    if order["kind"] != "service" or order["slot_starts_at"] is None:
        return
    product_id = store.service_product_of(ctx.db, order["id"])
    if product_id is not None:
        store.release_slot(ctx.db, product_id, order["slot_starts_at"])


def notice_ends_at(order: sqlite3.Row) -> float | None:
    """Until when a service order may still be cancelled with a refund or rescheduled."""
    if order["kind"] != "service" or order["slot_starts_at"] is None:
        return None
    ends: float = order["slot_starts_at"] - NOTICE_SECONDS
    return ends


def _capacity(ctx: Ctx, product_id: int) -> int:
    if catalogue_store.product(ctx.db, product_id) is None:
        raise not_found("product")
    capacity = store.slot_capacity(ctx.db, product_id)
    if capacity is None:
        raise ApiError("NOT_A_SERVICE")
    return capacity
