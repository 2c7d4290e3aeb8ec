"""Pilot tests of §7.2–7.3 against the in-process backend: the wizard's exchange (a spec
picked, sold-out specs struck through and not selectable), a quality reason that asks for
a photo before anything is sent, refund-only after delivery with its own reasons, the
detail following the replacement parcel and confirming it, an appeal's outcome told, and
fully refunded orders under their own tab."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from textual.widgets import OptionList, RadioSet, Static

from fake_backend.context import Ctx
from kshop_tui.api.backend import Backend
from kshop_tui.api.intent import new_intent_key
from kshop_tui.api.models import AfterSale
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.after_sales.detail import AfterSaleDetailScreen
from kshop_tui.screens.confirm import ConfirmModal
from kshop_tui.screens.orders.order_list import OrdersScreen
from tests.tui.helpers import settle
from tests.tui.test_after_sale_flows import (
    delivered_order,
    dev,
    hint,
    open_wizard,
    paid_order,
    requested_return,
)

MakeApp = Callable[..., KshopApp]


def reason_codes(wizard: object, kind: str) -> list[str]:
    reason_set = wizard.query_one(f"#reasons-{kind}", RadioSet)  # type: ignore[attr-defined]
    return [str(button.name) for button in reason_set.query("RadioButton")]


async def exchange_through_the_api(backend: Backend, ctx: Ctx, token: str) -> AfterSale:
    """An exchange of a delivered order for another spec, reshipped by the merchant."""
    order = await delivered_order(backend, ctx, token)
    client = backend.client
    item = (await client.after_sale_eligibility(order.id)).items[0]
    wanted = next(
        choice.sku_id
        for choice in item.exchange_skus
        if choice.stock > 0 and choice.specs != item.specs
    )
    after_sale = await client.create_after_sale(
        order_id=order.id,
        type="exchange",
        exchange_items={item.item_id: wanted},
        reason="size_fit",
        idempotency_key=new_intent_key(),
    )
    base = f"/_dev/after-sales/{after_sale.id}"
    await client._call("POST", f"{base}/approve")
    await client.ship_return(after_sale.id, "SF", "SF1234567890888")
    await client._call("POST", f"{base}/receive")
    await client._call("POST", f"{base}/reship")
    return await client.after_sale(after_sale.id)


async def test_an_exchange_picks_a_spec_and_sold_out_ones_are_struck_through(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    sold_out = backend_ctx.db.scalar(
        "SELECT o.id FROM order_items i JOIN skus s ON s.id = i.sku_id"
        " JOIN skus o ON o.product_id = s.product_id AND o.price_fen = s.price_fen"
        " WHERE i.order_id = ? AND o.stock = 0 LIMIT 1",
        (order.id,),
    )
    assert sold_out is not None, "the test product has a sold-out spec at the same price"
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await pilot.press("down", "enter")  # from return and refund to exchange
        await settle(pilot)
        assert wizard.chosen_type == "exchange" and wizard.step == "items"
        await pilot.press("ctrl+n")  # the item is ticked
        await settle(pilot)
        assert wizard.step == "spec"
        options = wizard.query_one("#spec-options", OptionList)
        struck = options.get_option(f"{order.items[0].id}:{sold_out}")
        assert struck.disabled
        assert "sold out" in str(struck.prompt)
        assert any("strike" in str(span.style) for span in struck.prompt.spans)  # type: ignore[union-attr]
        await pilot.press("ctrl+n")  # nothing chosen yet: said, and the step stays
        await settle(pilot)
        assert wizard.step == "spec" and "Choose the spec" in hint(app, "spec-hint")
        await pilot.press("down", "enter")  # the next spec that is in stock
        await settle(pilot)
        assert wizard.draft is not None
        chosen = wizard.draft.chosen_spec(order.items[0].id)
        assert chosen is not None and not chosen.sold_out and not chosen.current
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert wizard.step == "reason"
        assert not wizard.query_one("#amount-row").display  # an exchange moves no money
        codes = reason_codes(wizard, "exchange")
        assert "size_fit" in codes and "changed_mind" not in codes
        await pilot.press(*["down"] * codes.index("size_fit"), "enter")
        assert wizard.chosen_reason == "size_fit"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert wizard.step == "review"
        review = str(wizard.query_one("#review-summary", Static).render())
        assert "Exchange for" in review and chosen.specs in review
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = backend_ctx.db.one(
            "SELECT type, status, exchange_items FROM after_sales WHERE order_id = ?",
            (order.id,),
        )
        assert row is not None and (row["type"], row["status"]) == ("exchange", "requested")
        assert str(chosen.sku_id) in row["exchange_items"]
        assert isinstance(app.screen, AfterSaleDetailScreen)


async def test_a_quality_reason_asks_for_a_photo_before_anything_is_sent(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    photo = tmp_path / "crack.png"
    Image.new("RGB", (32, 32), (200, 30, 30)).save(photo)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await pilot.press("enter")  # return and refund
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")  # the first reason: a quality problem
        await pilot.pause()
        assert wizard.chosen_reason == "quality_problem"
        # Said at once, before the user tries to go on.
        assert "needs at least one photo" in hint(app, "photos-hint")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert wizard.step == "reason"
        assert "Add at least one photo" in hint(app, "photos-hint")
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0
        await wizard.upload(photo)
        await settle(pilot)
        assert hint(app, "photos-hint") == ""
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert wizard.step == "review"
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = backend_ctx.db.one("SELECT reason, photo_ids FROM after_sales")
        assert row is not None and row["reason"] == "quality_problem" and row["photo_ids"] != "[]"


async def test_refund_only_after_delivery_offers_missing_items_and_not_received(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await pilot.press("up", "enter")  # refund only
        await settle(pilot)
        assert wizard.chosen_type == "refund_only"
        await pilot.press("ctrl+n")
        await settle(pilot)
        codes = reason_codes(wizard, "refund_only")
        assert codes == [
            "quality_problem",
            "damaged",
            "missing_items",
            "not_as_described",
            "not_received",
        ]
        await pilot.press(*["down"] * codes.index("not_received"), "enter")
        assert hint(app, "photos-hint") == ""  # 未收到货 needs no photo
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        after_sale_id = backend_ctx.db.scalar(
            "SELECT id FROM after_sales WHERE order_id = ? AND reason = 'not_received'",
            (order.id,),
        )
        assert after_sale_id is not None


async def test_the_detail_follows_the_replacement_and_confirms_it(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    exchange = await exchange_through_the_api(backend, backend_ctx, demo_token)
    assert exchange.replacement is not None
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(AfterSaleDetailScreen(exchange.id))
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, AfterSaleDetailScreen)
        assert detail.query_one("#confirm-row").display
        assert exchange.replacement.tracking_no in hint(app, "replacement-note")
        assert hint(app, "parcel-title").startswith("Replacement parcel:")
        assert "→" in hint(app, "detail-summary")
        await pilot.press("y")  # the replacement arrived: asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")  # yes
        await settle(pilot)
        status = backend_ctx.db.scalar(
            "SELECT status FROM after_sales WHERE id = ?", (exchange.id,)
        )
        assert status == "completed"
        assert not detail.query_one("#confirm-row").display
        assert t("as.status.completed") in hint(app, "detail-status")


async def test_a_read_begun_before_a_move_does_not_undo_it_on_screen(
    make_app: MakeApp,
    backend: Backend,
    backend_ctx: Ctx,
    demo_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Back from the confirm dialog, the screen re-reads the request while the move is
    being written; when that read answers last, its older state must not be shown over
    the move's answer (CI once showed "confirm" again after the replacement was confirmed)."""
    exchange = await exchange_through_the_api(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(AfterSaleDetailScreen(exchange.id))
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, AfterSaleDetailScreen)
        answer_the_read = asyncio.Event()
        read_before_the_move = backend.client.after_sale

        async def slow_read(after_sale_id: int) -> AfterSale:
            older = await read_before_the_move(after_sale_id)
            await answer_the_read.wait()
            return older

        monkeypatch.setattr(backend.client, "after_sale", slow_read)
        detail.load()
        await pilot.pause()
        confirmed = await backend.client.confirm_replacement(exchange.id)
        detail.show(confirmed)  # what the move's worker does with its answer
        answer_the_read.set()
        await settle(pilot)
        assert not detail.query_one("#confirm-row").display
        assert t("as.status.completed") in hint(app, "detail-status")


