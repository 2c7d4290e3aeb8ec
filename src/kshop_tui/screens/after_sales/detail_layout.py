"""One after-sale's screen, top to bottom (what each part holds is the screen's)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from kshop_tui.i18n import t
from kshop_tui.shop.flows.after_sale import APPEAL_MAX
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.timeline import Timeline


def compose_detail() -> ComposeResult:
    """Where the request stands, the panels of the user's next moves (hidden until the
    after-sale offers them), then the timelines."""
    with VerticalScroll(id="detail-body"):
        yield Static(id="detail-status", markup=False)
        yield Static(id="detail-summary", markup=False)
        yield Static(id="deadline", markup=False)
        yield Static(id="refund-note", markup=False)
        yield Static(id="appeal-outcome", markup=False)
        yield Static(id="replacement-note", markup=False)
        with Horizontal(id="confirm-row", classes="row"):
            yield Button(
                t("as.confirm_replacement"),
                id="confirm-replacement",
                variant="primary",
                compact=True,
            )
        with Vertical(id="return-box", classes="panel"):
            yield Static(id="return-address", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("as.ship.carrier"), classes="field-label")
                yield Select[str](
                    [], id="carrier", prompt=t("as.ship.carrier_prompt"), compact=True
                )
                yield TextBox(
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
                yield Select[str]([], id="pickup-slot", prompt=t("as.pickup.slot"), compact=True)
                yield Button(t("as.pickup.book"), id="pickup-book", compact=True)
            yield Static(id="pickup-hint", classes="hint", markup=False)
        with Vertical(id="appeal-box", classes="panel"):
            yield Static(id="rejection", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("as.appeal.label"), classes="field-label")
                yield TextBox(
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
