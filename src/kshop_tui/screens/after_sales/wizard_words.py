"""What the after-sale wizard shows of its draft, as text and choices: the step line,
the types, the items, an exchange's specs, the reasons and the review."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import RadioSet
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from kshop_tui.i18n import t, tn
from kshop_tui.shop.flows.after_sale import GOODS_BACK, TYPES
from kshop_tui.text import money
from kshop_tui.widgets.toggles import RadioButton

if TYPE_CHECKING:
    from kshop_tui.shop.flows.after_sale import AfterSaleDraft

STEPS = ("type", "items", "spec", "reason", "review")


def steps_for(kind: str | None) -> tuple[str, ...]:
    """The wizard's steps: only an exchange has specs to choose."""
    return STEPS if kind == "exchange" else tuple(step for step in STEPS if step != "spec")


def step_line(step: str, kind: str | None = None) -> Text:
    """type › items › reason › review, with the current step lit and the done ones ticked."""
    line = Text()
    steps = steps_for(kind)
    current = steps.index(step)
    for index, name in enumerate(steps):
        if index:
            line.append(" › ", style="dim")
        label = t(f"as.step.{name}")
        if index == current:
            line.append(f" {label} ", style="bold reverse")
        elif index < current:
            line.append("✓ " + label)
        else:
            line.append(label, style="dim")
    return line


def type_options(draft: AfterSaleDraft) -> list[Option]:
    """Every type, those the order does not allow greyed with the server's reason."""
    allowed = draft.allowed_kinds()
    options = []
    for kind in TYPES:
        prompt = Text(t(f"as.type.{kind}"), style="bold")
        prompt.append("\n" + t(f"as.type.{kind}.help"), style="dim")
        if kind not in allowed:
            prompt.append(
                "\n" + t("as.type.not_allowed", reason=draft.why_not(kind)), style="italic"
            )
        elif draft.quality_only(kind):
            reasons = " / ".join(reason.label for reason in draft.reasons_for(kind))
            prompt.append("\n" + t("as.type.quality_only", reason=reasons), style="italic")
        options.append(Option(prompt, id=kind, disabled=kind not in allowed))
    return options


def item_selections(draft: AfterSaleDraft) -> list[Selection[int]]:
    """The items the chosen type allows, those of the draft ticked."""
    choosable = draft.choosable_items()
    ticked = set(draft.item_ids)
    amount_width = max((len(money(item.refundable_fen)) for item in choosable), default=0)
    selections = []
    for item in choosable:
        # A selection is one line: the amount first, so a long name cannot hide it.
        prompt = Text(money(item.refundable_fen).rjust(amount_width), style="bold")
        prompt.append("  " + item.name)
        detail = f"{item.specs} × {item.qty}" if item.specs else f"× {item.qty}"
        prompt.append(f"  {detail}", style="dim")
        if draft.quality_only_item(item.item_id) and not draft.quality_only(draft.kind or ""):
            prompt.append("  " + t("as.items.quality_only"), style="italic")
        selections.append(Selection(prompt, item.item_id, item.item_id in ticked))
    return selections


def spec_options(draft: AfterSaleDraft) -> list[Option]:
    """For each item to exchange, its name, then the specs to choose from: the chosen one
    marked, sold-out ones struck through and not selectable."""
    options: list[Option] = []
    for item in draft.chosen_items():
        header = Text(item.name, style="bold")
        options.append(Option(header, id=f"item-{item.item_id}", disabled=True))
        chosen = draft.exchange_choices.get(item.item_id)
        for choice in draft.spec_choices(item.item_id):
            marker = "◉ " if choice.sku_id == chosen else "○ "
            prompt = Text("  " + marker)
            specs = choice.specs or item.name
            if choice.sold_out:
                prompt.append(specs, style="strike dim")
                prompt.append("  " + t("as.spec.sold_out"), style="dim italic")
            else:
                prompt.append(specs, style="bold" if choice.sku_id == chosen else "")
            if choice.current:
                prompt.append(" " + t("as.spec.current"), style="dim")
            options.append(
                Option(prompt, id=f"{item.item_id}:{choice.sku_id}", disabled=choice.sold_out)
            )
    return options


