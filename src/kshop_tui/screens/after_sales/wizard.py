"""The after-sale wizard (售后申请): type › items › (spec, for an exchange) › reason ›
review, then one submit.

Only what the server's eligibility allows can be chosen; the rest is shown greyed with
the server's reason. The whole wizard is one user intent: every retry of its submit
carries one idempotency key, until the server answers. Opened with an after-sale that was
rejected, it is prefilled and resubmits that one. What it may ask for is the draft's rule
(`kshop_tui.shop.flows.after_sale`); the reason step is `wizard_reason.ReasonStep`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, ContentSwitcher, Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screens.after_sales import wizard_words as words
from kshop_tui.screens.after_sales.wizard_layout import compose_steps
from kshop_tui.screens.after_sales.wizard_reason import ReasonStep
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.flows.after_sale import TYPES, AfterSaleDraft, AfterSaleSubmit, AttachedPhoto
from kshop_tui.text import local_time, money
from kshop_tui.widgets.toggles import RadioButton

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import AfterSale

# The backend's field names → the hint under the field that shows their refusal.
FIELD_HINTS = {
    "amount_fen": ("reason", "amount-hint"),
    "reason": ("reason", "reason-hint"),
    "description": ("reason", "description-hint"),
    "photo_ids": ("reason", "photos-hint"),
    "item_ids": ("items", "items-hint"),
    "exchange_items": ("spec", "spec-hint"),
    "type": ("type", "type-hint"),
}


def field_hint(name: str) -> tuple[str, str]:
    """Where a refused field's message goes (`exchange_items.0.sku_id` by its list)."""
    return FIELD_HINTS.get(name.split(".", 1)[0], ("review", "submit-error"))


