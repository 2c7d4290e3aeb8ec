"""Search as shoppers type it (SPEC §7.6), over HTTP on the seeded catalogue: unspaced
Chinese, pinyin and initials, relevance, highlights, suggestions, history, bad input."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fake_backend.app import create_app
from fake_backend.context import Ctx
from fake_backend.seed import DEMO_CATALOGUE
from fake_backend.services import search
from tests.backend.schema_versions import back_to

API = "/api/v1"


def found(client: TestClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/products", params={"q": q, "limit": 100, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def names(body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in body["items"]]


# The table: what a shopper typed, and what the first results must be.
@pytest.mark.parametrize(
    ("typed", "spaced", "every_name_holds"),
    [
        ("创意工坊保温杯", "创意工坊 保温杯", ("创意工坊", "保温杯")),
        ("华为耳机", "华为 耳机", ("华为", "耳机")),
        ("保温杯送礼", "保温杯 送礼", ("保温杯", "送礼")),
        ("创意工坊定制刻字保温杯送礼佳品", "创意工坊 定制刻字保温杯 送礼佳品", ("创意工坊",)),
    ],
)
def test_chinese_typed_without_spaces_finds_what_the_spaced_words_find(
    client: TestClient, typed: str, spaced: str, every_name_holds: tuple[str, ...]
) -> None:
    unspaced = found(client, typed)
    assert unspaced["total"] > 0
    assert {item["id"] for item in unspaced["items"]} == {
        item["id"] for item in found(client, spaced)["items"]
    }
    for name in names(unspaced):
        assert all(word in name for word in every_name_holds), name


def test_a_whole_title_typed_without_its_spaces_puts_that_product_first(
    client: TestClient, app_ctx: Ctx
) -> None:
    title = app_ctx.db.scalar(
        "SELECT name FROM products WHERE name LIKE '创意工坊 定制刻字保温杯%' ORDER BY id LIMIT 1"
    )
    body = found(client, title.replace(" ", ""))
    assert body["items"][0]["name"] == title


@pytest.mark.parametrize(
    ("typed", "brand_or_word"),
    [("huawei", "华为"), ("hw", "华为"), ("baowenbei", "保温杯"), ("bwb", "保温杯")],
)
def test_pinyin_and_initials_find_the_chinese_words(
    client: TestClient, typed: str, brand_or_word: str
) -> None:
    body = found(client, typed)
    assert body["total"] > 0
    for item in body["items"]:
        assert brand_or_word in item["name"] + item["brand"], item["name"]
        start, end = item["highlights"][0]
        assert brand_or_word in item["name"][start:end] or item["name"][start:end] in (
            brand_or_word
        )


def test_terms_match_in_any_order_and_mixed_scripts(client: TestClient) -> None:
    forward = {item["id"] for item in found(client, "华为 耳机")["items"]}
    assert forward
    assert {item["id"] for item in found(client, "耳机 华为")["items"]} == forward
    assert {item["id"] for item in found(client, "huawei耳机")["items"]} == forward


def test_a_category_name_finds_the_products_under_it(client: TestClient, app_ctx: Ctx) -> None:
    under_digital = app_ctx.db.scalar(
        "SELECT COUNT(*) FROM products WHERE category_id IN (SELECT id FROM categories"
        " WHERE parent_id = (SELECT id FROM categories WHERE name_zh = '数码'))"
    )
    assert found(client, "数码")["total"] == under_digital
    assert found(client, "phone")["total"] < found(client, "phones headphones")["total"] + 1000


@pytest.mark.parametrize("typed", ["t-shirts", "T-shirts", "shirts", "top-up cards", "top up"])
def test_an_english_category_name_with_a_hyphen_finds_its_products(
    client: TestClient, app_ctx: Ctx, typed: str
) -> None:
    """The words of an English category name are split as a query's are (t-shirts: t,
    shirts), so its name typed either way finds the category's products."""
    name = "T-shirts" if "shirts" in typed else "Top-up cards"
    under = app_ctx.db.scalar(
        "SELECT COUNT(*) FROM products WHERE category_id = (SELECT id FROM categories"
        " WHERE name_en = ?)",
        (name,),
    )
    assert under > 0
    assert found(client, typed)["total"] == under


def test_a_database_from_before_suggestion_counts_gets_them(db_path: Path) -> None:
    """A database of migration 13 is upgraded when opened, and its vocabulary built again
    on start: suggestions show what they find, and offer no piece of a longer word."""
    connection = sqlite3.connect(db_path)
    back_to(connection, 13)
    connection.close()
    with TestClient(create_app(db_path, merchant="manual")) as client:
        for typed in ("sj", "连衣", "保温"):
            body = suggested(client, typed)
            assert body["items"], typed
            for item in body["items"]:
                assert item["text"] not in ("算机", "衣裙")
                assert item["count"] == found(client, item["text"])["total"] > 0, item