def blocked_items(draft: AfterSaleDraft) -> Text:
    """The lines the chosen type does not allow, struck through, with why."""
    blocked = Text()
    for line in draft.blocked_items():
        blocked.append(line.name, style="dim strike")
        blocked.append(f"  {line.reason or t('as.item_not_eligible')}\n", style="dim italic")
    return blocked


def reason_sets(draft: AfterSaleDraft) -> list[RadioSet]:
    """One set of reasons per type (they differ in what applies and who pays the return
    shipping), all hidden; the wizard shows the chosen type's."""
    sets = []
    width = max((cell_len(reason.label) for reason in draft.reasons), default=0) + 2
    for kind in TYPES:
        buttons = []
        for reason in draft.reasons_for(kind):
            label = Text(reason.label)
            if kind in GOODS_BACK:
                who = "merchant" if reason.merchant_pays_return_shipping else "buyer"
                label.append(" " * (width - cell_len(reason.label)))
                label.append(t(f"as.shipping_paid_by.{who}"), style="dim")
            if reason.photo_required:
                label.append(" " + t("as.reason.photo_tag"), style="italic")
            pressed = kind == draft.kind and reason.code == draft.reason_code
            buttons.append(RadioButton(label, name=reason.code, value=pressed))
        reason_set = RadioSet(*buttons, id=f"reasons-{kind}", classes="reasons", compact=True)
        reason_set.display = False
        sets.append(reason_set)
    return sets


def return_shipping_words(draft: AfterSaleDraft) -> str:
    words = t(f"as.shipping.{draft.return_shipping()}")
    if draft.kind == "exchange":
        words += "\n" + t("as.shipping.exchange_note")
    return words


def method_name(method: str) -> str:
    key = f"as.method.{method}"
    name = t(key)
    return method if name == key else name


def review_summary(draft: AfterSaleDraft, refund_to_words: str) -> Text:
    """The request as it will be sent, one labelled row per part."""
    assert draft.kind is not None
    reason = draft.reason()
    names = [item.name for item in draft.chosen_items()]
    description = draft.description.strip()
    rows: list[tuple[str, Text]] = [
        (t("as.review.order"), Text(draft.order.order_no)),
        (t("as.review.type"), Text(t(f"as.type.{draft.kind}"))),
        (t("as.review.items"), Text("\n".join(names))),
    ]
    if draft.kind == "exchange":
        wanted = [draft.chosen_spec(item.item_id) for item in draft.chosen_items()]
        specs = [choice.specs if choice is not None else "" for choice in wanted]
        rows.append((t("as.review.exchange_for"), Text("\n".join(specs), style="bold")))
    rows += [
        (t("as.review.reason"), Text(reason.label if reason else "")),
        (
            t("as.review.description"),
            Text(description or t("as.review.none"), style="" if description else "dim"),
        ),
        (t("as.review.photos"), Text(tn("as.review.photo_count", len(draft.photos)))),
    ]
    if draft.asks_money:
        rows += [
            (t("as.review.amount"), Text(money(draft.amount_fen), style="bold")),
            (t("as.review.refund_to"), Text(refund_to_words)),
        ]
    rows.append((t("as.review.shipping"), Text(t(f"as.shipping.{draft.return_shipping()}"))))
    width = max(cell_len(label) for label, _ in rows) + 2
    summary = Text()
    for label, value in rows:
        summary.append(label + " " * (width - cell_len(label)), style="dim")
        for index, line in enumerate(value.split("\n")):
            if index:
                summary.append(" " * width)
            summary.append_text(line)
            summary.append("\n")
    return summary
