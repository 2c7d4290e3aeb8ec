"""The two catalogues stay complete and consistent."""

from __future__ import annotations

import re
import string

import pytest

from kshop_tui import i18n
from kshop_tui.i18n import en, zh_CN


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _messages(catalogue: dict[str, str]) -> set[str]:
    """The catalogue's keys without the extra plural forms (`key#one`)."""
    return {key for key in catalogue if i18n.PLURAL_FORM_SEPARATOR not in key}


def test_catalogues_have_the_same_keys() -> None:
    assert _messages(en.MESSAGES) - _messages(zh_CN.MESSAGES) == set()
    assert _messages(zh_CN.MESSAGES) - _messages(en.MESSAGES) == set()


def test_placeholders_match_in_both_languages() -> None:
    mismatched = [
        key
        for key in _messages(en.MESSAGES)
        if _fields(en.MESSAGES[key]) != _fields(zh_CN.MESSAGES[key])
    ]
    assert mismatched == []


@pytest.mark.parametrize("catalogue", [en.MESSAGES, zh_CN.MESSAGES], ids=["en", "zh_CN"])
def test_plural_forms_belong_to_a_message_and_a_category_of_the_language(
    catalogue: dict[str, str],
) -> None:
    """`key#one` only beside `key`, only in a language that has "one" (English), and with
    no placeholder the message itself lacks."""
    language = "en" if catalogue is en.MESSAGES else "zh_CN"
    categories = {i18n.plural_category(language, count) for count in range(3)}
    for key, text in catalogue.items():
        if i18n.PLURAL_FORM_SEPARATOR not in key:
            continue
        message, category = key.split(i18n.PLURAL_FORM_SEPARATOR)
        assert message in catalogue, key
        assert category in categories - {"other"}, key
        assert _fields(text) <= _fields(catalogue[message]), key


@pytest.mark.parametrize(
    ("count", "english", "chinese"),
    [(0, "0 reviews", "0 条评价"), (1, "1 review", "1 条评价"), (2, "2 reviews", "2 条评价")],
)
def test_words_that_change_with_a_number(count: int, english: str, chinese: str) -> None:
    assert i18n.translate_plural("en", "product.review_count", count) == english
    assert i18n.translate_plural("zh_CN", "product.review_count", count) == chinese


def test_a_plural_may_show_its_number_formatted() -> None:
    words = i18n.translate_plural("en", "product.review_count", 1234, count="1,234")
    assert words == "1,234 reviews"
    assert i18n.translate_plural("en", "orders.buy_again_done", 1) == "1 item added to the cart."
    assert i18n.translate_plural("en", "as.review.photo_count", 1) == "1 photo"


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


def test_english_catalogue_has_no_chinese() -> None:
    """Only where Chinese is what is asked for: a real name is written in Chinese."""
    han = re.compile(r"[\u4e00-\u9fff]")
    chinese = {key for key, text in en.MESSAGES.items() if han.search(text)}
    assert chinese == {"real_name.name_placeholder"}


def test_language_selection_and_fallback() -> None:
    assert i18n.set_language("en_US.UTF-8") == "en"
    assert i18n.t("header.cart", count=3) == "Cart 3"
    assert i18n.set_language("zh") == "zh_CN"
    assert i18n.t("header.cart", count=3) == "购物车 3"
    assert i18n.t("no.such.key") == "no.such.key"
    i18n.set_language("en")
