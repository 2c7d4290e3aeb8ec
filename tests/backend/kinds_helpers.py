"""Finding the seed's virtual goods and services, and booking slots, for the §7.1 tests."""

from __future__ import annotations

import sqlite3
from typing import Any

from fake_backend.context import Ctx
from fake_backend.services import order_creation, order_views, payments, service_slots
from tests.conftest import DEMO_USER_ID

DAY = 86400.0


def virtual_sku(ctx: Ctx, *, skip: int = 0) -> sqlite3.Row:
    row = ctx.db.one(
        "SELECT s.id, s.product_id, s.price_fen FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE p.kind = 'virtual' AND s.stock >= 10 ORDER BY s.id LIMIT 1 OFFSET ?",
        (skip,),
    )
    assert row is not None
    return row


def service_sku(ctx: Ctx, *, skip: int = 0) -> sqlite3.Row:
    row = ctx.db.one(
        "SELECT s.id, s.product_id, s.price_fen, p.slot_capacity FROM skus s"
        " JOIN products p ON p.id = s.product_id WHERE p.kind = 'service'"
        " ORDER BY p.id, s.id LIMIT 1 OFFSET ?",
        (skip,),
    )
    assert row is not None
    return row


def physical_sku(ctx: Ctx) -> sqlite3.Row:
    row = ctx.db.one(
        "SELECT s.id, s.product_id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE p.kind = 'physical' AND s.stock >= 10 ORDER BY s.id LIMIT 1"
    )
    assert row is not None
    return row


def free_slot(ctx: Ctx, product_id: int, *, days_ahead: int = 3, skip: int = 0) -> str:
    """A slot `days_ahead` days from the backend's today with room left."""
    first, _ = service_slots.booking_days(ctx.now())
    day = first.toordinal() + days_ahead
    slots = service_slots.list_slots(ctx, product_id, str(first.fromordinal(day)))["items"]
    free = [slot["id"] for slot in slots if slot["capacity_left"] > 0]
    return free[skip]


def full_slot(ctx: Ctx, product_id: int) -> str:
    first, last = service_slots.booking_days(ctx.now())
    for offset in range(1, (last - first).days + 1):
        day = first.fromordinal(first.toordinal() + offset)
        for slot in service_slots.list_slots(ctx, product_id, str(day))["items"]:
            if slot["capacity_left"] == 0:
                return slot["id"]
    raise LookupError("the seed has no full slot")


def booked(ctx: Ctx, slot: str) -> int:
    product_id, starts_at = service_slots.parse_slot_id(slot, "slot")
    value = ctx.db.scalar(
        "SELECT booked FROM slot_bookings WHERE product_id = ? AND starts_at = ?",
        (product_id, starts_at),
    )
    return int(value or 0)


def create(
    ctx: Ctx, lines: list[tuple[int, int]], user_id: int = DEMO_USER_ID, **fields: Any
) -> Any:
    arguments: dict[str, Any] = {
        "items": lines,
        "from_cart": False,
        "address_id": None,
        "coupon_id": None,
        "payment_method": "balance",
        "remark": "",
        "invoice": None,
        "lang": "zh",
        **fields,
    }
    return order_creation.create_order(ctx, user_id, **arguments)


def pay(ctx: Ctx, order_id: int, method: str = "balance") -> Any:
    password = "123456" if method in payments.PASSWORD_METHODS else None
    payments.pay(ctx, DEMO_USER_ID, order_id, method, password, None)
    return order_views.order_view(ctx, order_id, "zh")


def service_order(ctx: Ctx, *, days_ahead: int = 3, paid: bool = True) -> tuple[Any, str]:
    sku = service_sku(ctx)
    slot = free_slot(ctx, sku["product_id"], days_ahead=days_ahead)
    order = create(ctx, [(sku["id"], 1)], slot_id=slot, service_note="两台挂机，需自带梯子")
    if paid:
        order = pay(ctx, order["id"])
    return order, slot
