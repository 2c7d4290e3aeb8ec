"""Wallet: overview, history, top-up (idempotent), bank cards."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import sessions, wallet
from fake_backend.services.rules import luhn_valid
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

MakeUser = Callable[..., tuple[int, dict[str, str]]]
DEMO_CARD_LAST4 = "6868"


def luhn_card(prefix: str, length: int = 16) -> str:
    """A Luhn-valid card number starting with `prefix`."""
    body = (prefix + "0123456789" * 2)[: length - 1]
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable: one check digit always fits")


def insert_order(
    ctx: Ctx,
    user_id: int,
    *,
    total_fen: int,
    status: str = "awaiting_shipment",
    paid_at: float | None = None,
    created_at: float | None = None,
    refunded_fen: int = 0,
    lines: list[tuple[int, int, int, int]] | None = None,
    payment_method: str = "balance",
) -> int:
    """An order row written straight to the database (the orders area is not needed).

    `lines` are (sku_id, price_fen, qty, discount_share_fen).
    """
    created = created_at if created_at is not None else ctx.now()
    with ctx.db.tx():
        number = ctx.db.scalar("SELECT COUNT(*) FROM orders") + 1
        order_id = ctx.db.insert(
            "INSERT INTO orders(order_no, user_id, status, subtotal_fen, shipping_fen,"
            " discount_fen, total_fen, refunded_fen, payment_method, paid_method, address,"
            " created_at, paid_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                f"T{number:012d}",
                user_id,
                status,
                total_fen,
                0,
                0,
                total_fen,
                refunded_fen,
                payment_method,
                payment_method if paid_at is not None else None,
                json.dumps({"name": "张三"}),
                created,
                paid_at,
            ),
        )
        for sku_id, price_fen, qty, share in lines or []:
            product = ctx.db.one(
                "SELECT p.id, p.name, s.specs FROM skus s JOIN products p ON p.id = s.product_id"
                " WHERE s.id = ?",
                (sku_id,),
            )
            assert product is not None
            ctx.db.execute(
                "INSERT INTO order_items(order_id, product_id, sku_id, name, specs, price_fen,"
                " qty, discount_share_fen) VALUES (?,?,?,?,?,?,?,?)",
                (
                    order_id,
                    product["id"],
                    sku_id,
                    product["name"],
                    product["specs"],
                    price_fen,
                    qty,
                    share,
                ),
            )
    return order_id


def fresh_headers(ctx: Ctx, user_id: int = DEMO_USER_ID) -> dict[str, str]:
    """A new token, for tests that move the clock past the first one's 7 days."""
    token, _ = sessions.issue(ctx, user_id)
    return {"Authorization": f"Bearer {token}"}


def balance_of(ctx: Ctx, user_id: int) -> int:
    return int(ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (user_id,)))


def transaction_count(ctx: Ctx, user_id: int) -> int:
    return int(
        ctx.db.scalar("SELECT COUNT(*) FROM wallet_transactions WHERE user_id = ?", (user_id,))
    )


# --- overview ---------------------------------------------------------------------------


def test_wallet_of_the_demo_user(client: TestClient, demo_headers: dict[str, str]) -> None:
    body = client.get("/api/v1/wallet", headers=demo_headers).json()
    assert body["balance_fen"] == 500000
    assert body["red_packet_fen"] == 0
    assert body["bnpl"] == {
        "enabled": False,
        "limit_fen": 150000,
        "used_fen": 0,
        "available_fen": 150000,
        "eligible": True,
        "missing": [],
    }
    [card] = body["bank_cards"]
    assert card["last4"] == DEMO_CARD_LAST4 and card["bank"] == "招商银行"
    assert card["holder_name"] == "张三"
    english = client.get("/api/v1/wallet", headers={**demo_headers, "Accept-Language": "en"}).json()
    assert english["bank_cards"][0]["bank"] == "China Merchants Bank"


def test_wallet_needs_login(client: TestClient) -> None:
    for path in ("/api/v1/wallet", "/api/v1/wallet/transactions", "/api/v1/wallet/bank-cards"):
        response = client.get(path)
        assert response.status_code == 401 and error_code(response) == "UNAUTHENTICATED"


