"""Guest ordering (docs/api.md §7.4): a phone and an SMS code open a 24-hour guest session
that may shop, order and pay by QR or bank card; an order number, that phone and a fresh
code find a guest's order without a session.

A guest is a users row (guest = 1), one per phone, so carts, orders and payments work as
for an account; its `phone` column is 'guest:' + the phone, which keeps it apart from an
account registered for the phone later (that account adopts its orders: auth.py).
"""

from __future__ import annotations

from typing import Any

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.errors import ApiError, FieldErrors, not_found
from fake_backend.services import order_views, rules, sessions
from fake_backend.services.account import (
    ensure_login_unlocked,
    record_login_failure,
    shape_ok,
    valid_phone,
)
from fake_backend.services.auth import take_code, wrong_code
from fake_backend.storage import orders as order_store
from fake_backend.storage import users

GUEST_TOKEN_LIFETIME = 24 * 3600
GUEST_PAYMENT_METHODS = frozenset({"alipay", "wechat_pay", "bank_card"})


def guest_view(user_id: int, phone: str) -> dict[str, Any]:
    """The `user` of a guest session: who it is and that it is a guest."""
    return {"id": user_id, "guest": True, "phone": phone, "phone_masked": rules.mask_phone(phone)}


def _checked_phone_and_code(phone: str, code: str) -> None:
    problems = FieldErrors()
    if not valid_phone(phone):
        problems.add("phone", "bad_phone")
    if not shape_ok(rules.CODE_RE, code):
        problems.add("code", "bad_code")
    problems.raise_if_any()


def guest_login(ctx: Ctx, phone: str, code: str) -> dict[str, Any]:
    """A guest session for `phone` from its newest guest-purpose code; a wrong code counts
    towards the phone's login lockout like any other."""
    _checked_phone_and_code(phone, code)
    ensure_login_unlocked(ctx, phone)
    with ctx.db.tx():
        if take_code(ctx, phone, "guest", code):
            phone_key = sessions.GUEST_PHONE_PREFIX + phone
            guest = users.user_by_phone(ctx.db, phone_key)
            guest_id = (
                guest["id"]
                if guest is not None
                else users.insert_guest(ctx.db, phone_key, f"游客{phone[-4:]}", ctx.now())
            )
            users.clear_login_failures(ctx.db, phone)
            token, expires_at = sessions.issue(ctx, guest_id, GUEST_TOKEN_LIFETIME)
            return {
                "token": token,
                "expires_at": iso(expires_at),
                "user": guest_view(guest_id, phone),
            }
    raise record_login_failure(ctx, phone, wrong_code)


def lookup_order(
    ctx: Ctx, order_no: str, phone: str, code: str, lang: str
) -> order_views.OrderView:
    """A guest's order by its number, for whoever holds the phone it was placed with: the
    phone's newest guest code is spent. 404 alike for no such order and another phone's."""
    _checked_phone_and_code(phone, code)
    ensure_login_unlocked(ctx, phone)
    with ctx.db.tx():
        if take_code(ctx, phone, "guest", code):
            users.clear_login_failures(ctx.db, phone)
            order = order_store.guest_order_by_no(ctx.db, order_no.strip(), phone)
            if order is None:
                raise not_found("order")
            return order_views.order_view(ctx, order["id"], lang)
    raise record_login_failure(ctx, phone, wrong_code)


def refuse_method_for_guest(method: str) -> None:
    """Guests pay by QR or bank card: they have no balance and no pay-later credit."""
    if method not in GUEST_PAYMENT_METHODS:
        raise ApiError("NOT_FOR_GUESTS", details={"field": "method", "method": method})
