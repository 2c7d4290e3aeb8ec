"""What the browse filters are set to: a small value kept apart from the panel's widgets,
so the browse screen can hold it without importing them before its first frame."""

from __future__ import annotations

from dataclasses import dataclass

from kshop_tui.i18n import t


@dataclass(frozen=True)
class Filters:
    category_id: int | None = None
    category_name: str = ""
    brand: str | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    in_stock: bool = False

    def summary(self) -> str:
        """One line for narrow terminals, where the panel is folded away."""
        parts = []
        if self.category_name:
            parts.append(self.category_name)
        if self.brand:
            parts.append(self.brand)
        if self.price_min_fen is not None or self.price_max_fen is not None:
            low = "" if self.price_min_fen is None else f"{self.price_min_fen // 100}"
            high = "" if self.price_max_fen is None else f"{self.price_max_fen // 100}"
            parts.append(f"¥{low}–{high}")
        if self.in_stock:
            parts.append(t("filters.in_stock_short"))
        return " · ".join(parts)
