"""The two catalogues stay complete and consistent."""

from __future__ import annotations

import re
import string

from kshop_tui import i18n
from kshop_tui.i18n import en, zh_CN


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_the_same_keys() -> None:
    assert set(en.MESSAGES) - set(zh_CN.MESSAGES) == set()
    assert set(zh_CN.MESSAGES) - set(en.MESSAGES) == set()


def test_placeholders_match_in_both_languages() -> None:
    mismatched = [
        key for key in en.MESSAGES if _fields(en.MESSAGES[key]) != _fields(zh_CN.MESSAGES[key])
    ]
    assert mismatched == []


def test_chinese_catalogue_is_chinese() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    placeholder = re.compile(r"\{[^}]*\}")
    untranslated = [
        key
        for key, text in zh_CN.MESSAGES.items()
        if not han.search(text)
        and text == en.MESSAGES[key]
        and re.search(r"[A-Za-z]{4,}", placeholder.sub("", text))
    ]
    assert untranslated == []


def test_language_selection_and_fallback() -> None:
    assert i18n.set_language("en_US.UTF-8") == "en"
    assert i18n.t("header.cart", count=3) == "Cart 3"
    assert i18n.set_language("zh") == "zh_CN"
    assert i18n.t("header.cart", count=3) == "购物车 3"
    assert i18n.t("no.such.key") == "no.such.key"
    i18n.set_language("en")
