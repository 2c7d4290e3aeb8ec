"""The catalogue over HTTP: categories, brands, product list and page, reviews, images."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from fake_backend.context import Ctx
from fake_backend.seed import DEMO_CATALOGUE
from tests.backend.conftest import error_code

API = "/api/v1"
EN = {"Accept-Language": "en-US,en;q=0.9"}
SUMMARY_FIELDS = {
    "id",
    "name",
    "brand",
    "category_id",
    "price_fen",
    "price_varies",
    "original_price_fen",
    "sales",
    "stock",
    "rating",
    "review_count",
    "image",
    "returnable",
    "kind",
}


def category_id(ctx: Ctx, name_zh: str) -> int:
    return int(ctx.db.scalar("SELECT id FROM categories WHERE name_zh = ?", (name_zh,)))


def field_of(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    assert error_code(response) == "VALIDATION_ERROR"
    return set(response.json()["error"]["details"]["fields"])


def walk_tree(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for node in nodes:
        found.append(node)
        found.extend(walk_tree(node["children"]))
    return found


def test_categories_are_a_tree_with_counts_including_descendants(
    client: TestClient, app_ctx: Ctx
) -> None:
    tree = client.get(f"{API}/categories").json()["items"]
    nodes = walk_tree(tree)
    assert len(nodes) == app_ctx.db.scalar("SELECT COUNT(*) FROM categories")
    assert [root["name"] for root in tree][:6] == ["服装", "数码", "家居", "美妆", "食品", "图书"]
    assert sum(root["product_count"] for root in tree) == DEMO_CATALOGUE
    for node in nodes:
        direct = app_ctx.db.scalar(
            "SELECT COUNT(*) FROM products WHERE category_id = ?", (node["id"],)
        )
        assert node["product_count"] == direct + sum(c["product_count"] for c in node["children"])
        assert all(child["parent_id"] == node["id"] for child in node["children"])
    clothing = next(root for root in tree if root["name"] == "服装")
    assert clothing["parent_id"] is None
    assert {child["name"] for child in clothing["children"]} == {"男装", "女装", "鞋靴"}


def test_category_names_follow_the_request_language(client: TestClient) -> None:
    english = client.get(f"{API}/categories", headers=EN).json()["items"]
    assert [root["name"] for root in english][:3] == ["Clothing", "Electronics", "Home"]
    names = {node["name"] for node in walk_tree(english)}
    assert {"T-shirts", "Phones", "Cups"} <= names


def test_brands_count_products_within_a_category_and_its_descendants(
    client: TestClient, app_ctx: Ctx
) -> None:
    everything = client.get(f"{API}/brands").json()["items"]
    assert sum(brand["product_count"] for brand in everything) == DEMO_CATALOGUE
    clothing = category_id(app_ctx, "服装")
    items = client.get(f"{API}/brands", params={"category": clothing}).json()["items"]
    rows = app_ctx.db.all(
        "SELECT brand, COUNT(*) FROM products WHERE category_id IN (SELECT id FROM categories"
        " WHERE id = ? OR parent_id = ? OR parent_id IN (SELECT id FROM categories"
        " WHERE parent_id = ?)) GROUP BY brand",
        (clothing, clothing, clothing),
    )
    expected = {row[0]: row[1] for row in rows}
    assert {item["name"]: item["product_count"] for item in items} == expected
    assert "李宁" in expected and "小米" not in expected
    counts = [item["product_count"] for item in items]
    assert counts == sorted(counts, reverse=True)


def test_brands_of_an_unknown_category_is_404_and_a_bad_one_422(client: TestClient) -> None:
    missing = client.get(f"{API}/brands", params={"category": 9999})
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"
    assert field_of(client.get(f"{API}/brands", params={"category": "phones"})) == {"category"}
    assert field_of(client.get(f"{API}/brands", params={"category": 0})) == {"category"}


def test_product_list_has_the_summary_shape_and_a_total(client: TestClient) -> None:
    body = client.get(f"{API}/products", params={"limit": 5}).json()
    assert set(body) == {"items", "total", "next_cursor", "terms"}
    assert body["total"] == DEMO_CATALOGUE and len(body["items"]) == 5 and body["next_cursor"]
    assert body["terms"] == []
    for item in body["items"]:
        assert set(item) == SUMMARY_FIELDS | {"highlights"} and item["highlights"] == []
        assert item["image"].startswith(f"{API}/images/") and item["image"].endswith(".png")
    sales = [item["sales"] for item in body["items"]]
    assert sales == sorted(sales, reverse=True)


def test_pages_follow_the_cursor_to_the_end_without_repeats(client: TestClient) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "T恤", "sort": "price_asc", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = client.get(f"{API}/products", params=params).json()
        seen.extend(item["id"] for item in body["items"])
        assert body["total"] == 11
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 11


def test_product_filters_over_http(client: TestClient, app_ctx: Ctx) -> None:
    phones = category_id(app_ctx, "手机")
    body = client.get(
        f"{API}/products",
        params={
            "category": phones,
            "brand": "华为",
            "price_min_fen": 100000,
            "price_max_fen": 520000,
            "in_stock": "true",
            "limit": 100,
        },
    ).json()
    expected = app_ctx.db.scalar(
        "SELECT COUNT(*) FROM products WHERE category_id = ? AND brand = '华为'"
        " AND price_fen BETWEEN 100000 AND 520000 AND stock > 0",
        (phones,),
    )
    assert body["total"] == len(body["items"]) == expected > 1
    for item in body["items"]:
        assert item["brand"] == "华为" and item["category_id"] == phones and item["stock"] > 0
        assert 100000 <= item["price_fen"] <= 520000


def test_unknown_category_in_search_is_404(client: TestClient) -> None:
    response = client.get(f"{API}/products", params={"category": 12345})
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"price_min_fen": -1}, "price_min_fen"),
        ({"price_max_fen": -100}, "price_max_fen"),
        ({"price_min_fen": 5000, "price_max_fen": 4999}, "price_min_fen"),
        ({"sort": "cheapest"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "%%%not-base64"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"[1,2]").decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'["sales_desc","x",3]').decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'["sales_desc",5,true]').decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'["sales_desc",5,1e99]').decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'["newest",NaN,3]').decode()}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"q": "手" * 201}, "q"),
        ({"brand": "牌" * 51}, "brand"),
        ({"category": "数码"}, "category"),
        ({"price_max_fen": 10**13}, "price_max_fen"),
    ],
)
def test_bad_search_input_is_422_naming_the_field(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    assert field_of(client.get(f"{API}/products", params=params)) == {field}


def test_a_cursor_from_another_sort_is_refused(client: TestClient) -> None:
    cursor = client.get(f"{API}/products", params={"limit": 2}).json()["next_cursor"]
    assert field_of(
        client.get(f"{API}/products", params={"sort": "price_asc", "cursor": cursor})
    ) == {"cursor"}
    assert field_of(client.get(f"{API}/products/1/reviews", params={"cursor": cursor})) == {
        "cursor"
    }


def test_product_detail_has_skus_specs_images_and_return_rules(
    client: TestClient, app_ctx: Ctx
) -> None:
    body = client.get(f"{API}/products/1").json()
    row = app_ctx.db.one("SELECT * FROM products WHERE id = 1")
    assert row is not None
    assert set(body) >= SUMMARY_FIELDS
    assert body["name"] == row["name"] and body["price_fen"] == row["price_fen"]
    skus = app_ctx.db.all("SELECT id, specs, price_fen, stock FROM skus WHERE product_id = 1")
    assert body["skus"] == [
        {
            "id": s["id"],
            "specs": json.loads(s["specs"]),
            "price_fen": s["price_fen"],
            "stock": s["stock"],
        }
        for s in skus
    ]
    assert body["price_fen"] == min(s["price_fen"] for s in skus)
    assert body["stock"] == sum(s["stock"] for s in skus)
    assert [axis["name"] for axis in body["spec_options"]] == ["颜色", "尺码"]
    for axis in body["spec_options"]:
        assert set(axis["values"]) == {sku["specs"][axis["name"]] for sku in body["skus"]}
    assert body["images"] and body["images"][0] == body["image"]
    assert body["returnable"] is True and body["return_window_days"] == 7
    assert body["non_returnable_reason"] is None
    assert [step["name"] for step in body["category_path"]] == ["服装", "男装", "T恤"]
    assert body["description"]


def test_product_detail_labels_promotions_in_the_request_language(
    client: TestClient, app_ctx: Ctx
) -> None:
    product_id = app_ctx.db.scalar(
        "SELECT id FROM products WHERE promotions LIKE '%price_cut%' ORDER BY id LIMIT 1"
    )
    zh = client.get(f"{API}/products/{product_id}").json()
    en = client.get(f"{API}/products/{product_id}", headers=EN).json()
    assert {"type": "price_cut", "label": "限时直降"} in zh["promotions"]
    assert {"type": "price_cut", "label": "Limited-time price cut"} in en["promotions"]
    assert en["category_path"][0]["name"] in {
        "Clothing",
        "Electronics",
        "Home",
        "Beauty",
        "Food",
        "Books",
        "Sports",
    }


@pytest.mark.parametrize(
    ("leaf", "reason"), [("生鲜", "perishable"), ("充值卡", "virtual"), ("定制礼品", "customised")]
)
def test_goods_that_cannot_be_returned_say_why(
    client: TestClient, app_ctx: Ctx, leaf: str, reason: str
) -> None:
    product_id = app_ctx.db.scalar(
        "SELECT MIN(id) FROM products WHERE category_id = ?", (category_id(app_ctx, leaf),)
    )
    body = client.get(f"{API}/products/{product_id}").json()
    assert body["returnable"] is False and body["non_returnable_reason"] == reason


def test_unknown_product_is_404_and_a_malformed_id_422(client: TestClient) -> None:
    for path in (f"{API}/products/999999", f"{API}/products/999999/reviews"):
        response = client.get(path)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
        assert response.json()["error"]["details"] == {"resource": "product"}
    for bad in ("abc", "0", "-3", "1.5", str(2**70)):
        assert field_of(client.get(f"{API}/products/{bad}")) == {"product_id"}
        assert field_of(client.get(f"{API}/products/{bad}/reviews")) == {"product_id"}


def test_reviews_page_newest_first_with_totals_and_breakdown(
    client: TestClient, app_ctx: Ctx
) -> None:
    product_id = app_ctx.db.scalar(
        "SELECT product_id FROM reviews GROUP BY product_id ORDER BY COUNT(*) DESC, product_id"
        " LIMIT 1"
    )
    rows = app_ctx.db.all(
        "SELECT id, rating FROM reviews WHERE product_id = ? ORDER BY created_at DESC, id DESC",
        (product_id,),
    )
    assert len(rows) >= 4
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get(f"{API}/products/{product_id}/reviews", params=params).json()
        assert body["total"] == len(rows)
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [review["id"] for review in seen] == [row["id"] for row in rows]
    assert body["rating_breakdown"] == {
        str(stars): sum(1 for row in rows if row["rating"] == stars) for stars in (5, 4, 3, 2, 1)
    }
    review = seen[0]
    assert set(review) == {"id", "author", "rating", "text", "specs", "created_at"}
    assert review["author"].endswith("**") and review["created_at"].endswith("Z")
    assert review["specs"] and review["text"]


def test_a_product_without_reviews_answers_an_empty_page(client: TestClient, app_ctx: Ctx) -> None:
    product_id = app_ctx.db.scalar(
        "SELECT MIN(id) FROM products WHERE id NOT IN (SELECT product_id FROM reviews)"
    )
    body = client.get(f"{API}/products/{product_id}/reviews").json()
    assert body == {
        "items": [],
        "next_cursor": None,
        "total": 0,
        "rating_breakdown": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0},
    }


def test_reviews_limit_is_bounded(client: TestClient) -> None:
    assert field_of(client.get(f"{API}/products/1/reviews", params={"limit": 0})) == {"limit"}
    assert field_of(client.get(f"{API}/products/1/reviews", params={"limit": 101})) == {"limit"}
    assert field_of(client.get(f"{API}/products/1/reviews", params={"cursor": "!!"})) == {"cursor"}


def test_images_are_png_bytes_cacheable_for_a_day(client: TestClient) -> None:
    image_path = client.get(f"{API}/products/1").json()["images"][0]
    response = client.get(image_path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG" and picture.size == (48, 48)


def test_unknown_image_is_a_404_envelope(client: TestClient) -> None:
    response = client.get(f"{API}/images/987654.png")
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert response.json()["error"]["details"] == {"resource": "image"}
    assert field_of(client.get(f"{API}/images/logo.png")) == {"image_id"}


def test_browsing_needs_no_login_and_ignores_a_bad_token(client: TestClient) -> None:
    headers = {"Authorization": "Bearer not-a-token"}
    assert client.get(f"{API}/products", headers=headers).status_code == 200
    assert client.get(f"{API}/products/1", headers=headers).status_code == 200


def test_openapi_documents_the_catalogue(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/categories",
        "/brands",
        "/products",
        "/products/{product_id}",
        "/products/{product_id}/reviews",
        "/images/{image_id}.png",
    ):
        assert f"{API}{path}" in paths
    search = paths[f"{API}/products"]["get"]
    assert {"404", "422"} <= set(search["responses"])
    assert (
        "image/png" in paths[f"{API}/images/{{image_id}}.png"]["get"]["responses"]["200"]["content"]
    )


def test_a_product_s_price_is_its_cheapest_spec_in_stock_and_says_it_varies(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    from tests.backend.test_orders import placed, set_stock

    product = app_ctx.db.one(
        "SELECT product_id FROM skus GROUP BY product_id"
        " HAVING COUNT(DISTINCT price_fen) > 1 AND MIN(stock) > 0 LIMIT 1"
    )
    assert product is not None
    product_id = product["product_id"]
    cheapest, dearer = app_ctx.db.all(
        "SELECT id, price_fen FROM skus WHERE product_id = ? ORDER BY price_fen, id LIMIT 2",
        (product_id,),
    )
    others_low = app_ctx.db.scalar(
        "SELECT MIN(price_fen) FROM skus WHERE product_id = ? AND id != ?",
        (product_id, cheapest["id"]),
    )

    def shown() -> dict[str, Any]:
        body = client.get(f"/api/v1/products/{product_id}").json()
        return {"price_fen": body["price_fen"], "price_varies": body["price_varies"]}

    assert shown() == {"price_fen": cheapest["price_fen"], "price_varies": True}
    set_stock(app_ctx, cheapest["id"], 1)
    order = placed(client, demo_headers, [(cheapest["id"], 1)])  # the last one sells
    assert shown() == {"price_fen": others_low, "price_varies": True}
    assert dearer["price_fen"] >= others_low
    cancelled = client.post(
        f"/api/v1/orders/{order['id']}/cancel",
        json={"reason": "no_longer_needed"},
        headers=demo_headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert shown() == {"price_fen": cheapest["price_fen"], "price_varies": True}
    listed = client.get("/api/v1/products", params={"limit": 100}).json()["items"]
    assert all(isinstance(item["price_varies"], bool) for item in listed)
    single = app_ctx.db.scalar(
        "SELECT product_id FROM skus GROUP BY product_id HAVING COUNT(DISTINCT price_fen) = 1"
        " LIMIT 1"
    )
    assert client.get(f"/api/v1/products/{single}").json()["price_varies"] is False
