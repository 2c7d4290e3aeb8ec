"""The §7.2–7.3 rules of the after-sale draft without a screen: an exchange's specs (sold
out ones shown, never chosen), its request without an amount, the reasons the server
allows per type, quality reasons that need a photo, and what an after-sale offers once
reshipped or appealed."""

from __future__ import annotations

from typing import Any

import pytest

from kshop_tui.api.models import AfterSaleReason, Eligibility
from kshop_tui.shop.flows.after_sale import (
    AfterSaleDraft,
    AfterSaleRequest,
    AfterSaleSubmit,
    AttachedPhoto,
    Moves,
    appeal_outcome,
    others_to_move,
    status_tone,
)
from tests.shop.test_after_sale_flow import FakeShop, after_sale, order

REASONS = [
    AfterSaleReason(
        code="quality_problem",
        label="Quality problem",
        types=["refund_only", "return_refund", "exchange"],
        merchant_pays_return_shipping=True,
        quality=True,
        photo_required=True,
    ),
    AfterSaleReason(
        code="size_fit",
        label="Wrong size",
        types=["return_refund", "exchange"],
        merchant_pays_return_shipping=False,
    ),
    AfterSaleReason(
        code="not_received",
        label="Not received",
        types=["refund_only"],
        merchant_pays_return_shipping=False,
    ),
    AfterSaleReason(
        code="changed_mind",
        label="Changed my mind",
        types=["refund_only", "return_refund"],
        merchant_pays_return_shipping=False,
    ),
]
SIZES = [
    {"sku_id": 101, "specs": {"尺码": "M"}, "price_fen": 5000, "stock": 3},
    {"sku_id": 102, "specs": {"尺码": "L"}, "price_fen": 5000, "stock": 0},
    {"sku_id": 103, "specs": {"尺码": "XL"}, "price_fen": 5000, "stock": 8},
]


def delivered_eligibility(**changes: Any) -> Eligibility:
    """A delivered order: item 11 (size M) may be returned or exchanged for any reason;
    item 12 is perishable (a quality problem only); a refund only is for quality
    problems and 未收到货."""
    data: dict[str, Any] = {
        "order_id": 7,
        "types": ["refund_only", "return_refund", "exchange"],
        "max_refund_fen": 8000,
        "max_refund_by_type": {},
        "not_allowed": {},
        "quality_only": {"refund_only": "delivered: missing items, not received or quality"},
        "reasons_by_type": {
            "refund_only": ["quality_problem", "not_received"],
            "return_refund": ["quality_problem", "size_fit", "changed_mind"],
            "exchange": ["quality_problem", "size_fit"],
        },
        "items": [
            {
                "item_id": 11,
                "product_id": 11,
                "name": "shirt",
                "specs": {"尺码": "M"},
                "qty": 1,
                "price_fen": 5000,
                "refundable_fen": 5000,
                "types": ["refund_only", "return_refund", "exchange"],
                "quality_only_types": ["refund_only"],
                "eligible": True,
                "reason": None,
                "exchange_skus": SIZES,
            },
            {
                "item_id": 12,
                "product_id": 12,
                "name": "pineapple",
                "specs": {},
                "qty": 1,
                "price_fen": 3000,
                "refundable_fen": 3000,
                "types": ["refund_only", "return_refund", "exchange"],
                "quality_only_types": ["refund_only", "return_refund", "exchange"],
                "eligible": True,
                "reason": "perishable goods cannot be returned",
                "exchange_skus": [
                    {"sku_id": 201, "specs": {}, "price_fen": 3000, "stock": 5},
                ],
            },
        ],
        "merchant_pays_return_shipping_reasons": ["quality_problem"],
    }
    data.update(changes)
    return Eligibility.model_validate(data)


def draft(**kwargs: Any) -> AfterSaleDraft:
    return AfterSaleDraft(order(), delivered_eligibility(), REASONS, **kwargs)


# --- an exchange's specs ----------------------------------------------------------------


def test_the_specs_offered_include_the_sold_out_ones_and_mark_the_current() -> None:
    exchange = draft()
    exchange.choose_kind("exchange")
    choices = exchange.spec_choices(11)
    assert [(c.specs, c.sold_out, c.current) for c in choices] == [
        ("M", False, True),
        ("L", True, False),
        ("XL", False, False),
    ]
    assert exchange.spec_choices(99) == []


def test_a_sold_out_spec_cannot_be_chosen_and_each_item_needs_one() -> None:
    exchange = draft()
    exchange.choose_kind("exchange")
    exchange.item_ids = [11]
    assert exchange.spec_problem() == (11, "choose")
    assert not exchange.choose_spec(11, 102)
    assert not exchange.choose_spec(11, 999)
    assert exchange.spec_problem() == (11, "choose")
    assert exchange.choose_spec(11, 103)
    assert exchange.chosen_spec(11) is not None
    assert exchange.spec_problem() is None
    exchange.kind = "return_refund"
    exchange.item_ids = [11, 12]
    assert exchange.spec_problem() is None  # only an exchange has specs to choose


