"""`kshop orders list`, `kshop order place | show | cancel | pay | track | codes |
reschedule`.

Placing and paying are intents: each invocation makes one idempotency key per request
and sends it again on the automatic retries (`Cli.intent`), so a lost answer never
places or charges twice.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, get_args

from kshop_tui.api import errors, models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands import auth, order_import
from kshop_tui.cli_commands.output import specs_text, when, yuan
from kshop_tui.cli_commands.payment_options import add_payment_options, payment_password
from kshop_tui.cli_commands.runtime import OK, REFUSED, Cli, UsageError, add_json, exit_code_for
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

STATUSES: tuple[str, ...] = get_args(models.OrderFilter)
PAGE_LIMIT = 100
POLL_SECONDS = 2.0


INLINE_ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail")


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("orders", help=t("cli.orders.orders"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help=t("cli.orders.list"))
    listing.add_argument(
        "--status", choices=STATUSES, default="all", help=t("cli.orders.list.status")
    )
    listing.add_argument(
        "--limit", type=types.positive_int, default=20, metavar="N", help=t("cli.arg.limit")
    )
    add_json(listing)
    listing.set_defaults(online=list_command)

    order = commands.add_parser("order", help=t("cli.orders.order"))
    order_actions = order.add_subparsers(dest="action", required=True, metavar="ACTION")

    place = order_actions.add_parser("place", parents=[common], help=t("cli.orders.place"))
    lines = place.add_mutually_exclusive_group(required=True)
    lines.add_argument(
        "--sku", type=types.positive_int, action="append", help=t("cli.orders.lines.sku")
    )
    lines.add_argument("--from-cart", action="store_true", help=t("cli.orders.lines.from_cart"))
    place.add_argument(
        "--qty",
        type=types.positive_int,
        action="append",
        metavar="N",
        help=t("cli.orders.place.qty"),
    )
    where = place.add_mutually_exclusive_group()
    where.add_argument(
        "--address",
        type=_address,
        default=None,
        metavar="default|ID",
        help=t("cli.orders.where.address"),
    )
    where.add_argument(
        "--to",
        default=None,
        metavar="TEXT",
        help=t("cli.orders.where.to"),
    )
    place.add_argument(
        "--coupon", type=types.positive_int, metavar="ID", help=t("cli.orders.place.coupon")
    )
    place.add_argument("--remark", default="", metavar="TEXT", help=t("cli.orders.place.remark"))
    place.add_argument("--slot", metavar="SLOT", help=t("cli.orders.place.slot"))
    place.add_argument("--note", metavar="TEXT", help=t("cli.orders.place.note"))
    add_payment_options(place)
    add_json(place)
    place.set_defaults(online=place_command)

    pay = order_actions.add_parser("pay", parents=[common], help=t("cli.orders.pay"))
    pay.add_argument("order_id", type=types.positive_int, metavar="ID", help=t("cli.arg.order_id"))
    add_payment_options(pay)
    add_json(pay)
    pay.set_defaults(online=pay_command)

    show = order_actions.add_parser("show", parents=[common], help=t("cli.orders.show"))
    show.add_argument("order_id", type=types.positive_int, metavar="ID", help=t("cli.arg.order_id"))
    add_json(show)
    show.set_defaults(online=show_command)

    cancel = order_actions.add_parser("cancel", parents=[common], help=t("cli.orders.cancel"))
    cancel.add_argument(
        "order_id", type=types.positive_int, metavar="ID", help=t("cli.arg.order_id")
    )
    cancel.add_argument(
        "--reason", default="no_longer_needed", metavar="CODE", help=t("cli.orders.cancel.reason")
    )
    add_json(cancel)
    cancel.set_defaults(online=cancel_command)

    codes = order_actions.add_parser(
        "codes",
        parents=[common],
        help=t("cli.orders.codes"),
    )
    codes.add_argument(
        "order_id", type=types.positive_int, metavar="ID", help=t("cli.arg.order_id")
    )
    add_json(codes)
    codes.set_defaults(online=codes_command)

    reschedule = order_actions.add_parser(
        "reschedule", parents=[common], help=t("cli.orders.reschedule")
    )
    reschedule.add_argument(
        "order_id", type=types.positive_int, metavar="ID", help=t("cli.arg.order_id")
    )
    reschedule.add_argument(
        "--slot", required=True, metavar="SLOT", help=t("cli.orders.reschedule.slot")
    )
    add_json(reschedule)
    reschedule.set_defaults(online=reschedule_command)

    lookup = order_actions.add_parser(
        "lookup",
        parents=[common],
        help=t("cli.orders.lookup"),
    )
    lookup.add_argument("order_no", metavar="ORDER_NO", help=t("cli.orders.lookup.order_no"))
    lookup.add_argument(
        "--phone", type=types.phone, required=True, help=t("cli.orders.lookup.phone")
    )
    lookup.add_argument("--code", default=None, metavar="CODE", help=t("cli.orders.lookup.code"))
    add_json(lookup)
    lookup.set_defaults(online=lookup_command)

    track = order_actions.add_parser("track", parents=[common], help=t("cli.orders.track"))
    track.add_argument(
        "order_id", type=types.positive_int, metavar="ID", help=t("cli.arg.order_id")
    )
    add_json(track)
    track.set_defaults(online=track_command)

    order_import.register(order_actions, common)


def _address(text: str) -> int | None:
    """`default` (the address book's default) or an address id."""
    return None if text == "default" else types.positive_int(text)


# --- listing and showing -------------------------------------------------------------


async def list_command(cx: Cli) -> int:
    client = cx.require_login()
    items: list[models.OrderSummary] = []
    cursor: str | None = None
    while True:
        page = await client.orders(
            cx.args.status, cursor, limit=min(PAGE_LIMIT, cx.args.limit - len(items))
        )
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or len(items) >= cx.args.limit:
            break
    if cx.out.json_mode:
        answer: dict[str, Any] = {
            "items": [item.model_dump(mode="json") for item in items],
            "next_cursor": cursor,
        }
        cx.out.json(answer)
        return OK
    if not items:
        cx.out.line(f"No orders ({cx.args.status}).")
        return OK
    cx.out.table(
        (
            "cli.col.id",
            "cli.col.order_no",
            "cli.col.status",
            "cli.col.placed",
            "cli.col.items",
            "cli.col.total",
            "cli.col.first_item",
        ),
        (
            (
                str(item.id),
                item.order_no,
                _status(item.status, item.after_sale_status),
                when(item.created_at),
                str(item.item_count),
                yuan(item.total_fen),
                item.first_item.name if item.first_item else "",
            )
            for item in items
        ),
        right=("cli.col.id", "cli.col.items", "cli.col.total"),
        wrap=("cli.col.first_item",),
        caption="more: --limit N" if cursor else None,
    )
    return OK


async def lookup_command(cx: Cli) -> int:
    """docs/api.md §7.4: no login; a fresh guest code for the phone is sent (unless given)."""
    phone = cx.args.phone
    code = cx.args.code
    if code is None:
        await auth.send_code(cx, phone, "guest")
        code = auth.ask_code(cx)
    order = await cx.client.lookup_order(cx.args.order_no.strip(), phone, code)
    if cx.out.json_mode:
        cx.out.model(order)
        return OK
    show_order(cx, order)
    return OK


async def show_command(cx: Cli) -> int:
    order = await cx.require_login().order(cx.args.order_id)
    if cx.out.json_mode:
        cx.out.model(order)
        return OK
    show_order(cx, order)
    return OK


async def codes_command(cx: Cli) -> int:
    codes = await cx.require_login().order_codes(cx.args.order_id)
    if cx.out.json_mode:
        cx.out.json({"codes": [code.model_dump(mode="json") for code in codes]})
        return OK
    cx.out.table(
        ("cli.col.code", "cli.col.item", "cli.col.valid_until"),
        ((code.code, code.name, when(code.expires_at)) for code in codes),
        wrap=("cli.col.item",),
    )
    return OK


async def reschedule_command(cx: Cli) -> int:
    order = await cx.require_login().reschedule(cx.args.order_id, cx.args.slot)
    if cx.out.json_mode:
        cx.out.model(order)
        return OK
    show_order(cx, order)
    return OK


def show_order(cx: Cli, order: models.Order) -> None:
    fields = [
        ("cli.field.order", f"{order.order_no} (id {order.id})"),
        ("cli.field.kind", order.kind),
        ("cli.field.status", _status(order.status, order.after_sale_status)),
        ("cli.field.placed", when(order.created_at)),
        ("cli.field.subtotal", yuan(order.subtotal_fen)),
        ("cli.field.shipping", yuan(order.shipping_fen)),
        ("cli.field.discount", yuan(-order.discount_fen) if order.discount_fen else yuan(0)),
        ("cli.field.total", yuan(order.total_fen)),
        ("cli.field.payment", order.paid_method or f"{order.payment_method} (not paid)"),
    ]
    if order.address is not None:
        address = order.address
        fields.append(
            ("cli.field.ship_to", f"{address.name} {address.phone_masked} {address.one_line()}")
        )
    if order.delivery is not None:
        seen = "viewed" if order.delivery.codes_viewed else "not viewed: `kshop order codes ID`"
        fields.append(("cli.field.codes", f"{order.delivery.count} delivered, {seen}"))
    if order.appointment is not None:
        booked = order.appointment
        moved = ", rescheduled once" if booked.rescheduled else ""
        fields.append(
            ("cli.field.booked", f"{when(booked.starts_at)} – {when(booked.ends_at)}{moved}")
        )
        fields.append(("cli.field.changeable_until", when(booked.changeable_until)))
    if order.service_note:
        fields.append(("cli.field.service_note", order.service_note))
    if order.refunded_fen:
        fields.append(("cli.field.refunded", yuan(order.refunded_fen)))
    if order.coupon:
        fields.append(("cli.field.coupon", order.coupon.title))
    if order.remark:
        fields.append(("cli.field.remark", order.remark))
    if order.tracking_no:
        fields.append(("cli.field.parcel", f"{order.carrier or ''} {order.tracking_no}".strip()))
    if order.auto_cancel_at and order.status == "pending_payment":
        fields.append(("cli.field.pay_before", when(order.auto_cancel_at)))
    if order.cancel_reason:
        fields.append(("cli.field.cancelled", order.cancel_reason))
    if order.actions:
        fields.append(("cli.field.you_may", ", ".join(order.actions)))
    cx.out.fields(fields)
    cx.out.table(
        (
            "cli.col.item",
            "cli.col.sku",
            "cli.col.name",
            "cli.col.specs",
            "cli.col.qty",
            "cli.col.price",
            "cli.col.total",
        ),
        (
            (
                str(item.id),
                str(item.sku_id),
                item.name + (" (refunded)" if item.refunded else ""),
                specs_text(item.specs),
                str(item.qty),
                yuan(item.price_fen),
                yuan(item.line_total_fen),
            )
            for item in order.items
        ),
        right=("cli.col.item", "cli.col.sku", "cli.col.qty", "cli.col.price", "cli.col.total"),
        wrap=("cli.col.name", "cli.col.specs"),
    )
    cx.out.table(
        ("cli.col.when", "cli.col.status", "cli.col.note"),
        ((when(event.at), event.status, event.note) for event in order.timeline),
        title="cli.title.timeline",
        wrap=("cli.col.note",),
    )


async def track_command(cx: Cli) -> int:
    tracking = await cx.require_login().order_logistics(cx.args.order_id)
    if cx.out.json_mode:
        cx.out.model(tracking)
        return OK
    fields = [
        ("cli.field.carrier", tracking.carrier_name),
        ("cli.field.parcel", tracking.tracking_no),
        ("cli.field.status", tracking.status),
    ]
    if tracking.estimated_delivery:
        window = tracking.estimated_delivery
        fields.append(("cli.field.expected", f"{when(window.earliest)} – {when(window.latest)}"))
    cx.out.fields(fields)
    cx.out.table(
        ("cli.col.when", "cli.col.where", "cli.col.what"),
        ((when(event.at), event.location, event.text) for event in tracking.events),
        wrap=("cli.col.where", "cli.col.what"),
    )
    return OK


async def cancel_command(cx: Cli) -> int:
    order = await cx.require_login().cancel_order(cx.args.order_id, cx.args.reason)
    if cx.out.json_mode:
        cx.out.model(order)
        return OK
    refunded = f"; {yuan(order.refunded_fen)} refunded" if order.refunded_fen else ""
    cx.out.line(f"Order {order.order_no} (id {order.id}) is {order.status}{refunded}.")
    return OK


# --- placing and paying --------------------------------------------------------------


async def place_command(cx: Cli) -> int:
    items = _lines(cx.args)
    client = cx.require_login()
    method: models.PaymentMethod = cx.args.pay
    ship_to = await _inline_address(cx, cx.args.to) if cx.args.to is not None else None
    password = payment_password(cx, method)
    try:
        order = await cx.intent(
            lambda key: client.create_order(
                payment_method=method,
                idempotency_key=key,
                items=items,
                address_id=cx.args.address,
                address=ship_to,
                coupon_id=cx.args.coupon,
                remark=cx.args.remark,
                slot_id=cx.args.slot,
                service_note=cx.args.note,
            )
        )
    except errors.BackendUnreachable as error:
        raise errors.BackendUnreachable(
            f"{error.message}; the order may have been placed: "
            "check `kshop orders list --status pending_payment` before trying again"
        ) from None
    return await _pay_and_report(cx, order, method, password)


async def pay_command(cx: Cli) -> int:
    client = cx.require_login()
    method: models.PaymentMethod = cx.args.pay
    password = payment_password(cx, method)
    order = await client.order(cx.args.order_id)
    return await _pay_and_report(cx, order, method, password)


async def _inline_address(cx: Cli, text: str) -> models.PostalAddress:
    """`--to`'s pasted address, read by the backend; a part it could not find is a usage
    error naming it (the order is not placed)."""
    parsed = await cx.client.parse_address(text)
    fields = {name: getattr(parsed, name) for name in INLINE_ADDRESS_FIELDS}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise UsageError(
            f"--to: could not find the {', '.join(missing)} in {text!r}"
            + (f" (not placed: {parsed.unparsed})" if parsed.unparsed else "")
        )
    return models.PostalAddress.model_validate(fields)


def _lines(args: argparse.Namespace) -> list[tuple[int, int]] | None:
    """[(sku, qty)] from `--sku A --qty 2 --sku B --qty 1`, or None for `--from-cart`."""
    quantities: list[int] = args.qty or []
    if args.from_cart:
        if quantities:
            raise UsageError("--qty goes with --sku; --from-cart takes the cart's quantities")
        return None
    skus: list[int] = args.sku
    if not quantities:
        quantities = [1] * len(skus)
    if len(quantities) != len(skus):
        raise UsageError("give one --qty per --sku, in the same order (or none for 1 each)")
    return list(zip(skus, quantities, strict=True))


async def _pay_and_report(
    cx: Cli, order: models.Order, method: models.PaymentMethod, password: str | None
) -> int:
    """Pays `order`; prints the order and the payment. An unpaid order stays payable with
    `kshop order pay ID`, and the error says so."""
    client = cx.require_login()
    try:
        payment = await cx.intent(
            lambda key: client.pay(order.id, method, password, idempotency_key=key)
        )
        if payment.status == "pending" and cx.args.wait:
            payment = await _wait(cx, payment)
    except errors.ApiError as error:
        _report(cx, order, None)
        cx.out.error(
            f"order {order.order_no} (id {order.id}) is not paid: {error.message} "
            f"(`kshop order pay {order.id} --pay METHOD` to try again)"
        )
        return exit_code_for(error)
    if payment.status == "succeeded":
        order = await client.order(order.id)
    _report(cx, order, payment)
    if payment.status == "failed":
        cx.out.error(f"payment {payment.id} failed: {payment.failure_reason or 'refused'}")
        return REFUSED
    if payment.status == "pending" and cx.args.wait:
        cx.out.error(f"payment {payment.id} still pending after {cx.args.timeout} s")
        return REFUSED
    return OK


async def _wait(cx: Cli, payment: models.Payment) -> models.Payment:
    polls = max(1, int(cx.args.timeout / POLL_SECONDS))
    for _ in range(polls):
        await cx.runtime.sleep(POLL_SECONDS)
        payment = await cx.client.payment(payment.id)
        if payment.status != "pending":
            break
    return payment


def _report(cx: Cli, order: models.Order, payment: models.Payment | None) -> None:
    if cx.out.json_mode:
        answer: dict[str, Any] = {
            "order": order.model_dump(mode="json"),
            "payment": payment.model_dump(mode="json") if payment else None,
        }
        cx.out.json(answer)
        return
    fields = [
        ("cli.field.order", f"{order.order_no} (id {order.id})"),
        ("cli.field.status", order.status),
        ("cli.field.total", yuan(order.total_fen)),
    ]
    if payment is not None:
        fields.append(("cli.field.payment", f"{payment.id} · {payment.method} · {payment.status}"))
        if payment.status == "pending" and payment.qr_payload:
            fields += [
                ("cli.field.scan_to_pay", payment.qr_payload),
                ("cli.field.expires", when(payment.expires_at)),
            ]
    cx.out.fields(fields)


def _status(status: str, after_sale_status: str) -> str:
    if after_sale_status and after_sale_status != "none":
        return f"{status} (after-sale {after_sale_status})"
    return status
