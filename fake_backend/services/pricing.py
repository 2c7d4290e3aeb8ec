"""The checkout quote: server-side prices, coupon, shipping and total, all integer fen.

- subtotal = Σ current price × qty.
- A coupon applies when it is the user's, `usable` and unexpired, and its threshold is met
  by the eligible subtotal (a store coupon counts only its brand's lines); it takes off at
  most that eligible subtotal.
- Shipping comes from the template of the address's province (else '*'): free when
  subtotal − discount reaches `free_over_fen`, else `base_fen`.
- total = subtotal − discount + shipping, never negative.
- Goods of one kind per quote (docs/api.md §7.1): virtual goods take no address and no
  shipping; a service (one line) takes an address but no shipping; neither has a delivery
  estimate.
- `coupons` lists at most MAX_QUOTE_COUPONS, the usable ones first (best first).
- A quote for a change to an unpaid order (`order_id`) sees what `PUT /orders/{id}/items`
  will see once that order lets go of what it holds: its stock counts as available, its
  coupon as the user's to use, and its address is the one quoted for by default.

`quote` only reads, so order creation can call it inside its own write transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import (
    ApiError,
    FieldErrors,
    field_error,
    invalid_state,
    localize_fields,
    not_found,
)
from fake_backend.services import addresses, catalogue
from fake_backend.services.rules import china_day, fmt_fen, split_proportionally
from fake_backend.storage import cart as cart_store
from fake_backend.storage import coupons as coupon_store
from fake_backend.storage import orders as order_store

# A database row, or a plain dict in tests.
Record = sqlite3.Row | Mapping[str, Any]

DAY_SECONDS = 86400
MAX_QTY = 99
MAX_LINES = 100
MAX_QUOTE_COUPONS = 20  # the best usable ones first; a user may hold many more

# code -> (zh, en) templates for a line that cannot be bought as quoted.
PROBLEM_MESSAGES: dict[str, tuple[str, str]] = {
    "sold_out": ("{name} 已售罄", "{name} is sold out"),
    "insufficient_stock": (
        "{name} 库存不足，仅剩 {available} 件",
        "Only {available} left of {name}",
    ),
    "price_changed": (
        "{name} 价格有变：加入购物车时 {before}，现价 {now}",
        "{name} changed price: {before} when added, {now} now",
    ),
}


def sku_view(row: sqlite3.Row) -> dict[str, Any]:
    """The SKU facts a cart line and a quote line both show."""
    return {
        "sku_id": row["sku_id"],
        "product_id": row["product_id"],
        "name": row["name"],
        "specs": json.loads(row["specs"]),
        "image": catalogue.image_url(row["image_id"]),
        "price_fen": row["price_fen"],
        "stock": row["stock"],
    }


@dataclass(frozen=True)
class PricedLine:
    """One quoted line at the SKU's current price."""

    sku_id: int
    brand: str
    price_fen: int
    qty: int

    @property
    def total_fen(self) -> int:
        return self.price_fen * self.qty


@dataclass(frozen=True)
class CouponCheck:
    """Whether a coupon applies to some lines, what it takes off, or why not."""

    usable: bool
    discount_fen: int = 0
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HeldByOrder:
    """What an unpaid order being changed holds: stock per SKU, its coupon, its address."""

    stock: dict[int, int]
    coupon_id: int | None
    address_id: int | None


def held_by_order(ctx: Ctx, user_id: int, order_id: int) -> HeldByOrder:
    """404 unless the order is the user's; 409 unless it is still unpaid."""
    order = order_store.get_order(ctx.db, order_id)
    if order is None or order["user_id"] != user_id:
        raise not_found("order")
    if order["status"] != "pending_payment":
        raise invalid_state(order["status"])
    stock: dict[int, int] = {}
    for line in order_store.items_for_stock(ctx.db, order_id):
        stock[line["sku_id"]] = stock.get(line["sku_id"], 0) + line["qty"]
    return HeldByOrder(stock, order["coupon_id"], order["address_id"])


def as_released(coupon: Record) -> dict[str, Any]:
    """An order's own coupon as the user will hold it once the order lets it go."""
    return {**dict(coupon), "status": "usable", "used_order_id": None}


def eligible_fen(lines: Sequence[PricedLine], brand: str | None) -> int:
    """The subtotal a coupon counts: every line, or only `brand`'s for a store coupon."""
    return sum(line.total_fen for line in lines if brand is None or line.brand == brand)


def check_coupon(coupon: Record, lines: Sequence[PricedLine], now: float) -> CouponCheck:
    """`coupon` is a user_coupons row joined with its template (status, expires_at,
    threshold_fen, discount_fen, brand)."""
    if coupon["status"] != "usable":
        return CouponCheck(False, reason="coupon_used")
    if coupon["expires_at"] <= now:
        return CouponCheck(False, reason="coupon_expired")
    brand = coupon["brand"]
    eligible = eligible_fen(lines, brand)
    if eligible == 0:
        return CouponCheck(False, reason="coupon_no_eligible_items", params={"brand": brand})
    threshold = coupon["threshold_fen"]
    if eligible < threshold:
        return CouponCheck(
            False,
            reason="coupon_below_threshold",
            params={"threshold": fmt_fen(threshold), "short": fmt_fen(threshold - eligible)},
        )
    return CouponCheck(True, discount_fen=min(coupon["discount_fen"], eligible))