def test_an_exchange_asks_no_amount_and_sends_its_specs() -> None:
    exchange = draft()
    exchange.choose_kind("exchange")
    exchange.item_ids = [11]
    exchange.choose_spec(11, 103)
    exchange.reason_code = "size_fit"
    assert not exchange.asks_money and exchange.amount_problem() is None
    assert exchange.return_shipping() == "buyer"
    assert exchange.request() == AfterSaleRequest(
        type="exchange",
        item_ids=[11],
        reason="size_fit",
        amount_fen=None,
        description="",
        refund_to="original",
        photo_ids=[],
        exchange_items={11: 103},
    )


def test_a_rejected_exchange_starts_from_its_specs() -> None:
    rejected = after_sale(
        type="exchange",
        reason="size_fit",
        amount_fen=0,
        exchange_items=[{"item_id": 11, "sku_id": 103, "specs": {"尺码": "XL"}}],
    )
    exchange = draft(resubmit=rejected)
    exchange.choose_kind("exchange")
    assert exchange.item_ids == [11]
    assert exchange.chosen_spec(11) is not None
    assert exchange.request().exchange_items == {11: 103}


async def test_the_submit_sends_an_exchange_without_an_amount() -> None:
    shop = FakeShop(None)
    request = AfterSaleRequest(
        type="exchange",
        item_ids=[11],
        reason="size_fit",
        amount_fen=None,
        description="",
        refund_to="original",
        photo_ids=[],
        exchange_items={11: 103},
    )
    await AfterSaleSubmit(order_id=7).send(shop.client(), request)
    ((name, sent),) = shop.calls
    assert name == "create"
    assert sent["exchange_items"] == {11: 103} and sent["amount_fen"] is None


# --- reasons and photos ------------------------------------------------------------------


def test_the_reasons_offered_are_the_servers_for_each_type() -> None:
    delivered = draft()
    assert [r.code for r in delivered.reasons_for("refund_only")] == [
        "quality_problem",
        "not_received",
    ]
    assert [r.code for r in delivered.reasons_for("exchange")] == ["quality_problem", "size_fit"]
    assert delivered.quality_only("refund_only").startswith("delivered")
    assert delivered.quality_only("exchange") == ""


def test_an_item_only_a_quality_problem_covers_needs_a_quality_reason() -> None:
    returning = draft()
    returning.choose_kind("return_refund")
    returning.item_ids = [11, 12]
    assert returning.quality_only_item(12) and not returning.quality_only_item(11)
    assert returning.reason_problem() == "required"
    returning.reason_code = "size_fit"
    assert returning.reason_problem() == "needs_quality"
    returning.item_ids = [11]
    assert returning.reason_problem() is None
    # A refund only after delivery is for the server's reasons; 未收到货 needs no photo.
    returning.choose_kind("refund_only")
    returning.reason_code = "not_received"
    assert returning.reason_problem() is None and returning.photo_problem() is None


def test_a_quality_reason_asks_for_a_photo_before_anything_is_sent() -> None:
    quality = draft()
    quality.choose_kind("refund_only")
    quality.reason_code = "quality_problem"
    assert quality.photo_required and quality.photo_problem() == "required"
    quality.photos.append(AttachedPhoto(5, "crack.png"))
    assert quality.photo_problem() is None


# --- an after-sale reshipped, completed, appealed ----------------------------------------


def test_a_reshipped_exchange_offers_confirming_and_tracking_the_replacement() -> None:
    reshipped = after_sale(
        type="exchange",
        status="reshipped",
        amount_fen=0,
        replacement={"carrier": "SF", "tracking_no": "SF1234567890123"},
        actions=["confirm_replacement", "track_replacement"],
    )
    moves = Moves.of(reshipped)
    assert "confirm" in moves and "track_replacement" in moves and "track" not in moves
    assert others_to_move(reshipped)  # the parcel is on the move
    done = after_sale(type="exchange", status="completed", actions=["track_replacement"])
    assert status_tone("completed") == status_tone("refunded") == "refunded"
    assert not others_to_move(done) and "confirm" not in Moves.of(done)


@pytest.mark.parametrize(
    ("kind", "status", "outcome", "told"),
    [
        ("return_refund", "appealed", None, "deciding"),
        ("return_refund", "awaiting_return", "approved", "send_back"),
        ("exchange", "awaiting_return", "approved", "send_back"),
        ("refund_only", "refunded", "approved", "refunded"),
        ("refund_only", "closed", "upheld", "upheld"),
        ("return_refund", "awaiting_return", None, None),
    ],
)
def test_an_appeals_outcome_is_told_as_what_happens_next(
    kind: str, status: str, outcome: str | None, told: str | None
) -> None:
    appealed = after_sale(type=kind, status=status, appeal_outcome=outcome)
    assert appeal_outcome(appealed) == told
