"""Payments over HTTP: each of the five methods end to end, the payment password and its
lockout, insufficient funds, idempotent retries that charge once, QR payments that
succeed, fail or expire, superseded payments, pay-later, and `/_dev` controls."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.services import wallet
from tests.backend.conftest import error_code
from tests.backend.test_orders import (
    MakeUser,
    balance_of,
    pay,
    placed,
    sku_between,
)
from tests.conftest import DEMO_USER_ID


def order_status(client: TestClient, headers: dict[str, str], order_id: int) -> str:
    status: str = client.get(f"/api/v1/orders/{order_id}", headers=headers).json()["status"]
    return status


def ledger_rows(ctx: Ctx, order_id: int) -> list[tuple[str, str, int]]:
    rows = ctx.db.all(
        "SELECT account, kind, amount_fen FROM wallet_transactions WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    return [(row["account"], row["kind"], row["amount_fen"]) for row in rows]


def new_order(
    client: TestClient, headers: dict[str, str], ctx: Ctx, **fields: Any
) -> dict[str, Any]:
    sku = sku_between(ctx, 3000, 5000)
    return placed(client, headers, [(sku["id"], 1)], **fields)


def test_paying_from_the_balance_charges_it_and_moves_the_order_on(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    before = balance_of(app_ctx)
    response = pay(client, demo_headers, order["id"], "balance")
    assert response.status_code == 201
    payment = response.json()
    assert payment["status"] == "succeeded" and payment["method"] == "balance"
    assert payment["amount_fen"] == order["total_fen"] and payment["order_id"] == order["id"]
    assert payment["qr_payload"] is None and payment["failure_reason"] is None
    assert balance_of(app_ctx) == before - order["total_fen"]
    assert ledger_rows(app_ctx, order["id"]) == [("balance", "payment", -order["total_fen"])]
    paid = client.get(f"/api/v1/orders/{order['id']}", headers=demo_headers).json()
    assert paid["status"] == "awaiting_shipment" and paid["paid_method"] == "balance"
    assert paid["paid_at"] == "2026-11-24T02:00:00Z" and paid["auto_cancel_at"] is None
    assert paid["timeline"][-1]["status"] == "paid"
    assert paid["timeline"][-1]["note"] == "余额支付"
    assert paid["actions"] == ["cancel", "after_sale"]
    assert client.get(f"/api/v1/payments/{payment['id']}", headers=demo_headers).json() == payment


def test_paying_by_bank_card_uses_the_first_card_or_the_chosen_one(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx, payment_method="bank_card")
    before = balance_of(app_ctx)
    payment = pay(client, demo_headers, order["id"], "bank_card").json()
    assert payment["status"] == "succeeded"
    assert balance_of(app_ctx) == before
    assert ledger_rows(app_ctx, order["id"]) == [("bank_card", "payment", -order["total_fen"])]
    card_id = app_ctx.db.scalar("SELECT bank_card_id FROM payments WHERE id = ?", (payment["id"],))
    assert card_id == 1
    second = new_order(client, demo_headers, app_ctx)
    chosen = pay(client, demo_headers, second["id"], "bank_card", bank_card_id=1)
    assert chosen.status_code == 201 and chosen.json()["status"] == "succeeded"


def test_a_bank_card_that_is_not_yours_or_removed_is_404_and_no_card_is_409(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx, make_user: MakeUser
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    user_id, other = make_user(payment_password="654321")
    with app_ctx.db.tx():
        foreign_card = app_ctx.db.insert(
            "INSERT INTO bank_cards(user_id, bank, last4, card_hash, holder_name, created_at)"
            " VALUES (?, '工商银行', '1234', 'x', '李四', 0)",
            (user_id,),
        )
    assert (
        pay(client, demo_headers, order["id"], "bank_card", bank_card_id=foreign_card).status_code
        == 404
    )
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE bank_cards SET removed = 1 WHERE id = 1")
    assert pay(client, demo_headers, order["id"], "bank_card", bank_card_id=1).status_code == 404
    no_card = pay(client, demo_headers, order["id"], "bank_card")
    assert no_card.status_code == 409 and error_code(no_card) == "BANK_CARD_REQUIRED"
    with_card_id = pay(client, demo_headers, order["id"], "balance", bank_card_id=1)
    assert with_card_id.status_code == 422
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 0


def test_alipay_answers_a_qr_code_and_pays_when_it_is_scanned(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx, payment_method="alipay")
    response = pay(client, demo_headers, order["id"], "alipay")
    assert response.status_code == 201
    payment = response.json()
    assert payment["status"] == "pending"
    assert payment["qr_payload"] == (
        f"kshop-pay://alipay/{payment['id']}?amount_fen={order['total_fen']}"
    )
    assert payment["expires_at"] == "2026-11-24T02:15:00Z"
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    assert ledger_rows(app_ctx, order["id"]) == []
    done = client.post(f"/_dev/payments/{payment['id']}/succeed")
    assert done.status_code == 200 and done.json()["status"] == "succeeded"
    polled = client.get(f"/api/v1/payments/{payment['id']}", headers=demo_headers).json()
    assert polled["status"] == "succeeded"
    assert order_status(client, demo_headers, order["id"]) == "awaiting_shipment"
    assert ledger_rows(app_ctx, order["id"]) == [("alipay", "payment", -order["total_fen"])]
    again = client.post(f"/_dev/payments/{payment['id']}/succeed")
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"
    assert client.post(f"/_dev/payments/{payment['id']}/fail").status_code == 409


def test_a_failed_wechat_payment_charges_nothing_and_the_order_stays_payable(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx, payment_method="wechat_pay")
    payment = pay(client, demo_headers, order["id"], "wechat_pay").json()
    assert payment["qr_payload"].startswith("kshop-pay://wechat_pay/")
    failed = client.post(f"/_dev/payments/{payment['id']}/fail", json={"reason": "card declined"})
    assert failed.status_code == 200
    assert (
        failed.json()["status"] == "failed" and failed.json()["failure_reason"] == "card declined"
    )
    assert client.post(f"/_dev/payments/{payment['id']}/succeed").status_code == 409
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    assert ledger_rows(app_ctx, order["id"]) == []
    retry = pay(client, demo_headers, order["id"], "balance")
    assert retry.status_code == 201 and retry.json()["status"] == "succeeded"
    assert order_status(client, demo_headers, order["id"]) == "awaiting_shipment"


def test_an_unscanned_qr_code_expires_after_15_minutes(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    payment = pay(client, demo_headers, order["id"], "alipay").json()
    client.post("/_dev/clock/advance", json={"seconds": 14 * 60})
    assert (
        client.get(f"/api/v1/payments/{payment['id']}", headers=demo_headers).json()["status"]
        == "pending"
    )
    client.post("/_dev/clock/advance", json={"seconds": 60})
    expired = client.get(f"/api/v1/payments/{payment['id']}", headers=demo_headers).json()
    assert expired["status"] == "failed" and expired["failure_reason"] == "expired"
    assert client.post(f"/_dev/payments/{payment['id']}/succeed").status_code == 409
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    assert ledger_rows(app_ctx, order["id"]) == []


def test_a_new_payment_supersedes_a_pending_one(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    first = pay(client, demo_headers, order["id"], "alipay").json()
    second = pay(client, demo_headers, order["id"], "wechat_pay").json()
    old = client.get(f"/api/v1/payments/{first['id']}", headers=demo_headers).json()
    assert old["status"] == "failed" and old["failure_reason"] == "superseded"
    assert second["status"] == "pending"
    assert client.post(f"/_dev/payments/{first['id']}/succeed").status_code == 409
    assert client.post(f"/_dev/payments/{second['id']}/succeed").status_code == 200
    assert ledger_rows(app_ctx, order["id"]) == [("wechat_pay", "payment", -order["total_fen"])]


def test_pay_later_must_be_enabled_and_then_opens_a_bill_due_after_receipt(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx, payment_method="bnpl")
    refused = pay(client, demo_headers, order["id"], "bnpl")
    assert refused.status_code == 409 and error_code(refused) == "BNPL_NOT_ENABLED"
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 0
    wallet.enable_bnpl(app_ctx, DEMO_USER_ID, "zh")
    payment = pay(client, demo_headers, order["id"], "bnpl").json()
    assert payment["status"] == "succeeded"
    used = app_ctx.db.scalar("SELECT bnpl_used_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    assert used == order["total_fen"]
    bill = app_ctx.db.one(
        "SELECT amount_fen, due_at FROM bnpl_bills WHERE order_id = ?", (order["id"],)
    )
    assert bill is not None and bill["amount_fen"] == order["total_fen"] and bill["due_at"] is None
    assert order_status(client, demo_headers, order["id"]) == "shipped"  # paid later: ships at once
    client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=demo_headers)
    due_at = app_ctx.db.scalar("SELECT due_at FROM bnpl_bills WHERE order_id = ?", (order["id"],))
    assert due_at == app_ctx.now() + 30 * 86400


def test_pay_later_over_the_limit_is_402_and_changes_nothing(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    wallet.enable_bnpl(app_ctx, DEMO_USER_ID, "zh")
    sku = sku_between(app_ctx, 50000, 10**7, min_stock=5)
    order = placed(client, demo_headers, [(sku["id"], 5)])
    assert order["total_fen"] > 150000
    refused = pay(client, demo_headers, order["id"], "bnpl")
    assert refused.status_code == 402 and error_code(refused) == "BNPL_LIMIT_EXCEEDED"
    assert app_ctx.db.scalar("SELECT bnpl_used_fen FROM users WHERE id = ?", (DEMO_USER_ID,)) == 0
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM bnpl_bills") == 0
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"


def test_a_wrong_payment_password_counts_down_then_locks(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    before = balance_of(app_ctx)
    for attempts_left in (4, 3, 2, 1):
        wrong = pay(client, demo_headers, order["id"], "balance", payment_password="000000")
        assert wrong.status_code == 403 and error_code(wrong) == "WRONG_PAYMENT_PASSWORD"
        assert wrong.json()["error"]["details"]["attempts_left"] == attempts_left
    locked = pay(client, demo_headers, order["id"], "balance", payment_password="000000")
    assert locked.status_code == 429 and error_code(locked) == "LOCKED"
    assert int(locked.headers["Retry-After"]) == 15 * 60
    still_locked = pay(client, demo_headers, order["id"], "bank_card", payment_password="123456")
    assert still_locked.status_code == 429
    assert balance_of(app_ctx) == before
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    # QR payments need no password and still work while password payments are locked.
    assert pay(client, demo_headers, order["id"], "alipay").status_code == 201
    client.post("/_dev/clock/advance", json={"seconds": 15 * 60})
    assert pay(client, demo_headers, order["id"], "balance").status_code == 201


def test_a_password_method_without_a_password_is_422(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    missing = pay(client, demo_headers, order["id"], "balance", payment_password=None)
    assert missing.status_code == 422
    assert "payment_password" in missing.json()["error"]["details"]["fields"]
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"


def test_insufficient_balance_is_402_with_nothing_changed_and_the_key_can_be_retried(
    client: TestClient, app_ctx: Ctx, make_user: MakeUser
) -> None:
    user_id, headers = make_user(balance_fen=100, payment_password="654321")
    with app_ctx.db.tx():
        app_ctx.db.execute(
            "INSERT INTO addresses(user_id, name, phone, province, city, district, detail,"
            " is_default, created_at) VALUES (?, '李四', '13900000000', '上海市', '上海市',"
            " '浦东新区', '世纪大道 100 号', 1, ?)",
            (user_id, app_ctx.now()),
        )
    order = new_order(client, headers, app_ctx)
    short = pay(client, headers, order["id"], "balance", key="pay-1", payment_password="654321")
    assert short.status_code == 402 and error_code(short) == "INSUFFICIENT_FUNDS"
    assert short.json()["error"]["details"] == {
        "needed_fen": order["total_fen"],
        "available_fen": 100,
    }
    assert balance_of(app_ctx, user_id) == 100
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 0
    assert ledger_rows(app_ctx, order["id"]) == []
    assert order_status(client, headers, order["id"]) == "pending_payment"
    with app_ctx.db.tx():
        app_ctx.db.execute("UPDATE users SET balance_fen = 10000000 WHERE id = ?", (user_id,))
    retried = pay(client, headers, order["id"], "balance", key="pay-1", payment_password="654321")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert balance_of(app_ctx, user_id) == 10000000 - order["total_fen"]


def test_twenty_pays_with_one_key_charge_once(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    before = balance_of(app_ctx)
    answers = [pay(client, demo_headers, order["id"], "balance", key="pay-once") for _ in range(20)]
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert [answer.headers.get("Idempotent-Replayed") for answer in answers[1:]] == ["true"] * 19
    assert balance_of(app_ctx) == before - order["total_fen"]
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 1
    assert len(ledger_rows(app_ctx, order["id"])) == 1
    other_body = pay(client, demo_headers, order["id"], "alipay", key="pay-once")
    assert other_body.status_code == 422 and error_code(other_body) == "IDEMPOTENCY_KEY_REUSED"
    fresh_key = pay(client, demo_headers, order["id"], "balance")
    assert fresh_key.status_code == 409 and error_code(fresh_key) == "INVALID_STATE"
    assert balance_of(app_ctx) == before - order["total_fen"]


def test_other_users_payments_are_404(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx, make_user: MakeUser
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    payment = pay(client, demo_headers, order["id"], "alipay").json()
    _, other = make_user()
    hidden = client.get(f"/api/v1/payments/{payment['id']}", headers=other)
    assert hidden.status_code == 404 and error_code(hidden) == "NOT_FOUND"
    assert client.get("/api/v1/payments/424242", headers=demo_headers).status_code == 404
    assert client.post("/_dev/payments/424242/succeed").status_code == 404


def test_bad_payment_requests_are_422(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    assert pay(client, demo_headers, order["id"], "cash").status_code == 422
    assert pay(client, demo_headers, order["id"], "balance", tip_fen=5).status_code == 422
    long_password = pay(client, demo_headers, order["id"], "balance", payment_password="1" * 33)
    assert long_password.status_code == 422
    no_key = client.post(
        f"/api/v1/orders/{order['id']}/pay", json={"method": "alipay"}, headers=demo_headers
    )
    assert no_key.status_code == 422
    assert (
        client.post(
            "/api/v1/orders/0/pay", json={"method": "alipay"}, headers=demo_headers
        ).status_code
        == 422
    )
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 0


def test_a_dev_failure_without_a_reason_is_declined(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order = new_order(client, demo_headers, app_ctx)
    payment = pay(client, demo_headers, order["id"], "wechat_pay").json()
    failed = client.post(f"/_dev/payments/{payment['id']}/fail")
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["failure_reason"]) == ("failed", "declined")
    too_long = client.post(f"/_dev/payments/{payment['id']}/fail", json={"reason": "x" * 101})
    assert too_long.status_code == 422


def test_the_simulator_pays_a_qr_code_while_the_client_polls_it_over_http(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    """The client's GET /payments/{id} is what marks a code as watched."""
    order = new_order(client, demo_headers, app_ctx, payment_method="alipay")
    payment = pay(client, demo_headers, order["id"], "alipay").json()
    app_ctx.clock.advance(app_ctx.delays["qr_pay"])
    assert client.post("/_dev/simulator/step").status_code == 200
    assert order_status(client, demo_headers, order["id"]) == "pending_payment"
    polled = client.get(f"/api/v1/payments/{payment['id']}", headers=demo_headers)
    assert polled.status_code == 200 and polled.json()["status"] == "pending"
    assert client.post("/_dev/simulator/step").status_code == 200
    assert order_status(client, demo_headers, order["id"]) == "awaiting_shipment"
