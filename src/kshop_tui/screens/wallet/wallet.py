"""The wallet (钱包): balance and red packets with their history, top-up, bank cards, and
先用后付 (pay later) — what it is, what still blocks it (with the way there), its limit
and its bills. Its rules are `kshop_tui.shop.flows.wallet`'s.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Static, TabbedContent, TabPane
from textual.widgets.data_table import ColumnKey

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.screens.wallet.bank_card import AddCardModal
from kshop_tui.screens.wallet.labels import account_name, bnpl_status, card_label, history_cells
from kshop_tui.screens.wallet.top_up import TopUpModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows import wallet as wallet_flow
from kshop_tui.text import local_time, money
from kshop_tui.widgets.row_table import RowTable, Tone, tone

if TYPE_CHECKING:
    from kshop_tui.api.models import BankCard, TopUp, Transaction, Wallet, WalletAccount

TABS = ("tab-history", "tab-cards", "tab-bnpl")
TAB_NAMES: dict[str, wallet_flow.WalletTab] = {
    "tab-history": "history",
    "tab-cards": "cards",
    "tab-bnpl": "bnpl",
}
# The fixed columns of the history, each cell's padding, the body's padding and the
# scrollbar; the note takes what is left.
HISTORY_FIXED_WIDTH = 11 + 20 + 13 + 2 * 4 + 2 + 2


class WalletScreen(ShopScreen):
    CSS_PATH = "wallet.tcss"
    BINDINGS = [
        Binding("t", "top_up", "key.wl_top_up", id="wallet.top_up"),
        Binding("a", "add_card", "key.wl_add_card", id="wallet.add_card"),
        Binding("d,delete", "remove_card", "key.wl_remove_card", id="wallet.remove_card"),
        Binding("e", "enable_bnpl", "key.wl_enable_bnpl", id="wallet.enable_bnpl"),
        Binding("v", "verify", "key.wl_verify", id="wallet.verify"),
        Binding("l", "bills", "key.wl_bills", id="wallet.bills"),
        Binding("f", "filter_history", "key.wl_filter", id="wallet.filter"),
        Binding("right_square_bracket", "tab(1)", "key.wl_next_tab", id="wallet.next_tab"),
        Binding("left_square_bracket", "tab(-1)", "key.wl_prev_tab", show=False, id="wallet.prev"),
        Binding("u", "coupons", "key.wl_coupons", show=False, id="wallet.coupons"),
        Binding("s", "account", "key.wl_account", show=False, id="wallet.account"),
    ]

    def __init__(self, tab: str = "tab-history") -> None:
        super().__init__()
        self.initial_tab = tab if tab in TABS else "tab-history"
        self.wallet: Wallet | None = None
        self.transactions: list[Transaction] = []
        self.history_cursor: str | None = None
        self.history_filter: WalletAccount | None = None
        self._history_loading = False

    def where(self) -> str:
        return t("wallet.title")

    # --- building ------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Vertical(id="wl-body"):
            with Horizontal(id="wl-summary"):
                yield Static(id="wl-balance", classes="wl-figure")
                yield Static(id="wl-red-packets", classes="wl-figure")
                yield Static(id="wl-bnpl-figure", classes="wl-figure")
            with TabbedContent(id="wl-tabs", initial=self.initial_tab):
                with TabPane(t("wallet.tab.history"), id="tab-history"):
                    yield Static(id="wl-history-filter", classes="wl-line")
                    yield RowTable(id="wl-history", cursor_type="row", zebra_stripes=True)
                    yield Static(id="wl-history-status", classes="wl-line")
                with TabPane(t("wallet.tab.cards"), id="tab-cards"):
                    yield RowTable(id="wl-cards", cursor_type="row")
                    yield Static(id="wl-cards-status", classes="wl-line")
                with (
                    TabPane(t("wallet.tab.bnpl"), id="tab-bnpl"),
                    VerticalScroll(id="wl-bnpl"),
                ):
                    yield Static(t("wallet.bnpl.about"), id="wl-bnpl-about", markup=False)
                    yield Static(id="wl-bnpl-status")
                    yield Static(id="wl-bnpl-message", classes="wl-line")
                    with Horizontal(id="wl-bnpl-actions"):
                        yield Button(
                            t("wallet.bnpl.enable"), id="wl-enable", variant="primary", compact=True
                        )
                        yield Button(t("wallet.bnpl.verify"), id="wl-verify", compact=True)
                        yield Button(t("wallet.bnpl.add_card"), id="wl-bnpl-add-card", compact=True)
                        yield Button(t("wallet.bnpl.bills"), id="wl-open-bills", compact=True)

    def on_mount(self) -> None:
        history = self.query_one("#wl-history", DataTable)
        history.add_column(Text(t("wallet.col.time")), key="time", width=11)
        history.add_column(Text(t("wallet.col.what")), key="what", width=20)
        history.add_column(Text(t("wallet.col.note")), key="note")
        history.add_column(Text(t("wallet.col.amount"), justify="right"), key="amount", width=13)
        cards = self.query_one("#wl-cards", DataTable)
        cards.add_column(Text(t("wallet.col.card")), key="card", width=10)
        cards.add_column(Text(t("wallet.col.bank")), key="bank", width=26)
        cards.add_column(Text(t("wallet.col.holder")), key="holder", width=14)
        cards.add_column(Text(t("wallet.col.added")), key="added", width=12)
        self._show_filter()
        self._focus_tab(self.initial_tab)
        self.load()
        self.load_history(reset=True)

    def on_resize(self) -> None:
        self._fit_history()

    def _fit_history(self) -> None:
        table = self.query_one("#wl-history", DataTable)
        note = table.columns[ColumnKey("note")]
        note.width = max(10, self.size.width - HISTORY_FIXED_WIDTH)
        note.auto_width = False
        table.refresh()

    def _focus_tab(self, tab: str) -> None:
        target = {"tab-history": "#wl-history", "tab-cards": "#wl-cards"}.get(tab)
        if target is not None:
            self.query_one(target).focus()
        else:
            for button in self.query("#wl-bnpl-actions Button").results(Button):
                if button.display:
                    button.focus()
                    return

    @on(TabbedContent.TabActivated, "#wl-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        self._focus_tab(event.pane.id or "")

    def _active_tab(self) -> str:
        return self.query_one("#wl-tabs", TabbedContent).active or "tab-history"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each tab's own keys; pay-later keys follow its state."""
        tab = self._active_tab() if self.is_mounted else self.initial_tab
        bnpl = self.wallet.bnpl if self.wallet is not None else None
        return wallet_flow.wallet_key_works(action, TAB_NAMES[tab], bnpl)

    # --- loading and drawing -------------------------------------------------------

    def reload_after_outage(self) -> None:
        self.load()

    @work(exclusive=True, group="wallet")
    async def load(self) -> None:
        """The balances, the pay-later status and the cards."""
        from kshop_tui.api import errors

        def refused(error: errors.ApiError) -> None:
            words = error_words(error)
            self._say("wl-cards-status", words, "error")
            self.query_one("#wl-balance", Static).update(Text(words, style="bold"))

        wallet = await self.shop.attempt(
            lambda api: api.wallet(),
            needs_login=True,
            on_refusal=refused,
            on_login_cancelled=self.app.pop_screen,
        )
        if wallet is None:
            return
        self.show_wallet(wallet)

    def show_wallet(self, wallet: Wallet) -> None:
        self.wallet = wallet
        self._figure("wl-balance", t("wallet.balance"), money(wallet.balance_fen))
        self._figure("wl-red-packets", t("wallet.red_packets"), money(wallet.red_packet_fen))
        bnpl = wallet.bnpl
        if bnpl.enabled:
            self._figure(
                "wl-bnpl-figure",
                t("wallet.bnpl.short"),
                t("wallet.bnpl.available_short", amount=money(bnpl.available_fen)),
            )
        else:
            self._figure("wl-bnpl-figure", t("wallet.bnpl.short"), t("wallet.bnpl.off_short"))
        self._fill_cards(wallet.bank_cards)
        self._show_bnpl(wallet)
        self.refresh_bindings()

    def _figure(self, widget_id: str, label: str, value: str) -> None:
        figure = self.query_one(f"#{widget_id}", Static)
        figure.border_title = label
        figure.update(Text(value, style="bold"))

    def _fill_cards(self, cards: list[BankCard]) -> None:
        table = self.query_one("#wl-cards", DataTable)
        keep = table.cursor_row
        table.clear()
        for card in cards:
            table.add_row(
                Text(f"•••• {card.last4}", style="bold"),
                Text(card.bank, no_wrap=True, overflow="ellipsis"),
                Text(card.holder_name, no_wrap=True, overflow="ellipsis"),
                Text(local_time(card.created_at, "%Y-%m-%d")),
                key=str(card.id),
            )
        if cards:
            table.move_cursor(row=min(keep, len(cards) - 1))
            self._say("wl-cards-status", t("wallet.cards.hint"), None)
        else:
            self._say("wl-cards-status", t("wallet.cards.none"), None)

    def _show_bnpl(self, wallet: Wallet) -> None:
        bnpl = wallet.bnpl
        self.query_one("#wl-bnpl-status", Static).update(bnpl_status(bnpl, self.app))
        self.query_one("#wl-enable").display = not bnpl.enabled
        self.query_one("#wl-verify").display = "real_name" in bnpl.missing and not bnpl.enabled
        self.query_one("#wl-bnpl-add-card").display = (
            "bank_card" in bnpl.missing and not bnpl.enabled
        )
        self.query_one("#wl-open-bills").display = bnpl.enabled

    def _say(self, widget_id: str, message: str, level: Tone | None) -> None:
        line = self.query_one(f"#{widget_id}", Static)
        line.update(Text(message, style=tone(self.app, level) if level else "dim"))

    def _show_filter(self) -> None:
        account = self.history_filter
        shown = t("wallet.filter.all") if account is None else account_name(account)
        line = Text(t("wallet.filter.label") + " ", style="dim")
        line.append(shown, style="bold")
        line.append("   " + t("wallet.filter.hint"), style="dim")
        self.query_one("#wl-history-filter", Static).update(line)

    @work(exclusive=True, group="history")
    async def load_history(self, reset: bool = False) -> None:
        """A page of the history: the first one (reset) or the next after the cursor."""

        if not reset and self.history_cursor is None:
            return
        account = self.history_filter
        cursor = None if reset else self.history_cursor
        self._history_loading = True
        self._say("wl-history-status", t("wallet.history.loading"), None)
        try:
            page = await self.shop.attempt(
                lambda api: api.wallet_transactions(account, cursor, wallet_flow.HISTORY_PAGE),
                needs_login=True,
                on_refusal=lambda error: self._say(
                    "wl-history-status", error_words(error), "error"
                ),
            )
        finally:
            self._history_loading = False
        if page is None:
            return
        if account != self.history_filter:
            return
        table = self.query_one("#wl-history", DataTable)
        if reset:
            self.transactions = []
            table.clear()
            self._fit_history()
        self.transactions.extend(page.items)
        self.history_cursor = page.next_cursor
        now = self.shop.clock.now()
        for item in page.items:
            table.add_row(*history_cells(item, self.app, now), key=str(item.id))
        if not self.transactions:
            self._say("wl-history-status", t("wallet.history.empty"), None)
        elif page.next_cursor:
            self._say("wl-history-status", t("wallet.history.more"), None)
        else:
            count = len(self.transactions)
            self._say("wl-history-status", t("wallet.history.all", count=count), None)

    @on(DataTable.RowHighlighted, "#wl-history")
    def _history_moved(self, event: DataTable.RowHighlighted) -> None:
        if wallet_flow.wants_next_page(
            event.cursor_row,
            len(self.transactions),
            more=bool(self.history_cursor),
            loading=self._history_loading,
        ):
            self.load_history()

    # --- actions -------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#wl-tabs", TabbedContent)
        tabs.active = TABS[(TABS.index(self._active_tab()) + step) % len(TABS)]

    def action_filter_history(self) -> None:
        self.history_filter = wallet_flow.next_history_filter(self.history_filter)
        self._show_filter()
        self.load_history(reset=True)

    # Dialogs are opened with a callback rather than awaited in a worker: the screen
    # stays free, and the work that follows a dialog runs in a worker of its own.

    def action_top_up(self) -> None:
        cards = self.wallet.bank_cards if self.wallet is not None else []
        self.app.push_screen(TopUpModal(cards), self._topped_up)

    def _topped_up(self, result: TopUp | None) -> None:
        if result is not None:
            self.load()
            self.load_history(reset=True)

    def action_add_card(self) -> None:
        self.app.push_screen(AddCardModal(), self._reload)

    def action_remove_card(self) -> None:
        table = self.query_one("#wl-cards", DataTable)
        if self.wallet is None or not self.wallet.bank_cards:
            return
        row = table.cursor_row
        if not 0 <= row < len(self.wallet.bank_cards):
            return
        card = self.wallet.bank_cards[row]
        question = t("wallet.cards.remove_question", card=card_label(card))
        self.app.push_screen(
            ConfirmDialog(question, confirm_label=t("wallet.cards.remove"), danger=True),
            partial(self._remove_confirmed, card),
        )

    def _remove_confirmed(self, card: BankCard, confirmed: bool | None) -> None:
        if confirmed:
            self.remove_card(card)

    @work(group="remove-card")
    async def remove_card(self, card: BankCard) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(lambda api: api.remove_bank_card(card.id), needs_login=True)
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self._say("wl-cards-status", error_words(error), "error")
            self.shop.show_error(error)
            return
        self.notify(t("wallet.cards.removed", card=card_label(card)), markup=False)
        self.load()

    def action_enable_bnpl(self) -> None:
        self.enable_bnpl()

    @work(exclusive=True, group="bnpl-enable")
    async def enable_bnpl(self) -> None:
        """Turns pay-later on. What is still missing (real name, then a card) is asked
        for first, each on its own screen; once that screen is done, this runs again.
        Last comes the agreement (`turn_on_bnpl` once it is accepted)."""
        from kshop_tui.api import errors

        try:
            wallet = await self.shop.run_api(lambda api: api.wallet(), needs_login=True)
            self.show_wallet(wallet)
            step = wallet_flow.next_bnpl_step(wallet.bnpl)
            if step is not None:
                self._say("wl-bnpl-message", t(f"wallet.bnpl.need_first.{step}"), "warning")
                if step == "real_name":
                    self.open("real_name", callback=self._step_done)
                else:
                    self.app.push_screen(AddCardModal(), self._step_done)
                return
            # docs/api.md §7.5: the agreement is shown, and accepted, once — when turning
            # pay-later on; it stays on after that.
            self.app.push_screen(
                ConfirmDialog(t("wallet.bnpl.terms"), confirm_label=t("wallet.bnpl.accept")),
                self._terms_answered,
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self._say("wl-bnpl-message", error_words(error), "error")

    def _terms_answered(self, accepted: bool | None) -> None:
        if accepted:
            self.turn_on_bnpl()
        else:
            self._say("wl-bnpl-message", t("wallet.bnpl.terms_declined"), "warning")

    @work(exclusive=True, group="bnpl-enable")
    async def turn_on_bnpl(self) -> None:
        """Turns pay-later on, its agreement accepted."""
        from kshop_tui.api import errors

        try:
            wallet = await self.shop.run_api(
                lambda api: api.enable_bnpl(accept_terms=True), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self._say("wl-bnpl-message", error_words(error), "error")
            return
        self.show_wallet(wallet)
        message = t("wallet.bnpl.enabled_now", amount=money(wallet.bnpl.limit_fen))
        self._say("wl-bnpl-message", message, "success")
        self.notify(message)

    def _step_done(self, result: object) -> None:
        """A step towards pay-later ended: on to the next one, or stop where the user did."""
        if result:
            self.enable_bnpl()
        else:
            self._say("wl-bnpl-message", "", None)
            self.load()

    def action_verify(self) -> None:
        self.open("real_name", callback=self._reload)

    def _reload(self, result: object) -> None:
        if result is not None:
            self.load()

    def action_bills(self) -> None:
        self.open("bnpl", callback=self._reload)

    def action_coupons(self) -> None:
        self.open("coupons")

    def action_account(self) -> None:
        self.open("account", callback=self._reload)

    @on(Button.Pressed, "#wl-enable")
    def _enable_pressed(self) -> None:
        self.enable_bnpl()

    @on(Button.Pressed, "#wl-verify")
    def _verify_pressed(self) -> None:
        self.action_verify()

    @on(Button.Pressed, "#wl-bnpl-add-card")
    def _add_card_pressed(self) -> None:
        self.action_add_card()

    @on(Button.Pressed, "#wl-open-bills")
    def _bills_pressed(self) -> None:
        self.action_bills()
