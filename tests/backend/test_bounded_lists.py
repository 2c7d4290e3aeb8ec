"""Lists without paging stay bounded: bank cards (≤ 10 per user), the checkout quote's
coupons (the best 20), and the timelines, whose only loops (changing an unpaid order,
resubmitting a rejected after-sale, requesting again after a withdrawal) are capped."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.services import (
    after_sale_appeals,
    after_sale_merchant,
    after_sale_requests,
    after_sale_rules,
    after_sale_views,
    order_records,
    pricing,
    wallet,
)
from fake_backend.services.after_sale_requests import Request
from fake_backend.services.rules import hash_secret
from tests.backend.conftest import error_code
from tests.backend.test_after_sales_rules import T_SHIRT, ask, place_paid_order, raises, state
from tests.backend.test_orders import DEMO_ADDRESS_ID, sku_between
from tests.backend.test_orders_service import create
from tests.backend.test_pricing import give_coupon
from tests.backend.test_wallet import luhn_card
from tests.conftest import DEMO_USER_ID

MakeUser = Callable[..., tuple[int, dict[str, str]]]
API = "/api/v1"


# --- bank cards ----------------------------------------------------------------------------


def bind_cards_directly(ctx: Ctx, user_id: int, count: int) -> None:
    with ctx.db.tx():
        for index in range(count):
            number = luhn_card(f"62170{index:02d}")
            ctx.db.insert(
                "INSERT INTO bank_cards(user_id, bank, last4, card_hash, holder_name, created_at)"
                " VALUES (?, '银联卡', ?, ?, '李四', ?)",
                (user_id, number[-4:], hash_secret(number), ctx.now()),
            )


def test_an_eleventh_card_is_409_and_binds_nothing(
    client: TestClient, app_ctx: Ctx, make_user: MakeUser
) -> None:
    user_id, headers = make_user()
    bind_cards_directly(app_ctx, user_id, wallet.MAX_CARDS_PER_USER)
    card = {"card_number": luhn_card("622202"), "holder_name": "李四"}
    refused = client.post(
        f"{API}/wallet/bank-cards", json=card, headers={**headers, "Accept-Language": "en"}
    )
    assert refused.status_code == 409 and error_code(refused) == "BANK_CARD_LIMIT"
    assert refused.json()["error"]["message"].startswith("At most 10 bank cards")
    assert refused.json()["error"]["details"] == {"limit": 10}
    zh = client.post(f"{API}/wallet/bank-cards", json=card, headers=headers)
    assert "最多可绑定 10 张银行卡" in zh.json()["error"]["message"]
    listed = client.get(f"{API}/wallet/bank-cards", headers=headers).json()["items"]
    assert len(listed) == 10
    assert len(client.get(f"{API}/wallet", headers=headers).json()["bank_cards"]) == 10

    removed = client.delete(f"{API}/wallet/bank-cards/{listed[0]['id']}", headers=headers)
    assert removed.status_code == 200
    added = client.post(f"{API}/wallet/bank-cards", json=card, headers=headers)
    assert added.status_code == 201
    assert len(client.get(f"{API}/wallet/bank-cards", headers=headers).json()["items"]) == 10


def test_the_card_cap_is_a_rule_of_the_service(ctx: Ctx) -> None:
    bind_cards_directly(ctx, DEMO_USER_ID, wallet.MAX_CARDS_PER_USER - 1)  # the seed has one
    error = raises(
        "BANK_CARD_LIMIT",
        lambda: wallet.add_card(ctx, DEMO_USER_ID, luhn_card("622848"), "张三", "zh"),
    )
    assert error.status == 409
    assert len(wallet.list_cards(ctx, DEMO_USER_ID, "zh")["items"]) == wallet.MAX_CARDS_PER_USER


# --- the quote's coupons -------------------------------------------------------------------


def test_the_quote_lists_the_best_twenty_coupons_and_always_the_applied_one(ctx: Ctx) -> None:
    # 23 usable (with the seeded 满199减20) and 5 that a non-Xiaomi line cannot use.
    for title, count in (
        ("满299减40", 6),
        ("满199减20", 5),
        ("满99减10", 6),
        ("无门槛5元", 5),
        ("小米店铺券 满1000减100", 5),
    ):
        for _ in range(count):
            give_coupon(ctx, DEMO_USER_ID, title)
    sku = sku_between(ctx, 30_000, 60_000)
    lines = [(sku["id"], 1)]
    quote = pricing.quote(ctx, DEMO_USER_ID, lines, None, None, "en")
    listed = quote["coupons"]
    assert len(listed) == pricing.MAX_QUOTE_COUPONS
    assert all(coupon["usable"] for coupon in listed)
    discounts = [coupon["discount_fen"] for coupon in listed]
    assert discounts == sorted(discounts, reverse=True)
    assert discounts[:6] == [4000] * 6 and discounts.count(500) == 2
    assert quote["best_coupon_id"] == listed[0]["id"]

    fell_off = ctx.db.scalar(
        "SELECT MAX(uc.id) FROM user_coupons uc JOIN coupon_templates t ON t.id = uc.template_id"
        " WHERE uc.user_id = ? AND t.title_zh = '无门槛5元'",
        (DEMO_USER_ID,),
    )
    assert fell_off not in [coupon["id"] for coupon in listed]
    applied = pricing.quote(ctx, DEMO_USER_ID, lines, None, fell_off, "en")
    assert len(applied["coupons"]) == pricing.MAX_QUOTE_COUPONS
    assert applied["coupons"][-1]["id"] == fell_off and applied["discount_fen"] == 500


def test_the_quote_schema_says_the_coupons_are_bounded(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Quote"]
    assert "At most 20" in schema["properties"]["coupons"]["description"]


# --- the order timeline: changes of an unpaid order ----------------------------------------


def test_an_unpaid_order_changes_at_most_ten_times(
    client: TestClient, app_ctx: Ctx, demo_headers: dict[str, str]
) -> None:
    order = create(app_ctx, [(sku_between(app_ctx, 1_000, 20_000)["id"], 1)])
    url = f"{API}/orders/{order['id']}/address"
    for _ in range(order_records.MAX_ORDER_CHANGES):
        changed = client.put(url, json={"address_id": DEMO_ADDRESS_ID}, headers=demo_headers)
        assert changed.status_code == 200
    assert changed.json()["actions"] == ["pay", "cancel"]
    events = len(changed.json()["timeline"])
    refused = client.put(
        url,
        json={"address_id": DEMO_ADDRESS_ID},
        headers={**demo_headers, "Accept-Language": "en"},
    )
    assert refused.status_code == 409 and error_code(refused) == "ORDER_CHANGE_LIMIT"
    assert "at most 10 times" in refused.json()["error"]["message"]
    items = client.put(
        f"{API}/orders/{order['id']}/items",
        json={"items": [{"sku_id": order["items"][0]["sku_id"], "qty": 2}]},
        headers=demo_headers,
    )
    assert items.status_code == 409 and error_code(items) == "ORDER_CHANGE_LIMIT"
    after = client.get(f"{API}/orders/{order['id']}", headers=demo_headers).json()
    assert len(after["timeline"]) == events and after["items"][0]["qty"] == 1
    paid = client.post(
        f"{API}/orders/{order['id']}/pay",
        json={"method": "balance", "payment_password": "123456"},
        headers={**demo_headers, "Idempotency-Key": "after-the-changes"},
    )
    assert paid.status_code == 201  # paying and cancelling stay open


# --- the after-sale timeline: resubmits, and requests after withdrawals ---------------------


def resubmit(ctx: Ctx, after_sale_id: int, amount_fen: int) -> dict[str, object]:
    row = ctx.db.one("SELECT item_ids FROM after_sales WHERE id = ?", (after_sale_id,))
    assert row is not None
    request = Request(
        type="refund_only",
        item_ids=[int(item) for item in row["item_ids"].strip("[]").split(",")],
        reason="wrong_item",
        description="再看看",
        amount_fen=amount_fen,
        refund_to="original",
        photo_ids=[],
    )
    return after_sale_requests.modify(ctx, DEMO_USER_ID, after_sale_id, request, "en")


def test_a_rejected_request_is_resubmitted_at_most_three_times_then_only_appealed(
    ctx: Ctx,
) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    asked = ask(ctx, order_id)
    for _ in range(after_sale_rules.MAX_RESUBMITS):
        after_sale_merchant.reject(ctx, asked["id"], "不同意")
        assert "modify" in after_sale_views.get(ctx, DEMO_USER_ID, asked["id"], "en")["actions"]
        resubmit(ctx, asked["id"], asked["amount_fen"])
    after_sale_merchant.reject(ctx, asked["id"], "还是不同意")
    view = after_sale_views.get(ctx, DEMO_USER_ID, asked["id"], "en")
    assert view["actions"] == ["appeal"]
    error = raises("AFTER_SALE_RESUBMIT_LIMIT", lambda: resubmit(ctx, asked["id"], 100))
    assert error.status == 409 and "resubmitted 3 times" in error.message("en")
    assert state(ctx, asked["id"]) == "rejected"
    assert len(after_sale_views.get(ctx, DEMO_USER_ID, asked["id"], "en")["timeline"]) == len(
        view["timeline"]
    )  # requested + 3 × (rejected, requested) + rejected
    assert len(view["timeline"]) == 2 + 2 * after_sale_rules.MAX_RESUBMITS
    after_sale_appeals.appeal(ctx, DEMO_USER_ID, asked["id"], "商品确实有质量问题", "en")
    assert state(ctx, asked["id"]) == "appealed"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_after_three_withdrawn_requests_an_order_takes_no_more(ctx: Ctx, lang: str) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    for _ in range(after_sale_rules.MAX_UNSUCCESSFUL_PER_ORDER):
        asked = ask(ctx, order_id)
        after_sale_requests.cancel(ctx, DEMO_USER_ID, asked["id"], lang)
    eligibility = after_sale_views.eligibility(ctx, DEMO_USER_ID, order_id, lang)
    expected = "3 after-sales of this order" if lang == "en" else "已有 3 次售后申请"
    assert eligibility["types"] == []
    assert expected in eligibility["not_allowed"]["refund_only"]
    error = raises("AFTER_SALE_NOT_ALLOWED", lambda: ask(ctx, order_id, amount_fen=100))
    assert expected in error.message(lang)
    events = ctx.db.scalar("SELECT COUNT(*) FROM order_events WHERE order_id = ?", (order_id,))
    assert events == 2 * after_sale_rules.MAX_UNSUCCESSFUL_PER_ORDER  # requested, withdrawn × 3