def test_a_new_user_lacks_real_name_and_card(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user()
    bnpl = client.get("/api/v1/wallet", headers=headers).json()["bnpl"]
    assert bnpl["eligible"] is False
    assert bnpl["missing"] == ["real_name", "bank_card"]


def test_red_packet_balance_and_history(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    from fake_backend.services import ledger

    ledger.record(app_ctx, DEMO_USER_ID, "red_packet", "refund", 1234, note="退款到红包")
    body = client.get("/api/v1/wallet", headers=demo_headers).json()
    assert body["red_packet_fen"] == 1234
    history = client.get(
        "/api/v1/wallet/transactions?account=red_packet", headers=demo_headers
    ).json()
    assert [(t["account"], t["kind"], t["amount_fen"]) for t in history["items"]] == [
        ("red_packet", "refund", 1234)
    ]


# --- top-up -------------------------------------------------------------------------------


def test_topup_moves_money_from_the_card_into_the_balance(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    response = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 12345, "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "k-1"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["balance_fen"] == 512345 == balance_of(app_ctx, DEMO_USER_ID)
    transaction = body["transaction"]
    assert transaction["account"] == "balance" and transaction["kind"] == "topup"
    assert transaction["amount_fen"] == 12345
    assert DEMO_CARD_LAST4 in transaction["note"]
    history = client.get("/api/v1/wallet/transactions", headers=demo_headers).json()["items"]
    assert {(t["account"], t["amount_fen"]) for t in history[:2]} == {
        ("balance", 12345),
        ("bank_card", -12345),
    }


def test_history_names_the_card_in_the_askers_language(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    """Notes are stored in Chinese; an English client reads the card's bank in English."""
    client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 100, "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "k-lang"},
    )
    url = "/api/v1/wallet/transactions?account=balance"
    chinese = client.get(url, headers={**demo_headers, "Accept-Language": "zh-CN"})
    english = client.get(url, headers={**demo_headers, "Accept-Language": "en"})
    assert chinese.json()["items"][0]["note"] == f"招商银行 尾号{DEMO_CARD_LAST4}"
    assert english.json()["items"][0]["note"] == f"China Merchants Bank ••{DEMO_CARD_LAST4}"


def test_a_note_keeps_what_is_not_a_card() -> None:
    note = "KS261124000001 工商银行 尾号1234"
    assert wallet.localized_note(note, "en") == "KS261124000001 ICBC ••1234"
    assert wallet.localized_note("售后退款 KS261124000001", "en") == (
        "After-sale refund KS261124000001"
    )
    assert wallet.localized_note("取消订单退款 KS261124000001", "en") == (
        "Refund of cancelled order KS261124000001"
    )
    assert wallet.localized_note("签到奖励", "en") == "签到奖励"
    assert wallet.localized_note(note, "zh") == note


@pytest.mark.parametrize("amount", [0, -1, 5_000_001])
def test_topup_amount_out_of_range_is_422_and_changes_nothing(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx, amount: int
) -> None:
    before = transaction_count(app_ctx, DEMO_USER_ID)
    response = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": amount, "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": f"bad-{amount}"},
    )
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert "amount_fen" in response.json()["error"]["details"]["fields"]
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000
    assert transaction_count(app_ctx, DEMO_USER_ID) == before


def test_topup_largest_amount_is_accepted(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    response = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 5_000_000, "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "max"},
    )
    assert response.status_code == 201
    assert balance_of(app_ctx, DEMO_USER_ID) == 5_500_000


def test_topup_replay_charges_once(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    headers = {**demo_headers, "Idempotency-Key": "same-intent"}
    first = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 1000, "payment_password": "123456"},
        headers=headers,
    )
    again = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 1000, "payment_password": "123456"},
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert balance_of(app_ctx, DEMO_USER_ID) == 501000
    changed = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 2000, "payment_password": "123456"},
        headers=headers,
    )
    assert changed.status_code == 422 and error_code(changed) == "IDEMPOTENCY_KEY_REUSED"
    assert balance_of(app_ctx, DEMO_USER_ID) == 501000


def test_topup_needs_the_key(client: TestClient, demo_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 1000, "payment_password": "123456"},
        headers=demo_headers,
    )
    assert response.status_code == 422


