"""Orders and payments: place, list, view, change, cancel, confirm, pay; `/_dev` moves
pending QR payments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from fake_backend.deps import CtxDep, IdempotencyKey, LangDep, ShopperDep, run_idempotent
from fake_backend.schemas.account import MAX_SHORT_SECRET_LENGTH
from fake_backend.schemas.auth import MAX_PHONE_LENGTH
from fake_backend.schemas.common import AUTH_ERRORS, errors
from fake_backend.schemas.orders import (
    MAX_CURSOR_LENGTH,
    MAX_ID,
    MAX_ORDER_NO_LENGTH,
    AppointmentChange,
    CancelReasonList,
    Delivery,
    InvoiceIn,
    Order,
    OrderAddressChange,
    OrderCancel,
    OrderCounts,
    OrderCreate,
    OrderFilter,
    OrderItemsChange,
    OrderList,
    Payment,
    PaymentCreate,
    PaymentFail,
)
from fake_backend.services import (
    appointments,
    guests,
    order_changes,
    order_creation,
    order_states,
    order_views,
    payments,
    virtual_codes,
)
from fake_backend.services.addresses import inline_input

router = APIRouter(tags=["orders"], responses=AUTH_ERRORS)
dev_router = APIRouter()

OrderId = Annotated[int, Path(ge=1, le=MAX_ID)]
PaymentId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _invoice(invoice: InvoiceIn) -> order_views.InvoiceView:
    return {"type": invoice.type, "title": invoice.title, "tax_id": invoice.tax_id}


@router.post("/orders", response_model=Order, status_code=201, responses=errors(404, 409))
def create_order(
    body: OrderCreate,
    ctx: CtxDep,
    user: ShopperDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Places an order: stock (and a service's slot) is reserved and the coupon used at
    once; pay within 30 min. One kind of goods per order (docs/api.md §7.1). `address`
    (inline, kept on the order only) instead of `address_id`; a guest must give one and
    choose alipay, wechat_pay or bank_card (else 422 `NOT_FOR_GUESTS`)."""

    def place() -> order_views.OrderView:
        return order_creation.create_order(
            ctx,
            user.id,
            items=[(line.sku_id, line.qty) for line in body.items] if body.items else None,
            from_cart=body.from_cart,
            address_id=body.address_id,
            coupon_id=body.coupon_id,
            payment_method=body.payment_method,
            remark=body.remark,
            invoice=_invoice(body.invoice) if body.invoice is not None else None,
            lang=lang,
            slot_id=body.appointment.slot_id if body.appointment is not None else None,
            service_note=body.service_note,
            inline_address=inline_input(body.address) if body.address is not None else None,
            guest_phone=user.phone if user.guest else None,
        )

    return run_idempotent(
        ctx, user, idempotency_key, "POST /orders", body, place, Order, status_code=201
    )


