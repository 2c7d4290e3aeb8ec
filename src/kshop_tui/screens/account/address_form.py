"""Adding or editing an address: name, phone, a province → city → district picker fed by
`api.regions()`, the street; checked here first (`shop.flows.address`), then by the
backend, each problem shown under its field. A refused save keeps everything typed.
Its rules are in the address book's sheet, which it shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.shop.flows.address import (
    DETAIL_MAX,
    NAME_MAX,
    REGION_PARTS,
    address_problems,
    pasted_fields,
    pasted_note,
)
from kshop_tui.shop.flows.checkout import INLINE_ADDRESS_ID
from kshop_tui.text import clean
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from kshop_tui.api.models import Address, Province

# As much as POST /addresses/parse reads.
PASTE_MAX = 500
# The backend's field names → the widgets that hold them.
FIELD_WIDGETS = {
    "name": "af-name",
    "phone": "af-phone",
    "province": "af-province",
    "city": "af-city",
    "district": "af-district",
    "detail": "af-detail",
}


class AddressFormModal(ShopModal):
    """Adds (`address` None) or edits an address; dismisses with the saved one. `inline`:
    an address for one order (a guest's), checked here and dismissed unsaved, with the id
    `INLINE_ADDRESS_ID`; the backend checks it with the quote."""

    CSS_PATH = "address_book.tcss"
    BINDINGS = [Binding("ctrl+s", "save", "address.key.save", id="address_form.save")]
    # Regions never change while the shop runs: one fetch serves every form.
    _regions: ClassVar[list[Province] | None] = None

    def __init__(self, address: Address | None = None, *, inline: bool = False) -> None:
        super().__init__()
        self.address = address
        self.inline = inline

    def compose(self) -> ComposeResult:
        address = self.address
        with Vertical(id="af-dialog") as dialog:
            dialog.border_title = t(
                "address.inline_title"
                if self.inline
                else ("address.edit_title" if address else "address.new_title")
            )
            with Horizontal(classes="field-row"):
                yield Label(t("address.paste.label"), classes="field-label")
                yield TextBox(
                    placeholder=t("address.paste.placeholder"),
                    id="af-paste",
                    max_length=PASTE_MAX,
                    compact=True,
                )
            yield Static(id="af-paste-hint", classes="hint", markup=False)
            yield from _field(
                "address.name",
                TextBox(
                    address.name if address else "",
                    placeholder=t("address.name_placeholder"),
                    id="af-name",
                    max_length=NAME_MAX,
                    compact=True,
                ),
            )
            yield from _field(
                "address.phone",
                TextBox(
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
                TextBox(
                    address.detail if address else "",
                    placeholder=t("address.detail_placeholder"),
                    id="af-detail",
                    max_length=DETAIL_MAX,
                    compact=True,
                ),
            )
            default_box = Checkbox(
                t("address.make_default"),
                address.is_default if address else False,
                id="af-default",
                compact=True,
            )
            default_box.display = not self.inline
            yield default_box
            yield Static(id="af-general", markup=False)
            with Horizontal(id="af-actions"):
                yield Button(t("address.save"), id="af-save", variant="primary", compact=True)
                yield Button(t("address.cancel"), id="af-cancel", compact=True)
        yield ShopFooter()

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
                self._general(error_words(error))
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
        if event.input.id and event.input.id != "af-paste":
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

    # --- pasting a whole address (智能识别) ------------------------------------------

    @on(Input.Submitted, "#af-paste")
    def _pasted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.read_pasted(text)

    @work(exclusive=True, group="address-paste")
    async def read_pasted(self, text: str) -> None:
        """The backend reads the pasted text; the fields it found are filled in, for the
        user to check before saving (nothing is saved here)."""
        from kshop_tui.api import errors

        self._hint("af-paste", t("address.paste.working"))
        try:
            parsed = await self.shop.run_api(lambda api: api.parse_address(text))
        except errors.ApiError as error:
            self._hint("af-paste", error_words(error))
            return
        found = pasted_fields(parsed)
        for name in ("name", "phone", "detail"):
            if name in found:
                self.query_one(f"#{FIELD_WIDGETS[name]}", Input).value = found[name]
        province = found.get("province")
        if province is not None and any(p.name == province for p in self.regions):
            with self.prevent(Select.Changed):
                self.query_one("#af-province", Select).value = province
                self._fill_cities(province, found.get("city"), found.get("district"))
        note = self.query_one("#af-paste-hint", Static)
        note.update(Text(pasted_note(parsed)))
        note.set_class(len(found) < len(FIELD_WIDGETS), "-error")
        note.set_class(len(found) == len(FIELD_WIDGETS), "-ok")
        self.query_one("#af-name" if found else "#af-paste", Input).focus()

    @on(Input.Submitted, "#af-name, #af-phone, #af-detail")
    @on(Button.Pressed, "#af-save")
    def action_save(self) -> None:
        fields = self.fields()
        problems = address_problems(fields)
        self._general("")
        for name, widget_id in FIELD_WIDGETS.items():
            if name not in ("city", "district"):
                self._hint(_hint_of(widget_id), problems.get(name, ""))
        region_problem = next((problems[p] for p in REGION_PARTS if p in problems), "")
        self._hint("af-region", region_problem)
        if problems:
            first = next(iter(problems))
            self.query_one(f"#{FIELD_WIDGETS[first]}").focus()
            return
        if self.inline:
            from kshop_tui.api.models import Address

            del fields["is_default"]
            self.dismiss(Address(id=INLINE_ADDRESS_ID, **fields))
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
                self._general(error_words(error))
            return
        except errors.ApiError as error:
            self._general(error_words(error))
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


def error_words(error: Exception) -> str:
    from kshop_tui.api import errors

    if isinstance(error, errors.BackendUnreachable):
        return t("backend.unreachable")
    if isinstance(error, errors.ApiError):
        return clean(error.message)
    return str(error)
