"""How subscriptions (周期购) look: the subscribe form (as it opens, with problems by their
fields, with the payment password over it), the change form, the list (three kinds of
subscription, a period skipped for want of stock) and empty, and the notice at start —
each at 80×24 and 120×40, in English and Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fake_backend.context import Ctx
from fake_backend.services import subscriptions as subscription_service
from kshop_tui.app import KshopApp
from kshop_tui.screens.secret_prompt import SecretPromptModal
from kshop_tui.screens.subscriptions.subscription_form import SubscriptionFormModal
from tests.tui.helpers import settle, wait_for_screen
from tests.tui.test_snapshots_shop import settle_product
from tests.tui.test_subscriptions import (
    DAY,
    WAITING,
    first_sku,
    long_token,
    physical_product,
    set_stock,
    subscribe,
)

__all__ = ["long_token"]  # a fixture these tests use

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]

SIZES_AND_LANGUAGES = [
    pytest.param((80, 24), "en", id="80x24-en"),
    pytest.param((120, 40), "en", id="120x40-en"),
    pytest.param((80, 24), "zh_CN", id="80x24-zh"),
    pytest.param((120, 40), "zh_CN", id="120x40-zh"),
]


def three_kinds(ctx: Ctx) -> None:
    """One placed over three weeks with the middle week sold out and skipped, one paused,
    one cancelled; the clock ends on 2026-12-08 at 10:00 (China)."""
    product_id = physical_product(ctx)
    sku_id = first_sku(ctx, product_id)
    subscribe(ctx, sku_id)
    ctx.clock.advance(1)
    subscription_service.place_due(ctx)  # week 1: ordered
    set_stock(ctx, sku_id, 0)
    ctx.clock.advance(7 * DAY)
    subscription_service.place_due(ctx)  # week 2: sold out…
    for _ in range(3):
        ctx.clock.advance(DAY)
        subscription_service.place_due(ctx)  # …retried, then skipped
    set_stock(ctx, sku_id, 50)
    ctx.clock.advance(4 * DAY)
    subscription_service.place_due(ctx)  # week 3: ordered
    paused = subscribe(ctx, sku_id, qty=1, every="month", starts_on="2026-12-20")
    subscription_service.pause(ctx, 1, paused, "en")
    cancelled = subscribe(ctx, sku_id, qty=4, every="two_weeks", starts_on="2026-12-09")
    subscription_service.cancel(ctx, 1, cancelled, "en")


def to_the_list(*presses: str) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("o")  # orders
        await settle(pilot)
        await pilot.press("S")  # subscriptions
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot, waiting=WAITING)

    return run_before


def to_the_form(
    fill: Callable[[SubscriptionFormModal], None] | None = None,
    *,
    submit: bool = False,
    password: bool = False,
) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle_product(pilot)  # a key before the coupon row fills in scrolls the page
        await pilot.press("S")  # subscribe
        form = await wait_for_screen(pilot, SubscriptionFormModal)
        await settle(pilot, waiting=WAITING)
        if fill is not None:
            fill(form)
        if submit:
            form.query_one("#sf-qty", Input).focus()
            await pilot.press("enter")  # subscribe
            if password:
                await wait_for_screen(pilot, SecretPromptModal)
            await settle(pilot, waiting=WAITING)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def with_problems(form: SubscriptionFormModal) -> None:
    form.query_one("#sf-qty", Input).value = "0"
    form.query_one("#sf-starts", Input).value = "2026-11-01"


@pytest.mark.parametrize(("size", "lang"), SIZES_AND_LANGUAGES)
class TestSubscribeForm:
    def test_as_it_opens(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        app = make_app(
            lang=lang, token=long_token, open_target=f"product {physical_product(backend_ctx)}"
        )
        assert snap_compare(app, terminal_size=size, run_before=to_the_form())

    def test_with_problems_by_their_fields(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        app = make_app(
            lang=lang, token=long_token, open_target=f"product {physical_product(backend_ctx)}"
        )
        run_before = to_the_form(with_problems, submit=True)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    def test_the_payment_password(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        app = make_app(
            lang=lang, token=long_token, open_target=f"product {physical_product(backend_ctx)}"
        )
        run_before = to_the_form(submit=True, password=True)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize(("size", "lang"), SIZES_AND_LANGUAGES)
class TestSubscriptionList:
    def test_three_kinds_with_a_skipped_week(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        three_kinds(backend_ctx)
        app = make_app(lang=lang, token=long_token)
        # The cursor on the weekly one: its three weeks below.
        assert snap_compare(app, terminal_size=size, run_before=to_the_list("down"))

    def test_a_period_failing(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        sku_id = first_sku(backend_ctx, physical_product(backend_ctx))
        subscribe(backend_ctx, sku_id)
        set_stock(backend_ctx, sku_id, 0)
        backend_ctx.clock.advance(1)
        subscription_service.place_due(backend_ctx)  # today's: sold out, tried again tomorrow
        app = make_app(lang=lang, token=long_token)
        assert snap_compare(app, terminal_size=size, run_before=to_the_list())

    def test_empty(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        app = make_app(lang=lang, token=long_token)
        assert snap_compare(app, terminal_size=size, run_before=to_the_list())

    def test_changing_one(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        three_kinds(backend_ctx)
        app = make_app(lang=lang, token=long_token)
        assert snap_compare(app, terminal_size=size, run_before=to_the_list("down", "e"))

    def test_a_refused_key_says_why(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        long_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        three_kinds(backend_ctx)
        app = make_app(lang=lang, token=long_token)
        assert snap_compare(app, terminal_size=size, run_before=to_the_list("G", "p"))


@pytest.mark.parametrize(("size", "lang"), SIZES_AND_LANGUAGES)
def test_the_notice_at_start(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    backend_ctx: Ctx,
    long_token: str,
    size: tuple[int, int],
    lang: str,
) -> None:
    three_kinds(backend_ctx)
    app = make_app(lang=lang, token=long_token)
    assert snap_compare(app, terminal_size=size, run_before=settle)
