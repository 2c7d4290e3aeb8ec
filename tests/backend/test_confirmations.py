"""Confirmations for money and security (docs/api.md §7.5): the payment password for
pay-later payments, card top-ups and bill repayments (missing 422, wrong 403 with the
attempts left, the fifth wrong locks for 15 minutes); the login password to turn two-step
verification off; the 先用后付 agreement accepted to turn pay-later on. Every refusal
changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.services import wallet
from tests.backend.conftest import error_code
from tests.backend.test_orders import placed, sku_between
from tests.backend.test_wallet import balance_of, transaction_count
from tests.backend.test_wallet_bnpl import bnpl_used, open_bill
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
RIGHT = "123456"
WRONG = "654321"
LOCK_SECONDS = 15 * 60


def keyed(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


def bnpl_order(client: TestClient, ctx: Ctx, headers: dict[str, str]) -> dict[str, Any]:
    wallet.enable_bnpl(ctx, DEMO_USER_ID, "zh")
    sku = sku_between(ctx, 1000, 5000)
    return placed(client, headers, [(sku["id"], 1)], payment_method="bnpl")


def pay_later(client: TestClient, headers: dict[str, str], order_id: int, **body: Any) -> Any:
    return client.post(
        f"{API}/orders/{order_id}/pay", json={"method": "bnpl", **body}, headers=keyed(headers)
    )


def topup(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(
        f"{API}/wallet/topup", json={"amount_fen": 1000, **body}, headers=keyed(headers)
    )


def repay(client: TestClient, headers: dict[str, str], bill_id: int, **body: Any) -> Any:
    return client.post(f"{API}/wallet/bnpl/bills/{bill_id}/repay", json=body, headers=headers)


def fields(response: Any) -> set[str]:
    return set(response.json()["error"]["details"]["fields"])


def money_state(ctx: Ctx) -> tuple[int, int, int]:
    return (
        balance_of(ctx, DEMO_USER_ID),
        bnpl_used(ctx, DEMO_USER_ID),
        transaction_count(ctx, DEMO_USER_ID),
    )


# --- pay-later payments -------------------------------------------------------------------


def test_a_pay_later_payment_needs_the_payment_password(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order = bnpl_order(client, app_ctx, demo_headers)
    before = money_state(app_ctx)
    missing = pay_later(client, demo_headers, order["id"])
    assert missing.status_code == 422 and fields(missing) == {"payment_password"}
    wrong = pay_later(client, demo_headers, order["id"], payment_password=WRONG)
    assert wrong.status_code == 403 and error_code(wrong) == "WRONG_PAYMENT_PASSWORD"
    assert wrong.json()["error"]["details"]["attempts_left"] == 4
    assert money_state(app_ctx) == before
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM payments") == 0
    right = pay_later(client, demo_headers, order["id"], payment_password=RIGHT)
    assert right.status_code == 201 and right.json()["status"] == "succeeded"
    assert bnpl_used(app_ctx, DEMO_USER_ID) == order["total_fen"]


def test_five_wrong_payment_passwords_lock_pay_later_too(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order = bnpl_order(client, app_ctx, demo_headers)
    for attempts_left in (4, 3, 2, 1):
        wrong = pay_later(client, demo_headers, order["id"], payment_password=WRONG)
        assert wrong.json()["error"]["details"]["attempts_left"] == attempts_left
    locked = pay_later(client, demo_headers, order["id"], payment_password=WRONG)
    assert locked.status_code == 429 and error_code(locked) == "LOCKED"
    still = pay_later(client, demo_headers, order["id"], payment_password=RIGHT)
    assert still.status_code == 429
    # The lock holds for top-ups and repayments as well: one payment password, one count.
    assert topup(client, demo_headers, payment_password=RIGHT).status_code == 429
    app_ctx.clock.advance(LOCK_SECONDS + 1)
    token_headers = demo_headers
    paid = pay_later(client, token_headers, order["id"], payment_password=RIGHT)
    assert paid.status_code == 201


# --- card top-ups -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "VALIDATION_ERROR"),
        ({"payment_password": WRONG}, 403, "WRONG_PAYMENT_PASSWORD"),
        ({"payment_password": "12"}, 403, "WRONG_PAYMENT_PASSWORD"),
    ],
)
def test_a_top_up_refused_for_its_password_moves_nothing_and_its_key_can_be_retried(
    client: TestClient,
    app_ctx: Ctx,
    demo_headers: dict[str, str],
    body: dict[str, str],
    status: int,
    code: str,
) -> None:
    headers = keyed(demo_headers)
    before = money_state(app_ctx)
    refused = client.post(f"{API}/wallet/topup", json={"amount_fen": 1000, **body}, headers=headers)
    assert refused.status_code == status and error_code(refused) == code
    assert money_state(app_ctx) == before
    retried = client.post(
        f"{API}/wallet/topup",
        json={"amount_fen": 1000, "payment_password": RIGHT},
        headers=headers,
    )
    assert retried.status_code == 201
    assert balance_of(app_ctx, DEMO_USER_ID) == before[0] + 1000


def test_a_top_up_from_a_chosen_card_with_the_password(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    card_id = client.get(f"{API}/wallet/bank-cards", headers=demo_headers).json()["items"][0]["id"]
    before = balance_of(app_ctx, DEMO_USER_ID)
    response = topup(client, demo_headers, bank_card_id=card_id, payment_password=RIGHT)
    assert response.status_code == 201
    assert balance_of(app_ctx, DEMO_USER_ID) == before + 1000


def test_the_top_up_password_is_not_part_of_the_intent(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    """A retry typed again with the same key is the same top-up, not a changed body."""
    headers = keyed(demo_headers)
    first = client.post(
        f"{API}/wallet/topup", json={"amount_fen": 1000, "payment_password": RIGHT}, headers=headers
    )
    before = balance_of(app_ctx, DEMO_USER_ID)
    replay = client.post(
        f"{API}/wallet/topup", json={"amount_fen": 1000, "payment_password": WRONG}, headers=headers
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first.json()
    assert balance_of(app_ctx, DEMO_USER_ID) == before


# --- bill repayments ----------------------------------------------------------------------


def test_repaying_a_bill_needs_the_payment_password(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    _, bill_id = open_bill(app_ctx, DEMO_USER_ID, 5000)
    before = money_state(app_ctx)
    no_body = client.post(f"{API}/wallet/bnpl/bills/{bill_id}/repay", headers=demo_headers)
    assert no_body.status_code == 422
    missing = repay(client, demo_headers, bill_id, source="balance")
    assert missing.status_code == 422 and fields(missing) == {"payment_password"}
    wrong = repay(client, demo_headers, bill_id, payment_password=WRONG)
    assert wrong.status_code == 403 and wrong.json()["error"]["details"]["attempts_left"] == 4
    assert money_state(app_ctx) == before
    right = repay(client, demo_headers, bill_id, payment_password=RIGHT)
    assert right.status_code == 200 and right.json()["status"] == "repaid"


def test_a_bill_that_cannot_be_repaid_costs_no_attempt(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    missing = repay(client, demo_headers, 999999, payment_password=WRONG)
    assert missing.status_code == 404
    failures = app_ctx.db.scalar("SELECT pay_failures FROM users WHERE id = ?", (DEMO_USER_ID,))
    assert failures == 0


# --- two-step verification off ------------------------------------------------------------


def two_factor(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.put(f"{API}/me/two-factor", json=body, headers=headers)


def two_factor_on(ctx: Ctx) -> bool:
    return bool(ctx.db.scalar("SELECT two_factor_enabled FROM users WHERE id = ?", (DEMO_USER_ID,)))


def test_turning_two_step_off_needs_the_login_password(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    assert two_factor(client, demo_headers, enabled=True).status_code == 200
    missing = two_factor(client, demo_headers, enabled=False)
    assert missing.status_code == 422 and fields(missing) == {"password"}
    wrong = two_factor(client, demo_headers, enabled=False, password="wrong1234")
    assert wrong.status_code == 403 and error_code(wrong) == "WRONG_PASSWORD"
    assert wrong.json()["error"]["details"]["attempts_left"] == 4
    assert two_factor_on(app_ctx)
    right = two_factor(client, demo_headers, enabled=False, password="demo1234")
    assert right.status_code == 200 and right.json()["two_factor_enabled"] is False
    assert not two_factor_on(app_ctx)


def test_wrong_passwords_to_turn_two_step_off_lock_the_phone(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    two_factor(client, demo_headers, enabled=True)
    for _ in range(4):
        two_factor(client, demo_headers, enabled=False, password="wrong1234")
    locked = two_factor(client, demo_headers, enabled=False, password="wrong1234")
    assert locked.status_code == 429 and error_code(locked) == "LOCKED"
    right = two_factor(client, demo_headers, enabled=False, password="demo1234")
    assert right.status_code == 429
    assert two_factor_on(app_ctx)


def test_turning_two_step_on_needs_no_password(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    assert two_factor(client, demo_headers, enabled=True).status_code == 200
    assert two_factor_on(app_ctx)


# --- the 先用后付 agreement ---------------------------------------------------------------


@pytest.mark.parametrize("body", [None, {}, {"accept_terms": False}, {"accept_terms": "yes"}])
def test_pay_later_stays_off_until_its_terms_are_accepted(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str], body: dict[str, Any] | None
) -> None:
    response = client.post(f"{API}/wallet/bnpl/enable", json=body, headers=demo_headers)
    assert response.status_code == 422
    assert client.get(f"{API}/wallet", headers=demo_headers).json()["bnpl"]["enabled"] is False
    accepted = client.post(
        f"{API}/wallet/bnpl/enable", json={"accept_terms": True}, headers=demo_headers
    )
    assert accepted.status_code == 200 and accepted.json()["bnpl"]["enabled"] is True