def test_with_a_query_the_default_order_is_relevance(client: TestClient) -> None:
    default = found(client, "华为", limit=20)
    explicit = found(client, "华为", limit=20, sort="relevance")
    assert [item["id"] for item in default["items"]] == [item["id"] for item in explicit["items"]]
    by_sales = found(client, "华为", limit=20, sort="sales_desc")
    assert [item["id"] for item in default["items"]] != [item["id"] for item in by_sales["items"]]
    # The brand asked for comes before products that only mention it.
    brands = [item["brand"] for item in default["items"]]
    first_other = next((i for i, brand in enumerate(brands) if brand != "华为"), len(brands))
    assert all(brand != "华为" for brand in brands[first_other:])


def test_relevance_without_words_is_the_best_sellers(client: TestClient) -> None:
    body = client.get(f"{API}/products", params={"sort": "relevance", "limit": 10}).json()
    sales = [item["sales"] for item in body["items"]]
    assert sales == sorted(sales, reverse=True) and body["terms"] == []


def test_relevance_pages_through_every_match_once(client: TestClient) -> None:
    every = found(client, "手机")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "手机", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/products", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["id"] for item in every["items"]]
    assert len(seen) == len(set(seen)) == every["total"]


def test_a_relevance_cursor_is_not_taken_for_another_order(client: TestClient) -> None:
    cursor = client.get(f"{API}/products", params={"q": "手机", "limit": 2}).json()["next_cursor"]
    refused = client.get(
        f"{API}/products", params={"q": "手机", "sort": "price_asc", "cursor": cursor}
    )
    assert refused.status_code == 422


def test_highlights_and_terms_say_what_matched(client: TestClient) -> None:
    body = found(client, "创意工坊保温杯")
    assert body["terms"] == ["创意工坊", "保温杯"]
    for item in body["items"]:
        marked = [item["name"][start:end] for start, end in item["highlights"]]
        assert "创意工坊" in marked and "保温杯" in marked


BAD_QUERIES = [
    "...",
    "，。！？",
    "手",
    "a",
    "手" * 200,
    "😀🎉",
    "保温杯😀",
    "iPhone手机壳",
    '"',
    "*",
    "NEAR(手机 耳机)",
    "手机 AND 耳机",
    "-手机",
    "'; DROP TABLE products; --",
    "1 OR 1=1",
    "\\x00",
    "\u202e手机",
]


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_odd_queries_answer_sensibly_never_an_error(client: TestClient, q: str) -> None:
    for sort in ("relevance", "sales_desc"):
        response = client.get(f"{API}/products", params={"q": q, "sort": sort})
        assert response.status_code == 200, (q, response.text)
        body = response.json()
        assert body["total"] >= len(body["items"])
    suggest = client.get(f"{API}/search/suggest", params={"q": q})
    assert suggest.status_code == 200, (q, suggest.text)


def test_punctuation_only_is_no_words(client: TestClient) -> None:
    body = found(client, "，。！？ ...")
    assert body["total"] == DEMO_CATALOGUE and body["terms"] == []


# ---- suggestions ----------------------------------------------------------------------


def suggested(client: TestClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/search/suggest", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("typed", "expected"), [("保温", "保温杯"), ("bw", "保温杯"), ("hua", "华为"), ("华", "华为")]
)
def test_suggestions_complete_characters_and_pinyin(
    client: TestClient, typed: str, expected: str
) -> None:
    body = suggested(client, typed)
    texts = [item["text"] for item in body["items"]]
    assert expected in texts and not body["closest"]
    assert len(texts) <= 8 and len(set(texts)) == len(texts)
    for item in body["items"]:
        assert item["count"] == found(client, item["text"])["total"] > 0


# Every letter, and letters and characters that start many words, brands and categories.
EVERY_START = [*"abcdefghijklmnopqrstuvwxyz", "to", "sh", "x7", "jj", "sj", *"保手蓝小口三华创耳杯"]


@pytest.mark.parametrize("typed", EVERY_START)
def test_every_suggestion_finds_the_number_it_shows(client: TestClient, typed: str) -> None:
    """A suggestion's count is what choosing it finds (docs/api.md §7.6): not the products
    holding its word (`x7` holds in 1 name, and starts x70…x79 in more), and never a
    suggestion that finds nothing (`t-shirts`, an English category name with a hyphen)."""
    for item in suggested(client, typed)["items"]:
        assert item["count"] == found(client, item["text"])["total"] > 0, item


def test_suggestions_keep_the_earlier_words(client: TestClient) -> None:
    texts = [item["text"] for item in suggested(client, "华为 耳")["items"]]
    assert "华为 耳机" in texts
    assert all(text.startswith("华为 ") for text in texts)


def test_suggestions_are_the_most_sold_first_and_limited(client: TestClient) -> None:
    body = suggested(client, "保", limit=3)
    assert len(body["items"]) <= 3


def test_nothing_found_offers_the_closest_searches_that_find_something(
    client: TestClient,
) -> None:
    assert found(client, "华为 不存在的词")["total"] == 0
    body = suggested(client, "华为 不存在的词")
    assert body["closest"] and body["items"]
    assert body["items"][0]["text"] == "华为"
    for item in body["items"]:
        assert found(client, item["text"])["total"] == item["count"] > 0


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "x" * 201}, {"q": "手", "limit": 21}])
def test_bad_suggestion_requests_are_422(client: TestClient, params: dict[str, Any]) -> None:
    assert client.get(f"{API}/search/suggest", params=params).status_code == 422


