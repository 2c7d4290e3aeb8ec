"""One after-sale: where it stands (docs/api.md §3), its timeline with the merchant's and the
platform's words, the merchant's 24 h deadline while it waits, and the user's next move:
send the goods back (carrier + number, or a courier pickup), follow the return parcel,
cancel, modify and resubmit or appeal after a rejection, and where the refund went."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.text import local_time, money, parse_time
from kshop_tui.widgets.confirm import ConfirmModal
from kshop_tui.widgets.status_badge import after_sale_status_name, time_left
from kshop_tui.widgets.timeline import Timeline, TimelineEntry, Tone

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import AfterSale, Tracking


# The shapes the server accepts (fake_backend.services.logistics.CARRIERS).
TRACKING_SHAPES = {
    "SF": re.compile(r"SF\d{13}", re.ASCII),
    "ZTO": re.compile(r"75\d{12}", re.ASCII),
    "YTO": re.compile(r"YT\d{13}", re.ASCII),
    "JD": re.compile(r"JDVA\d{11}", re.ASCII),
    "EMS": re.compile(r"[A-Z]{2}\d{9}CN", re.ASCII),
    "YD": re.compile(r"43\d{11}", re.ASCII),
}
APPEAL_MIN, APPEAL_MAX = 5, 500
SELECT_WIDTH = 32
RELOAD_SECONDS = 5.0
WAITING_STATES = {"requested", "approved", "return_shipped", "received", "appealed"}
PROBLEM_STATES = {"rejected", "closed", "cancelled"}


def tracking_problem(carrier: str, number: str) -> str | None:
    """What is wrong with a return tracking number (translated), or None."""
    if not number:
        return t("as.tracking.required")
    shape = TRACKING_SHAPES.get(carrier)
    if shape is not None and shape.fullmatch(number) is None:
        return t("as.tracking.bad_shape", shape=t(f"as.tracking.shape.{carrier}"))
    return None


class AfterSaleDetailScreen(ShopScreen):
    CSS_PATH = "after_sale_detail.tcss"
    BINDINGS = [
        Binding("r", "reload", "as.key.refresh", id="after_sale_detail.refresh"),
        Binding("s", "focus_ship", "as.key.ship", id="after_sale_detail.ship"),
        Binding("k", "focus_pickup", "as.key.pickup", id="after_sale_detail.pickup"),
        Binding("x", "cancel_request", "as.key.cancel_request", id="after_sale_detail.cancel"),
        Binding("m", "modify", "as.key.modify", id="after_sale_detail.modify"),
        Binding("a", "focus_appeal", "as.key.appeal", id="after_sale_detail.appeal"),
        Binding("t", "track", "as.key.track", id="after_sale_detail.track"),
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
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-status", markup=False)
            yield Static(id="detail-summary", markup=False)
            yield Static(id="deadline", markup=False)
            yield Static(id="refund-note", markup=False)
            with Vertical(id="return-box", classes="panel"):
                yield Static(id="return-address", markup=False)
                with Horizontal(classes="row"):
                    yield Label(t("as.ship.carrier"), classes="field-label")
                    yield Select[str](
                        [], id="carrier", prompt=t("as.ship.carrier_prompt"), compact=True
                    )
                    yield Input(
                        placeholder=t("as.ship.tracking_placeholder"),
                        id="tracking-no",
                        max_length=32,
                        compact=True,
                    )
                    yield Button(t("as.ship.send"), id="ship-send", compact=True)
                yield Static(id="tracking-hint", classes="hint", markup=False)
                with Horizontal(classes="row"):
                    yield Label(t("as.pickup.label"), classes="field-label")
                    yield Select[int](
                        [], id="pickup-address", prompt=t("as.pickup.address"), compact=True
                    )
                    yield Select[str](
                        [], id="pickup-slot", prompt=t("as.pickup.slot"), compact=True
                    )
                    yield Button(t("as.pickup.book"), id="pickup-book", compact=True)
                yield Static(id="pickup-hint", classes="hint", markup=False)
            with Vertical(id="appeal-box", classes="panel"):
                yield Static(id="rejection", markup=False)
                with Horizontal(classes="row"):
                    yield Label(t("as.appeal.label"), classes="field-label")
                    yield Input(
                        placeholder=t("as.appeal.placeholder"),
                        id="appeal-reason",
                        max_length=APPEAL_MAX,
                        compact=True,
                    )
                    yield Button(t("as.appeal.send"), id="appeal-send", compact=True)
                yield Static(id="appeal-hint", classes="hint", markup=False)
                with Horizontal(classes="row"):
                    yield Label("", classes="field-label")
                    yield Button(t("as.modify"), id="modify", compact=True)
            with Horizontal(id="cancel-row", classes="row"):
                yield Button(t("as.cancel_request"), id="cancel-request", compact=True)
            yield Static(id="action-error", classes="hint -error", markup=False)
            yield Static(t("as.detail.timeline"), classes="section-title")
            yield Timeline(id="after-sale-timeline")
            with Vertical(id="parcel-box"):
                yield Static(id="parcel-title", classes="section-title", markup=False)
                yield Timeline(t("as.parcel.none"), id="parcel-timeline")

    def on_mount(self) -> None:
        for panel in ("#return-box", "#appeal-box", "#cancel-row", "#parcel-box"):
            self.query_one(panel).display = False
        self.query_one("#detail-status", Static).update(Text(t("as.loading"), style="dim"))
        self.load()
        self.set_interval(RELOAD_SECONDS, self._reload_while_others_act)

    def _reload_while_others_act(self) -> None:
        """While the merchant, a courier or the platform has the next move, show it when
        it happens."""
        after_sale = self.after_sale
        if self.is_current and after_sale is not None and after_sale.status in WAITING_STATES:
            self.load()

    def on_screen_resume(self) -> None:
        if self.after_sale is not None:
            self.load()

    # --- loading and drawing -------------------------------------------------------

    @work(exclusive=True, group="as-detail")
    async def load(self) -> None:
        from kshop_tui.api import errors

        try:
            after_sale = await self.shop.run_api(
                lambda api: api.after_sale(self.after_sale_id), needs_login=True
            )
        except LoginCancelled:
            self.action_back()
            return
        except errors.ApiError as error:
            self.query_one("#detail-status", Static).update(Text(error.message, style="bold red"))
            return
        self.show(after_sale)
        if {"ship_return", "book_pickup"} & set(after_sale.actions) and not self._options_loaded:
            await self._load_return_options(after_sale.id)
        if after_sale.return_tracking_no:
            await self._load_parcel(after_sale.return_tracking_no)

    def show(self, after_sale: AfterSale) -> None:
        self.after_sale = after_sale
        self.set_where(t("as.detail.where", id=after_sale.id, order_no=after_sale.order_no))
        status = Text(t(f"as.type.{after_sale.type}"), style="bold")
        status.append("  ·  ")
        status.append(
            after_sale_status_name(after_sale.status), style=_status_style(after_sale.status)
        )
        status.append("   " + money(after_sale.amount_fen), style="bold")
        status.append("  " + t(f"as.refund_to_short.{after_sale.refund_to}"), style="dim")
        self.query_one("#detail-status", Static).update(status)
        self.query_one("#detail-summary", Static).update(_summary(after_sale))
        self._show_refund(after_sale)
        self._show_actions(after_sale)
        self._start_countdown(after_sale)
        self.query_one("#after-sale-timeline", Timeline).entries = _timeline(after_sale)
        self.refresh_bindings()

    def _show_refund(self, after_sale: AfterSale) -> None:
        note = self.query_one("#refund-note", Static)
        if after_sale.status == "refunded":
            note.update(
                Text(
                    t(
                        "as.refunded_note",
                        amount=money(after_sale.amount_fen),
                        account=_account_name(after_sale.refund_account or after_sale.refund_to),
                        at=local_time(after_sale.refunded_at),
                    ),
                    style="bold",
                )
            )
            note.display = True
        else:
            note.display = False

    def _show_actions(self, after_sale: AfterSale) -> None:
        actions = set(after_sale.actions)
        returning = bool({"ship_return", "book_pickup"} & actions)
        self.query_one("#return-box").display = returning
        if returning:
            address = after_sale.return_address
            words = Text(t("as.return_to"), style="bold")
            if address is not None:
                words.append(f"{address.name} {address.phone}\n{address.one_line()}")
            shipping = "merchant" if after_sale.merchant_pays_return_shipping else "buyer"
            words.append("\n" + t(f"as.return_shipping.{shipping}"), style="dim")
            self.query_one("#return-address", Static).update(words)
        appealing = bool({"appeal", "modify"} & actions)
        self.query_one("#appeal-box").display = appealing
        if appealing:
            rejection = Text(t("as.rejected_because"), style="bold")
            rejection.append(after_sale.merchant_note or t("as.no_reason_given"))
            self.query_one("#rejection", Static).update(rejection)
            self.query_one("#modify").display = "modify" in actions
        self.query_one("#cancel-row").display = "cancel" in actions

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
        if after_sale is None or after_sale.deadline_at is None:
            return
        left = self.shop.clock.seconds_until(parse_time(after_sale.deadline_at).timestamp())
        words = Text(
            t(
                "as.deadline",
                at=local_time(after_sale.deadline_at),
                left=time_left(left),
            )
            if left > 0
            else t("as.deadline_passed"),
            style="yellow",
        )
        self.query_one("#deadline", Static).update(words)

    async def _load_return_options(self, after_sale_id: int) -> None:
        from kshop_tui.api import errors

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
            [(_one_line_text(f"{a.name} {a.phone_masked} {a.one_line()}"), a.id) for a in addresses]
        )
        default = next((a.id for a in addresses if a.is_default), None)
        if default is not None:
            address_select.value = default
        slot_select = self.query_one("#pickup-slot", Select)
        slot_select.set_options([(Text(slot), slot) for slot in slots])
        if not slots:
            self._hint("pickup-hint", t("as.pickup.no_slots"))

    async def _load_parcel(self, tracking_no: str) -> None:
        from kshop_tui.api import errors

        box = self.query_one("#parcel-box")
        box.display = True
        title = self.query_one("#parcel-title", Static)
        try:
            tracking = await self.shop.run_api(lambda api: api.track_parcel(tracking_no))
        except errors.ApiError as error:
            title.update(Text(t("as.parcel.title_plain", number=tracking_no)))
            self.query_one("#parcel-timeline", Timeline).empty_text = error.message
            self.query_one("#parcel-timeline", Timeline).refresh(layout=True)
            return
        title.update(
            Text(
                t(
                    "as.parcel.title",
                    carrier=tracking.carrier_name,
                    number=tracking.tracking_no,
                    status=_parcel_status(tracking),
                )
            )
        )
        self.query_one("#parcel-timeline", Timeline).entries = tuple(
            TimelineEntry(
                at=local_time(event.at, "%m-%d %H:%M"),
                title=event.text,
                detail=event.location,
                tone="current" if index == 0 else "normal",
            )
            for index, event in enumerate(tracking.events)
        )

    # --- actions -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needs = {
            "focus_ship": "ship_return",
            "focus_pickup": "book_pickup",
            "cancel_request": "cancel",
            "modify": "modify",
            "focus_appeal": "appeal",
            "track": "track_return",
        }
        if action in needs:
            return self.after_sale is not None and needs[action] in self.after_sale.actions
        return True

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
    async def track(self, tracking_no: str) -> None:
        await self._load_parcel(tracking_no)

    def action_modify(self) -> None:
        from kshop_tui.screens.after_sale import AfterSaleWizard

        after_sale = self.after_sale
        if after_sale is not None and "modify" in after_sale.actions:
            self.app.push_screen(AfterSaleWizard(after_sale.order_id, resubmit=after_sale))

    @on(Button.Pressed, "#modify")
    def _modify_pressed(self) -> None:
        self.action_modify()

    def action_cancel_request(self) -> None:
        if self.after_sale is not None and "cancel" in self.after_sale.actions:
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
        number = self.query_one("#tracking-no", Input).value.strip().upper()
        if not isinstance(carrier, str):
            self._hint("tracking-hint", t("as.ship.choose_carrier"), error=True)
            return
        problem = tracking_problem(carrier, number)
        if problem is not None:
            self._hint("tracking-hint", problem, error=True)
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
        if len(reason) < APPEAL_MIN:
            key = "as.appeal.required" if not reason else "as.appeal.too_short"
            self._hint("appeal-hint", t(key, min=APPEAL_MIN), error=True)
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
        from kshop_tui.api import errors

        self._hint("action-error", "")
        try:
            after_sale = await self.shop.run_api(request, needs_login=True)
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self._show_refusal(error, hint_id)
            return
        self.show(after_sale)
        if after_sale.return_tracking_no:
            await self._load_parcel(after_sale.return_tracking_no)

    def _show_refusal(self, error: ApiError, hint_id: str) -> None:
        from kshop_tui.api import errors

        if isinstance(error, errors.BackendUnreachable):
            self._hint(hint_id, t("backend.unreachable"), error=True)
            return
        field_hints = {
            "tracking_no": "tracking-hint",
            "carrier": "tracking-hint",
            "reason": "appeal-hint",
            "pickup.slot": "pickup-hint",
            "pickup.address_id": "pickup-hint",
        }
        if isinstance(error, errors.ValidationFailed) and error.fields:
            for name, words in error.fields.items():
                self._hint(field_hints.get(name, hint_id), words, error=True)
            return
        self._hint(hint_id, error.message, error=True)
        if isinstance(error, errors.Conflict):
            self.load()

    def _hint(self, hint_id: str, message: str, *, error: bool = False) -> None:
        hint = self.query_one(f"#{hint_id}", Static)
        hint.update(Text(message))
        hint.set_class(error, "-error")


# --- words -------------------------------------------------------------------------


def _one_line_text(words: str) -> Text:
    """A choice that fits one line of a narrow select (measured in cells)."""
    text = Text(words, no_wrap=True)
    text.truncate(SELECT_WIDTH, overflow="ellipsis")
    return text


def _status_style(status: str) -> str:
    if status in PROBLEM_STATES:
        return "bold red"
    if status == "refunded":
        return "bold green"
    return "bold yellow"


def _account_name(account: str) -> str:
    key = f"as.account.{account}"
    name = t(key)
    return account if name == key else name


def _summary(after_sale: AfterSale) -> Text:
    text = Text()
    for item in after_sale.items:
        specs = "/".join(item.specs.values())
        text.append("• " + item.name)
        text.append(f"  {specs} × {item.qty}" if specs else f"  × {item.qty}", style="dim")
        text.append("\n")
    text.append(t("as.review.reason") + ": ", style="dim")
    text.append(after_sale.reason_label)
    if after_sale.photo_ids:
        text.append(
            "   " + t("as.review.photo_count", count=len(after_sale.photo_ids)), style="dim"
        )
    if after_sale.description:
        text.append("\n")
        text.append(after_sale.description, style="italic")
    if after_sale.appeal_reason:
        text.append("\n" + t("as.appealed_with") + " ", style="dim")
        text.append(after_sale.appeal_reason)
    if after_sale.pickup is not None:
        text.append("\n" + t("as.pickup.booked", slot=after_sale.pickup.slot), style="dim")
    return text


def _timeline(after_sale: AfterSale) -> tuple[TimelineEntry, ...]:
    entries = []
    last = len(after_sale.timeline) - 1
    for index, event in enumerate(after_sale.timeline):
        actor = t(f"as.actor.{event.actor}")
        title = f"{after_sale_status_name(event.status)} · {actor}"
        tone: Tone = "normal"
        if index == last:
            tone = "problem" if event.status in PROBLEM_STATES else "current"
        entries.append(
            TimelineEntry(
                at=local_time(event.at, "%m-%d %H:%M"), title=title, detail=event.note, tone=tone
            )
        )
    return tuple(reversed(entries))


def _parcel_status(tracking: Tracking) -> str:
    key = f"as.parcel.status.{tracking.status}"
    name = t(key)
    return tracking.status if name == key else name
