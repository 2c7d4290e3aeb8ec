"""Exchanges (换货, §7.2) and the rest of §7.3 at service level (no HTTP): the request's
shape and its replacement SKU, every state to `completed`, the replacement parcel and
its 10-day confirmation, stock, out-of-stock at approval, quality reasons and photos,
refund-only after delivery, appeals decided by the platform, closed orders."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from fake_backend.context import Ctx
from fake_backend.services import (
    after_sale_appeals,
    after_sale_merchant,
    after_sale_requests,
    after_sale_returns,
    after_sale_views,
    logistics,
    sweeper,
)
from fake_backend.services.after_sale_requests import ExchangeItem, Request
from tests.backend.test_after_sales_rules import (
    DAY,
    JACKET,
    PINEAPPLE,
    T_SHIRT,
    _snapshot,
    ask,
    delivered,
    item_ids,
    order_row,
    photo,
    place_paid_order,
    raises,
    sku_of,
    state,
    stock_of,
    wallet,
)
from tests.conftest import DEMO_USER_ID


def other_spec(ctx: Ctx, sku: sqlite3.Row, *, in_stock: bool = True) -> int:
    """Another SKU of `sku`'s product at its price, with stock (or with none)."""
    row = ctx.db.one(
        "SELECT o.id FROM skus s JOIN skus o ON o.product_id = s.product_id"
        " AND o.price_fen = s.price_fen AND o.id != s.id"
        f" WHERE s.id = ? AND o.stock {'>= 10' if in_stock else '= 0'} ORDER BY o.id LIMIT 1",
        (sku["id"],),
    )
    assert row is not None
    return int(row["id"])


def other_price(ctx: Ctx, sku: sqlite3.Row) -> int:
    row = ctx.db.one(
        "SELECT o.id FROM skus s JOIN skus o ON o.product_id = s.product_id"
        " AND o.price_fen != s.price_fen WHERE s.id = ? ORDER BY o.id LIMIT 1",
        (sku["id"],),
    )
    assert row is not None
    return int(row["id"])


