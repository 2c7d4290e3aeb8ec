"""Orders: which actions an order offers, cancelling one with a reason, buying its items
again, the draft of an unpaid order's new items, and which tracking numbers are worth
asking about. No Textual: the screens supply the pickers."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kshop_tui import validation
from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t, tn
from kshop_tui.shop.cart_outbox import CartChange
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import clean, mask_phone, money

if TYPE_CHECKING:
    from kshop_tui.api.models import (
        Address,
        CancelReason,
        CartItem,
        Order,
        OrderAddress,
        OrderSummary,
    )
    from kshop_tui.shop.session import ShopSession

# --- which actions an order offers -------------------------------------------------------

# The order screen's action → the server's action name that allows it (docs/api.md §3).
SERVER_ACTIONS = {
    "pay": "pay",
    "change_address": "change_address",
    "change_items": "change_items",
    "cancel_order": "cancel",
    "confirm_receipt": "confirm_receipt",
    "track": "track",
    "review": "review",
    "after_sale": "after_sale",
    "buy_again": "buy_again",
    "buy_again_elsewhere": "buy_again",
    "view_codes": "view_codes",
    "reschedule": "reschedule",
}
# Actions that need the order loaded, whatever the server lists.
NEEDS_AN_ORDER = frozenset({"contact_support", "export_receipt"})


def order_allows(action: str, order: Order | None) -> bool:
    """Whether the order screen's `action` works now (`order` is None while loading):
    the server's actions decide, the screen's other keys always work."""
    if action in NEEDS_AN_ORDER:
        return order is not None
    needed = SERVER_ACTIONS.get(action)
    if needed is None:
        return True
    if order is None or needed not in order.actions:
        return False
    # Only goods that travel have an address to change.
    return action != "buy_again_elsewhere" or order.kind == "physical"


def offered_actions(order: Order | None) -> list[str]:
    """The server's action names the order screen offers now."""
    offered = (needed for action, needed in SERVER_ACTIONS.items() if order_allows(action, order))
    return list(dict.fromkeys(offered))  # two keys may use one (buy again, and elsewhere)


def refusal_words(action: str, order: Order | OrderSummary) -> str | None:
    """Why the order's `action` (a screen's action, as in SERVER_ACTIONS) does not apply to
    it now, in words for a notice; None for an action this does not cover. Called for a
    refused action only: the server's list (or the row's status) already said no, this
    says why as well as the order shows."""
    status, after_sale = order.status, order.after_sale_status
    items = getattr(order, "items", None)  # a list row has no items
    if action == "buy_again_elsewhere" and order.kind != "physical":
        return t("orders.why_not.buy_again_elsewhere")
    if status in ("cancelled", "closed") and action not in ("buy_again", "buy_again_elsewhere"):
        return t(f"orders.why_not.{status}")
    kind_words = _kind_refusal(action, order)
    if kind_words is not None:
        return kind_words
    unshipped = status in ("pending_payment", "awaiting_shipment")
    if action == "pay":
        return t("orders.why_not.pay.paid")
    if action in ("change_address", "change_items"):
        key = "change.too_many" if status == "pending_payment" else "change.paid"
        return t(f"orders.why_not.{key}")
    if action == "cancel_order":
        if after_sale == "in_progress":
            return t("orders.why_not.after_sale_open")
        return t(f"orders.why_not.cancel.{'completed' if status == 'completed' else 'shipped'}")
    if action == "confirm_receipt":
        return t("orders.why_not.not_shipped" if unshipped else "orders.why_not.confirm.done")
    if action == "track":
        return t("orders.why_not.not_shipped" if unshipped else "orders.why_not.no_tracking")
    if action == "review":
        if status != "completed":
            return t("orders.why_not.review.not_received")
        if items is not None and all(item.reviewed for item in items):
            return t("orders.why_not.review.done")
        return t("orders.why_not.review.closed")
    if action == "after_sale":
        if status == "pending_payment":
            return t("orders.why_not.after_sale.unpaid")
        if after_sale == "in_progress":
            return t("orders.why_not.after_sale_open")
        if items is not None and all(item.refunded for item in items):
            return t("orders.why_not.after_sale.refunded")
        return t("orders.why_not.after_sale.closed")
    if action in ("buy_again", "buy_again_elsewhere"):
        return t("orders.why_not.buy_again")
    return None


