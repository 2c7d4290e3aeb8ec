"""Prices as a shop shows them: the price, and the list price struck through."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kshop_tui.text import money


def price_text(price_fen: int, original_fen: int | None = None, *, big: bool = False) -> Text:
    text = Text(money(price_fen), style="bold" if big else "")
    if original_fen is not None and original_fen > price_fen:
        text.append("  ")
        text.append(money(original_fen), style="strike dim")
    return text


class PriceLabel(Static):
    DEFAULT_CSS = """
    PriceLabel { width: auto; height: 1; color: $text-warning; }
    """

    def show(self, price_fen: int, original_fen: int | None = None) -> None:
        self.update(price_text(price_fen, original_fen, big=True))
