"""Reading an address pasted as people write it (智能识别, docs/api.md §7.4):
`张三 13800138000 浙江省杭州市西湖区文三路100号`, its parts in any order, with or without
spaces, commas or labels (`收货人：`), provinces and cities written in full or short
(浙江 / 杭州), a municipality with or without its city repeated.

The steps: normalise the text (NFKC turns full-width digits and punctuation half-width),
drop field labels, take the mobile number out, find the longest province → city → district
run of regions.py names, read the detail after it, and take a short run of ideographs
left over (or stuck to the end of the detail after 号/室/…) as the name. What fits
nowhere comes back in `unparsed`, so the form can show it for a check.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from fake_backend.regions import REGIONS
from kshop_rules.identity import PHONE_PREFIX

MAX_TEXT_LENGTH = 500

# Separators people put between the parts; "\n" also ends a part (the detail stops there).
_SOFT_SEPARATORS = re.compile(r"[ \t,，;；、|/]+")
_HARD_SEPARATOR = "\n"
_LABELS = re.compile(
    r"(收货人|收件人|联系人|姓名|名字|手机号码|手机号|手机|联系电话|电话号码|电话|联系方式"
    r"|所在地区|所在地|收货地址|详细地址|地址|地区)\s*[:：]"
)
_PHONE = re.compile(rf"(?<!\d)(?:\+?86[- ]?)?({PHONE_PREFIX}\d)[- ]?(\d{{4}})[- ]?(\d{{4}})(?!\d)")
_IDEOGRAPHS = re.compile(r"[\u4e00-\u9fff·]+")
# Characters that end a house number, after which a name is often glued on (…100号张三).
_NAME_AFTER_CHARS = "号室楼栋幢座层户门组"
# What a name does not contain: the words of an address.
_ADDRESS_WORDS = re.compile(
    r"[路街道巷弄号楼室栋幢座层村镇乡区县市省州旗园苑院厦场城湾桥站]|单元|小区|中心|公司"
)
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")
_CITY_SUFFIXES = ("地区", "市")
_DISTRICT_SUFFIXES = ("新区", "区", "县", "市", "旗")


@dataclass(frozen=True)
class _Names:
    """Every way a place may be written, longest first, mapped to its official name."""

    provinces: tuple[tuple[str, str], ...]
    # alias -> (province, city), over the whole country
    cities: tuple[tuple[str, tuple[str, str]], ...]


def _short_forms(name: str, suffixes: tuple[str, ...]) -> list[str]:
    forms = [name]
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.append(name[: -len(suffix)])
            break
    # 延边朝鲜族自治州 → 延边, 大理白族自治州 → 大理: the part before the people's name.
    match = re.match(r"(.{2,3}?)(?:[\u4e00-\u9fff]{1,4}族)+自治州$", name)
    if match:
        forms.append(match.group(1))
    return forms


@cache
def _names() -> _Names:
    provinces = [
        (alias, province)
        for province in REGIONS
        for alias in _short_forms(province, _PROVINCE_SUFFIXES)
    ]
    cities = [
        (alias, (province, city))
        for province, cities_of in REGIONS.items()
        for city in cities_of
        for alias in _short_forms(city, _CITY_SUFFIXES)
    ]
    return _Names(
        provinces=tuple(sorted(provinces, key=lambda pair: -len(pair[0]))),
        cities=tuple(sorted(cities, key=lambda pair: -len(pair[0]))),
    )


@cache
def _district_aliases(province: str, city: str) -> tuple[tuple[str, str], ...]:
    pairs = [
        (alias, district)
        for district in REGIONS[province][city]
        for alias in _short_forms(district, _DISTRICT_SUFFIXES)
    ]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


@dataclass(frozen=True)
class _Region:
    start: int
    end: int
    province: str
    city: str | None
    district: str | None


def _skip_soft(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t,，;；、|/":
        at += 1
    return at


def _alias_at(text: str, at: int, aliases: tuple[tuple[str, Any], ...]) -> tuple[str, Any] | None:
    found = _aliases_at(text, at, aliases)
    return found[0] if found else None


def _aliases_at(text: str, at: int, aliases: tuple[tuple[str, Any], ...]) -> list[tuple[str, Any]]:
    """Every alias written at `at`, longest first."""
    return [(alias, value) for alias, value in aliases if text.startswith(alias, at)]


@cache
def _city_aliases(province: str) -> tuple[tuple[str, str], ...]:
    pairs = [
        (alias, city) for city in REGIONS[province] for alias in _short_forms(city, _CITY_SUFFIXES)
    ]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _after_province(text: str, at: int, province: str) -> tuple[str | None, str | None, int]:
    """The city and district written from `at`, after a province; and where they end."""
    start = _skip_soft(text, at)
    written = _aliases_at(text, start, _city_aliases(province))
    if written:
        # 青岛市南区 is 青岛 + 市南区: the longest city that leaves a district after it.
        readings = [
            _district_after(text, start + len(alias), province, city) for alias, city in written
        ]
        best = max(range(len(readings)), key=lambda index: readings[index][0] is not None)
        return (written[best][1], *readings[best])
    cities_of = REGIONS[province]
    if len(cities_of) == 1:
        # A municipality written once (北京市朝阳区): its one city has its name.
        only_city = next(iter(cities_of))
        return (only_city, *_district_after(text, at, province, only_city))
    # No city written: a district of exactly one of the province's cities names it.
    return _district_naming_city(text, at, province)


def _district_after(text: str, at: int, province: str, city: str) -> tuple[str | None, int]:
    """The district of `city` written from `at` (after separators) and where it ends."""
    start = _skip_soft(text, at)
    found = _alias_at(text, start, _district_aliases(province, city))
    if found is None:
        return None, at
    return found[1], start + len(found[0])


def _district_naming_city(text: str, at: int, province: str) -> tuple[str | None, str | None, int]:
    start = _skip_soft(text, at)
    matches = {
        (city, district, alias)
        for city in REGIONS[province]
        for alias, district in _district_aliases(province, city)
        if text.startswith(alias, start) and alias == district
    }
    if len({(city, district) for city, district, _ in matches}) != 1:
        return None, None, at
    city, district, alias = matches.pop()
    return city, district, start + len(alias)


def _region_at(text: str, at: int) -> _Region | None:
    """The longest region written from `at`: province[, city[, district]] or a city
    [, district] (the province follows from the city)."""
    names = _names()
    candidates: list[_Region] = []
    province_found = _alias_at(text, at, names.provinces)
    if province_found is not None:
        alias, province = province_found
        city, district, end = _after_province(text, at + len(alias), province)
        candidates.append(_Region(at, end, province, city, district))
    for alias, (province, city) in _aliases_at(text, at, names.cities):
        district, end = _district_after(text, at + len(alias), province, city)
        candidates.append(_Region(at, max(end, at + len(alias)), province, city, district))
    if not candidates:
        return None
    return max(candidates, key=lambda region: (region.end, region.district is not None))


def _find_region(text: str) -> _Region | None:
    for at in range(len(text)):
        region = _region_at(text, at)
        if region is not None:
            return region
    return None


def _plausible_name(token: str) -> bool:
    token = token.strip()
    if _IDEOGRAPHS.fullmatch(token):
        # Han names run 2–4 characters (欧阳娜娜, 张先生); transcribed ones join with ·.
        fits = 2 <= len(token) <= 4 or ("·" in token and len(token) <= 12)
        return fits and not _ADDRESS_WORDS.search(token)
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z .'-]{1,19}", token))


def _glued_name(detail: str) -> str | None:
    """A name stuck to the end of the detail right after a house number's last word."""
    for length in (4, 3, 2):
        tail, before = detail[-length:], detail[-length - 1 : -length]
        if before and before in _NAME_AFTER_CHARS and _plausible_name(tail):
            return tail
    return None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        char if char in "\n\t" or unicodedata.category(char)[0] != "C" else " " for char in text
    )
    text = re.sub(r"[\r\n]+", _HARD_SEPARATOR, text)
    return _LABELS.sub(" ", text)


