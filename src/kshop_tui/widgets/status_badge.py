"""An order's status as a coloured word (待付款, Shipped …), plus its after-sale state, and
the time left to pay an unpaid order before it cancels itself."""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from kshop_tui.i18n import t

# Theme variables (App.theme_variables) each state is drawn in; Rich needs the hex value.
STATUS_COLOURS = {
    "pending_payment": "text-warning",
    "awaiting_shipment": "text-primary",
    "awaiting_service": "text-primary",
    "shipped": "text-accent",
    "completed": "text-success",
    "cancelled": "",
    "closed": "",
}
AFTER_SALE_COLOURS = {
    "in_progress": "text-warning",
    "refunded": "text-secondary",
    "refunded_partly": "text-secondary",
}


def status_label(status: str) -> str:
    """待付款 / To pay …; a status this client does not know is shown as sent."""
    label = t(f"orders.status.{status}")
    return status if label == f"orders.status.{status}" else label


def after_sale_status_name(status: str) -> str:
    """An after-sale's status in words (docs/api.md §3); one this client does not know is
    shown as sent."""
    key = f"as.status.{status}"
    name = t(key)
    return status if name == key else name


def theme_colour(palette: Mapping[str, str], name: str) -> str:
    """A theme variable as a Rich colour, or "" when it is not a plain colour."""
    value = palette.get(name, "") if name else ""
    return value if value.startswith("#") and len(value) == 7 else ""


def badge_text(status: str, after_sale_status: str, palette: Mapping[str, str]) -> Text:
    colour = theme_colour(palette, STATUS_COLOURS.get(status, ""))
    text = Text(status_label(status), style=f"bold {colour}" if colour else "dim")
    if after_sale_status not in ("", "none"):
        text.append(" · ")
        after_sale_colour = theme_colour(palette, AFTER_SALE_COLOURS.get(after_sale_status, ""))
        text.append(t(f"orders.after_sale.{after_sale_status}"), style=after_sale_colour or "dim")
    return text


def time_left(seconds: float) -> str:
    """`29:41`, `1:02:03`; whole seconds rounded up so 0:00 means it is over."""
    left = max(0, math.ceil(seconds))
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StatusBadge(Static):
    DEFAULT_CSS = """
    StatusBadge { width: auto; height: 1; }
    """

    def show(self, status: str, after_sale_status: str = "none") -> None:
        self.update(badge_text(status, after_sale_status, self.app.theme_variables))
