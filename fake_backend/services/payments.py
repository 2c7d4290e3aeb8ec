"""Payments (docs/api.md §3): `pending` → `succeeded` | `failed`. Balance, bank card and
pay-later settle at once; Alipay and WeChat Pay wait for the QR code to be scanned.
A failed payment never charges, and refunds send money back where it came from."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal, TypedDict

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error, invalid_state, not_found
from fake_backend.services import (
    account,
    guests,
    ledger,
    logistics,
    order_records,
    virtual_codes,
    wallet,
)
from fake_backend.services.rules import fmt_fen
from fake_backend.storage import orders as order_store
from fake_backend.storage import payments as store

QR_LIFETIME_SECONDS = 15 * 60
# The simulator "scans" a QR code only while someone looks at it: polled within this many
# seconds of backend clock. The TUI polls every 2 s and `kshop order place --wait` every
# POLL_SECONDS (2 s), so 6 s leaves room for two slow or lost polls, and a code whose
# screen was left stops being paid within a few seconds.
QR_WATCHED_SECONDS = 6.0
QR_METHODS = frozenset(store.QR_METHODS)
# Money leaving the user needs the payment password (docs/api.md §7.5: pay-later too).
PASSWORD_METHODS = frozenset({"balance", "bank_card", "bnpl"})
RefundTo = Literal["original", "red_packet"]
# Where a paid order goes, by its kind (docs/api.md §7.1).
PAID_STATUS = {
    "physical": "awaiting_shipment",
    "virtual": "completed",
    "service": "awaiting_service",
}
# The wallet account each payment method draws on.
ACCOUNTS: dict[str, ledger.Account] = {
    "alipay": "alipay",
    "wechat_pay": "wechat_pay",
    "bank_card": "bank_card",
    "balance": "balance",
    "bnpl": "bnpl",
}


@dataclass(frozen=True)
class GuestCard:
    """A card a guest pays with once (docs/api.md §7.4): only its bank and last 4 digits
    are kept, on a card row the guest cannot use again."""

    card_number: str
    holder_name: str


class PaymentView(TypedDict):
    """A payment as the API answers it (schemas/orders.py `Payment`)."""

    id: int
    order_id: int
    method: str
    amount_fen: int
    status: str
    qr_payload: str | None
    expires_at: str | None
    failure_reason: str | None
    created_at: str | None


def payment_view(row: sqlite3.Row) -> PaymentView:
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "method": row["method"],
        "amount_fen": row["amount_fen"],
        "status": row["status"],
        "qr_payload": row["qr_payload"],
        "expires_at": iso(row["expires_at"]),
        "failure_reason": row["failure_reason"],
        "created_at": iso(row["created_at"]),
    }


def pay(
    ctx: Ctx,
    user_id: int,
    order_id: int,
    method: str,
    payment_password: str | None,
    bank_card_id: int | None,
) -> PaymentView:
    """Starts paying an unpaid order; any other pending payment of it is superseded."""
    check_payment(ctx, user_id, order_id, method, payment_password, bank_card_id)
    return pay_checked(ctx, user_id, order_id, method, bank_card_id)


def check_payment(
    ctx: Ctx,
    user_id: int,
    order_id: int,
    method: str,
    payment_password: str | None,
    bank_card_id: int | None,
    *,
    guest: bool = False,
    guest_card: GuestCard | None = None,
) -> None:
    """`pay`'s checks before money moves: the order is the user's and unpaid, the card
    goes with the method, the payment password is right. Outside any transaction: a
    wrong password's failure count must commit although the payment is refused.

    A guest pays by QR or with a card given inline (`guest_card`), without a payment
    password: its session was opened by an SMS code a moment ago."""
    order = order_records.load_order(ctx, user_id, order_id)
    if order["status"] != "pending_payment":
        raise invalid_state(order["status"])
    if bank_card_id is not None and method != "bank_card":
        raise field_error("bank_card_id", "only_for", what="method bank_card")
    if guest:
        guests.refuse_method_for_guest(method)
        if bank_card_id is not None:
            raise field_error("bank_card_id", "not_with", other="a guest session")
        if method == "bank_card" and guest_card is None:
            raise field_error("card", "required")
        if method != "bank_card" and guest_card is not None:
            raise field_error("card", "only_for", what="method bank_card")
        if guest_card is not None:
            wallet.check_card_details(guest_card.card_number, guest_card.holder_name, "card.")
        return
    if guest_card is not None:
        raise field_error("card", "only_for", what="a guest session")
    if method in PASSWORD_METHODS:
        account.verify_payment_password(ctx, user_id, payment_password)


def pay_checked(
    ctx: Ctx,
    user_id: int,
    order_id: int,
    method: str,
    bank_card_id: int | None,
    guest_card: GuestCard | None = None,
) -> PaymentView:
    """`pay` once `check_payment` passed: charges (or starts a QR payment) in one
    transaction, which joins the caller's (the idempotent request's)."""
    with ctx.db.tx():
        order = order_records.load_order(ctx, user_id, order_id)
        if order["status"] != "pending_payment":
            raise invalid_state(order["status"])
        now = ctx.now()
        store.fail_pending_of_order(ctx.db, order_id, "superseded", now)
        card = None
        if guest_card is not None:
            card = wallet.one_time_card(
                ctx, user_id, guest_card.card_number, guest_card.holder_name
            )
        elif method == "bank_card":
            card = store.usable_bank_card(ctx.db, user_id, bank_card_id)
            if card is None and bank_card_id is None:
                raise ApiError("BANK_CARD_REQUIRED")
            if card is None:
                raise not_found("bank_card")
        qr = method in QR_METHODS
        payment_id = store.insert_payment(
            ctx.db,
            order_id=order_id,
            user_id=user_id,
            method=method,
            amount_fen=order["total_fen"],
            created_at=now,
            bank_card_id=card["id"] if card is not None else None,
            expires_at=now + QR_LIFETIME_SECONDS if qr else None,
        )
        if qr:
            store.set_qr_payload(
                ctx.db,
                payment_id,
                f"kshop-pay://{method}/{payment_id}?amount_fen={order['total_fen']}",
            )
        else:
            _settle(ctx, payment_id)
        return _view(ctx, payment_id)


def get_payment(ctx: Ctx, user_id: int, payment_id: int) -> PaymentView:
    row = store.get_payment(ctx.db, payment_id)
    if row is None or row["user_id"] != user_id:
        raise not_found("payment")
    return payment_view(row)


def poll(ctx: Ctx, user_id: int, payment_id: int) -> PaymentView:
    """`get_payment` for a client waiting on the payment: records that it is being watched
    (the simulator pays only watched QR codes)."""
    view = get_payment(ctx, user_id, payment_id)
    if view["status"] == "pending":
        with ctx.db.tx():
            store.record_poll(ctx.db, payment_id, ctx.now())
    return view


def succeed(ctx: Ctx, payment_id: int) -> PaymentView:
    """A pending QR payment was scanned and paid (the simulator, or `/_dev`)."""
    with ctx.db.tx():
        _pending(ctx, payment_id)
        _settle(ctx, payment_id)
    return _view(ctx, payment_id)


def fail(ctx: Ctx, payment_id: int, reason: str) -> PaymentView:
    """A pending payment was refused by its provider; nothing is charged."""
    with ctx.db.tx():
        _pending(ctx, payment_id)
        store.finish(ctx.db, payment_id, "failed", ctx.now(), reason)
    return _view(ctx, payment_id)


def refund(ctx: Ctx, order_id: int, amount_fen: int, refund_to: RefundTo, note: str) -> str:
    """Sends `amount_fen` of a paid order back to where it came from (or to the red packet
    balance) and answers the account credited. Never more than was paid and not refunded."""
    with ctx.db.tx():
        order = order_store.get_order(ctx.db, order_id)
        if order is None:
            raise not_found("order")
        if order["paid_method"] is None:
            raise invalid_state(order["status"])
        refundable = order["total_fen"] - order["refunded_fen"]
        if not 0 < amount_fen <= refundable:
            raise field_error("amount_fen", "bad_amount", min=fmt_fen(1), max=fmt_fen(refundable))
        user_id = order["user_id"]
        credited = "red_packet" if refund_to == "red_packet" else ACCOUNTS[order["paid_method"]]
        if credited == "bnpl":
            ledger.bnpl_refund(ctx, user_id, order_id, amount_fen)
        else:
            ledger.record(
                ctx, user_id, credited, "refund", amount_fen, order_id=order_id, note=note
            )
        order_store.update_order(ctx.db, order_id, refunded_fen=order["refunded_fen"] + amount_fen)
    return credited


def expire_stale(ctx: Ctx) -> None:
    """Sweeper rule: QR codes not paid within 15 minutes fail as expired."""
    now = ctx.now()
    for payment_id in store.expired_pending(ctx.db, now):
        with ctx.db.tx():
            store.finish(ctx.db, payment_id, "failed", now, "expired")


def simulate(ctx: Ctx) -> None:
    """Merchant auto mode: the user "scans" each QR code `delays["qr_pay"]` after it was
    made, if a client polled it within the last QR_WATCHED_SECONDS (its screen is still
    shown); a code nobody polls stays pending until it is polled again or expires."""
    now = ctx.now()
    watched = store.pending_qr_watched(ctx.db, now - ctx.delays["qr_pay"], now - QR_WATCHED_SECONDS)
    for payment_id in watched:
        with ctx.db.tx():
            row = store.get_payment(ctx.db, payment_id)
            if row is not None and row["status"] == "pending" and row["expires_at"] > now:
                _settle(ctx, payment_id)


def _view(ctx: Ctx, payment_id: int) -> PaymentView:
    row = store.get_payment(ctx.db, payment_id)
    assert row is not None
    return payment_view(row)


def _pending(ctx: Ctx, payment_id: int) -> sqlite3.Row:
    row = store.get_payment(ctx.db, payment_id)
    if row is None:
        raise not_found("payment")
    if row["status"] != "pending":
        raise invalid_state(row["status"])
    return row


def _settle(ctx: Ctx, payment_id: int) -> None:
    """Charges a pending payment and marks its order paid, inside the caller's transaction.
    A refusal (not enough balance or credit) raises and so rolls everything back."""
    payment = store.get_payment(ctx.db, payment_id)
    assert payment is not None
    order = order_store.get_order(ctx.db, payment["order_id"])
    assert order is not None
    if order["status"] != "pending_payment":
        raise invalid_state(order["status"])
    method = payment["method"]
    amount_fen = payment["amount_fen"]
    user_id = payment["user_id"]
    if method == "bnpl":
        ledger.bnpl_charge(ctx, user_id, order["id"], amount_fen)
    else:
        note = order["order_no"]
        if payment["bank_card_id"] is not None:
            card = store.bank_card(ctx.db, payment["bank_card_id"])
            assert card is not None
            note = f"{order['order_no']} {card['bank']} 尾号{card['last4']}"
        ledger.record(
            ctx, user_id, ACCOUNTS[method], "payment", -amount_fen, order_id=order["id"], note=note
        )
    now = ctx.now()
    store.finish(ctx.db, payment_id, "succeeded", now)
    kind = order["kind"]
    order_store.set_status_if(
        ctx.db,
        order["id"],
        "pending_payment",
        status=PAID_STATUS[kind],
        paid_at=now,
        paid_method=method,
        payment_method=method,
        **({"completed_at": now} if kind == "virtual" else {}),
    )
    order_records.add_event(ctx, order["id"], "paid", method)
    if kind == "virtual":
        # docs/api.md §7.1: paying delivers the codes at once, and that completes the order.
        virtual_codes.issue(ctx, order["id"])
        order_records.add_event(ctx, order["id"], "completed", "codes_delivered")
        if method == "bnpl":
            ledger.bnpl_start_due(ctx, order["id"], now)
    elif method == "bnpl" and kind == "physical":
        # docs/api.md §2: an order paid later ships at once; its bill waits for the goods.
        logistics.ship(ctx, order["id"])
