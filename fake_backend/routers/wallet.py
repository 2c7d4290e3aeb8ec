"""The wallet: balance, history, top-up, bank cards, pay-later (先用后付) and its bills."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from fake_backend.deps import CtxDep, IdempotencyKey, LangDep, UserDep, run_idempotent
from fake_backend.errors import field_error
from fake_backend.schemas.common import AUTH_ERRORS, Ok, PageCursor, PageLimit, errors
from fake_backend.schemas.wallet import (
    MAX_ID,
    Account,
    BankCard,
    BankCardIn,
    BankCardList,
    Bill,
    BillList,
    BnplEnableIn,
    RepayIn,
    TopupIn,
    TopupOut,
    TransactionList,
    Wallet,
)
from fake_backend.services import account, wallet

router = APIRouter(tags=["wallet"], responses=AUTH_ERRORS)

CardId = Annotated[int, Path(ge=1, le=MAX_ID)]
BillId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/wallet", response_model=Wallet)
def get_wallet(ctx: CtxDep, user: UserDep, lang: LangDep) -> wallet.WalletView:
    return wallet.wallet(ctx, user.id, lang)


@router.get("/wallet/transactions", response_model=TransactionList)
def list_transactions(
    ctx: CtxDep,
    user: UserDep,
    lang: LangDep,
    account: Account | None = None,
    cursor: PageCursor = None,
    limit: PageLimit = 20,
) -> wallet.TransactionPage:
    return wallet.transactions(ctx, user.id, account, cursor, limit, lang)


@router.post(
    "/wallet/topup",
    response_model=TopupOut,
    status_code=201,
    responses=errors(403, 404, 409, 429),
)
def topup(
    body: TopupIn, ctx: CtxDep, user: UserDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Moves money from a bound card into the balance; needs the payment password
    (missing 422, wrong 403 with attempts left, the fifth wrong locks for 15 min: 429)."""
    return run_idempotent(
        ctx,
        user,
        idempotency_key,
        "POST /wallet/topup",
        # The password is no part of the intent, and is not kept even as a hash.
        body.model_dump(mode="json", exclude={"payment_password"}),
        lambda: wallet.topup(ctx, user.id, body.amount_fen, body.bank_card_id),
        TopupOut,
        status_code=201,
        prepare=lambda: account.verify_payment_password(ctx, user.id, body.payment_password),
    )


@router.get("/wallet/bank-cards", response_model=BankCardList)
def list_bank_cards(ctx: CtxDep, user: UserDep, lang: LangDep) -> wallet.CardList:
    return wallet.list_cards(ctx, user.id, lang)


@router.post("/wallet/bank-cards", response_model=BankCard, status_code=201, responses=errors(409))
def add_bank_card(body: BankCardIn, ctx: CtxDep, user: UserDep, lang: LangDep) -> wallet.CardView:
    return wallet.add_card(ctx, user.id, body.card_number, body.holder_name, lang)


@router.delete("/wallet/bank-cards/{card_id}", response_model=Ok, responses=errors(404, 409))
def remove_bank_card(card_id: CardId, ctx: CtxDep, user: UserDep) -> wallet.Ok:
    return wallet.remove_card(ctx, user.id, card_id)


@router.post("/wallet/bnpl/enable", response_model=Wallet, responses=errors(409))
def enable_bnpl(body: BnplEnableIn, ctx: CtxDep, user: UserDep, lang: LangDep) -> wallet.WalletView:
    """Turns 先用后付 on once the user accepted its agreement (`accept_terms: true`, else
    422); needs real-name verification and a bound card (409)."""
    if not body.accept_terms:
        raise field_error("accept_terms", "required")
    return wallet.enable_bnpl(ctx, user.id, lang)


@router.get("/wallet/bnpl/bills", response_model=BillList)
def list_bills(
    ctx: CtxDep,
    user: UserDep,
    cursor: PageCursor = None,
    limit: PageLimit = 20,
) -> wallet.BillPage:
    """Pay-later bills, newest first."""
    return wallet.list_bills(ctx, user.id, cursor, limit)


@router.post(
    "/wallet/bnpl/bills/{bill_id}/repay",
    response_model=Bill,
    responses=errors(402, 403, 404, 409, 429),
)
def repay_bill(bill_id: BillId, body: RepayIn, ctx: CtxDep, user: UserDep) -> wallet.BillView:
    """Repays what is owed, from the balance or the first card; needs the payment password
    (missing 422, wrong 403 with attempts left, the fifth wrong locks for 15 min: 429).
    The bill is checked first, so a bill that is not the user's or not owing costs no
    attempt."""
    wallet.repayable_bill(ctx, user.id, bill_id)
    account.verify_payment_password(ctx, user.id, body.payment_password)
    return wallet.repay(ctx, user.id, bill_id, body.source)
