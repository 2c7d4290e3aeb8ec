"""The after-sale rules without a screen: the wizard's draft (types, items, the amount and
its limit, the reason, what the request carries), its submit as one intent, and what an
after-sale offers the user in each status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from kshop_tui.api import errors
from kshop_tui.api.clock import ServerClock
from kshop_tui.api.models import AfterSale, AfterSaleReason, Eligibility, Order
from kshop_tui.shop.flows.after_sale import (
    AfterSaleDraft,
    AfterSaleRequest,
    AfterSaleSubmit,
    Moves,
    appeal_problem,
    deadline_left,
    others_to_move,
    status_tone,
    tracking_number,
    tracking_problem,
)

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient

ADDRESS = {
    "name": "张三",
    "phone": "13800138000",
    "phone_masked": "138****8000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
}


def order(
    *,
    shipped: bool = True,
    shipping_fen: int = 1000,
    refunded_fen: int = 0,
    refunded_item: int | None = None,
) -> Order:
    """Two lines: #11 at ¥50.00 and #12 at ¥30.00, plus shipping."""
    lines = [(11, 5000), (12, 3000)]
    items = [
        {
            "id": item_id,
            "product_id": item_id,
            "sku_id": item_id,
            "name": f"item {item_id}",
            "specs": {},
            "price_fen": price,
            "qty": 1,
            "line_total_fen": price,
            "discount_share_fen": 0,
            "refunded": item_id == refunded_item,
            "reviewed": False,
        }
        for item_id, price in lines
    ]
    subtotal = sum(price for _, price in lines)
    return Order.model_validate(
        {
            "id": 7,
            "order_no": "KS0007",
            "status": "completed" if shipped else "awaiting_shipment",
            "after_sale_status": "none",
            "items": items,
            "subtotal_fen": subtotal,
            "shipping_fen": shipping_fen,
            "discount_fen": 0,
            "total_fen": subtotal + shipping_fen,
            "refunded_fen": refunded_fen,
            "payment_method": "balance",
            "address": ADDRESS,
            "remark": "",
            "created_at": "2026-11-01T08:00:00Z",
            "shipped_at": "2026-11-02T08:00:00Z" if shipped else None,
            "timeline": [],
            "actions": [],
        }
    )


def eligibility(types: list[str], item_types: dict[int, list[str]]) -> Eligibility:
    refundable = {11: 5000, 12: 3000}
    return Eligibility.model_validate(
        {
            "order_id": 7,
            "types": types,
            "max_refund_fen": 8000,
            "max_refund_by_type": {},
            "not_allowed": {"refund_only": "already shipped"},
            "items": [
                {
                    "item_id": item_id,
                    "product_id": item_id,
                    "name": f"item {item_id}",
                    "specs": {},
                    "qty": 1,
                    "price_fen": refundable[item_id],
                    "refundable_fen": refundable[item_id],
                    "types": kinds,
                    "eligible": bool(kinds),
                    "reason": None if kinds else "already refunded",
                }
                for item_id, kinds in item_types.items()
            ],
            "merchant_pays_return_shipping_reasons": ["quality_problem"],
        }
    )


REASONS = [
    AfterSaleReason(
        code="quality_problem",
        label="Quality problem",
        types=["refund_only", "return_refund"],
        merchant_pays_return_shipping=True,
    ),
    AfterSaleReason(
        code="changed_mind",
        label="Changed my mind",
        types=["refund_only", "return_refund"],
        merchant_pays_return_shipping=False,
    ),
    AfterSaleReason(
        code="not_received",
        label="Not received",
        types=["refund_only"],
        merchant_pays_return_shipping=False,
    ),
]


def after_sale(**changes: Any) -> AfterSale:
    data: dict[str, Any] = {
        "id": 3,
        "order_id": 7,
        "order_no": "KS0007",
        "type": "return_refund",
        "status": "rejected",
        "reason": "changed_mind",
        "reason_label": "Changed my mind",
        "description": "too big",
        "amount_fen": 4500,
        "refund_to": "red_packet",
        "items": [
            {
                "item_id": 11,
                "product_id": 11,
                "name": "item 11",
                "specs": {},
                "qty": 1,
                "price_fen": 5000,
                "refundable_fen": 5000,
            }
        ],
        "photo_ids": [41, 42],
        "merchant_pays_return_shipping": False,
        "created_at": "2026-11-03T08:00:00Z",
        "updated_at": "2026-11-03T08:00:00Z",
        "timeline": [],
        "actions": [],
    }
    data.update(changes)
    return AfterSale.model_validate(data)