def _kind_refusal(action: str, order: Order | OrderSummary) -> str | None:
    """Why an action does not apply to an order of virtual goods or a service, or None
    when its kind says nothing about it (docs/api.md §7.1)."""
    kind = order.kind
    unpaid = order.status == "pending_payment"
    if kind == "virtual" and action == "change_address":
        return t("kinds.why_not.no_address")
    if kind == "service" and action == "change_address" and unpaid:
        return t("kinds.why_not.service_address")
    if kind != "physical" and action == "change_items" and unpaid:
        return t("kinds.why_not.items_fixed")
    if kind == "service" and action == "review" and order.status != "completed":
        return t("kinds.why_not.review_service")
    if kind == "service" and order.status == "completed" and action == "after_sale":
        return t("kinds.why_not.service_after_sale")
    if kind == "service" and order.status == "completed" and action == "cancel_order":
        return t("kinds.why_not.service_over")
    if kind == "virtual" and order.status == "completed" and action == "cancel_order":
        delivery = getattr(order, "delivery", None)
        if delivery is not None and delivery.codes_viewed:
            return t("kinds.why_not.codes_viewed")
        return t("kinds.why_not.virtual_cancel")
    if action == "view_codes":
        if kind != "virtual":
            return t("kinds.why_not.codes.not_virtual")
        return t("kinds.why_not.codes.unpaid")
    if action == "reschedule":
        if kind != "service":
            return t("kinds.why_not.not_service")
        appointment = getattr(order, "appointment", None)
        if appointment is not None and appointment.rescheduled:
            return t("kinds.why_not.moved_once")
        if order.status in ("pending_payment", "awaiting_service"):
            return t("kinds.why_not.too_late")
        return t("kinds.why_not.service_over")
    if kind == "service" and action == "cancel_order" and order.status == "awaiting_service":
        return t("kinds.why_not.too_late")
    if kind == "virtual" and action in ("track", "confirm_receipt"):
        return t("kinds.why_not.virtual_no_parcel")
    if kind == "service" and action in ("track", "confirm_receipt"):
        return t("kinds.why_not.service_no_parcel")
    if kind == "virtual" and action == "after_sale" and order.status == "completed":
        delivery = getattr(order, "delivery", None)
        if delivery is not None and delivery.codes_viewed:
            return t("kinds.why_not.codes_viewed")
    if kind == "service" and action == "after_sale" and order.status == "awaiting_service":
        return t("kinds.why_not.service_cancel_instead")
    return None


# An order list's row carries no actions: its status decides.
CANCELLABLE = ("pending_payment", "awaiting_shipment", "awaiting_service")
TRACKABLE = ("shipped", "completed")
AFTER_SALE_STATES = ("awaiting_shipment", "shipped", "completed")


def row_allows(action: str, row: OrderSummary | None) -> bool:
    """Whether the orders list's `action` works on the row under the cursor (None when
    the list is empty)."""
    if action == "pay":
        return row is not None and row.status == "pending_payment"
    if action == "cancel_order":
        return (
            row is not None and row.status in CANCELLABLE and row.after_sale_status != "in_progress"
        )
    if action == "track":
        return row is not None and row.status in TRACKABLE and row.tracking_no is not None
    if action == "after_sale":
        return row is not None and row.status in AFTER_SALE_STATES
    if action == "open":
        return row is not None
    return True


# --- cancelling ---------------------------------------------------------------------------

ChooseReason = Callable[["list[CancelReason]"], Awaitable["str | None"]]
"""Shows the reasons and answers the code of the one chosen, or None."""


