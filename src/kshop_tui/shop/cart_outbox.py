"""Cart changes made while the backend was unreachable, kept (on disk when allowed) and
replayed in order once it answers again, so nothing the user did offline is lost."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Cart

Op = Literal["add", "set_qty", "select", "remove"]


@dataclass(frozen=True)
class CartChange:
    op: Op
    sku_id: int | None = None
    item_id: int | None = None
    qty: int | None = None
    selected: bool | None = None

    async def apply(self, api: KshopClient) -> Cart:
        if self.op == "add":
            assert self.sku_id is not None and self.qty is not None
            return await api.add_to_cart(self.sku_id, self.qty)
        assert self.item_id is not None
        if self.op == "set_qty":
            return await api.update_cart_item(self.item_id, qty=self.qty)
        if self.op == "select":
            return await api.update_cart_item(self.item_id, selected=self.selected)
        return await api.remove_cart_item(self.item_id)


class CartOutbox:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.pending: list[CartChange] = self._read()

    def _read(self) -> list[CartChange]:
        if self.path is None:
            return []
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return [CartChange(**item) for item in raw]
        except (OSError, ValueError, TypeError):
            return []

    def _write(self) -> None:
        if self.path is None:
            return
        if not self.pending:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps([asdict(c) for c in self.pending]), encoding="utf-8")

    def add(self, change: CartChange) -> None:
        self.pending.append(change)
        self._write()

    async def flush(self, api: KshopClient) -> tuple[int, list[str]]:
        """Replays the queue; answers (changes applied, messages of changes refused).
        Stops at the first unreachable error and keeps the rest for later."""
        from kshop_tui.api import errors
        from kshop_tui.shop.error_words import error_words

        applied, refused = 0, []
        while self.pending:
            change = self.pending[0]
            try:
                await change.apply(api)
            except errors.BackendUnreachable:
                break
            except errors.ApiError as error:
                refused.append(error_words(error))
            else:
                applied += 1
            self.pending.pop(0)
            self._write()
        return applied, refused