def test_topup_without_a_card_is_409_and_the_key_can_be_retried(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    user_id, headers = make_user(payment_password="123456")
    keyed = {**headers, "Idempotency-Key": "retry-me"}
    refused = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 500, "payment_password": "123456"},
        headers=keyed,
    )
    assert refused.status_code == 409 and error_code(refused) == "BANK_CARD_REQUIRED"
    assert balance_of(app_ctx, user_id) == 0
    added = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("622202"), "holder_name": "李四"},
        headers=headers,
    )
    assert added.status_code == 201
    retried = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 500, "payment_password": "123456"},
        headers=keyed,
    )
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert balance_of(app_ctx, user_id) == 500


def test_topup_from_a_chosen_card_and_not_from_another_users(
    client: TestClient, demo_headers: dict[str, str], make_user: MakeUser, app_ctx: Ctx
) -> None:
    _, other_headers = make_user()
    other_card = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("621700"), "holder_name": "王五"},
        headers=other_headers,
    ).json()
    response = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 100, "bank_card_id": other_card["id"], "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "not-mine"},
    )
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000
    mine = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("622202"), "holder_name": "张三"},
        headers=demo_headers,
    ).json()
    chosen = client.post(
        "/api/v1/wallet/topup",
        json={"amount_fen": 100, "bank_card_id": mine["id"], "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "mine"},
    )
    assert chosen.status_code == 201
    assert mine["last4"] in chosen.json()["transaction"]["note"]
    assert "工商银行" in chosen.json()["transaction"]["note"]


def test_topup_service_refuses_amounts_out_of_range(ctx: Ctx) -> None:
    for amount in (0, 5_000_001):
        with pytest.raises(ApiError) as refused:
            wallet.topup(ctx, DEMO_USER_ID, amount, None)
        assert refused.value.details["fields"]["amount_fen"][0] == "bad_amount"
    assert balance_of(ctx, DEMO_USER_ID) == 500000


# --- history ------------------------------------------------------------------------------


def test_history_pages_newest_first_and_filters_by_account(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    for index, amount in enumerate((100, 200, 300)):
        app_ctx.clock.advance(60)
        client.post(
            "/api/v1/wallet/topup",
            json={"amount_fen": amount, "payment_password": "123456"},
            headers={**demo_headers, "Idempotency-Key": f"h-{index}"},
        )
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"account": "balance", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/wallet/transactions", params=params, headers=demo_headers).json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # the three top-ups, newest first, then the seeded opening top-up
    assert [t["amount_fen"] for t in seen] == [300, 200, 100, 500000]
    assert all(t["account"] == "balance" for t in seen)
    cards = client.get(
        "/api/v1/wallet/transactions?account=bank_card", headers=demo_headers
    ).json()["items"]
    assert [t["amount_fen"] for t in cards] == [-300, -200, -100]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "WzEsMiwzXQ"},  # [1,2,3]: a keyset of the wrong size
        {"cursor": "WzFlOTk5LDFd"},  # [1e999,1]: infinite
        {"account": "piggy_bank"},
        {"limit": 0},
        {"limit": 101},
    ],
)
def test_history_bad_query_is_422(
    client: TestClient, demo_headers: dict[str, str], params: dict[str, Any]
) -> None:
    response = client.get("/api/v1/wallet/transactions", params=params, headers=demo_headers)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"


# --- bank cards ---------------------------------------------------------------------------


def test_add_card_answers_only_the_last_four_digits(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    number = luhn_card("622202", 19)
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    response = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": spaced, "holder_name": "张三"},
        headers=demo_headers,
    )
    assert response.status_code == 201
    card = response.json()
    assert set(card) == {"id", "bank", "last4", "holder_name", "created_at"}
    assert card["last4"] == number[-4:] and card["bank"] == "工商银行"
    assert number not in response.text
    row = app_ctx.db.one("SELECT * FROM bank_cards WHERE id = ?", (card["id"],))
    assert row is not None
    assert all(number not in str(value) for value in tuple(row))
    listed = client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"]
    assert [c["last4"] for c in listed] == [DEMO_CARD_LAST4, number[-4:]]


def test_unknown_bin_is_a_unionpay_card(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user()
    card = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("999999"), "holder_name": "Alex Smith"},
        headers=headers,
    ).json()
    assert card["bank"] == "银联卡" and card["holder_name"] == "Alex Smith"