class AfterSaleWizard(ReasonStep):
    CSS_PATH = "wizard.tcss"
    BINDINGS = [
        # f4 too: a browser keeps ctrl+n (new window) for itself when the shop is on the web.
        Binding("ctrl+n,f4", "next_step", "as.key.next", id="after_sale.next"),
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
        super().__init__()
        self.order_id = order_id
        self.wanted_item_ids = item_ids
        self.resubmit = resubmit
        self.submission = AfterSaleSubmit(order_id, resubmit)
        self.step = "type"

    def where(self) -> str:
        return t("as.where_loading")

    # --- what the wizard has chosen so far (None until the order has loaded) ----------

    @property
    def chosen_type(self) -> str | None:
        return self.draft.kind if self.draft else None

    @property
    def chosen_reason(self) -> str | None:
        return self.draft.reason_code if self.draft else None

    @property
    def photos(self) -> list[AttachedPhoto]:
        return self.draft.photos if self.draft else []

    def max_refund_fen(self) -> int:
        assert self.draft is not None
        return self.draft.max_refund_fen()

    @property
    def intent_key(self) -> str | None:
        """The Idempotency-Key the last submit carried."""
        return self.submission.last_key

    # --- building and loading ------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield from compose_steps()

    def on_mount(self) -> None:
        self.query_one("#steps", Static).update(words.step_line(self.step, self.chosen_type))
        self.query_one("#upload-progress").display = False
        self.query_one(ContentSwitcher).display = False
        self.load()

    @work(exclusive=True, group="as-load")
    async def load(self) -> None:
        status = self.query_one("#wizard-status", Static)
        status.update(Text(t("as.loading"), style="dim"))

        def refused(error: errors.ApiError) -> None:
            reason = error_words(error)
            status.update(Text(t("as.load_failed", reason=reason), style="bold red"))

        loaded = await self.shop.attempt(
            lambda api: asyncio.gather(
                api.order(self.order_id),
                api.after_sale_eligibility(self.order_id),
                api.after_sale_reasons(),
            ),
            needs_login=True,
            on_refusal=refused,
            on_login_cancelled=self.dismiss_wizard,
        )
        if loaded is None:
            return
        order, eligibility, reasons = loaded
        draft = AfterSaleDraft(
            order,
            eligibility,
            reasons,
            resubmit=self.resubmit,
            wanted_item_ids=self.wanted_item_ids,
        )
        self.draft = draft
        status.update("")
        status.display = False
        self.set_where(t("as.where", order_no=order.order_no))
        self.query_one(ContentSwitcher).display = True
        await self.query_one("#reason-box").mount_all(words.reason_sets(draft))
        self._fill_types(draft)
        self._fill_refund_to(draft)
        if self.resubmit is not None:
            self._prefill(draft)
        self._go("type")

    def dismiss_wizard(self) -> None:
        if self.is_current and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _fill_types(self, draft: AfterSaleDraft) -> None:
        options = self.query_one("#type-options", OptionList)
        options.clear_options()
        options.add_options(words.type_options(draft))
        first = draft.preselected_kind()
        if first is not None:
            options.highlighted = TYPES.index(first)
        eligibility = draft.eligibility
        lines = []
        if eligibility.window_ends_at:
            lines.append(t("as.window_until", date=local_time(eligibility.window_ends_at)))
        if eligibility.quality_window_ends_at:
            quality_until = local_time(eligibility.quality_window_ends_at)
            lines.append(t("as.quality_window_until", date=quality_until))
        self.query_one("#window-note", Static).update(Text("\n".join(lines)))

    def _fill_refund_to(self, draft: AfterSaleDraft) -> None:
        method = words.method_name(draft.order.paid_method or draft.order.payment_method)
        original = self.query_one("#refund-original", RadioButton)
        original.label = Text(t("as.refund_to.original_method", method=method))

    def _prefill(self, draft: AfterSaleDraft) -> None:
        """The rejected request's description, amount, refund target and photos."""
        self.query_one("#description", Input).value = draft.description
        self.query_one("#amount", Input).value = draft.amount_text
        self.query_one(f"#refund-{draft.refund_to}", RadioButton).value = True
        self._draw_photos()

    # --- steps ---------------------------------------------------------------------

    def _go(self, step: str) -> None:
        self.step = step
        self.query_one(ContentSwitcher).current = f"step-{step}"
        self.query_one("#steps", Static).update(words.step_line(step, self.chosen_type))
        self.refresh_bindings()
        if step == "type":
            self.query_one("#type-options", OptionList).focus()
        elif step == "items":
            self.query_one("#item-list", SelectionList).focus()
        elif step == "spec":
            self._fill_specs()
            self.query_one("#spec-options", OptionList).focus()
        elif step == "reason":
            self._show_reason_step()
        else:
            self._fill_review()
            self.query_one("#submit", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_step":
            return self.draft is not None and self.step != "review"
        if action == "add_photo":
            return self.step == "reason"
        if action == "remove_photo":
            return self.step == "reason" and bool(self.photos) and self._photo_list_focused()
        if action == "submit":
            return self.step == "review"
        return True

    def refusal(self, action: str) -> str | None:
        if action not in ("next_step", "add_photo", "remove_photo", "submit"):
            return None
        if self.check_action(action, ()):
            return None
        if self.draft is None:
            return t("as.loading")
        if action == "next_step":
            return t("as.why_not.last_step")
        if action == "submit":
            return t("as.why_not.not_reviewed")
        if self.step != "reason":
            return t("as.why_not.photo_step")
        return t("as.why_not.no_photo") if not self.photos else t("as.why_not.photo_list")

    def _photo_list_focused(self) -> bool:
        return self.focused is self.query_one("#photo-list", OptionList)

    def action_back(self) -> None:
        """Escape: one step back; out of the wizard from the first step."""
        steps = words.steps_for(self.chosen_type)
        index = steps.index(self.step)
        if index == 0 or self.draft is None:
            self.dismiss_wizard()
        else:
            self._go(steps[index - 1])

    def action_next_step(self) -> None:
        if self.draft is None:
            return
        if self.step == "type":
            options = self.query_one("#type-options", OptionList)
            if options.highlighted is not None:
                self._choose_type(options.get_option_at_index(options.highlighted))
        elif self.step == "items":
            if self._check_items():
                self._go("spec" if self.draft.kind == "exchange" else "reason")
        elif self.step == "spec":
            if self._check_specs():
                self._go("reason")
        elif self.step == "reason" and self._check_reason_step():
            self._go("review")

    @on(Input.Submitted, "#amount")
    def _amount_done(self) -> None:
        self.action_next_step()

    # --- type and items ------------------------------------------------------------

    @on(OptionList.OptionSelected, "#type-options")
    def _type_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose_type(event.option)

    def _choose_type(self, option: Option) -> None:
        if option.disabled or option.id is None or self.draft is None:
            return
        if self.draft.choose_kind(option.id):
            self._fill_items(self.draft)
        self._hint("type-hint", "")
        self._go("items")

    def _fill_items(self, draft: AfterSaleDraft) -> None:
        item_list: SelectionList[int] = self.query_one("#item-list", SelectionList)
        item_list.clear_options()
        item_list.add_options(words.item_selections(draft))
        self.query_one("#items-blocked", Static).update(words.blocked_items(draft))
        self._hint("items-hint", "")

    def _check_items(self) -> bool:
        assert self.draft is not None
        if not self.draft.item_ids:
            self._hint("items-hint", t("as.items.none"), error=True)
            self.query_one("#item-list", SelectionList).focus()
            return False
        self._hint("items-hint", "")
        return True

    @on(SelectionList.SelectedChanged, "#item-list")
    def _items_changed(self, event: SelectionList.SelectedChanged[int]) -> None:
        if self.draft is None:
            return
        self.draft.item_ids = list(event.selection_list.selected)
        if self.draft.item_ids:
            self._hint("items-hint", "")

    # --- an exchange's specs --------------------------------------------------------

    def _fill_specs(self, keep: str | None = None) -> None:
        assert self.draft is not None
        options = self.query_one("#spec-options", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(words.spec_options(self.draft))
        if keep is not None:
            options.highlighted = options.get_option_index(keep)
        elif highlighted is None:
            first = next(
                (
                    i
                    for i in range(options.option_count)
                    if not options.get_option_at_index(i).disabled
                ),
                None,
            )
            options.highlighted = first

    @on(OptionList.OptionSelected, "#spec-options")
    def _spec_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        if self.draft is None or option_id is None or ":" not in option_id:
            return
        item_id, sku_id = (int(part) for part in option_id.split(":"))
        if not self.draft.choose_spec(item_id, sku_id):
            self._hint("spec-hint", t("as.spec.not_available"), error=True)
            return
        self._hint("spec-hint", "")
        self._fill_specs(keep=option_id)

    def _check_specs(self) -> bool:
        assert self.draft is not None
        problem = self.draft.spec_problem()
        if problem is None:
            self._hint("spec-hint", "")
            return True
        item_id, kind = problem
        name = next((i.name for i in self.draft.chosen_items() if i.item_id == item_id), "")
        key = "as.spec.choose" if kind == "choose" else "as.spec.sold_out_now"
        self._hint("spec-hint", t(key, name=name), error=True)
        self.query_one("#spec-options", OptionList).focus()
        return False

    # --- review and submit ---------------------------------------------------------

    def _fill_review(self) -> None:
        assert self.draft is not None
        summary = words.review_summary(self.draft, self._refund_to_words())
        self.query_one("#review-summary", Static).update(summary)

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.step == "review":
            self.submit()

    @work(exclusive=True, group="as-submit")
    async def submit(self) -> None:
        assert self.draft is not None
        request = self.draft.request()
        button = self.query_one("#submit", Button)
        button.disabled = True
        button.label = t("as.submitting")
        self._hint("submit-error", "")
        try:
            after_sale = await self.shop.attempt(
                lambda api: self.submission.send(api, request),
                needs_login=True,
                on_refusal=self._show_refusal,
            )
        finally:
            button.disabled = False
            button.label = t("as.submit")
        if after_sale is None:
            return
        if after_sale.type == "exchange":
            self.notify(t("as.submitted_exchange"))
        else:
            self.notify(t("as.submitted", amount=money(after_sale.amount_fen)))
        if self.resubmit is not None:
            self.dismiss_wizard()  # back to the after-sale's detail, which reloads
            return
        self.open("after_sale_detail", after_sale.id, replace=True)

    def _show_refusal(self, error: ApiError) -> None:
        """The server's words on the review step, and next to the field they concern."""
        if isinstance(error, errors.BackendUnreachable):
            self._hint("submit-error", t("as.submit_unreachable"), error=True)
            return
        self._hint("submit-error", error.message, error=True)
        if isinstance(error, errors.ValidationFailed):
            for name, message in error.fields.items():
                step, hint = field_hint(name)
                if step != "review":
                    self._hint(hint, message, error=True)
        elif isinstance(error, errors.NotFound) and error.details.get("resource") == "upload":
            self._hint("photos-hint", error.message, error=True)
