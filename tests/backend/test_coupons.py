"""Coupons: the user's coupons by status, the claim centre, claiming, the new-user gift."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from fake_backend.clock import parse_iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import coupons
from tests.backend.conftest import error_code
from tests.backend.test_wallet import fresh_headers, insert_order
from tests.conftest import DEMO_USER_ID, FROZEN_START

MakeUser = Callable[..., tuple[int, dict[str, str]]]
DAY = 86400
PLATFORM_TITLES = {"满199减20", "满99减10", "满299减40", "无门槛5元"}
STORE_BRANDS = {"膳魔师", "小米", "李宁"}


def template_id(ctx: Ctx, title_zh: str) -> int:
    return int(ctx.db.scalar("SELECT id FROM coupon_templates WHERE title_zh = ?", (title_zh,)))


def product_of_brand(ctx: Ctx, brand: str) -> int:
    return int(ctx.db.scalar("SELECT id FROM products WHERE brand = ? LIMIT 1", (brand,)))


def test_the_demo_user_has_one_usable_coupon(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    [coupon] = client.get("/api/v1/coupons", headers=demo_headers).json()["items"]
    assert coupon["title"] == "满199减20" and coupon["status"] == "usable"
    assert (coupon["threshold_fen"], coupon["discount_fen"]) == (19900, 2000)
    assert coupon["kind"] == "platform" and coupon["brand"] is None
    assert coupon["used_order_id"] is None
    english = client.get(
        "/api/v1/coupons?status=usable", headers={**demo_headers, "Accept-Language": "en"}
    ).json()["items"]
    assert english[0]["title"] == "¥20 off over ¥199"
    used = client.get("/api/v1/coupons?status=used", headers=demo_headers).json()
    assert used == {"items": [], "next_cursor": None}


def test_coupons_need_login_and_a_known_status(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/coupons").status_code == 401
    response = client.get("/api/v1/coupons?status=lost", headers=demo_headers)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"


def test_available_lists_platform_and_every_store_coupon(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    items = client.get("/api/v1/coupons/available", headers=demo_headers).json()["items"]
    platform = {item["title"] for item in items if item["kind"] == "platform"}
    stores = {item["brand"] for item in items if item["kind"] == "store"}
    assert platform == PLATFORM_TITLES and stores == STORE_BRANDS
    assert {item["kind"] for item in items} == {"platform", "store"}  # no new-user / check-in
    claimed = {item["title"] for item in items if item["claimed"]}
    assert claimed == {"满199减20"}


def test_available_for_a_product_adds_only_its_brands_store_coupon(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    product_id = product_of_brand(app_ctx, "小米")
    items = client.get(
        f"/api/v1/coupons/available?product_id={product_id}", headers=demo_headers
    ).json()["items"]
    assert {item["brand"] for item in items if item["kind"] == "store"} == {"小米"}
    assert len(items) == len(PLATFORM_TITLES) + 1
    missing = client.get("/api/v1/coupons/available?product_id=999999", headers=demo_headers)
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"
    bad = client.get("/api/v1/coupons/available?product_id=abc", headers=demo_headers)
    assert bad.status_code == 422


def test_claim_once(client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx) -> None:
    template = template_id(app_ctx, "满99减10")
    response = client.post(f"/api/v1/coupons/{template}/claim", headers=demo_headers)
    assert response.status_code == 201
    coupon = response.json()
    assert coupon["template_id"] == template and coupon["status"] == "usable"
    assert parse_iso(coupon["claimed_at"]) == FROZEN_START
    assert parse_iso(coupon["expires_at"]) == FROZEN_START + 30 * DAY
    again = client.post(f"/api/v1/coupons/{template}/claim", headers=demo_headers)
    assert again.status_code == 409 and error_code(again) == "ALREADY_CLAIMED"
    usable = client.get("/api/v1/coupons", headers=demo_headers).json()["items"]
    assert sorted(c["title"] for c in usable) == ["满199减20", "满99减10"]
    available = client.get("/api/v1/coupons/available", headers=demo_headers).json()["items"]
    assert next(a for a in available if a["id"] == template)["claimed"] is True


def test_claim_what_is_not_in_the_claim_centre_is_404(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    for template in (template_id(app_ctx, "新人专享 满50减10"), 999999):
        response = client.post(f"/api/v1/coupons/{template}/claim", headers=demo_headers)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert client.post("/api/v1/coupons/0/claim", headers=demo_headers).status_code == 422
    assert len(client.get("/api/v1/coupons", headers=demo_headers).json()["items"]) == 1


def test_a_coupon_expires_with_the_clock(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    template = template_id(app_ctx, "无门槛5元")  # valid 7 days
    client.post(f"/api/v1/coupons/{template}/claim", headers=demo_headers)
    client.post("/_dev/clock/advance", json={"seconds": 7 * DAY - 1})
    usable = client.get("/api/v1/coupons", headers=demo_headers).json()["items"]
    assert "无门槛5元" in {c["title"] for c in usable}
    client.post("/_dev/clock/advance", json={"seconds": 1})
    headers = fresh_headers(app_ctx)  # the first token lived 7 days too
    usable = client.get("/api/v1/coupons", headers=headers).json()["items"]
    expired = client.get("/api/v1/coupons?status=expired", headers=headers).json()["items"]
    assert "无门槛5元" not in {c["title"] for c in usable}
    assert [(c["title"], c["status"]) for c in expired] == [("无门槛5元", "expired")]
    again = client.post(f"/api/v1/coupons/{template}/claim", headers=headers)
    assert again.status_code == 409  # one per person, even once expired


def test_used_coupons_are_listed_as_used(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order_id = insert_order(app_ctx, DEMO_USER_ID, total_fen=18000, paid_at=app_ctx.now())
    with app_ctx.db.tx():
        app_ctx.db.execute(
            "UPDATE user_coupons SET status = 'used', used_order_id = ? WHERE user_id = ?",
            (order_id, DEMO_USER_ID),
        )
    assert client.get("/api/v1/coupons", headers=demo_headers).json()["items"] == []
    [used] = client.get("/api/v1/coupons?status=used", headers=demo_headers).json()["items"]
    assert used["status"] == "used" and used["used_order_id"] == order_id
    # a used coupon past its date is still "used", not "expired"
    app_ctx.clock.advance(60 * DAY)
    assert coupons.list_coupons(app_ctx, DEMO_USER_ID, "expired", "zh", None, 20)["items"] == []
    [still_used] = coupons.list_coupons(app_ctx, DEMO_USER_ID, "used", "zh", None, 20)["items"]
    assert still_used["status"] == "used"


def test_grant_new_user_gives_the_new_user_coupon_once(
    make_user: MakeUser, client: TestClient, app_ctx: Ctx
) -> None:
    user_id, headers = make_user()
    with app_ctx.db.tx():
        coupons.grant_new_user(app_ctx, user_id)
        coupons.grant_new_user(app_ctx, user_id)
    [coupon] = client.get("/api/v1/coupons", headers=headers).json()["items"]
    assert coupon["kind"] == "new_user" and coupon["title"] == "新人专享 满50减10"
    assert parse_iso(coupon["expires_at"]) == FROZEN_START + 30 * DAY


def test_grant_new_user_rolls_back_with_the_callers_transaction(ctx: Ctx) -> None:
    with pytest.raises(RuntimeError), ctx.db.tx():
        coupons.grant_new_user(ctx, DEMO_USER_ID)
        raise RuntimeError("registration failed after the grant")
    assert (
        coupons.list_coupons(ctx, DEMO_USER_ID, "usable", "zh", None, 20)["items"][0]["kind"]
        == "platform"
    )
    assert len(coupons.list_coupons(ctx, DEMO_USER_ID, "usable", "zh", None, 20)["items"]) == 1


def test_claim_service_rules(ctx: Ctx) -> None:
    template = template_id(ctx, "满299减40")
    coupon = coupons.claim(ctx, DEMO_USER_ID, template, "en")
    assert coupon["title"] == "¥40 off over ¥299"
    with pytest.raises(ApiError) as refused:
        coupons.claim(ctx, DEMO_USER_ID, template, "en")
    assert refused.value.code == "ALREADY_CLAIMED"
    ctx.clock.advance(15 * DAY)
    [expired] = coupons.list_coupons(ctx, DEMO_USER_ID, "expired", "zh", None, 20)["items"]
    assert expired["id"] == coupon["id"]
