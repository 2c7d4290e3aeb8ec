"""After-sales (售后): the wizard's draft and its one submit, and what an after-sale offers
the user in each status (docs/api.md §3, §7.2–7.3).

The draft holds what the user has chosen: the type (a refund, a return or an exchange),
the items, for an exchange the spec wanted instead of each, the reason, the amount as
typed, a description and photos; it answers what the chosen items may refund, which
reasons apply (a quality problem is heard where an ordinary reason is not, and needs a
photo) and what is still missing. Its submit is one user intent: one Idempotency-Key,
kept while no answer came and dropped on a definite one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kshop_tui.api.intent import Intent
from kshop_tui.i18n import t
from kshop_tui.text import parse_time, parse_yuan

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.clock import ServerClock
    from kshop_tui.api.models import (
        AfterSale,
        AfterSaleReason,
        AfterSaleType,
        Eligibility,
        EligibleItem,
        Order,
        RefundTo,
    )

TYPES: tuple[AfterSaleType, ...] = ("refund_only", "return_refund", "exchange")
# The types that send the goods back to the merchant.
GOODS_BACK = frozenset({"return_refund", "exchange"})
MAX_PHOTOS = 9
MAX_DESCRIPTION = 500

AmountProblem = Literal["required", "invalid", "too_small", "too_big"]
# What keeps the chosen specs of an exchange from being sent: an item without one, or one
# sold out meanwhile.
SpecProblem = Literal["choose", "sold_out"]
# What is wrong with the reason for the chosen items: an item only a quality problem
# covers (perishable, customised, past the no-reason window) with an ordinary reason.
ReasonProblem = Literal["required", "needs_quality"]
PhotoProblem = Literal["required"]
# Who pays to send the goods back: nobody (nothing goes back), not known before a reason
# is chosen, the merchant or the buyer.
ReturnShipping = Literal["none", "depends", "merchant", "buyer"]


def yuan_text(fen: int) -> str:
    """An amount as the amount field shows it: `12.50`."""
    return f"{fen // 100}.{fen % 100:02d}"


@dataclass(frozen=True)
class AttachedPhoto:
    upload_id: int
    label: str


@dataclass(frozen=True)
class ChoosableItem:
    """An order line the chosen type allows, with what it can refund at most."""

    item_id: int
    name: str
    specs: str
    qty: int
    refundable_fen: int


@dataclass(frozen=True)
class SpecChoice:
    """A spec an item may be exchanged for; one sold out is shown, not chosen."""

    sku_id: int
    specs: str
    stock: int
    current: bool
    """The spec the item was bought in (an exchange for a sound one of the same)."""

    @property
    def sold_out(self) -> bool:
        return self.stock <= 0


@dataclass(frozen=True)
class AfterSaleRequest:
    """What the wizard asks for; the same body on every retry of one intent. An exchange
    carries `exchange_items` (item id → SKU) and no amount."""

    type: AfterSaleType
    item_ids: list[int]
    reason: str
    amount_fen: int | None
    description: str
    refund_to: RefundTo
    photo_ids: list[int]
    exchange_items: dict[int, int] | None = None


class AfterSaleDraft:
    """The wizard's choices for one order, by the server's eligibility and reasons. Opened
    with a rejected after-sale (`resubmit`), it starts from that one's choices."""

    def __init__(
        self,
        order: Order,
        eligibility: Eligibility,
        reasons: list[AfterSaleReason],
        *,
        resubmit: AfterSale | None = None,
        wanted_item_ids: Iterable[int] | None = None,
    ) -> None:
        self.order = order
        self.eligibility = eligibility
        self.reasons = reasons
        self.resubmit = resubmit
        self.wanted_item_ids = set(wanted_item_ids or ())
        self.kind: str | None = resubmit.type if resubmit else None
        self.reason_code: str | None = resubmit.reason if resubmit else None
        self.item_ids: list[int] = []
        self.amount_text = yuan_text(resubmit.amount_fen) if resubmit else ""
        self.description = resubmit.description if resubmit else ""
        self.refund_to: RefundTo = (
            "red_packet" if resubmit and resubmit.refund_to == "red_packet" else "original"
        )
        self.photos: list[AttachedPhoto] = [
            AttachedPhoto(photo_id, t("as.photo_attached", id=photo_id))
            for photo_id in (resubmit.photo_ids if resubmit else [])
        ]
        # An exchange: the SKU wanted instead of each item.
        self.exchange_choices: dict[int, int] = {
            wanted.item_id: wanted.sku_id
            for wanted in (resubmit.exchange_items if resubmit else [])
        }
        self._items_kind: str | None = None
        # The maximum as last filled in: an amount still equal to it follows the items.
        self._prefilled_amount = ""

    # --- the type --------------------------------------------------------------------

    def allowed_kinds(self) -> list[str]:
        allowed = list(self.eligibility.types)
        # The request being modified blocks its own order ("in progress"), not itself.
        if self.resubmit is not None and self.resubmit.type not in allowed:
            allowed.append(self.resubmit.type)
        return allowed

    def why_not(self, kind: str) -> str:
        """The server's reason why `kind` cannot be asked for ("" when it gave none)."""
        return self.eligibility.not_allowed.get(kind, "")

    def quality_only(self, kind: str) -> str:
        """Why only a quality problem (or 未收到货) may ask for `kind` on this order ("" when
        any reason may)."""
        return self.eligibility.quality_only.get(kind, "")

    def preselected_kind(self) -> str | None:
        """The type to highlight first: the chosen one, else the first any reason allows
        (a refund only after delivery is for missing items or a quality problem), else the
        first allowed."""
        allowed = [k for k in TYPES if k in self.allowed_kinds() and self.kind in (None, k)]
        return next(
            (k for k in allowed if not self.quality_only(k)), allowed[0] if allowed else None
        )

    def choose_kind(self, kind: str) -> bool:
        """Chooses the type; True when the items start again from those first ticked
        (the type changed since the items were last offered)."""
        self.kind = kind
        if self._items_kind == kind:
            return False
        self._items_kind = kind
        self.item_ids = [i.item_id for i in self.choosable_items() if i.item_id in self._first()]
        return True

    # --- the items -------------------------------------------------------------------

    def choosable_items(self) -> list[ChoosableItem]:
        own = {item.item_id for item in self.resubmit.items} if self.resubmit else set()
        return [
            ChoosableItem(
                item_id=item.item_id,
                name=item.name,
                specs="/".join(item.specs.values()),
                qty=item.qty,
                refundable_fen=item.refundable_fen,
            )
            for item in self.eligibility.items
            if self.kind in item.types or item.item_id in own
        ]

    def quality_only_item(self, item_id: int) -> bool:
        """Whether only a quality problem covers this item for the chosen type."""
        return any(
            item.item_id == item_id and self.kind in item.quality_only_types
            for item in self.eligibility.items
        )

    # --- an exchange's specs --------------------------------------------------------

    def spec_choices(self, item_id: int) -> list[SpecChoice]:
        """The specs the item may be exchanged for (same product, same price), sold-out
        ones included so they can be shown struck through."""
        item = next((i for i in self.eligibility.items if i.item_id == item_id), None)
        if item is None:
            return []
        return [
            SpecChoice(
                sku_id=sku.sku_id,
                specs="/".join(sku.specs.values()),
                stock=sku.stock,
                current=sku.specs == item.specs,
            )
            for sku in item.exchange_skus
        ]

    def choose_spec(self, item_id: int, sku_id: int) -> bool:
        """Chooses the spec wanted instead of the item; False (nothing chosen) for one
        sold out or not offered."""
        choice = next((c for c in self.spec_choices(item_id) if c.sku_id == sku_id), None)
        if choice is None or choice.sold_out:
            return False
        self.exchange_choices[item_id] = sku_id
        return True

    def chosen_spec(self, item_id: int) -> SpecChoice | None:
        sku_id = self.exchange_choices.get(item_id)
        return next((c for c in self.spec_choices(item_id) if c.sku_id == sku_id), None)

    def spec_problem(self) -> tuple[int, SpecProblem] | None:
        """The first chosen item of an exchange whose spec is missing or sold out."""
        if self.kind != "exchange":
            return None
        for item_id in self.item_ids:
            choice = self.chosen_spec(item_id)
            if choice is None:
                return item_id, "choose"
            if choice.sold_out:
                return item_id, "sold_out"
        return None

    def blocked_items(self) -> list[EligibleItem]:
        """The order lines the chosen type does not allow (each with the server's reason)."""
        choosable = {item.item_id for item in self.choosable_items()}
        return [item for item in self.eligibility.items if item.item_id not in choosable]

    def _first(self) -> set[int]:
        """Ticked when the items are offered: the resubmitted request's, those asked for,
        else all."""
        if self.resubmit is not None:
            return {item.item_id for item in self.resubmit.items}
        if self.wanted_item_ids:
            return self.wanted_item_ids
        return {item.item_id for item in self.choosable_items()}

    def chosen_items(self) -> list[ChoosableItem]:
        chosen = set(self.item_ids)
        return [item for item in self.choosable_items() if item.item_id in chosen]

    # --- the amount ------------------------------------------------------------------

    def max_refund_fen(self) -> int:
        """What the chosen items can refund at most, by the server's rule: what was paid
        for them, plus the shipping fee while the order has not shipped and they are all
        that is left to refund; never more than the order still holds."""
        chosen = set(self.item_ids)
        refundable = {item.item_id: item.refundable_fen for item in self.choosable_items()}
        total = sum(refundable.get(item_id, 0) for item_id in chosen)
        unrefunded = {item.id for item in self.order.items if not item.refunded}
        if self.order.shipped_at is None and unrefunded <= chosen:
            total += self.order.shipping_fen
        return max(0, min(total, self.order.total_fen - self.order.refunded_fen))

    def prefill_amount(self) -> bool:
        """Fills the maximum in, unless the user typed an amount of their own; True when
        it did."""
        if self.amount_text not in ("", self._prefilled_amount):
            return False
        self._prefilled_amount = yuan_text(self.max_refund_fen())
        self.amount_text = self._prefilled_amount
        return True

    @property
    def amount_fen(self) -> int:
        """The amount typed, in fen (0 while it is not an amount)."""
        return parse_yuan(self.amount_text) or 0

    @property
    def asks_money(self) -> bool:
        """A refund or a return asks for an amount; an exchange moves no money."""
        return self.kind != "exchange"

    def amount_problem(self) -> AmountProblem | None:
        if not self.asks_money:
            return None
        if not self.amount_text.strip():
            return "required"
        fen = parse_yuan(self.amount_text)
        if fen is None:
            return "invalid"
        if fen < 1:
            return "too_small"
        if fen > self.max_refund_fen():
            return "too_big"
        return None

    # --- the reason, shipping and photos ----------------------------------------------

    def reasons_for(self, kind: str) -> list[AfterSaleReason]:
        """The reasons a request of `kind` may give on this order now, by the server
        (after delivery a refund only is for 少件, 未收到货 or a quality problem)."""
        codes = self.eligibility.reasons_by_type.get(kind)
        if codes is None:  # not allowed now (a rejected one being modified): its type's
            return [reason for reason in self.reasons if kind in reason.types]
        return [reason for reason in self.reasons if reason.code in codes]

    def reason(self) -> AfterSaleReason | None:
        return next((r for r in self.reasons if r.code == self.reason_code), None)

    def reason_problem(self) -> ReasonProblem | None:
        reason = self.reason()
        if reason is None:
            return "required"
        # Where the whole type is for quality reasons only, the server's list of reasons
        # says which; otherwise an item only a quality problem covers needs one.
        if (
            not reason.quality
            and not self.quality_only(self.kind or "")
            and any(self.quality_only_item(i) for i in self.item_ids)
        ):
            return "needs_quality"
        return None

    @property
    def photo_required(self) -> bool:
        """The chosen reason is a quality problem: the request needs a photo."""
        reason = self.reason()
        return reason is not None and reason.photo_required

    def photo_problem(self) -> PhotoProblem | None:
        return "required" if self.photo_required and not self.photos else None

    def return_shipping(self) -> ReturnShipping:
        if self.kind not in GOODS_BACK:
            return "none"
        reason = self.reason()
        if reason is None:
            return "depends"
        return "merchant" if reason.merchant_pays_return_shipping else "buyer"

    @property
    def photos_full(self) -> bool:
        return len(self.photos) >= MAX_PHOTOS

    # --- the request -----------------------------------------------------------------

    def request(self) -> AfterSaleRequest:
        """The request of a complete draft (a type and a reason chosen)."""
        assert self.kind is not None and self.reason_code is not None
        kind = next(k for k in TYPES if k == self.kind)
        exchange = kind == "exchange"
        return AfterSaleRequest(
            type=kind,
            item_ids=list(self.item_ids),
            reason=self.reason_code,
            amount_fen=None if exchange else self.amount_fen,
            description=self.description.strip(),
            refund_to=self.refund_to,
            photo_ids=[photo.upload_id for photo in self.photos],
            exchange_items={i: self.exchange_choices[i] for i in self.item_ids}
            if exchange
            else None,
        )


