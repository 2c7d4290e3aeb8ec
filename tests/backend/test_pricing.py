"""Money rules of the checkout quote, at service level (no HTTP), checked to the fen."""

from __future__ import annotations

from typing import Any

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import addresses, pricing
from fake_backend.services.addresses import AddressInput
from fake_backend.services.pricing import PricedLine, check_coupon, discount_shares, shipping_fee
from tests.conftest import DEMO_USER_ID

DAY = 86400
DEMO_COUPON_ID = 1  # the seeded 满199减20 of the demo user


def sku_of(ctx: Ctx, brand: str, nth: int = 0) -> int:
    sku_id: int = ctx.db.scalar(
        "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id WHERE p.brand = ?"
        " ORDER BY s.id LIMIT 1 OFFSET ?",
        (brand, nth),
    )
    return sku_id


def set_sku(ctx: Ctx, sku_id: int, *, price_fen: int | None = None, stock: int = 50) -> None:
    with ctx.db.tx():
        ctx.db.execute("UPDATE skus SET stock = ? WHERE id = ?", (stock, sku_id))
        if price_fen is not None:
            ctx.db.execute("UPDATE skus SET price_fen = ? WHERE id = ?", (price_fen, sku_id))


def give_coupon(ctx: Ctx, user_id: int, title_zh: str, *, days: float = 10) -> int:
    template_id = ctx.db.scalar("SELECT id FROM coupon_templates WHERE title_zh = ?", (title_zh,))
    with ctx.db.tx():
        return ctx.db.insert(
            "INSERT INTO user_coupons(user_id, template_id, claimed_at, expires_at)"
            " VALUES (?,?,?,?)",
            (user_id, template_id, ctx.now(), ctx.now() + days * DAY),
        )


def new_user(ctx: Ctx, phone: str = "13900000001") -> int:
    with ctx.db.tx():
        return ctx.db.insert(
            "INSERT INTO users(phone, nickname, created_at) VALUES (?,?,?)",
            (phone, "测试", ctx.now()),
        )


def priced_pair(ctx: Ctx, first_fen: int, second_fen: int) -> tuple[int, int]:
    """Two in-stock 优衣库 SKUs at the given prices."""
    first, second = sku_of(ctx, "优衣库", 0), sku_of(ctx, "优衣库", 1)
    set_sku(ctx, first, price_fen=first_fen)
    set_sku(ctx, second, price_fen=second_fen)
    return first, second


def quote(ctx: Ctx, lines: list[tuple[int, int]], **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"address_id": None, "coupon_id": None, "lang": "zh"}
    options.update(kwargs)
    user_id = options.pop("user_id", DEMO_USER_ID)
    return pricing.quote(ctx, user_id, lines, **options)


