"""A virtual order's codes (卡密, docs/api.md §7.1): masked until the user reveals them,
then copyable. Revealing is the first viewing, which ends the right to a refund: the
dialog says so before, not after."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kshop_tui.api.models import DeliveryCode, Order
from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.flows.booking import CODE_MASK, codes_text, reveal_codes, reveal_warning
from kshop_tui.text import local_time
from kshop_tui.widgets.footer import ShopFooter


class OrderCodesModal(ShopModal):
    """Shows the order's codes; dismisses True once they were revealed, else None."""

    CSS_PATH = "codes.tcss"
    BINDINGS = [
        # Escape closes the codes; nothing is cancelled by it.
        Binding("escape", "dismiss_none", "key.close", id="codes.close"),
        Binding("v", "reveal", "kinds.key.reveal", id="codes.reveal"),
        Binding("c", "copy", "kinds.key.copy", id="codes.copy"),
    ]

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order
        self.codes: list[DeliveryCode] | None = None

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="codes-dialog"):
            yield Static(Text(t("kinds.codes.title"), style="bold"), id="codes-title")
            yield Static(id="codes-list")
            yield Static(id="codes-note", markup=False)

    def on_mount(self) -> None:
        self._show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.codes is None
        if action == "copy":
            return self.codes is not None
        return True

    def refusal(self, action: str) -> str | None:
        if action == "reveal" and self.codes is not None:
            return tn("kinds.why_not.revealed", len(self.codes))
        if action == "copy" and self.codes is None:
            return t("kinds.why_not.copy_hidden")
        return None

    def _show(self) -> None:
        listing = Text()
        count = self.order.delivery.count if self.order.delivery is not None else 0
        if self.codes is None:
            for _ in range(count):
                listing.append(CODE_MASK + "\n", style="dim")
            note = Text(reveal_warning(self.order), style="bold yellow")
            note.append(("\n" if note else "") + t("kinds.codes.reveal_hint"), style="")
        else:
            for code in self.codes:
                listing.append(code.code, style="bold")
                listing.append(f"  {code.name}\n", style="dim")
                listing.append(
                    "  " + t("kinds.codes.expires", date=local_time(code.expires_at, "%Y-%m-%d")),
                    style="dim",
                )
                listing.append("\n")
            note = Text(tn("kinds.codes.copy_hint", len(self.codes)))
        self.query_one("#codes-list", Static).update(listing)
        self.query_one("#codes-note", Static).update(note)
        self.refresh_bindings()

    def action_reveal(self) -> None:
        if self.codes is None:
            self.reveal()

    @work(exclusive=True, group="codes")
    async def reveal(self) -> None:
        codes = await reveal_codes(self.shop, self.order.id)
        if codes is None:
            return
        self.codes = codes
        self._show()

    def action_copy(self) -> None:
        if self.codes is None:
            return
        self.app.copy_to_clipboard(codes_text(self.codes))
        self.notify(tn("kinds.codes.copied", len(self.codes)))

    def action_dismiss_none(self) -> None:
        self.dismiss(True if self.codes is not None else None)
