"""Parcel tracking: an order's parcel (`LogisticsScreen`), and any parcel by its number
(`TrackParcelScreen`, 物流查询). Carrier, the copyable tracking number, the status (an
exception shown as one), the estimated delivery and the courier's steps, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Input, LoadingIndicator, Static

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.orders import (
    TRACKING_NUMBER_MAX,
    looks_like_tracking_no,
    normalize_tracking_no,
)
from kshop_tui.shop.session import shop_of
from kshop_tui.text import short_time
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.timeline import Timeline, TimelineEntry

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Tracking


def parcel_status_label(status: str) -> str:
    label = t(f"parcel.status.{status}")
    return status.replace("_", " ") if label == f"parcel.status.{status}" else label


class ParcelView(Vertical):
    """One parcel: who carries it, its number, where it is, and its steps."""

    DEFAULT_CSS = """
    ParcelView { height: auto; }
    ParcelView #parcel-head { height: auto; }
    ParcelView #parcel-status { height: auto; margin: 1 0; }
    ParcelView #parcel-status.-exception { color: $text-error; text-style: bold; }
    ParcelView #parcel-status.-delivered { color: $text-success; text-style: bold; }
    """

    tracking: reactive[Tracking | None] = reactive(None, init=False)
    """The parcel as last answered, newest event first."""

    def __init__(self, copy_key: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.copy_key = copy_key

    def compose(self) -> ComposeResult:
        yield Static(id="parcel-head")
        yield Static(id="parcel-status")
        yield Static(t("parcel.steps"), classes="section-title")
        yield Timeline(t("parcel.no_events"), id="parcel-timeline")

    def watch_tracking(self, tracking: Tracking | None) -> None:
        if tracking is None:
            return
        head = Table.grid(padding=(0, 2))
        head.add_column(style="dim", no_wrap=True)
        head.add_column()
        head.add_row(Text(t("parcel.carrier")), Text(tracking.carrier_name))
        number = Text(tracking.tracking_no, style="bold")
        number.append("   " + t("parcel.copy_hint", keys=self.copy_key), style="dim")
        head.add_row(Text(t("parcel.number")), number)
        if tracking.estimated_delivery is not None:
            window = tracking.estimated_delivery
            head.add_row(
                Text(t("orders.field.delivery")),
                Text(t("orders.delivery_window", earliest=window.earliest, latest=window.latest)),
            )
        self.query_one("#parcel-head", Static).update(head)
        status = self.query_one("#parcel-status", Static)
        words = Text(parcel_status_label(tracking.status))
        exception = tracking.status == "exception"
        if exception and tracking.events:
            words.append(" — " + tracking.events[0].text)
        status.update(words)
        status.set_class(exception, "-exception")
        status.set_class(tracking.status == "delivered", "-delivered")
        now = shop_of(self.app).clock.now()
        self.query_one(Timeline).entries = tuple(
            TimelineEntry(
                at=short_time(event.at, now),
                title=parcel_status_label(event.status),
                detail=event.text,
                tone=(
                    "problem"
                    if event.status == "exception"
                    else ("current" if index == 0 else "normal")
                ),
            )
            for index, event in enumerate(tracking.events)
        )


class LogisticsScreen(ShopScreen):
    """An order's parcel (`order_id`) or any parcel (`tracking_no`)."""

    CSS_PATH = "logistics.tcss"
    BINDINGS = [
        # Not "c": that is the cart on every other screen. "y" as in yank.
        Binding("y", "copy_number", "orders.key.copy_number", id="logistics.copy"),
        Binding("r", "reload", "orders.key.reload", id="logistics.reload"),
    ]

    def __init__(self, *, order_id: int | None = None, tracking_no: str | None = None) -> None:
        super().__init__()
        if (order_id is None) == (tracking_no is None):
            raise ValueError("give an order id or a tracking number")
        self.order_id = order_id
        self.tracking_no = tracking_no

    def where(self) -> str:
        return t("parcel.title")

    def compose_body(self) -> ComposeResult:
        yield LoadingIndicator(id="logistics-loading")
        with VerticalScroll(id="logistics-body"):
            yield ParcelView("y", id="parcel")
        yield Static(id="logistics-error", classes="error-text")

    def on_mount(self) -> None:
        self.query_one("#logistics-body").display = False
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_number":
            return self.query_one(ParcelView).tracking is not None
        return True

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="logistics")
    async def load(self) -> None:
        order_id, number = self.order_id, self.tracking_no

        async def fetch(api: KshopClient) -> Tracking:
            if order_id is not None:
                return await api.order_logistics(order_id)
            assert number is not None
            return await api.track_parcel(number)

        def refused(error: errors.ApiError) -> None:
            self.query_one("#logistics-loading").display = False
            self.query_one("#logistics-error", Static).update(Text(error_words(error)))

        tracking = await self.shop.attempt(
            fetch, needs_login=True, on_refusal=refused, on_login_cancelled=self.leave_if_on_top
        )
        if tracking is None:
            return
        self.query_one("#logistics-loading").display = False
        self.query_one("#logistics-error", Static).update("")
        self.query_one("#logistics-body").display = True
        self.query_one(ParcelView).tracking = tracking
        self.set_where(f"{t('parcel.title')} › {tracking.tracking_no}")
        self.refresh_bindings()

    def action_copy_number(self) -> None:
        tracking = self.query_one(ParcelView).tracking
        if tracking is not None:
            self.app.copy_to_clipboard(tracking.tracking_no)
            self.notify(t("parcel.copied", number=tracking.tracking_no), markup=False)