# ---- history --------------------------------------------------------------------------


def history(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get(f"{API}/search/history", headers=headers)
    assert response.status_code == 200
    return [item["q"] for item in response.json()["items"]]


def test_history_keeps_the_last_ten_newest_first_without_repeats(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    for index in range(12):
        app_ctx.clock.advance(1)
        client.post(f"{API}/search/history", json={"q": f"查询{index}"}, headers=demo_headers)
    client.post(f"{API}/search/history", json={"q": "  查询5  "}, headers=demo_headers)
    kept = history(client, demo_headers)
    assert kept[0] == "查询5" and len(kept) == search.HISTORY_KEPT
    assert len(set(kept)) == len(kept) and "查询0" not in kept and "查询1" not in kept


def test_history_is_each_users_own_and_can_be_cleared(
    client: TestClient,
    demo_headers: dict[str, str],
    make_user: Callable[..., tuple[int, dict[str, str]]],
) -> None:
    _, other = make_user()
    client.post(f"{API}/search/history", json={"q": "保温杯"}, headers=demo_headers)
    assert history(client, other) == []
    assert client.delete(f"{API}/search/history", headers=demo_headers).json() == {"ok": True}
    assert history(client, demo_headers) == []


@pytest.mark.parametrize("body", [{"q": ""}, {"q": "   "}, {"q": "x" * 101}, {}, {"q": 5}])
def test_bad_history_entries_are_refused_and_change_nothing(
    client: TestClient, demo_headers: dict[str, str], body: dict[str, Any]
) -> None:
    response = client.post(f"{API}/search/history", json=body, headers=demo_headers)
    assert response.status_code == 422
    assert history(client, demo_headers) == []


def test_history_needs_a_login(client: TestClient) -> None:
    assert client.get(f"{API}/search/history").status_code == 401
    assert client.post(f"{API}/search/history", json={"q": "x"}).status_code == 401
    assert client.delete(f"{API}/search/history").status_code == 401


def test_answering_searches_loads_neither_segmenter_nor_pinyin_dictionaries(
    db_path: Path,
) -> None:
    """The bundled backend answers inside the TUI's process: its first search must not
    stall a frame loading jieba's dictionary (~0.5–1.3 s) or pypinyin's (~0.4 s). The
    index, built at seed time, holds everything a query needs."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fake_backend.app import create_app\n"
        "from fake_backend.clock import Clock\n"
        "from fake_backend.services import catalogue, search\n"
        f"app = create_app(Path({str(db_path)!r}), Clock(), seed=42)\n"
        "ctx = app.state.ctx\n"
        "for q in ('创意工坊保温杯', 'huawei', 'bwb', 'hw 耳机', '温杯子'):\n"
        "    catalogue.search_products(ctx, q=q)\n"
        "    search.suggest(ctx, q)\n"
        "print(sorted(name for name in ('jieba', 'pypinyin') if name in sys.modules))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert ran.stdout.strip() == "[]", ran.stderr


def test_a_suggestion_that_a_longer_one_repeats_is_left_out(client: TestClient) -> None:
    texts = [item["text"] for item in suggested(client, "bw")["items"]]
    assert "保温杯" in texts and "保温" not in texts  # both would find the same 12


def test_an_unknown_run_of_characters_offers_its_pieces_that_find_something(
    client: TestClient,
) -> None:
    body = suggested(client, "温杯子不存在")
    assert body["closest"] and [item["text"] for item in body["items"]] == ["温杯"]
    assert body["items"][0]["count"] == found(client, "温杯")["total"] > 0


def test_what_was_typed_is_not_suggested_back(client: TestClient) -> None:
    assert "华为" not in [item["text"] for item in suggested(client, "华为")["items"]]


def test_listings_on_sale_come_before_sold_out_ones(client: TestClient, app_ctx: Ctx) -> None:
    items = found(client, "创意工坊保温杯")["items"]
    stock = [item["stock"] > 0 for item in items]
    assert any(stock) and not all(stock), "the demo sells some and has sold out some"
    assert stock == sorted(stock, reverse=True)


def test_the_backend_reads_the_query_vocabulary_as_it_starts(app: FastAPI) -> None:
    """The first search of a session paid for reading it (13 ms on 100 000 products):
    the backend reads it beside its first requests."""
    ctx: Ctx = app.state.ctx
    search._catalogues.pop(ctx.db, None)
    with TestClient(app):
        pass  # started and stopped: the lifespan waits for the reading it began
    assert search._catalogues.get(ctx.db) is not None


def test_a_vocabulary_that_cannot_be_read_at_start_is_logged_not_fatal(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreadable(db: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(search, "_catalogue", unreadable)
    with TestClient(app) as client:
        assert client.get("/api/v1/categories").status_code == 200
    assert "reading the search vocabulary at start failed" in caplog.text
