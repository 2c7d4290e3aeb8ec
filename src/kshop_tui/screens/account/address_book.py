"""The address book: pick where an order goes, add, edit, delete, set the default.

`AddressBookModal(chosen_id)` dismisses with the picked `Address`, or None on escape.
Adding and editing are `address_form.AddressFormModal`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.screens.account.address_form import AddressFormModal, error_words
from kshop_tui.shop.flows.address import made_default
from kshop_tui.widgets.address_card import address_text
from kshop_tui.widgets.footer import ShopFooter

if TYPE_CHECKING:
    from kshop_tui.api.models import Address


class AddressBookModal(ShopModal):
    CSS_PATH = "address_book.tcss"
    BINDINGS = [
        Binding("n", "new", "address.key.new", id="address_book.new"),
        Binding("e", "edit", "address.key.edit", id="address_book.edit"),
        Binding("s", "make_default", "address.key.default", id="address_book.default"),
        Binding("d,delete", "delete", "address.key.delete", id="address_book.delete"),
    ]

    def __init__(self, chosen_id: int | None = None) -> None:
        super().__init__()
        self.chosen_id = chosen_id
        self.addresses: list[Address] = []
        self._delete_armed: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="ab-dialog") as dialog:
            dialog.border_title = t("address.book_title")
            yield OptionList(id="ab-list")
            yield Static(id="ab-status", markup=False)
        yield ShopFooter()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="address-book")
    async def load(self, highlight_id: int | None = None) -> None:
        from kshop_tui.api import errors

        self._status(t("browse.loading"))
        try:
            addresses = await self.shop.run_api(lambda api: api.addresses(), needs_login=True)
        except errors.ApiError as error:
            self._status(error_words(error), problem=True)
            return
        self.addresses = addresses
        self._fill(highlight_id if highlight_id is not None else self.chosen_id)
        if not addresses:
            self._status(t("address.book_empty"))
        else:
            self._status(t("address.book_hint"))

    def _fill(self, highlight_id: int | None) -> None:
        options = self.query_one("#ab-list", OptionList)
        options.clear_options()
        for address in self.addresses:
            mark = Text("● " if address.id == self.chosen_id else "  ", style="bold green")
            options.add_option(
                Option(mark + address_text(address, one_line=False), id=str(address.id))
            )
        for index, address in enumerate(self.addresses):
            if address.id == highlight_id:
                options.highlighted = index
        options.focus()

    def _status(self, message: str, *, problem: bool = False) -> None:
        status = self.query_one("#ab-status", Static)
        status.update(Text(message))
        status.set_class(problem, "-problem")

    def _current(self) -> Address | None:
        index = self.query_one("#ab-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.addresses):
            return None
        return self.addresses[index]

    # --- actions -------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#ab-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        chosen = next((a for a in self.addresses if str(a.id) == event.option.id), None)
        if chosen is not None:
            self.dismiss(chosen)

    def action_new(self) -> None:
        self.edit(None)

    def action_edit(self) -> None:
        address = self._current()
        if address is not None:
            self.edit(address)

    @work(group="address-form")
    async def edit(self, address: Address | None) -> None:
        saved = await self.app.push_screen_wait(AddressFormModal(address))
        if saved is not None:
            self.load(highlight_id=saved.id)

    def action_make_default(self) -> None:
        address = self._current()
        if address is not None and not address.is_default:
            self.save_fields(address.id, made_default(address))

    def action_delete(self) -> None:
        address = self._current()
        if address is None:
            return
        if self._delete_armed != address.id:
            self._delete_armed = address.id
            self._status(t("address.delete_confirm", name=address.name), problem=True)
            return
        self._delete_armed = None
        self.delete(address.id)

    @work(exclusive=True, group="address-change")
    async def save_fields(self, address_id: int, fields: dict[str, Any]) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(
                lambda api: api.save_address(fields, address_id), needs_login=True
            )
        except errors.ApiError as error:
            self._status(error_words(error), problem=True)
            return
        self.load(highlight_id=address_id)

    @work(exclusive=True, group="address-change")
    async def delete(self, address_id: int) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(lambda api: api.delete_address(address_id), needs_login=True)
        except errors.ApiError as error:
            self._status(error_words(error), problem=True)
            return
        if self.chosen_id == address_id:
            self.chosen_id = None
        self.notify(t("address.deleted"))
        self.load()
