"""The checkout's layout: the form (step 1), the review (step 2) and the totals line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, LoadingIndicator, RadioSet, Static

from kshop_tui.i18n import t
from kshop_tui.screens.cart.rows import AddressRow, ChoiceRow
from kshop_tui.shop.flows.booking import SERVICE_NOTE_MAX
from kshop_tui.shop.flows.checkout import (
    INVOICE_KINDS,
    INVOICE_TITLE_MAX,
    REMARK_MAX,
    TAX_ID_LENGTHS,
)
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import RadioButton


def compose_checkout() -> ComposeResult:
    yield LoadingIndicator(id="checkout-loading")
    with VerticalScroll(id="checkout-form"):
        yield Static(id="kind-note", markup=False)
        with Horizontal(classes="row", id="ship-row"):
            yield Label(t("checkout.ship_to"), classes="row-label")
            yield AddressRow("edit_address", id="ship-to")
        yield Static(id="address-hint", classes="hint", markup=False)
        # A service's booking (docs/api.md §7.1), shown for services only.
        with Horizontal(classes="row", id="slot-row"):
            yield Label(t("kinds.field.appointment"), classes="row-label")
            yield ChoiceRow("pick_slot", id="slot")
        yield Static(id="slot-hint", classes="hint", markup=False)
        with Horizontal(classes="row", id="note-row"):
            yield Label(t("kinds.field.note"), classes="row-label")
            yield TextBox(
                placeholder=t("kinds.note.placeholder"),
                id="service-note",
                max_length=SERVICE_NOTE_MAX,
                compact=True,
            )
        yield Static(id="note-hint", classes="hint", markup=False)
        with Horizontal(classes="row"):
            yield Label(t("checkout.items"), classes="row-label")
            yield Static(id="items")
        yield Static(id="items-hint", classes="hint", markup=False)
        with Horizontal(classes="row"):
            yield Label(t("checkout.coupon"), classes="row-label")
            yield ChoiceRow("pick_coupon", id="coupon")
        yield Static(id="coupon-hint", classes="hint", markup=False)
        with Horizontal(classes="row"):
            yield Label(t("checkout.shipping"), classes="row-label")
            yield Static(id="shipping")
        with Horizontal(classes="row", id="pay-row"):
            yield Label(t("checkout.pay_with"), classes="row-label")
            yield RadioSet(id="pay-with", compact=True)
        yield Static(id="pay-hint", classes="hint", markup=False)
        with Horizontal(classes="row"):
            yield Label(t("checkout.invoice"), classes="row-label")
            with RadioSet(id="invoice-kind", compact=True):
                for kind in INVOICE_KINDS:
                    yield RadioButton(t(f"checkout.invoice.{kind}"), value=kind == "none")
        with Horizontal(classes="row", id="invoice-fields"):
            yield Label("", classes="row-label")
            yield TextBox(
                placeholder=t("checkout.invoice.title_placeholder"),
                id="invoice-title",
                max_length=INVOICE_TITLE_MAX,
                compact=True,
            )
            yield TextBox(
                placeholder=t("checkout.invoice.tax_placeholder"),
                id="invoice-tax",
                restrict=r"[0-9A-Za-z]*",
                max_length=max(TAX_ID_LENGTHS),
                compact=True,
            )
        yield Static(id="invoice-hint", classes="hint", markup=False)
        with Horizontal(classes="row"):
            yield Label(t("checkout.remark"), classes="row-label")
            yield TextBox(
                placeholder=t("checkout.remark_placeholder"),
                id="remark",
                max_length=REMARK_MAX,
                compact=True,
            )
        yield Static(id="remark-hint", classes="hint", markup=False)
    with VerticalScroll(id="checkout-review"):
        yield Static(id="review-text")
        yield Static(id="review-note", markup=False)
        place = Button("", id="place", variant="primary", compact=True)
        # Enter is the screen's key here, so the footer can say what it does.
        place.can_focus = False
        yield place
    yield Static(id="checkout-summary")
