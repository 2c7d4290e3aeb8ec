"""The after-sale wizard (售后申请): type › items › reason › review, then one submit.

Only what the server's eligibility allows can be chosen; the rest is shown greyed with
the server's reason. Photos are checked on disk before upload. The whole wizard is one
user intent, so it carries one idempotency key that every retry of the submit reuses.
Opened with an after-sale that was rejected, it is prefilled and resubmits that one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    ContentSwitcher,
    Input,
    Label,
    OptionList,
    ProgressBar,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.text import local_time, money, parse_yuan
from kshop_tui.widgets.file_picker import (
    FilePickerModal,
    Photo,
    PhotoRefused,
    human_size,
    read_photo,
)

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import (
        AfterSale,
        AfterSaleReason,
        AfterSaleType,
        Eligibility,
        Order,
        RefundTo,
        Upload,
    )

STEPS = ("type", "items", "reason", "review")
TYPES = ("refund_only", "return_refund")
MAX_PHOTOS = 9
MAX_DESCRIPTION = 500
UPLOAD_STAGES = 3  # read and check, send, done
# The backend's field names → the hint under the field that shows their refusal.
FIELD_HINTS = {
    "amount_fen": ("reason", "amount-hint"),
    "reason": ("reason", "reason-hint"),
    "description": ("reason", "description-hint"),
    "photo_ids": ("reason", "photos-hint"),
    "item_ids": ("items", "items-hint"),
    "type": ("type", "type-hint"),
}


@dataclass(frozen=True)
class AttachedPhoto:
    upload_id: int
    label: str


@dataclass(frozen=True)
class AfterSaleRequest:
    """What the wizard asks for; the same body on every retry of one intent."""

    type: AfterSaleType
    item_ids: list[int]
    reason: str
    amount_fen: int
    description: str
    refund_to: RefundTo
    photo_ids: list[int]

    async def send(
        self, api: KshopClient, order_id: int, intent_key: str, resubmit: AfterSale | None
    ) -> AfterSale:
        if resubmit is not None:
            return await api.modify_after_sale(
                resubmit.id,
                type=self.type,
                item_ids=self.item_ids,
                reason=self.reason,
                amount_fen=self.amount_fen,
                description=self.description,
                refund_to=self.refund_to,
                photo_ids=self.photo_ids,
            )
        return await api.create_after_sale(
            order_id=order_id,
            type=self.type,
            item_ids=self.item_ids,
            reason=self.reason,
            amount_fen=self.amount_fen,
            idempotency_key=intent_key,
            description=self.description,
            refund_to=self.refund_to,
            photo_ids=self.photo_ids,
        )


@dataclass(frozen=True)
class ChoosableItem:
    """An order line the chosen type allows, with what it can refund at most."""

    item_id: int
    name: str
    specs: str
    qty: int
    refundable_fen: int


class AfterSaleWizard(ShopScreen):
    CSS_PATH = "after_sale.tcss"
    BINDINGS = [
        Binding("ctrl+n", "next_step", "as.key.next", id="after_sale.next"),
        Binding("ctrl+o", "add_photo", "as.key.add_photo", id="after_sale.add_photo"),
        Binding("delete", "remove_photo", "as.key.remove_photo", id="after_sale.remove_photo"),
        Binding("ctrl+s", "submit", "as.key.submit", id="after_sale.submit"),
    ]

    def __init__(
        self,
        order_id: int,
        item_ids: list[int] | None = None,
        *,
        resubmit: AfterSale | None = None,
    ) -> None:
        from kshop_tui.api.intent import new_intent_key

        super().__init__()
        self.order_id = order_id
        self.wanted_item_ids = item_ids
        self.resubmit = resubmit
        self.intent_key = new_intent_key()
        self.order: Order | None = None
        self.eligibility: Eligibility | None = None
        self.reasons: list[AfterSaleReason] = []
        self.step = "type"
        self.chosen_type: str | None = resubmit.type if resubmit else None
        self.chosen_reason: str | None = resubmit.reason if resubmit else None
        self.photos: list[AttachedPhoto] = [
            AttachedPhoto(photo_id, t("as.photo_attached", id=photo_id))
            for photo_id in (resubmit.photo_ids if resubmit else [])
        ]
        self._items_for_type: str | None = None
        self._prefilled_amount = ""
        self._uploading = False
        self._last_folder = Path.home()

    def where(self) -> str:
        return t("as.where_loading")

    # --- building ------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
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
            with VerticalScroll(id="step-reason", classes="step"):
                with Horizontal(classes="row"):
                    yield Label(t("as.field.reason"), classes="field-label")
                    yield Vertical(id="reason-box")
                yield Static(id="reason-hint", classes="hint", markup=False)
                with Horizontal(classes="row"):
                    yield Label(t("as.field.description"), classes="field-label")
                    yield Input(
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
                with Horizontal(classes="row"):
                    yield Label(t("as.field.amount"), classes="field-label")
                    yield Input(
                        id="amount",
                        restrict=r"[0-9.,¥]*",
                        max_length=14,
                        compact=True,
                    )
                    yield Static(id="amount-max", markup=False)
                yield Static(id="amount-hint", classes="hint", markup=False)
                with Horizontal(classes="row"):
                    yield Label(t("as.field.refund_to"), classes="field-label")
                    with RadioSet(id="refund-to", compact=True):
                        yield RadioButton(
                            t("as.refund_to.original"), id="refund-original", value=True
                        )
                        yield RadioButton(t("as.refund_to.red_packet"), id="refund-red_packet")
                yield Static(id="shipping-note", classes="note", markup=False)
            with VerticalScroll(id="step-review", classes="step"):
                yield Static(t("as.review.title"), classes="step-title")
                yield Static(id="review-summary", markup=False)
                yield Static(id="submit-error", classes="hint -error", markup=False)
                yield Button(t("as.submit"), id="submit", variant="primary", compact=True)

    def on_mount(self) -> None:
        self._draw_steps()
        self.query_one("#upload-progress").display = False
        self.query_one(ContentSwitcher).display = False
        self.load()

    # --- loading -------------------------------------------------------------------

    @work(exclusive=True, group="as-load")
    async def load(self) -> None:
        from kshop_tui.api import errors

        status = self.query_one("#wizard-status", Static)
        status.update(Text(t("as.loading"), style="dim"))
        try:
            order, eligibility, reasons = await self.shop.run_api(
                lambda api: asyncio.gather(
                    api.order(self.order_id),
                    api.after_sale_eligibility(self.order_id),
                    api.after_sale_reasons(),
                ),
                needs_login=True,
            )
        except LoginCancelled:
            self.dismiss_wizard()
            return
        except errors.ApiError as error:
            status.update(Text(t("as.load_failed", reason=error.message), style="bold red"))
            return
        self.order, self.eligibility, self.reasons = order, eligibility, reasons
        status.update("")
        status.display = False
        self.set_where(t("as.where", order_no=order.order_no))
        self.query_one(ContentSwitcher).display = True
        await self.query_one("#reason-box").mount_all(self._build_reasons())
        self._fill_types()
        self._fill_refund_to()
        if self.resubmit is not None:
            self._prefill_from(self.resubmit)
        self._go("type")

    def dismiss_wizard(self) -> None:
        if self.is_current and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _allowed_types(self) -> list[str]:
        assert self.eligibility is not None
        allowed = list(self.eligibility.types)
        # The request being modified blocks its own order ("in progress"), not itself.
        if self.resubmit is not None and self.resubmit.type not in allowed:
            allowed.append(self.resubmit.type)
        return allowed

    def _fill_types(self) -> None:
        assert self.eligibility is not None
        options = self.query_one("#type-options", OptionList)
        options.clear_options()
        allowed = self._allowed_types()
        for kind in TYPES:
            prompt = Text(t(f"as.type.{kind}"), style="bold")
            prompt.append("\n" + t(f"as.type.{kind}.help"), style="dim")
            if kind not in allowed:
                why = self.eligibility.not_allowed.get(kind, "")
                prompt.append("\n" + t("as.type.not_allowed", reason=why), style="italic")
            options.add_option(Option(prompt, id=kind, disabled=kind not in allowed))
        for index, kind in enumerate(TYPES):
            if kind in allowed and (self.chosen_type in (None, kind)):
                options.highlighted = index
                break
        window = self.eligibility.window_ends_at
        note = self.query_one("#window-note", Static)
        note.update(Text(t("as.window_until", date=local_time(window))) if window else "")

    def _fill_refund_to(self) -> None:
        assert self.order is not None
        method = self.order.paid_method or self.order.payment_method
        original = self.query_one("#refund-original", RadioButton)
        original.label = Text(t("as.refund_to.original_method", method=_method_name(method)))

    def _prefill_from(self, after_sale: AfterSale) -> None:
        self.query_one("#description", Input).value = after_sale.description
        amount = _yuan_text(after_sale.amount_fen)
        self.query_one("#amount", Input).value = amount
        self._prefilled_amount = ""
        target = "refund-red_packet" if after_sale.refund_to == "red_packet" else "refund-original"
        self.query_one(f"#{target}", RadioButton).value = True
        self._draw_photos()

    # --- steps ---------------------------------------------------------------------

    def _draw_steps(self) -> None:
        line = Text()
        current = STEPS.index(self.step)
        for index, step in enumerate(STEPS):
            if index:
                line.append(" › ", style="dim")
            label = t(f"as.step.{step}")
            if index == current:
                line.append(f" {label} ", style="bold reverse")
            elif index < current:
                line.append("✓ " + label)
            else:
                line.append(label, style="dim")
        self.query_one("#steps", Static).update(line)

    def _go(self, step: str) -> None:
        self.step = step
        self.query_one(ContentSwitcher).current = f"step-{step}"
        self._draw_steps()
        self.refresh_bindings()
        if step == "type":
            self.query_one("#type-options", OptionList).focus()
        elif step == "items":
            self._fill_items()
            self.query_one("#item-list", SelectionList).focus()
        elif step == "reason":
            self._fill_reasons()
            self._prefill_amount()
            self._show_shipping_note()
            self._focus_first_reason_field()
        else:
            self._fill_review()
            self.query_one("#submit", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_step":
            return self.eligibility is not None and self.step != "review"
        if action == "add_photo":
            return self.step == "reason"
        if action == "remove_photo":
            return self.step == "reason" and bool(self.photos) and self._photo_list_focused()
        if action == "submit":
            return self.step == "review"
        return True

    def _photo_list_focused(self) -> bool:
        return self.focused is self.query_one("#photo-list", OptionList)

    def action_back(self) -> None:
        """Escape: one step back; out of the wizard from the first step."""
        index = STEPS.index(self.step)
        if index == 0 or self.eligibility is None:
            self.dismiss_wizard()
        else:
            self._go(STEPS[index - 1])

    def action_next_step(self) -> None:
        if self.eligibility is None:
            return
        if self.step == "type":
            options = self.query_one("#type-options", OptionList)
            if options.highlighted is not None:
                self._choose_type(options.get_option_at_index(options.highlighted))
        elif self.step == "items":
            if self._check_items():
                self._go("reason")
        elif self.step == "reason" and self._check_reason_step():
            self._go("review")

    @on(OptionList.OptionSelected, "#type-options")
    def _type_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose_type(event.option)

    def _choose_type(self, option: Option) -> None:
        if option.disabled or option.id is None:
            return
        self.chosen_type = option.id
        self._hint("type-hint", "")
        self._go("items")

    # --- items ---------------------------------------------------------------------

    def _choosable_items(self) -> list[ChoosableItem]:
        assert self.eligibility is not None and self.chosen_type is not None
        own = {item.item_id for item in self.resubmit.items} if self.resubmit else set()
        return [
            ChoosableItem(
                item_id=item.item_id,
                name=item.name,
                specs="/".join(item.specs.values()),
                qty=item.qty,
                refundable_fen=item.refundable_fen,
            )
            for item in self.eligibility.items
            if self.chosen_type in item.types or item.item_id in own
        ]

    def _fill_items(self) -> None:
        assert self.eligibility is not None
        if self._items_for_type == self.chosen_type:
            return
        self._items_for_type = self.chosen_type
        choosable = self._choosable_items()
        ids = [item.item_id for item in choosable]
        if self.resubmit is not None:
            wanted = {item.item_id for item in self.resubmit.items}
        elif self.wanted_item_ids:
            wanted = set(self.wanted_item_ids)
        else:
            wanted = set(ids)
        item_list: SelectionList[int] = self.query_one("#item-list", SelectionList)
        item_list.clear_options()
        amount_width = max((len(money(item.refundable_fen)) for item in choosable), default=0)
        for item in choosable:
            # A selection is one line: the amount first, so a long name cannot hide it.
            prompt = Text(money(item.refundable_fen).rjust(amount_width), style="bold")
            prompt.append("  " + item.name)
            detail = f"{item.specs} × {item.qty}" if item.specs else f"× {item.qty}"
            prompt.append(f"  {detail}", style="dim")
            item_list.add_option(Selection(prompt, item.item_id, item.item_id in wanted))
        blocked = Text()
        for line in self.eligibility.items:
            if line.item_id in ids:
                continue
            blocked.append(line.name, style="dim strike")
            blocked.append(f"  {line.reason or t('as.item_not_eligible')}\n", style="dim italic")
        self.query_one("#items-blocked", Static).update(blocked)
        self._hint("items-hint", "")

    def _chosen_item_ids(self) -> list[int]:
        item_list: SelectionList[int] = self.query_one("#item-list", SelectionList)
        return list(item_list.selected)

    def _check_items(self) -> bool:
        if not self._chosen_item_ids():
            self._hint("items-hint", t("as.items.none"), error=True)
            self.query_one("#item-list", SelectionList).focus()
            return False
        self._hint("items-hint", "")
        return True

    @on(SelectionList.SelectedChanged, "#item-list")
    def _items_changed(self) -> None:
        if self._chosen_item_ids():
            self._hint("items-hint", "")

    def max_refund_fen(self) -> int:
        """What the chosen items can refund at most, by the server's rule: what was paid
        for them, plus the shipping fee while the order has not shipped and they are all
        that is left to refund; never more than the order still holds."""
        assert self.order is not None
        chosen = set(self._chosen_item_ids())
        refundable = {item.item_id: item.refundable_fen for item in self._choosable_items()}
        total = sum(refundable.get(item_id, 0) for item_id in chosen)
        unrefunded = {item.id for item in self.order.items if not item.refunded}
        if self.order.shipped_at is None and unrefunded <= chosen:
            total += self.order.shipping_fen
        return max(0, min(total, self.order.total_fen - self.order.refunded_fen))

    # --- reason, details, photos, amount --------------------------------------------

    def _reasons_for(self, kind: str) -> list[AfterSaleReason]:
        return [reason for reason in self.reasons if kind in reason.types]

    def _build_reasons(self) -> list[RadioSet]:
        """One set of reasons per type (they differ in what applies and who pays the
        return shipping); the chosen type's is shown."""
        sets = []
        width = max((cell_len(reason.label) for reason in self.reasons), default=0) + 2
        for kind in TYPES:
            buttons = []
            for reason in self._reasons_for(kind):
                label = Text(reason.label)
                if kind == "return_refund":
                    who = "merchant" if reason.merchant_pays_return_shipping else "buyer"
                    label.append(" " * (width - cell_len(reason.label)))
                    label.append(t(f"as.shipping_paid_by.{who}"), style="dim")
                pressed = kind == self.chosen_type and reason.code == self.chosen_reason
                buttons.append(RadioButton(label, name=reason.code, value=pressed))
            reason_set = RadioSet(*buttons, id=f"reasons-{kind}", classes="reasons", compact=True)
            reason_set.display = False
            sets.append(reason_set)
        return sets

    def _reason_set(self) -> RadioSet:
        return self.query_one(f"#reasons-{self.chosen_type}", RadioSet)

    def _fill_reasons(self) -> None:
        if self.chosen_type is None:
            return
        for reason_set in self.query(".reasons"):
            reason_set.display = reason_set.id == f"reasons-{self.chosen_type}"
        pressed = self._reason_set().pressed_button
        self.chosen_reason = pressed.name if pressed is not None else None

    def _focus_first_reason_field(self) -> None:
        def focus() -> None:
            if self.chosen_reason is None:
                self._reason_set().focus()
            else:
                self.query_one("#description", Input).focus()

        self.call_after_refresh(focus)

    @on(RadioSet.Changed, ".reasons")
    def _reason_changed(self, event: RadioSet.Changed) -> None:
        self.chosen_reason = event.pressed.name
        self._hint("reason-hint", "")
        self._show_shipping_note()

    def _chosen_reason(self) -> AfterSaleReason | None:
        return next((r for r in self.reasons if r.code == self.chosen_reason), None)

    def _show_shipping_note(self) -> None:
        note = self.query_one("#shipping-note", Static)
        note.update(Text(self._shipping_words()))

    def _shipping_words(self) -> str:
        if self.chosen_type != "return_refund":
            return t("as.shipping.none")
        reason = self._chosen_reason()
        if reason is None:
            return t("as.shipping.depends")
        if reason.merchant_pays_return_shipping:
            return t("as.shipping.merchant")
        return t("as.shipping.buyer")

    @on(Input.Changed, "#description")
    def _description_typed(self, event: Input.Changed) -> None:
        count = len(event.value)
        self._hint(
            "description-hint", t("as.description_count", count=count, limit=MAX_DESCRIPTION)
        )

    @on(Input.Submitted, "#description")
    def _description_done(self) -> None:
        self.query_one("#add-photo", Button).focus()

    def _prefill_amount(self) -> None:
        """Fills the maximum in, unless the user typed an amount of their own."""
        amount = self.query_one("#amount", Input)
        maximum = self.max_refund_fen()
        self.query_one("#amount-max", Static).update(
            Text(t("as.amount_max", amount=money(maximum)), style="dim")
        )
        if amount.value in ("", self._prefilled_amount):
            self._prefilled_amount = _yuan_text(maximum)
            amount.value = self._prefilled_amount
        else:
            self._check_amount(loud=True)

    def _amount_problem(self) -> str | None:
        value = self.query_one("#amount", Input).value
        fen = parse_yuan(value)
        if not value.strip():
            return t("as.amount.required")
        if fen is None:
            return t("as.amount.invalid")
        if fen < 1:
            return t("as.amount.too_small")
        maximum = self.max_refund_fen()
        if fen > maximum:
            return t("as.amount.too_big", amount=money(maximum))
        return None

    def _check_amount(self, *, loud: bool) -> bool:
        problem = self._amount_problem()
        if problem is None:
            self._hint("amount-hint", "")
        elif loud or self.query_one("#amount", Input).value:
            self._hint("amount-hint", problem, error=True)
        return problem is None

    @on(Input.Changed, "#amount")
    def _amount_typed(self) -> None:
        self._check_amount(loud=False)

    @on(Input.Submitted, "#amount")
    def _amount_done(self) -> None:
        self.action_next_step()

    def _check_reason_step(self) -> bool:
        first_problem: str | None = None
        if self.chosen_reason is None:
            self._hint("reason-hint", t("as.reason.required"), error=True)
            first_problem = f"#reasons-{self.chosen_type}"
        if not self._check_amount(loud=True) and first_problem is None:
            first_problem = "#amount"
        if self._uploading:
            self._hint("photos-hint", t("as.photos.wait"), error=True)
            first_problem = first_problem or "#add-photo"
        if first_problem is not None:
            self.query_one(first_problem).focus()
            return False
        return True

    # --- photos --------------------------------------------------------------------

    def _draw_photos(self) -> None:
        photo_list = self.query_one("#photo-list", OptionList)
        photo_list.clear_options()
        for photo in self.photos:
            photo_list.add_option(Option(Text(photo.label), id=str(photo.upload_id)))
        photo_list.display = bool(self.photos)
        count = len(self.photos)
        self.query_one("#add-photo", Button).disabled = count >= MAX_PHOTOS
        self.query_one("#add-photo", Button).label = t(
            "as.add_photo_count", count=count, limit=MAX_PHOTOS
        )
        self.refresh_bindings()

    def action_add_photo(self) -> None:
        if len(self.photos) >= MAX_PHOTOS:
            self._hint("photos-hint", t("as.photos.full", limit=MAX_PHOTOS), error=True)
            return
        if self._uploading:
            return
        self.pick_and_upload()

    @on(Button.Pressed, "#add-photo")
    def _add_photo_pressed(self) -> None:
        self.action_add_photo()

    def action_remove_photo(self) -> None:
        photo_list = self.query_one("#photo-list", OptionList)
        index = photo_list.highlighted
        if index is None or not 0 <= index < len(self.photos):
            return
        del self.photos[index]
        self._draw_photos()
        if self.photos:
            photo_list.highlighted = min(index, len(self.photos) - 1)
        else:
            self.query_one("#add-photo", Button).focus()

    @on(OptionList.OptionHighlighted, "#photo-list")
    @on(OptionList.OptionSelected, "#photo-list")
    def _photo_focus_changed(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @work(exclusive=True, group="as-photo")
    async def pick_and_upload(self) -> None:
        chosen = await self.app.push_screen_wait(FilePickerModal(self._last_folder))
        if chosen is None:
            return
        self._last_folder = chosen.parent
        await self.upload(chosen)

    async def upload(self, path: Path) -> None:
        """Checks the file on disk, then uploads it with a progress bar."""
        from kshop_tui.api import errors

        progress = self.query_one("#upload-progress", ProgressBar)
        label = self.query_one("#upload-label", Static)
        self._hint("photos-hint", "")
        self._uploading = True
        progress.display = True
        progress.update(progress=0)
        label.update(Text(t("as.photo_checking", name=path.name), style="dim"))
        try:
            photo: Photo = await asyncio.to_thread(read_photo, path)
            progress.update(progress=1)
            label.update(Text(t("as.photo_uploading", name=photo.name), style="dim"))
            upload: Upload = await self.shop.run_api(
                lambda api: api.upload_photo(photo.name, photo.data, photo.content_type),
                needs_login=True,
            )
        except PhotoRefused as refusal:
            self._hint("photos-hint", str(refusal), error=True)
            return
        except errors.ApiError as error:
            self._hint("photos-hint", t("as.photo_failed", reason=error.message), error=True)
            return
        except LoginCancelled:
            return
        finally:
            self._uploading = False
            progress.display = False
            label.update("")
        progress.update(progress=UPLOAD_STAGES)
        self.photos.append(
            AttachedPhoto(upload.id, f"{upload.filename}  {human_size(upload.size)} ✓")
        )
        self._draw_photos()

    # --- review and submit ---------------------------------------------------------

    def _fill_review(self) -> None:
        assert self.order is not None and self.chosen_type is not None
        reason = self._chosen_reason()
        amount = parse_yuan(self.query_one("#amount", Input).value) or 0
        chosen = set(self._chosen_item_ids())
        names = [item.name for item in self._choosable_items() if item.item_id in chosen]
        description = self.query_one("#description", Input).value.strip()
        rows: list[tuple[str, Text]] = [
            (t("as.review.order"), Text(self.order.order_no)),
            (t("as.review.type"), Text(t(f"as.type.{self.chosen_type}"))),
            (t("as.review.items"), Text("\n".join(names))),
            (t("as.review.reason"), Text(reason.label if reason else "")),
            (
                t("as.review.description"),
                Text(description or t("as.review.none"), style="" if description else "dim"),
            ),
            (t("as.review.photos"), Text(t("as.review.photo_count", count=len(self.photos)))),
            (t("as.review.amount"), Text(money(amount), style="bold")),
            (t("as.review.refund_to"), Text(self._refund_to_words())),
            (t("as.review.shipping"), Text(self._shipping_words())),
        ]
        width = max(cell_len(label) for label, _ in rows) + 2
        summary = Text()
        for label, value in rows:
            summary.append(label + " " * (width - cell_len(label)), style="dim")
            lines = value.split("\n")
            for index, line in enumerate(lines):
                if index:
                    summary.append(" " * width)
                summary.append_text(line)
                summary.append("\n")
        self.query_one("#review-summary", Static).update(summary)

    def _refund_to(self) -> str:
        red_packet = self.query_one("#refund-red_packet", RadioButton).value
        return "red_packet" if red_packet else "original"

    def _refund_to_words(self) -> str:
        if self._refund_to() == "red_packet":
            return t("as.refund_to.red_packet")
        return str(self.query_one("#refund-original", RadioButton).label)

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.step == "review":
            self.submit()

    def _request(self) -> AfterSaleRequest:
        assert self.chosen_type in TYPES and self.chosen_reason is not None
        return AfterSaleRequest(
            type="refund_only" if self.chosen_type == "refund_only" else "return_refund",
            item_ids=self._chosen_item_ids(),
            reason=self.chosen_reason,
            amount_fen=parse_yuan(self.query_one("#amount", Input).value) or 0,
            description=self.query_one("#description", Input).value.strip(),
            refund_to="red_packet" if self._refund_to() == "red_packet" else "original",
            photo_ids=[photo.upload_id for photo in self.photos],
        )

    @work(exclusive=True, group="as-submit")
    async def submit(self) -> None:
        from kshop_tui.api import errors

        request = self._request()
        button = self.query_one("#submit", Button)
        button.disabled = True
        button.label = t("as.submitting")
        self._hint("submit-error", "")
        try:
            after_sale = await self.shop.run_api(
                lambda api: request.send(api, self.order_id, self.intent_key, self.resubmit),
                needs_login=True,
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self._show_refusal(error)
            return
        finally:
            button.disabled = False
            button.label = t("as.submit")
        self.notify(t("as.submitted", amount=money(after_sale.amount_fen)))
        if self.resubmit is not None:
            self.dismiss_wizard()  # back to the after-sale's detail, which reloads
            return
        from kshop_tui.screens.after_sale_detail import AfterSaleDetailScreen

        self.app.switch_screen(AfterSaleDetailScreen(after_sale.id))

    def _show_refusal(self, error: ApiError) -> None:
        """The server's words on the review step, and next to the field they concern."""
        from kshop_tui.api import errors

        if isinstance(error, errors.BackendUnreachable):
            self._hint("submit-error", t("as.submit_unreachable"), error=True)
            return
        self._hint("submit-error", error.message, error=True)
        if isinstance(error, errors.ValidationFailed):
            for name, words in error.fields.items():
                step, hint = FIELD_HINTS.get(name, ("review", "submit-error"))
                if step != "review":
                    self._hint(hint, words, error=True)
        elif isinstance(error, errors.NotFound) and error.details.get("resource") == "upload":
            self._hint("photos-hint", error.message, error=True)

    # --- shared --------------------------------------------------------------------

    def _hint(self, hint_id: str, message: str, *, error: bool = False) -> None:
        hint = self.query_one(f"#{hint_id}", Static)
        hint.update(Text(message))
        hint.set_class(error, "-error")


def _yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _method_name(method: str) -> str:
    key = f"as.method.{method}"
    name = t(key)
    return method if name == key else name
