"""Addresses: what the form checks before a round trip (the backend decides last), and
what is sent to make an address the default."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kshop_tui import validation
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.api.models import Address, ParsedAddress, Province

NAME_MAX = 20
DETAIL_MIN = 4
DETAIL_MAX = 120
# An address as the API takes it, besides `is_default`.
ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "detail")
REGION_PARTS = ("province", "city", "district")


def address_problems(fields: Mapping[str, Any]) -> dict[str, str]:
    """Field name → what is wrong with it, in the user's words. A region is one choice:
    only its first missing part is named."""
    problems: dict[str, str] = {}
    if not fields["name"]:
        problems["name"] = t("valid.required")
    elif len(fields["name"]) > NAME_MAX:
        problems["name"] = t("address.too_long", max=NAME_MAX)
    phone_problem = validation.check_phone(fields["phone"])
    if phone_problem is not None:
        problems["phone"] = t(phone_problem)
    for part in REGION_PARTS:
        if not fields[part]:
            problems[part] = t("address.choose_region")
            break
    if len(fields["detail"]) < DETAIL_MIN:
        problems["detail"] = t("address.detail_short", count=DETAIL_MIN)
    elif len(fields["detail"]) > DETAIL_MAX:
        problems["detail"] = t("address.too_long", max=DETAIL_MAX)
    return problems


def region_problem(
    regions: Sequence[Province], province: str, city: str, district: str
) -> str | None:
    """The first part of a typed region that is not in the backend's list (`province`,
    `city` or `district`), or None: the pickers offer only these, a file may say anything."""
    found = next((p for p in regions if p.name == province), None)
    if found is None:
        return "province"
    in_city = next((c for c in found.cities if c.name == city), None)
    if in_city is None:
        return "city"
    return None if district in in_city.districts else "district"


def made_default(address: Address) -> dict[str, Any]:
    """The fields that make `address` the default: a save replaces the whole address, so
    it is sent back as it is."""
    fields: dict[str, Any] = {name: getattr(address, name) for name in ADDRESS_FIELDS}
    return {**fields, "is_default": True}


def pasted_fields(parsed: ParsedAddress) -> dict[str, str]:
    """The fields a pasted address fills (智能识别): only those the backend found, so a
    field typed by hand is not wiped by a paste that missed it."""
    return {name: value for name in ADDRESS_FIELDS if (value := getattr(parsed, name))}


def pasted_note(parsed: ParsedAddress) -> str:
    """What the form says after a paste: check the filled fields, and what it could not
    find or place."""
    found = pasted_fields(parsed)
    if not found:
        return t("address.paste.nothing")
    words = [t("address.paste.filled")]
    missing = [t(f"address.part.{name}") for name in ADDRESS_FIELDS if name not in found]
    if missing:
        words.append(t("address.paste.missing", parts=t("address.part.separator").join(missing)))
    if parsed.unparsed:
        words.append(t("address.paste.unplaced", text=parsed.unparsed))
    return " ".join(words)