class AfterSaleSubmit:
    """The wizard's submit: a new after-sale for the order, or the rejected one modified.
    Every retry of one intent carries its key."""

    def __init__(self, order_id: int, resubmit: AfterSale | None = None) -> None:
        self.order_id = order_id
        self.resubmit = resubmit
        self.intent = Intent()
        self.last_key: str | None = None
        """The Idempotency-Key the last send carried."""

    async def send(self, api: KshopClient, request: AfterSaleRequest) -> AfterSale:
        return await self.intent.send(lambda key: self._send(api, request, key))

    async def _send(self, api: KshopClient, request: AfterSaleRequest, key: str) -> AfterSale:
        self.last_key = key
        if self.resubmit is not None:
            return await api.modify_after_sale(
                self.resubmit.id,
                type=request.type,
                item_ids=request.item_ids,
                reason=request.reason,
                amount_fen=request.amount_fen,
                exchange_items=request.exchange_items,
                description=request.description,
                refund_to=request.refund_to,
                photo_ids=request.photo_ids,
            )
        return await api.create_after_sale(
            order_id=self.order_id,
            type=request.type,
            item_ids=request.item_ids,
            reason=request.reason,
            amount_fen=request.amount_fen,
            exchange_items=request.exchange_items,
            idempotency_key=key,
            description=request.description,
            refund_to=request.refund_to,
            photo_ids=request.photo_ids,
        )


