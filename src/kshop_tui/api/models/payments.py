"""Paying an order, and the wallet: balance, bank cards, top-ups, pay-later bills."""

from __future__ import annotations

from typing import Literal

from kshop_tui.api.models.base import Line, Model

# What requests may send. Answers keep statuses and kinds as plain `str`, so that a
# backend which adds one does not break an older client; these name the known values.
PaymentMethod = Literal["alipay", "wechat_pay", "bank_card", "balance", "bnpl"]
PaymentStatus = Literal["pending", "succeeded", "failed"]


class Payment(Model):
    id: int
    order_id: int
    method: str
    amount_fen: int
    status: str
    qr_payload: str | None = None
    """QR methods: `kshop-pay://<method>/<id>?amount_fen=<n>`, drawn as a QR code."""
    expires_at: str | None = None
    failure_reason: Line | None = None
    created_at: str


# --- wallet ------------------------------------------------------------------------

WalletAccount = Literal["balance", "red_packet", "bank_card", "alipay", "wechat_pay", "bnpl"]


class BankCard(Model):
    id: int
    bank: Line
    last4: str
    holder_name: Line
    created_at: str


class Bnpl(Model):
    enabled: bool
    limit_fen: int
    used_fen: int
    available_fen: int
    eligible: bool
    missing: list[str]
    """What blocks enabling pay-later: real_name, bank_card."""


class Wallet(Model):
    balance_fen: int
    red_packet_fen: int
    bnpl: Bnpl
    bank_cards: list[BankCard]


class Transaction(Model):
    id: int
    account: str
    kind: str
    amount_fen: int
    """Signed: + into the account, - out of it."""
    order_id: int | None = None
    note: Line
    at: str


class TransactionPage(Model):
    items: list[Transaction]
    next_cursor: str | None = None


class TopUp(Model):
    balance_fen: int
    transaction: Transaction


class Bill(Model):
    id: int
    order_id: int
    order_no: Line
    amount_fen: int
    repaid_fen: int
    outstanding_fen: int
    status: str
    due_at: str | None = None
    created_at: str
    repaid_at: str | None = None


class BillPage(Model):
    items: list[Bill]
    next_cursor: str | None = None
