"""Shipping and parcel tracking: carriers, tracking numbers, the courier's steps.

A parcel (an order's shipment or an after-sale's return) is a row in `parcels` plus its
events. Each step of the courier adds one event; `simulate` (the merchant's auto mode)
ships paid orders and moves parcels along after `ctx.delays`, on the backend clock.
"""

from __future__ import annotations

import hashlib
import random
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state, not_found
from fake_backend.services import order_records
from fake_backend.services.rules import china_day, loads, mask_phone
from fake_backend.storage import logistics as store

DAY = 86400.0
# A parcel that has no order estimate is promised within these days of collection.
PARCEL_DAYS = (1, 3)
EXCEPTION_ONE_IN = 10
MAX_NUMBER_ATTEMPTS = 50


@dataclass(frozen=True)
class Carrier:
    code: str
    name_zh: str
    name_en: str
    pattern: re.Pattern[str]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


CARRIERS: dict[str, Carrier] = {
    carrier.code: carrier
    for carrier in (
        Carrier("SF", "顺丰速运", "SF Express", re.compile(r"SF\d{13}", re.ASCII)),
        Carrier("ZTO", "中通快递", "ZTO Express", re.compile(r"75\d{12}", re.ASCII)),
        Carrier("YTO", "圆通速递", "YTO Express", re.compile(r"YT\d{13}", re.ASCII)),
        Carrier("JD", "京东快递", "JD Logistics", re.compile(r"JDVA\d{11}", re.ASCII)),
        Carrier("EMS", "EMS", "China Post EMS", re.compile(r"[A-Z]{2}\d{9}CN", re.ASCII)),
        Carrier("YD", "韵达快递", "Yunda Express", re.compile(r"43\d{11}", re.ASCII)),
    )
}
CARRIER_CODES = tuple(CARRIERS)

# Merchants' warehouses; an order leaves from the one of its first product.
WAREHOUSE_CITIES = (
    "广州市",
    "杭州市",
    "深圳市",
    "上海市",
    "义乌市",
    "东莞市",
    "苏州市",
    "北京市",
    "成都市",
    "武汉市",
)
# Couriers: (surname, its pinyin) — shown as 王师傅 / courier Wang.
COURIERS = (
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
)


def valid_tracking_no(carrier: str, tracking_no: str) -> bool:
    """Whether `tracking_no` has the shape of `carrier`'s numbers (exact, upper case)."""
    known = CARRIERS.get(carrier)
    return known is not None and known.pattern.fullmatch(tracking_no) is not None


def carrier_of(tracking_no: str) -> str | None:
    """The carrier whose number shape `tracking_no` has, if any."""
    for code, carrier in CARRIERS.items():
        if carrier.pattern.fullmatch(tracking_no):
            return code
    return None


def carriers(lang: str) -> dict[str, Any]:
    return {"items": [{"code": c.code, "name": c.name(lang)} for c in CARRIERS.values()]}


def has_exception(tracking_no: str) -> bool:
    """One parcel in ten meets a problem before delivery; which ones is fixed by number."""
    return _digest(tracking_no, "exception") % EXCEPTION_ONE_IN == 0


def warehouse_city(ctx: Ctx, order_id: int) -> str:
    """The city the merchant ships this order from (and where returns go)."""
    product_id = store.first_product_id(ctx.db, order_id) or order_id
    return WAREHOUSE_CITIES[product_id % len(WAREHOUSE_CITIES)]


# ---- the parcel's life ----------------------------------------------------------------


def start_parcel(ctx: Ctx, tracking_no: str, carrier: str, origin: str, destination: str) -> None:
    """Registers a parcel collected at `origin` (a city) and bound for `destination`."""
    if carrier not in CARRIERS:
        raise field_error("carrier", "not_one_of", expected=", ".join(CARRIERS))
    if not valid_tracking_no(carrier, tracking_no):
        raise field_error("tracking_no", "bad_tracking_no")
    with ctx.db.tx():
        if store.parcel(ctx.db, tracking_no) is not None:
            raise ApiError(
                "CONFLICT",
                reason_zh="该运单号已被使用",
                reason_en="This tracking number is already in use",
                details={"tracking_no": tracking_no},
            )
        store.insert_parcel(ctx.db, tracking_no, carrier, origin, destination, ctx.now())
        _record_step(ctx, tracking_no, "collected")


