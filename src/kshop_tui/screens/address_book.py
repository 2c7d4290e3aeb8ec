"""The address book: pick where an order goes, add, edit, delete, set the default.

`AddressBookModal(chosen_id)` dismisses with the picked `Address`, or None on escape.
`AddressFormModal(address)` adds (None) or edits one: name, phone, a province → city →
district picker fed by `api.regions()`, the street; checked here first, then by the
backend, each problem shown under its field. A refused save keeps everything typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from kshop_tui import validation
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.text import clean
from kshop_tui.widgets.address_card import address_text

if TYPE_CHECKING:
    from kshop_tui.api.models import Address, Province

NAME_MAX = 20
DETAIL_MIN = 4
DETAIL_MAX = 120
# The backend's field names → the widgets that hold them.
FIELD_WIDGETS = {
    "name": "af-name",
    "phone": "af-phone",
    "province": "af-province",
    "city": "af-city",
    "district": "af-district",
    "detail": "af-detail",
}


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
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="address-book")
    async def load(self, highlight_id: int | None = None) -> None:
        from kshop_tui.api import errors

        self._status(t("browse.loading"))
        try:
            addresses = await self.shop.run_api(lambda api: api.addresses(), needs_login=True)
        except errors.ApiError as error:
            self._status(_words(error), problem=True)
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
            # PUT replaces the whole address: send it back as it is, now the default.
            fields = {name: getattr(address, name) for name in FIELD_WIDGETS}
            self.save_fields(address.id, {**fields, "is_default": True})

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
            self._status(_words(error), problem=True)
            return
        self.load(highlight_id=address_id)

    @work(exclusive=True, group="address-change")
    async def delete(self, address_id: int) -> None:
        from kshop_tui.api import errors

        try:
            await self.shop.run_api(lambda api: api.delete_address(address_id), needs_login=True)
        except errors.ApiError as error:
            self._status(_words(error), problem=True)
            return
        if self.chosen_id == address_id:
            self.chosen_id = None
        self.notify(t("address.deleted"))
        self.load()


class AddressFormModal(ShopModal):
    """Adds (`address` None) or edits an address; dismisses with the saved one."""

    CSS_PATH = "address_book.tcss"
    BINDINGS = [Binding("ctrl+s", "save", "address.key.save", id="address_form.save")]
    # Regions never change while the shop runs: one fetch serves every form.
    _regions: ClassVar[list[Province] | None] = None

    def __init__(self, address: Address | None = None) -> None:
        super().__init__()
        self.address = address

    def compose(self) -> ComposeResult:
        address = self.address
        with Vertical(id="af-dialog") as dialog:
            dialog.border_title = t("address.edit_title" if address else "address.new_title")
            yield from _field(
                "address.name",
                Input(
                    address.name if address else "",
                    placeholder=t("address.name_placeholder"),
                    id="af-name",
                    max_length=NAME_MAX,
                    compact=True,
                ),
            )
            yield from _field(
                "address.phone",
                Input(
                    address.phone if address else "",
                    placeholder=t("address.phone_placeholder"),
                    id="af-phone",
                    restrict=r"[0-9]*",
                    max_length=11,
                    compact=True,
                ),
            )
            with Horizontal(classes="field-row region-row"):
                yield Label(t("address.region"), classes="field-label")
                yield Select[str]([], prompt=t("address.province"), id="af-province", compact=True)
                yield Select[str]([], prompt=t("address.city"), id="af-city", compact=True)
                yield Select[str]([], prompt=t("address.district"), id="af-district", compact=True)
            yield Static(id="af-region-hint", classes="hint", markup=False)
            yield from _field(
                "address.detail",
                Input(
                    address.detail if address else "",
                    placeholder=t("address.detail_placeholder"),
                    id="af-detail",
                    max_length=DETAIL_MAX,
                    compact=True,
                ),
            )
            yield Checkbox(
                t("address.make_default"),
                address.is_default if address else False,
                id="af-default",
                compact=True,
            )
            yield Static(id="af-general", markup=False)
            with Horizontal(id="af-actions"):
                yield Button(t("address.save"), id="af-save", variant="primary", compact=True)
                yield Button(t("address.cancel"), id="af-cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#af-name", Input).focus()
        self.load_regions()

    @work(exclusive=True, group="regions")
    async def load_regions(self) -> None:
        from kshop_tui.api import errors

        if AddressFormModal._regions is None:
            try:
                AddressFormModal._regions = await self.shop.run_api(lambda api: api.regions())
            except errors.ApiError as error:
                self._general(_words(error))
                return
        address = self.address
        province = self.query_one("#af-province", Select)
        province.set_options((Text(p.name), p.name) for p in self.regions)
        if address is not None and any(p.name == address.province for p in self.regions):
            province.value = address.province
            self._fill_cities(address.province, address.city, address.district)

    @property
    def regions(self) -> list[Province]:
        return AddressFormModal._regions or []

    def _fill_cities(self, province: str, city: str | None, district: str | None) -> None:
        cities = next((p.cities for p in self.regions if p.name == province), [])
        city_select = self.query_one("#af-city", Select)
        city_select.set_options((Text(c.name), c.name) for c in cities)
        if city is not None and any(c.name == city for c in cities):
            city_select.value = city
            self._fill_districts(province, city, district)
        elif len(cities) == 1:
            # A municipality has one city of its own name: nothing to choose.
            city_select.value = cities[0].name
            self._fill_districts(province, cities[0].name, district)
        else:
            self.query_one("#af-district", Select).set_options([])

    def _fill_districts(self, province: str, city: str, district: str | None) -> None:
        cities = next((p.cities for p in self.regions if p.name == province), [])
        districts = next((c.districts for c in cities if c.name == city), [])
        district_select = self.query_one("#af-district", Select)
        district_select.set_options((Text(d), d) for d in districts)
        if district is not None and district in districts:
            district_select.value = district

    @on(Select.Changed, "#af-province")
    def _province_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            city = self.query_one("#af-city", Select).value
            self._fill_cities(event.value, city if isinstance(city, str) else None, None)
        self._hint("af-region", "")

    @on(Select.Changed, "#af-city")
    def _city_changed(self, event: Select.Changed) -> None:
        province = self.query_one("#af-province", Select).value
        if isinstance(event.value, str) and isinstance(province, str):
            district = self.query_one("#af-district", Select).value
            self._fill_districts(
                province, event.value, district if isinstance(district, str) else None
            )
        self._hint("af-region", "")

    @on(Select.Changed, "#af-district")
    def _district_changed(self) -> None:
        self._hint("af-region", "")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._hint(event.input.id, "")

    # --- saving --------------------------------------------------------------------

    def _value(self, widget_id: str) -> str:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Input):
            return widget.value.strip()
        value = widget.value if isinstance(widget, Select) else None
        return value if isinstance(value, str) else ""

    def fields(self) -> dict[str, Any]:
        """What the user typed, as the API takes it."""
        return {
            "name": self._value("af-name"),
            "phone": self._value("af-phone"),
            "province": self._value("af-province"),
            "city": self._value("af-city"),
            "district": self._value("af-district"),
            "detail": self._value("af-detail"),
            "is_default": self.query_one("#af-default", Checkbox).value,
        }

    def _problems(self, fields: dict[str, Any]) -> dict[str, str]:
        """What is wrong, checked here before a round trip (the backend decides last)."""
        problems: dict[str, str] = {}
        if not fields["name"]:
            problems["name"] = t("valid.required")
        phone_problem = validation.check_phone(fields["phone"])
        if phone_problem is not None:
            problems["phone"] = t(phone_problem)
        for part in ("province", "city", "district"):
            if not fields[part]:
                problems[part] = t("address.choose_region")
                break
        if len(fields["detail"]) < DETAIL_MIN:
            problems["detail"] = t("address.detail_short", count=DETAIL_MIN)
        return problems

    @on(Input.Submitted)
    @on(Button.Pressed, "#af-save")
    def action_save(self) -> None:
        fields = self.fields()
        problems = self._problems(fields)
        self._general("")
        for name, widget_id in FIELD_WIDGETS.items():
            if name not in ("city", "district"):
                self._hint(_hint_of(widget_id), problems.get(name, ""))
        region_problem = next(
            (problems[p] for p in ("province", "city", "district") if p in problems), ""
        )
        self._hint("af-region", region_problem)
        if problems:
            first = next(iter(problems))
            self.query_one(f"#{FIELD_WIDGETS[first]}").focus()
            return
        self.save(fields)

    @on(Button.Pressed, "#af-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="address-save")
    async def save(self, fields: dict[str, Any]) -> None:
        from kshop_tui.api import errors

        button = self.query_one("#af-save", Button)
        button.disabled = True
        address_id = self.address.id if self.address is not None else None
        try:
            saved = await self.shop.run_api(
                lambda api: api.save_address(fields, address_id), needs_login=True
            )
        except errors.ValidationFailed as error:
            for name, message in error.fields.items():
                widget_id = FIELD_WIDGETS.get(name)
                if widget_id is None:
                    self._general(clean(message))
                else:
                    self._hint(_hint_of(widget_id), clean(message))
            if not error.fields:
                self._general(_words(error))
            return
        except errors.ApiError as error:
            self._general(_words(error))
            return
        finally:
            button.disabled = False
        self.dismiss(saved)

    def _hint(self, hint_of: str, message: str) -> None:
        hint = self.query_one(f"#{hint_of}-hint", Static)
        hint.update(Text(message))
        hint.set_class(bool(message), "-error")

    def _general(self, message: str) -> None:
        general = self.query_one("#af-general", Static)
        general.update(Text(message))
        general.set_class(bool(message), "-error")


def _field(label_key: str, field: Input) -> ComposeResult:
    with Horizontal(classes="field-row"):
        yield Label(t(label_key), classes="field-label")
        yield field
    yield Static(id=f"{field.id}-hint", classes="hint", markup=False)


def _hint_of(widget_id: str) -> str:
    """The hint line under a widget: the three region pickers share one."""
    return "af-region" if widget_id in ("af-province", "af-city", "af-district") else widget_id


def _words(error: Exception) -> str:
    from kshop_tui.api import errors

    if isinstance(error, errors.BackendUnreachable):
        return t("backend.unreachable")
    if isinstance(error, errors.ApiError):
        return clean(error.message)
    return str(error)