@router.get("/orders", response_model=OrderList)
def list_orders(
    ctx: CtxDep,
    user: ShopperDep,
    status: OrderFilter = "all",
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> order_views.OrderPage:
    """The user's orders, newest first; `after_sale` lists those with an after-sale."""
    return order_views.list_orders(ctx, user.id, status, cursor, limit)


@router.get("/orders/counts", response_model=OrderCounts)
def order_counts(ctx: CtxDep, user: ShopperDep) -> order_views.OrderCountsView:
    """How many orders each tab of the orders screen holds."""
    return order_views.order_counts(ctx, user.id)


@router.get("/orders/cancel-reasons", response_model=CancelReasonList)
def cancel_reasons(user: ShopperDep, lang: LangDep) -> order_views.CancelReasonList:
    return order_views.cancel_reasons(lang)


@router.get("/orders/lookup", response_model=Order, responses=errors(404, 429))
def lookup_order(
    ctx: CtxDep,
    lang: LangDep,
    order_no: Annotated[str, Query(min_length=1, max_length=MAX_ORDER_NO_LENGTH)],
    phone: Annotated[str, Query(max_length=MAX_PHONE_LENGTH)],
    code: Annotated[str, Query(max_length=MAX_SHORT_SECRET_LENGTH)],
) -> order_views.OrderView:
    """A guest's order by its number and the phone it was placed with, no login needed:
    `code` is a guest-purpose SMS code for that phone (spent here). 404 alike for no such
    order and another phone's; a wrong code counts towards the phone's lockout (429)."""
    return guests.lookup_order(ctx, order_no, phone, code, lang)


@router.get("/orders/{order_id}", response_model=Order, responses=errors(404))
def get_order(
    order_id: OrderId, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> order_views.OrderView:
    return order_views.get_order(ctx, user.id, order_id, lang)


@router.put("/orders/{order_id}/items", response_model=Order, responses=errors(404, 409))
def change_items(
    order_id: OrderId, body: OrderItemsChange, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> order_views.OrderView:
    """Unpaid orders only: stock re-reserved, re-priced; a coupon that no longer applies
    goes back to the user."""
    lines = [(line.sku_id, line.qty) for line in body.items]
    return order_changes.change_items(ctx, user.id, order_id, lines, lang)


@router.put("/orders/{order_id}/address", response_model=Order, responses=errors(404, 409))
def change_address(
    order_id: OrderId, body: OrderAddressChange, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> order_views.OrderView:
    """Unpaid orders only: shipping and total follow the new address."""
    return order_changes.change_address(ctx, user.id, order_id, body.address_id, lang)


@router.post("/orders/{order_id}/cancel", response_model=Order, responses=errors(404, 409))
def cancel_order(
    order_id: OrderId, body: OrderCancel, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> order_views.OrderView:
    """Before shipment: stock and coupon come back; a paid order is refunded in full. A
    service until 24 h before its slot (then 409 TOO_LATE_TO_CANCEL); its slot comes back."""
    return order_states.cancel_order(ctx, user.id, order_id, body.reason, lang)


@router.get("/orders/{order_id}/delivery", response_model=Delivery, responses=errors(404, 409))
def order_delivery(order_id: OrderId, ctx: CtxDep, user: ShopperDep) -> virtual_codes.DeliveryView:
    """A paid virtual order's codes, one per unit (owner only). The first call marks them
    viewed: from then on the order cannot be refunded."""
    return virtual_codes.reveal(ctx, user.id, order_id)


@router.put("/orders/{order_id}/appointment", response_model=Order, responses=errors(404, 409))
def reschedule(
    order_id: OrderId, body: AppointmentChange, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> order_views.OrderView:
    """A service order moves to another slot of the same service: once, and only until 24 h
    before the booked slot starts."""
    return appointments.reschedule(ctx, user.id, order_id, body.slot_id, lang)


@router.post("/orders/{order_id}/confirm-receipt", response_model=Order, responses=errors(404, 409))
def confirm_receipt(
    order_id: OrderId, ctx: CtxDep, user: ShopperDep, lang: LangDep
) -> order_views.OrderView:
    """Shipped → completed."""
    return order_states.confirm_receipt(ctx, user.id, order_id, lang)


@router.post(
    "/orders/{order_id}/pay",
    response_model=Payment,
    status_code=201,
    responses=errors(402, 403, 404, 409, 429),
)
def pay_order(
    order_id: OrderId,
    body: PaymentCreate,
    ctx: CtxDep,
    user: ShopperDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Balance, bank card and pay-later settle at once (they need the payment password);
    Alipay and WeChat Pay answer a pending payment with a QR payload. A guest pays by QR
    or with `card` (no payment password); balance and bnpl are 422 `NOT_FOR_GUESTS`."""

    guest_card = (
        payments.GuestCard(body.card.card_number, body.card.holder_name)
        if body.card is not None
        else None
    )

    def check() -> None:
        payments.check_payment(
            ctx,
            user.id,
            order_id,
            body.method,
            body.payment_password,
            body.bank_card_id,
            guest=user.guest,
            guest_card=guest_card,
        )

    def start() -> payments.PaymentView:
        return payments.pay_checked(
            ctx, user.id, order_id, body.method, body.bank_card_id, guest_card
        )

    return run_idempotent(
        ctx,
        user,
        idempotency_key,
        f"POST /orders/{order_id}/pay",
        # The password is no part of the intent, and is not kept even as a hash; nor is a
        # guest's card number.
        body.model_dump(mode="json", exclude={"payment_password", "card"}),
        start,
        Payment,
        status_code=201,
        prepare=check,
    )


@router.get("/payments/{payment_id}", response_model=Payment, responses=errors(404))
def get_payment(payment_id: PaymentId, ctx: CtxDep, user: ShopperDep) -> payments.PaymentView:
    """Polled by the client while a QR code is shown; the demo's simulator pays only QR
    codes polled within the last few seconds."""
    return payments.poll(ctx, user.id, payment_id)


@dev_router.post("/payments/{payment_id}/succeed", response_model=Payment)
def dev_payment_succeed(payment_id: PaymentId, ctx: CtxDep) -> payments.PaymentView:
    return payments.succeed(ctx, payment_id)


@dev_router.post("/payments/{payment_id}/fail", response_model=Payment)
def dev_payment_fail(
    payment_id: PaymentId, ctx: CtxDep, body: PaymentFail | None = None
) -> payments.PaymentView:
    return payments.fail(ctx, payment_id, body.reason if body is not None else "declined")


@dev_router.post("/orders/{order_id}/complete-service", response_model=Order)
def dev_complete_service(order_id: OrderId, ctx: CtxDep, lang: LangDep) -> order_views.OrderView:
    """The merchant marks a service done (awaiting_service → completed)."""
    return appointments.complete_by_merchant(ctx, order_id, lang)
