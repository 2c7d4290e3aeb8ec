"""The order rules without a screen: which actions an order and a list row offer, the
draft of an unpaid order's new items, the address an order came from, tracking numbers;
and, on the bundled backend through a real `ShopSession`, cancelling with a reason and
buying an order again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import order_creation, order_states, payments, sessions
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.api.models import Address, CancelReason, CartItem, OrderAddress, OrderSummary
from kshop_tui.i18n import t, tn
from kshop_tui.shop.flows import orders
from kshop_tui.shop.options import AppOptions
from kshop_tui.shop.session import ShopSession
from kshop_tui.text import money

DEMO_USER = 1
PAYMENT_PASSWORD = "123456"

# --- which actions an order offers -------------------------------------------------------


def test_an_order_offers_exactly_the_servers_actions() -> None:
    order: Any = SimpleNamespace(actions=["pay", "cancel", "change_items"])
    assert sorted(orders.offered_actions(order)) == ["cancel", "change_items", "pay"]
    assert orders.order_allows("cancel_order", order)
    assert not orders.order_allows("confirm_receipt", order)
    assert not orders.order_allows("after_sale", order)


def test_before_the_order_has_loaded_only_the_screens_own_keys_work() -> None:
    assert orders.offered_actions(None) == []
    assert not orders.order_allows("pay", None)
    assert not orders.order_allows("export_receipt", None)
    assert not orders.order_allows("contact_support", None)
    assert orders.order_allows("back", None)


def test_receipt_and_support_need_only_a_loaded_order() -> None:
    order: Any = SimpleNamespace(actions=[])
    assert orders.order_allows("export_receipt", order)
    assert orders.order_allows("contact_support", order)
    assert orders.offered_actions(order) == []


def summary(status: str, *, after_sale: str = "none", tracking_no: str | None = None) -> Any:
    return OrderSummary(
        id=1,
        order_no="KS1",
        status=status,
        after_sale_status=after_sale,
        created_at="2025-01-01T00:00:00Z",
        total_fen=100,
        item_count=1,
        tracking_no=tracking_no,
    )


@pytest.mark.parametrize(
    ("status", "payable", "cancellable", "after_sale"),
    [
        ("pending_payment", True, True, False),
        ("awaiting_shipment", False, True, True),
        ("shipped", False, False, True),
        ("completed", False, False, True),
        ("cancelled", False, False, False),
    ],
)
def test_a_list_row_offers_what_its_status_allows(
    status: str, payable: bool, cancellable: bool, after_sale: bool
) -> None:
    row = summary(status)
    assert orders.row_allows("pay", row) is payable
    assert orders.row_allows("cancel_order", row) is cancellable
    assert orders.row_allows("after_sale", row) is after_sale
    assert orders.row_allows("open", row)


def test_a_row_in_an_after_sale_cannot_be_cancelled() -> None:
    row = summary("awaiting_shipment", after_sale="in_progress")
    assert not orders.row_allows("cancel_order", row)


def test_only_a_shipped_or_completed_row_with_a_number_is_tracked() -> None:
    assert orders.row_allows("track", summary("shipped", tracking_no="SF1234567890123"))
    assert orders.row_allows("track", summary("completed", tracking_no="SF1234567890123"))
    assert not orders.row_allows("track", summary("shipped"))
    assert not orders.row_allows("track", summary("awaiting_shipment", tracking_no="SF1"))


def test_an_empty_list_offers_only_the_lists_own_keys() -> None:
    for action in ("pay", "cancel_order", "track", "after_sale", "open"):
        assert not orders.row_allows(action, None), action
    assert orders.row_allows("tab", None)


# --- the draft of an order's new items ------------------------------------------------------


def order_of(*lines: tuple[int, int]) -> Any:
    """An order of (sku_id, qty) lines, 10.00 each."""
    items = [
        SimpleNamespace(sku_id=sku, name=f"sku {sku}", specs={"size": "M"}, price_fen=1000, qty=qty)
        for sku, qty in lines
    ]
    return SimpleNamespace(items=items)


def cart_item(sku_id: int, stock: int, *, price_fen: int = 500) -> CartItem:
    return CartItem(
        id=sku_id,
        sku_id=sku_id,
        product_id=1,
        name=f"cart {sku_id}",
        specs={"colour": "red"},
        qty=1,
        selected=True,
        price_fen=price_fen,
        stock=stock,
    )


def test_the_stock_an_order_holds_is_summed_per_sku() -> None:
    assert orders.held_stock(order_of((1, 2), (2, 1), (1, 3))) == {1: 5, 2: 1}


def test_the_draft_starts_as_the_order_and_keeps_quantities_within_bounds() -> None:
    draft = orders.ItemsDraft(order_of((1, 2), (2, 98)))
    assert draft.wanted() == [(1, 2), (2, 98)]
    assert draft.change_qty(0, -1) and draft.wanted()[0] == (1, 1)
    assert not draft.change_qty(0, -1)  # never below one
    assert draft.change_qty(1, 5) and draft.wanted()[1] == (2, orders.MAX_PER_LINE)
    assert not draft.change_qty(1, 1)  # never above 99
    assert not draft.change_qty(7, 1)  # no such row


def test_the_last_line_is_never_removed() -> None:
    draft = orders.ItemsDraft(order_of((1, 1), (2, 1)))
    assert draft.can_remove()
    removed = draft.remove(0)
    assert removed is not None and removed.sku_id == 1
    assert not draft.can_remove()
    assert draft.remove(0) is None
    assert draft.wanted() == [(2, 1)]


def test_adding_a_cart_line_makes_a_line_or_one_more_on_it() -> None:
    draft = orders.ItemsDraft(order_of((1, 1)))
    assert draft.add(cart_item(2, stock=5, price_fen=700)) == 1
    assert draft.lines[1] == orders.DraftLine(2, "cart 2", {"colour": "red"}, 700, 1)
    assert draft.add(cart_item(1, stock=5)) == 0
    assert draft.wanted() == [(1, 2), (2, 1)]


def test_adding_never_takes_a_line_past_the_most_per_line() -> None:
    draft = orders.ItemsDraft(order_of((1, orders.MAX_PER_LINE)))
    assert draft.add(cart_item(1, stock=500)) == 0
    assert draft.wanted() == [(1, orders.MAX_PER_LINE)]


def test_why_a_cart_line_cannot_be_added() -> None:
    draft = orders.ItemsDraft(order_of((1, 2), (3, orders.MAX_PER_LINE)))
    assert draft.refusal(cart_item(2, stock=0)) == t("orders.add_from_cart.sold_out")
    max_words = t("orders.add_from_cart.max_per_line", max=orders.MAX_PER_LINE)
    assert draft.refusal(cart_item(3, stock=500)) == max_words
    # The two the order holds are its own: sold out in the shop, still two to have.
    assert draft.refusal(cart_item(1, stock=0)) == t("orders.add_from_cart.all_in_order", count=2)
    assert draft.refusal(cart_item(1, stock=1)) is None
    assert draft.refusal(cart_item(2, stock=1)) is None


def test_a_quote_reprices_the_lines_it_priced() -> None:
    draft = orders.ItemsDraft(order_of((1, 1), (2, 1)))
    draft.reprice({2: 1234})
    assert [line.price_fen for line in draft.lines] == [1000, 1234]


# --- the address, buying again, tracking numbers ------------------------------------------


def book_entry(entry_id: int, detail: str, phone: str = "13800000000") -> Address:
    return Address(
        id=entry_id,
        name="Li Lei",
        phone=phone,
        province="Zhejiang",
        city="Hangzhou",
        district="Xihu",
        detail=detail,
    )


def test_an_orders_address_is_found_in_the_book_by_what_it_says() -> None:
    snapshot = OrderAddress(
        name="Li Lei",
        phone="13800000000",
        phone_masked="138****0000",
        province="Zhejiang",
        city="Hangzhou",
        district="Xihu",
        detail="1 Lake Road",
    )
    book = [book_entry(4, "2 Lake Road"), book_entry(7, "1 Lake Road")]
    assert orders.address_id_of(snapshot, book) == 7
    other_phone = book_entry(7, "1 Lake Road", phone="13900000000")
    assert orders.address_id_of(snapshot, [other_phone]) is None
    assert orders.address_id_of(snapshot, []) is None


def test_buying_again_adds_each_line_with_its_quantity() -> None:
    changes = orders.buy_again_changes(order_of((5, 2), (6, 1)))
    assert [(c.op, c.sku_id, c.qty) for c in changes] == [("add", 5, 2), ("add", 6, 1)]


def test_tracking_numbers_are_checked_for_a_known_shape() -> None:
    assert orders.normalize_tracking_no(" sf 1234567890123\t") == "SF1234567890123"
    assert orders.looks_like_tracking_no("SF1234567890123")
    assert orders.looks_like_tracking_no("EA123456789CN")
    assert not orders.looks_like_tracking_no("SF123")
    assert not orders.looks_like_tracking_no("XX1234567890123")


# --- on the bundled backend ----------------------------------------------------------------


class RecordingHost:
    """A `ShopHost` that keeps what it was told; a login asked for is refused."""

    def __init__(self) -> None:
        self.user: Any = None
        self.told: list[tuple[str, str]] = []
        self.cart_count = 0
        self.backend_down = False

    def current_user(self) -> Any:
        return self.user

    def set_user(self, user: Any) -> None:
        self.user = user

    def set_cart_count(self, count: int) -> None:
        self.cart_count = count

    def set_backend_down(self, down: bool) -> None:
        self.backend_down = down

    async def ask_login(self, *, expired: bool) -> bool:
        return False

    def tell(self, message: str, *, severity: str = "information", title: str = "") -> None:
        self.told.append((severity, message))

    def in_background(self, work: Any, *, group: str) -> None:
        raise AssertionError("nothing runs in the background here")


@pytest.fixture
def backend_app(db_path: Path, clock: Clock) -> Any:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
def backend_ctx(backend_app: Any) -> Ctx:
    """The bundled backend's own context, to set up and read its rows."""
    context: Ctx = backend_app.state.ctx
    return context