class TrackParcelScreen(ShopScreen):
    """物流查询: type any tracking number; the parcel shows below the box."""

    CSS_PATH = "logistics.tcss"
    BINDINGS = [
        Binding("ctrl+y", "copy_number", "orders.key.copy_number", id="parcel.track_copy"),
    ]

    def where(self) -> str:
        return t("parcel.track_title")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="track-body"):
            yield Static(Text(t("parcel.track_intro")), id="track-intro", classes="muted")
            with Horizontal(id="track-row"):
                yield Static(t("parcel.number"), id="track-label")
                yield TextBox(
                    placeholder=t("parcel.track_placeholder"),
                    max_length=TRACKING_NUMBER_MAX,
                    id="track-number",
                )
            yield Static(id="track-error", classes="field-error")
            yield ParcelView("ctrl+y", id="parcel")

    def on_mount(self) -> None:
        self.query_one(ParcelView).display = False
        self.query_one("#track-number", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_number":
            return self.query_one(ParcelView).tracking is not None
        return True

    @on(Input.Submitted, "#track-number")
    def _submitted(self) -> None:
        self.look_up()

    @work(exclusive=True, group="track")
    async def look_up(self) -> None:
        field = self.query_one("#track-number", Input)
        error_line = self.query_one("#track-error", Static)
        view = self.query_one(ParcelView)
        number = normalize_tracking_no(field.value)
        if not number:
            error_line.update(Text(t("valid.required")))
            return
        if not looks_like_tracking_no(number):
            error_line.update(Text(t("parcel.track_bad_shape")))
            return
        error_line.update(Text(t("parcel.track_looking"), style="dim"))
        try:
            tracking = await self.shop.run_api(
                lambda api: api.track_parcel(number), needs_login=True
            )
        except LoginCancelled:
            error_line.update("")
            return
        except errors.NotFound:
            error_line.update(Text(t("parcel.track_not_found")))
            view.display = False
            return
        except errors.ValidationFailed as error:
            error_line.update(Text(error.fields.get("tracking_no") or error.message))
            return
        except errors.ApiError as error:
            error_line.update(Text(error.message))
            return
        if normalize_tracking_no(field.value) != number:
            return  # the box changed while we asked; the next Enter asks again
        error_line.update("")
        view.tracking = tracking
        view.display = True
        self.refresh_bindings()

    def action_copy_number(self) -> None:
        tracking = self.query_one(ParcelView).tracking
        if tracking is not None:
            self.app.copy_to_clipboard(tracking.tracking_no)
            self.notify(t("parcel.copied", number=tracking.tracking_no), markup=False)