def advance_parcel(ctx: Ctx, tracking_no: str) -> bool:
    """Moves a parcel one step along its route; answers True once it is delivered."""
    with ctx.db.tx():
        parcel = store.parcel(ctx.db, tracking_no)
        if parcel is None:
            raise not_found("parcel")
        if parcel["delivered_at"] is not None:
            return True
        route = _route(tracking_no)
        step = route[min(store.event_count(ctx.db, tracking_no), len(route) - 1)]
        _record_step(ctx, tracking_no, step)
        if step != "delivered":
            return False
        now = ctx.now()
        store.mark_parcel_delivered(ctx.db, tracking_no, now)
        for order_id in store.orders_delivered_by(ctx.db, tracking_no, now):
            order_records.add_event(
                ctx, order_id, "delivered", parcel["carrier"] + " " + tracking_no
            )
        return True


def ship(ctx: Ctx, order_id: int) -> str:
    """awaiting_shipment → shipped: picks a carrier, numbers the parcel, starts it."""
    with ctx.db.tx():
        order = store.order(ctx.db, order_id)
        if order is None:
            raise not_found("order")
        if order["status"] != "awaiting_shipment":
            raise invalid_state(order["status"])
        carrier = CARRIER_CODES[order_id % len(CARRIER_CODES)]
        tracking_no = _new_tracking_no(ctx, carrier, order_id)
        if not store.mark_order_shipped(ctx.db, order_id, carrier, tracking_no, ctx.now()):
            raise invalid_state(order["status"])
        address = loads(order["address"]) or {}
        destination = str(address.get("city") or address.get("province") or "")
        order_records.add_event(ctx, order_id, "shipped", f"{carrier} {tracking_no}")
        start_parcel(ctx, tracking_no, carrier, warehouse_city(ctx, order_id), destination)
        return tracking_no


def new_parcel(ctx: Ctx, seed: str, origin: str, destination: str) -> tuple[str, str]:
    """Starts a parcel the merchant sends that is not an order's (an exchange's
    replacement): carrier and number fixed by `seed`, the number unused so far."""
    carrier = CARRIER_CODES[_digest(seed, "carrier") % len(CARRIER_CODES)]
    tracking_no = _new_tracking_no(ctx, carrier, seed)
    start_parcel(ctx, tracking_no, carrier, origin, destination)
    return carrier, tracking_no


def deliver(ctx: Ctx, order_id: int) -> None:
    """Runs a shipped order's parcel to delivered at once (the order stays `shipped`)."""
    with ctx.db.tx():
        order = store.order(ctx.db, order_id)
        if order is None:
            raise not_found("order")
        if order["status"] != "shipped" or order["tracking_no"] is None:
            raise invalid_state(order["status"])
        if order["delivered_at"] is not None:
            raise invalid_state("delivered")
        for _ in range(len(_route(order["tracking_no"]))):
            if advance_parcel(ctx, order["tracking_no"]):
                break


def simulate(ctx: Ctx) -> None:
    """The merchant and the couriers: ship paid orders, move parcels one step each."""
    now = ctx.now()
    for order_id in store.orders_due_to_ship(ctx.db, now - ctx.delays["ship"]):
        try:
            ship(ctx, order_id)
        except ApiError:
            continue  # cancelled or shipped meanwhile; nothing to do
    for tracking_no in store.parcels_due_to_move(ctx.db, now - ctx.delays["logistics_step"]):
        advance_parcel(ctx, tracking_no)


# ---- what the buyer sees ----------------------------------------------------------------


def order_tracking(ctx: Ctx, user_id: int, order_id: int, lang: str) -> dict[str, Any]:
    """GET /orders/{id}/logistics: the parcel of one of the user's shipped orders."""
    order = order_records.load_order(ctx, user_id, order_id)
    if order["tracking_no"] is None:
        raise invalid_state(order["status"])
    return tracking_view(ctx, order["tracking_no"], lang, _order_estimate(order))


def shipment_view(ctx: Ctx, order_id: int, lang: str) -> dict[str, Any]:
    """An order's state and its parcel, for the `/_dev` ship and deliver answers."""
    order = store.order(ctx.db, order_id)
    if order is None or order["tracking_no"] is None:
        raise not_found("order")
    return {
        "order_id": order_id,
        "order_status": order["status"],
        "logistics": tracking_view(ctx, order["tracking_no"], lang, _order_estimate(order)),
    }


def parcel_tracking(ctx: Ctx, tracking_no: str, lang: str) -> dict[str, Any]:
    """GET /logistics/{tracking_no}: any parcel by its number (no address, no owner)."""
    number = tracking_no.strip().upper()
    if carrier_of(number) is None:
        raise field_error("tracking_no", "bad_tracking_no")
    return tracking_view(ctx, number, lang)


