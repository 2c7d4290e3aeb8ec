"""The address book and the region tree, over HTTP and at service level."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend import seed_data
from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.regions import REGIONS, first_bad_region_field
from fake_backend.services import addresses
from fake_backend.services.addresses import AddressInput
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

Headers = dict[str, str]
MakeUser = Callable[..., tuple[int, Headers]]
DEMO_ADDRESS_ID = 1

GOOD: dict[str, Any] = {
    "name": "李雷",
    "phone": "13912345678",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "detail": "科技园南区 8 栋 1201",
}


def post(client: TestClient, headers: Headers, **changes: Any) -> Any:
    return client.post("/api/v1/addresses", json={**GOOD, **changes}, headers=headers)


def field_codes(response: Any) -> dict[str, str]:
    fields = response.json()["error"]["details"]["fields"]
    return {name: value["code"] for name, value in fields.items()}


def listed(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/addresses", headers=headers).json()["items"]
    return items


def defaults(client: TestClient, headers: Headers) -> list[int]:
    return [item["id"] for item in listed(client, headers) if item["is_default"]]


def test_regions_are_public_and_cover_all_31_divisions(client: TestClient) -> None:
    response = client.get("/api/v1/regions")
    assert response.status_code == 200
    provinces = response.json()["items"]
    names = [province["name"] for province in provinces]
    assert len(names) == len(set(names)) == 31
    assert {"浙江省", "上海市", "新疆维吾尔自治区", "西藏自治区", "广西壮族自治区"} <= set(names)
    assert set(seed_data.SHIPPING) - {"*"} <= set(names)
    for province in provinces:
        municipality = province["name"] in {"北京市", "天津市", "上海市", "重庆市"}
        assert len(province["cities"]) == 1 if municipality else len(province["cities"]) >= 2
        for city in province["cities"]:
            assert len(city["districts"]) >= 2
            assert len(set(city["districts"])) == len(city["districts"])
    zhejiang = next(p for p in provinces if p["name"] == "浙江省")
    hangzhou = next(c for c in zhejiang["cities"] if c["name"] == "杭州市")
    assert "西湖区" in hangzhou["districts"]


def test_region_check_names_the_first_wrong_field() -> None:
    assert first_bad_region_field("浙江省", "杭州市", "西湖区") is None
    assert first_bad_region_field("浙江", "杭州市", "西湖区") == "province"
    assert first_bad_region_field("浙江省", "深圳市", "南山区") == "city"
    assert first_bad_region_field("浙江省", "杭州市", "南山区") == "district"
    assert "海淀区" in REGIONS["北京市"]["北京市"]


def test_addresses_need_login(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/addresses"),
        client.post("/api/v1/addresses", json=GOOD),
        client.put("/api/v1/addresses/1", json=GOOD),
        client.delete("/api/v1/addresses/1"),
    ):
        assert response.status_code == 401


def test_demo_user_has_one_default_address(client: TestClient, demo_headers: Headers) -> None:
    (address,) = listed(client, demo_headers)
    assert address["is_default"] is True
    assert address["phone_masked"] == "138****8000"
    assert (address["province"], address["city"], address["district"]) == (
        "浙江省",
        "杭州市",
        "西湖区",
    )


def test_create_answers_201_and_is_not_default_unless_asked(
    client: TestClient, demo_headers: Headers
) -> None:
    response = post(client, demo_headers)
    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in GOOD} == GOOD
    assert created["phone_masked"] == "139****5678" and created["is_default"] is False
    assert defaults(client, demo_headers) == [DEMO_ADDRESS_ID]

    chosen = post(client, demo_headers, is_default=True).json()
    assert chosen["is_default"] is True
    assert defaults(client, demo_headers) == [chosen["id"]]
    assert [item["id"] for item in listed(client, demo_headers)] == [
        chosen["id"],
        created["id"],
        DEMO_ADDRESS_ID,
    ]


def test_a_users_first_address_becomes_default(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user()
    assert listed(client, headers) == []
    first = post(client, headers, is_default=False).json()
    assert first["is_default"] is True
    second = post(client, headers).json()
    assert second["is_default"] is False
    assert defaults(client, headers) == [first["id"]]


def test_text_is_stored_as_typed(client: TestClient, demo_headers: Headers) -> None:
    created = post(client, demo_headers, name="[bold]X[/bold]", detail="<b>1号</b>\t楼").json()
    assert created["name"] == "[bold]X[/bold]" and created["detail"] == "<b>1号</b>\t楼"


def test_every_field_problem_comes_back_at_once(client: TestClient, demo_headers: Headers) -> None:
    response = post(client, demo_headers, name="王" * 21, phone="12345", city="杭州市", detail="短")
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert field_codes(response) == {
        "name": "too_long",
        "phone": "bad_phone",
        "city": "bad_region",
        "detail": "too_short",
    }
    english = post(client, {**demo_headers, "Accept-Language": "en"}, phone="1")
    assert english.json()["error"]["details"]["fields"]["phone"]["message"] == (
        "enter an 11-digit mainland mobile number"
    )
    assert len(listed(client, demo_headers)) == 1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, {"name": "required"}),
        ({"name": "   "}, {"name": "required"}),
        ({"name": "王" * 20}, {}),
        ({"name": "x" * 65}, {"name": "too_long"}),
        ({"detail": "一二三"}, {"detail": "too_short"}),
        ({"detail": "一二三四"}, {}),
        ({"detail": "路" * 120}, {}),
        ({"detail": "路" * 121}, {"detail": "too_long"}),
        ({"detail": "路" * 10_000}, {"detail": "too_long"}),
        ({"phone": "12812345678"}, {"phone": "bad_phone"}),
        ({"phone": "1391234567"}, {"phone": "bad_phone"}),
        ({"phone": "139123456789"}, {"phone": "bad_phone"}),
        ({"phone": "+8613912345678"}, {"phone": "bad_phone"}),
        ({"phone": "1391234567a"}, {"phone": "bad_phone"}),
        ({"phone": "1" * 40}, {"phone": "too_long"}),
        ({"province": "火星"}, {"province": "bad_region"}),
        ({"province": "广东"}, {"province": "bad_region"}),
        ({"province": "广东省", "city": "杭州市"}, {"city": "bad_region"}),
        ({"district": "西湖区"}, {"district": "bad_region"}),
        ({"province": "省" * 33}, {"province": "too_long"}),
        ({"colour": "red"}, {"colour": "unknown_field"}),
        ({"is_default": "perhaps"}, {"is_default": "not_boolean"}),
    ],
)
def test_field_rules(
    client: TestClient, demo_headers: Headers, changes: dict[str, Any], expected: dict[str, str]
) -> None:
    response = post(client, demo_headers, **changes)
    if expected:
        assert response.status_code == 422
        assert field_codes(response) == expected
        assert len(listed(client, demo_headers)) == 1
    else:
        assert response.status_code == 201


def test_missing_fields_are_all_named(client: TestClient, demo_headers: Headers) -> None:
    response = client.post("/api/v1/addresses", json={"name": "李雷"}, headers=demo_headers)
    assert response.status_code == 422
    assert field_codes(response) == {
        field: "required" for field in ("phone", "province", "city", "district", "detail")
    }


def test_update_replaces_the_fields(client: TestClient, demo_headers: Headers) -> None:
    created = post(client, demo_headers).json()
    changed = {
        **GOOD,
        "name": "韩梅梅",
        "province": "四川省",
        "city": "成都市",
        "district": "武侯区",
    }
    response = client.put(f"/api/v1/addresses/{created['id']}", json=changed, headers=demo_headers)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in changed} == changed
    assert body["is_default"] is False and body["id"] == created["id"]


def test_update_with_bad_fields_changes_nothing(client: TestClient, demo_headers: Headers) -> None:
    created = post(client, demo_headers).json()
    response = client.put(
        f"/api/v1/addresses/{created['id']}",
        json={**GOOD, "phone": "000", "district": "西湖区"},
        headers=demo_headers,
    )
    assert response.status_code == 422
    assert field_codes(response) == {"phone": "bad_phone", "district": "bad_region"}
    stored = next(item for item in listed(client, demo_headers) if item["id"] == created["id"])
    assert stored == created


def test_default_moves_with_updates(client: TestClient, demo_headers: Headers) -> None:
    older = post(client, demo_headers).json()
    newer = post(client, demo_headers).json()
    url = f"/api/v1/addresses/{older['id']}"
    assert client.put(url, json={**GOOD, "is_default": True}, headers=demo_headers).json()[
        "is_default"
    ]
    assert defaults(client, demo_headers) == [older["id"]]
    # Omitting is_default leaves it as it is.
    assert client.put(url, json=GOOD, headers=demo_headers).json()["is_default"] is True
    # Un-defaulting the default hands it to the newest other address.
    assert (
        client.put(url, json={**GOOD, "is_default": False}, headers=demo_headers).json()[
            "is_default"
        ]
        is False
    )
    assert defaults(client, demo_headers) == [newer["id"]]


def test_the_only_address_stays_default(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user()
    only = post(client, headers).json()
    response = client.put(
        f"/api/v1/addresses/{only['id']}", json={**GOOD, "is_default": False}, headers=headers
    )
    assert response.json()["is_default"] is True


def test_delete_is_soft_and_promotes_the_newest_remaining(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    older = post(client, demo_headers).json()
    newer = post(client, demo_headers).json()
    response = client.delete(f"/api/v1/addresses/{DEMO_ADDRESS_ID}", headers=demo_headers)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert [item["id"] for item in listed(client, demo_headers)] == [newer["id"], older["id"]]
    assert defaults(client, demo_headers) == [newer["id"]]
    row = app_ctx.db.one("SELECT deleted, detail FROM addresses WHERE id = ?", (DEMO_ADDRESS_ID,))
    assert row is not None and row["deleted"] == 1 and row["detail"] == "文三路100号 3幢 501室"

    again = client.delete(f"/api/v1/addresses/{DEMO_ADDRESS_ID}", headers=demo_headers)
    assert again.status_code == 404
    put = client.put(f"/api/v1/addresses/{DEMO_ADDRESS_ID}", json=GOOD, headers=demo_headers)
    assert put.status_code == 404

    client.delete(f"/api/v1/addresses/{older['id']}", headers=demo_headers)
    assert defaults(client, demo_headers) == [newer["id"]]
    client.delete(f"/api/v1/addresses/{newer['id']}", headers=demo_headers)
    assert listed(client, demo_headers) == []
    assert post(client, demo_headers).json()["is_default"] is True


def test_other_users_addresses_are_404_and_untouched(
    client: TestClient, demo_headers: Headers, make_user: MakeUser
) -> None:
    _, other = make_user()
    assert listed(client, other) == []
    url = f"/api/v1/addresses/{DEMO_ADDRESS_ID}"
    for response in (
        client.put(url, json={**GOOD, "is_default": True}, headers=other),
        client.delete(url, headers=other),
    ):
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
        assert response.json()["error"]["details"] == {"resource": "address"}
    (mine,) = listed(client, demo_headers)
    assert mine["name"] == "张三" and mine["is_default"] is True


@pytest.mark.parametrize(
    ("address_id", "reason"),
    [("0", "too_small"), ("-1", "too_small"), ("x", "not_integer"), (str(10**30), "too_large")],
)
def test_bad_address_ids_are_422(
    client: TestClient, demo_headers: Headers, address_id: str, reason: str
) -> None:
    response = client.delete(f"/api/v1/addresses/{address_id}", headers=demo_headers)
    assert response.status_code == 422 and field_codes(response) == {"address_id": reason}


def test_at_most_20_addresses(client: TestClient, demo_headers: Headers) -> None:
    for _ in range(19):
        assert post(client, demo_headers).status_code == 201
    assert len(listed(client, demo_headers)) == 20
    response = post(client, demo_headers)
    assert response.status_code == 422 and field_codes(response) == {"addresses": "too_many"}
    assert len(listed(client, demo_headers)) == 20
    last = listed(client, demo_headers)[-1]
    client.delete(f"/api/v1/addresses/{last['id']}", headers=demo_headers)
    assert post(client, demo_headers).status_code == 201


def test_service_lookups_for_orders(ctx: Ctx) -> None:
    assert addresses.default_address_id(ctx, DEMO_USER_ID) == DEMO_ADDRESS_ID
    snapshot = addresses.get_address(ctx, DEMO_USER_ID, DEMO_ADDRESS_ID)
    assert snapshot["name"] == "张三" and snapshot["phone"] == "13800138000"
    with ctx.db.tx():
        other = ctx.db.insert(
            "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000009', 'x', 0)"
        )
    assert addresses.default_address_id(ctx, other) is None
    with pytest.raises(ApiError) as caught:
        addresses.get_address(ctx, other, DEMO_ADDRESS_ID)
    assert caught.value.status == 404
    moved = addresses.create_address(ctx, DEMO_USER_ID, AddressInput(**GOOD), is_default=True)
    assert addresses.default_address_id(ctx, DEMO_USER_ID) == moved["id"]
    addresses.delete_address(ctx, DEMO_USER_ID, moved["id"])
    assert addresses.default_address_id(ctx, DEMO_USER_ID) == DEMO_ADDRESS_ID
    with pytest.raises(ApiError):
        addresses.get_address(ctx, DEMO_USER_ID, moved["id"])