async def cancel_with_reason(
    shop: ShopSession, order_id: int, choose_reason: ChooseReason
) -> Order | None:
    """Asks why, then cancels and says so; answers the cancelled order, or None (backed
    out, or refused: that was shown)."""
    reasons = await shop.attempt(lambda api: api.cancel_reasons(), needs_login=True)
    if reasons is None:
        return None
    code = await choose_reason(reasons)
    if code is None:
        return None
    order = await shop.attempt(lambda api: api.cancel_order(order_id, code), needs_login=True)
    if order is None:
        return None
    if order.refunded_fen:
        shop.host.tell(t("orders.cancelled_refunded", amount=money(order.refunded_fen)))
    else:
        shop.host.tell(t("orders.cancelled", order_no=order.order_no))
    return order


# --- buying again -------------------------------------------------------------------------


def buy_again_changes(order: Order) -> list[CartChange]:
    """The cart changes that put each of the order's lines into the cart again."""
    return [CartChange("add", sku_id=item.sku_id, qty=item.qty) for item in order.items]


def repeat_lines(order: Order) -> list[tuple[int, int]]:
    """The order's lines as a checkout's [(sku_id, qty)], one per SKU (a SKU on two lines
    is ordered once with both quantities)."""
    quantities: dict[int, int] = {}
    for item in order.items:
        quantities[item.sku_id] = quantities.get(item.sku_id, 0) + item.qty
    return list(quantities.items())


async def add_to_cart_again(shop: ShopSession, order: Order) -> None:
    """Puts the order's lines into the cart again. A refused line is said and skipped;
    backing out of the login stops."""
    added = 0
    for item, change in zip(order.items, buy_again_changes(order), strict=True):
        try:
            await shop.change_cart(change)
        except LoginCancelled:
            return
        except errors.ApiError as error:
            refused = t("orders.buy_again_refused", name=item.name, reason=error_words(error))
            shop.host.tell(refused, severity="warning")
            continue
        added += 1
    if added:
        shop.host.tell(tn("orders.buy_again_done", added))


# --- the address ---------------------------------------------------------------------------


def address_id_of(snapshot: OrderAddress, addresses: list[Address]) -> int | None:
    """Which address-book entry an order's address snapshot came from, if it is still there."""
    for address in addresses:
        same = (
            address.name == snapshot.name
            and address.phone == snapshot.phone
            and address.one_line() == snapshot.one_line()
        )
        if same:
            return address.id
    return None


# --- changing an unpaid order's items -----------------------------------------------------

MAX_PER_LINE = 99


@dataclass
class DraftLine:
    """A line of the order as the user is changing it. The price is the server's latest
    word on it: the order's, the cart's, then each quote's."""

    sku_id: int
    name: str
    specs: dict[str, str]
    price_fen: int
    qty: int


def held_stock(order: Order) -> dict[int, int]:
    """Pieces per SKU the order holds now: they are its to keep when it is changed."""
    held: dict[int, int] = {}
    for item in order.items:
        held[item.sku_id] = held.get(item.sku_id, 0) + item.qty
    return held


