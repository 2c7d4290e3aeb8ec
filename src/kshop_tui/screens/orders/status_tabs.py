"""The orders list's status tabs (全部/待付款/待发货/待服务/已发货/已完成/已取消/交易关闭/售后),
each with its count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.api.models import OrderCounts

# Each tab's name is the API's status filter.
TABS: tuple[str, ...] = (
    "all",
    "pending_payment",
    "awaiting_shipment",
    "awaiting_service",
    "shipped",
    "completed",
    "cancelled",
    "closed",
    "after_sale",
)


class StatusTabs(Widget):
    """One line of tabs, each with its count; the chosen one drawn reversed."""

    DEFAULT_CSS = """
    StatusTabs { height: 1; padding: 0 1; }
    StatusTabs > .status-tabs--active { background: $primary; color: $text; text-style: bold; }
    StatusTabs > .status-tabs--count { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"status-tabs--active", "status-tabs--count"}

    active: reactive[str] = reactive("all")
    """The tab chosen (an order filter)."""
    counts: reactive[OrderCounts | None] = reactive(None)
    """How many orders each tab holds, once known."""

    def render(self) -> Text:
        # Roomy separators when they fit; tight ones on a narrow terminal or with big counts.
        width = self.content_size.width
        for separator in (" │ ", "│"):
            line, _ = self._line(separator)
            if line.cell_len <= width:
                return line
        # Still too long (nine tabs at 80 columns): start late enough that the chosen tab
        # shows whole; ‹ marks the tabs left out before it, the ellipsis those after.
        for first in range(TABS.index(self.active) + 1):
            line, active_end = self._line("│", first)
            if active_end <= width:
                break
        return line

    def _line(self, separator: str, first: int = 0) -> tuple[Text, int]:
        """The tabs from the `first`, and the cell where the chosen one ends."""
        active_style = self.get_component_rich_style("status-tabs--active")
        count_style = self.get_component_rich_style("status-tabs--count")
        line = Text(no_wrap=True, overflow="ellipsis")
        active_end = 0
        if first:
            line.append("‹", style=count_style)
        for index, tab in enumerate(TABS[first:], start=first):
            if index > first:
                line.append(separator, style=count_style)
            label = t(f"orders.tab.{tab}")
            count = str(getattr(self.counts, tab)) if self.counts is not None else "…"
            if tab == self.active:
                line.append(f" {label} {count} ", style=active_style)
                active_end = line.cell_len
            else:
                line.append(f"{label} ")
                line.append(count, style=count_style)
        return line, active_end
