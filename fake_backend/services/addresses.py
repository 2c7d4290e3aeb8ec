"""The address book: validation, the one-default rule and soft deletion.

While a user has any address, exactly one of them is the default: the first address
becomes it, choosing another default unsets the old one, and deleting (or un-defaulting)
the default hands it to the newest remaining address. Deleted addresses are only
flagged, so orders that point at them keep working.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import FieldErrors, field_error, not_found
from fake_backend.regions import first_bad_region_field
from fake_backend.services.rules import mask_phone, valid_phone
from fake_backend.storage import addresses as store

MAX_ADDRESSES = 20
NAME_MAX_CHARS = 20
DETAIL_MIN_CHARS = 4
DETAIL_MAX_CHARS = 120


@dataclass(frozen=True)
class AddressInput:
    """What a user types for one address."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


def address_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "phone": row["phone"],
        "phone_masked": mask_phone(row["phone"]),
        "province": row["province"],
        "city": row["city"],
        "district": row["district"],
        "detail": row["detail"],
        "is_default": bool(row["is_default"]),
        "created_at": iso(row["created_at"]),
    }


def validate(fields: AddressInput, prefix: str = "") -> None:
    """All of the address's problems at once (422 naming each field, after `prefix`:
    `address.` for an address given inline with an order)."""
    errors = _PrefixedErrors(prefix)
    if not fields.name.strip():
        errors.add("name", "required")
    elif len(fields.name) > NAME_MAX_CHARS:
        errors.add("name", "too_long")
    if not valid_phone(fields.phone):
        errors.add("phone", "bad_phone")
    bad_region = first_bad_region_field(fields.province, fields.city, fields.district)
    if bad_region is not None:
        errors.add(bad_region, "bad_region")
    if len(fields.detail.strip()) < DETAIL_MIN_CHARS:
        errors.add("detail", "too_short")
    elif len(fields.detail) > DETAIL_MAX_CHARS:
        errors.add("detail", "too_long")
    errors.raise_if_any()


class _PrefixedErrors(FieldErrors):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def add(self, field: str, reason: str, **params: Any) -> FieldErrors:
        return super().add(self.prefix + field, reason, **params)


class InlineAddressFields(Protocol):
    """A request model carrying an address's six fields."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


def inline_input(body: InlineAddressFields) -> AddressInput:
    return AddressInput(
        name=body.name,
        phone=body.phone,
        province=body.province,
        city=body.city,
        district=body.district,
        detail=body.detail,
    )


def inline_address(fields: AddressInput) -> dict[str, Any]:
    """An address given with an order (docs/api.md §7.4), checked as the address book
    checks one; it is kept on the order only."""
    validate(fields, prefix="address.")
    return {
        "name": fields.name.strip(),
        "phone": fields.phone,
        "province": fields.province,
        "city": fields.city,
        "district": fields.district,
        "detail": fields.detail.strip(),
    }


def list_addresses(ctx: Ctx, user_id: int) -> dict[str, Any]:
    return {"items": [address_view(row) for row in store.live_addresses(ctx.db, user_id)]}


def get_address(ctx: Ctx, user_id: int, address_id: int) -> dict[str, Any]:
    """One live address of the user (404 for others' or deleted ones)."""
    row = store.live_address(ctx.db, user_id, address_id)
    if row is None:
        raise not_found("address")
    return address_view(row)


def default_address_id(ctx: Ctx, user_id: int) -> int | None:
    return store.default_id(ctx.db, user_id)


def create_address(
    ctx: Ctx, user_id: int, fields: AddressInput, is_default: bool = False
) -> dict[str, Any]:
    validate(fields)
    with ctx.db.tx():
        if store.count_live(ctx.db, user_id) >= MAX_ADDRESSES:
            raise field_error("addresses", "too_many")
        first = store.default_id(ctx.db, user_id) is None
        address_id = store.insert(ctx.db, user_id, asdict(fields), ctx.now())
        if is_default or first:
            store.make_default(ctx.db, user_id, address_id)
        return get_address(ctx, user_id, address_id)


def update_address(
    ctx: Ctx, user_id: int, address_id: int, fields: AddressInput, is_default: bool | None
) -> dict[str, Any]:
    """Replaces the address's fields; `is_default` None leaves the default as it is."""
    with ctx.db.tx():
        current = get_address(ctx, user_id, address_id)
        validate(fields)
        store.update_fields(ctx.db, address_id, asdict(fields))
        if is_default:
            store.make_default(ctx.db, user_id, address_id)
        elif is_default is False and current["is_default"]:
            successor = store.newest_other_id(ctx.db, user_id, address_id)
            if successor is not None:
                store.make_default(ctx.db, user_id, successor)
        return get_address(ctx, user_id, address_id)


def delete_address(ctx: Ctx, user_id: int, address_id: int) -> dict[str, Any]:
    with ctx.db.tx():
        current = get_address(ctx, user_id, address_id)
        store.soft_delete(ctx.db, address_id)
        if current["is_default"]:
            successor = store.newest_other_id(ctx.db, user_id, address_id)
            if successor is not None:
                store.make_default(ctx.db, user_id, successor)
    return {"ok": True}