# --- one after-sale: where it stands and the user's next move ------------------------

# The merchant, a courier or the platform has the next move (while reshipped the buyer
# may confirm, but the replacement's parcel is on the move).
WAITING_STATES = frozenset(
    {"requested", "approved", "return_shipped", "received", "appealed", "reshipped"}
)
# Ended well: the money is back, or the replacement arrived.
DONE_STATES = frozenset({"refunded", "completed"})
PROBLEM_STATES = frozenset({"rejected", "closed", "cancelled"})
APPEAL_MIN, APPEAL_MAX = 5, 500
# The shapes the server accepts (fake_backend.services.logistics.CARRIERS).
TRACKING_SHAPES = {
    "SF": re.compile(r"SF\d{13}", re.ASCII),
    "ZTO": re.compile(r"75\d{12}", re.ASCII),
    "YTO": re.compile(r"YT\d{13}", re.ASCII),
    "JD": re.compile(r"JDVA\d{11}", re.ASCII),
    "EMS": re.compile(r"[A-Z]{2}\d{9}CN", re.ASCII),
    "YD": re.compile(r"43\d{11}", re.ASCII),
}

StatusTone = Literal["problem", "refunded", "open"]
# The platform's answer to an appeal as the user is told it: still deciding; for the
# buyer, with the goods still to send back, or refunded; the merchant's answer upheld.
AppealOutcome = Literal["deciding", "send_back", "refunded", "upheld"]
TrackingProblem = Literal["required", "bad_shape"]
AppealProblem = Literal["required", "too_short"]