def returnable_draft(**kwargs: Any) -> AfterSaleDraft:
    """A delivered order: only return and refund, both lines allowed."""
    both = {11: ["return_refund"], 12: ["return_refund"]}
    return AfterSaleDraft(order(), eligibility(["return_refund"], both), REASONS, **kwargs)


# --- the type and the items ------------------------------------------------------------


def test_only_the_types_the_server_allows_can_be_chosen() -> None:
    draft = returnable_draft()
    assert draft.allowed_kinds() == ["return_refund"]
    assert draft.preselected_kind() == "return_refund"
    assert draft.why_not("refund_only") == "already shipped"


def test_a_resubmitted_request_may_keep_its_type_though_it_blocks_its_own_order() -> None:
    blocked = eligibility([], {11: [], 12: []})
    draft = AfterSaleDraft(order(), blocked, REASONS, resubmit=after_sale())
    assert draft.allowed_kinds() == ["return_refund"]
    assert draft.preselected_kind() == "return_refund"
    draft.choose_kind("return_refund")
    # Its own item stays choosable; the other line is blocked with the server's reason.
    assert [item.item_id for item in draft.choosable_items()] == [11]
    assert draft.item_ids == [11]
    assert [(item.item_id, item.reason) for item in draft.blocked_items()] == [
        (12, "already refunded")
    ]


def test_choosing_a_type_ticks_every_item_it_allows() -> None:
    mixed = eligibility(["refund_only", "return_refund"], {11: ["refund_only"], 12: []})
    draft = AfterSaleDraft(order(), mixed, REASONS)
    assert draft.choose_kind("refund_only")
    assert draft.item_ids == [11]
    assert [item.item_id for item in draft.blocked_items()] == [12]


def test_the_items_asked_for_are_the_ones_ticked() -> None:
    draft = returnable_draft(wanted_item_ids=[12])
    draft.choose_kind("return_refund")
    assert draft.item_ids == [12]


def test_coming_back_to_the_same_type_keeps_the_items_the_user_ticked() -> None:
    mixed = eligibility(["refund_only", "return_refund"], {11: ["refund_only", "return_refund"]})
    draft = AfterSaleDraft(order(), mixed, REASONS)
    draft.choose_kind("return_refund")
    draft.item_ids = []
    assert not draft.choose_kind("return_refund")
    assert draft.item_ids == []
    assert draft.choose_kind("refund_only")  # another type starts again
    assert draft.item_ids == [11]


# --- the amount ------------------------------------------------------------------------


def test_the_most_to_refund_is_what_the_chosen_items_cost() -> None:
    draft = returnable_draft()
    draft.choose_kind("return_refund")
    draft.item_ids = [12]
    assert draft.max_refund_fen() == 3000
    draft.item_ids = [11, 12]
    assert draft.max_refund_fen() == 8000  # shipped: the shipping fee stays paid


def test_before_shipment_the_whole_order_comes_back_shipping_included() -> None:
    unshipped = order(shipped=False)
    both = {11: ["refund_only"], 12: ["refund_only"]}
    draft = AfterSaleDraft(unshipped, eligibility(["refund_only"], both), REASONS)
    draft.choose_kind("refund_only")
    assert draft.max_refund_fen() == unshipped.total_fen == 9000
    draft.item_ids = [11]  # not all that is left: no shipping
    assert draft.max_refund_fen() == 5000


def test_shipping_comes_back_with_the_last_unrefunded_item() -> None:
    unshipped = order(shipped=False, refunded_item=11, refunded_fen=5000)
    draft = AfterSaleDraft(unshipped, eligibility(["refund_only"], {12: ["refund_only"]}), REASONS)
    draft.choose_kind("refund_only")
    assert draft.item_ids == [12]
    assert draft.max_refund_fen() == 3000 + 1000


def test_never_more_than_the_order_still_holds() -> None:
    partly_refunded = order(refunded_fen=6000)
    both = {11: ["return_refund"], 12: ["return_refund"]}
    draft = AfterSaleDraft(partly_refunded, eligibility(["return_refund"], both), REASONS)
    draft.choose_kind("return_refund")
    assert draft.max_refund_fen() == 9000 - 6000


