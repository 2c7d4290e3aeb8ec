"""Pilot tests of coupons and the daily check-in: check in (and the server's refusal of a
second one the same day), claim from the claim centre, the new-user coupon."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from fake_backend.context import Ctx
from fake_backend.services.rules import china_day
from kshop_tui.app import KshopApp
from kshop_tui.screens.wallet.coupons import CouponsScreen
from tests.tui.helpers import settle, text_of
from tests.tui.test_wallet import new_user

MakeApp = Callable[..., KshopApp]


async def test_check_in_then_again_shows_the_servers_refusal(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="coupons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CouponsScreen)
        assert "Not checked in today" in text_of(screen, "#cp-check-in-text")
        await pilot.press("k")  # check in
        await settle(pilot)
        panel = text_of(screen, "#cp-check-in-text")
        assert "Days in a row: 1" in panel and "Checked in today" in panel
        usable = [coupon.kind for coupon in screen.mine("cp-usable").entries]
        assert "check_in" in usable
        await pilot.press("k")  # check in again the same day
        await settle(pilot)
        assert "You have already checked in today" in text_of(screen, "#cp-check-in-text")
    today = china_day(backend_ctx.clock.now())
    rows = backend_ctx.db.all("SELECT day FROM check_ins WHERE user_id = 1")
    assert [row["day"] for row in rows] == [today]


async def test_check_in_from_the_command_palette_action(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.action_check_in()  # what the palette's "Daily check-in" runs
        await settle(pilot)
        assert isinstance(app.screen, CouponsScreen)
    assert backend_ctx.db.scalar("SELECT COUNT(*) FROM check_ins WHERE user_id = 1") == 1


async def test_claim_a_coupon_in_the_claim_centre(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="coupons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CouponsScreen)
        for _ in range(3):
            await pilot.press("right_square_bracket")  # on to the claim centre
        await settle(pilot)
        offers = screen.claimable
        assert any(offer.claimed for offer in offers)  # the demo user's 满199减20
        target = next(index for index, offer in enumerate(offers) if not offer.claimed)
        for _ in range(target):
            await pilot.press("down")  # to the first coupon not yet claimed
        await pilot.press("enter")  # claim it
        await settle(pilot)
        assert screen.claimable[target].claimed
        cell = screen.query_one("#cp-claim-table", DataTable).get_row_at(target)[-1]
        assert "claimed" in str(cell)
        await pilot.press("enter")  # again: already ours, nothing is sent
        await settle(pilot)
        assert "You already have" in text_of(screen, "#cp-claim-status")
    claimed = backend_ctx.db.all(
        "SELECT template_id FROM user_coupons WHERE user_id = 1 AND template_id = ?",
        (offers[target].id,),
    )
    assert len(claimed) == 1


async def test_the_new_user_coupon_is_listed_after_register(
    make_app: MakeApp, backend_ctx: Ctx
) -> None:
    _, token = new_user(backend_ctx)
    app = make_app(token=token, open_target="coupons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CouponsScreen)
        assert [coupon.kind for coupon in screen.mine("cp-usable").entries] == ["new_user"]
        first = screen.query_one("#cp-usable-table", DataTable).get_row_at(0)
        assert "New member" in str(first[0]) and "new-user gift" in str(first[0])


async def test_a_long_list_of_coupons_loads_the_next_page_near_the_end(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    now = backend_ctx.clock.now()
    with backend_ctx.db.tx():
        for days in range(2, 26):
            backend_ctx.db.insert(
                "INSERT INTO user_coupons(user_id, template_id, status, claimed_at, expires_at)"
                " VALUES (1, 1, 'usable', ?, ?)",
                (now, now + days * 86400),
            )
    soonest_first = [
        row["id"]
        for row in backend_ctx.db.all(
            "SELECT id FROM user_coupons WHERE user_id = 1 AND status = 'usable'"
            " ORDER BY expires_at, id"
        )
    ]
    app = make_app(token=demo_token, open_target="coupons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CouponsScreen)
        table = screen.mine("cp-usable")
        assert [coupon.id for coupon in table.entries] == soonest_first[:20]
        assert "more below" in text_of(screen, "#cp-usable-status")
        await pilot.press("end")  # to the last row: the next page comes
        await settle(pilot)
        assert [coupon.id for coupon in table.entries] == soonest_first
        assert table.row_count == len(soonest_first) == 25
        assert "more below" not in text_of(screen, "#cp-usable-status")
