"""Placing an order (docs/api.md §3): the quote, the stock reservation, the order rows,
the coupon and the cart, in one transaction; the pieces a change of an unpaid order
prices and reserves again with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, field_error, not_found
from fake_backend.services import addresses, cart, guests, pricing, service_slots
from fake_backend.services.order_views import InvoiceView, OrderView, order_view
from fake_backend.services.rules import TAX_ID_RE, china_date, dumps
from fake_backend.storage import orders as store

ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail")


def create_order(
    ctx: Ctx,
    user_id: int,
    *,
    items: Sequence[tuple[int, int]] | None,
    from_cart: bool,
    address_id: int | None,
    coupon_id: int | None,
    payment_method: str,
    remark: str,
    invoice: InvoiceView | None,
    lang: str,
    slot_id: str | None = None,
    service_note: str | None = None,
    inline_address: addresses.AddressInput | None = None,
    guest_phone: str | None = None,
) -> OrderView:
    """Places an order: quote, stock (and a service's slot), order rows, coupon, cart and
    event, all or nothing.

    `inline_address` is given with the order instead of `address_id` and kept on it only;
    `guest_phone` marks a guest's order (an inline address for goods that need one, no
    balance or pay-later; GET /orders/lookup finds it by that phone)."""
    if items and from_cart:
        raise field_error("from_cart", "exactly_one_of", fields="items / from_cart")
    if not items and not from_cart:
        raise field_error("items", "required")
    if inline_address is not None and address_id is not None:
        raise field_error("address", "exactly_one_of", fields="address / address_id")
    if guest_phone is not None:
        guests.refuse_method_for_guest(payment_method)
        if address_id is not None:  # a guest has no address book: the address comes inline
            raise field_error("address", "required")
    given_address = addresses.inline_address(inline_address) if inline_address is not None else None
    invoice_snapshot = _checked_invoice(invoice)
    note = service_note.strip() if service_note is not None else None
    with ctx.db.tx():
        cart_item_ids: list[int] = []
        if items:
            lines = list(items)
        else:
            cart_lines = cart.selected_lines(ctx, user_id)
            if not cart_lines:
                raise field_error("from_cart", "cart_empty")
            lines = [(line.sku_id, line.qty) for line in cart_lines]
            cart_item_ids = [line.cart_item_id for line in cart_lines]
        quote = pricing.quote(
            ctx,
            user_id,
            lines,
            address_id,
            coupon_id,
            lang,
            inline_province=given_address["province"] if given_address else None,
        )
        kind = quote["kind"]
        _check_service_fields(kind, slot_id, note)
        address: dict[str, Any] | None
        if given_address is not None:
            chosen_address_id, address = None, given_address
        else:
            if guest_phone is not None and kind != "virtual":
                raise field_error("address", "required")
            chosen_address_id = quote["address_id"]
            if kind != "virtual" and chosen_address_id is None:
                raise field_error("address_id", "required")
            address = (
                addresses.get_address(ctx, user_id, chosen_address_id)
                if chosen_address_id is not None
                else None
            )
        priced = reserve(ctx, quote)
        slot_starts_at = None
        if kind == "service" and slot_id is not None:
            slot_starts_at = service_slots.book(
                ctx, quote["lines"][0]["product_id"], slot_id, "appointment.slot_id"
            )
        now = ctx.now()
        order_id = store.insert_order(
            ctx.db,
            {
                "order_no": store.next_order_no(ctx.db, china_date(now).strftime("%y%m%d")),
                "user_id": user_id,
                "status": "pending_payment",
                **money_columns(quote),
                "coupon_id": coupon_id,
                "payment_method": payment_method,
                "address": address_snapshot(address) if address is not None else "null",
                "address_id": chosen_address_id,
                "remark": remark,
                "guest_phone": guest_phone,
                "invoice": dumps(invoice_snapshot) if invoice_snapshot is not None else None,
                "created_at": now,
                "kind": kind,
                "service_note": note if kind == "service" else None,
                "slot_starts_at": slot_starts_at,
            },
        )
        store.insert_items(ctx.db, order_id, priced)
        if coupon_id is not None and not store.use_coupon(ctx.db, coupon_id, user_id, order_id):
            raise not_found("coupon")
        if cart_item_ids:
            cart.remove_items(ctx, user_id, cart_item_ids)
        store.add_event(ctx.db, order_id, "created", "", now)
    return order_view(ctx, order_id, lang)


def _check_service_fields(kind: str, slot_id: str | None, note: str | None) -> None:
    """A service needs its slot and its 服务需求; nothing else takes either."""
    errors = FieldErrors()
    if kind == "service":
        if slot_id is None:
            errors.add("appointment", "required")
        if not note:
            errors.add("service_note", "required")
    else:
        if slot_id is not None:
            errors.add("appointment", "only_for_services")
        if note is not None:
            errors.add("service_note", "only_for_services")
    errors.raise_if_any()


def _checked_invoice(invoice: InvoiceView | None) -> InvoiceView | None:
    if invoice is None:
        return None
    tax_id = invoice.get("tax_id")
    if tax_id:
        tax_id = tax_id.strip().upper()
        if not TAX_ID_RE.fullmatch(tax_id):
            raise field_error("invoice.tax_id", "bad_tax_id")
    elif invoice["type"] == "company":
        raise field_error("invoice.tax_id", "required")
    return {"type": invoice["type"], "title": invoice["title"], "tax_id": tax_id or None}


def address_snapshot(address: dict[str, Any]) -> str:
    return dumps({field: address[field] for field in ADDRESS_FIELDS})


def money_columns(quote: dict[str, Any]) -> dict[str, Any]:
    estimate = quote.get("estimated_delivery") or {}
    return {
        "subtotal_fen": quote["subtotal_fen"],
        "shipping_fen": quote["shipping_fen"],
        "discount_fen": quote["discount_fen"],
        "total_fen": quote["total_fen"],
        "est_earliest": estimate.get("earliest"),
        "est_latest": estimate.get("latest"),
    }


def reserve(ctx: Ctx, quote: dict[str, Any]) -> list[dict[str, Any]]:
    """Takes the stock of every quoted line (409 naming the first short one) and answers
    the order item rows, priced and discounted as quoted."""
    rows = []
    for line in quote["lines"]:
        if not store.reserve_sku(ctx.db, line["sku_id"], line["qty"]):
            raise ApiError(
                "OUT_OF_STOCK",
                name=line["name"],
                available=line["stock"],
                details={
                    "sku_id": line["sku_id"],
                    "product_id": line["product_id"],
                    "available": line["stock"],
                },
            )
        rows.append(
            {
                "product_id": line["product_id"],
                "sku_id": line["sku_id"],
                "name": line["name"],
                "specs": dumps(line["specs"]),
                "price_fen": line["price_fen"],
                "qty": line["qty"],
                "discount_share_fen": line["discount_share_fen"],
            }
        )
    return rows