def refusal(ctx: Ctx, lines: list[tuple[int, int]], **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        quote(ctx, lines, **kwargs)
    return caught.value


def test_subtotal_is_price_times_qty_and_zhejiang_ships_free_over_99(ctx: Ctx) -> None:
    first, second = priced_pair(ctx, 12345, 999)
    result = quote(ctx, [(first, 2), (second, 3)])
    assert [line["line_total_fen"] for line in result["lines"]] == [24690, 2997]
    assert result["subtotal_fen"] == 27687
    assert result["discount_fen"] == 0 and result["coupon_id"] is None
    assert result["shipping_fen"] == 0
    assert result["total_fen"] == 27687
    assert result["address_id"] == 1
    assert result["shipping_rule"] == {"province": "浙江省", "base_fen": 600, "free_over_fen": 9900}
    # FROZEN_START is 10:00 on 2026-11-24 in Beijing; Zhejiang takes 1–2 days.
    assert result["estimated_delivery"] == {"earliest": "2026-11-25", "latest": "2026-11-26"}
    assert result["problems"] == []


def test_threshold_exactly_met_applies_the_coupon(ctx: Ctx) -> None:
    first, second = priced_pair(ctx, 9950, 1)
    result = quote(ctx, [(first, 2)], coupon_id=DEMO_COUPON_ID)
    assert result["subtotal_fen"] == 19900
    assert result["discount_fen"] == 2000
    assert result["coupon_id"] == DEMO_COUPON_ID
    assert result["shipping_fen"] == 0
    assert result["total_fen"] == 17900
    assert result["lines"][0]["discount_share_fen"] == 2000


def test_one_fen_below_the_threshold_refuses_the_coupon_with_the_shortfall(ctx: Ctx) -> None:
    first, second = priced_pair(ctx, 9950, 9949)
    error = refusal(ctx, [(first, 1), (second, 1)], coupon_id=DEMO_COUPON_ID)
    assert error.code == "COUPON_NOT_APPLICABLE" and error.status == 422
    assert error.details["reason"] == "coupon_below_threshold"
    assert error.wire_details("zh")["fields"]["coupon_id"]["message"] == (
        "满 ¥199.00 可用，还差 ¥0.01"
    )
    assert error.message("en") == "Coupon not usable: usable over ¥199.00; ¥0.01 more needed"
    listed = quote(ctx, [(first, 1), (second, 1)])
    assert listed["coupons"][0]["id"] == DEMO_COUPON_ID
    assert listed["coupons"][0]["usable"] is False
    assert listed["coupons"][0]["reason"] == "满 ¥199.00 可用，还差 ¥0.01"
    assert listed["best_coupon_id"] is None


def test_store_coupon_counts_only_its_brands_lines(ctx: Ctx) -> None:
    lining, uniqlo = sku_of(ctx, "李宁"), sku_of(ctx, "优衣库")
    set_sku(ctx, lining, price_fen=15000)
    set_sku(ctx, uniqlo, price_fen=10000)
    coupon_id = give_coupon(ctx, DEMO_USER_ID, "李宁店铺券 满200减30")
    # ¥250 in the cart but only ¥150 of Li-Ning: the ¥200 threshold is not met.
    error = refusal(ctx, [(lining, 1), (uniqlo, 1)], coupon_id=coupon_id)
    assert error.details["reason"] == "coupon_below_threshold"
    assert error.message("zh") == "优惠券不可用：满 ¥200.00 可用，还差 ¥50.00"

    set_sku(ctx, lining, price_fen=10000)
    result = quote(ctx, [(uniqlo, 1), (lining, 2)], coupon_id=coupon_id)
    assert result["subtotal_fen"] == 30000
    assert result["discount_fen"] == 3000
    assert [line["discount_share_fen"] for line in result["lines"]] == [0, 3000]
    assert result["total_fen"] == 27000


def test_store_coupon_without_its_brand_is_not_usable(ctx: Ctx) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=50000)
    coupon_id = give_coupon(ctx, DEMO_USER_ID, "李宁店铺券 满200减30")
    error = refusal(ctx, [(uniqlo, 1)], coupon_id=coupon_id)
    assert error.details["reason"] == "coupon_no_eligible_items"
    assert error.message("en") == "Coupon not usable: only for 李宁 store goods"


def test_discount_never_exceeds_the_eligible_subtotal_and_total_is_never_negative(
    ctx: Ctx,
) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=300)
    coupon_id = give_coupon(ctx, DEMO_USER_ID, "无门槛5元")
    result = quote(ctx, [(uniqlo, 1)], coupon_id=coupon_id)
    assert result["discount_fen"] == 300
    assert result["shipping_fen"] == 600  # ¥0 of goods is under ¥99: not free
    assert result["total_fen"] == 600


def test_free_shipping_boundary_is_after_the_discount(ctx: Ctx) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    coupon_id = give_coupon(ctx, DEMO_USER_ID, "满99减10")
    set_sku(ctx, uniqlo, price_fen=10900)
    at_boundary = quote(ctx, [(uniqlo, 1)], coupon_id=coupon_id)
    assert (at_boundary["discount_fen"], at_boundary["shipping_fen"]) == (1000, 0)
    assert at_boundary["total_fen"] == 9900

    set_sku(ctx, uniqlo, price_fen=10899)
    below = quote(ctx, [(uniqlo, 1)], coupon_id=coupon_id)
    assert (below["discount_fen"], below["shipping_fen"]) == (1000, 600)
    assert below["total_fen"] == 10899 - 1000 + 600

    without_coupon = quote(ctx, [(uniqlo, 1)])
    assert without_coupon["shipping_fen"] == 0 and without_coupon["total_fen"] == 10899


def test_remote_province_pays_its_own_fee_until_its_own_threshold(ctx: Ctx) -> None:
    address = addresses.create_address(
        ctx,
        DEMO_USER_ID,
        AddressInput(
            "买买提", "13912345678", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路1号"
        ),
    )
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=19899)
    below = quote(ctx, [(uniqlo, 1)], address_id=address["id"])
    assert below["shipping_fen"] == 2000 and below["total_fen"] == 21899
    assert below["shipping_rule"] == {
        "province": "新疆维吾尔自治区",
        "base_fen": 2000,
        "free_over_fen": 19900,
    }
    assert below["estimated_delivery"] == {"earliest": "2026-11-29", "latest": "2026-12-03"}
    set_sku(ctx, uniqlo, price_fen=19900)
    assert quote(ctx, [(uniqlo, 1)], address_id=address["id"])["shipping_fen"] == 0