@pytest.mark.parametrize(
    ("typed", "problem", "fen"),
    [
        ("", "required", 0),
        ("  ", "required", 0),
        ("12.345", "invalid", 0),
        ("abc", "invalid", 0),
        ("0.00", "too_small", 0),
        ("80.01", "too_big", 8001),
        ("80", None, 8000),
        ("¥0.01", None, 1),
    ],
)
def test_the_amount_typed_is_checked_against_the_limit(
    typed: str, problem: str | None, fen: int
) -> None:
    draft = returnable_draft()
    draft.choose_kind("return_refund")
    draft.amount_text = typed
    assert draft.amount_problem() == problem
    assert draft.amount_fen == fen


def test_the_maximum_is_filled_in_and_follows_the_items_until_the_user_types() -> None:
    draft = returnable_draft()
    draft.choose_kind("return_refund")
    assert draft.prefill_amount()
    assert draft.amount_text == "80.00"
    draft.item_ids = [11]
    assert draft.prefill_amount()  # still the filled-in maximum: it follows
    assert draft.amount_text == "50.00"
    draft.amount_text = "12.5"
    draft.item_ids = [11, 12]
    assert not draft.prefill_amount()  # the user's own amount stays
    assert draft.amount_text == "12.5"


# --- reason, shipping, a resubmit, the request ------------------------------------------


def test_who_pays_the_return_shipping_depends_on_type_and_reason() -> None:
    draft = returnable_draft()
    assert [r.code for r in draft.reasons_for("return_refund")] == [
        "quality_problem",
        "changed_mind",
    ]
    draft.kind = "refund_only"
    assert draft.return_shipping() == "none"
    draft.kind = "return_refund"
    assert draft.return_shipping() == "depends"
    draft.reason_code = "quality_problem"
    assert draft.return_shipping() == "merchant"
    draft.reason_code = "changed_mind"
    assert draft.return_shipping() == "buyer"


def test_a_rejected_request_starts_the_draft_from_its_choices() -> None:
    draft = returnable_draft(resubmit=after_sale())
    assert (draft.kind, draft.reason_code) == ("return_refund", "changed_mind")
    assert (draft.amount_text, draft.description, draft.refund_to) == (
        "45.00",
        "too big",
        "red_packet",
    )
    assert [photo.upload_id for photo in draft.photos] == [41, 42]
    draft.choose_kind("return_refund")
    assert draft.item_ids == [11]  # its items, not every one allowed
    assert not draft.prefill_amount()  # its amount is kept


def test_the_request_carries_the_draft() -> None:
    draft = returnable_draft(resubmit=after_sale())
    draft.choose_kind("return_refund")
    draft.description = "  too big, see photos \n"
    assert draft.request() == AfterSaleRequest(
        type="return_refund",
        item_ids=[11],
        reason="changed_mind",
        amount_fen=4500,
        description="too big, see photos",
        refund_to="red_packet",
        photo_ids=[41, 42],
    )


# --- the submit: one intent --------------------------------------------------------------


class FakeShop:
    """The client's after-sale calls: records each and answers as told."""

    def __init__(self, *answers: Exception | None) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def _answer(self, name: str, kwargs: dict[str, Any]) -> AfterSale:
        self.calls.append((name, kwargs))
        answer = self.answers.pop(0)
        if answer is not None:
            raise answer
        return after_sale(status="requested")

    def client(self) -> KshopClient:
        return cast("KshopClient", self)

    async def create_after_sale(self, **kwargs: Any) -> AfterSale:
        return await self._answer("create", kwargs)

    async def modify_after_sale(self, after_sale_id: int, **kwargs: Any) -> AfterSale:
        return await self._answer("modify", {"id": after_sale_id, **kwargs})


REQUEST = AfterSaleRequest(
    type="return_refund",
    item_ids=[11],
    reason="quality_problem",
    amount_fen=5000,
    description="",
    refund_to="original",
    photo_ids=[],
)


async def send(submit: AfterSaleSubmit, shop: FakeShop) -> None:
    with pytest.raises(errors.ApiError):
        await submit.send(shop.client(), REQUEST)


async def test_a_retry_after_a_lost_answer_carries_the_same_key() -> None:
    shop = FakeShop(errors.BackendUnreachable("ReadTimeout"), None, None)
    submit = AfterSaleSubmit(order_id=7)
    await send(submit, shop)
    assert submit.intent.pending
    await submit.send(shop.client(), REQUEST)
    first, retry = (kwargs["idempotency_key"] for _, kwargs in shop.calls)
    assert first == retry == submit.last_key
    assert not submit.intent.pending
    await submit.send(shop.client(), REQUEST)
    assert shop.calls[2][1]["idempotency_key"] != first  # answered: a new intent


