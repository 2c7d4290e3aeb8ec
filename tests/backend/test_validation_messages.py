"""Every 422 says, in the request's language, what is wrong with which field: no bare
"invalid" for a bound, a choice or a type the request models check."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.app import PYDANTIC_REASONS
from fake_backend.errors import FIELD_MESSAGES, ApiError, localize_fields

API = "/api/v1"
Headers = dict[str, str]

# (method, path, body, field, reason, words in the English message)
CASES: list[tuple[str, str, Any, str, str, str]] = [
    (
        "POST",
        "/orders",
        {"items": [{"sku_id": 1, "qty": 0}], "payment_method": "balance"},
        "items.0.qty",
        "bad_quantity",
        "quantity must be 1–99",
    ),
    ("PUT", "/orders/1/items", {"items": [{"sku_id": 1, "qty": 100}]}, "items.0.qty",
     "bad_quantity", "quantity must be 1–99"),
    ("GET", "/me/insights?months=0", None, "months", "too_small", "must be at least 1"),
    ("GET", "/me/insights?months=25", None, "months", "too_large", "must be at most 24"),
    ("GET", "/me/insights?months=x", None, "months", "not_integer", "must be a whole number"),
    ("POST", "/wallet/topup", {"amount_fen": 0}, "amount_fen", "bad_amount",
     "amount must be between ¥0.01 and ¥50,000.00"),
    ("POST", "/wallet/topup", {"amount_fen": 5_000_001}, "amount_fen", "bad_amount",
     "amount must be between ¥0.01 and ¥50,000.00"),
    ("POST", "/wallet/topup", {"amount_fen": "much"}, "amount_fen", "not_integer",
     "must be a whole number"),
    ("GET", "/coupons?status=lost", None, "status", "not_one_of",
     "must be one of 'usable', 'used', 'expired'"),
    ("GET", "/orders?limit=0", None, "limit", "too_small", "must be at least 1"),
    ("GET", "/orders/0", None, "order_id", "too_small", "must be at least 1"),
    ("POST", "/orders", {"items": [{"sku_id": 1, "qty": 1}], "payment_method": "cash"},
     "payment_method", "not_one_of", "must be one of 'alipay'"),
    ("POST", "/orders", {"items": [], "payment_method": "balance"}, "items", "too_few",
     "needs at least 1 item(s)"),
    ("POST", "/orders", {"items": "all", "payment_method": "balance"}, "items", "not_list",
     "must be a list"),
    ("POST", "/orders", {"items": [{"sku_id": 1, "qty": 1}], "payment_method": "balance",
                         "from_cart": True}, "from_cart", "exactly_one_of",
     "give exactly one of items / from_cart"),
    ("POST", "/orders", {"items": [5], "payment_method": "balance"}, "items.0", "not_object",
     "must be an object"),
    ("PUT", "/me/two-factor", {"enabled": "yes"}, "enabled", "not_boolean",
     "must be true or false"),
    ("POST", "/support/threads", {"subject": 5, "message": "hi"}, "subject", "not_text",
     "must be text"),
    ("POST", "/orders/1/cancel", {"reason": "bored"}, "reason", "not_one_of",
     "must be one of no_longer_needed"),
    ("POST", "/orders/{pending}/pay", {"method": "balance", "bank_card_id": 1}, "bank_card_id",
     "only_for", "only for method bank_card"),
    ("GET", "/products?sort=cheapest", None, "sort", "not_one_of", "must be one of"),
    ("GET", "/products?price_min_fen=-1", None, "price_min_fen", "too_small",
     "must be at least 0"),
    ("GET", "/wallet/transactions?cursor=%25%25", None, "cursor", "bad_cursor",
     "not a cursor this list gave"),
]  # fmt: skip


def _send(
    client: TestClient, headers: Headers, method: str, path: str, body: Any, lang: str
) -> Any:
    keyed = {**headers, "Accept-Language": lang, "Idempotency-Key": str(uuid.uuid4())}
    return client.request(method, f"{API}{path}", json=body, headers=keyed)


@pytest.mark.parametrize(("method", "path", "body", "field", "reason", "english"), CASES)
def test_a_422_names_the_field_and_says_what_is_wrong_in_both_languages(
    client: TestClient,
    demo_headers: Headers,
    method: str,
    path: str,
    body: Any,
    field: str,
    reason: str,
    english: str,
) -> None:
    if "{pending}" in path:
        placed = _send(
            client,
            demo_headers,
            "POST",
            "/orders",
            {"items": [{"sku_id": 1, "qty": 1}], "payment_method": "balance"},
            "en",
        )
        assert placed.status_code == 201, placed.text
        path = path.replace("{pending}", str(placed.json()["id"]))
    en = _send(client, demo_headers, method, path, body, "en")
    assert en.status_code == 422, en.text
    problem = en.json()["error"]["details"]["fields"][field]
    assert problem["code"] == reason
    assert english in problem["message"]
    assert f"{field} {problem['message']}" in en.json()["error"]["message"]
    zh = _send(client, demo_headers, method, path, body, "zh")
    zh_problem = zh.json()["error"]["details"]["fields"][field]
    assert zh_problem["code"] == reason
    assert zh_problem["message"] != problem["message"]
    assert any("\u4e00" <= char <= "\u9fff" for char in zh_problem["message"])
    assert field in zh.json()["error"]["message"]


def test_an_idempotency_key_too_long_says_so(client: TestClient, demo_headers: Headers) -> None:
    response = client.post(
        f"{API}/wallet/topup",
        json={"amount_fen": 100},
        headers={**demo_headers, "Idempotency-Key": "k" * 500, "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"]["Idempotency-Key"]["code"] in (
        "too_long",
        "not_text",
    )
    assert "invalid" not in response.json()["error"]["message"]


def test_every_mapped_reason_has_a_message_its_params_fill() -> None:
    samples = {"min": "1", "max": "9", "expected": "'a', 'b'"}
    for reason, wanted in PYDANTIC_REASONS.values():
        assert reason in FIELD_MESSAGES
        params = {name: samples[name] for name in wanted}
        for lang in ("zh", "en"):
            message = localize_fields({"f": (reason, params)}, lang)["f"]["message"]
            assert message and "{" not in message


@pytest.mark.parametrize(
    ("left", "english"),
    [(1, "Wrong payment password; 1 attempt left"), (4, "Wrong payment password; 4 attempts left")],
)
def test_attempts_left_read_as_english_counts_them(left: int, english: str) -> None:
    error = ApiError("WRONG_PAYMENT_PASSWORD", attempts_left=left)
    assert error.message("en") == english
    assert error.message("zh") == f"支付密码错误，还可尝试 {left} 次"