Move = Literal[
    "ship", "pickup", "cancel", "modify", "appeal", "track", "confirm", "track_replacement"
]
# The server's action names (docs/api.md §3, §7.2) → the user's moves.
SERVER_ACTIONS: dict[str, Move] = {
    "ship_return": "ship",
    "book_pickup": "pickup",
    "cancel": "cancel",
    "modify": "modify",
    "appeal": "appeal",
    "track_return": "track",
    "confirm_replacement": "confirm",
    "track_replacement": "track_replacement",
}


@dataclass(frozen=True)
class Moves:
    """What the user may do with an after-sale now, by the server's `actions`."""

    offered: frozenset[Move]

    @classmethod
    def of(cls, after_sale: AfterSale) -> Moves:
        return cls(frozenset(SERVER_ACTIONS[a] for a in after_sale.actions if a in SERVER_ACTIONS))

    def __contains__(self, move: Move) -> bool:
        return move in self.offered

    @property
    def sending_back(self) -> bool:
        """The goods go back now: by a parcel the user sends, or a courier's pickup."""
        return bool({"ship", "pickup"} & self.offered)

    @property
    def after_rejection(self) -> bool:
        """Rejected: the user may appeal, or change the request and send it again."""
        return bool({"appeal", "modify"} & self.offered)


