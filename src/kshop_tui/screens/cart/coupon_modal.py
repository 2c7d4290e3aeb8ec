"""Choosing the checkout's coupon."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.widgets.coupon_picker import NO_COUPON, CouponList
from kshop_tui.widgets.footer import ShopFooter

if TYPE_CHECKING:
    from kshop_tui.api.models import Quote


class CouponPickerModal(ShopModal):
    """Dismisses with `[coupon_id]` (`[None]` for no coupon), or None on escape."""

    DEFAULT_CSS = """
    CouponPickerModal { align: center middle; }
    CouponPickerModal #cp-dialog {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; border-title-color: $text-primary;
        border-title-style: bold; background: $surface; padding: 0 1;
    }
    CouponPickerModal CouponList { border: none; background: $surface; }
    """

    def __init__(self, quote: Quote, chosen_id: int | None) -> None:
        super().__init__()
        self.quote = quote
        self.chosen_id = chosen_id

    def compose(self) -> ComposeResult:
        usable = sum(1 for coupon in self.quote.coupons if coupon.usable)
        with Vertical(id="cp-dialog") as dialog:
            dialog.border_title = t("coupon_pick.picker_title", count=usable)
            yield CouponList(self.quote.coupons, self.chosen_id, id="cp-list")
        yield ShopFooter()

    def on_mount(self) -> None:
        self.query_one(CouponList).focus()

    @on(CouponList.OptionSelected)
    def _chosen(self, event: CouponList.OptionSelected) -> None:
        option_id = event.option.id
        self.dismiss([None if option_id == NO_COUPON else int(option_id or 0)])
