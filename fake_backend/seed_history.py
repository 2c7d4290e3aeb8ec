"""The demo account's past (`seed_demo_history`): orders in every state and after-sales of
each kind, so a sales demo opens on full order tabs; goods of each kind among them (virtual
codes not viewed yet, a service done and one booked), and reviews that fit what they review.

Everything goes through the services a shopper and a merchant would trigger (placing,
paying, shipping, delivering, confirming, cancelling, after-sale requests and answers,
the return parcel), on a clock of its own that walks from 40 days ago up to now: stock,
the wallet ledger, payments, parcels and every timeline agree as if it had all happened.
The states still waiting on someone are recent, so the time rules (30 minutes to pay,
24 h to answer an after-sale, 10 days to confirm) leave them for the demo to show.
"""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from fake_backend import seed_data as data
from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.services import (
    after_sale_appeals,
    after_sale_merchant,
    after_sale_requests,
    after_sale_returns,
    after_sale_rules,
    appointments,
    logistics,
    order_creation,
    order_states,
    payments,
    reviews,
    service_slots,
    uploads,
)
from fake_backend.storage import orders as order_store

HOUR = 3600.0
DAY = 24 * HOUR
HISTORY_DAYS = 40
LANG = "zh"


class _History:
    """The demo user's actions and the other side's answers, on the history's clock."""

    def __init__(self, ctx: Ctx) -> None:
        self.now = ctx.now()
        self.clock = Clock(self.now - HISTORY_DAYS * DAY, frozen=True)
        # Manual: nothing may move by itself while the history is written.
        self.ctx = Ctx(db=ctx.db, clock=self.clock, dev=ctx.dev, merchant="manual")
        user_id = ctx.db.scalar("SELECT id FROM users WHERE phone = ?", (data.DEMO_PHONE,))
        assert user_id is not None, "seed the demo account first"
        self.user_id = int(user_id)
        self.skus_used: set[int] = set()

    def at(self, days_ago: float) -> None:
        """Moves the history's clock forward to `days_ago` before now."""
        target = self.now - days_ago * DAY
        assert target >= self.clock.now(), "the history's steps go forward in time"
        self.clock.advance(target - self.clock.now())

    def sku(self, leaf: str) -> int:
        """A SKU of the family `leaf` with stock, not used by another order yet."""
        rows = self.ctx.db.all(
            "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
            " JOIN categories c ON c.id = p.category_id"
            " WHERE c.name_zh = ? AND s.stock >= 5 ORDER BY s.id",
            (leaf,),
        )
        for row in rows:
            if row["id"] not in self.skus_used:
                self.skus_used.add(row["id"])
                return int(row["id"])
        raise LookupError(f"no SKU in stock for {leaf}")

    def order(self, leaf: str, qty: int = 1, method: str = "balance") -> int:
        placed = order_creation.create_order(
            self.ctx,
            self.user_id,
            items=[(self.sku(leaf), qty)],
            from_cart=False,
            address_id=None,
            coupon_id=None,
            payment_method=method,
            remark="",
            invoice=None,
            lang=LANG,
        )
        return int(placed["id"])

    def book(self, leaf: str, days_ahead: int, note: str) -> int:
        """A service of the family `leaf`, booked for the first slot with room left
        `days_ahead` days from the history's today, and paid."""
        sku_id = self.sku(leaf)
        product_id = self.ctx.db.scalar("SELECT product_id FROM skus WHERE id = ?", (sku_id,))
        assert isinstance(product_id, int)
        first, _ = service_slots.booking_days(self.clock.now())
        day = str(first + timedelta(days=days_ahead))
        slots = service_slots.list_slots(self.ctx, product_id, day)["items"]
        slot = next(slot["id"] for slot in slots if slot["capacity_left"] > 0)
        placed = order_creation.create_order(
            self.ctx,
            self.user_id,
            items=[(sku_id, 1)],
            from_cart=False,
            address_id=None,
            coupon_id=None,
            payment_method="balance",
            remark="",
            invoice=None,
            lang=LANG,
            slot_id=slot,
            service_note=note,
        )
        order_id = int(placed["id"])
        self.clock.advance(60)
        self.pay(order_id)
        return order_id

    def review(self, order_id: int, leaf: str, pick: int = 0) -> None:
        """Reviews every item with a text of the goods' own pool (a T-shirt's review for
        a T-shirt, a service's for a service), at that text's rating."""
        text, rating = review_pool(leaf)[pick]
        reviews.post_review(self.ctx, self.user_id, order_id, None, rating, text)

    def pay(self, order_id: int, method: str = "balance") -> None:
        # `pay` less its password check, which must commit on its own: the history is
        # written in one transaction (all of it or none), and its password is right.
        payment = payments.pay_checked(self.ctx, self.user_id, order_id, method, None)
        if payment["status"] == "pending":  # a QR code, scanned on the phone
            self.clock.advance(40)
            payments.succeed(self.ctx, payment["id"])

    def paid(self, leaf: str, method: str = "balance", qty: int = 1) -> int:
        order_id = self.order(leaf, qty, method)
        self.clock.advance(60)
        self.pay(order_id, method)
        return order_id

    def ship(self, order_id: int, hours_later: float = 6) -> None:
        self.clock.advance(hours_later * HOUR)
        logistics.ship(self.ctx, order_id)

    def deliver(self, order_id: int) -> None:
        logistics.deliver(self.ctx, order_id)

    def confirm(self, order_id: int) -> None:
        order_states.confirm_receipt(self.ctx, self.user_id, order_id, LANG)

    def ask(self, order_id: int, kind: str, reason: str, note: str = "") -> int:
        """A request for every item of the order; an exchange is for each item's next
        spec at the same price (its own when it has no other)."""
        order = order_store.get_order(self.ctx.db, order_id)
        assert order is not None
        items = order_store.order_items(self.ctx.db, order_id)
        item_ids = [row["id"] for row in items]
        amount = after_sale_rules.assess(self.ctx, order).max_refund(item_ids)
        exchange = kind == "exchange"
        photo_ids = []
        if after_sale_rules.REASONS[reason].quality:
            photo = uploads.save(self.ctx, self.user_id, "开箱照片.png", _evidence_photo())
            photo_ids.append(int(photo["id"]))
        request = after_sale_requests.Request(
            type=kind,
            item_ids=None if exchange else item_ids,
            reason=reason,
            description=note,
            amount_fen=None if exchange else amount,
            refund_to="original",
            photo_ids=photo_ids,
            exchange_items=[
                after_sale_requests.ExchangeItem(row["id"], self._other_spec(row["sku_id"]))
                for row in items
            ]
            if exchange
            else None,
        )
        created = after_sale_requests.create(self.ctx, self.user_id, order_id, request, LANG)
        return int(created["id"])

    def _other_spec(self, sku_id: int) -> int:
        """Another spec of the product at the same price that no other order uses (its
        stock then moves for the exchange only)."""
        rows = self.ctx.db.all(
            "SELECT o.id FROM skus s JOIN skus o ON o.product_id = s.product_id"
            " AND o.price_fen = s.price_fen AND o.id != s.id AND o.stock >= 5"
            " WHERE s.id = ? ORDER BY o.id",
            (sku_id,),
        )
        for row in rows:
            if row["id"] not in self.skus_used:
                self.skus_used.add(row["id"])
                return int(row["id"])
        return sku_id

    def send_back(self, after_sale_id: int, tracking_no: str) -> None:
        after_sale_returns.ship_return(
            self.ctx, self.user_id, after_sale_id, "SF", tracking_no, LANG
        )