def shipping_fee(template: Record, goods_fen: int) -> int:
    """The template's fee for goods worth `goods_fen` after discount."""
    free_over = template["free_over_fen"]
    if free_over is not None and goods_fen >= free_over:
        return 0
    fee: int = template["base_fen"]
    return fee


def discount_shares(lines: Sequence[PricedLine], brand: str | None, discount: int) -> list[int]:
    """The discount split over the lines it applies to, exactly (others get 0)."""
    eligible = [i for i, line in enumerate(lines) if brand is None or line.brand == brand]
    shares = [0] * len(lines)
    split = split_proportionally(discount, [lines[i].total_fen for i in eligible])
    for index, share in zip(eligible, split, strict=True):
        shares[index] = share
    return shares


def reason_text(reason: str, params: dict[str, Any], lang: str) -> str:
    return localize_fields({"reason": (reason, params)}, lang)["reason"]["message"]


def order_kind(lines: Sequence[tuple[int, int]], facts: Mapping[int, Record]) -> str:
    """The one kind of goods the lines hold: physical goods, virtual goods and services are
    ordered separately, and an order books one service (422 `items` otherwise)."""
    kinds = {facts[sku_id]["kind"] for sku_id, _ in lines}
    if len(kinds) > 1:
        raise field_error("items", "mixed_kinds")
    kind: str = kinds.pop()
    if kind == "service" and len(lines) > 1:
        raise field_error("items", "one_service")
    return kind


def _check_lines(lines: Sequence[tuple[int, int]]) -> None:
    errors = FieldErrors()
    if not lines:
        errors.add("items", "required")
    elif len(lines) > MAX_LINES:
        errors.add("items", "too_many")
    elif len({sku_id for sku_id, _ in lines}) != len(lines):
        errors.add("items", "duplicate_sku")
    for index, (_, qty) in enumerate(lines):
        if not 1 <= qty <= MAX_QTY:
            errors.add(f"items.{index}.qty", "bad_quantity", max=MAX_QTY)
    errors.raise_if_any()