def tracking_view(
    ctx: Ctx, tracking_no: str, lang: str, estimate: dict[str, str] | None = None
) -> dict[str, Any]:
    parcel = store.parcel(ctx.db, tracking_no)
    if parcel is None:
        raise not_found("parcel")
    events = store.events_newest_first(ctx.db, tracking_no)
    delivered = parcel["delivered_at"] is not None
    if estimate is None and not delivered:
        earliest, latest = (parcel["created_at"] + days * DAY for days in PARCEL_DAYS)
        estimate = {"earliest": china_day(earliest), "latest": china_day(latest)}
    carrier = CARRIERS[parcel["carrier"]]
    return {
        "carrier": carrier.code,
        "carrier_name": carrier.name(lang),
        "tracking_no": tracking_no,
        "status": events[0]["status"] if events else "collected",
        "events": [
            {
                "at": iso(event["at"]),
                "status": event["status"],
                "location": event["location"],
                "text": event["text_zh"] if lang == "zh" else event["text_en"],
            }
            for event in events
        ],
        "estimated_delivery": None if delivered else estimate,
    }


# ---- internals ----------------------------------------------------------------------------


def _order_estimate(order: sqlite3.Row) -> dict[str, str] | None:
    if order["est_earliest"] and order["est_latest"]:
        return {"earliest": order["est_earliest"], "latest": order["est_latest"]}
    return None


def _digest(tracking_no: str, purpose: str) -> int:
    return int(hashlib.sha256(f"{purpose}:{tracking_no}".encode()).hexdigest()[:12], 16)


def _route(tracking_no: str) -> list[str]:
    """The steps of one parcel, collection first."""
    route = ["collected", "origin_hub", "destination_hub"]
    if has_exception(tracking_no):
        route.append("exception")
    return [*route, "out_for_delivery", "delivered"]


def _hub(city: str) -> str:
    return f"{city.removesuffix('市') or city}转运中心"


def _record_step(ctx: Ctx, tracking_no: str, step: str) -> None:
    parcel = store.parcel(ctx.db, tracking_no)
    assert parcel is not None
    carrier = CARRIERS[parcel["carrier"]]
    origin, destination = parcel["origin"], parcel["destination"]
    status, location, text_zh, text_en = {
        "collected": (
            "collected",
            origin,
            f"【{origin}】{carrier.name_zh} 已揽收",
            f"Picked up by {carrier.name_en} in {origin}",
        ),
        "origin_hub": (
            "in_transit",
            _hub(origin),
            f"快件已到达【{_hub(origin)}】，正发往【{_hub(destination)}】",
            f"Arrived at {_hub(origin)}; on its way to {_hub(destination)}",
        ),
        "destination_hub": (
            "in_transit",
            _hub(destination),
            f"快件已到达【{_hub(destination)}】，准备派送",
            f"Arrived at {_hub(destination)}; preparing for delivery",
        ),
        "exception": (
            "exception",
            destination,
            "地址不详，快递员联系中",
            "Address unclear; the courier is calling the recipient",
        ),
        "out_for_delivery": (
            "out_for_delivery",
            destination,
            *_courier_texts(tracking_no, destination),
        ),
        "delivered": (
            "delivered",
            destination,
            f"已签收，感谢使用{carrier.name_zh}，期待再次为您服务",
            f"Delivered. Thank you for choosing {carrier.name_en}",
        ),
    }[step]
    store.insert_event(ctx.db, tracking_no, ctx.now(), status, location, text_zh, text_en)


def _courier_texts(tracking_no: str, destination: str) -> tuple[str, str]:
    seed = _digest(tracking_no, "courier")
    surname, pinyin = COURIERS[seed % len(COURIERS)]
    phone = mask_phone(f"1{3 + seed % 7}{seed % 10**9:09d}")
    return (
        f"【{destination}】快递员{surname}师傅（{phone}）正在为您派件",
        f"Out for delivery with courier {pinyin} ({phone})",
    )


def _new_tracking_no(ctx: Ctx, carrier: str, order_id: int | str) -> str:
    """A number in `carrier`'s format, fixed by the order id (or another seed), unused
    so far."""
    for attempt in range(MAX_NUMBER_ATTEMPTS):
        rng = random.Random(f"{carrier}:{order_id}:{attempt}")
        number = _number_in_format(carrier, rng)
        if not store.tracking_no_taken(ctx.db, number):
            return number
    raise ApiError(
        "CONFLICT",
        reason_zh="暂时无法生成运单号，请稍后再试",
        reason_en="Could not allocate a tracking number; try again",
    )


def _number_in_format(carrier: str, rng: random.Random) -> str:
    def digits(count: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(count))

    formats = {
        "SF": lambda: "SF" + digits(13),
        "ZTO": lambda: "75" + digits(12),
        "YTO": lambda: "YT" + digits(13),
        "JD": lambda: "JDVA" + digits(11),
        "EMS": lambda: "E" + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + digits(9) + "CN",
        "YD": lambda: "43" + digits(11),
    }
    return formats[carrier]()