async def test_a_refusal_ends_the_intent() -> None:
    refusal = errors.ValidationFailed("bad amount", details={"fields": {"amount_fen": "too"}})
    shop = FakeShop(refusal, None)
    submit = AfterSaleSubmit(order_id=7)
    await send(submit, shop)
    assert not submit.intent.pending
    await submit.send(shop.client(), REQUEST)
    keys = [kwargs["idempotency_key"] for _, kwargs in shop.calls]
    assert keys[0] != keys[1]


async def test_a_resubmit_modifies_the_rejected_request() -> None:
    shop = FakeShop(None)
    await AfterSaleSubmit(order_id=7, resubmit=after_sale()).send(shop.client(), REQUEST)
    [(name, kwargs)] = shop.calls
    assert name == "modify" and kwargs["id"] == 3 and kwargs["reason"] == "quality_problem"
    assert "idempotency_key" not in kwargs


async def test_a_new_request_is_made_for_the_order() -> None:
    shop = FakeShop(None)
    await AfterSaleSubmit(order_id=7).send(shop.client(), REQUEST)
    [(name, kwargs)] = shop.calls
    assert name == "create" and kwargs["order_id"] == 7 and kwargs["item_ids"] == [11]


# --- one after-sale: what it offers ---------------------------------------------------


def test_the_moves_follow_the_servers_actions() -> None:
    approved = Moves.of(after_sale(status="awaiting_return", actions=["ship_return", "cancel"]))
    assert "ship" in approved and "cancel" in approved and "pickup" not in approved
    assert approved.sending_back and not approved.after_rejection
    rejected = Moves.of(after_sale(actions=["modify", "appeal", "something_new"]))
    assert rejected.offered == {"modify", "appeal"}
    assert rejected.after_rejection and not rejected.sending_back
    shipped_back = Moves.of(after_sale(status="return_shipped", actions=["track_return"]))
    assert shipped_back.offered == {"track"} and not shipped_back.sending_back
    assert not Moves.of(after_sale(status="refunded")).offered


def test_status_tones_and_who_moves_next() -> None:
    assert [status_tone(s) for s in ("rejected", "cancelled", "refunded", "requested")] == [
        "problem",
        "problem",
        "refunded",
        "open",
    ]
    assert others_to_move(after_sale(status="requested"))
    assert others_to_move(after_sale(status="appealed"))
    assert not others_to_move(after_sale(status="awaiting_return"))  # the user's move
    assert not others_to_move(after_sale(status="refunded"))


def frozen_at(iso: str) -> ServerClock:
    """The clock of a backend frozen at `iso`, as its answers report it."""
    clock = ServerClock(wall=lambda: 0.0)
    epoch = datetime.fromisoformat(iso).timestamp()
    clock.observe({"x-server-time": str(epoch), "x-server-clock": "frozen"})
    return clock


def test_the_merchants_deadline_counts_on_the_backends_clock() -> None:
    waiting = after_sale(status="requested", deadline_at="2026-11-04T08:00:00Z")
    assert deadline_left(waiting, frozen_at("2026-11-03T12:00:00+00:00")) == 20 * 3600
    assert deadline_left(waiting, frozen_at("2026-11-04T09:00:00+00:00")) == -3600
    no_deadline = after_sale(deadline_at=None)
    assert deadline_left(no_deadline, frozen_at("2026-11-03T12:00:00+00:00")) is None


@pytest.mark.parametrize(
    ("carrier", "typed", "problem"),
    [
        ("SF", "", "required"),
        ("SF", " sf1234567890123 ", None),
        ("SF", "SF123", "bad_shape"),
        ("ZTO", "75123456789012", None),
        ("ZTO", "SF1234567890123", "bad_shape"),
        ("EMS", "ea123456789cn", None),
        ("XYZ", "ANYTHING1", None),  # a carrier without a known shape: the server decides
    ],
)
def test_return_tracking_numbers_are_checked_by_their_carriers_shape(
    carrier: str, typed: str, problem: str | None
) -> None:
    assert tracking_problem(carrier, tracking_number(typed)) == problem


def test_an_appeal_needs_a_reason_of_five_characters() -> None:
    assert appeal_problem("") == "required"
    assert appeal_problem("no") == "too_short"
    assert appeal_problem("不是我拆的") is None
