"""Coupons (优惠券): mine by status (usable, used, expired), the claim centre, and the
daily check-in (签到) with its streak and the last seven days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static, TabbedContent, TabPane
from textual.widgets.data_table import ColumnKey

from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import local_time, money, money_off
from kshop_tui.widgets.paged_table import PagedTable
from kshop_tui.widgets.row_table import RowTable, tone

if TYPE_CHECKING:
    from kshop_tui.api.models import CheckInStatus, ClaimableCoupon, Coupon, CouponStatus

PAGE_SIZE = 20
TABS = ("cp-usable", "cp-used", "cp-expired", "cp-claim")
STATUS_OF_TAB: dict[str, CouponStatus] = {
    "cp-usable": "usable",
    "cp-used": "used",
    "cp-expired": "expired",
}
# Condition, discount and validity columns; the title takes what is left.
FIXED_WIDTH = 16 + 11 + 18 + 8


def condition(threshold_fen: int) -> str:
    if threshold_fen <= 0:
        return t("coupons.no_minimum")
    return t("coupons.over", amount=money(threshold_fen))


def coupon_title(kind: str, title: str) -> Text:
    """The title (which names the store for a store coupon) and what kind it is."""
    text = Text(title, no_wrap=True, overflow="ellipsis")
    tag_key = f"coupons.kind.{kind}"
    tag = t(tag_key)
    if tag != tag_key:
        text.append(f"  {tag}", style="dim")
    return text


class CouponsScreen(ShopScreen):
    CSS_PATH = "coupons.tcss"
    BINDINGS = [
        Binding("k", "check_in", "key.wl_check_in", id="coupons.check_in"),
        # A priority binding, so the footer shows it over the table's own enter.
        Binding("enter", "claim", "key.claim", priority=True, id="coupons.claim"),
        Binding("right_square_bracket", "tab(1)", "key.wl_next_tab", id="coupons.next_tab"),
        Binding("left_square_bracket", "tab(-1)", "key.wl_prev_tab", show=False, id="coupons.prev"),
    ]

    def __init__(self, *, check_in: bool = False, tab: str = "cp-usable") -> None:
        super().__init__()
        self.check_in_on_open = check_in
        self.initial_tab = tab if tab in TABS else "cp-usable"
        self.claimable: list[ClaimableCoupon] = []
        self.check_in_status: CheckInStatus | None = None

    def where(self) -> str:
        return t("coupons.title")

    def compose_body(self) -> ComposeResult:
        with Vertical(id="cp-body"):
            with Horizontal(id="cp-check-in") as panel:
                panel.border_title = t("coupons.check_in.title")
                yield Static(id="cp-check-in-text")
                yield Button(t("coupons.check_in.button"), id="cp-check-in-button", compact=True)
            with TabbedContent(id="cp-tabs", initial=self.initial_tab):
                for tab in TABS:
                    with TabPane(t(f"coupons.tab.{tab}"), id=tab):
                        yield self._table(tab)
                        yield Static(id=f"{tab}-status", classes="cp-status")

    def _table(self, tab: str) -> DataTable[Text]:
        """The claim centre's offers (one short list), or a paged list of my coupons."""
        if tab == "cp-claim":
            return RowTable(id=f"{tab}-table", cursor_type="row", zebra_stripes=True)
        status = STATUS_OF_TAB[tab]
        mine: PagedTable[Coupon] = PagedTable(
            lambda api, cursor: api.coupons(status, cursor=cursor, limit=PAGE_SIZE),
            lambda coupon: self._coupon_cells(coupon, tab),
            lambda coupon: coupon.id,
            id=f"{tab}-table",
            prefetch=3,
        )
        return mine

    def mine(self, tab: str) -> PagedTable[Coupon]:
        """The table of my coupons on a status tab."""
        return self.query_one(f"#{tab}-table", PagedTable)

    def on_mount(self) -> None:
        for tab in TABS:
            table = self.query_one(f"#{tab}-table", DataTable)
            table.add_column(Text(t("coupons.col.coupon")), key="title")
            table.add_column(Text(t("coupons.col.condition")), key="condition", width=16)
            table.add_column(Text(t("coupons.col.discount"), justify="right"), key="off", width=9)
            last = "coupons.col.claim" if tab == "cp-claim" else f"coupons.col.when.{tab}"
            table.add_column(Text(t(last)), key="when", width=18)
        self.load_check_in()
        self.load_tab(self.initial_tab)
        if self.check_in_on_open:
            self.check_in()

    def on_resize(self) -> None:
        for tab in TABS:
            table = self.query_one(f"#{tab}-table", DataTable)
            column = table.columns[ColumnKey("title")]
            column.width = max(14, self.size.width - FIXED_WIDTH)
            column.auto_width = False
            table.refresh()

    def _active_tab(self) -> str:
        return self.query_one("#cp-tabs", TabbedContent).active or "cp-usable"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "claim":
            return self.is_mounted and self.focused is self.query_one("#cp-claim-table")
        return True

    @on(TabbedContent.TabActivated, "#cp-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or "cp-usable"
        self.refresh_bindings()
        self.query_one(f"#{tab}-table", DataTable).focus()
        self.load_tab(tab)

    # --- check-in ------------------------------------------------------------------

    @work(exclusive=True, group="check-in-status")
    async def load_check_in(self) -> None:

        status = await self.shop.attempt(
            lambda api: api.check_in_status(),
            needs_login=True,
            on_refusal=lambda error: self._show_check_in_problem(error_words(error)),
            on_login_cancelled=self.app.pop_screen,
        )
        if status is None:
            return
        self.check_in_status = status
        self._show_check_in(status)

    def _show_check_in(self, status: CheckInStatus, problem: str = "") -> None:
        text = Text()
        text.append(t("coupons.check_in.streak", days=status.streak), style="bold")
        text.append("   " + t("coupons.check_in.week") + " ", style="dim")
        for day in status.recent_days:
            mark = "●" if day.checked_in else "○"
            style = tone(self.app, "success") if day.checked_in else "dim"
            text.append(f"{day.day[8:]}{mark} ", style=style)
        text.append("\n")
        if problem:
            text.append(problem, style=tone(self.app, "error"))
        elif status.checked_in_today:
            text.append("✓ " + t("coupons.check_in.done_today"), style=tone(self.app, "success"))
        else:
            text.append(t("coupons.check_in.not_yet"), style="dim")
        self.query_one("#cp-check-in-text", Static).update(text)
        button = self.query_one("#cp-check-in-button", Button)
        button.label = t(
            "coupons.check_in.button_done" if status.checked_in_today else "coupons.check_in.button"
        )
        self.refresh_bindings()

    def _show_check_in_problem(self, message: str) -> None:
        if self.check_in_status is not None:
            self._show_check_in(self.check_in_status, problem=message)
        else:
            line = Text(message, style=tone(self.app, "error"))
            self.query_one("#cp-check-in-text", Static).update(line)

    def action_check_in(self) -> None:
        self.check_in()

    @on(Button.Pressed, "#cp-check-in-button")
    def _check_in_pressed(self) -> None:
        self.check_in()

    @work(exclusive=True, group="check-in")
    async def check_in(self) -> None:
        """签到: a second one the same day is refused by the server, in its words."""
        from kshop_tui.api import errors

        def refused(error: errors.ApiError) -> None:
            words = error_words(error)
            self._show_check_in_problem(words)
            self.notify(words, severity="warning", markup=False)

        done = await self.shop.attempt(
            lambda api: api.check_in(), needs_login=True, on_refusal=refused
        )
        if done is None:
            return
        if done.coupon is not None:
            message = t("coupons.check_in.done_coupon", days=done.streak, coupon=done.coupon.title)
        else:
            message = t("coupons.check_in.done", days=done.streak)
        self.notify(message, markup=False)
        self.load_check_in()
        self.load_tab("cp-usable")

    # --- lists ---------------------------------------------------------------------

    def load_tab(self, tab: str) -> None:
        if tab == "cp-claim":
            self.load_claim_centre()
            return
        if not self.mine(tab).entries:
            self._tab_status(tab, t("browse.loading"), None)
        self.mine(tab).load()

    @on(PagedTable.Loaded)
    def _coupons_loaded(self, event: PagedTable.Loaded) -> None:
        tab = (event.table.id or "").removesuffix("-table")
        coupons = self.mine(tab).entries
        if not coupons:
            self._tab_status(tab, t(f"coupons.empty.{tab}"), None)
            return
        hint = t("coupons.use_hint") if tab == "cp-usable" else ""
        more = t("paged.more") if event.table.next_cursor else ""
        self._tab_status(tab, "  ".join(part for part in (hint, more) if part), None)

    @on(PagedTable.Failed)
    def _coupons_failed(self, event: PagedTable.Failed) -> None:
        if event.error is not None:
            tab = (event.table.id or "").removesuffix("-table")
            self._tab_status(tab, error_words(event.error), "error")

    @work(group="coupon-lists")
    async def load_claim_centre(self) -> None:

        table = self.query_one("#cp-claim-table", DataTable)
        if not table.row_count:
            self._tab_status("cp-claim", t("browse.loading"), None)
        claimable = await self.shop.attempt(
            lambda api: api.claimable_coupons(),
            needs_login=True,
            on_refusal=lambda error: self._tab_status("cp-claim", error_words(error), "error"),
        )
        if claimable is None:
            return
        keep = table.cursor_row
        table.clear()
        self.claimable = claimable
        for offer in claimable:
            table.add_row(*self._claim_cells(offer), key=str(offer.id))
        if not claimable:
            self._tab_status("cp-claim", t("coupons.empty.cp-claim"), None)
            return
        table.move_cursor(row=min(keep, len(claimable) - 1))
        hint = t("coupons.claim_hint") if any(not c.claimed for c in claimable) else ""
        self._tab_status("cp-claim", hint, None)

    def _coupon_cells(self, coupon: Coupon, tab: str) -> tuple[Text, Text, Text, Text]:
        faded = tab != "cp-usable"
        title = coupon_title(coupon.kind, coupon.title)
        if faded:
            title.stylize("dim")
        off = Text(money_off(coupon.discount_fen), justify="right")
        if not faded:
            off.stylize(tone(self.app, "warning") + Style(bold=True))
        if tab == "cp-used":
            when = (
                t("coupons.used_on_order", id=coupon.used_order_id)
                if coupon.used_order_id is not None
                else t("coupons.used")
            )
        else:
            when = t("coupons.until", date=local_time(coupon.expires_at, "%Y-%m-%d"))
        return title, Text(condition(coupon.threshold_fen)), off, Text(when, style="dim")

    def _claim_cells(self, offer: ClaimableCoupon) -> tuple[Text, Text, Text, Text]:
        title = coupon_title(offer.kind, offer.title)
        off = Text(money_off(offer.discount_fen), justify="right", style="bold")
        if offer.claimed:
            state = Text("✓ " + t("coupons.claimed"), style=tone(self.app, "success"))
            title.stylize("dim")
        else:
            state = Text(tn("coupons.valid_days", offer.valid_days), style="dim")
        return title, Text(condition(offer.threshold_fen)), off, state

    def _tab_status(self, tab: str, message: str, level: str | None) -> None:
        style = tone(self.app, "error") if level == "error" else "dim"
        self.query_one(f"#{tab}-status", Static).update(Text(message, style=style))

    # --- claiming ------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#cp-tabs", TabbedContent)
        tabs.active = TABS[(TABS.index(self._active_tab()) + step) % len(TABS)]

    def action_claim(self) -> None:
        table = self.query_one("#cp-claim-table", DataTable)
        row = table.cursor_row
        if self._active_tab() == "cp-claim" and 0 <= row < len(self.claimable):
            offer = self.claimable[row]
            if offer.claimed:
                self._tab_status("cp-claim", t("coupons.already_have", title=offer.title), None)
                return
            self.claim(offer)

    @work(exclusive=True, group="claim")
    async def claim(self, offer: ClaimableCoupon) -> None:

        self._tab_status("cp-claim", t("coupons.claiming", title=offer.title), None)
        coupon = await self.shop.attempt(
            lambda api: api.claim_coupon(offer.id),
            needs_login=True,
            on_refusal=lambda error: self._tab_status("cp-claim", error_words(error), "error"),
        )
        if coupon is None:
            return
        self.notify(t("coupons.claimed_now", title=coupon.title), markup=False)
        self.load_tab("cp-claim")
        self.load_tab("cp-usable")