def test_province_without_a_template_and_no_address_use_the_default_rule(ctx: Ctx) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=5000)
    beijing = addresses.create_address(
        ctx,
        DEMO_USER_ID,
        AddressInput("李四", "13912345678", "北京市", "北京市", "海淀区", "中关村大街1号"),
    )
    in_beijing = quote(ctx, [(uniqlo, 1)], address_id=beijing["id"])
    assert in_beijing["shipping_fen"] == 800 and in_beijing["total_fen"] == 5800
    assert in_beijing["shipping_rule"]["province"] == "北京市"

    homeless = new_user(ctx)
    result = quote(ctx, [(uniqlo, 1)], user_id=homeless)
    assert result["address_id"] is None
    assert result["shipping_rule"] == {"province": "*", "base_fen": 800, "free_over_fen": 9900}
    assert result["estimated_delivery"] == {"earliest": "2026-11-26", "latest": "2026-11-28"}
    assert result["coupons"] == [] and result["best_coupon_id"] is None


def test_default_address_is_used_when_none_is_given(ctx: Ctx) -> None:
    remote = addresses.create_address(
        ctx,
        DEMO_USER_ID,
        AddressInput("王五", "13912345678", "西藏自治区", "拉萨市", "城关区", "北京中路8号"),
        is_default=True,
    )
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=1000)
    result = quote(ctx, [(uniqlo, 1)])
    assert result["address_id"] == remote["id"]
    assert result["shipping_fen"] == 2500


def test_others_and_deleted_addresses_are_not_found(ctx: Ctx) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    other = new_user(ctx)
    theirs = addresses.create_address(
        ctx, other, AddressInput("赵六", "13912345678", "上海市", "上海市", "黄浦区", "南京东路1号")
    )
    assert refusal(ctx, [(uniqlo, 1)], address_id=theirs["id"]).status == 404
    addresses.delete_address(ctx, other, theirs["id"])
    assert refusal(ctx, [(uniqlo, 1)], address_id=theirs["id"], user_id=other).status == 404


def test_used_expired_missing_and_others_coupons_are_refused(ctx: Ctx) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=50000)
    with ctx.db.tx():
        ctx.db.execute("UPDATE user_coupons SET status = 'used' WHERE id = ?", (DEMO_COUPON_ID,))
    assert refusal(ctx, [(uniqlo, 1)], coupon_id=DEMO_COUPON_ID).details["reason"] == "coupon_used"

    other = new_user(ctx)
    theirs = give_coupon(ctx, other, "满99减10")
    error = refusal(ctx, [(uniqlo, 1)], coupon_id=theirs)
    assert error.details["reason"] == "coupon_not_found" and error.status == 422
    assert refusal(ctx, [(uniqlo, 1)], coupon_id=999999).details["reason"] == "coupon_not_found"

    soon = give_coupon(ctx, DEMO_USER_ID, "满99减10", days=1)
    assert quote(ctx, [(uniqlo, 1)], coupon_id=soon)["discount_fen"] == 1000
    ctx.clock.advance(DAY)
    assert refusal(ctx, [(uniqlo, 1)], coupon_id=soon).details["reason"] == "coupon_expired"
    assert all(entry["id"] != soon for entry in quote(ctx, [(uniqlo, 1)])["coupons"])


def test_coupon_list_and_best_coupon(ctx: Ctx) -> None:
    lining, uniqlo = sku_of(ctx, "李宁"), sku_of(ctx, "优衣库")
    set_sku(ctx, lining, price_fen=20000)
    set_sku(ctx, uniqlo, price_fen=10000)
    store = give_coupon(ctx, DEMO_USER_ID, "李宁店铺券 满200减30")
    big = give_coupon(ctx, DEMO_USER_ID, "满299减40")
    xiaomi = give_coupon(ctx, DEMO_USER_ID, "小米店铺券 满1000减100")
    result = quote(ctx, [(lining, 1), (uniqlo, 1)], lang="en")
    by_id = {entry["id"]: entry for entry in result["coupons"]}
    assert set(by_id) == {DEMO_COUPON_ID, store, big, xiaomi}
    assert by_id[big]["usable"] and by_id[big]["discount_fen"] == 4000
    assert by_id[store]["usable"] and by_id[store]["discount_fen"] == 3000
    assert by_id[DEMO_COUPON_ID]["usable"] and by_id[DEMO_COUPON_ID]["reason"] is None
    assert not by_id[xiaomi]["usable"]
    assert by_id[xiaomi]["reason"] == "only for 小米 store goods"
    assert by_id[xiaomi]["title"] == "Xiaomi store: ¥100 off over ¥1,000"
    assert result["best_coupon_id"] == big
    assert [entry["usable"] for entry in result["coupons"]] == [True, True, True, False]
    assert result["coupon_id"] is None and result["discount_fen"] == 0