@pytest.mark.parametrize(
    "number",
    [
        "6225880137706869",  # the demo card with a wrong check digit
        "622588013770686",  # 15 digits
        "62258801377068680000",  # 20 digits
        "6225-8801-3770-6868",
        "abcdabcdabcdabcd",
        "６２２５８８０１３７７０６８６８",  # full-width digits
        "                ",
    ],
)
def test_bad_card_numbers_are_422_on_the_field(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx, number: str
) -> None:
    user_id, headers = make_user()
    response = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": number, "holder_name": "李四"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"]["card_number"]["code"] == (
        "bad_card_number"
    )
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM bank_cards WHERE user_id = ?", (user_id,)) == 0


def test_card_fields_are_bounded(client: TestClient, demo_headers: dict[str, str]) -> None:
    for body in (
        {"card_number": "6" * 41, "holder_name": "张三"},
        {"card_number": luhn_card("622202"), "holder_name": "张" * 41},
        {"card_number": luhn_card("622202"), "holder_name": ""},
        {"card_number": luhn_card("622202"), "holder_name": "   "},
        {"card_number": luhn_card("622202")},
        {"card_number": luhn_card("622202"), "holder_name": "张三", "cvv": "123"},
    ):
        response = client.post("/api/v1/wallet/bank-cards", json=body, headers=demo_headers)
        assert response.status_code == 422, body


def test_holder_must_be_the_verified_real_name(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("622202"), "holder_name": "李四"},
        headers=demo_headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"]["holder_name"]["code"] == (
        "holder_mismatch"
    )
    assert len(client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"]) == 1


def test_the_same_card_twice_is_409(client: TestClient, demo_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": "6225 8801 3770 6868", "holder_name": "张三"},
        headers=demo_headers,
    )
    assert response.status_code == 409 and error_code(response) == "CARD_ALREADY_BOUND"


def test_remove_a_card_then_bind_it_again(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    card_id = client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"][0]["id"]
    removed = client.delete(f"/api/v1/wallet/bank-cards/{card_id}", headers=demo_headers)
    assert removed.status_code == 200 and removed.json() == {"ok": True}
    assert client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"] == []
    assert app_ctx.db.scalar("SELECT removed FROM bank_cards WHERE id = ?", (card_id,)) == 1
    again = client.delete(f"/api/v1/wallet/bank-cards/{card_id}", headers=demo_headers)
    assert again.status_code == 404
    rebound = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": "6225880137706868", "holder_name": "张三"},
        headers=demo_headers,
    )
    assert rebound.status_code == 201 and rebound.json()["id"] != card_id


def test_another_users_card_is_404(
    client: TestClient, demo_headers: dict[str, str], make_user: MakeUser
) -> None:
    _, other_headers = make_user()
    demo_card = client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"][0]
    response = client.delete(f"/api/v1/wallet/bank-cards/{demo_card['id']}", headers=other_headers)
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert len(client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"]) == 1
    assert client.delete("/api/v1/wallet/bank-cards/0", headers=demo_headers).status_code == 422


def test_the_last_card_stays_while_bnpl_is_on(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    assert (
        client.post(
            "/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=demo_headers
        ).status_code
        == 200
    )
    first = client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"][0]
    refused = client.delete(f"/api/v1/wallet/bank-cards/{first['id']}", headers=demo_headers)
    assert refused.status_code == 409 and error_code(refused) == "CARD_REQUIRED_FOR_BNPL"
    second = client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("622848"), "holder_name": "张三"},
        headers=demo_headers,
    ).json()
    assert second["bank"] == "农业银行"
    removed = client.delete(f"/api/v1/wallet/bank-cards/{first['id']}", headers=demo_headers)
    assert removed.status_code == 200
    last = client.delete(f"/api/v1/wallet/bank-cards/{second['id']}", headers=demo_headers)
    assert last.status_code == 409
    listed = client.get("/api/v1/wallet/bank-cards", headers=demo_headers).json()["items"]
    assert [card["id"] for card in listed] == [second["id"]]


def test_card_service_checks_before_touching_the_database(ctx: Ctx) -> None:
    with pytest.raises(ApiError) as refused:
        wallet.add_card(ctx, DEMO_USER_ID, "1234", "张三", "zh")
    assert refused.value.status == 422
    card = wallet.add_card(ctx, DEMO_USER_ID, luhn_card("621661"), " 张三 ", "en")
    assert card["bank"] == "Bank of China" and card["holder_name"] == "张三"
