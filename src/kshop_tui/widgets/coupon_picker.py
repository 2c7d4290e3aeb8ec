"""The coupons of a checkout as a list to choose from: "no coupon", the usable ones (best
first, as the quote orders them) and, greyed and not selectable, the others with the
reason each cannot be used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kshop_tui.i18n import t
from kshop_tui.text import local_time, money_off

if TYPE_CHECKING:
    from kshop_tui.api.models import CouponOption

NO_COUPON = "none"


def coupon_label(coupon: CouponOption) -> Text:
    """`¥20 off over ¥199  -¥20.00  until 2026-12-23` (and why not, when unusable)."""
    text = Text(coupon.title, style="bold" if coupon.usable else "dim")
    if coupon.brand:
        text.append(" · " + t("coupon_pick.store_only", brand=coupon.brand), style="dim")
    if coupon.usable:
        text.append("  " + money_off(coupon.discount_fen), style="green")
    if coupon.expires_at:
        until = t("coupon_pick.until", date=local_time(coupon.expires_at, "%Y-%m-%d"))
        text.append("  " + until, style="dim")
    if not coupon.usable and coupon.reason:
        text.append("\n  " + coupon.reason, style="italic yellow")
    return text


class CouponList(OptionList):
    """Option ids: `NO_COUPON`, or a coupon's id as a string."""

    DEFAULT_CSS = """
    CouponList { height: auto; max-height: 16; }
    """

    def __init__(
        self, coupons: list[CouponOption], chosen_id: int | None, *, id: str | None = None
    ) -> None:
        options = [Option(_marked(Text(t("coupon_pick.none")), chosen_id is None), id=NO_COUPON)]
        usable = [c for c in coupons if c.usable]
        unusable = [c for c in coupons if not c.usable]
        for coupon in usable:
            options.append(
                Option(_marked(coupon_label(coupon), coupon.id == chosen_id), id=str(coupon.id))
            )
        if unusable:
            options.append(
                Option(Text(t("coupon_pick.unusable_heading"), style="dim"), disabled=True)
            )
        for coupon in unusable:
            label = _marked(coupon_label(coupon), False)
            options.append(Option(label, id=str(coupon.id), disabled=True))
        super().__init__(*options, id=id)
        self._chosen = NO_COUPON if chosen_id is None else str(chosen_id)

    def on_mount(self) -> None:
        for index, option in enumerate(self.options):
            if option.id == self._chosen:
                self.highlighted = index
                return


def _marked(label: Text, chosen: bool) -> Text:
    mark = Text("● " if chosen else "  ", style="bold green" if chosen else "")
    return mark + label