def move_refusal(move: Move, after_sale: AfterSale) -> str:
    """Why `move` does not apply to the after-sale now, in words for a notice (the
    server's actions already said no)."""
    status, kind = after_sale.status, after_sale.type
    if move == "confirm":
        if kind != "exchange":
            return t("as.why_not.confirm.not_exchange")
        if status == "completed":
            return t("as.why_not.confirm.done")
        return t("as.why_not.confirm.not_shipped")
    if move in ("track", "track_replacement"):
        return t("as.why_not.no_parcel")
    if move in ("ship", "pickup"):
        if kind == "refund_only":
            return t("as.why_not.ship.refund_only")
        if status in ("requested", "rejected", "appealed"):
            return t("as.why_not.ship.not_approved")
        return t("as.why_not.ship.other")
    if move == "cancel":
        return t("as.why_not.cancel")
    return t("as.why_not.not_rejected")


def status_tone(status: str) -> StatusTone:
    if status in PROBLEM_STATES:
        return "problem"
    return "refunded" if status in DONE_STATES else "open"


def appeal_outcome(after_sale: AfterSale) -> AppealOutcome | None:
    """What came of the user's appeal, or None when there was none."""
    if after_sale.status == "appealed":
        return "deciding"
    if after_sale.appeal_outcome == "upheld":
        return "upheld"
    if after_sale.appeal_outcome == "approved":
        return "refunded" if after_sale.type == "refund_only" else "send_back"
    return None


def others_to_move(after_sale: AfterSale) -> bool:
    """Whether someone else has the next move (so the screen keeps asking)."""
    return after_sale.status in WAITING_STATES


def deadline_left(after_sale: AfterSale, clock: ServerClock) -> float | None:
    """Seconds left of the merchant's deadline on the backend's clock (≤ 0 once it has
    passed), or None while there is no deadline."""
    if after_sale.deadline_at is None:
        return None
    return clock.seconds_until(parse_time(after_sale.deadline_at).timestamp())


def tracking_number(typed: str) -> str:
    """A tracking number as typed, the way the carriers print it."""
    return typed.strip().upper()


def tracking_problem(carrier: str, number: str) -> TrackingProblem | None:
    """What is wrong with a return tracking number of `carrier`, or None."""
    if not number:
        return "required"
    shape = TRACKING_SHAPES.get(carrier)
    if shape is not None and shape.fullmatch(number) is None:
        return "bad_shape"
    return None


def appeal_problem(reason: str) -> AppealProblem | None:
    """What is wrong with the reason of an appeal (stripped), or None."""
    if not reason:
        return "required"
    return "too_short" if len(reason) < APPEAL_MIN else None
