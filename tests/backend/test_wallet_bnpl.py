"""Pay-later (先用后付): enabling it, bills and their states, repayment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import ledger, wallet
from tests.backend.conftest import error_code
from tests.backend.test_wallet import (
    balance_of,
    fresh_headers,
    insert_order,
    luhn_card,
    transaction_count,
)
from tests.conftest import DEMO_USER_ID

MakeUser = Callable[..., tuple[int, dict[str, str]]]
DAY = 86400

# The demo account's payment password, which repaying needs (docs/api.md §7.5).
PASSWORD = {"payment_password": "123456"}


def bnpl_used(ctx: Ctx, user_id: int) -> int:
    return int(ctx.db.scalar("SELECT bnpl_used_fen FROM users WHERE id = ?", (user_id,)))


def open_bill(ctx: Ctx, user_id: int, amount_fen: int) -> tuple[int, int]:
    """Enables pay-later, places an order paid with it; answers (order id, bill id)."""
    wallet.enable_bnpl(ctx, user_id, "zh")
    order_id = insert_order(
        ctx, user_id, total_fen=amount_fen, paid_at=ctx.now(), payment_method="bnpl"
    )
    return order_id, ledger.bnpl_charge(ctx, user_id, order_id, amount_fen)


def bill_of(client: TestClient, headers: dict[str, str], bill_id: int) -> dict[str, Any]:
    bills: list[dict[str, Any]] = client.get("/api/v1/wallet/bnpl/bills", headers=headers).json()[
        "items"
    ]
    [bill] = [b for b in bills if b["id"] == bill_id]
    return bill


# --- enabling -----------------------------------------------------------------------------


def test_enable_needs_real_name_first(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user()
    response = client.post(
        "/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=headers
    )
    assert response.status_code == 409 and error_code(response) == "REAL_NAME_REQUIRED"
    assert client.get("/api/v1/wallet", headers=headers).json()["bnpl"]["enabled"] is False


def test_enable_needs_a_card(client: TestClient, make_user: MakeUser) -> None:
    _, headers = make_user(real_name="李四")
    response = client.post(
        "/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=headers
    )
    assert response.status_code == 409 and error_code(response) == "BANK_CARD_REQUIRED"
    bnpl = client.get("/api/v1/wallet", headers=headers).json()["bnpl"]
    assert bnpl["enabled"] is False and bnpl["missing"] == ["bank_card"]
    client.post(
        "/api/v1/wallet/bank-cards",
        json={"card_number": luhn_card("622202"), "holder_name": "李四"},
        headers=headers,
    )
    enabled = client.post(
        "/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=headers
    )
    assert enabled.status_code == 200 and enabled.json()["bnpl"]["enabled"] is True


def test_enable_twice_is_fine(client: TestClient, demo_headers: dict[str, str]) -> None:
    first = client.post(
        "/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=demo_headers
    )
    second = client.post(
        "/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=demo_headers
    )
    assert first.status_code == second.status_code == 200
    assert second.json()["bnpl"] == {
        "enabled": True,
        "limit_fen": 150000,
        "used_fen": 0,
        "available_fen": 150000,
        "eligible": True,
        "missing": [],
    }


# --- bills --------------------------------------------------------------------------------


def test_bill_awaits_receipt_then_falls_due_then_is_overdue(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order_id, bill_id = open_bill(app_ctx, DEMO_USER_ID, 29900)
    bill = bill_of(client, demo_headers, bill_id)
    assert bill["status"] == "awaiting_receipt" and bill["due_at"] is None
    assert bill["order_id"] == order_id and str(bill["order_no"]).startswith("T")
    assert (bill["amount_fen"], bill["repaid_fen"], bill["outstanding_fen"]) == (29900, 0, 29900)
    bnpl = client.get("/api/v1/wallet", headers=demo_headers).json()["bnpl"]
    assert (bnpl["used_fen"], bnpl["available_fen"]) == (29900, 120100)

    ledger.bnpl_start_due(app_ctx, order_id, app_ctx.now())
    assert bill_of(client, demo_headers, bill_id)["status"] == "unpaid"
    client.post("/_dev/clock/advance", json={"seconds": ledger.BNPL_DUE_DAYS * DAY})
    headers = fresh_headers(app_ctx)  # the first token expired meanwhile
    assert bill_of(client, headers, bill_id)["status"] == "unpaid"  # due now, not yet past
    client.post("/_dev/clock/advance", json={"seconds": 1})
    bill = bill_of(client, headers, bill_id)
    assert bill["status"] == "overdue" and bill["outstanding_fen"] == 29900


def test_repay_from_balance(client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx) -> None:
    order_id, bill_id = open_bill(app_ctx, DEMO_USER_ID, 29900)
    ledger.bnpl_start_due(app_ctx, order_id, app_ctx.now())
    response = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay", json=PASSWORD, headers=demo_headers
    )
    assert response.status_code == 200
    bill = response.json()
    assert bill["status"] == "repaid" and bill["repaid_at"] is not None
    assert (bill["repaid_fen"], bill["outstanding_fen"]) == (29900, 0)
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000 - 29900
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 0
    history = client.get("/api/v1/wallet/transactions", headers=demo_headers).json()["items"]
    assert {(t["account"], t["kind"], t["amount_fen"]) for t in history[:2]} == {
        ("balance", "repayment", -29900),
        ("bnpl", "repayment", 29900),
    }
    again = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay", json=PASSWORD, headers=demo_headers
    )
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000 - 29900


def test_repay_early_from_the_card_leaves_the_balance(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    _, bill_id = open_bill(app_ctx, DEMO_USER_ID, 5000)
    response = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay",
        json={"source": "bank_card", **PASSWORD},
        headers=demo_headers,
    )
    assert response.status_code == 200 and response.json()["status"] == "repaid"
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 0
    card_rows = client.get(
        "/api/v1/wallet/transactions?account=bank_card", headers=demo_headers
    ).json()["items"]
    assert card_rows[0]["amount_fen"] == -5000 and card_rows[0]["kind"] == "repayment"


def test_repay_with_too_little_balance_is_402_and_changes_nothing(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    _, bill_id = open_bill(app_ctx, DEMO_USER_ID, 100000)
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE users SET balance_fen = 99999 WHERE id = ?", (DEMO_USER_ID,))
    before_count = transaction_count(app_ctx, DEMO_USER_ID)
    response = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay",
        json={"source": "balance", **PASSWORD},
        headers=demo_headers,
    )
    assert response.status_code == 402 and error_code(response) == "INSUFFICIENT_FUNDS"
    assert response.json()["error"]["details"] == {"needed_fen": 100000, "available_fen": 99999}
    assert balance_of(app_ctx, DEMO_USER_ID) == 99999
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 100000
    assert transaction_count(app_ctx, DEMO_USER_ID) == before_count
    bill = bill_of(client, demo_headers, bill_id)
    assert (bill["status"], bill["repaid_fen"], bill["repaid_at"]) == ("awaiting_receipt", 0, None)


def test_a_refunded_bill_is_cancelled_and_cannot_be_repaid(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order_id, bill_id = open_bill(app_ctx, DEMO_USER_ID, 8000)
    ledger.bnpl_refund(app_ctx, DEMO_USER_ID, order_id, 8000)
    bill = bill_of(client, demo_headers, bill_id)
    assert bill["status"] == "cancelled" and bill["outstanding_fen"] == 0
    response = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay", json=PASSWORD, headers=demo_headers
    )
    assert response.status_code == 409 and error_code(response) == "INVALID_STATE"
    assert response.json()["error"]["details"] == {"state": "cancelled"}
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000


def test_a_partly_refunded_bill_owes_the_rest(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order_id, bill_id = open_bill(app_ctx, DEMO_USER_ID, 8000)
    ledger.bnpl_refund(app_ctx, DEMO_USER_ID, order_id, 3000)
    repaid = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay", json=PASSWORD, headers=demo_headers
    )
    assert repaid.json()["repaid_fen"] == 5000
    assert balance_of(app_ctx, DEMO_USER_ID) == 495000
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 0


def test_another_users_bill_is_404(client: TestClient, make_user: MakeUser, app_ctx: Ctx) -> None:
    _, bill_id = open_bill(app_ctx, DEMO_USER_ID, 1000)
    _, other_headers = make_user(balance_fen=100000)
    response = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill_id}/repay", json=PASSWORD, headers=other_headers
    )
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert client.get("/api/v1/wallet/bnpl/bills", headers=other_headers).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 1000


def test_repay_bad_input(client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx) -> None:
    _, bill_id = open_bill(app_ctx, DEMO_USER_ID, 1000)
    path = f"/api/v1/wallet/bnpl/bills/{bill_id}/repay"
    assert client.post(path, json={"source": "piggy"}, headers=demo_headers).status_code == 422
    assert client.post(path, json={"extra": 1}, headers=demo_headers).status_code == 422
    missing = client.post(
        "/api/v1/wallet/bnpl/bills/999999/repay", json=PASSWORD, headers=demo_headers
    )
    assert missing.status_code == 404
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 1000


def test_repay_from_card_without_any_card_is_409(ctx: Ctx) -> None:
    _, bill_id = open_bill(ctx, DEMO_USER_ID, 1000)
    with ctx.db.tx():
        ctx.db.execute("UPDATE bank_cards SET removed = 1 WHERE user_id = ?", (DEMO_USER_ID,))
    with pytest.raises(ApiError) as refused:
        wallet.repay(ctx, DEMO_USER_ID, bill_id, "bank_card")
    assert refused.value.code == "BANK_CARD_REQUIRED"
    assert bnpl_used(ctx, DEMO_USER_ID) == 1000


def test_bill_status_rules(ctx: Ctx) -> None:
    order_id, bill_id = open_bill(ctx, DEMO_USER_ID, 2000)
    [bill] = wallet.list_bills(ctx, DEMO_USER_ID, None, 20)["items"]
    assert bill["status"] == "awaiting_receipt"
    ledger.bnpl_start_due(ctx, order_id, ctx.now() - 40 * DAY)
    [bill] = wallet.list_bills(ctx, DEMO_USER_ID, None, 20)["items"]
    assert bill["status"] == "overdue"
    repaid = wallet.repay(ctx, DEMO_USER_ID, bill_id, "balance")
    assert repaid["status"] == "repaid"


def test_a_bill_through_the_real_order_flow(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    """Pay-later end to end: order, pay, receive (due date starts), repay early."""
    client.post("/api/v1/wallet/bnpl/enable", json={"accept_terms": True}, headers=demo_headers)
    sku = app_ctx.db.one("SELECT id FROM skus WHERE stock > 5 ORDER BY id LIMIT 1")
    assert sku is not None
    address_id = app_ctx.db.scalar("SELECT id FROM addresses WHERE user_id = ?", (DEMO_USER_ID,))
    order = client.post(
        "/api/v1/orders",
        json={
            "items": [{"sku_id": sku["id"], "qty": 1}],
            "address_id": address_id,
            "payment_method": "bnpl",
        },
        headers={**demo_headers, "Idempotency-Key": "order"},
    ).json()
    paid = client.post(
        f"/api/v1/orders/{order['id']}/pay",
        json={"method": "bnpl", **PASSWORD},
        headers={**demo_headers, "Idempotency-Key": "pay"},
    )
    assert paid.status_code in (200, 201) and paid.json()["status"] == "succeeded"
    [bill] = client.get("/api/v1/wallet/bnpl/bills", headers=demo_headers).json()["items"]
    assert bill["order_id"] == order["id"] and bill["order_no"] == order["order_no"]
    assert bill["amount_fen"] == order["total_fen"] and bill["status"] == "awaiting_receipt"
    assert bnpl_used(app_ctx, DEMO_USER_ID) == order["total_fen"]

    # docs/api.md §2: an order paid later ships at once.
    assert app_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order["id"],)) == "shipped"
    client.post(f"/_dev/orders/{order['id']}/deliver")
    received = client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=demo_headers)
    assert received.status_code == 200
    bill = bill_of(client, demo_headers, bill["id"])
    assert bill["status"] == "unpaid" and bill["due_at"] is not None

    repaid = client.post(
        f"/api/v1/wallet/bnpl/bills/{bill['id']}/repay", json=PASSWORD, headers=demo_headers
    )
    assert repaid.json()["status"] == "repaid"
    assert balance_of(app_ctx, DEMO_USER_ID) == 500000 - order["total_fen"]
    assert bnpl_used(app_ctx, DEMO_USER_ID) == 0
