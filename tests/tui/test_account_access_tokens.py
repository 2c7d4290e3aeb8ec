"""Personal access tokens on the account screen: the list (name, scopes, last used,
expiry), making one (checked before it is sent, refused fields shown by the field, the
token shown once with a warning and copied on request), revoking one after a question;
snapshots at 80×24 and 120×40, some in Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import access_tokens
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.account.access_token import CreateAccessTokenDialog
from kshop_tui.screens.account.settings import AccountScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.widgets.row_table import RowTable
from kshop_tui.widgets.toggles import Checkbox
from tests.tui.conftest import SIZES
from tests.tui.helpers import settle, text_of, wait_for_screen

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[None]], Awaitable[None]]
DAY = 86400
FIXED_SECRET = "Z" * 43


@pytest.fixture
def fixed_token(monkeypatch: pytest.MonkeyPatch) -> str:
    """The next tokens the backend makes are all this one (for snapshots of it)."""
    monkeypatch.setattr(
        access_tokens, "secrets", SimpleNamespace(token_urlsafe=lambda size: FIXED_SECRET)
    )
    return access_tokens.TOKEN_PREFIX + FIXED_SECRET


def make_tokens(ctx: Ctx) -> dict[str, str]:
    """A nightly importer used yesterday, a dashboard never used, and one expired."""
    start = ctx.clock.now()
    ctx.clock.advance(-40 * DAY)
    old = access_tokens.create(ctx, 1, "旧脚本", ["read"], 7)
    ctx.clock.advance(30 * DAY)
    nightly = access_tokens.create(ctx, 1, "nightly import", ["order", "pay"], 30)
    ctx.clock.advance(9 * DAY)
    access_tokens.resolve(ctx, nightly["token"], "order")
    ctx.clock.advance(start - ctx.clock.now())
    dashboard = access_tokens.create(ctx, 1, "dashboard", ["read"], 90)
    return {"old": old["token"], "nightly": nightly["token"], "dashboard": dashboard["token"]}


def live_names(ctx: Ctx) -> list[str]:
    return [item["name"] for item in access_tokens.list_tokens(ctx, 1)["items"]]


async def test_the_list_shows_name_scopes_last_use_and_expiry(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    make_tokens(backend_ctx)
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        table = screen.query_one("#ac-tokens", RowTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(3)]
        assert rows == [
            ["dashboard", "read", "never", "2027-02-22"],
            ["nightly import", "order · pay", "2026-11-23 10:00", "2026-12-14"],
            ["旧脚本", "read", "never", "expired"],
        ]
        assert not screen.query_one("#ac-tokens-status").display


async def test_making_a_token_shows_it_once_copies_it_and_lists_it(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "Press n" in text_of(screen, "#ac-tokens-status")
        await pilot.press("n")  # new token
        dialog = await wait_for_screen(pilot, CreateAccessTokenDialog)
        await pilot.press(*"cron")  # its name
        dialog.query_one("#tok-scope-order", Checkbox).value = True  # may order too
        days = dialog.query_one("#tok-days", Input)
        days.value = "7"  # a week
        dialog.query_one("#tok-name", Input).focus()
        await pilot.press("enter")  # create it
        await settle(pilot)
        [item] = access_tokens.list_tokens(backend_ctx, 1)["items"]
        assert item["name"] == "cron" and item["scopes"] == ["read", "order"]
        assert item["expires_at"] == "2026-12-01T02:00:00Z"
        shown = text_of(dialog, "#tok-token")
        assert shown.startswith("kspat_")
        assert access_tokens.resolve(backend_ctx, shown, "order").token_id == item["id"]
        assert "only time the token is shown" in text_of(dialog, "#tok-warning")
        await pilot.press("enter")  # Copy (focused)
        await settle(pilot)
        assert app.clipboard == shown
        await pilot.press("escape")  # leave: the list has it now
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one("#ac-tokens", RowTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == "cron"
        assert not any("kspat_" in str(cell) for cell in table.get_row_at(0))


async def test_a_form_with_problems_sends_nothing_and_says_why_by_each_field(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")  # new token
        dialog = await wait_for_screen(pilot, CreateAccessTokenDialog)
        dialog.query_one("#tok-scope-read", Checkbox).value = False  # no scope at all
        dialog.query_one("#tok-days", Input).value = "400"  # too long
        dialog.query_one("#tok-name", Input).focus()
        await pilot.press("enter")  # create, with no name either
        await settle(pilot)
        assert text_of(dialog, "#tok-name-hint") == t("tokens.name_required")
        assert text_of(dialog, "#tok-scopes-hint") == t("tokens.scopes_required")
        assert text_of(dialog, "#tok-days-hint") == t("tokens.days_range")
        assert app.screen is dialog
        assert live_names(backend_ctx) == []


async def test_a_refusal_from_the_backend_keeps_the_form_filled(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    for number in range(access_tokens.MAX_ACTIVE_TOKENS):
        access_tokens.create(backend_ctx, 1, f"t{number}", ["read"], 30)
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")  # new token
        dialog = await wait_for_screen(pilot, CreateAccessTokenDialog)
        await pilot.press(*"one more")  # its name
        await pilot.press("enter")  # create: the backend says there are too many
        await settle(pilot)
        assert "At most 20" in text_of(dialog, "#tok-general")
        assert dialog.query_one("#tok-name", Input).value == "one more"
        assert app.screen is dialog and dialog.query_one("#tok-form").display


async def test_revoking_asks_first_and_the_token_is_refused_at_once(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    tokens = make_tokens(backend_ctx)
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one("#ac-tokens", RowTable).focus()
        await pilot.press("down")  # to the nightly importer
        await pilot.press("r")  # revoke it
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "nightly import" in app.screen.question
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert live_names(backend_ctx) == ["dashboard", "nightly import", "旧脚本"]
        await pilot.press("r")  # revoke it after all
        await settle(pilot)
        await pilot.press("y")  # yes
        await settle(pilot)
        assert app.screen is screen
        assert live_names(backend_ctx) == ["dashboard", "旧脚本"]
        with pytest.raises(ApiError) as refused:
            access_tokens.resolve(backend_ctx, tokens["nightly"], "read")
        assert refused.value.code == "TOKEN_REVOKED"
        table = screen.query_one("#ac-tokens", RowTable)
        assert [str(table.get_row_at(index)[0]) for index in range(2)] == ["dashboard", "旧脚本"]


# --- snapshots ---------------------------------------------------------------------------


def snap(snap_compare: SnapCompare, app: KshopApp, size: tuple[int, int], steps: Steps) -> bool:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await steps(pilot)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def to_the_tokens(pilot: Pilot[None]) -> None:
    pilot.app.screen.query_one("#ac-tokens", RowTable).focus()  # scrolls the section in


class TestAccessTokenSnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_list(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        make_tokens(backend_ctx)
        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, size, to_the_tokens)

    def test_list_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        make_tokens(backend_ctx)
        app = make_app(lang="zh_CN", token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24), to_the_tokens)

    def test_empty(self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str) -> None:
        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24), to_the_tokens)

    @pytest.mark.parametrize("size", SIZES)
    def test_new_token_form_with_problems(
        self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str, size: tuple[int, int]
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("n")  # new token
            await settle(pilot)
            await pilot.press("tab")  # to the read scope
            await pilot.press("space")  # untick it: no scope left
            await pilot.press("shift+tab")  # back to the empty name
            await pilot.press("enter")  # create, nameless and scopeless
            await settle(pilot)

        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, size, steps)

    @pytest.mark.parametrize("lang", ["en", "zh_CN"])
    def test_the_token_shown_once(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        demo_token: str,
        fixed_token: str,
        lang: str,
    ) -> None:
        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("n")  # new token
            await settle(pilot)
            await pilot.press(*"nightly")  # its name
            await pilot.press("enter")  # create it (read, 30 days)
            await settle(pilot)

        app = make_app(lang=lang, token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24), steps)

    def test_revoke_question(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        make_tokens(backend_ctx)

        async def steps(pilot: Pilot[None]) -> None:
            await pilot.press("r")  # revoke the highlighted (newest) token
            await settle(pilot)

        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24), steps)
