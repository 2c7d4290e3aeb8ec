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
from fake_backend.storage import ledger as store
from fake_backend.storage.ledger import StoredColumn
from fake_backend.storage.wallet import release_bnpl_credit, user_wallet

Account = Literal["balance", "red_packet", "bank_card", "alipay", "wechat_pay", "bnpl"]
Kind = Literal["topup", "payment", "refund", "repayment", "check_in", "red_packet"]
STORED_ACCOUNTS: dict[str, StoredColumn] = {
    "balance": "balance_fen",
    "red_packet": "red_packet_fen",
}
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
            available = store.stored_amount(ctx.db, user_id, column)
            if available + amount_fen < 0:
                raise ApiError(
                    "INSUFFICIENT_FUNDS",
                    needed=fmt_fen(-amount_fen),
                    available=fmt_fen(available),
                    details={"needed_fen": -amount_fen, "available_fen": available},
                )
            store.add_to_stored(ctx.db, user_id, column, amount_fen)
        store.insert_transaction(
            ctx.db, user_id, account, kind, amount_fen, order_id, note, ctx.now()
        )


def bnpl_charge(ctx: Ctx, user_id: int, order_id: int, amount_fen: int) -> int:
    """Uses pay-later credit for an order and opens its bill; answers the bill id."""
    with ctx.db.tx():
        user = user_wallet(ctx.db, user_id)
        if not user["bnpl_enabled"]:
            raise ApiError("BNPL_NOT_ENABLED")
        available = user["bnpl_limit_fen"] - user["bnpl_used_fen"]
        if amount_fen > available:
            raise ApiError(
                "BNPL_LIMIT_EXCEEDED",
                available=fmt_fen(available),
                details={"needed_fen": amount_fen, "available_fen": available},
            )
        store.use_bnpl_credit(ctx.db, user_id, amount_fen)
        bill_id = store.insert_bnpl_bill(ctx.db, user_id, order_id, amount_fen, ctx.now())
        record(ctx, user_id, "bnpl", "payment", -amount_fen, order_id=order_id)
        return bill_id


def bnpl_refund(ctx: Ctx, user_id: int, order_id: int, amount_fen: int) -> None:
    """A refund of a pay-later order first cancels what is still owed on its bill;
    what was already repaid goes back to the balance."""
    with ctx.db.tx():
        bill = store.open_bnpl_bill(ctx.db, order_id)
        if bill is None:
            return
        owed = bill["amount_fen"] - bill["repaid_fen"]
        from_owed = min(owed, amount_fen)
        store.reduce_bnpl_bill(ctx.db, bill["id"], from_owed)
        release_bnpl_credit(ctx.db, user_id, from_owed)
        record(ctx, user_id, "bnpl", "refund", from_owed, order_id=order_id)
        if amount_fen > from_owed:
            record(ctx, user_id, "balance", "refund", amount_fen - from_owed, order_id=order_id)


def bnpl_start_due(ctx: Ctx, order_id: int, received_at: float) -> None:
    """A pay-later bill falls due BNPL_DUE_DAYS after the goods are received."""
    with ctx.db.tx():
        store.start_bnpl_due(ctx.db, order_id, received_at + BNPL_DUE_DAYS * 86400)
