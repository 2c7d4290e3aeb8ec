"""The demo account's seeded history (`seed_demo_history`): orders in every state and
after-sales of each kind, consistent with the stock, the wallet, payments and timelines,
and answered by the order and after-sale lists. The test template itself has no history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend import seed as seeding
from fake_backend import seed_data
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.seed_history import review_pool, seed_demo_history
from fake_backend.storage import orders as order_store
from fake_backend.storage.db import Database
from tests.conftest import DEMO_USER_ID, FROZEN_START

TABS = (
    "all",
    "pending_payment",
    "awaiting_shipment",
    "awaiting_service",
    "shipped",
    "completed",
    "cancelled",
    "closed",
)


def stock_by_sku(ctx: Ctx) -> dict[int, int]:
    return {row["id"]: row["stock"] for row in ctx.db.all("SELECT id, stock FROM skus")}


@pytest.fixture
def history(ctx: Ctx) -> dict[str, Any]:
    """The service-level context after the history was written, and the stock before."""
    before = stock_by_sku(ctx)
    balance = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    seed_demo_history(ctx)
    return {"stock": before, "balance": balance}


def test_the_test_template_has_no_history(ctx: Ctx) -> None:
    assert ctx.db.scalar("SELECT COUNT(*) FROM orders") == 0
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


def test_a_fresh_demo_database_gets_the_history_unless_told_not_to(tmp_path: Path) -> None:
    counts = []
    for name, with_history in (("with.sqlite3", True), ("without.sqlite3", False)):
        ctx = Ctx(db=Database(tmp_path / name), clock=Clock(FROZEN_START, frozen=True))
        seeding.ensure_seeded(ctx, seed=42, history=with_history)
        counts.append(ctx.db.scalar("SELECT COUNT(*) FROM orders WHERE user_id = ?", (1,)))
        ctx.db.close()
    assert counts[0] >= 8 and counts[1] == 0


def test_every_order_state_and_after_sale_kind_is_there(ctx: Ctx, history: dict[str, Any]) -> None:
    orders = ctx.db.all("SELECT * FROM orders WHERE user_id = ?", (DEMO_USER_ID,))
    statuses = {row["status"] for row in orders}
    assert statuses == {
        "pending_payment",
        "awaiting_shipment",
        "awaiting_service",
        "shipped",
        "completed",
        "cancelled",
        "closed",
    }
    shipped = [row for row in orders if row["status"] == "shipped"]
    assert {row["delivered_at"] is None for row in shipped} == {
        True,
        False,
    }  # on its way; delivered
    cancelled = {row["after_sale_status"] for row in orders if row["status"] == "cancelled"}
    assert cancelled == {"none"}  # cancelled by the user
    closed = {row["after_sale_status"] for row in orders if row["status"] == "closed"}
    assert closed == {"refunded"}  # every item refunded: 交易关闭
    after_sales = {
        (row["type"], row["status"])
        for row in ctx.db.all("SELECT type, status FROM after_sales WHERE user_id = ?", (1,))
    }
    assert after_sales >= {
        ("refund_only", "requested"),
        ("refund_only", "refunded"),
        ("return_refund", "awaiting_return"),
        ("return_refund", "appealed"),
        ("return_refund", "refunded"),
        ("exchange", "reshipped"),
    }
    appealed = ctx.db.one("SELECT id FROM after_sales WHERE status = 'appealed'")
    assert appealed is not None
    steps = [
        row["status"]
        for row in ctx.db.all(
            "SELECT status FROM after_sale_events WHERE after_sale_id = ? ORDER BY id",
            (appealed["id"],),
        )
    ]
    assert steps == ["requested", "rejected", "appealed"]


def test_money_payments_and_stock_agree_with_the_orders(ctx: Ctx, history: dict[str, Any]) -> None:
    db = ctx.db
    balance = db.scalar("SELECT balance_fen FROM users WHERE id = ?", (DEMO_USER_ID,))
    ledger_balance = db.scalar(
        "SELECT SUM(amount_fen) FROM wallet_transactions WHERE user_id = ? AND account = 'balance'",
        (DEMO_USER_ID,),
    )
    assert balance == ledger_balance < history["balance"]
    for order in db.all("SELECT * FROM orders WHERE user_id = ?", (DEMO_USER_ID,)):
        paid = db.all(
            "SELECT amount_fen, method FROM payments WHERE order_id = ? AND status = 'succeeded'",
            (order["id"],),
        )
        charged = db.scalar(
            "SELECT -COALESCE(SUM(amount_fen), 0) FROM wallet_transactions"
            " WHERE order_id = ? AND kind = 'payment'",
            (order["id"],),
        )
        refunded = db.scalar(
            "SELECT COALESCE(SUM(amount_fen), 0) FROM wallet_transactions"
            " WHERE order_id = ? AND kind = 'refund'",
            (order["id"],),
        )
        assert refunded == order["refunded_fen"] <= order["total_fen"]
        if order["paid_at"] is None:
            assert paid == [] and charged == 0
        else:
            assert [(row["amount_fen"], row["method"]) for row in paid] == [
                (order["total_fen"], order["paid_method"])
            ]
            assert charged == order["total_fen"]
        assert order_store.events(db, order["id"]), order["id"]
        assert order["created_at"] <= ctx.now()
    now_stock = stock_by_sku(ctx)
    for order in db.all("SELECT * FROM orders WHERE user_id = ?", (DEMO_USER_ID,)):
        for line in order_store.order_items(db, order["id"]):
            taken = history["stock"][line["sku_id"]] - now_stock[line["sku_id"]]
            if order["status"] == "cancelled":
                assert taken == 0  # put back on the shelf
            elif order["after_sale_status"] != "refunded":
                assert taken == line["qty"]
    mismatched = db.scalar(
        "SELECT COUNT(*) FROM products p WHERE stock != (SELECT SUM(stock) FROM skus"
        " WHERE product_id = p.id)"
    )
    assert mismatched == 0


def test_the_order_lists_answer_every_tab_and_the_after_sales_every_kind(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    seed_demo_history(app_ctx)
    for tab in (*TABS, "after_sale"):
        page = client.get("/api/v1/orders", params={"status": tab}, headers=demo_headers)
        assert page.status_code == 200, tab
        assert page.json()["items"], tab
        assert {item["status"] for item in page.json()["items"]} <= (
            {tab} if tab not in ("all", "after_sale") else set(TABS)
        )
    after_sales = client.get("/api/v1/after-sales", headers=demo_headers)
    assert after_sales.status_code == 200
    kinds = {item["type"] for item in after_sales.json()["items"]}
    assert kinds == {"refund_only", "return_refund", "exchange"}


def test_goods_of_every_kind_are_in_the_history(ctx: Ctx, history: dict[str, Any]) -> None:
    """Virtual codes not viewed yet, a service done and one booked ahead, an exchange."""
    orders = ctx.db.all("SELECT * FROM orders WHERE user_id = ? ORDER BY id", (DEMO_USER_ID,))
    virtual = [row for row in orders if row["kind"] == "virtual"]
    assert [(row["status"], row["codes_viewed_at"]) for row in virtual] == [("completed", None)]
    codes = ctx.db.scalar(
        "SELECT COUNT(*) FROM delivery_codes WHERE order_id = ?", (virtual[0]["id"],)
    )
    units = ctx.db.scalar(
        "SELECT SUM(qty) FROM order_items WHERE order_id = ?", (virtual[0]["id"],)
    )
    assert codes == units == 2  # one code a unit
    services = {row["status"]: row for row in orders if row["kind"] == "service"}
    assert set(services) == {"completed", "awaiting_service"}
    booked = services["awaiting_service"]
    # Far enough ahead that the demo may still reschedule it or cancel with a refund.
    assert booked["slot_starts_at"] > ctx.now() + 2 * 86400
    assert booked["service_note"] and booked["rescheduled_at"] is None
    done = services["completed"]
    assert done["slot_starts_at"] + 2 * 3600 <= done["completed_at"] < ctx.now()
    exchange = ctx.db.one(
        "SELECT a.status, o.kind FROM after_sales a JOIN orders o ON o.id = a.order_id"
        " WHERE a.user_id = ? AND a.type = 'exchange'",
        (DEMO_USER_ID,),
    )
    assert exchange is not None and tuple(exchange) == ("reshipped", "physical")


def test_the_demo_accounts_reviews_fit_what_they_review(ctx: Ctx, history: dict[str, Any]) -> None:
    rows = ctx.db.all(
        "SELECT r.text, r.rating, c.name_zh AS leaf, p.kind FROM reviews r"
        " JOIN products p ON p.id = r.product_id JOIN categories c ON c.id = p.category_id"
        " WHERE r.user_id = ?",
        (DEMO_USER_ID,),
    )
    assert {row["kind"] for row in rows} == {"physical", "service"}
    for row in rows:
        assert (row["text"], row["rating"]) in review_pool(row["leaf"]), row["leaf"]
    service_texts = {text for text, _ in seed_data.SERVICE_REVIEWS}
    apparel = [row for row in rows if row["kind"] == "physical"]
    assert apparel and all(row["text"] not in service_texts for row in apparel)


def showcase_states(ctx: Ctx) -> tuple[dict[int, tuple[str, str]], dict[int, str], dict[str, int]]:
    """Each showcase order's status and after-sale status, each showcase after-sale's
    status, and how many events each showcase parcel has."""
    orders = {
        row["id"]: (row["status"], row["after_sale_status"])
        for row in ctx.db.all("SELECT id, status, after_sale_status FROM orders WHERE showcase = 1")
    }
    after_sales = {
        row["id"]: row["status"]
        for row in ctx.db.all("SELECT id, status FROM after_sales WHERE showcase = 1")
    }
    parcels = {
        row[0]: row[1]
        for row in ctx.db.all(
            "SELECT p.tracking_no, (SELECT COUNT(*) FROM logistics_events e"
            " WHERE e.tracking_no = p.tracking_no) FROM parcels p WHERE p.showcase = 1"
        )
    }
    return orders, after_sales, parcels


def test_the_merchant_simulator_leaves_the_showcase_and_moves_what_the_session_does(
    ctx: Ctx, history: dict[str, Any]
) -> None:
    """A sales demo keeps an order of every state: with `--merchant auto` the seeded
    history used to be shipped, refunded and settled within seconds of the start."""
    from fake_backend import simulator
    from tests.backend.test_orders import sku_between
    from tests.backend.test_orders_service import paid_order

    before = showcase_states(ctx)
    orders, after_sales, parcels = before
    assert len(orders) == ctx.db.scalar(
        "SELECT COUNT(*) FROM orders WHERE user_id = ?", (DEMO_USER_ID,)
    )
    statuses = {status for status, _ in orders.values()}
    assert {"awaiting_shipment", "shipped", "awaiting_service"} <= statuses
    assert {"requested", "appealed"} <= set(after_sales.values())
    assert parcels
    ctx.delays.update(dict.fromkeys(ctx.delays, 0.0))  # the merchant acts at once
    session = paid_order(ctx, [(sku_between(ctx, 1000, 50000)["id"], 1)])
    for _ in range(4):
        ctx.clock.advance(60)  # well inside the platform's own time rules (30 min and up)
        simulator.step(ctx)
    assert showcase_states(ctx) == before
    moved = order_store.get_order(ctx.db, session["id"])
    assert moved is not None and moved["status"] == "shipped"
    events = ctx.db.scalar(
        "SELECT COUNT(*) FROM logistics_events WHERE tracking_no = ?", (moved["tracking_no"],)
    )
    assert events > 1, "the session's parcel moves on"
