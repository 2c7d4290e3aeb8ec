"""What the checkout shows of its quote and its draft: the items, the coupon and
shipping lines, the totals, and the review of everything before placing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from kshop_tui.i18n import t
from kshop_tui.shop.flows.booking import kind_label, slot_when
from kshop_tui.text import money, money_off
from kshop_tui.widgets.pay_method import method_text

if TYPE_CHECKING:
    from kshop_tui.api.models import Address, Invoice, Quote, Slot
    from kshop_tui.shop.flows.payment import MethodOption


def coupon_line(quote: Quote, coupon_id: int | None) -> Table:
    """The chosen coupon (or none, and how many could be used) and what it takes off."""
    usable = sum(1 for coupon in quote.coupons if coupon.usable)
    chosen = next((c for c in quote.coupons if c.id == coupon_id), None)
    left = Text()
    if chosen is not None:
        left.append(chosen.title)
    elif usable:
        left.append(t("coupon_pick.none"), style="dim")
    else:
        left.append(t("coupon_pick.none_usable"), style="dim")
    if usable:
        left.append("  " + t("coupon_pick.usable_count", count=usable), style="dim")
    right = Text(money_off(quote.discount_fen) if quote.discount_fen else "", style="green")
    return left_right(left, right)


def review_grid(
    quote: Quote,
    address: Address | None,
    coupon_id: int | None,
    method: MethodOption,
    invoice: Invoice | None,
    remark: str,
    *,
    slot: Slot | None = None,
    service_note: str = "",
) -> Table:
    """Everything the order will be made from, one labelled line each (no address for
    virtual goods; a service's slot and 服务需求)."""
    grid = Table.grid(padding=(0, 2), expand=True)
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(ratio=1)
    if quote.kind != "physical":
        grid.add_row(Text(t("kinds.field.kind")), Text(kind_label(quote.kind), style="bold"))
    if address is not None and quote.kind != "virtual":
        grid.add_row(
            Text(t("checkout.ship_to")),
            Text(f"{address.name} {address.phone_masked}  {address.one_line()}"),
        )
    if quote.kind == "service" and slot is not None:
        grid.add_row(
            Text(t("kinds.field.appointment")), Text(slot_when(slot.starts_at, slot.ends_at))
        )
        grid.add_row(Text(t("kinds.field.note")), Text(service_note.strip()))
    grid.add_row(Text(t("checkout.items")), items_table(quote))
    coupon = next((c for c in quote.coupons if c.id == coupon_id), None)
    grid.add_row(
        Text(t("checkout.coupon")),
        Text(
            f"{coupon.title}  {money_off(quote.discount_fen)}" if coupon else t("coupon_pick.none")
        ),
    )
    grid.add_row(Text(t("checkout.shipping")), shipping_line(quote))
    grid.add_row(Text(t("checkout.pay_with")), method_text(method))
    grid.add_row(Text(t("checkout.invoice")), Text(invoice_words(invoice)))
    grid.add_row(Text(t("checkout.remark")), Text(remark or "—"))
    return grid


def left_right(left: Text, right: Text) -> Table:
    grid = Table.grid(expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    grid.add_row(left, right)
    return grid


def items_table(quote: Quote) -> Table:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(justify="right", no_wrap=True, min_width=10)
    for line in quote.lines:
        name = Text(line.name)
        specs = "/".join(line.specs.values())
        if specs:
            name.append("  " + specs, style="dim")
        if not line.available:
            name.append("  " + t("cart.unavailable", stock=line.stock), style="bold red")
        grid.add_row(
            name,
            Text(f"{money(line.price_fen)} × {line.qty}", style="dim"),
            Text(money(line.line_total_fen)),
        )
    return grid


def shipping_line(quote: Quote) -> Table:
    if quote.kind != "physical":
        # Codes and services are not shipped (docs/api.md §7.1).
        return left_right(Text(t(f"kinds.no_shipping.{quote.kind}")), Text(money(0)))
    left = Text()
    rule = quote.shipping_rule
    if rule is not None:
        province = rule.province if rule.province != "*" else t("checkout.anywhere")
        left.append(province + ": ")
        if rule.free_over_fen is not None:
            left.append(
                t("checkout.free_over", amount=money(rule.free_over_fen), base=money(rule.base_fen))
            )
        else:
            left.append(t("checkout.flat_rate", base=money(rule.base_fen)))
    window = quote.estimated_delivery
    if window is not None:
        left.append(
            " · " + t("checkout.arrives", earliest=window.earliest[5:], latest=window.latest[5:]),
            style="dim",
        )
    return left_right(left, Text(money(quote.shipping_fen)))


def totals(quote: Quote) -> Table:
    text = Text()
    text.append(t("cart.subtotal") + " " + money(quote.subtotal_fen) + "   ", style="dim")
    text.append(t("cart.shipping") + " " + money(quote.shipping_fen) + "   ", style="dim")
    if quote.discount_fen:
        text.append(t("cart.discount") + " " + money_off(quote.discount_fen), style="green")
    total = Text(t("cart.total") + " ", style="bold")
    total.append(money(quote.total_fen), style="bold yellow")
    return left_right(text, total)


def invoice_words(invoice: Invoice | None) -> str:
    if invoice is None:
        return t("checkout.invoice.none")
    if invoice.type == "company":
        return f"{t('checkout.invoice.company')}: {invoice.title} ({invoice.tax_id or ''})"
    return f"{t('checkout.invoice.personal')}: {invoice.title}"
