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
        everything = range(len(TABS))
        for separator in (" │ ", "│"):
            line = self._line(separator, everything)
            if line.cell_len <= width:
                return line
        return self._window(width)

    def _window(self, width: int) -> Text:
        """Nine tabs do not fit at 80 columns: as many whole ones as fit, the chosen one
        among them; ‹ and › say tabs are left out before and after."""
        active = TABS.index(self.active)
        for first in range(active + 1):
            shown = range(first, active + 1)
            if self._line("│", shown).cell_len > width:
                continue
            while shown.stop < len(TABS):
                wider = range(first, shown.stop + 1)
                if self._line("│", wider).cell_len > width:
                    break
                shown = wider
            return self._line("│", shown)
        return self._line("│", range(active, active + 1))

    def _line(self, separator: str, shown: range) -> Text:
        """The tabs `shown` (indexes into TABS), marked where some are left out."""
        active_style = self.get_component_rich_style("status-tabs--active")
        count_style = self.get_component_rich_style("status-tabs--count")
        line = Text(no_wrap=True, overflow="ellipsis")
        if shown.start > 0:
            line.append("‹", style=count_style)
        for index in shown:
            tab = TABS[index]
            if index > shown.start:
                line.append(separator, style=count_style)
            label = t(f"orders.tab.{tab}")
            count = str(getattr(self.counts, tab)) if self.counts is not None else "…"
            if tab == self.active:
                line.append(f" {label} {count} ", style=active_style)
            else:
                line.append(f"{label} ")
                line.append(count, style=count_style)
        if shown.stop < len(TABS):
            line.append(separator + "›", style=count_style)
        return line
