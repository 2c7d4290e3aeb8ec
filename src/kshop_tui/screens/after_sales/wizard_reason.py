"""The after-sale wizard's reason step: the reason, a description, photos (checked on disk,
then uploaded with a progress bar), the amount and where the refund goes. The wizard
screen (`wizard.AfterSaleWizard`) is built on it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.widgets import Button, Input, OptionList, ProgressBar, RadioSet, Static
from textual.widgets.option_list import Option

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.after_sales import wizard_words as words
from kshop_tui.screens.after_sales.wizard_layout import UPLOAD_STAGES
from kshop_tui.shop.flows.after_sale import (
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    AfterSaleDraft,
    AttachedPhoto,
)
from kshop_tui.text import money
from kshop_tui.widgets.file_picker import (
    FilePickerModal,
    Photo,
    PhotoRefused,
    human_size,
    read_photo,
)
from kshop_tui.widgets.toggles import RadioButton

if TYPE_CHECKING:
    from kshop_tui.api.models import Upload


class ReasonStep(ShopScreen):
    """What the wizard's reason step does; the wizard gives the draft once it has loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.draft: AfterSaleDraft | None = None
        self._uploading = False
        self._last_folder = Path.home()

    def _show_reason_step(self) -> None:
        assert self.draft is not None
        self._fill_reasons()
        money_asked = self.draft.asks_money
        self.query_one("#amount-row").display = money_asked
        self.query_one("#amount-hint").display = money_asked
        self.query_one("#refund-to-row").display = money_asked
        if money_asked:
            self._prefill_amount()
        self._show_shipping_note()
        self._show_photo_need()
        self._focus_first_reason_field()

    # --- the reason ----------------------------------------------------------------

    def _reason_set(self) -> RadioSet:
        assert self.draft is not None
        return self.query_one(f"#reasons-{self.draft.kind}", RadioSet)

    def _fill_reasons(self) -> None:
        """Shows the chosen type's reasons; the draft takes the one pressed there."""
        if self.draft is None or self.draft.kind is None:
            return
        for reason_set in self.query(".reasons"):
            reason_set.display = reason_set.id == f"reasons-{self.draft.kind}"
        pressed = self._reason_set().pressed_button
        self.draft.reason_code = pressed.name if pressed is not None else None

    def _focus_first_reason_field(self) -> None:
        def focus() -> None:
            if self.draft is not None and self.draft.reason_code is None:
                self._reason_set().focus()
            else:
                self.query_one("#description", Input).focus()

        self.call_after_refresh(focus)

    @on(RadioSet.Changed, ".reasons")
    def _reason_changed(self, event: RadioSet.Changed) -> None:
        assert self.draft is not None
        self.draft.reason_code = event.pressed.name
        self._hint("reason-hint", "")
        self._show_shipping_note()
        self._show_photo_need()

    def _show_photo_need(self) -> None:
        """Says before anything is sent that the chosen reason needs a photo."""
        assert self.draft is not None
        if self.draft.photo_problem() is not None:
            self._hint("photos-hint", t("as.photos.needed"))
        elif not self._uploading:
            self._hint("photos-hint", "")

    def _show_shipping_note(self) -> None:
        assert self.draft is not None
        note = self.query_one("#shipping-note", Static)
        note.update(Text(words.return_shipping_words(self.draft)))

    @on(RadioSet.Changed, "#refund-to")
    def _refund_to_changed(self, event: RadioSet.Changed) -> None:
        if self.draft is not None:
            red_packet = event.pressed.id == "refund-red_packet"
            self.draft.refund_to = "red_packet" if red_packet else "original"

    def _refund_to_words(self) -> str:
        assert self.draft is not None
        if self.draft.refund_to == "red_packet":
            return t("as.refund_to.red_packet")
        return str(self.query_one("#refund-original", RadioButton).label)

    # --- the description -----------------------------------------------------------

    @on(Input.Changed, "#description")
    def _description_typed(self, event: Input.Changed) -> None:
        if self.draft is not None:
            self.draft.description = event.input.value
        count = len(event.value)
        self._hint(
            "description-hint", t("as.description_count", count=count, limit=MAX_DESCRIPTION)
        )

    @on(Input.Submitted, "#description")
    def _description_done(self) -> None:
        self.query_one("#add-photo", Button).focus()

    # --- the amount ----------------------------------------------------------------

    def _prefill_amount(self) -> None:
        """Fills the maximum in, unless the user typed an amount of their own."""
        assert self.draft is not None
        self.query_one("#amount-max", Static).update(
            Text(t("as.amount_max", amount=money(self.draft.max_refund_fen())), style="dim")
        )
        if self.draft.prefill_amount():
            self.query_one("#amount", Input).value = self.draft.amount_text
        else:
            self._check_amount(loud=True)

    def _check_amount(self, *, loud: bool) -> bool:
        assert self.draft is not None
        problem = self.draft.amount_problem()
        if problem is None:
            self._hint("amount-hint", "")
        elif loud or self.draft.amount_text:
            maximum = money(self.draft.max_refund_fen())
            self._hint("amount-hint", t(f"as.amount.{problem}", amount=maximum), error=True)
        return problem is None

    @on(Input.Changed, "#amount")
    def _amount_typed(self, event: Input.Changed) -> None:
        if self.draft is not None:
            self.draft.amount_text = event.input.value
            self._check_amount(loud=False)

    def _check_reason_step(self) -> bool:
        """Says what is missing or wrong, next to the field, and focuses the first one."""
        assert self.draft is not None
        first_problem: str | None = None
        reason_problem = self.draft.reason_problem()
        if reason_problem is not None:
            self._hint("reason-hint", t(f"as.reason.{reason_problem}"), error=True)
            first_problem = f"#reasons-{self.draft.kind}"
        if self._uploading:
            self._hint("photos-hint", t("as.photos.wait"), error=True)
            first_problem = first_problem or "#add-photo"
        elif self.draft.photo_problem() is not None:
            self._hint("photos-hint", t("as.photos.required"), error=True)
            first_problem = first_problem or "#add-photo"
        if not self._check_amount(loud=True) and first_problem is None:
            first_problem = "#amount"
        if first_problem is not None:
            self.query_one(first_problem).focus()
            return False
        return True

    # --- photos --------------------------------------------------------------------

    def _draw_photos(self) -> None:
        assert self.draft is not None
        photos = self.draft.photos
        photo_list = self.query_one("#photo-list", OptionList)
        photo_list.clear_options()
        for photo in photos:
            photo_list.add_option(Option(Text(photo.label), id=str(photo.upload_id)))
        photo_list.display = bool(photos)
        add = self.query_one("#add-photo", Button)
        add.disabled = self.draft.photos_full
        add.label = t("as.add_photo_count", count=len(photos), limit=MAX_PHOTOS)
        self.refresh_bindings()

    def action_add_photo(self) -> None:
        if self.draft is None:
            return
        if self.draft.photos_full:
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
        if self.draft is None or index is None or not 0 <= index < len(self.draft.photos):
            return
        del self.draft.photos[index]
        self._draw_photos()
        if self.draft.photos:
            photo_list.highlighted = min(index, len(self.draft.photos) - 1)
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
        assert self.draft is not None
        self.draft.photos.append(
            AttachedPhoto(upload.id, f"{upload.filename}  {human_size(upload.size)} ✓")
        )
        self._draw_photos()
        self._show_photo_need()

    # --- shared --------------------------------------------------------------------

    def _hint(self, hint_id: str, message: str, *, error: bool = False) -> None:
        hint = self.query_one(f"#{hint_id}", Static)
        hint.update(Text(message))
        hint.set_class(error, "-error")
