"""Choosing a service's day and 2-hour slot (docs/api.md §7.1): the next 14 days on the
left, the chosen day's slots on the right with the places each has left; a full slot is
greyed out and cannot be chosen. Checkout books with it and an order's appointment moves
with it, so it serves both areas (route "slot_picker")."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kshop_tui.api.models import Slot
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.flows.booking import (
    booking_days,
    day_label,
    load_slots,
    slot_hours,
    slot_room,
)
from kshop_tui.widgets.footer import ShopFooter


class SlotPickerModal(ShopModal):
    """Dismisses with the chosen `Slot`, or None on escape."""

    CSS_PATH = "slot_picker.tcss"
    BINDINGS = [
        Binding("left,h", "focus_days", "kinds.key.days", id="slot_picker.days", show=False),
        Binding("right,l", "focus_slots", "kinds.key.slots", id="slot_picker.slots", show=False),
    ]

    def __init__(
        self, product_id: int, current_slot_id: str | None = None, title: str = ""
    ) -> None:
        super().__init__()
        self.product_id = product_id
        self.current_slot_id = current_slot_id
        self.title_words = title or t("kinds.pick.title")
        self.days: list[date] = []
        self.slots: list[Slot] = []
        self.slots_loading = True

    def compose(self) -> ComposeResult:
        yield ShopFooter()
        with Vertical(id="slot-dialog"):
            yield Static(Text(self.title_words, style="bold"), id="slot-title")
            with Horizontal(id="slot-lists"):
                yield OptionList(id="slot-days")
                yield OptionList(id="slot-times")
            yield Static(id="slot-note", markup=False)

    def on_mount(self) -> None:
        self.days = booking_days(self.shop.clock.now())
        today = self.days[0]
        days = self.query_one("#slot-days", OptionList)
        days.add_options(
            [Option(Text(day_label(day, today)), id=day.isoformat()) for day in self.days]
        )
        days.highlighted = 0
        days.focus()
        self.query_one("#slot-note", Static).update(t("kinds.pick.hint"))
        self.load_day(self.days[0])

    @on(OptionList.OptionHighlighted, "#slot-days")
    def _day_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.load_day(date.fromisoformat(event.option.id))

    @on(OptionList.OptionSelected, "#slot-days")
    def _day_chosen(self) -> None:
        refused = self.refusal("focus_slots")
        if refused is not None:
            self.notify(refused, severity="warning", markup=False)
            return
        self.action_focus_slots()

    @work(exclusive=True, group="slots")
    async def load_day(self, day: date) -> None:
        times = self.query_one("#slot-times", OptionList)
        times.clear_options()
        times.add_option(Option(Text(t("kinds.pick.loading"), style="dim"), disabled=True))
        self.slots_loading = True
        slots = await load_slots(self.shop, self.product_id, day)
        times.clear_options()
        self.slots = slots or []
        self.slots_loading = False
        if not self.slots:
            times.add_option(Option(Text(t("kinds.pick.none"), style="dim"), disabled=True))
            return
        for slot in self.slots:
            line = Text(slot_hours(slot) + "  ")
            if slot.full:
                line.append(slot_room(slot), style="dim strike")
                line.stylize("dim")
            else:
                line.append(slot_room(slot), style="green")
            if slot.id == self.current_slot_id:
                line.append("  " + t("kinds.pick.current"), style="bold")
            times.add_option(Option(line, id=slot.id, disabled=slot.full))
        if times.has_focus:
            # The user went to the slots before they came: land on one that can be chosen.
            times.highlighted = None
            self.action_focus_slots()

    @on(OptionList.OptionSelected, "#slot-times")
    def _slot_chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = next((slot for slot in self.slots if slot.id == event.option.id), None)
        if chosen is None or chosen.full:
            return
        if chosen.id == self.current_slot_id:
            self.query_one("#slot-note", Static).update(t("kinds.pick.same"))
            return
        self.dismiss(chosen)

    def refusal(self, action: str) -> str | None:
        # While the day's slots load, → goes ahead: the list lands on a free one when
        # they come. Once they are there and all are full (or none is left), it says so.
        nothing_free = not any(not slot.full for slot in self.slots)
        if action == "focus_slots" and not self.slots_loading and nothing_free:
            return t("kinds.why_not.no_free_slot")
        return None

    def action_focus_days(self) -> None:
        self.query_one("#slot-days", OptionList).focus()

    def action_focus_slots(self) -> None:
        """To the day's slots, on a slot that can be chosen (never a full one)."""
        times = self.query_one("#slot-times", OptionList)
        current = times.highlighted
        if current is None or current >= len(self.slots) or self.slots[current].full:
            first = next((i for i, slot in enumerate(self.slots) if not slot.full), None)
            if first is not None:
                times.highlighted = first
        times.focus()
