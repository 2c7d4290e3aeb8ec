"""The wallet on the wire: balance, history, top-up, bank cards, pay-later and bills."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from fake_backend.schemas.common import StrictModel
from fake_backend.schemas.orders import MAX_PAYMENT_PASSWORD_LENGTH
from fake_backend.services import wallet

MAX_ID = 2**62
BnplRequirement = Literal["real_name", "bank_card"]
BillStatus = Literal["awaiting_receipt", "unpaid", "overdue", "repaid", "cancelled"]
Account = Literal["balance", "red_packet", "bank_card", "alipay", "wechat_pay", "bnpl"]


class BankCard(BaseModel):
    id: int
    bank: str
    last4: str
    holder_name: str
    created_at: str


CARDS_CAP = f"The user's cards, oldest first: at most {wallet.MAX_CARDS_PER_USER}."


class BankCardList(BaseModel):
    items: list[BankCard] = Field(description=CARDS_CAP)


class Bnpl(BaseModel):
    enabled: bool
    limit_fen: int
    used_fen: int
    available_fen: int
    eligible: bool = Field(description="Real-name verified and a card bound: can be enabled")
    missing: list[BnplRequirement] = Field(description="What blocks enabling pay-later")


class Wallet(BaseModel):
    balance_fen: int
    red_packet_fen: int
    bnpl: Bnpl
    bank_cards: list[BankCard] = Field(description=CARDS_CAP)


class Transaction(BaseModel):
    id: int
    account: str
    kind: str
    amount_fen: int = Field(description="Signed: + into the account, - out of it")
    order_id: int | None
    note: str
    at: str


class TransactionList(BaseModel):
    items: list[Transaction]
    next_cursor: str | None


def refuse_bad_amount(data: Any) -> Any:
    """An `amount_fen` out of range answers the top-up's `bad_amount` (naming the limits)
    rather than a bare bound."""
    amount = data.get("amount_fen") if isinstance(data, dict) else None
    if isinstance(amount, int) and not isinstance(amount, bool):
        wallet.check_topup_amount(amount)
    return data


class TopupIn(StrictModel):
    amount_fen: int = Field(ge=wallet.TOPUP_MIN_FEN, le=wallet.TOPUP_MAX_FEN)
    bank_card_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Omitted: the first bound card"
    )
    payment_password: str | None = Field(
        default=None,
        max_length=MAX_PAYMENT_PASSWORD_LENGTH,
        description="6 digits, required (docs/api.md §7.5); not part of the idempotent intent",
    )

    _amount = model_validator(mode="before")(refuse_bad_amount)


class TopupOut(BaseModel):
    balance_fen: int
    transaction: Transaction


class BankCardIn(StrictModel):
    card_number: str = Field(
        min_length=1, max_length=40, description="16–19 digits, spaces allowed; never stored"
    )
    holder_name: str = Field(min_length=1, max_length=40)


class Bill(BaseModel):
    id: int
    order_id: int
    order_no: str
    amount_fen: int
    repaid_fen: int
    outstanding_fen: int
    status: BillStatus
    due_at: str | None
    created_at: str
    repaid_at: str | None


class BillList(BaseModel):
    items: list[Bill]
    next_cursor: str | None


class RepayIn(StrictModel):
    source: Literal["balance", "bank_card"] = "balance"
    payment_password: str | None = Field(
        default=None,
        max_length=MAX_PAYMENT_PASSWORD_LENGTH,
        description="6 digits, required (docs/api.md §7.5)",
    )


class BnplEnableIn(StrictModel):
    accept_terms: bool = Field(
        strict=True, description="Must be true: the user accepted the 先用后付 agreement"
    )
