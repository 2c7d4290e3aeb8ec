"""The wallet: balance, transactions, top-ups, bank cards and pay-later."""

from __future__ import annotations

from typing import Any, Literal

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls


class WalletCalls(ApiCalls):
    """Wallet calls of `KshopClient`."""

    async def wallet(self) -> models.Wallet:
        return await self._get(f"{API}/wallet", models.Wallet)

    async def wallet_transactions(
        self,
        account: models.WalletAccount | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> models.TransactionPage:
        return await self._get(
            f"{API}/wallet/transactions",
            models.TransactionPage,
            account=account,
            cursor=cursor,
            limit=limit,
        )

    async def top_up(
        self,
        amount_fen: int,
        bank_card_id: int | None = None,
        *,
        payment_password: str,
        idempotency_key: str,
    ) -> models.TopUp:
        """Moves money from a bound card (the first one by default) to the balance; the
        payment password confirms it (403 wrong, with attempts left; 429 locked)."""
        body: dict[str, Any] = {"amount_fen": amount_fen, "payment_password": payment_password}
        if bank_card_id is not None:
            body["bank_card_id"] = bank_card_id
        return await self._send("POST", f"{API}/wallet/topup", models.TopUp, body, idempotency_key)

    async def bank_cards(self) -> list[models.BankCard]:
        return await self._get_items(f"{API}/wallet/bank-cards", models.BankCard)

    async def add_bank_card(self, card_number: str, holder_name: str) -> models.BankCard:
        """The answer carries `last4`, never the number."""
        return await self._send(
            "POST",
            f"{API}/wallet/bank-cards",
            models.BankCard,
            {"card_number": card_number, "holder_name": holder_name},
        )

    async def remove_bank_card(self, card_id: int) -> None:
        await self._call("DELETE", f"{API}/wallet/bank-cards/{card_id}")

    async def enable_bnpl(self, *, accept_terms: bool) -> models.Wallet:
        """先用后付 once the user accepted its agreement; needs real-name verification and
        a bound card (409 otherwise)."""
        return await self._send(
            "POST", f"{API}/wallet/bnpl/enable", models.Wallet, {"accept_terms": accept_terms}
        )

    async def bnpl_bills(self, cursor: str | None = None, limit: int = 20) -> models.BillPage:
        """Newest first."""
        return await self._get(
            f"{API}/wallet/bnpl/bills", models.BillPage, cursor=cursor, limit=limit
        )

    async def repay_bill(
        self,
        bill_id: int,
        source: Literal["balance", "bank_card"] = "balance",
        *,
        payment_password: str,
    ) -> models.Bill:
        """Repays a bill in full; the payment password confirms it."""
        return await self._send(
            "POST",
            f"{API}/wallet/bnpl/bills/{bill_id}/repay",
            models.Bill,
            {"source": source, "payment_password": payment_password},
        )
