"""购物凭证: an order kept as a plain-text receipt and an SVG picture of its detail screen,
both under the data dir's `receipts/` folder, named by the order number."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

from kshop_tui.i18n import t, tn
from kshop_tui.shop.flows.wallet import BNPL_DUE_DAYS
from kshop_tui.text import CHINA_TZ, local_time, money, parse_time
from kshop_tui.widgets.status_badge import status_label

if TYPE_CHECKING:
    from textual.app import App

    from kshop_tui.api.models import Invoice, Order

RECEIPT_WIDTH = 56
LABEL_WIDTH = 14


def payment_method_label(method: str | None) -> str:
    if not method:
        return ""
    label = t(f"orders.method.{method}")
    return method if label == f"orders.method.{method}" else label


def total_label(order: Order) -> str:
    """What an order's total is: due (应付) before it is paid, paid (实付) after, still to
    repay when pay-later paid it, and only the order's amount when it was never paid."""
    if order.status == "pending_payment":
        return t("orders.money.due")
    if order.paid_method == "bnpl":
        return t("orders.money.pay_later")
    return t("orders.money.total" if order.paid_at else "orders.money.order_total")


def payment_words(order: Order) -> str:
    """How the order is paid: the method, and when it was paid, or that it is not yet;
    pay-later says when its bill falls due (N days after receipt), not "paid"."""
    method = payment_method_label(order.paid_method or order.payment_method)
    if order.paid_method == "bnpl":
        if order.status == "cancelled":
            return f"{method} · {t('orders.bnpl_cancelled')}"
        if order.completed_at:
            due = parse_time(order.completed_at) + timedelta(days=BNPL_DUE_DAYS)
            date = due.astimezone(CHINA_TZ).strftime("%Y-%m-%d")
            return f"{method} · {t('orders.bnpl_due', date=date)}"
        return f"{method} · {tn('orders.bnpl_due_after_receipt', BNPL_DUE_DAYS)}"
    if order.paid_at:
        return f"{method} · {t('orders.paid_at', at=local_time(order.paid_at))}"
    return f"{method} · {t('orders.unpaid')}"


def invoice_label(invoice: Invoice | None) -> str:
    if invoice is None:
        return t("orders.invoice.none")
    words = f"{t(f'orders.invoice.{invoice.type}')} · {invoice.title}"
    return f"{words} · {invoice.tax_id}" if invoice.tax_id else words


def _pad(text: str, cells: int, *, right: bool = False) -> str:
    gap = " " * max(0, cells - cell_len(text))
    return gap + text if right else text + gap


def _field(label: str, value: str) -> list[str]:
    """`label  value`, with the value's further lines under the value."""
    lines = value.splitlines() or [""]
    first = _pad(label, LABEL_WIDTH) + lines[0]
    return [first] + [" " * LABEL_WIDTH + line for line in lines[1:]]


def _amount(label: str, fen: int) -> str:
    amount = money(fen)
    return _pad(label, RECEIPT_WIDTH - cell_len(amount)) + amount


def receipt_text(order: Order) -> str:
    """The receipt in the current language, lines aligned in terminal cells."""
    rule = "-" * RECEIPT_WIDTH
    lines = [t("receipt.heading"), rule]
    lines += _field(t("orders.field.order_no"), order.order_no)
    lines += _field(t("orders.field.placed"), local_time(order.created_at))
    lines += _field(t("orders.field.status"), status_label(order.status))
    lines += _field(t("orders.field.payment"), payment_words(order))
    address = order.address
    if address is not None:
        ship_to = f"{address.name} {address.phone_masked}\n{address.one_line()}"
        lines += _field(t("orders.field.ship_to"), ship_to)
    if order.carrier and order.tracking_no:
        lines += _field(t("orders.field.parcel"), f"{order.carrier} {order.tracking_no}")
    lines.append(rule)
    for item in order.items:
        lines.append(item.name)
        specs = "/".join(item.specs.values())
        each = f"  {money(item.price_fen)} × {item.qty}"
        if specs:
            each = f"  {specs}{each}"
        lines.append(_amount(each, item.line_total_fen))
    lines.append(rule)
    lines.append(_amount(t("orders.money.subtotal"), order.subtotal_fen))
    lines.append(_amount(t("orders.money.shipping"), order.shipping_fen))
    if order.discount_fen:
        lines.append(_amount(t("orders.money.discount"), -order.discount_fen))
    lines.append(_amount(total_label(order), order.total_fen))
    if order.refunded_fen:
        lines.append(_amount(t("orders.money.refunded"), -order.refunded_fen))
    lines.append(rule)
    lines += _field(t("orders.field.invoice"), invoice_label(order.invoice))
    if order.remark:
        lines += _field(t("orders.field.remark"), order.remark)
    return "\n".join(lines) + "\n"


def receipt_folder(data_dir: Path) -> Path:
    return data_dir / "receipts"


def receipt_stem(order: Order) -> str:
    """The order number, made safe as a file name whatever the server sent."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", order.order_no) or f"order-{order.id}"


async def export_receipt(app: App[Any], data_dir: Path, order: Order) -> tuple[Path, Path]:
    """Writes `<order no>.txt` and an SVG of the screen now showing; answers both paths."""
    folder = receipt_folder(data_dir)
    stem = receipt_stem(order)
    text_path = folder / f"{stem}.txt"
    await asyncio.to_thread(_write_text, text_path, receipt_text(order))
    svg_path = Path(app.save_screenshot(filename=f"{stem}.svg", path=str(folder)))
    return text_path, svg_path


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
