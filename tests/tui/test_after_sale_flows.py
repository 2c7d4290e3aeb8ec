"""Pilot tests of after-sales against the in-process backend: the wizard from a delivered
order to the money back, refund-only before shipment, rejection and appeal, cancelling,
bad amounts, photos checked before upload, and return tracking numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fake_backend.clock import parse_iso
from fake_backend.context import Ctx
from fake_backend.services import logistics, sessions
from kshop_tui.api.backend import Backend
from kshop_tui.api.intent import new_intent_key
from kshop_tui.api.models import AfterSale, Order
from kshop_tui.app import KshopApp
from kshop_tui.screens.after_sales.after_sale_list import AfterSalesScreen
from kshop_tui.screens.after_sales.detail import AfterSaleDetailScreen
from kshop_tui.screens.after_sales.wizard import AfterSaleWizard
from kshop_tui.screens.confirm import ConfirmModal
from kshop_tui.widgets.file_picker import FilePickerModal, PhotoTree
from kshop_tui.widgets.status_badge import time_left
from tests.tui.helpers import poll_until, settle

MakeApp = Callable[..., KshopApp]


def returnable_sku(ctx: Ctx, *, min_price_fen: int = 5000) -> int:
    sku_id: int = ctx.db.scalar(
        "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id"
        " WHERE p.returnable = 1 AND s.stock > 5 AND s.price_fen >= ? ORDER BY s.id LIMIT 1",
        (min_price_fen,),
    )
    return sku_id


async def paid_order(backend: Backend, ctx: Ctx, token: str, *, qty: int = 1) -> Order:
    """An order of the demo user, paid from the balance (awaiting shipment)."""
    client = backend.client
    client.token = token
    address = next(a for a in await client.addresses() if a.is_default)
    order = await client.create_order(
        payment_method="balance",
        idempotency_key=new_intent_key(),
        items=[(returnable_sku(ctx), qty)],
        address_id=address.id,
    )
    await client.pay(order.id, "balance", "123456", idempotency_key=new_intent_key())
    return await client.order(order.id)


async def delivered_order(backend: Backend, ctx: Ctx, token: str) -> Order:
    """A paid order shipped, delivered and received by the demo user."""
    order = await paid_order(backend, ctx, token)
    logistics.ship(ctx, order.id)
    logistics.deliver(ctx, order.id)
    return await backend.client.confirm_receipt(order.id)


async def requested_return(
    backend: Backend, ctx: Ctx, token: str, *, amount_fen: int | None = None
) -> AfterSale:
    """A return-and-refund of a delivered order, asked for through the API."""
    order = await delivered_order(backend, ctx, token)
    eligibility = await backend.client.after_sale_eligibility(order.id)
    return await backend.client.create_after_sale(
        order_id=order.id,
        type="return_refund",
        item_ids=[item.id for item in order.items],
        reason="wrong_item",
        amount_fen=amount_fen or eligibility.max_refund_fen,
        idempotency_key=new_intent_key(),
        description="左耳没有声音",
    )


def balance(ctx: Ctx) -> int:
    value: int = ctx.db.scalar("SELECT balance_fen FROM users WHERE id = 1")
    return value


def hint(app: KshopApp, hint_id: str) -> str:
    return str(app.screen.query_one(f"#{hint_id}", Static).render())


async def open_wizard(pilot: Pilot[None], app: KshopApp, order_id: int) -> AfterSaleWizard:
    await settle(pilot)
    wizard = AfterSaleWizard(order_id)
    app.push_screen(wizard)
    await settle(pilot)
    return wizard


async def to_reason_step(pilot: Pilot[None]) -> None:
    await pilot.press("enter")  # choose the highlighted (first allowed) type
    await settle(pilot)
    await pilot.press("ctrl+n")  # keep the preselected items, on to the reason
    await settle(pilot)


async def retype(pilot: Pilot[None], field: Input, text: str) -> None:
    field.focus()
    field.value = ""
    await pilot.press(*text)  # type it as a person would
    await pilot.pause()


async def dev(app: KshopApp, path: str) -> None:
    assert app.shop.backend is not None
    await app.shop.backend.client._call("POST", path)


async def test_return_and_refund_to_the_money_back(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        assert wizard.step == "type"
        await pilot.press("enter")  # return and refund: the only type a delivered order has
        await settle(pilot)
        assert wizard.chosen_type == "return_refund" and wizard.step == "items"
        await pilot.press("ctrl+n")  # the one item is ticked already
        await settle(pilot)
        assert wizard.step == "reason"
        # The fifth reason: the merchant sent the wrong item (no photo needed; the first
        # four are quality problems, which need one).
        await pilot.press("down", "down", "down", "down", "enter")
        await pilot.pause()
        assert wizard.chosen_reason == "wrong_item"
        assert "merchant pays" in hint(app, "shipping-note")
        maximum = wizard.max_refund_fen()
        assert wizard.query_one("#amount", Input).value == f"{maximum // 100}.{maximum % 100:02d}"
        amount_fen = maximum - 1000
        await retype(pilot, wizard.query_one("#amount", Input), f"{amount_fen / 100:.2f}")
        await pilot.press("ctrl+n")  # to the review
        await settle(pilot)
        assert wizard.step == "review"
        review = str(wizard.query_one("#review-summary", Static).render())
        assert "merchant pays the return shipping" in review
        await pilot.press("ctrl+s")  # submit
        await settle(pilot)

        row = backend_ctx.db.one("SELECT * FROM after_sales WHERE order_id = ?", (order.id,))
        assert row is not None
        assert (row["type"], row["status"], row["reason"]) == (
            "return_refund",
            "requested",
            "wrong_item",
        )
        assert row["amount_fen"] == amount_fen
        detail = app.screen
        assert isinstance(detail, AfterSaleDetailScreen) and detail.after_sale_id == row["id"]
        assert "must answer by" in hint(app, "deadline")

        await dev(app, f"/_dev/after-sales/{row['id']}/approve")
        await pilot.press("r")  # refresh: send the goods back now
        await settle(pilot)
        assert detail.after_sale is not None and detail.after_sale.status == "awaiting_return"
        assert detail.query_one("#return-box").display
        await pilot.press("s")  # to the tracking number (carrier SF is chosen)
        await pilot.press(*"SF1234567890123", "enter")
        await settle(pilot)
        assert backend_ctx.db.scalar(
            "SELECT status FROM after_sales WHERE id = ?", (row["id"],)
        ) == ("return_shipped")
        assert detail.query_one("#parcel-box").display

        before = balance(backend_ctx)
        await dev(app, f"/_dev/after-sales/{row['id']}/receive")
        await pilot.press("r")  # refresh: refunded
        await settle(pilot)
        assert detail.after_sale is not None and detail.after_sale.status == "refunded"
        assert balance(backend_ctx) - before == amount_fen
        assert "refunded to your balance" in hint(app, "refund-note")


async def test_refund_only_before_shipment(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await paid_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        assert wizard.chosen_type == "refund_only"
        # Before shipment the whole order comes back, shipping included.
        assert wizard.max_refund_fen() == order.total_fen
        # Past the four quality problems, 发错货 and 未收到货 to "changed my mind".
        await pilot.press(*["down"] * 6)
        await pilot.press("enter")  # choose it
        assert wizard.chosen_reason == "changed_mind"
        assert "Nothing to send back" in hint(app, "shipping-note")
        await pilot.press("ctrl+n")  # the full amount is prefilled: to the review
        await settle(pilot)
        await pilot.press("ctrl+s")  # submit
        await settle(pilot)
        after_sale_id = backend_ctx.db.scalar(
            "SELECT id FROM after_sales WHERE order_id = ? AND type = 'refund_only'", (order.id,)
        )
        assert after_sale_id is not None
        before = balance(backend_ctx)
        await dev(app, f"/_dev/after-sales/{after_sale_id}/approve")
        await pilot.press("r")  # refresh
        await settle(pilot)
        assert balance(backend_ctx) - before == order.total_fen
        status = backend_ctx.db.scalar("SELECT status FROM orders WHERE id = ?", (order.id,))
        assert status == "closed"  # every item refunded: 交易关闭


async def test_types_the_order_does_not_allow_are_greyed_with_the_reason(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    unshipped = await paid_order(backend, backend_ctx, demo_token)
    delivered = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, unshipped.id)
        options = wizard.query_one("#type-options")
        for kind in ("return_refund", "exchange"):
            option = options.get_option(kind)  # type: ignore[attr-defined]
            assert option.disabled
            assert "has not shipped yet" in str(option.prompt)
        await pilot.press("escape")
        await settle(pilot)
        # Delivered: a refund only is there, for missing items or a quality problem only,
        # and the wizard starts on a return.
        wizard = await open_wizard(pilot, app, delivered.id)
        options = wizard.query_one("#type-options")
        refund_only = options.get_option("refund_only")  # type: ignore[attr-defined]
        assert not refund_only.disabled
        assert "Only for: Quality problem" in str(refund_only.prompt)
        assert "Not received" in str(refund_only.prompt)
        assert wizard.draft is not None and wizard.draft.preselected_kind() == "return_refund"


async def test_amount_above_the_maximum_is_refused_next_to_the_field(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        await pilot.press("enter")  # quality problem
        too_much = wizard.max_refund_fen() + 100
        typed = f"{too_much // 100}.{too_much % 100:02d}"
        await retype(pilot, wizard.query_one("#amount", Input), typed)
        await pilot.press("ctrl+n")  # try to go on
        await settle(pilot)
        assert wizard.step == "reason"
        assert "At most" in hint(app, "amount-hint")
        assert wizard.query_one("#amount", Input).value == typed
        await retype(pilot, wizard.query_one("#amount", Input), "0.00")
        await pilot.press("ctrl+n")
        assert wizard.step == "reason" and "At least ¥0.01" in hint(app, "amount-hint")
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


async def test_window_closing_while_the_wizard_is_open_is_said_and_keeps_the_form(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        await pilot.press(*["down"] * 4, "enter")  # the merchant sent the wrong item
        await retype(pilot, wizard.query_one("#description", Input), "broken")
        await pilot.press("ctrl+n")  # review
        await settle(pilot)
        backend_ctx.clock.advance(16 * 86400)  # every return window has closed
        # Sixteen days outlive the login too; the user is still at the terminal.
        backend.client.token, _ = sessions.issue(backend_ctx, 1)
        await pilot.press("ctrl+s")  # submit
        await settle(pilot)
        assert wizard.step == "review" and app.screen is wizard
        assert "return window closed on" in hint(app, "submit-error")
        assert wizard.query_one("#description", Input).value == "broken"
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0


async def test_one_intent_key_for_the_wizard_reused_on_retry(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    from kshop_tui.api import errors
    from kshop_tui.api.client import KshopClient

    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    keys: list[str] = []
    real_create = KshopClient.create_after_sale

    async def lost_answer(self: KshopClient, **kwargs: object) -> AfterSale:
        """The request reaches the shop, the answer never comes back."""
        keys.append(str(kwargs["idempotency_key"]))
        await real_create(self, **kwargs)  # type: ignore[arg-type]
        raise errors.BackendUnreachable("ReadTimeout")

    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        await pilot.press(*["down"] * 4, "enter")  # the merchant sent the wrong item
        await pilot.press("ctrl+n")  # review
        await settle(pilot)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(KshopClient, "create_after_sale", lost_answer)
            await pilot.press("ctrl+s")  # submit: the answer is lost
            await settle(pilot)
        assert "it will not be sent twice" in hint(app, "submit-error")
        await pilot.press("ctrl+s")  # retry
        await settle(pilot)
        assert isinstance(app.screen, AfterSaleDetailScreen)
        assert keys == [wizard.intent_key]
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 1


async def test_rejection_then_appeal(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await dev(app, f"/_dev/after-sales/{after_sale.id}/reject")
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        assert "rejected the request" in hint(app, "rejection")
        await pilot.press("a")  # to the appeal reason
        await pilot.press("enter")  # send it empty
        await settle(pilot)
        assert "Say why you appeal" in hint(app, "appeal-hint")
        status = backend_ctx.db.scalar(
            "SELECT status FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert status == "rejected"
        await pilot.press(*"商品确实有质量问题 有照片为证", "enter")  # a real reason
        await settle(pilot)
        row = backend_ctx.db.one(
            "SELECT status, appeal_reason FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert row is not None and row["status"] == "appealed"
        assert row["appeal_reason"] == "商品确实有质量问题 有照片为证"


async def test_rejection_then_modify_and_resubmit(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await dev(app, f"/_dev/after-sales/{after_sale.id}/reject")
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        await pilot.press("m")  # modify: the wizard opens prefilled
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, AfterSaleWizard) and wizard.resubmit is not None
        await pilot.press("enter")  # return and refund again
        await settle(pilot)
        await pilot.press("ctrl+n")  # same item
        await settle(pilot)
        assert wizard.chosen_reason == "wrong_item"
        smaller = after_sale.amount_fen - 500
        await retype(pilot, wizard.query_one("#amount", Input), f"{smaller / 100:.2f}")
        await pilot.press("ctrl+n")  # review
        await settle(pilot)
        await pilot.press("ctrl+s")  # resubmit
        await settle(pilot)
        assert isinstance(app.screen, AfterSaleDetailScreen)
        row = backend_ctx.db.one(
            "SELECT status, amount_fen FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert row is not None and (row["status"], row["amount_fen"]) == ("requested", smaller)


async def test_cancel_a_request_after_confirming(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        await pilot.press("x")  # cancel the request: asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # no
        await settle(pilot)
        status = backend_ctx.db.scalar(
            "SELECT status FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert status == "requested"
        await pilot.press("x")  # again
        await pilot.pause()
        await pilot.press("y")  # yes
        await settle(pilot)
        status = backend_ctx.db.scalar(
            "SELECT status FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert status == "cancelled"


async def test_tracking_number_of_the_wrong_shape_is_refused(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await dev(app, f"/_dev/after-sales/{after_sale.id}/approve")
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        await pilot.press("s")  # to the tracking number
        await pilot.press(*"SF12345", "enter")  # too short for SF
        await settle(pilot)
        assert "SF and 13 digits" in hint(app, "tracking-hint")
        assert app.screen.query_one("#tracking-no", Input).value == "SF12345"
        status = backend_ctx.db.scalar(
            "SELECT status FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert status == "awaiting_return"


async def test_book_a_courier_pickup(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await dev(app, f"/_dev/after-sales/{after_sale.id}/approve")
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        await pilot.press("k")  # to the pickup address (the default one is chosen)
        await pilot.press("tab")  # to the time slot
        await pilot.press("enter", "down", "enter")  # open it, take the first slot
        await pilot.press("tab", "enter")  # book
        await settle(pilot)
        row = backend_ctx.db.one(
            "SELECT status, pickup FROM after_sales WHERE id = ?", (after_sale.id,)
        )
        assert row is not None and row["status"] == "return_shipped" and row["pickup"]


# --- photos ------------------------------------------------------------------------


async def wait_for_folder(pilot: Pilot[None], entries: int = 1) -> FilePickerModal:
    """The picker reads the folder in a thread; waits until it shows `entries` entries
    (folders and photos). Fails if it never does."""

    def shown() -> bool:
        picker = pilot.app.screen
        return (
            isinstance(picker, FilePickerModal)
            and len(picker.query_one(PhotoTree).root.children) >= entries
        )

    await poll_until(pilot, shown, what=f"a picker showing {entries} entries")
    picker = pilot.app.screen
    assert isinstance(picker, FilePickerModal)
    return picker


async def add_photo_by_path(pilot: Pilot[None], app: KshopApp, path: Path) -> None:
    await pilot.press("ctrl+o")  # open the file picker
    await pilot.pause()
    picker = app.screen
    assert isinstance(picker, FilePickerModal)
    field = picker.query_one("#picker-path", Input)
    field.focus()
    field.value = str(path)  # type the path
    await pilot.press("enter")  # choose it
    await settle(pilot)


def uploads(ctx: Ctx) -> int:
    count: int = ctx.db.scalar("SELECT COUNT(*) FROM uploads")
    return count


async def test_a_real_png_uploads(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    photo_dir = tmp_path / "photos"
    photo_dir.mkdir()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(photo_dir / "earbud.png")
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        wizard._last_folder = photo_dir
        await pilot.press("ctrl+o")  # open the picker in the photos folder
        await wait_for_folder(pilot)
        await pilot.press("down", "enter")  # the one photo
        await settle(pilot)
        assert app.screen is wizard
        assert uploads(backend_ctx) == 1
        assert [photo.label.split()[0] for photo in wizard.photos] == ["earbud.png"]
        await pilot.press("enter")  # quality problem
        await pilot.press("ctrl+n")  # review
        await settle(pilot)
        await pilot.press("ctrl+s")  # submit
        await settle(pilot)
        photo_ids = backend_ctx.db.scalar("SELECT photo_ids FROM after_sales")
        upload_id = backend_ctx.db.scalar("SELECT id FROM uploads")
        assert photo_ids == f"[{upload_id}]"


async def test_a_text_file_named_png_is_refused_before_upload(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture")
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        await add_photo_by_path(pilot, app, fake)
        assert "notes.png is not a PNG or JPEG image" in hint(app, "photos-hint")
        assert uploads(backend_ctx) == 0 and wizard.photos == []


async def test_a_6_mb_photo_is_refused_before_upload(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    big = tmp_path / "huge.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (6 * 1024 * 1024))
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        await add_photo_by_path(pilot, app, big)
        assert "at most 5.0 MB" in hint(app, "photos-hint")
        assert uploads(backend_ctx) == 0 and wizard.photos == []


async def test_an_unreadable_path_is_refused_with_a_message(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str, tmp_path: Path
) -> None:
    order = await delivered_order(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(pilot, app, order.id)
        await to_reason_step(pilot)
        await pilot.press("ctrl+o")  # open the picker
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FilePickerModal)
        field = picker.query_one("#picker-path", Input)
        field.focus()
        field.value = str(tmp_path / "nowhere" / "x.png")
        await pilot.press("enter")  # a path that is not there: the picker says so
        await pilot.pause()
        assert app.screen is picker
        assert "No such file or folder" in str(picker.query_one("#picker-status").render())


async def test_the_after_sales_list_opens_one(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.action_after_sales()  # the command palette's "After-sales"
        await settle(pilot)
        assert isinstance(app.screen, AfterSalesScreen)
        assert [row.id for row in app.screen.table.entries] == [after_sale.id]
        await pilot.press("enter")  # open it
        await settle(pilot)
        assert isinstance(app.screen, AfterSaleDetailScreen)
        assert app.screen.after_sale_id == after_sale.id


async def test_the_merchants_deadline_counts_down_on_the_backends_clock(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    """The countdown compares the deadline with the backend's "now", which a demo can move
    on: the wall clock here is weeks after the frozen test clock, and must not matter."""
    after_sale = await requested_return(backend, backend_ctx, demo_token)
    assert after_sale.deadline_at is not None
    deadline = parse_iso(after_sale.deadline_at)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(AfterSaleDetailScreen(after_sale.id))
        await settle(pilot)
        left = deadline - backend_ctx.now()
        assert f"({time_left(left)} left)" in hint(app, "deadline")

        await app.shop.backend.client._call(  # a demo moves the backend's clock on by 23 hours
            "POST", "/_dev/clock/advance", json={"seconds": 23 * 3600}
        )
        assert isinstance(app.screen, AfterSaleDetailScreen)
        app.screen._tick()
        assert f"({time_left(left - 23 * 3600)} left)" in hint(app, "deadline")

        await app.shop.backend.client._call(  # and past the deadline
            "POST", "/_dev/clock/advance", json={"seconds": 3600}
        )
        app.screen._tick()
        assert "24 hours are over" in hint(app, "deadline")