@pytest.mark.parametrize(("approve", "words"), [(True, "sided with you"), (False, "upheld")])
async def test_an_appeals_outcome_is_told(
    make_app: MakeApp,
    backend: Backend,
    backend_ctx: Ctx,
    demo_token: str,
    approve: bool,
    words: str,
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    client = backend.client
    await client._call("POST", f"/_dev/after-sales/{after_sale.id}/reject")
    await client.appeal_after_sale(after_sale.id, "商家拒绝没有道理")
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        assert "reviewing your appeal" in hint(app, "appeal-outcome")
        await client._call(
            "POST",
            f"/_dev/after-sales/{after_sale.id}/platform-decide",
            json={"approve": approve},
        )
        await pilot.press("r")
        await settle(pilot)
        assert words in hint(app, "appeal-outcome")
        detail = app.screen
        assert isinstance(detail, AfterSaleDetailScreen)
        # For the buyer, a return goes back to sending the goods.
        assert detail.query_one("#return-box").display is approve


async def test_a_fully_refunded_order_is_listed_as_closed_under_its_own_tab(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await paid_order(backend, backend_ctx, demo_token)
    refund = await backend.client.create_after_sale(
        order_id=order.id,
        type="refund_only",
        item_ids=[item.id for item in order.items],
        reason="changed_mind",
        amount_fen=order.total_fen,
        idempotency_key=new_intent_key(),
    )
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await dev(app, f"/_dev/after-sales/{refund.id}/approve")
        app.push_screen(OrdersScreen(tab="closed"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        assert [row.id for row in screen.rows] == [order.id]
        assert screen.counts is not None and screen.counts.closed == 1
        tabs = str(screen.query_one("#orders-tabs").render())
        assert "Closed 1" in tabs
        await pilot.press("x")  # cancel does not apply: said why
        await settle(pilot)
        assert any("closed" in str(n.message) for n in app._notifications)


def test_the_after_sales_list_shows_no_amount_for_an_exchange() -> None:
    from kshop_tui.screens.after_sales.after_sale_list import _cells
    from tests.shop.test_after_sale_flow import after_sale

    exchange = after_sale(type="exchange", status="requested", amount_fen=0)
    refund = after_sale(type="refund_only", status="requested", amount_fen=4500)
    assert str(_cells(exchange, 0.0)[-1]) == "—"
    assert str(_cells(refund, 0.0)[-1]) == "¥45.00"