def _tokens(text: str) -> list[str]:
    return [
        token.strip()
        for part in text.split(_HARD_SEPARATOR)
        for token in _SOFT_SEPARATORS.split(part)
        if token.strip()
    ]


def parse_address(text: str) -> dict[str, Any]:
    """The parts of a pasted address; None for each part not found, and the rest of the
    text in `unparsed`."""
    text = _normalise(text[:MAX_TEXT_LENGTH])
    phone = None
    phone_match = _PHONE.search(text)
    if phone_match is not None:
        phone = "".join(phone_match.groups())
        text = text[: phone_match.start()] + _HARD_SEPARATOR + text[phone_match.end() :]

    region = _find_region(text)
    detail = None
    leftovers: list[str] = []
    if region is not None:
        before, rest = text[: region.start], text[region.end :]
        detail_text, _, after = rest.partition(_HARD_SEPARATOR)
        tokens = _tokens(before + _HARD_SEPARATOR + after)
        detail_tokens = [token for token in _SOFT_SEPARATORS.split(detail_text) if token]
        # Without a name elsewhere, one written after the detail: set apart
        # (… 文三路100号 张三) or glued on (…文三路100号张三).
        if any(_plausible_name(token) for token in tokens):
            pass
        elif len(detail_tokens) > 1 and _plausible_name(detail_tokens[-1]):
            leftovers.append(detail_tokens.pop())
        elif detail_tokens:
            glued = _glued_name(detail_tokens[-1])
            if glued is not None:
                leftovers.append(glued)
                detail_tokens[-1] = detail_tokens[-1][: -len(glued)]
        detail = " ".join(token for token in detail_tokens if token) or None
    else:
        tokens = _tokens(text)
    name = None
    unplaced: list[str] = []
    for token in tokens + leftovers:
        if name is None and _plausible_name(token):
            name = token.strip()
        else:
            unplaced.append(token.strip())
    return {
        "name": name,
        "phone": phone,
        "province": region.province if region is not None else None,
        "city": region.city if region is not None else None,
        "district": region.district if region is not None else None,
        "detail": detail,
        "unparsed": " ".join(unplaced),
    }