def test_problems_flag_sold_out_short_stock_and_changed_prices(ctx: Ctx) -> None:
    first, second = priced_pair(ctx, 1000, 2000)
    third = sku_of(ctx, "优衣库", 2)
    set_sku(ctx, first, price_fen=1000, stock=0)
    set_sku(ctx, second, price_fen=2000, stock=2)
    set_sku(ctx, third, price_fen=3000, stock=9)
    result = quote(
        ctx, [(first, 1), (second, 3), (third, 1)], added_prices={third: 2500}, lang="en"
    )
    assert [line["available"] for line in result["lines"]] == [False, False, True]
    assert [(p["sku_id"], p["code"]) for p in result["problems"]] == [
        (first, "sold_out"),
        (second, "insufficient_stock"),
        (third, "price_changed"),
    ]
    assert "Only 2 left of" in result["problems"][1]["message"]
    assert "¥25.00 when added, ¥30.00 now" in result["problems"][2]["message"]
    assert result["subtotal_fen"] == 1000 + 6000 + 3000


@pytest.mark.parametrize(
    ("lines", "field", "reason"),
    [
        ([], "items", "required"),
        ([(1, 1), (1, 2)], "items", "duplicate_sku"),
        ([(1, 0)], "items.0.qty", "bad_quantity"),
        ([(1, 1), (2, 100)], "items.1.qty", "bad_quantity"),
        ([(1, -1)], "items.0.qty", "bad_quantity"),
        ([(n, 1) for n in range(1, 102)], "items", "too_many"),
    ],
)
def test_bad_lines_are_refused(
    ctx: Ctx, lines: list[tuple[int, int]], field: str, reason: str
) -> None:
    error = refusal(ctx, lines)
    assert error.status == 422
    assert error.wire_details("en")["fields"][field]["code"] == reason


def test_unknown_sku_is_not_found(ctx: Ctx) -> None:
    error = refusal(ctx, [(sku_of(ctx, "优衣库"), 1), (10**9, 1)])
    assert error.status == 404 and error.details == {"resource": "sku"}


def test_quote_only_reads_and_works_inside_a_callers_transaction(ctx: Ctx) -> None:
    uniqlo = sku_of(ctx, "优衣库")
    set_sku(ctx, uniqlo, price_fen=20000, stock=7)
    before = ctx.db.one("SELECT status FROM user_coupons WHERE id = ?", (DEMO_COUPON_ID,))
    with ctx.db.tx():
        result = quote(ctx, [(uniqlo, 2)], coupon_id=DEMO_COUPON_ID)
        ctx.db.execute("UPDATE skus SET stock = stock - 2 WHERE id = ?", (uniqlo,))
    assert result["total_fen"] == 38000
    assert ctx.db.scalar("SELECT stock FROM skus WHERE id = ?", (uniqlo,)) == 5
    after = ctx.db.one("SELECT status FROM user_coupons WHERE id = ?", (DEMO_COUPON_ID,))
    assert before is not None and after is not None and before["status"] == after["status"]


def test_rule_functions_without_the_database() -> None:
    lines = [
        PricedLine(1, "李宁", 3333, 1),
        PricedLine(2, "小米", 1000, 2),
        PricedLine(3, "李宁", 1, 1),
    ]
    coupon = {
        "status": "usable",
        "expires_at": 100.0,
        "brand": "李宁",
        "threshold_fen": 3334,
        "discount_fen": 5000,
    }
    check = check_coupon(coupon, lines, now=99.0)
    assert check.usable and check.discount_fen == 3334
    assert check_coupon(coupon, lines, now=100.0).reason == "coupon_expired"
    assert check_coupon({**coupon, "threshold_fen": 3335}, lines, 0).params["short"] == "¥0.01"
    shares = discount_shares(lines, "李宁", 1001)
    assert shares[1] == 0 and sum(shares) == 1001
    assert discount_shares(lines, None, 0) == [0, 0, 0]
    assert shipping_fee({"base_fen": 800, "free_over_fen": None}, 10**9) == 800
    assert shipping_fee({"base_fen": 800, "free_over_fen": 9900}, 9900) == 0
