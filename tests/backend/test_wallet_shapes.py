"""services/wallet.py answers TypedDicts (the pattern for the other areas): each one names
exactly the fields of the response model the router declares, nested ones included, and
what the service answers has exactly those keys."""

from __future__ import annotations

from typing import Any, is_typeddict

import pytest
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.schemas import common
from fake_backend.schemas import wallet as schemas
from fake_backend.services import wallet
from tests.conftest import DEMO_USER_ID

PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (wallet.CardView, schemas.BankCard),
    (wallet.CardList, schemas.BankCardList),
    (wallet.BnplView, schemas.Bnpl),
    (wallet.WalletView, schemas.Wallet),
    (wallet.TransactionView, schemas.Transaction),
    (wallet.TransactionPage, schemas.TransactionList),
    (wallet.TopupAnswer, schemas.TopupOut),
    (wallet.Ok, common.Ok),
    (wallet.BillView, schemas.Bill),
    (wallet.BillPage, schemas.BillList),
]


@pytest.mark.parametrize(("shape", "model"), PAIRS, ids=lambda item: item.__name__)
def test_each_answer_type_names_the_fields_of_its_response_model(
    shape: Any, model: type[BaseModel]
) -> None:
    assert is_typeddict(shape)
    assert set(shape.__annotations__) == set(model.model_fields)


def test_what_the_wallet_answers_has_exactly_those_keys(ctx: Ctx) -> None:
    view = wallet.wallet(ctx, DEMO_USER_ID, "en")
    assert set(view) == set(wallet.WalletView.__annotations__)
    assert set(view["bnpl"]) == set(wallet.BnplView.__annotations__)
    for card in view["bank_cards"]:
        assert set(card) == set(wallet.CardView.__annotations__)
    page = wallet.transactions(ctx, DEMO_USER_ID, None, None, 5, "zh")
    assert set(page) == set(wallet.TransactionPage.__annotations__)
    for row in page["items"]:
        assert set(row) == set(wallet.TransactionView.__annotations__)
    schemas.Wallet.model_validate(view)
    schemas.TransactionList.model_validate(page)
