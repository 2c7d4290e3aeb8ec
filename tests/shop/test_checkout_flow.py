"""The checkout rules without a screen: what a draft still lacks, the steps from the form
to a placed order, and the order's Intent kept or dropped by how the server answered."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from kshop_tui.api import errors
from kshop_tui.api.models import Address, Invoice, Quote
from kshop_tui.i18n import t
from kshop_tui.shop.flows.checkout import (
    Checkout,
    CheckoutDraft,
    InvoiceForm,
    Problem,
    Step,
)
from kshop_tui.shop.flows.payment import MethodOption
from tests.shop.fakes import FakeApi, FakeShop

ADDRESS = Address.model_validate(
    {
        "id": 3,
        "name": "张三",
        "phone": "13800000000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 1 号",
    }
)
BALANCE = MethodOption("balance", "余额", detail="¥100.00")


def quote(total_fen: int = 5_000, problems: list[dict[str, Any]] | None = None) -> Quote:
    return Quote.model_validate(
        {
            "lines": [],
            "subtotal_fen": total_fen,
            "shipping_fen": 0,
            "discount_fen": 0,
            "total_fen": total_fen,
            "problems": problems or [],
        }
    )


SOLD_OUT = {"sku_id": 9, "code": "sold_out", "message": "已售罄"}


def ready(**changes: Any) -> CheckoutDraft:
    """A draft with nothing missing."""
    fields: dict[str, Any] = {
        "lines": [(9, 1)],
        "address": ADDRESS,
        "quote": quote(),
        "coupon_id": None,
        "method": BALANCE,
        "remark": "放门口",
    }
    return CheckoutDraft(**{**fields, **changes})


# --- the draft -------------------------------------------------------------------------


def test_a_complete_draft_lacks_nothing() -> None:
    assert ready().problems() == []


def test_what_is_missing_in_the_forms_order() -> None:
    draft = CheckoutDraft(lines=None)
    assert [problem.field for problem in draft.problems()] == ["address", "items", "method"]
    assert draft.problems()[0].words == t("checkout.need_address")


def test_sold_out_lines_and_an_unavailable_method_are_problems() -> None:
    unavailable = MethodOption("balance", "余额", available=False)
    draft = ready(quote=quote(problems=[SOLD_OUT]), method=unavailable)
    assert draft.problems() == [
        Problem("items", "⚠ 已售罄"),
        Problem("method", t("checkout.need_method")),
    ]


def test_a_price_change_problem_is_not_a_stock_problem() -> None:
    moved = {"sku_id": 9, "code": "price_changed", "message": "涨价了"}
    assert ready(quote=quote(problems=[moved])).problems() == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (InvoiceForm("personal", "  "), "invoice_title"),
        (InvoiceForm("company", "某公司", "12345"), "invoice_tax_id"),
        (InvoiceForm("company", "某公司", "91330106MA2B1C3D4É"), "invoice_tax_id"),
        (InvoiceForm("company", "", "91330106MA2B1C3D4E"), "invoice_title"),
    ],
)
def test_an_invoice_needs_a_title_and_a_company_a_valid_tax_id(
    form: InvoiceForm, field: str
) -> None:
    (problem,) = ready(invoice_form=form).problems()
    assert problem.field == field


def test_the_invoice_as_sent() -> None:
    assert ready().invoice() is None
    personal = InvoiceForm("personal", " 张三 ")
    assert personal.invoice() == Invoice(type="personal", title="张三")
    company = InvoiceForm("company", "某公司", " 91330106ma2b1c3d4e ")
    assert company.problem() is None
    assert company.invoice() == Invoice(type="company", title="某公司", tax_id="91330106MA2B1C3D4E")


# --- the steps -------------------------------------------------------------------------


def order(order_id: int = 41) -> Any:
    return SimpleNamespace(id=order_id, order_no="K0041", total_fen=5_000)


def test_review_needs_a_complete_draft_and_remembers_the_total() -> None:
    checkout = Checkout()
    assert checkout.review(CheckoutDraft(lines=None))
    assert checkout.step == Step.FORM
    assert checkout.review(ready()) == []
    assert checkout.step == Step.REVIEW and checkout.reviewed_total == 5_000
    checkout.back_to_form()
    assert checkout.step == Step.FORM


async def reviewed(api: FakeApi) -> tuple[Checkout, FakeShop]:
    checkout = Checkout()
    checkout.review(ready())
    return checkout, FakeShop(api)


async def test_placing_checks_the_price_then_sends_the_draft() -> None:
    api = FakeApi(quote=[quote()], create_order=[order()])
    checkout, shop = await reviewed(api)
    placement = await checkout.place(shop, ready())
    assert placement.kind == "placed" and placement.order is not None
    assert checkout.step == Step.PLACED and checkout.order is placement.order
    (_, sent) = api.calls[-1]
    assert sent["address_id"] == 3 and sent["items"] == [(9, 1)] and sent["remark"] == "放门口"
    assert sent["payment_method"] == "balance"


async def test_a_changed_price_stops_before_sending_and_asks_again() -> None:
    api = FakeApi(quote=[quote(5_500), quote(5_500)], create_order=[order()])
    checkout, shop = await reviewed(api)
    placement = await checkout.place(shop, ready())
    assert placement.kind == "price_changed" and placement.reviewed_fen == 5_000
    assert checkout.step == Step.REVIEW and checkout.reviewed_total == 5_500
    assert "create_order" not in [name for name, _ in api.calls]
    assert (await checkout.place(shop, ready())).kind == "placed"


async def test_stock_gone_before_sending_goes_back_to_the_form() -> None:
    api = FakeApi(quote=[quote(problems=[SOLD_OUT])])
    checkout, shop = await reviewed(api)
    placement = await checkout.place(shop, ready())
    assert placement.kind == "stock_gone" and checkout.step == Step.FORM
    assert not checkout.placing.pending


async def test_no_answer_keeps_the_key_and_the_retry_sends_it_without_a_new_price_check() -> None:
    api = FakeApi(quote=[quote()], create_order=[errors.BackendUnreachable("timeout"), order()])
    checkout, shop = await reviewed(api)
    first = await checkout.place(shop, ready())
    assert first.kind == "unanswered" and checkout.step == Step.REVIEW
    assert checkout.placing.pending
    assert (await checkout.place(shop, ready())).kind == "placed"
    assert [name for name, _ in api.calls] == ["quote", "create_order", "create_order"]
    first_key, second_key = api.keys("create_order")
    assert first_key == second_key


@pytest.mark.parametrize(
    "error",
    [errors.ServerError("502"), errors.Conflict("same", code="IDEMPOTENCY_IN_FLIGHT")],
)
async def test_a_server_error_or_the_same_request_in_flight_also_keeps_the_key(
    error: errors.ApiError,
) -> None:
    checkout, shop = await reviewed(FakeApi(quote=[quote()], create_order=[error]))
    assert (await checkout.place(shop, ready())).kind == "unanswered"
    assert checkout.placing.pending


async def test_a_refusal_drops_the_key_and_goes_back_to_the_form() -> None:
    out_of_stock = errors.Conflict("只剩 1 件", code="OUT_OF_STOCK")
    checkout, shop = await reviewed(FakeApi(quote=[quote()], create_order=[out_of_stock]))
    placement = await checkout.place(shop, ready())
    assert placement.kind == "refused" and placement.error is out_of_stock
    assert checkout.step == Step.FORM and not checkout.placing.pending


async def test_the_price_check_unreachable_is_no_answer_before_any_key() -> None:
    checkout, shop = await reviewed(FakeApi(quote=[errors.BackendUnreachable("down")]))
    assert (await checkout.place(shop, ready())).kind == "unanswered"
    assert checkout.step == Step.REVIEW and not checkout.placing.pending


async def test_the_price_check_refused_by_the_server_goes_back_to_the_form() -> None:
    checkout, shop = await reviewed(FakeApi(quote=[errors.ServerError("500")]))
    assert (await checkout.place(shop, ready())).kind == "refused"
    assert checkout.step == Step.FORM


async def test_backing_out_of_the_login_keeps_the_step_and_sends_nothing() -> None:
    api = FakeApi(quote=[], create_order=[])
    checkout, shop = await reviewed(api)
    shop.cancel_login = True
    assert (await checkout.place(shop, ready())).kind == "login_cancelled"
    assert checkout.step == Step.REVIEW and api.calls == []
