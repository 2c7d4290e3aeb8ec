"""Every movement of a user's money, recorded in `wallet_transactions`.

Balance and red packets live on the user row and never go below zero (CHECK
constraints back this up). External sources (bank card, Alipay, WeChat Pay) are only
recorded. Pay-later (BNPL) uses credit and creates one bill per order.
"""

from __future__ import annotations

from typing import Literal

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services.rules import fmt_fen

Account = Literal["balance", "red_packet", "bank_card", "alipay", "wechat_pay", "bnpl"]
Kind = Literal["topup", "payment", "refund", "repayment", "check_in", "red_packet"]
STORED_ACCOUNTS = {"balance": "balance_fen", "red_packet": "red_packet_fen"}
BNPL_DUE_DAYS = 30


def record(
    ctx: Ctx,
    user_id: int,
    account: Account,
    kind: Kind,
    amount_fen: int,
    *,
    order_id: int | None = None,
    note: str = "",
) -> None:
    """Moves `amount_fen` (signed) into `account`; refuses to overdraw a stored account."""
    with ctx.db.tx():
        column = STORED_ACCOUNTS.get(account)
        if column is not None:
            available = ctx.db.scalar(f"SELECT {column} FROM users WHERE id = ?", (user_id,))
            if available + amount_fen < 0:
                raise ApiError(
                    "INSUFFICIENT_FUNDS",
                    needed=fmt_fen(-amount_fen),
                    available=fmt_fen(available),
                    details={"needed_fen": -amount_fen, "available_fen": available},
                )
            ctx.db.execute(
                f"UPDATE users SET {column} = {column} + ? WHERE id = ?", (amount_fen, user_id)
            )
        ctx.db.execute(
            "INSERT INTO wallet_transactions"
            "(user_id, account, kind, amount_fen, order_id, note, at) VALUES (?,?,?,?,?,?,?)",
            (user_id, account, kind, amount_fen, order_id, note, ctx.now()),
        )


def bnpl_charge(ctx: Ctx, user_id: int, order_id: int, amount_fen: int) -> int:
    """Uses pay-later credit for an order and opens its bill; answers the bill id."""
    with ctx.db.tx():
        user = ctx.db.one(
            "SELECT bnpl_enabled, bnpl_limit_fen, bnpl_used_fen FROM users WHERE id = ?",
            (user_id,),
        )
        assert user is not None
        if not user["bnpl_enabled"]:
            raise ApiError("BNPL_NOT_ENABLED")
        available = user["bnpl_limit_fen"] - user["bnpl_used_fen"]
        if amount_fen > available:
            raise ApiError(
                "BNPL_LIMIT_EXCEEDED",
                available=fmt_fen(available),
                details={"needed_fen": amount_fen, "available_fen": available},
            )
        ctx.db.execute(
            "UPDATE users SET bnpl_used_fen = bnpl_used_fen + ? WHERE id = ?",
            (amount_fen, user_id),
        )
        bill_id = ctx.db.insert(
            "INSERT INTO bnpl_bills(user_id, order_id, amount_fen, created_at) VALUES (?,?,?,?)",
            (user_id, order_id, amount_fen, ctx.now()),
        )
        record(ctx, user_id, "bnpl", "payment", -amount_fen, order_id=order_id)
        return bill_id


def bnpl_refund(ctx: Ctx, user_id: int, order_id: int, amount_fen: int) -> None:
    """A refund of a pay-later order first cancels what is still owed on its bill;
    what was already repaid goes back to the balance."""
    with ctx.db.tx():
        bill = ctx.db.one(
            "SELECT id, amount_fen, repaid_fen FROM bnpl_bills"
            " WHERE order_id = ? AND cancelled = 0",
            (order_id,),
        )
        if bill is None:
            return
        owed = bill["amount_fen"] - bill["repaid_fen"]
        from_owed = min(owed, amount_fen)
        ctx.db.execute(
            "UPDATE bnpl_bills SET amount_fen = amount_fen - ?, "
            "cancelled = CASE WHEN amount_fen - ? <= 0 THEN 1 ELSE cancelled END WHERE id = ?",
            (from_owed, from_owed, bill["id"]),
        )
        ctx.db.execute(
            "UPDATE users SET bnpl_used_fen = MAX(0, bnpl_used_fen - ?) WHERE id = ?",
            (from_owed, user_id),
        )
        record(ctx, user_id, "bnpl", "refund", from_owed, order_id=order_id)
        if amount_fen > from_owed:
            record(ctx, user_id, "balance", "refund", amount_fen - from_owed, order_id=order_id)


def bnpl_start_due(ctx: Ctx, order_id: int, received_at: float) -> None:
    """A pay-later bill falls due BNPL_DUE_DAYS after the goods are received."""
    with ctx.db.tx():
        ctx.db.execute(
            "UPDATE bnpl_bills SET due_at = ? WHERE order_id = ? AND due_at IS NULL",
            (received_at + BNPL_DUE_DAYS * 86400, order_id),
        )
