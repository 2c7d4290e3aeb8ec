"""The client against the real backend, in process: every endpoint of docs/api.md §4 through
`KshopClient`, every answer parsed into its model, and no model field left to its default
(so a field the server renamed or dropped fails here, not on a screen)."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from pydantic import BaseModel

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.schemas import (
    account,
    addresses,
    after_sales,
    auth,
    cart,
    catalogue,
    checkout,
    coupons,
    insights,
    logistics,
    orders,
    search,
    support,
    wallet,
)
from fake_backend.services import rules
from kshop_tui.api import errors, models
from kshop_tui.api.backend import IN_PROCESS_URL
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import new_intent_key

DEMO_PHONE = "13800138000"
DEMO_PASSWORD = "demo1234"
DEMO_PAYMENT_PASSWORD = "123456"
NEW_PHONE = "13900139000"
NEW_PASSWORD = "newbie2026"
V = TypeVar("V")


# --- the contract, field by field ----------------------------------------------------

FIELD_PAIRS: list[tuple[type[BaseModel], type[BaseModel]]] = [
    (models.User, account.Me),
    (models.LinkedLogin, account.LinkedLogin),
    (models.LoginResult, auth.AuthResult),
    (models.SmsSent, auth.SmsCodeSent),
    (models.SmsMessage, auth.SmsMessage),
    (models.OAuthStart, auth.OAuthStart),
    (models.Category, catalogue.CategoryNode),
    (models.Brand, catalogue.BrandCount),
    (models.ProductSummary, catalogue.ProductSummary),
    (models.FoundProduct, catalogue.FoundProduct),
    (models.ProductPage, catalogue.ProductList),
    (models.Sku, catalogue.Sku),
    (models.SpecOption, catalogue.SpecOption),
    (models.Promotion, catalogue.Promotion),
    (models.CategoryCrumb, catalogue.CategoryRef),
    (models.ProductDetail, catalogue.ProductDetail),
    (models.Review, catalogue.Review),
    (models.ReviewPage, catalogue.ReviewList),
    (models.Suggestion, search.Suggestion),
    (models.Suggestions, search.SuggestionList),
    (models.SearchHistoryEntry, search.HistoryEntry),
    (models.ClaimableCoupon, coupons.ClaimableCoupon),
    (models.CartItem, cart.CartItem),
    (models.Cart, cart.Cart),
    (models.City, addresses.RegionCity),
    (models.Province, addresses.RegionProvince),
    (models.Address, addresses.Address),
    (models.QuoteLine, checkout.QuoteLine),
    (models.CouponOption, checkout.QuoteCoupon),
    (models.DeliveryWindow, checkout.EstimatedDelivery),
    (models.ShippingRule, checkout.ShippingRule),
    (models.QuoteProblem, checkout.QuoteProblem),
    (models.Quote, checkout.Quote),
    (models.OrderAddress, orders.OrderAddress),
    (models.OrderItem, orders.OrderItemOut),
    (models.Invoice, orders.Invoice),
    (models.OrderCoupon, orders.OrderCoupon),
    (models.OrderEvent, orders.OrderEvent),
    (models.DeliveryWindow, orders.DeliveryEstimate),
    (models.Order, orders.Order),
    (models.FirstItem, orders.FirstItem),
    (models.OrderSummary, orders.OrderSummary),
    (models.OrderPage, orders.OrderList),
    (models.OrderCounts, orders.OrderCounts),
    (models.CancelReason, orders.CancelReason),
    (models.Payment, orders.Payment),
    (models.Slot, catalogue.Slot),
    (models.DeliverySummary, orders.DeliverySummary),
    (models.Appointment, orders.Appointment),
    (models.DeliveryCode, orders.DeliveryCode),
    (models.Carrier, logistics.CarrierOut),
    (models.TrackingEvent, logistics.TrackingEvent),
    (models.DeliveryWindow, logistics.DeliveryWindow),
    (models.Tracking, logistics.Tracking),
    (models.OrderReview, logistics.ReviewOut),
    (models.Upload, after_sales.Upload),
    (models.AfterSaleReason, after_sales.ReasonOut),
    (models.EligibleItem, after_sales.EligibleItem),
    (models.ExchangeSku, after_sales.ExchangeSku),
    (models.ExchangeItem, after_sales.ExchangeItem),
    (models.ParcelRef, after_sales.Parcel),
    (models.Eligibility, after_sales.Eligibility),
    (models.AfterSaleItem, after_sales.AfterSaleItem),
    (models.PostalAddress, after_sales.ReturnAddress),
    (models.PostalAddress, after_sales.PickupAddress),
    (models.Pickup, after_sales.Pickup),
    (models.AfterSaleEvent, after_sales.TimelineEntry),
    (models.AfterSale, after_sales.AfterSale),
    (models.AfterSalePage, after_sales.AfterSaleList),
    (models.BankCard, wallet.BankCard),
    (models.Bnpl, wallet.Bnpl),
    (models.Wallet, wallet.Wallet),
    (models.Transaction, wallet.Transaction),
    (models.TransactionPage, wallet.TransactionList),
    (models.TopUp, wallet.TopupOut),
    (models.Bill, wallet.Bill),
    (models.Coupon, coupons.Coupon),
    (models.CheckIn, coupons.CheckInResult),
    (models.CheckInDay, coupons.CheckInDay),
    (models.CheckInStatus, coupons.CheckInStatus),
    (models.LastMessage, support.LastMessage),
    (models.SupportMessage, support.Message),
    (models.SupportThread, support.Thread),
    (models.SupportThreadDetail, support.ThreadDetail),
    (models.SupportThreadPage, support.ThreadList),
    (models.MonthSpend, insights.MonthSpend),
    (models.CategorySpend, insights.CategorySpend),
    (models.Insights, insights.Insights),
]


@pytest.mark.parametrize(
    ("client_model", "server_model"),
    FIELD_PAIRS,
    ids=[f"{c.__name__}-{s.__module__.rsplit('.', 1)[-1]}.{s.__name__}" for c, s in FIELD_PAIRS],
)
def test_each_model_names_the_fields_the_server_answers(
    client_model: type[BaseModel], server_model: type[BaseModel]
) -> None:
    assert set(client_model.model_fields) == set(server_model.model_fields)


def test_the_api_package_never_imports_textual() -> None:
    probe = (
        "import sys, kshop_tui.api.client, kshop_tui.api.backend; "
        "print([m for m in sys.modules if m.split('.')[0] == 'textual'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def complete(value: V) -> V:
    """`value`, after checking that no field of any model in it fell back on its default:
    the server sent every field the client declares."""
    if isinstance(value, BaseModel):
        missing = set(type(value).model_fields) - value.model_fields_set
        assert not missing, f"{type(value).__name__}: the server did not send {sorted(missing)}"
        for name in type(value).model_fields:
            complete(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            complete(item)
    elif isinstance(value, dict):
        for item in value.values():
            complete(item)
    return value


# --- fixtures and helpers --------------------------------------------------------------


@pytest.fixture
def backend_app(db_path: Path, clock: Clock) -> FastAPI:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
async def client(backend_app: FastAPI) -> AsyncIterator[KshopClient]:
    transport = httpx.ASGITransport(app=backend_app)
    api = KshopClient(IN_PROCESS_URL, transport=transport, language=lambda: "en")
    yield api
    await api.aclose()


@pytest.fixture
async def shopper(client: KshopClient) -> KshopClient:
    """The client logged in as the seeded demo user."""
    login = complete(await client.login_with_password(DEMO_PHONE, DEMO_PASSWORD))
    client.token = login.token
    return client


@pytest.fixture
async def newcomer(backend_app: FastAPI) -> AsyncIterator[KshopClient]:
    """A second client, logged in as a user who has just registered (no money, no
    address, no card, not verified)."""
    transport = httpx.ASGITransport(app=backend_app)
    api = KshopClient(IN_PROCESS_URL, transport=transport, language=lambda: "en")
    complete(await api.send_sms_code(NEW_PHONE, "register"))
    sms = complete(await api.dev_sms_codes(NEW_PHONE))
    login = complete(await api.register(NEW_PHONE, sms[-1].code, NEW_PASSWORD))
    api.token = login.token
    yield api
    await api.aclose()


async def dev(api: KshopClient, path: str, body: Any = None) -> Any:
    """The fake backend's simulator controls (`/_dev`), through the client's one door."""
    return await api._call("POST", f"/_dev{path}", json=body)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def id_number() -> str:
    first17 = "11010519900307123"
    return first17 + rules.id_check_char(first17)


def card_number(prefix: str = "622202123456789") -> str:
    """A Luhn-valid 16-digit card number starting with `prefix` (15 digits)."""
    for last in "0123456789":
        if rules.luhn_valid(prefix + last):
            return prefix + last
    raise AssertionError("no Luhn digit")


async def buyable_sku(api: KshopClient, qty: int = 2) -> tuple[models.ProductDetail, models.Sku]:
    """A returnable product with a SKU that has `qty` in stock."""
    page = await api.search_products(in_stock=True, sort="price_asc", price_min_fen=2_000)
    for summary in page.items:
        if not summary.returnable:
            continue
        product = await api.product(summary.id)
        for sku in product.skus:
            if sku.stock >= qty:
                return product, sku
    raise AssertionError("the seed has no buyable returnable SKU")


async def add_address(api: KshopClient) -> models.Address:
    return complete(
        await api.save_address(
            {
                "name": "李四",
                "phone": "13900139000",
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "detail": "文三路 100 号",
                "is_default": True,
            }
        )
    )


async def place_order(
    api: KshopClient, method: models.PaymentMethod = "balance", qty: int = 1
) -> models.Order:
    _, sku = await buyable_sku(api, qty)
    order = await api.create_order(
        items=[(sku.id, qty)], payment_method=method, idempotency_key=new_intent_key()
    )
    return complete(order)


async def paid_order(api: KshopClient) -> models.Order:
    order = await place_order(api)
    payment = await api.pay(
        order.id, "balance", DEMO_PAYMENT_PASSWORD, idempotency_key=new_intent_key()
    )
    assert payment.status == "succeeded"
    return complete(await api.order(order.id))


async def completed_order(api: KshopClient) -> models.Order:
    order = await paid_order(api)
    await dev(api, f"/orders/{order.id}/ship")
    await dev(api, f"/orders/{order.id}/deliver")
    return complete(await api.confirm_receipt(order.id))


# --- browse → cart → quote ---------------------------------------------------------------


async def test_browse_cart_addresses_and_quote(shopper: KshopClient) -> None:
    api = shopper
    me = complete(await api.me())
    assert me.phone == DEMO_PHONE and me.real_name_verified
    tree = complete(await api.categories())
    assert tree and tree[0].children
    brands = complete(await api.brands(category=tree[0].id))
    page = complete(await api.search_products(category=tree[0].id, brand=brands[0].name))
    assert page.items and all(p.brand == brands[0].name for p in page.items)
    product, sku = await buyable_sku(api, qty=3)
    complete(product)
    reviews = complete(await api.reviews(product.id))
    assert reviews.total >= len(reviews.items)
    assert product.image is not None
    assert (await api.image(product.image)).startswith(b"\x89PNG")
    complete(await api.claimable_coupons(product_id=product.id))

    cart = complete(await api.add_to_cart(sku.id, 2))
    line = next(item for item in cart.items if item.sku_id == sku.id)
    cart = complete(await api.update_cart_item(line.id, qty=3, selected=True))
    assert next(i for i in cart.items if i.id == line.id).qty == 3
    complete(await api.select_all(False))
    cart = complete(await api.select_all(True))
    assert cart.selected_count == cart.count

    provinces = complete(await api.regions())
    assert provinces[0].cities[0].districts
    address = await add_address(api)
    assert address in complete(await api.addresses())
    quote = complete(await api.quote(address_id=address.id))
    assert quote.total_fen == quote.subtotal_fen - quote.discount_fen + quote.shipping_fen
    assert quote.address_id == address.id
    single = complete(await api.quote(items=[(sku.id, 1)]))
    assert single.lines[0].price_fen == sku.price_fen

    cart = complete(await api.remove_cart_item(line.id))
    assert all(item.id != line.id for item in cart.items)
    await api.delete_address(address.id)
    assert address.id not in [a.id for a in await api.addresses()]


async def test_search_with_words_suggestions_and_history(shopper: KshopClient) -> None:
    api = shopper
    page = complete(await api.search_products(q="保温杯", sort="relevance"))
    assert page.items and page.terms
    assert any(item.highlights for item in page.items)
    for item in page.items:
        assert all(0 <= start < end <= len(item.name) for start, end in item.highlights)
    suggestions = complete(await api.search_suggest("保温", limit=5))
    assert suggestions.items and len(suggestions.items) <= 5 and not suggestions.closest
    await api.record_search("保温杯")
    await api.record_search("手机")
    history = complete(await api.search_history())
    assert [entry.q for entry in history][:2] == ["手机", "保温杯"]
    await api.clear_search_history()
    assert await api.search_history() == []


# --- orders --------------------------------------------------------------------------


async def test_create_order_is_idempotent_and_pending_orders_can_change(
    shopper: KshopClient,
) -> None:
    api = shopper
    _, sku = await buyable_sku(api, qty=3)
    key = new_intent_key()
    invoice = models.Invoice(type="personal", title="李四")
    first = await api.create_order(
        items=[(sku.id, 1)],
        payment_method="balance",
        remark="请放门口",
        invoice=invoice,
        idempotency_key=key,
    )
    complete(first)
    again = await api.create_order(
        items=[(sku.id, 1)],
        payment_method="balance",
        remark="请放门口",
        invoice=invoice,
        idempotency_key=key,
    )
    assert again.id == first.id and again.order_no == first.order_no
    with pytest.raises(errors.ValidationFailed) as caught:
        await api.create_order(items=[(sku.id, 2)], payment_method="balance", idempotency_key=key)
    assert caught.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert first.status == "pending_payment" and first.invoice == invoice
    assert {"pay", "cancel", "change_items", "change_address"} <= set(first.actions)

    page = complete(await api.orders("pending_payment"))
    assert first.id in [summary.id for summary in page.items]
    counts = complete(await api.order_counts())
    assert counts.pending_payment >= 1 and counts.all >= counts.pending_payment

    changed = complete(await api.change_order_items(first.id, [(sku.id, 2)]))
    assert changed.items[0].qty == 2 and changed.subtotal_fen == 2 * sku.price_fen
    address = await add_address(api)
    moved = complete(await api.change_order_address(first.id, address.id))
    assert moved.address.detail == address.detail

    reasons = complete(await api.cancel_reasons())
    cancelled = complete(await api.cancel_order(first.id, reasons[0].code))
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == reasons[0].label
    cancelled_page = complete(await api.orders("cancelled"))
    assert cancelled_page.items[0].id == first.id


async def test_pay_ship_track_confirm_and_review(shopper: KshopClient) -> None:
    api = shopper
    before = complete(await api.wallet())
    order = await place_order(api)
    key = new_intent_key()
    payment = complete(
        await api.pay(order.id, "balance", DEMO_PAYMENT_PASSWORD, idempotency_key=key)
    )
    assert payment.status == "succeeded" and payment.amount_fen == order.total_fen
    replay = await api.pay(order.id, "balance", DEMO_PAYMENT_PASSWORD, idempotency_key=key)
    assert replay.id == payment.id
    assert complete(await api.payment(payment.id)) == payment
    after = complete(await api.wallet())
    assert after.balance_fen == before.balance_fen - order.total_fen

    shipped = await dev(api, f"/orders/{order.id}/ship")
    assert shipped["order_status"] == "shipped"
    order = complete(await api.order(order.id))
    assert order.status == "shipped" and order.tracking_no
    tracking = complete(await api.order_logistics(order.id))
    assert tracking.tracking_no == order.tracking_no and tracking.events
    assert complete(await api.track_parcel(tracking.tracking_no)).events == tracking.events
    carriers = complete(await api.carriers())
    assert tracking.carrier in [carrier.code for carrier in carriers]

    await dev(api, f"/orders/{order.id}/deliver")
    delivered = complete(await api.order_logistics(order.id))
    assert delivered.status == "delivered" and delivered.estimated_delivery is None
    done = complete(await api.confirm_receipt(order.id))
    assert done.status == "completed" and "review" in done.actions

    written = complete(await api.review_order(order.id, 5, "很好用\n会回购", done.items[0].id))
    assert [review.order_item_id for review in written] == [done.items[0].id]
    assert written[0].text == "很好用\n会回购"
    assert complete(await api.order(order.id)).items[0].reviewed


# --- after-sales ---------------------------------------------------------------------


async def test_return_and_refund_puts_the_money_back(shopper: KshopClient) -> None:
    api = shopper
    order = await completed_order(api)
    balance = (await api.wallet()).balance_fen
    eligibility = complete(await api.after_sale_eligibility(order.id))
    assert "return_refund" in eligibility.types and eligibility.window_ends_at
    item = eligibility.items[0]
    reasons = complete(await api.after_sale_reasons())
    reason = next(r for r in reasons if "return_refund" in r.types)
    photo = complete(await api.upload_photo("破损.png", png_bytes(), "image/png"))
    assert photo.content_type == "image/png"

    key = new_intent_key()
    request: dict[str, Any] = {
        "order_id": order.id,
        "type": "return_refund",
        "item_ids": [item.item_id],
        "reason": reason.code,
        "amount_fen": item.refundable_fen,
        "description": "外壳\n有裂纹",
        "photo_ids": [photo.id],
    }
    after_sale = complete(await api.create_after_sale(**request, idempotency_key=key))
    assert after_sale.status == "requested" and after_sale.timeline
    assert after_sale.description == "外壳\n有裂纹" and after_sale.photo_ids == [photo.id]
    replay = await api.create_after_sale(**request, idempotency_key=key)
    assert replay.id == after_sale.id
    page = complete(await api.after_sales())
    assert page.items[0].id == after_sale.id
    assert complete(await api.after_sales(order_id=order.id)).items[0].id == after_sale.id

    await dev(api, f"/after-sales/{after_sale.id}/approve")
    approved = complete(await api.after_sale(after_sale.id))
    assert approved.status == "awaiting_return" and approved.return_address is not None
    assert {"ship_return", "book_pickup"} <= set(approved.actions)
    slots = await api.pickup_slots(after_sale.id)
    assert slots and all(isinstance(slot, str) for slot in slots)
    assert "SF" in [carrier.code for carrier in await api.carriers()]
    with pytest.raises(errors.ValidationFailed) as invalid:
        await api.ship_return(after_sale.id, "SF", "12345")
    assert "tracking_no" in invalid.value.fields
    shipped = complete(await api.ship_return(after_sale.id, "SF", "SF1234567890123"))
    assert shipped.status == "return_shipped" and shipped.return_tracking_no == "SF1234567890123"
    assert shipped.return_carrier == "SF"
    parcel = complete(await api.track_parcel("SF1234567890123"))
    assert parcel.carrier == "SF"

    await dev(api, f"/after-sales/{after_sale.id}/receive")
    refunded = complete(await api.after_sale(after_sale.id))
    assert refunded.status == "refunded" and refunded.refund_account
    wallet_now = complete(await api.wallet())
    assert wallet_now.balance_fen == balance + item.refundable_fen
    history = complete(await api.wallet_transactions(account="balance"))
    assert history.items[0].amount_fen == item.refundable_fen
    assert history.items[0].order_id == order.id
    assert complete(await api.order(order.id)).after_sale_status == "refunded"
    assert complete(await api.orders("after_sale")).items[0].id == order.id


async def test_rejected_after_sale_is_modified_appealed_or_cancelled(shopper: KshopClient) -> None:
    api = shopper
    order = await paid_order(api)
    eligibility = await api.after_sale_eligibility(order.id)
    assert eligibility.types == ["refund_only"] and "return_refund" in eligibility.not_allowed
    reason = next(
        r
        for r in await api.after_sale_reasons()
        if "refund_only" in r.types and not r.photo_required
    )
    fields: dict[str, Any] = {
        "type": "refund_only",
        "item_ids": [eligibility.items[0].item_id],
        "reason": reason.code,
        "amount_fen": eligibility.max_refund_fen,
    }
    after_sale = await api.create_after_sale(
        order_id=order.id, idempotency_key=new_intent_key(), **fields
    )
    await dev(api, f"/after-sales/{after_sale.id}/reject", {"note": "已发货"})
    rejected = complete(await api.after_sale(after_sale.id))
    assert rejected.status == "rejected" and rejected.merchant_note == "已发货"
    assert {"modify", "appeal"} <= set(rejected.actions)

    resubmitted = complete(
        await api.modify_after_sale(after_sale.id, description="还没收到货", **fields)
    )
    assert resubmitted.status == "requested" and resubmitted.description == "还没收到货"
    await dev(api, f"/after-sales/{after_sale.id}/reject")
    appealed = complete(await api.appeal_after_sale(after_sale.id, "商家拒绝理由不成立"))
    assert appealed.status == "appealed" and appealed.appeal_reason == "商家拒绝理由不成立"

    other = await paid_order(api)
    item = (await api.after_sale_eligibility(other.id)).items[0]
    pending = await api.create_after_sale(
        order_id=other.id,
        type="refund_only",
        item_ids=[item.item_id],
        reason=reason.code,
        amount_fen=item.refundable_fen,
        refund_to="red_packet",
        idempotency_key=new_intent_key(),
    )
    withdrawn = complete(await api.cancel_after_sale(pending.id))
    assert withdrawn.status == "cancelled"


async def test_an_exchange_is_followed_to_the_confirmed_replacement(shopper: KshopClient) -> None:
    api = shopper
    order = await completed_order(api)
    eligibility = complete(await api.after_sale_eligibility(order.id))
    assert "exchange" in eligibility.types
    item = eligibility.items[0]
    choice = next(sku for sku in item.exchange_skus if sku.stock > 0)
    reason = next(r for r in await api.after_sale_reasons() if r.code == "size_fit")
    assert reason.quality is False and reason.photo_required is False
    after_sale = complete(
        await api.create_after_sale(
            order_id=order.id,
            type="exchange",
            exchange_items={item.item_id: choice.sku_id},
            reason=reason.code,
            idempotency_key=new_intent_key(),
        )
    )
    assert after_sale.type == "exchange" and after_sale.amount_fen == 0
    assert after_sale.exchange_items[0].sku_id == choice.sku_id
    with pytest.raises(errors.Conflict):
        await api.confirm_replacement(after_sale.id)
    await dev(api, f"/after-sales/{after_sale.id}/approve")
    await api.ship_return(after_sale.id, "SF", "SF1234567890555")
    await dev(api, f"/after-sales/{after_sale.id}/receive")
    await dev(api, f"/after-sales/{after_sale.id}/reship")
    reshipped = complete(await api.after_sale(after_sale.id))
    assert reshipped.status == "reshipped" and reshipped.replacement is not None
    assert reshipped.replacement_confirm_by is not None
    parcel = await api.track_parcel(reshipped.replacement.tracking_no)
    assert parcel.carrier == reshipped.replacement.carrier
    done = complete(await api.confirm_replacement(after_sale.id))
    assert done.status == "completed" and done.actions == ["track_replacement"]


async def test_a_quality_problem_needs_a_photo_and_a_full_refund_closes_the_order(
    shopper: KshopClient,
) -> None:
    api = shopper
    order = await completed_order(api)
    eligibility = await api.after_sale_eligibility(order.id)
    assert "refund_only" in eligibility.quality_only
    assert "missing_items" in eligibility.reasons_by_type["refund_only"]
    item = eligibility.items[0]
    fields: dict[str, Any] = {
        "order_id": order.id,
        "type": "refund_only",
        "item_ids": [item.item_id for item in eligibility.items],
        "reason": "missing_items",
        "amount_fen": eligibility.max_refund_by_type["refund_only"],
    }
    with pytest.raises(errors.ValidationFailed) as refused:
        await api.create_after_sale(**fields, idempotency_key=new_intent_key())
    assert refused.value.code == "PHOTO_REQUIRED" and "photo_ids" in refused.value.fields
    photo = await api.upload_photo("少件.png", png_bytes(), "image/png")
    created = await api.create_after_sale(
        **fields, photo_ids=[photo.id], idempotency_key=new_intent_key()
    )
    await dev(api, f"/after-sales/{created.id}/approve")
    closed = complete(await api.order(order.id))
    assert closed.status == "closed" and closed.after_sale_status == "refunded"
    assert [o.id for o in (await api.orders("closed")).items] == [order.id]
    assert (await api.order_counts()).closed == 1
    assert item.item_id in [line.id for line in closed.items]


async def test_a_courier_pickup_can_be_booked_for_a_return(shopper: KshopClient) -> None:
    api = shopper
    order = await completed_order(api)
    item = (await api.after_sale_eligibility(order.id)).items[0]
    reason = next(
        r
        for r in await api.after_sale_reasons()
        if "return_refund" in r.types and not r.photo_required
    )
    after_sale = await api.create_after_sale(
        order_id=order.id,
        type="return_refund",
        item_ids=[item.item_id],
        reason=reason.code,
        amount_fen=item.refundable_fen,
        idempotency_key=new_intent_key(),
    )
    await dev(api, f"/after-sales/{after_sale.id}/approve")
    slots = await api.pickup_slots(after_sale.id)
    address = (await api.addresses())[0]
    booked = complete(await api.book_pickup(after_sale.id, address.id, slots[0]))
    assert booked.pickup is not None and booked.pickup.slot == slots[0]
    assert booked.pickup.address.detail == address.detail


# --- payments by QR and pay-later -----------------------------------------------------


async def test_a_qr_payment_is_pending_until_the_user_scans(shopper: KshopClient) -> None:
    api = shopper
    order = await place_order(api, method="alipay")
    payment = complete(await api.pay(order.id, "alipay", idempotency_key=new_intent_key()))
    assert payment.status == "pending" and payment.qr_payload and payment.expires_at
    assert complete(await api.order(order.id)).status == "pending_payment"
    await dev(api, f"/payments/{payment.id}/succeed")
    assert complete(await api.payment(payment.id)).status == "succeeded"
    paid = complete(await api.order(order.id))
    assert paid.status == "awaiting_shipment" and paid.paid_method == "alipay"


async def test_pay_later_after_real_name_and_a_card(newcomer: KshopClient) -> None:
    api = newcomer
    start = complete(await api.wallet())
    assert not start.bnpl.enabled and set(start.bnpl.missing) == {"real_name", "bank_card"}
    with pytest.raises(errors.Conflict):
        await api.enable_bnpl(accept_terms=True)
    user = complete(await api.verify_real_name("王小明", id_number()))
    assert user.real_name_verified
    card = complete(await api.add_bank_card(card_number(), "王小明"))
    assert card.last4 == card_number()[-4:]
    spare = complete(await api.add_bank_card(card_number("622848000011112"), "王小明"))
    assert len(complete(await api.bank_cards())) == 2
    await api.remove_bank_card(spare.id)
    assert [c.id for c in await api.bank_cards()] == [card.id]

    with pytest.raises(errors.ValidationFailed):
        await api.enable_bnpl(accept_terms=False)
    enabled = complete(await api.enable_bnpl(accept_terms=True))
    assert enabled.bnpl.enabled and enabled.bnpl.limit_fen > 0
    await api.set_payment_password("135790")
    key = new_intent_key()
    with pytest.raises(errors.Forbidden):
        await api.top_up(20_000, card.id, payment_password="000000", idempotency_key=key)
    topped = complete(
        await api.top_up(20_000, card.id, payment_password="135790", idempotency_key=key)
    )
    assert topped.balance_fen == 20_000 and topped.transaction.amount_fen == 20_000
    again = await api.top_up(20_000, card.id, payment_password="135790", idempotency_key=key)
    assert again.balance_fen == 20_000

    await add_address(api)
    order = await place_order(api, method="bnpl")
    payment = complete(await api.pay(order.id, "bnpl", "135790", idempotency_key=new_intent_key()))
    assert payment.status == "succeeded"
    bills = complete(await api.bnpl_bills()).items
    assert bills[0].order_id == order.id and bills[0].outstanding_fen == order.total_fen
    repaid = complete(await api.repay_bill(bills[0].id, payment_password="135790"))
    assert repaid.status == "repaid" and repaid.outstanding_fen == 0


# --- coupons, check-in, support, insights, account -------------------------------------


async def test_coupons_and_the_daily_check_in(shopper: KshopClient) -> None:
    api = shopper
    claimable = complete(await api.claimable_coupons())
    template = next(c for c in claimable if not c.claimed)
    coupon = complete(await api.claim_coupon(template.id))
    assert coupon.template_id == template.id and coupon.status == "usable"
    usable = complete(await api.coupons("usable")).items
    assert coupon.id in [c.id for c in usable]
    complete(await api.coupons("used"))
    complete(await api.coupons("expired"))
    with pytest.raises(errors.Conflict):
        await api.claim_coupon(template.id)

    checked = complete(await api.check_in())
    assert checked.streak >= 1
    with pytest.raises(errors.Conflict):
        await api.check_in()
    status = complete(await api.check_in_status())
    assert status.checked_in_today and status.streak == checked.streak


async def test_support_conversation_round_trip(shopper: KshopClient) -> None:
    api = shopper
    order = await paid_order(api)
    thread = complete(await api.open_thread("物流咨询", "什么时候发货？", order_id=order.id))
    assert thread.order_no == order.order_no and thread.messages[0].sender == "user"
    await dev(api, "/clock/advance", {"seconds": 5})
    await dev(api, "/simulator/step")
    replies = complete(await api.thread_messages(thread.id, after_id=thread.messages[-1].id)).items
    assert replies and replies[0].sender == "merchant" and order.order_no in replies[0].text

    mine = complete(await api.send_message(thread.id, "好的\n谢谢"))
    assert mine.text == "好的\n谢谢"
    assert [m.id for m in complete(await api.thread_messages(thread.id)).items][-1] == mine.id
    page = complete(await api.support_threads())
    assert page.items[0].id == thread.id and page.items[0].last_message is not None
    escalated = complete(await api.escalate_thread(thread.id))
    assert escalated.status == "escalated" and escalated.messages[-1].sender == "platform"
    closed = complete(await api.close_thread(thread.id))
    assert closed.status == "closed"
    assert complete(await api.support_thread(thread.id)) == closed
    with pytest.raises(errors.Conflict):
        await api.send_message(thread.id, "还在吗")


async def test_insights_count_what_was_spent(shopper: KshopClient) -> None:
    api = shopper
    order = await paid_order(api)
    overview = complete(await api.insights(months=3))
    assert overview.months == 3 and len(overview.spend_by_month) == 3
    assert overview.total_spend_fen >= order.total_fen
    assert overview.orders_by_status.get("awaiting_shipment", 0) >= 1
    assert complete(await api.insights()).months == 12


async def test_account_passwords_and_logout_everywhere(shopper: KshopClient) -> None:
    api = shopper
    user = complete(await api.change_password(DEMO_PASSWORD, "demo5678"))
    assert user.phone == DEMO_PHONE
    user = complete(await api.set_payment_password("654321", DEMO_PAYMENT_PASSWORD))
    assert user.has_payment_password
    await api.logout(everywhere=True)
    with pytest.raises(errors.AuthExpired):
        await api.me()


# --- refusals map to the client's exceptions ------------------------------------------


async def test_refusals_map_to_their_exceptions(
    shopper: KshopClient, newcomer: KshopClient
) -> None:
    await add_address(newcomer)
    theirs = await place_order(newcomer)
    with pytest.raises(errors.NotFound):
        await shopper.order(theirs.id)
    with pytest.raises(errors.NotFound):
        await shopper.pay(theirs.id, "alipay", idempotency_key=new_intent_key())

    await newcomer.set_payment_password("112233")
    with pytest.raises(errors.InsufficientFunds) as poor:
        await newcomer.pay(theirs.id, "balance", "112233", idempotency_key=new_intent_key())
    assert poor.value.status == 402

    mine = await completed_order(shopper)
    with pytest.raises(errors.Conflict) as conflict:
        await shopper.cancel_order(mine.id, (await shopper.cancel_reasons())[0].code)
    assert conflict.value.code == "INVALID_STATE"

    with pytest.raises(errors.Forbidden):
        await shopper.pay(
            (await place_order(shopper)).id, "balance", "000000", idempotency_key=new_intent_key()
        )

    with pytest.raises(errors.ValidationFailed) as invalid:
        await shopper.add_to_cart(mine.items[0].sku_id, 100)
    assert "qty" in invalid.value.fields
    with pytest.raises(errors.ValidationFailed) as invalid:
        await shopper.review_order(mine.id, 6, "太棒了")
    assert "rating" in invalid.value.fields
