"""How search reads text (services/search_text.py), without SQL or HTTP."""

from __future__ import annotations

import pytest

from fake_backend.services.search_text import (
    Term,
    highlights,
    indexed_text,
    normalize,
    pinyin_tokens,
    query_terms,
    segment,
    split_pinyin,
)

VOCABULARY = {
    "创意": 5,
    "工坊": 3,
    "创意工坊": 4,
    "保温杯": 9,
    "保温": 9,
    "送礼": 4,
    "华为": 20,
    "耳机": 30,
    "t恤": 10,
}


@pytest.mark.parametrize(
    ("chunk", "pieces"),
    [
        ("创意工坊保温杯", ["创意工坊", "保温杯"]),
        ("华为耳机", ["华为", "耳机"]),
        ("保温杯送礼", ["保温杯", "送礼"]),
        ("huawei耳机", ["huawei", "耳机"]),
        ("iphone15华为", ["iphone15", "华为"]),
        ("t恤", ["t恤"]),
        ("温杯子", ["温杯子"]),  # characters the vocabulary lacks stay together
        ("华为温杯子耳机", ["华为", "温杯子", "耳机"]),
    ],
)
def test_a_chunk_is_cut_into_the_fewest_vocabulary_words(chunk: str, pieces: list[str]) -> None:
    assert segment(chunk, VOCABULARY) == pieces


def test_queries_split_on_spaces_and_punctuation_and_drop_what_is_not_a_word() -> None:
    assert [t.text for t in query_terms("  华为，耳机!! 😀 ", VOCABULARY)] == ["华为", "耳机"]
    assert query_terms('"*^-()', VOCABULARY) == []
    assert [t.text for t in query_terms("ＨＵＡＷＥＩ", VOCABULARY)] == ["huawei"]
    assert [t.text for t in query_terms("华为 华为", VOCABULARY)] == ["华为"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(30)), VOCABULARY)) == 8


def test_only_letter_terms_of_two_or_more_are_pinyin() -> None:
    assert Term("hw").pinyin and Term("huawei").pinyin
    assert not Term("h").pinyin and not Term("5g").pinyin and not Term("华为").pinyin


def test_pinyin_tokens_are_words_full_initials_and_neighbour_pairs() -> None:
    tokens = pinyin_tokens("华为 降噪耳机")
    for token in ("huawei", "hw", "jiangzao", "jz", "erji", "ej", "huaweijiangzao", "jzej"):
        assert token in tokens
    assert pinyin_tokens("iPhone 15") == []


def test_a_product_is_indexed_by_its_words_brand_categories_and_pinyin() -> None:
    text = indexed_text("创意工坊 定制刻字保温杯", "创意工坊", ["杯具", "Cups"])
    assert "保温杯" in text.words.split() and "刻字" in text.words.split()
    assert text.category.split() == ["杯具", "cups"]
    assert "bwb" in text.pinyin.split() and "baowenbei" in text.pinyin.split()


def test_highlights_mark_every_match_and_the_words_pinyin_spells() -> None:
    name = "华为 FreeBuds 降噪耳机 华为"
    assert highlights(name, [Term("华为")]) == [(0, 2), (17, 19)]
    assert highlights(name, [Term("freebuds")]) == [(3, 11)]
    assert highlights(name, [Term("hw"), Term("耳机")]) == [(0, 2), (14, 16), (17, 19)]
    assert highlights(name, [Term("zzz")]) == []
    assert highlights("保温杯保温杯", [Term("保温"), Term("温杯")]) == [(0, 6)]


def test_normalize_folds_width_and_case_and_drops_control_characters() -> None:
    assert normalize("ＡＢＣ\x1b[31m手机\u202e") == "abc[31m手机"


def test_letters_typed_together_split_into_spellings_of_two_letters_or_more() -> None:
    spellings = {"huawei", "shouji", "hw", "sj", "xm", "zz"}

    def starts(piece: str) -> bool:
        return any(spelling.startswith(piece) for spelling in spellings)

    assert split_pinyin("huaweishouji", spellings, starts) == ["huawei", "shouji"]
    assert split_pinyin("xmsj", spellings, starts) == ["xm", "sj"]
    assert split_pinyin("huaweishou", spellings, starts) == ["huawei", "shou"]
    assert split_pinyin("zzz", spellings, starts) == []  # not zz + z