def _problems(
    row: sqlite3.Row, stock: int, qty: int, added_price: int | None, lang: str
) -> list[dict[str, Any]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if stock == 0:
        found.append(("sold_out", {}))
    elif stock < qty:
        found.append(("insufficient_stock", {"available": stock}))
    if added_price is not None and added_price != row["price_fen"]:
        found.append(
            ("price_changed", {"before": fmt_fen(added_price), "now": fmt_fen(row["price_fen"])})
        )
    problems = []
    for code, params in found:
        zh, en = PROBLEM_MESSAGES[code]
        text = (zh if lang == "zh" else en).format(name=row["name"], **params)
        problems.append({"sku_id": row["sku_id"], "code": code, "message": text})
    return problems


def _coupon_entry(row: Record, check: CouponCheck, lang: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title_zh"] if lang == "zh" else row["title_en"],
        "threshold_fen": row["threshold_fen"],
        "discount_fen": check.discount_fen if check.usable else row["discount_fen"],
        "brand": row["brand"],
        "expires_at": iso(row["expires_at"]),
        "usable": check.usable,
        "reason": None if check.reason is None else reason_text(check.reason, check.params, lang),
    }


def _listed_coupons(
    ordered: list[tuple[Record, CouponCheck]], applied_id: int | None
) -> list[tuple[Record, CouponCheck]]:
    """The first MAX_QUOTE_COUPONS of `ordered` (usable ones first, the best first); the
    applied coupon always among them, in the last place if it would fall off the list."""
    listed = ordered[:MAX_QUOTE_COUPONS]
    if applied_id is None or any(row["id"] == applied_id for row, _ in listed):
        return listed
    applied = [pair for pair in ordered if pair[0]["id"] == applied_id]
    return listed[: MAX_QUOTE_COUPONS - len(applied)] + applied


def _not_applicable(coupon_id: int, reason: str, params: dict[str, Any]) -> ApiError:
    return ApiError(
        "COUPON_NOT_APPLICABLE",
        reason_zh=reason_text(reason, params, "zh"),
        reason_en=reason_text(reason, params, "en"),
        details={
            "fields": {"coupon_id": (reason, params)},
            "reason": reason,
            "coupon_id": coupon_id,
        },
    )


def quote(
    ctx: Ctx,
    user_id: int,
    lines: list[tuple[int, int]],
    address_id: int | None,
    coupon_id: int | None,
    lang: str,
    *,
    added_prices: Mapping[int, int] | None = None,
    order_id: int | None = None,
    inline_province: str | None = None,
) -> dict[str, Any]:
    """Prices `lines` ((sku_id, qty) pairs) for the user, read-only.

    `inline_province` ships to an address given inline (docs/api.md §7.4) instead of one
    of the address book's.

    `address_id` None means the default address (no address: the '*' template);
    `added_prices` (sku_id → price when put in the cart) flags price changes as problems;
    `order_id` quotes a change to that unpaid order (see the module's docstring).
    Raises 404 for an unknown SKU, address or order, 409 for an order no longer unpaid,
    422 for bad lines or an unusable coupon.
    """
    _check_lines(lines)
    held = held_by_order(ctx, user_id, order_id) if order_id is not None else None
    facts = cart_store.sku_facts(ctx.db, [sku_id for sku_id, _ in lines])
    missing = [sku_id for sku_id, _ in lines if sku_id not in facts]
    if missing:
        raise not_found("sku")
    now = ctx.now()
    priced = [
        PricedLine(sku_id, facts[sku_id]["brand"], facts[sku_id]["price_fen"], qty)
        for sku_id, qty in lines
    ]
    subtotal = sum(line.total_fen for line in priced)

    candidates: list[Record] = list(coupon_store.coupons_by_status(ctx.db, user_id, "usable", now))
    own_coupon = None
    if held is not None and held.coupon_id is not None:
        own_coupon = coupon_store.coupon(ctx.db, user_id, held.coupon_id)
        if own_coupon is not None:
            candidates.append(as_released(own_coupon))
    coupons = [(row, check_coupon(row, priced, now)) for row in candidates]
    usable = sorted(
        (pair for pair in coupons if pair[1].usable),
        key=lambda pair: (-pair[1].discount_fen, pair[0]["expires_at"], pair[0]["id"]),
    )
    best_coupon_id = usable[0][0]["id"] if usable else None

    discount, applied_brand = 0, None
    if coupon_id is not None:
        chosen: Record | None = coupon_store.coupon(ctx.db, user_id, coupon_id)
        if chosen is not None and own_coupon is not None and chosen["id"] == own_coupon["id"]:
            chosen = as_released(chosen)
        if chosen is None:
            raise _not_applicable(coupon_id, "coupon_not_found", {})
        check = check_coupon(chosen, priced, now)
        if not check.usable:
            raise _not_applicable(coupon_id, check.reason or "coupon_not_found", check.params)
        discount, applied_brand = check.discount_fen, chosen["brand"]
    shares = discount_shares(priced, applied_brand, discount)

    kind = order_kind(lines, facts)
    province = inline_province
    if kind == "virtual":
        # docs/api.md §7.1: codes need no address and cost no shipping.
        if address_id is not None or inline_province is not None:
            raise field_error(
                "address_id" if address_id is not None else "address", "no_address_for_virtual"
            )
    elif inline_province is None:
        if address_id is None and held is not None:
            address_id = held.address_id
        if address_id is None:
            address_id = addresses.default_address_id(ctx, user_id)
    if inline_province is None:
        address = (
            addresses.get_address(ctx, user_id, address_id) if address_id is not None else None
        )
        province = address["province"] if address is not None else None
    template = cart_store.shipping_template(ctx.db, province)
    # A service comes to the address (or is done in store): nothing ships.
    shipping = shipping_fee(template, subtotal - discount) if kind == "physical" else 0

    quoted_lines, problems = [], []
    for (sku_id, qty), share in zip(lines, shares, strict=True):
        row = facts[sku_id]
        stock = row["stock"] + (held.stock.get(sku_id, 0) if held is not None else 0)
        added = added_prices.get(sku_id) if added_prices is not None else None
        quoted_lines.append(
            {
                **sku_view(row),
                "stock": stock,
                "qty": qty,
                "line_total_fen": row["price_fen"] * qty,
                "available": stock > 0 and stock >= qty,
                "discount_share_fen": share,
            }
        )
        problems.extend(_problems(row, stock, qty, added, lang))

    ordered_coupons = _listed_coupons(
        usable + [pair for pair in coupons if not pair[1].usable], coupon_id
    )
    return {
        "lines": quoted_lines,
        "subtotal_fen": subtotal,
        "shipping_fen": shipping,
        "discount_fen": discount,
        "total_fen": max(0, subtotal - discount + shipping),
        "estimated_delivery": (
            {
                "earliest": china_day(now + template["days_min"] * DAY_SECONDS),
                "latest": china_day(now + template["days_max"] * DAY_SECONDS),
            }
            if kind == "physical"
            else None
        ),
        "kind": kind,
        "address_id": address_id,
        "coupon_id": coupon_id,
        "best_coupon_id": best_coupon_id,
        "coupons": [_coupon_entry(row, check, lang) for row, check in ordered_coupons],
        "shipping_rule": {
            "province": province or "*",
            "base_fen": template["base_fen"],
            "free_over_fen": template["free_over_fen"],
        },
        "problems": problems,
    }
