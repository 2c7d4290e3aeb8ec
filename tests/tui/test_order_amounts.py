"""An order says what its total is: due before payment (应付), paid after (实付), and a
pay-later order's bill, not "paid"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fake_backend.context import Ctx
from fake_backend.services import payments
from fake_backend.services import wallet as wallet_service
from kshop_tui.app import KshopApp
from tests.tui.helpers import shown_text
from tests.tui.test_order_detail import open_detail
from tests.tui.test_orders import DEMO_USER, PAYMENT_PASSWORD, complete, place, skus_in_stock

MakeApp = Callable[..., KshopApp]


def paid_later(ctx: Ctx) -> int:
    """An order paid with pay later (turned on for the demo user first)."""
    wallet_service.enable_bnpl(ctx, DEMO_USER, "en")
    order_id = place(ctx, [(skus_in_stock(ctx, 1)[0], 1)])
    payments.pay(ctx, DEMO_USER, order_id, "bnpl", PAYMENT_PASSWORD, None)
    return order_id


async def order_text(make_app: MakeApp, token: str, order_id: int, lang: str) -> str:
    """The order screen's facts and money, as drawn."""
    app = make_app(lang=lang, open_target=f"order {order_id}", token=token)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_detail(pilot)
        return "\n".join(
            shown_text(screen.query_one(selector)) for selector in ("#detail-info", "#detail-money")
        )


@pytest.mark.parametrize(
    ("lang", "due", "paid"), [("en", "To pay", "Paid"), ("zh_CN", "应付", "实付")]
)
async def test_an_unpaid_order_shows_its_amount_due_and_a_paid_one_what_was_paid(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, lang: str, due: str, paid: str
) -> None:
    skus = skus_in_stock(backend_ctx, 2)
    unpaid = place(backend_ctx, [(skus[0], 1)])
    shown = await order_text(make_app, demo_token, unpaid, lang)
    assert due in shown and paid not in shown
    paid_order = place(backend_ctx, [(skus[1], 1)])
    payments.pay(backend_ctx, DEMO_USER, paid_order, "balance", PAYMENT_PASSWORD, None)
    shown = await order_text(make_app, demo_token, paid_order, lang)
    assert paid in shown and due not in shown


async def test_a_pay_later_order_shows_its_bill_not_paid(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = paid_later(backend_ctx)
    shown = await order_text(make_app, demo_token, order_id, "en")
    assert "Pay later · bill due 30 days after you receive it" in shown
    assert "paid" not in shown.lower().replace("pay later", "")
    complete(
        backend_ctx, order_id
    )  # pay-later orders ship at once  # received on 2026-11-24 (the frozen clock)
    shown = await order_text(make_app, demo_token, order_id, "zh_CN")
    assert "先用后付 · 账单 2026-12-24 到期" in shown
    assert "实付" not in shown