def seed_demo_history(ctx: Ctx) -> None:
    """Gives the demo account its past; run once, right after the demo shop is seeded."""
    history = _History(ctx)
    with ctx.db.tx():
        _write(history)
        # What it shows stays in its state for the demo: the simulator moves the session's.
        order_store.mark_showcase(ctx.db, history.user_id)


def _write(h: _History) -> None:
    # Completed: bought, shipped, delivered, receipt confirmed.
    h.at(40)
    done = h.paid("T恤")
    h.ship(done)
    h.at(37)
    h.deliver(done)
    h.at(36)
    h.confirm(done)
    h.at(35)
    h.review(done, "T恤")

    # Completed, then returned for a refund: the parcel came back, the money went out.
    h.at(30)
    returned = h.paid("耳机", method="alipay")
    h.ship(returned)
    h.at(27)
    h.deliver(returned)
    h.at(26)
    h.confirm(returned)
    h.at(25)
    return_refunded = h.ask(returned, "return_refund", "quality_problem", "右耳没有声音")
    h.clock.advance(3 * HOUR)
    after_sale_merchant.approve(h.ctx, return_refunded)
    h.at(24)
    h.send_back(return_refunded, "SF1234567890123")
    h.at(22)
    after_sale_merchant.receive(h.ctx, return_refunded)

    # Cancelled by the user before paying.
    h.at(20)
    cancelled = h.order("收纳")
    h.clock.advance(10 * 60)
    order_states.cancel_order(h.ctx, h.user_id, cancelled, "duplicate_order", LANG)

    # Refunded before shipping: a refund-only of every item closes the order.
    h.at(15)
    closed = h.paid("口红", method="wechat_pay")
    h.clock.advance(2 * HOUR)
    refunded_only = h.ask(closed, "refund_only", "other", "拍错色号了")
    h.clock.advance(1 * HOUR)
    after_sale_merchant.approve(h.ctx, refunded_only)

    # Completed; a return the merchant rejected, now appealed to the platform.
    h.at(12)
    appealed_order = h.paid("杯具")
    h.ship(appealed_order)
    h.at(10)
    h.deliver(appealed_order)
    h.at(9)
    h.confirm(appealed_order)
    h.at(8)
    appealed = h.ask(appealed_order, "return_refund", "damaged", "杯盖有裂痕")
    h.clock.advance(5 * HOUR)
    after_sale_merchant.reject(h.ctx, appealed, "杯盖出厂检验完好，请提供开箱视频")
    h.clock.advance(2 * HOUR)
    after_sale_appeals.appeal(
        h.ctx, h.user_id, appealed, "收到时杯盖已有裂痕，快递外箱也有压痕", LANG
    )

    # A service booked for the next day, done by the merchant after its slot, reviewed.
    h.at(7.6)
    serviced = h.book("家电清洗", days_ahead=1, note="客厅挂机一台，滤网很脏")
    h.at(6.1)
    appointments.complete_by_merchant(h.ctx, serviced, LANG)
    h.at(6.05)
    h.review(serviced, "家电清洗", pick=1)

    # Delivered, waiting for the receipt to be confirmed; a return approved, to send back.
    h.at(6)
    to_return = h.paid("鞋靴", method="bank_card")
    h.ship(to_return)
    h.at(2)
    h.deliver(to_return)
    h.at(1)
    awaiting_return = h.ask(to_return, "return_refund", "not_as_described", "鞋面颜色与图片不符")
    h.clock.advance(2 * HOUR)
    after_sale_merchant.approve(h.ctx, awaiting_return)

    # Delivered; exchanged for another size: the goods went back, the replacement is on
    # its way (confirm it, or it completes 10 days after it was shipped).
    h.at(0.9)
    exchanged = h.paid("T恤")
    h.ship(exchanged, hours_later=2)
    h.at(0.8)
    h.deliver(exchanged)
    h.clock.advance(1 * HOUR)
    exchange = h.ask(exchanged, "exchange", "size_fit", "尺码偏小，换大一码")
    h.clock.advance(1 * HOUR)
    after_sale_merchant.approve(h.ctx, exchange)
    h.at(0.7)
    h.send_back(exchange, "SF1234567890456")
    h.at(0.65)
    after_sale_merchant.receive(h.ctx, exchange)
    h.clock.advance(1 * HOUR)
    after_sale_merchant.reship(h.ctx, exchange)

    # On its way.
    h.at(0.5)
    on_the_way = h.paid("小说")
    h.ship(on_the_way, hours_later=3)

    # Virtual goods: paid, so delivered at once as codes, which nobody has viewed yet.
    h.at(0.3)
    h.paid("充值卡", qty=2)

    # A service booked for three days ahead: 待服务, reschedulable and cancellable.
    h.at(0.2)
    h.book("上门安装", days_ahead=3, note="55寸电视挂墙，墙面是承重墙")

    # Paid, waiting to be shipped; and one with a refund-only waiting for the merchant.
    h.at(0.1)
    h.paid("零食", method="alipay")
    to_refund = h.paid("床品")
    h.clock.advance(20 * 60)
    h.ask(to_refund, "refund_only", "changed_mind", "买重了")

    # Placed a minute ago, not paid yet (the 30-minute rule cancels it if nobody pays).
    h.at(1 / 24 / 60)
    h.order("茶饮")


def review_pool(leaf: str) -> list[tuple[str, int]]:
    """The review texts (with their ratings) that fit goods of the family `leaf`."""
    if leaf in {row[0] for row in data.SERVICES}:
        return data.SERVICE_REVIEWS
    pool: list[tuple[str, int]] = data.FAMILIES[leaf]["reviews"]
    return pool


def _evidence_photo() -> bytes:
    """A small photo for a request that needs one (a quality problem)."""
    image = Image.new("RGB", (64, 48), (236, 232, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 56, 40), outline=(120, 110, 100), width=2)
    draw.line((14, 12, 50, 36), fill=(200, 40, 40), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
