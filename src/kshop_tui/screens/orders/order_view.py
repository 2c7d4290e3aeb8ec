"""How one order is drawn on its screen: the items, the facts about it, the money and the
timeline of what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from kshop_tui.i18n import t
from kshop_tui.screens.orders.receipt import invoice_label, payment_words, total_label
from kshop_tui.shop.flows.booking import (
    appointment_rules,
    delivery_words,
    kind_label,
    slot_when,
)
from kshop_tui.text import local_time, money, money_off, short_time
from kshop_tui.widgets.timeline import TimelineEntry, Tone

if TYPE_CHECKING:
    from kshop_tui.api.models import Order, OrderEvent, OrderItem


def items_table(items: list[OrderItem]) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(ratio=1)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for item in items:
        name = Text(item.name, overflow="ellipsis")
        details = "/".join(item.specs.values())
        if details:
            name.append("\n" + details, style="dim")
        if item.refunded:
            name.append("  " + t("orders.item.refunded"), style="dim")
        if item.reviewed:
            name.append("  " + t("orders.item.reviewed"), style="dim")
        each = Text(f"{money(item.price_fen)} × {item.qty}")
        table.add_row(name, each, Text(money(item.line_total_fen)))
    return table


def info_table(order: Order, now: float | None = None) -> Table:
    """The order's facts; `now` (the backend's clock) explains a booked service's 24-hour
    rule as it stands."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    if order.kind != "physical":
        table.add_row(Text(t("kinds.field.kind")), Text(kind_label(order.kind), style="bold"))
    if order.delivery is not None:
        table.add_row(Text(t("kinds.field.codes")), Text(delivery_words(order)))
    appointment = order.appointment
    if appointment is not None:
        when = Text(slot_when(appointment.starts_at, appointment.ends_at), style="bold")
        rules = appointment_rules(order, now) if now is not None else None
        if rules is not None and rules.explanation:
            when.append("\n" + rules.explanation, style="dim")
        table.add_row(Text(t("kinds.field.appointment")), when)
    if order.service_note:
        table.add_row(Text(t("kinds.field.note")), Text(order.service_note))
    address = order.address
    if address is not None:
        ship_to = Text(f"{address.name}  {address.phone_masked}\n{address.one_line()}")
        # A service comes to the address; goods are shipped to it.
        label = "kinds.field.service_address" if order.kind == "service" else "orders.field.ship_to"
        table.add_row(Text(t(label)), ship_to)
    table.add_row(Text(t("orders.field.payment")), Text(payment_words(order)))
    table.add_row(Text(t("orders.field.placed")), Text(local_time(order.created_at)))
    if order.estimated_delivery is not None and order.status in (
        "pending_payment",
        "awaiting_shipment",
        "shipped",
    ):
        window = order.estimated_delivery
        table.add_row(
            Text(t("orders.field.delivery")),
            Text(t("orders.delivery_window", earliest=window.earliest, latest=window.latest)),
        )
    if order.carrier and order.tracking_no:
        table.add_row(Text(t("orders.field.parcel")), Text(f"{order.carrier} {order.tracking_no}"))
    if order.coupon is not None:
        table.add_row(Text(t("orders.field.coupon")), Text(order.coupon.title))
    table.add_row(Text(t("orders.field.invoice")), Text(invoice_label(order.invoice)))
    if order.remark:
        table.add_row(Text(t("orders.field.remark")), Text(order.remark))
    if order.cancel_reason:
        table.add_row(Text(t("orders.field.cancel_reason")), Text(order.cancel_reason))
    return table


def money_table(order: Order) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_row(Text(t("orders.money.subtotal")), Text(money(order.subtotal_fen)))
    table.add_row(Text(t("orders.money.shipping")), Text(money(order.shipping_fen)))
    if order.discount_fen:
        table.add_row(Text(t("orders.money.discount")), Text(money_off(order.discount_fen)))
    table.add_row(
        Text(total_label(order), style="bold"), Text(money(order.total_fen), style="bold")
    )
    if order.refunded_fen:
        table.add_row(Text(t("orders.money.refunded")), Text(money_off(order.refunded_fen)))
    return table


def event_title(status: str) -> str:
    label = t(f"orders.event.{status}")
    return status.replace("_", " ") if label == f"orders.event.{status}" else label


def timeline_entries(events: list[OrderEvent], now: float) -> list[TimelineEntry]:
    entries = []
    for index, event in enumerate(reversed(events)):
        tone: Tone = "current" if index == 0 else "normal"
        entries.append(
            TimelineEntry(
                at=short_time(event.at, now),
                title=event_title(event.status),
                detail=event.note,
                tone=tone,
            )
        )
    return entries
