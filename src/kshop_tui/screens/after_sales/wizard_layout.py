"""The after-sale wizard's fields, step by step (what each holds is the wizard's)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    ContentSwitcher,
    Label,
    OptionList,
    ProgressBar,
    RadioSet,
    SelectionList,
    Static,
)

from kshop_tui.i18n import t
from kshop_tui.shop.flows.after_sale import MAX_DESCRIPTION
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import RadioButton

UPLOAD_STAGES = 3  # read and check, send, done


def compose_steps() -> ComposeResult:
    """The step line, a loading line, then the steps (one shown at a time; the spec step
    only for an exchange)."""
    yield Static(id="steps")
    yield Static(id="wizard-status", markup=False)
    with ContentSwitcher(id="wizard", initial="step-type"):
        with VerticalScroll(id="step-type", classes="step"):
            yield Static(t("as.type.title"), classes="step-title")
            yield OptionList(id="type-options")
            yield Static(id="type-hint", classes="hint", markup=False)
            yield Static(id="window-note", classes="note", markup=False)
        with VerticalScroll(id="step-items", classes="step"):
            yield Static(t("as.items.title"), classes="step-title")
            yield Static(t("as.items.columns"), classes="note")
            yield SelectionList[int](id="item-list")
            yield Static(id="items-hint", classes="hint", markup=False)
            yield Static(id="items-blocked", classes="note", markup=False)
        with VerticalScroll(id="step-spec", classes="step"):
            yield Static(t("as.spec.title"), classes="step-title")
            yield OptionList(id="spec-options")
            yield Static(id="spec-hint", classes="hint", markup=False)
        with VerticalScroll(id="step-reason", classes="step"):
            with Horizontal(classes="row"):
                yield Label(t("as.field.reason"), classes="field-label")
                yield Vertical(id="reason-box")
            yield Static(id="reason-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("as.field.description"), classes="field-label")
                yield TextBox(
                    placeholder=t("as.description_placeholder"),
                    id="description",
                    max_length=MAX_DESCRIPTION,
                    compact=True,
                )
            yield Static(id="description-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("as.field.photos"), classes="field-label")
                with Vertical(id="photo-box"):
                    yield OptionList(id="photo-list")
                    with Horizontal(id="photo-actions"):
                        yield Button(t("as.add_photo"), id="add-photo", compact=True)
                        yield ProgressBar(
                            total=UPLOAD_STAGES,
                            show_eta=False,
                            show_percentage=False,
                            id="upload-progress",
                        )
                        yield Static(id="upload-label", markup=False)
            yield Static(id="photos-hint", classes="hint", markup=False)
            with Horizontal(id="amount-row", classes="row"):
                yield Label(t("as.field.amount"), classes="field-label")
                yield TextBox(
                    id="amount",
                    restrict=r"[0-9.,¥]*",
                    max_length=14,
                    compact=True,
                )
                yield Static(id="amount-max", markup=False)
            yield Static(id="amount-hint", classes="hint", markup=False)
            with Horizontal(id="refund-to-row", classes="row"):
                yield Label(t("as.field.refund_to"), classes="field-label")
                with RadioSet(id="refund-to", compact=True):
                    yield RadioButton(t("as.refund_to.original"), id="refund-original", value=True)
                    yield RadioButton(t("as.refund_to.red_packet"), id="refund-red_packet")
            yield Static(id="shipping-note", classes="note", markup=False)
        with VerticalScroll(id="step-review", classes="step"):
            yield Static(t("as.review.title"), classes="step-title")
            yield Static(id="review-summary", markup=False)
            yield Static(id="submit-error", classes="hint -error", markup=False)
            yield Button(t("as.submit"), id="submit", variant="primary", compact=True)