def exchange(
    ctx: Ctx,
    order_id: int,
    wanted: list[tuple[int, int]],
    *,
    reason: str = "size_fit",
    photos: list[int] | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    request = Request(
        type="exchange",
        item_ids=None,
        reason=reason,
        description="换大一码",
        amount_fen=None,
        refund_to="original",
        photo_ids=photos or [],
        exchange_items=[ExchangeItem(item_id, sku_id) for item_id, sku_id in wanted],
    )
    return after_sale_requests.create(ctx, DEMO_USER_ID, order_id, request, lang)


def delivered_shirt(ctx: Ctx, qty: int = 1) -> tuple[int, int, sqlite3.Row]:
    """A delivered order of one T-shirt line: (order id, item id, its SKU)."""
    order_id = place_paid_order(ctx, [(T_SHIRT, qty)])
    delivered(ctx, order_id)
    return order_id, item_ids(ctx, order_id)[0], sku_of(ctx, T_SHIRT)


def steps(ctx: Ctx, after_sale_id: int) -> list[str]:
    timeline = after_sale_views.get(ctx, DEMO_USER_ID, after_sale_id, "en")["timeline"]
    return [entry["status"] for entry in timeline]


# ---- eligibility and the request --------------------------------------------------------


def test_eligibility_lists_exchange_with_the_specs_at_the_same_price(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert "exchange" in found["types"] and "exchange" not in found["quality_only"]
    assert "size_fit" in found["reasons_by_type"]["exchange"]
    assert "changed_mind" not in found["reasons_by_type"]["exchange"]
    (item,) = found["items"]
    offered = {choice["sku_id"]: choice for choice in item["exchange_skus"]}
    assert sku["id"] in offered and other_spec(ctx, sku) in offered
    assert other_price(ctx, sku) not in offered
    assert {choice["price_fen"] for choice in offered.values()} == {sku["price_fen"]}
    sold_out = other_spec(ctx, sku, in_stock=False)
    assert offered[sold_out]["stock"] == 0


def test_no_exchange_before_shipment_nor_for_an_unpaid_order(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert "exchange" not in found["types"]
    assert found["not_allowed"]["exchange"].startswith("the order has not shipped")
    assert found["items"][0]["exchange_skus"] == []
    sku = sku_of(ctx, T_SHIRT)
    error = raises(
        "AFTER_SALE_NOT_ALLOWED",
        lambda: exchange(ctx, order_id, [(item_ids(ctx, order_id)[0], other_spec(ctx, sku))]),
    )
    assert error.details["type"] == "exchange"
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


def test_an_exchange_carries_exchange_items_and_no_amount(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    wanted = other_spec(ctx, sku)
    shapes: list[tuple[dict[str, Any], set[str]]] = [
        ({"exchange_items": None}, {"exchange_items"}),
        ({"exchange_items": [ExchangeItem(item_id, wanted)], "item_ids": [item_id]}, {"item_ids"}),
        ({"exchange_items": [ExchangeItem(item_id, wanted)], "amount_fen": 100}, {"amount_fen"}),
    ]
    for change, fields in shapes:
        request = Request(
            **{  # type: ignore[arg-type]
                "type": "exchange",
                "item_ids": None,
                "reason": "size_fit",
                "description": "",
                "amount_fen": None,
                "refund_to": "original",
                "photo_ids": [],
                **change,
            }
        )
        error = raises(
            "VALIDATION_ERROR",
            lambda request=request: after_sale_requests.create(
                ctx, DEMO_USER_ID, order_id, request, "en"
            ),
        )
        assert set(error.wire_details("en")["fields"]) == fields
    refund_with_exchange_items = Request(
        "return_refund",
        [item_id],
        "size_fit",
        "",
        100,
        "original",
        [],
        [ExchangeItem(item_id, wanted)],
    )
    error = raises(
        "VALIDATION_ERROR",
        lambda: after_sale_requests.create(
            ctx, DEMO_USER_ID, order_id, refund_with_exchange_items, "en"
        ),
    )
    assert error.wire_details("en")["fields"]["exchange_items"]["code"] == "only_for"
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


def test_the_replacement_is_the_same_product_at_the_same_price_and_in_stock(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    jacket = sku_of(ctx, JACKET)
    cases = [
        (jacket["id"], "exchange_other_product"),
        (10**9, "exchange_other_product"),
        (other_price(ctx, sku), "exchange_other_price"),
    ]
    for sku_id, code in cases:
        error = raises(
            "VALIDATION_ERROR", lambda sku_id=sku_id: exchange(ctx, order_id, [(item_id, sku_id)])
        )
        assert error.wire_details("zh")["fields"]["exchange_items.0.sku_id"]["code"] == code
    sold_out = raises(
        "OUT_OF_STOCK",
        lambda: exchange(ctx, order_id, [(item_id, other_spec(ctx, sku, in_stock=False))]),
    )
    assert sold_out.details["available"] == 0
    foreign = place_paid_order(ctx, [(T_SHIRT, 1)])
    error = raises(
        "VALIDATION_ERROR",
        lambda: exchange(ctx, order_id, [(item_ids(ctx, foreign)[0], other_spec(ctx, sku))]),
    )
    assert "exchange_items" in error.wire_details("en")["fields"]
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


def test_customised_or_perishable_goods_are_exchanged_only_for_a_quality_problem(
    ctx: Ctx,
) -> None:
    order_id = place_paid_order(ctx, [(PINEAPPLE, 1)])
    delivered(ctx, order_id)
    item_id = item_ids(ctx, order_id)[0]
    fruit = sku_of(ctx, PINEAPPLE)
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "zh")
    assert found["quality_only"]["exchange"] == "生鲜易腐商品不支持退货"
    assert found["reasons_by_type"]["exchange"] == [
        "quality_problem",
        "damaged",
        "missing_items",
        "not_as_described",
    ]
    raises("AFTER_SALE_NOT_ALLOWED", lambda: exchange(ctx, order_id, [(item_id, fruit["id"])]))
    no_photo = raises(
        "PHOTO_REQUIRED",
        lambda: exchange(ctx, order_id, [(item_id, fruit["id"])], reason="damaged"),
    )
    assert no_photo.status == 422
    assert no_photo.wire_details("en")["fields"]["photo_ids"]["code"] == "photo_required"
    assert no_photo.message("zh") == "商品破损需上传至少 1 张照片"
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0
    created = exchange(
        ctx, order_id, [(item_id, fruit["id"])], reason="damaged", photos=[photo(ctx)]
    )
    assert created["type"] == "exchange" and created["status"] == "requested"


# ---- the whole life of an exchange ------------------------------------------------------


def test_an_exchange_to_the_end_moves_stock_and_no_money(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx, qty=2)
    wanted = other_spec(ctx, sku)
    balance_before = wallet(ctx)
    stock_before = stock_of(ctx, wanted)
    created = exchange(ctx, order_id, [(item_id, wanted)], lang="en")
    assert created["amount_fen"] == 0 and created["status"] == "requested"
    assert created["exchange_items"] == [
        {"item_id": item_id, "sku_id": wanted, "specs": created["exchange_items"][0]["specs"]}
    ]
    assert created["exchange_items"][0]["specs"]
    assert created["merchant_pays_return_shipping"] is False
    assert order_row(ctx, order_id)["after_sale_status"] == "in_progress"
    assert stock_of(ctx, wanted) == stock_before  # taken only when the merchant approves

    after_sale_merchant.approve(ctx, created["id"])
    waiting = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert waiting["status"] == "awaiting_return" and waiting["type"] == "exchange"
    assert "ships the replacement" in waiting["timeline"][-1]["note"]
    assert stock_of(ctx, wanted) == stock_before - 2
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "SF", "SF1234567890999", "zh")
    after_sale_merchant.receive(ctx, created["id"])
    received = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert received["status"] == "received" and received["refunded_at"] is None
    raises(
        "INVALID_STATE",
        lambda: after_sale_requests.confirm_replacement(ctx, DEMO_USER_ID, created["id"], "zh"),
    )

    after_sale_merchant.reship(ctx, created["id"])
    reshipped = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert reshipped["status"] == "reshipped"
    assert reshipped["actions"] == ["confirm_replacement", "track_replacement"]
    parcel = reshipped["replacement"]
    assert parcel is not None and logistics.valid_tracking_no(
        parcel["carrier"], parcel["tracking_no"]
    )
    assert reshipped["replacement_confirm_by"] is not None
    tracked = logistics.parcel_tracking(ctx, parcel["tracking_no"], "zh")
    assert tracked["carrier"] == parcel["carrier"] and tracked["events"]
    assert parcel["tracking_no"] in reshipped["timeline"][-1]["note"]

    done = after_sale_requests.confirm_replacement(ctx, DEMO_USER_ID, created["id"], "en")
    assert done["status"] == "completed" and done["actions"] == ["track_replacement"]
    assert done["timeline"][-1]["actor"] == "user"
    assert steps(ctx, created["id"]) == [
        "requested",
        "approved",
        "awaiting_return",
        "return_shipped",
        "received",
        "reshipped",
        "completed",
    ]
    assert wallet(ctx) == balance_before
    assert stock_of(ctx, wanted) == stock_before - 2
    order = order_row(ctx, order_id)
    assert order["after_sale_status"] == "none" and order["status"] == "shipped"
    assert order["refunded_fen"] == 0


def test_a_replacement_completes_by_itself_ten_days_after_it_was_shipped(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    created = exchange(ctx, order_id, [(item_id, other_spec(ctx, sku))])
    after_sale_merchant.approve(ctx, created["id"])
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "SF", "SF1234567890998", "zh")
    after_sale_merchant.receive(ctx, created["id"])
    after_sale_merchant.reship(ctx, created["id"])
    ctx.clock.advance(10 * DAY - 60)
    sweeper.run(ctx)
    assert state(ctx, created["id"]) == "reshipped"
    ctx.clock.advance(60)
    sweeper.run(ctx)
    assert state(ctx, created["id"]) == "completed"
    last = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")["timeline"][-1]
    assert last["actor"] == "system" and "10 days" in last["note"]


def test_replacement_out_of_stock_at_approval_becomes_a_return_and_refund(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    wanted = other_spec(ctx, sku)
    created = exchange(ctx, order_id, [(item_id, wanted)], lang="en")
    ctx.db.execute("UPDATE skus SET stock = 0 WHERE id = ?", (wanted,))
    balance_before, _ = wallet(ctx)
    after_sale_merchant.approve(ctx, created["id"])
    now = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "en")
    assert now["type"] == "return_refund" and now["status"] == "awaiting_return"
    value = order_row(ctx, order_id)["total_fen"]
    assert now["amount_fen"] == value
    approved = now["timeline"][1]
    assert approved["status"] == "approved" and "out of stock" in approved["note"]
    assert f"¥{value // 100}." in approved["note"]
    assert stock_of(ctx, wanted) == 0
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "SF", "SF1234567890997", "zh")
    after_sale_merchant.receive(ctx, created["id"])
    assert state(ctx, created["id"]) == "refunded"
    assert wallet(ctx)[0] == balance_before + value
    assert order_row(ctx, order_id)["status"] == "closed"


def test_withdrawing_an_approved_exchange_puts_the_replacement_back(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    wanted = other_spec(ctx, sku)
    stock_before = stock_of(ctx, wanted)
    product_stock = ctx.db.scalar("SELECT stock FROM products WHERE id = ?", (T_SHIRT,))
    created = exchange(ctx, order_id, [(item_id, wanted)])
    after_sale_merchant.approve(ctx, created["id"])
    assert stock_of(ctx, wanted) == stock_before - 1
    after_sale_requests.cancel(ctx, DEMO_USER_ID, created["id"], "zh")
    assert stock_of(ctx, wanted) == stock_before
    assert ctx.db.scalar("SELECT stock FROM products WHERE id = ?", (T_SHIRT,)) == product_stock
    assert order_row(ctx, order_id)["after_sale_status"] == "none"


def test_a_rejected_exchange_is_modified_into_another_spec(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    created = exchange(ctx, order_id, [(item_id, sku["id"])])
    after_sale_merchant.reject(ctx, created["id"], "请选择其他颜色")
    wanted = other_spec(ctx, sku)
    request = Request(
        "exchange",
        None,
        "size_fit",
        "换一个颜色",
        None,
        "original",
        [],
        [ExchangeItem(item_id, wanted)],
    )
    modified = after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], request, "zh")
    assert modified["status"] == "requested"
    assert [entry["sku_id"] for entry in modified["exchange_items"]] == [wanted]


def test_the_simulated_merchant_drives_an_exchange_to_the_replacement(ctx: Ctx) -> None:
    order_id, item_id, sku = delivered_shirt(ctx)
    created = exchange(ctx, order_id, [(item_id, other_spec(ctx, sku))])
    ctx.clock.advance(ctx.delays["after_sale_answer"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "awaiting_return"
    after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "SF", "SF1234567890996", "zh")
    ctx.clock.advance(ctx.delays["return_receive"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "received"
    after_sale_merchant.simulate(ctx)  # the merchant takes its time to pack it
    assert state(ctx, created["id"]) == "received"
    ctx.clock.advance(ctx.delays["reship"])
    after_sale_merchant.simulate(ctx)
    assert state(ctx, created["id"]) == "reshipped"
    tracking_no = after_sale_views.get(ctx, DEMO_USER_ID, created["id"], "zh")["replacement"]
    assert tracking_no is not None
    for _ in range(20):
        ctx.clock.advance(ctx.delays["logistics_step"])
        logistics.simulate(ctx)
    assert logistics.parcel_tracking(ctx, tracking_no["tracking_no"], "en")["status"] == "delivered"


# ---- quality reasons, refund-only after delivery ---------------------------------------


def test_refund_only_after_delivery_for_missing_items_or_a_lost_parcel(ctx: Ctx) -> None:
    for reason, needs_photo in (("missing_items", True), ("not_received", False)):
        order_id, item_id, _ = delivered_shirt(ctx)
        if needs_photo:
            raises(
                "PHOTO_REQUIRED",
                lambda order_id=order_id, reason=reason: ask(
                    ctx, order_id, reason=reason, photo_ids=[]
                ),
            )
        created = ask(ctx, order_id, reason=reason)
        after_sale_merchant.approve(ctx, created["id"])
        assert state(ctx, created["id"]) == "refunded"
        assert order_row(ctx, order_id)["status"] == "closed"
    order_id, _, _ = delivered_shirt(ctx)
    refused = raises("AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, reason="changed_mind"))
    assert refused.details == {"type": "refund_only", "reason": "delivered"}


def test_a_quality_photo_must_be_the_users_own(ctx: Ctx) -> None:
    order_id, _, _ = delivered_shirt(ctx)
    stranger = ctx.db.insert(
        "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000002', 'y', 0)"
    )
    raises(
        "NOT_FOUND", lambda: ask(ctx, order_id, reason="damaged", photo_ids=[photo(ctx, stranger)])
    )
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


# ---- appeals: the platform decides -----------------------------------------------------


def _appealed(ctx: Ctx, kind: str) -> tuple[int, int]:
    """An after-sale of `kind` rejected and appealed: (order id, after-sale id)."""
    if kind == "refund_only":
        order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
        after_sale_id = int(ask(ctx, order_id)["id"])
    else:
        order_id, item_id, sku = delivered_shirt(ctx)
        if kind == "exchange":
            after_sale_id = int(exchange(ctx, order_id, [(item_id, other_spec(ctx, sku))])["id"])
        else:
            after_sale_id = int(ask(ctx, order_id, kind)["id"])
    after_sale_merchant.reject(ctx, after_sale_id, "不符合条件")
    after_sale_appeals.appeal(ctx, DEMO_USER_ID, after_sale_id, "商品确有问题，请平台介入", "zh")
    return order_id, after_sale_id


@pytest.mark.parametrize("kind", ["return_refund", "exchange"])
def test_an_upheld_appeal_of_goods_going_back_returns_to_approved(ctx: Ctx, kind: str) -> None:
    order_id, after_sale_id = _appealed(ctx, kind)
    balance_before = wallet(ctx)
    after_sale_appeals.platform_decide(ctx, after_sale_id, approve=True)
    decided = after_sale_views.get(ctx, DEMO_USER_ID, after_sale_id, "en")
    # No money before the goods are back: the buyer still sends them.
    assert decided["status"] == "awaiting_return" and decided["appeal_outcome"] == "approved"
    assert wallet(ctx) == balance_before
    assert steps(ctx, after_sale_id)[-3:] == ["appealed", "approved", "awaiting_return"]
    approved = decided["timeline"][-2]
    assert approved["actor"] == "platform" and "sided with the buyer" in approved["note"]
    assert decided["actions"] == ["ship_return", "book_pickup", "cancel"]


def test_an_appeal_of_a_refund_only_is_refunded_or_closed(ctx: Ctx) -> None:
    order_id, after_sale_id = _appealed(ctx, "refund_only")
    after_sale_appeals.platform_decide(ctx, after_sale_id, approve=True)
    assert state(ctx, after_sale_id) == "refunded"
    assert order_row(ctx, order_id)["status"] == "closed"
    order_id, after_sale_id = _appealed(ctx, "refund_only")
    after_sale_appeals.platform_decide(ctx, after_sale_id, approve=False)
    closed = after_sale_views.get(ctx, DEMO_USER_ID, after_sale_id, "en")
    assert closed["status"] == "closed" and closed["appeal_outcome"] == "upheld"
    assert closed["timeline"][-1]["note"] == "The platform upheld the merchant's decision"
    order = order_row(ctx, order_id)
    assert order["status"] == "awaiting_shipment" and order["after_sale_status"] == "closed"


def test_an_appeal_for_an_exchange_out_of_stock_becomes_a_return(ctx: Ctx) -> None:
    order_id, after_sale_id = _appealed(ctx, "exchange")
    wanted = ctx.db.scalar(
        "SELECT json_extract(exchange_items, '$[0].sku_id') FROM after_sales WHERE id = ?",
        (after_sale_id,),
    )
    ctx.db.execute("UPDATE skus SET stock = 0 WHERE id = ?", (wanted,))
    after_sale_appeals.platform_decide(ctx, after_sale_id, approve=True)
    decided = after_sale_views.get(ctx, DEMO_USER_ID, after_sale_id, "zh")
    assert decided["type"] == "return_refund" and decided["status"] == "awaiting_return"
    assert "已无库存" in decided["timeline"][-2]["note"]


# ---- closed orders ---------------------------------------------------------------------


def test_partial_refunds_keep_the_status_all_of_them_close_the_order(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1), (JACKET, 1)])
    delivered(ctx, order_id)
    shirt_id, jacket_id = item_ids(ctx, order_id)
    for item_id, status, after_sale_status in (
        (shirt_id, "shipped", "refunded_partly"),
        (jacket_id, "closed", "refunded"),
    ):
        created = ask(ctx, order_id, "return_refund", items=[item_id])
        after_sale_merchant.approve(ctx, created["id"])
        number = f"SF12345678{item_id:05d}"
        after_sale_returns.ship_return(ctx, DEMO_USER_ID, created["id"], "SF", number, "zh")
        after_sale_merchant.receive(ctx, created["id"])
        order = order_row(ctx, order_id)
        assert (order["status"], order["after_sale_status"]) == (status, after_sale_status)
    assert order["closed_at"] == ctx.now()
    found = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, "en")
    assert found["types"] == [] and found["not_allowed"]["refund_only"] == "the order is closed"
    # A closed order is not received again 10 days later.
    ctx.clock.advance(11 * DAY)
    sweeper.run(ctx)
    assert order_row(ctx, order_id)["status"] == "closed"


# ---- every illegal move of an exchange: 409 and nothing changed ------------------------


def _exchange_at(ctx: Ctx, status: str) -> int:
    order_id, item_id, sku = delivered_shirt(ctx)
    after_sale_id = int(exchange(ctx, order_id, [(item_id, other_spec(ctx, sku))])["id"])

    def send_back() -> None:
        after_sale_returns.ship_return(
            ctx, DEMO_USER_ID, after_sale_id, "EMS", f"EB{after_sale_id:09d}CN", "zh"
        )

    approve = lambda: after_sale_merchant.approve(ctx, after_sale_id)  # noqa: E731
    receive = lambda: after_sale_merchant.receive(ctx, after_sale_id)  # noqa: E731
    reship = lambda: after_sale_merchant.reship(ctx, after_sale_id)  # noqa: E731
    reject = lambda: after_sale_merchant.reject(ctx, after_sale_id)  # noqa: E731
    appeal = lambda: after_sale_appeals.appeal(  # noqa: E731
        ctx, DEMO_USER_ID, after_sale_id, "理由充分的申诉", "zh"
    )
    paths: dict[str, list[Callable[[], object]]] = {
        "requested": [],
        "rejected": [reject],
        "appealed": [reject, appeal],
        "closed": [reject, appeal, lambda: after_sale_appeals.platform_reject(ctx, after_sale_id)],
        "awaiting_return": [approve],
        "return_shipped": [approve, send_back],
        "received": [approve, send_back, receive],
        "reshipped": [approve, send_back, receive, reship],
        "completed": [
            approve,
            send_back,
            receive,
            reship,
            lambda: after_sale_requests.confirm_replacement(ctx, DEMO_USER_ID, after_sale_id, "zh"),
        ],
        "cancelled": [lambda: after_sale_requests.cancel(ctx, DEMO_USER_ID, after_sale_id, "zh")],
    }
    for step in paths[status]:
        step()
    assert state(ctx, after_sale_id) == status
    return after_sale_id


def _exchange_moves(ctx: Ctx, after_sale_id: int) -> dict[str, Callable[[], object]]:
    row = ctx.db.one(
        "SELECT order_id, exchange_items FROM after_sales WHERE id = ?", (after_sale_id,)
    )
    assert row is not None
    item_id = item_ids(ctx, row["order_id"])[0]
    wanted = int(ctx.db.scalar("SELECT json_extract(?, '$[0].sku_id')", (row["exchange_items"],)))
    resubmit = Request(
        "exchange", None, "size_fit", "", None, "original", [], [ExchangeItem(item_id, wanted)]
    )
    return {
        "approve": lambda: after_sale_merchant.approve(ctx, after_sale_id),
        "reject": lambda: after_sale_merchant.reject(ctx, after_sale_id, "不行"),
        "receive": lambda: after_sale_merchant.receive(ctx, after_sale_id),
        "reship": lambda: after_sale_merchant.reship(ctx, after_sale_id),
        "platform_approve": lambda: after_sale_appeals.platform_decide(
            ctx, after_sale_id, approve=True
        ),
        "platform_reject": lambda: after_sale_appeals.platform_decide(
            ctx, after_sale_id, approve=False
        ),
        "cancel": lambda: after_sale_requests.cancel(ctx, DEMO_USER_ID, after_sale_id, "zh"),
        "appeal": lambda: after_sale_appeals.appeal(
            ctx, DEMO_USER_ID, after_sale_id, "理由充分的申诉", "zh"
        ),
        "modify": lambda: after_sale_requests.modify(
            ctx, DEMO_USER_ID, after_sale_id, resubmit, "zh"
        ),
        "ship_return": lambda: after_sale_returns.ship_return(
            ctx, DEMO_USER_ID, after_sale_id, "YD", "4312345678902", "zh"
        ),
        "pickup_slots": lambda: after_sale_returns.pickup_slots(ctx, DEMO_USER_ID, after_sale_id),
        "confirm_replacement": lambda: after_sale_requests.confirm_replacement(
            ctx, DEMO_USER_ID, after_sale_id, "zh"
        ),
        "complete_by_system": lambda: after_sale_merchant.complete_replacement(
            ctx, after_sale_id, actor="system"
        ),
    }


EXCHANGE_LEGAL = {
    "requested": {"approve", "reject", "cancel"},
    "rejected": {"appeal", "modify"},
    "appealed": {"platform_approve", "platform_reject"},
    "awaiting_return": {"cancel", "ship_return", "pickup_slots"},
    "return_shipped": {"receive"},
    "received": {"reship"},
    "reshipped": {"confirm_replacement", "complete_by_system"},
    "completed": set(),
    "closed": set(),
    "cancelled": set(),
}


def _stock(ctx: Ctx) -> tuple[Any, ...]:
    return tuple(
        row["stock"]
        for row in ctx.db.all("SELECT stock FROM skus WHERE product_id = ?", (T_SHIRT,))
    )


@pytest.mark.parametrize("status", sorted(EXCHANGE_LEGAL))
def test_every_illegal_move_of_an_exchange_is_409_and_changes_nothing(
    ctx: Ctx, status: str
) -> None:
    after_sale_id = _exchange_at(ctx, status)
    moves = _exchange_moves(ctx, after_sale_id)
    illegal = sorted(set(moves) - EXCHANGE_LEGAL[status])
    for name in illegal:
        before = (_snapshot(ctx, after_sale_id), _stock(ctx))
        error = raises("INVALID_STATE", moves[name])
        assert error.status == 409 and error.details == {"state": status}, name
        assert (_snapshot(ctx, after_sale_id), _stock(ctx)) == before, name
    for name in sorted(EXCHANGE_LEGAL[status] - {"pickup_slots"}):
        # Each legal move works from a fresh exchange in the same state.
        fresh = _exchange_at(ctx, status)
        _exchange_moves(ctx, fresh)[name]()
        assert state(ctx, fresh) != status, name