class ItemsDraft:
    """An unpaid order's lines while the user changes them: quantities within 1–99, never
    fewer than one line, and one more of a cart line when the stock allows it."""

    def __init__(self, order: Order) -> None:
        self.lines = [
            DraftLine(item.sku_id, item.name, dict(item.specs), item.price_fen, item.qty)
            for item in order.items
        ]
        self.held = held_stock(order)

    def wanted(self) -> list[tuple[int, int]]:
        """The lines as the server takes them: (sku_id, qty)."""
        return [(line.sku_id, line.qty) for line in self.lines]

    def change_qty(self, row: int, delta: int) -> bool:
        """Adds `delta` to a line's quantity within 1–99; True when it changed."""
        if not 0 <= row < len(self.lines):
            return False
        line = self.lines[row]
        new_qty = min(MAX_PER_LINE, max(1, line.qty + delta))
        if new_qty == line.qty:
            return False
        line.qty = new_qty
        return True

    def can_remove(self) -> bool:
        """An order keeps at least one line."""
        return len(self.lines) > 1

    def remove(self, row: int) -> DraftLine | None:
        """Takes a line out (unless it is the last one); answers it."""
        if not 0 <= row < len(self.lines) or not self.can_remove():
            return None
        return self.lines.pop(row)

    def refusal(self, item: CartItem) -> str | None:
        """Why one more of a cart line cannot go into the order, or None. The stock this
        order holds is its own, so it counts as available."""
        in_order = next((line.qty for line in self.lines if line.sku_id == item.sku_id), 0)
        available = item.stock + self.held.get(item.sku_id, 0)
        if in_order >= MAX_PER_LINE:
            return t("orders.add_from_cart.max_per_line", max=MAX_PER_LINE)
        if available <= 0:
            return t("orders.add_from_cart.sold_out")
        if in_order >= available:
            return tn("orders.add_from_cart.all_in_order", available)
        return None

    def add(self, item: CartItem) -> int:
        """One more of a cart line's SKU: a new line, or one more on the line it is
        already; answers that line's row."""
        index = next((i for i, line in enumerate(self.lines) if line.sku_id == item.sku_id), None)
        if index is None:
            self.lines.append(
                DraftLine(item.sku_id, item.name, dict(item.specs), item.price_fen, 1)
            )
            return len(self.lines) - 1
        line = self.lines[index]
        line.qty = min(MAX_PER_LINE, line.qty + 1)
        return index

    def reprice(self, prices: dict[int, int]) -> None:
        """Takes the quote's price (by SKU) for each line it priced."""
        for line in self.lines:
            line.price_fen = prices.get(line.sku_id, line.price_fen)


# --- tracking numbers -------------------------------------------------------------------

# The shapes the server accepts (docs/api.md: SF, ZTO, YTO, JD, EMS, Yunda), checked before asking.
TRACKING_NUMBER_SHAPES = (
    re.compile(r"SF\d{13}"),
    re.compile(r"75\d{12}"),
    re.compile(r"YT\d{13}"),
    re.compile(r"JDVA\d{11}"),
    re.compile(r"[A-Z]{2}\d{9}CN"),
    re.compile(r"43\d{11}"),
)
TRACKING_NUMBER_MAX = 20


def normalize_tracking_no(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def looks_like_tracking_no(number: str) -> bool:
    return any(shape.fullmatch(number) for shape in TRACKING_NUMBER_SHAPES)


# --- looking up a guest's order (docs/api.md §7.4) ------------------------------------

LOOKUP_FIELDS = ("order_no", "phone", "code")


def lookup_field_problem(name: str, value: str) -> str | None:
    """The i18n key of what is wrong with a lookup field (`LOOKUP_FIELDS`), or None."""
    if name == "order_no":
        return validation.check_order_no(value)
    if name == "phone":
        return validation.check_phone(value)
    return validation.check_code(value)


@dataclass(frozen=True)
class LookupRefusal:
    """Where a refused lookup is shown: words under fields (by LOOKUP_FIELDS name), and
    the line under the form."""

    fields: dict[str, str]
    general: str = ""


def lookup_refusal(error: errors.ApiError, order_no: str, phone: str) -> LookupRefusal:
    """The backend answers 404 alike for a number that does not exist and one placed with
    another phone (so nobody learns which numbers exist): both are said as one."""
    if isinstance(error, errors.NotFound):
        words = t("lookup.not_found", order_no=order_no, phone=mask_phone(phone))
        return LookupRefusal({"order_no": words})
    if isinstance(error, errors.ValidationFailed) and error.fields:
        attempts = error.details.get("attempts_left")
        fields: dict[str, str] = {}
        for name, message in error.fields.items():
            words = clean(message)
            if name == "code" and isinstance(attempts, int):
                words = tn("login.with_attempts", attempts, message=words)
            fields[name if name in LOOKUP_FIELDS else "order_no"] = words
        return LookupRefusal(fields)
    if isinstance(error, errors.RateLimited) and error.code == "LOCKED":
        return LookupRefusal({}, tn("login.locked", max(1, math.ceil(error.retry_after / 60))))
    if isinstance(error, errors.BackendUnreachable):
        return LookupRefusal({}, t("backend.unreachable"))
    return LookupRefusal({}, error_words(error))
