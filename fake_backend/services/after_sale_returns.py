"""The goods' way back (docs/api.md §2 "Returns"): the user ships them and gives the
tracking number, or books a courier pickup (上门取件) in a 2-hour window."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from typing import TypedDict

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error
from fake_backend.services import addresses, logistics
from fake_backend.services.after_sale_states import move, own_after_sale, require_status
from fake_backend.services.after_sale_views import AfterSaleView, PickupView, view
from fake_backend.services.rules import CHINA_TZ, china_date, dumps, loads
from fake_backend.storage import after_sales as store

PICKUP_DAYS = 3
PICKUP_WINDOWS = ((9, 11), (11, 13), (13, 15), (15, 17), (17, 19))
PICKUP_CARRIER = "SF"
SLOT_RE = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2}) (?P<start>\d{2}):00-(?P<end>\d{2}):00")


class PickupSlots(TypedDict):
    items: list[str]


def pickup_slots(ctx: Ctx, user_id: int, after_sale_id: int) -> PickupSlots:
    """GET /after-sales/{id}/pickup-slots: 2-hour courier windows, 09–19 Beijing time,
    over today and the next two days, only those not yet begun."""
    row = own_after_sale(ctx, user_id, after_sale_id)
    require_status(row, "awaiting_return")
    return {"items": _slots(ctx.now())}


def ship_return(
    ctx: Ctx, user_id: int, after_sale_id: int, carrier: str, tracking_no: str, lang: str
) -> AfterSaleView:
    """POST /after-sales/{id}/return-shipment {carrier, tracking_no}: the user sent it."""
    number = tracking_no.strip().upper()
    with ctx.db.tx():
        row = own_after_sale(ctx, user_id, after_sale_id)
        require_status(row, "awaiting_return")
        if carrier not in logistics.CARRIERS:
            raise field_error("carrier", "not_one_of", expected=", ".join(logistics.CARRIERS))
        if not logistics.valid_tracking_no(carrier, number):
            raise field_error("tracking_no", "bad_tracking_no")
        if store.tracking_no_taken(ctx.db, number):
            raise field_error("tracking_no", "tracking_no_in_use")
        order = store.order(ctx.db, row["order_id"])
        assert order is not None
        origin = str((loads(order["address"]) or {}).get("city") or "")
        _start_return(ctx, row, carrier, number, origin, pickup=None)
        return view(ctx, after_sale_id, lang)


def book_pickup(
    ctx: Ctx, user_id: int, after_sale_id: int, address_id: int, slot: str, lang: str
) -> AfterSaleView:
    """POST /after-sales/{id}/return-shipment {pickup}: a courier collects it (上门取件)."""
    with ctx.db.tx():
        row = own_after_sale(ctx, user_id, after_sale_id)
        require_status(row, "awaiting_return")
        address = addresses.get_address(ctx, user_id, address_id)
        now = ctx.now()
        if slot not in _slots(now):
            passed = _is_past_slot(slot, now)
            raise field_error("pickup.slot", "in_past" if passed else "not_selectable")
        number = _pickup_tracking_no(ctx, after_sale_id)
        pickup: PickupView = {
            "address": {
                "name": address["name"],
                "phone": address["phone"],
                "province": address["province"],
                "city": address["city"],
                "district": address["district"],
                "detail": address["detail"],
            },
            "slot": slot,
        }
        _start_return(ctx, row, PICKUP_CARRIER, number, str(address["city"]), pickup=pickup)
        return view(ctx, after_sale_id, lang)


def _slots(now: float) -> list[str]:
    today = china_date(now).replace(hour=0, minute=0, second=0, microsecond=0)
    found = []
    for day in range(PICKUP_DAYS):
        date = today + timedelta(days=day)
        for start, end in PICKUP_WINDOWS:
            if date.replace(hour=start).timestamp() > now:
                found.append(f"{date:%Y-%m-%d} {start:02d}:00-{end:02d}:00")
    return found


def _is_past_slot(label: str, now: float) -> bool:
    """Whether `label` is one of our windows on some day, and it has already begun."""
    match = SLOT_RE.fullmatch(label)
    if match is None or (int(match["start"]), int(match["end"])) not in PICKUP_WINDOWS:
        return False
    try:
        day = datetime.strptime(match["day"], "%Y-%m-%d")
    except ValueError:
        return False
    begins = day.replace(hour=int(match["start"]), tzinfo=CHINA_TZ).timestamp()
    return begins <= now


def _pickup_tracking_no(ctx: Ctx, after_sale_id: int) -> str:
    """An SF number fixed by the after-sale id, skipping any already used."""
    for attempt in range(100):
        digits = (after_sale_id * 7_919 + attempt * 104_729 + 5_550_000_000_000) % 10**13
        number = f"{PICKUP_CARRIER}{digits:013d}"
        if not store.tracking_no_taken(ctx.db, number):
            return number
    raise ApiError(
        "CONFLICT",
        reason_zh="暂时无法预约取件，请稍后再试",
        reason_en="Could not book a pickup; try again",
    )


def _start_return(
    ctx: Ctx,
    row: sqlite3.Row,
    carrier: str,
    tracking_no: str,
    origin: str,
    pickup: PickupView | None,
) -> None:
    destination = logistics.warehouse_city(ctx, row["order_id"])
    logistics.start_parcel(ctx, tracking_no, carrier, origin or destination, destination)
    store.update_after_sale(
        ctx.db,
        row["id"],
        return_carrier=carrier,
        return_tracking_no=tracking_no,
        pickup=dumps(pickup) if pickup is not None else None,
    )
    move(ctx, row, "return_shipped", "user", note=f"{carrier} {tracking_no}")