@pytest.fixture
async def shop(backend_app: Any, backend_ctx: Ctx, tmp_path: Path) -> AsyncIterator[ShopSession]:
    """A session logged in as the demo user, its host a `RecordingHost`."""
    transport = httpx.ASGITransport(app=backend_app)
    client = KshopClient(IN_PROCESS_URL, transport=transport, language=lambda: "en")
    client.token, _ = sessions.issue(backend_ctx, DEMO_USER)
    backend = Backend(client=client, in_process=True, description="test")
    options = AppOptions(backend=backend, data_dir=tmp_path, persistent_tokens=False)
    session = ShopSession(RecordingHost(), options)
    assert await session.connect()
    yield session
    await client.aclose()


def host_of(shop: ShopSession) -> RecordingHost:
    assert isinstance(shop.host, RecordingHost)
    return shop.host


def sku_in_stock(ctx: Ctx, *, minimum: int = 20, skip: int = 0) -> int:
    row = ctx.db.one(
        "SELECT id FROM skus WHERE stock >= ? ORDER BY id LIMIT 1 OFFSET ?", (minimum, skip)
    )
    assert row is not None
    return int(row["id"])


def place(ctx: Ctx, lines: list[tuple[int, int]]) -> int:
    order = order_creation.create_order(
        ctx,
        DEMO_USER,
        items=lines,
        from_cart=False,
        address_id=None,
        coupon_id=None,
        payment_method="balance",
        remark="",
        invoice=None,
        lang="en",
    )
    return int(order["id"])


