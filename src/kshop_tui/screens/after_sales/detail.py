"""One after-sale: where it stands (docs/api.md §3), its timeline with the merchant's and the
platform's words, the merchant's 24 h deadline while it waits, and the user's next move:
send the goods back (carrier + number, or a courier pickup), follow the return parcel,
cancel, modify and resubmit or appeal after a rejection (and what the platform made of
the appeal), where the refund went; for an exchange, follow the replacement's parcel and
confirm it arrived."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Button, Input, Select, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.after_sales import detail_words as words
from kshop_tui.screens.after_sales.detail_layout import compose_detail
from kshop_tui.screens.confirm import ConfirmModal
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.after_sale import (
    APPEAL_MIN,
    Move,
    Moves,
    appeal_outcome,
    appeal_problem,
    deadline_left,
    move_refusal,
    others_to_move,
    tracking_number,
    tracking_problem,
)
from kshop_tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import AfterSale

RELOAD_SECONDS = 5.0
# The screen's actions → the move of the after-sale each needs.
ACTION_MOVES: dict[str, Move] = {
    "focus_ship": "ship",
    "focus_pickup": "pickup",
    "cancel_request": "cancel",
    "modify": "modify",
    "focus_appeal": "appeal",
    "track": "track",
    "confirm_replacement": "confirm",
    "track_replacement": "track_replacement",
}
# One key (t) follows whichever parcel there is.
PARCEL_MOVES: frozenset[Move] = frozenset({"track", "track_replacement"})
# The backend's field names → the hint under the field that shows their refusal.
FIELD_HINTS = {
    "tracking_no": "tracking-hint",
    "carrier": "tracking-hint",
    "reason": "appeal-hint",
    "pickup.slot": "pickup-hint",
    "pickup.address_id": "pickup-hint",
}


class AfterSaleDetailScreen(ShopScreen):
    CSS_PATH = "detail.tcss"
    BINDINGS = [
        Binding("r", "reload", "as.key.refresh", id="after_sale_detail.refresh"),
        Binding("s", "focus_ship", "as.key.ship", id="after_sale_detail.ship"),
        Binding("k", "focus_pickup", "as.key.pickup", id="after_sale_detail.pickup"),
        Binding("x", "cancel_request", "as.key.cancel_request", id="after_sale_detail.cancel"),
        Binding("m", "modify", "as.key.modify", id="after_sale_detail.modify"),
        Binding("a", "focus_appeal", "as.key.appeal", id="after_sale_detail.appeal"),
        Binding("t", "track", "as.key.track", id="after_sale_detail.track"),
        Binding(
            "y",
            "confirm_replacement",
            "as.key.confirm_replacement",
            id="after_sale_detail.confirm_replacement",
        ),
        Binding(
            "t",
            "track_replacement",
            "as.key.track_replacement",
            id="after_sale_detail.track_replacement",
        ),
    ]

    def __init__(self, after_sale_id: int) -> None:
        super().__init__()
        self.after_sale_id = after_sale_id
        self.after_sale: AfterSale | None = None
        self._countdown: Timer | None = None
        self._options_loaded = False

    def where(self) -> str:
        return t("as.detail.where_loading", id=self.after_sale_id)

    # --- building ------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield from compose_detail()

    def on_mount(self) -> None:
        for panel in (
            "#return-box",
            "#appeal-box",
            "#cancel-row",
            "#parcel-box",
            "#confirm-row",
            "#appeal-outcome",
            "#replacement-note",
        ):
            self.query_one(panel).display = False
        self.query_one("#detail-status", Static).update(Text(t("as.loading"), style="dim"))
        self.load()
        self.set_interval(RELOAD_SECONDS, self._reload_while_others_act)

    def _reload_while_others_act(self) -> None:
        """While the merchant, a courier or the platform has the next move, show it when
        it happens."""
        after_sale = self.after_sale
        if self.is_current and after_sale is not None and others_to_move(after_sale):
            self.load()

    def on_screen_resume(self) -> None:
        if self.after_sale is not None:
            self.load()

    # --- loading and drawing -------------------------------------------------------

    @work(exclusive=True, group="as-detail")
    async def load(self) -> None:

        def refused(error: errors.ApiError) -> None:
            status = self.query_one("#detail-status", Static)
            status.update(Text(error_words(error), style="bold red"))

        asked_about = self.after_sale
        after_sale = await self.shop.attempt(
            lambda api: api.after_sale(self.after_sale_id),
            needs_login=True,
            on_refusal=refused,
            on_login_cancelled=self.action_back,
        )
        # A move's answer shown meanwhile is newer than this read, which may have been
        # made before the move was written (back from its confirm dialog, say).
        if after_sale is None or self.after_sale is not asked_about:
            return
        self.show(after_sale)
        if Moves.of(after_sale).sending_back and not self._options_loaded:
            await self._load_return_options(after_sale.id)
        await self._load_parcel_of(after_sale)

    async def _load_parcel_of(self, after_sale: AfterSale) -> None:
        """The replacement's parcel once there is one, else the return's."""
        if after_sale.replacement is not None:
            await self._load_parcel(after_sale.replacement.tracking_no, replacement=True)
        elif after_sale.return_tracking_no:
            await self._load_parcel(after_sale.return_tracking_no)

    def show(self, after_sale: AfterSale) -> None:
        self.after_sale = after_sale
        self.set_where(t("as.detail.where", id=after_sale.id, order_no=after_sale.order_no))
        self.query_one("#detail-status", Static).update(words.status_line(after_sale))
        self.query_one("#detail-summary", Static).update(words.summary(after_sale))
        note = self.query_one("#refund-note", Static)
        note.display = after_sale.status == "refunded"
        if note.display:
            note.update(words.refund_note(after_sale))
        outcome = appeal_outcome(after_sale)
        outcome_line = self.query_one("#appeal-outcome", Static)
        outcome_line.display = outcome is not None
        if outcome is not None:
            outcome_line.update(words.appeal_outcome_words(outcome))
        replacement = self.query_one("#replacement-note", Static)
        replacement.display = after_sale.status == "reshipped"
        if replacement.display:
            replacement.update(words.replacement_note(after_sale))
        self._show_moves(after_sale)
        self._start_countdown(after_sale)
        self.query_one("#after-sale-timeline", Timeline).entries = words.timeline(
            after_sale, self.shop.clock.now()
        )
        self.refresh_bindings()

    def _show_moves(self, after_sale: AfterSale) -> None:
        moves = Moves.of(after_sale)
        self.query_one("#return-box").display = moves.sending_back
        if moves.sending_back:
            self.query_one("#return-address", Static).update(words.return_address(after_sale))
        self.query_one("#appeal-box").display = moves.after_rejection
        if moves.after_rejection:
            self.query_one("#rejection", Static).update(words.rejection(after_sale))
            self.query_one("#modify").display = "modify" in moves
        self.query_one("#cancel-row").display = "cancel" in moves
        self.query_one("#confirm-row").display = "confirm" in moves

    def _start_countdown(self, after_sale: AfterSale) -> None:
        if self._countdown is not None:
            self._countdown.stop()
            self._countdown = None
        deadline = self.query_one("#deadline", Static)
        deadline.display = after_sale.deadline_at is not None
        if after_sale.deadline_at is not None:
            self._tick()
            self._countdown = self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        after_sale = self.after_sale
        left = None if after_sale is None else deadline_left(after_sale, self.shop.clock)
        if after_sale is not None and left is not None:
            self.query_one("#deadline", Static).update(words.deadline_words(after_sale, left))

    async def _load_return_options(self, after_sale_id: int) -> None:
        async def fetch(api: KshopClient) -> tuple[Any, Any, Any]:
            return (
                await api.carriers(),
                await api.addresses(),
                await api.pickup_slots(after_sale_id),
            )

        try:
            carriers, addresses, slots = await self.shop.run_api(fetch, needs_login=True)
        except errors.ApiError as error:
            self._hint("pickup-hint", error.message, error=True)
            return
        self._options_loaded = True
        carrier = self.query_one("#carrier", Select)
        carrier.set_options([(Text(c.name), c.code) for c in carriers])
        if carriers:
            carrier.value = carriers[0].code
        address_select = self.query_one("#pickup-address", Select)
        address_select.set_options(
            [
                (words.one_line_text(f"{a.name} {a.phone_masked} {a.one_line()}"), a.id)
                for a in addresses
            ]
        )
        default = next((a.id for a in addresses if a.is_default), None)
        if default is not None:
            address_select.value = default
        slot_select = self.query_one("#pickup-slot", Select)
        slot_select.set_options([(Text(slot), slot) for slot in slots])
        if not slots:
            self._hint("pickup-hint", t("as.pickup.no_slots"))

    async def _load_parcel(self, tracking_no: str, *, replacement: bool = False) -> None:
        self.query_one("#parcel-box").display = True
        title = self.query_one("#parcel-title", Static)
        parcel = self.query_one("#parcel-timeline", Timeline)
        try:
            tracking = await self.shop.run_api(lambda api: api.track_parcel(tracking_no))
        except errors.ApiError as error:
            title.update(Text(t("as.parcel.title_plain", number=tracking_no)))
            parcel.empty_text = error.message
            parcel.refresh(layout=True)
            return
        title.update(words.parcel_title(tracking, replacement=replacement))
        parcel.entries = words.parcel_timeline(tracking, self.shop.clock.now())

    # --- actions -------------------------------------------------------------------

    def _may(self, move: Move) -> bool:
        return self.after_sale is not None and move in Moves.of(self.after_sale)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        move = ACTION_MOVES.get(action)
        return True if move is None else self._may(move)

    def refusal(self, action: str) -> str | None:
        move = ACTION_MOVES.get(action)
        if move is None:
            return None
        after_sale = self.after_sale
        if after_sale is None:
            return t("as.loading")
        moves = Moves.of(after_sale)
        if move in moves:
            return None
        # t follows the return parcel or the replacement: only one of them at a time.
        if move in PARCEL_MOVES and PARCEL_MOVES & moves.offered:
            return None
        return move_refusal(move, after_sale)

    def action_reload(self) -> None:
        self.load()

    def action_focus_ship(self) -> None:
        self.query_one("#tracking-no", Input).focus()

    def action_focus_pickup(self) -> None:
        self.query_one("#pickup-address", Select).focus()

    def action_focus_appeal(self) -> None:
        self.query_one("#appeal-reason", Input).focus()

    def action_track(self) -> None:
        if self.after_sale is not None and self.after_sale.return_tracking_no:
            self.track(self.after_sale.return_tracking_no)

    @work(exclusive=True, group="as-track")
    async def track(self, tracking_no: str, replacement: bool = False) -> None:
        await self._load_parcel(tracking_no, replacement=replacement)

    def action_track_replacement(self) -> None:
        if self.after_sale is not None and self.after_sale.replacement is not None:
            self.track(self.after_sale.replacement.tracking_no, replacement=True)

    def action_confirm_replacement(self) -> None:
        if self._may("confirm"):
            self.confirm_replacement()

    @on(Button.Pressed, "#confirm-replacement")
    def _confirm_pressed(self) -> None:
        self.action_confirm_replacement()

    @work(exclusive=True, group="as-action")
    async def confirm_replacement(self) -> None:
        confirmed = await self.app.push_screen_wait(
            ConfirmModal(t("as.confirm_replacement.question"), t("as.confirm_replacement.yes"))
        )
        if confirmed:
            await self._act(lambda api: api.confirm_replacement(self.after_sale_id), "action-error")

    def action_modify(self) -> None:
        after_sale = self.after_sale
        if after_sale is not None and self._may("modify"):
            self.open("after_sale", after_sale.order_id, resubmit=after_sale)

    @on(Button.Pressed, "#modify")
    def _modify_pressed(self) -> None:
        self.action_modify()

    def action_cancel_request(self) -> None:
        if self._may("cancel"):
            self.cancel_request()

    @on(Button.Pressed, "#cancel-request")
    def _cancel_pressed(self) -> None:
        self.action_cancel_request()

    @work(exclusive=True, group="as-action")
    async def cancel_request(self) -> None:
        confirmed = await self.app.push_screen_wait(
            ConfirmModal(t("as.cancel.question"), t("as.cancel.yes"))
        )
        if confirmed:
            await self._act(lambda api: api.cancel_after_sale(self.after_sale_id), "action-error")

    @on(Input.Submitted, "#tracking-no")
    @on(Button.Pressed, "#ship-send")
    def _ship_pressed(self) -> None:
        carrier = self.query_one("#carrier", Select).value
        number = tracking_number(self.query_one("#tracking-no", Input).value)
        if not isinstance(carrier, str):
            self._hint("tracking-hint", t("as.ship.choose_carrier"), error=True)
            return
        problem = tracking_problem(carrier, number)
        if problem is not None:
            shape = t(f"as.tracking.shape.{carrier}")
            self._hint("tracking-hint", t(f"as.tracking.{problem}", shape=shape), error=True)
            self.query_one("#tracking-no", Input).focus()
            return
        self._hint("tracking-hint", "")
        self.ship(carrier, number)

    @work(exclusive=True, group="as-action")
    async def ship(self, carrier: str, number: str) -> None:
        await self._act(
            lambda api: api.ship_return(self.after_sale_id, carrier, number), "tracking-hint"
        )

    @on(Button.Pressed, "#pickup-book")
    def _pickup_pressed(self) -> None:
        address = self.query_one("#pickup-address", Select).value
        slot = self.query_one("#pickup-slot", Select).value
        if not isinstance(address, int):
            self._hint("pickup-hint", t("as.pickup.choose_address"), error=True)
            return
        if not isinstance(slot, str):
            self._hint("pickup-hint", t("as.pickup.choose_slot"), error=True)
            return
        self._hint("pickup-hint", "")
        self.book(address, slot)

    @work(exclusive=True, group="as-action")
    async def book(self, address_id: int, slot: str) -> None:
        await self._act(
            lambda api: api.book_pickup(self.after_sale_id, address_id, slot), "pickup-hint"
        )

    @on(Input.Submitted, "#appeal-reason")
    @on(Button.Pressed, "#appeal-send")
    def _appeal_pressed(self) -> None:
        reason = self.query_one("#appeal-reason", Input).value.strip()
        problem = appeal_problem(reason)
        if problem is not None:
            self._hint("appeal-hint", t(f"as.appeal.{problem}", min=APPEAL_MIN), error=True)
            self.query_one("#appeal-reason", Input).focus()
            return
        self._hint("appeal-hint", "")
        self.appeal(reason)

    @work(exclusive=True, group="as-action")
    async def appeal(self, reason: str) -> None:
        await self._act(
            lambda api: api.appeal_after_sale(self.after_sale_id, reason), "appeal-hint"
        )

    async def _act(self, request: Callable[[KshopClient], Any], hint_id: str) -> None:
        """Runs one move; its refusal goes next to the field it concerns (or `hint_id`)."""
        self._hint("action-error", "")
        after_sale = await self.shop.attempt(
            request, needs_login=True, on_refusal=lambda error: self._show_refusal(error, hint_id)
        )
        if after_sale is None:
            return
        self.show(after_sale)
        await self._load_parcel_of(after_sale)

    def _show_refusal(self, error: ApiError, hint_id: str) -> None:
        if isinstance(error, errors.BackendUnreachable):
            self._hint(hint_id, t("backend.unreachable"), error=True)
            return
        if isinstance(error, errors.ValidationFailed) and error.fields:
            for name, message in error.fields.items():
                self._hint(FIELD_HINTS.get(name, hint_id), message, error=True)
            return
        self._hint(hint_id, error.message, error=True)
        if isinstance(error, errors.Conflict):
            self.load()

    def _hint(self, hint_id: str, message: str, *, error: bool = False) -> None:
        hint = self.query_one(f"#{hint_id}", Static)
        hint.update(Text(message))
        hint.set_class(error, "-error")
