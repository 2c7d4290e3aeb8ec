"""`POST /addresses/parse` (智能识别, docs/api.md §7.4): addresses pasted as people write
them, over every province-level division, with and without separators; what cannot be
placed comes back in `unparsed`; bad input is a 422, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fake_backend.regions import REGIONS, first_bad_region_field
from fake_backend.services.address_parser import parse_address
from tests.backend.address_samples import SAMPLES, all_pasted, hits
from tests.backend.conftest import error_code

FIELDS = ("name", "phone", "province", "city", "district", "detail")
# The parser must read at least this share of the samples whole (every field right).
REQUIRED_HIT_RATE = 0.95


def test_the_samples_cover_every_province_and_are_real_places() -> None:
    assert {sample.province for sample, _, _ in SAMPLES} == set(REGIONS)
    for sample, _, _ in SAMPLES:
        assert first_bad_region_field(sample.province, sample.city, sample.district) is None
    pasted = all_pasted()
    assert len(pasted) >= 50
    assert sum(" " not in text and "，" not in text for text, _ in pasted) >= 15


def test_the_parser_reads_the_pasted_samples(capsys: pytest.CaptureFixture[str]) -> None:
    pasted = all_pasted()
    missed = [(text, parse_address(text)) for text, sample in pasted]
    missed = [
        (text, parsed)
        for (text, parsed), (_, sample) in zip(missed, pasted, strict=True)
        if not hits(parsed, sample)
    ]
    rate = 1 - len(missed) / len(pasted)
    with capsys.disabled():
        print(f"\naddress parse hit rate: {len(pasted) - len(missed)}/{len(pasted)} = {rate:.1%}")
    assert rate >= REQUIRED_HIT_RATE, missed


def test_the_endpoint_answers_the_fields_and_what_it_could_not_place(client: TestClient) -> None:
    response = client.post(
        "/api/v1/addresses/parse", json={"text": "张三 13800138000 浙江省杭州市西湖区文三路100号"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "张三",
        "phone": "13800138000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路100号",
        "unparsed": "",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # full-width digits and punctuation, a +86 prefix, a spaced phone
        (
            "收件人：李四；电话：＋86 139 1234 5678；地址：上海浦东新区世纪大道100号",
            {"name": "李四", "phone": "13912345678", "city": "上海市", "district": "浦东新区"},
        ),
        # city written without its province, the province follows
        ("杭州市西湖区文三路100号", {"province": "浙江省", "city": "杭州市", "name": None}),
        # 青岛市南区 is 青岛 + 市南区
        ("青岛市南区香港中路76号", {"city": "青岛市", "district": "市南区"}),
        # an autonomous prefecture by its short name
        ("吉林延边延吉市光明街288号", {"city": "延边朝鲜族自治州", "district": "延吉市"}),
        # the name glued after the house number
        ("广东深圳南山区科苑路15号5楼黄嘉欣", {"detail": "科苑路15号5楼", "name": "黄嘉欣"}),
    ],
)
def test_harder_pastes(text: str, expected: dict[str, str | None]) -> None:
    parsed = parse_address(text)
    assert {key: parsed[key] for key in expected} == expected


@pytest.mark.parametrize(
    "text",
    [
        "火星基地第三区",
        "13800138000",
        "[bold]张三[/bold] \x1b[31m 13800138000",
        "　　　",
        "浙江" * 200,
    ],
)
def test_anything_pasted_is_answered_with_what_fitted(client: TestClient, text: str) -> None:
    response = client.post("/api/v1/addresses/parse", json={"text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {*FIELDS, "unparsed"}
    assert all("\x1b" not in (value or "") for value in body.values())


def test_what_fits_nowhere_is_unparsed() -> None:
    parsed = parse_address("张三 周末送货上门 13800138000 浙江省杭州市西湖区文三路100号")
    assert parsed["name"] == "张三"
    assert parsed["detail"] == "文三路100号"
    assert parsed["unparsed"] == "周末送货上门"


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "x" * 501}, {"text": 5}, {"text": "a", "extra": 1}],
)
def test_bad_parse_requests_are_422(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/api/v1/addresses/parse", json=body)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
