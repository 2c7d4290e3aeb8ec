"""Buyers' reviews: completed orders only, within 30 days, once per item, and the
product's rating and review count follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import reviews, sessions
from tests.backend.conftest import error_code
from tests.backend.test_logistics import insert_order
from tests.conftest import DEMO_USER_ID

DAY = 86400.0
# Two SKUs of two different products (seeded: SKUs 1–3 belong to product 1).
SKU_A = 1
SKU_B = 20


def product_of(ctx: Ctx, sku_id: int) -> dict[str, Any]:
    row = ctx.db.one(
        "SELECT p.id, p.rating, p.review_count FROM products p JOIN skus s"
        " ON s.product_id = p.id WHERE s.id = ?",
        (sku_id,),
    )
    assert row is not None
    return dict(row)


def item_ids(ctx: Ctx, order_id: int) -> list[int]:
    rows = ctx.db.all("SELECT id FROM order_items WHERE order_id = ? ORDER BY id", (order_id,))
    return [row["id"] for row in rows]


def review_count(ctx: Ctx) -> int:
    count: int = ctx.db.scalar("SELECT COUNT(*) FROM reviews")
    return count


def expected_rating(ctx: Ctx, product_id: int) -> float:
    ratings = [
        row["rating"]
        for row in ctx.db.all("SELECT rating FROM reviews WHERE product_id = ?", (product_id,))
    ]
    return int(sum(ratings) * 10 / len(ratings) + 0.5) / 10


def test_reviewing_a_completed_order_writes_one_review_per_item_and_updates_ratings(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    assert product_of(app_ctx, SKU_A)["id"] != product_of(app_ctx, SKU_B)["id"]
    before = [product_of(app_ctx, sku) for sku in (SKU_A, SKU_B)]
    order_id = insert_order(app_ctx, status="completed", sku_ids=(SKU_A, SKU_B), completed_ago=DAY)
    response = client.post(
        f"/api/v1/orders/{order_id}/reviews",
        json={"rating": 1, "text": "质量一般 <b>物流</b>慢"},
        headers=demo_headers,
    )
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [item["order_item_id"] for item in items] == item_ids(app_ctx, order_id)
    assert {item["author"] for item in items} == {"快******"}
    assert items[0]["text"] == "质量一般 <b>物流</b>慢"  # stored as typed
    assert items[0]["specs"] == {"颜色": "卡其", "尺码": "XL"}
    stored = app_ctx.db.all(
        "SELECT user_id, rating, author FROM reviews WHERE order_item_id IN (?, ?)",
        item_ids(app_ctx, order_id),
    )
    assert [(row["user_id"], row["rating"]) for row in stored] == [(DEMO_USER_ID, 1)] * 2
    for sku, old in zip((SKU_A, SKU_B), before, strict=True):
        now = product_of(app_ctx, sku)
        assert now["review_count"] == old["review_count"] + 1
        assert now["rating"] == expected_rating(app_ctx, now["id"])
        assert now["rating"] < old["rating"]


def test_each_item_is_reviewed_once_and_omitting_item_id_takes_the_rest(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order_id = insert_order(app_ctx, status="completed", sku_ids=(SKU_A, SKU_B), completed_ago=DAY)
    first, second = item_ids(app_ctx, order_id)
    url = f"/api/v1/orders/{order_id}/reviews"
    one = client.post(url, json={"item_id": first, "rating": 5, "text": "好"}, headers=demo_headers)
    assert one.status_code == 201 and len(one.json()["items"]) == 1
    again = client.post(
        url, json={"item_id": first, "rating": 4, "text": "再评"}, headers=demo_headers
    )
    assert again.status_code == 409 and error_code(again) == "ALREADY_REVIEWED"
    rest = client.post(url, json={"rating": 4, "text": "不错"}, headers=demo_headers)
    assert rest.status_code == 201
    assert [item["order_item_id"] for item in rest.json()["items"]] == [second]
    none_left = client.post(url, json={"rating": 4, "text": "不错"}, headers=demo_headers)
    assert none_left.status_code == 409 and error_code(none_left) == "ALREADY_REVIEWED"
    assert app_ctx.db.scalar("SELECT rating FROM reviews WHERE order_item_id = ?", (first,)) == 5


@pytest.mark.parametrize("status", ["pending_payment", "awaiting_shipment", "shipped", "cancelled"])
def test_only_completed_orders_can_be_reviewed(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], status: str
) -> None:
    order_id = insert_order(app_ctx, status=status)
    before = review_count(app_ctx)
    response = client.post(
        f"/api/v1/orders/{order_id}/reviews", json={"rating": 5, "text": "好"}, headers=demo_headers
    )
    assert response.status_code == 409 and error_code(response) == "INVALID_STATE"
    assert review_count(app_ctx) == before


def test_the_review_window_closes_30_days_after_completion(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order_id = insert_order(app_ctx, status="completed", sku_ids=(SKU_A, SKU_B), completed_ago=0)
    first, _ = item_ids(app_ctx, order_id)
    url = f"/api/v1/orders/{order_id}/reviews"
    app_ctx.clock.advance(30 * DAY)
    token, _ = sessions.issue(app_ctx, DEMO_USER_ID)  # the fixture's token expired meanwhile
    demo_headers = {"Authorization": f"Bearer {token}"}
    last_moment = client.post(
        url, json={"item_id": first, "rating": 5, "text": "好"}, headers=demo_headers
    )
    assert last_moment.status_code == 201
    before = review_count(app_ctx)
    app_ctx.clock.advance(1)
    closed = client.post(
        url, json={"rating": 5, "text": "好"}, headers={**demo_headers, "Accept-Language": "en"}
    )
    assert closed.status_code == 409 and error_code(closed) == "REVIEW_WINDOW_CLOSED"
    assert "30 days" in closed.json()["error"]["message"]
    assert review_count(app_ctx) == before


def test_reviewing_someone_elses_order_or_item_is_404(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: dict[str, str],
    make_user: Callable[..., tuple[int, dict[str, str]]],
) -> None:
    order_id = insert_order(app_ctx, status="completed", completed_ago=DAY)
    other_order = insert_order(app_ctx, status="completed", completed_ago=DAY)
    _, stranger = make_user()
    url = f"/api/v1/orders/{order_id}/reviews"
    theirs = client.post(url, json={"rating": 5, "text": "好"}, headers=stranger)
    assert theirs.status_code == 404 and error_code(theirs) == "NOT_FOUND"
    foreign_item = item_ids(app_ctx, other_order)[0]
    wrong_item = client.post(
        url, json={"item_id": foreign_item, "rating": 5, "text": "好"}, headers=demo_headers
    )
    assert wrong_item.status_code == 404
    assert client.post(url, json={"rating": 5, "text": "好"}).status_code == 401
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM reviews WHERE user_id IS NOT NULL") == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0, "text": "好"}, "rating"),
        ({"rating": 6, "text": "好"}, "rating"),
        ({"rating": 4.5, "text": "好"}, "rating"),
        ({"rating": "five", "text": "好"}, "rating"),
        ({"rating": 5, "text": ""}, "text"),
        ({"rating": 5, "text": "   "}, "text"),
        ({"rating": 5, "text": "长" * 501}, "text"),
        ({"rating": 5}, "text"),
        ({"rating": 5, "text": "好", "item_id": 0}, "item_id"),
        ({"rating": 5, "text": "好", "item_id": 2**63}, "item_id"),
        ({"rating": 5, "text": "好", "photos": []}, "photos"),
    ],
)
def test_bad_review_input_is_422_naming_the_field_and_writes_nothing(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    order_id = insert_order(app_ctx, status="completed", completed_ago=DAY)
    before = review_count(app_ctx)
    response = client.post(f"/api/v1/orders/{order_id}/reviews", json=body, headers=demo_headers)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]["fields"]
    assert review_count(app_ctx) == before


def test_a_500_character_review_is_accepted(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order_id = insert_order(app_ctx, status="completed", completed_ago=DAY)
    response = client.post(
        f"/api/v1/orders/{order_id}/reviews",
        json={"rating": 3, "text": "长" * 500},
        headers=demo_headers,
    )
    assert response.status_code == 201


def test_service_refuses_the_same_rules_without_http(ctx: Ctx) -> None:
    shipped = insert_order(ctx, status="shipped")
    with pytest.raises(ApiError) as not_completed:
        reviews.post_review(ctx, DEMO_USER_ID, shipped, None, 5, "好")
    assert not_completed.value.code == "INVALID_STATE"
    old = insert_order(ctx, status="completed", completed_ago=31 * DAY)
    with pytest.raises(ApiError) as window:
        reviews.post_review(ctx, DEMO_USER_ID, old, None, 5, "好")
    assert window.value.code == "REVIEW_WINDOW_CLOSED" and window.value.status == 409
    with pytest.raises(ApiError) as blank:
        reviews.post_review(ctx, DEMO_USER_ID, old, None, 5, " \n ")
    assert blank.value.status == 422


def test_rating_is_the_average_of_reviews_rounded_half_up_to_one_decimal(ctx: Ctx) -> None:
    product_id = product_of(ctx, SKU_A)["id"]
    with ctx.db.tx():
        ctx.db.execute("DELETE FROM reviews WHERE product_id = ?", (product_id,))
        for rating in (5, 4, 4, 4):  # 17 / 4 = 4.25 → 4.3
            ctx.db.execute(
                "INSERT INTO reviews(product_id, author, rating, text, created_at)"
                " VALUES (?, '王**', ?, '好', 0)",
                (product_id, rating),
            )
        reviews.refresh_rating(ctx, product_id)
    product = product_of(ctx, SKU_A)
    assert product["rating"] == 4.3 and product["review_count"] == 4


def test_the_whole_life_of_an_order_over_http_ends_in_a_review(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    """Order, pay, ship, track, deliver, confirm receipt, review — the real endpoints."""
    created = client.post(
        "/api/v1/orders",
        json={"items": [{"sku_id": SKU_A, "qty": 1}], "address_id": 1, "payment_method": "balance"},
        headers={**demo_headers, "Idempotency-Key": "life-order"},
    )
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    paid = client.post(
        f"/api/v1/orders/{order_id}/pay",
        json={"method": "balance", "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "life-pay"},
    )
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded", paid.text
    early = client.post(
        f"/api/v1/orders/{order_id}/reviews", json={"rating": 5, "text": "好"}, headers=demo_headers
    )
    assert early.status_code == 409 and error_code(early) == "INVALID_STATE"
    assert client.post(f"/_dev/orders/{order_id}/ship").status_code == 200
    tracking = client.get(f"/api/v1/orders/{order_id}/logistics", headers=demo_headers).json()
    assert tracking["status"] == "collected"
    assert client.post(f"/_dev/orders/{order_id}/deliver").status_code == 200
    order = client.get(f"/api/v1/orders/{order_id}", headers=demo_headers).json()
    assert order["status"] == "shipped" and order["delivered_at"] is not None
    received = client.post(f"/api/v1/orders/{order_id}/confirm-receipt", headers=demo_headers)
    assert received.status_code == 200 and received.json()["status"] == "completed"
    before = product_of(app_ctx, SKU_A)
    review = client.post(
        f"/api/v1/orders/{order_id}/reviews",
        json={"rating": 5, "text": "很好"},
        headers=demo_headers,
    )
    assert review.status_code == 201
    after = product_of(app_ctx, SKU_A)
    assert after["review_count"] == before["review_count"] + 1
    assert after["rating"] == expected_rating(app_ctx, after["id"])
    tracked = client.get(f"/api/v1/orders/{order_id}/logistics", headers=demo_headers).json()
    assert tracked["status"] == "delivered" and tracked["estimated_delivery"] is None
    reviewed = client.get(f"/api/v1/orders/{order_id}", headers=demo_headers).json()
    assert all(item["reviewed"] for item in reviewed["items"])
    assert "review" not in reviewed["actions"]
