"""A way to pay drawn as one line: its name, its detail, and why not when unavailable
(the checkout's pay-with radios, the payment method picker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from kshop_tui.shop.flows.payment import MethodOption


def method_text(option: MethodOption, number: int | None = None) -> Text:
    """`number`: the digit that chooses it, shown before its name (the checkout's radios)."""
    text = Text()
    if number is not None:
        text.append(f"{number} ", style="bold" if option.available else "dim")
    text.append(option.label, style="" if option.available else "dim")
    if option.detail:
        text.append("  " + option.detail, style="dim" if not option.available else "")
    if not option.available and option.reason:
        text.append("  — " + option.reason, style="dim italic")
    return text
