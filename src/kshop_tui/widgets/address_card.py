"""One shipping address as a shop shows it: name, masked phone, the region and street,
and a tag on the default one. Backend text goes in as `Text`, never as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from kshop_tui.i18n import t
from kshop_tui.text import mask_phone

if TYPE_CHECKING:
    from kshop_tui.api.models import Address


def address_text(address: Address, *, one_line: bool = True) -> Text:
    """`张三 138****8000  浙江省 杭州市 西湖区 文三路100号 (default)`; on two lines when
    `one_line` is False (the address book's rows)."""
    text = Text()
    text.append(address.name, style="bold")
    text.append(" " + (address.phone_masked or mask_phone(address.phone)))
    if address.is_default:
        text.append(" " + t("address.default_tag"), style="bold green")
    text.append("  " if one_line else "\n")
    text.append(address.one_line(), style="" if one_line else "dim")
    return text


class AddressCard(Static):
    """The address an order ships to, or a prompt to add one when there is none."""

    DEFAULT_CSS = """
    AddressCard { height: auto; width: 1fr; }
    AddressCard.-missing { color: $text-warning; }
    """

    def show(self, address: Address | None) -> None:
        self.set_class(address is None, "-missing")
        if address is None:
            self.update(Text(t("address.none_yet")))
        else:
            self.update(address_text(address))