def status_of(ctx: Ctx, order_id: int) -> str:
    return str(ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order_id,)))


async def test_cancelling_asks_why_then_cancels_with_that_reason(
    shop: ShopSession, backend_ctx: Ctx
) -> None:
    order_id = place(backend_ctx, [(sku_in_stock(backend_ctx), 1)])
    offered: list[list[CancelReason]] = []

    async def choose(reasons: list[CancelReason]) -> str | None:
        offered.append(reasons)
        return reasons[-1].code

    cancelled = await orders.cancel_with_reason(shop, order_id, choose)
    assert offered and offered[0]
    assert cancelled is not None and cancelled.status == "cancelled"
    assert status_of(backend_ctx, order_id) == "cancelled"
    assert cancelled.cancel_reason == offered[0][-1].label
    said = t("orders.cancelled", order_no=cancelled.order_no)
    assert host_of(shop).told == [("information", said)]


async def test_backing_out_of_the_reasons_cancels_nothing(
    shop: ShopSession, backend_ctx: Ctx
) -> None:
    order_id = place(backend_ctx, [(sku_in_stock(backend_ctx), 1)])

    async def back_out(reasons: list[CancelReason]) -> str | None:
        return None

    assert await orders.cancel_with_reason(shop, order_id, back_out) is None
    assert status_of(backend_ctx, order_id) == "pending_payment"
    assert host_of(shop).told == []


async def test_a_paid_order_cancelled_says_what_was_refunded(
    shop: ShopSession, backend_ctx: Ctx
) -> None:
    order_id = place(backend_ctx, [(sku_in_stock(backend_ctx), 1)])
    payments.pay(backend_ctx, DEMO_USER, order_id, "balance", PAYMENT_PASSWORD, None)

    async def first(reasons: list[CancelReason]) -> str | None:
        return reasons[0].code

    cancelled = await orders.cancel_with_reason(shop, order_id, first)
    assert cancelled is not None and cancelled.refunded_fen == cancelled.total_fen > 0
    said = t("orders.cancelled_refunded", amount=money(cancelled.refunded_fen))
    assert host_of(shop).told == [("information", said)]


async def test_a_refused_cancel_is_shown_and_answers_none(
    shop: ShopSession, backend_ctx: Ctx
) -> None:
    order_id = place(backend_ctx, [(sku_in_stock(backend_ctx), 1)])

    async def cancelled_elsewhere_first(reasons: list[CancelReason]) -> str | None:
        order_states.cancel_order(backend_ctx, DEMO_USER, order_id, reasons[0].code, "en")
        return reasons[0].code

    assert await orders.cancel_with_reason(shop, order_id, cancelled_elsewhere_first) is None
    ((severity, words),) = host_of(shop).told
    assert severity == "error" and words


async def test_buying_again_fills_the_cart_and_says_what_was_refused(
    shop: ShopSession, backend_ctx: Ctx
) -> None:
    kept, gone = sku_in_stock(backend_ctx), sku_in_stock(backend_ctx, skip=1)
    order_id = place(backend_ctx, [(kept, 2), (gone, 1)])
    with backend_ctx.db.tx():
        backend_ctx.db.execute("UPDATE skus SET stock = 0 WHERE id = ?", (gone,))
    client = await shop.client()
    await orders.add_to_cart_again(shop, await client.order(order_id))
    cart = await client.cart()
    assert [(item.sku_id, item.qty) for item in cart.items] == [(kept, 2)]
    told = host_of(shop).told
    assert [severity for severity, _ in told] == ["warning", "information"]
    assert told[1][1] == tn("orders.buy_again_done", 1)
    assert host_of(shop).cart_count == cart.count
