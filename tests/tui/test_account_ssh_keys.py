"""Linked SSH keys on the account screen: the list (keys linked through the backend's
service, as the SSH gateway links them), removal by keyboard with a confirmation, the
empty state; snapshots at 80×24 and 120×40, one in Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from fake_backend.context import Ctx
from fake_backend.services import ssh_keys
from kshop_tui.app import KshopApp
from kshop_tui.screens.account.settings import AccountScreen
from kshop_tui.screens.confirm import ConfirmDialog
from kshop_tui.shop.flows.account import short_fingerprint
from kshop_tui.widgets.row_table import RowTable
from tests.tui.conftest import SIZES
from tests.tui.helpers import settle, text_of
from tests.tui.test_wallet import DAY

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[None]], Awaitable[None]]
LAPTOP = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"
DESKTOP = "SHA256:Xq3lXHJ1Ej0cd9bF7wGZzYt7pWmNn0sKXe5wQ2rT8yA"
SECRET = "tui-test-secret"


def link_keys(ctx: Ctx) -> None:
    """Two keys, linked a month and a week ago; the laptop last used yesterday."""
    ctx.gateway_secret = SECRET
    start = ctx.clock.now()
    ctx.clock.advance(-30 * DAY)
    ssh_keys.link_key(ctx, 1, LAPTOP, "MacBook 笔记本")
    ctx.clock.advance(23 * DAY)
    ssh_keys.link_key(ctx, 1, DESKTOP, "")
    ctx.clock.advance(6 * DAY)
    ssh_keys.start_session(ctx, LAPTOP, SECRET, "zh")
    ctx.clock.advance(start - ctx.clock.now())


def ssh_rows(ctx: Ctx) -> list[str]:
    rows = ctx.db.all(
        "SELECT external_id FROM linked_logins WHERE user_id = 1 AND provider = 'ssh' ORDER BY id"
    )
    return [row["external_id"] for row in rows]


def test_fingerprints_are_shortened_to_their_ends() -> None:
    assert short_fingerprint(LAPTOP) == "SHA256:uNiV…tD2s"
    assert short_fingerprint("SHA256:short") == "SHA256:short"


async def test_the_list_shows_the_linked_keys_newest_first(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    link_keys(backend_ctx)
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        table = screen.query_one("#ac-ssh-keys", RowTable)
        assert table.display and table.row_count == 2
        newest, oldest = ([str(cell) for cell in table.get_row_at(index)] for index in range(2))
        assert newest == ["SSH key", "SHA256:Xq3l…T8yA", "2026-11-17", "never"]
        assert oldest[:2] == ["MacBook 笔记本", "SHA256:uNiV…tD2s"]
        assert oldest[2:] == ["2026-10-25", "2026-11-23 10:00"]
        assert not screen.query_one("#ac-ssh-status").display


async def test_removing_a_key_asks_first_and_deletes_only_that_row(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    link_keys(backend_ctx)
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        screen.query_one("#ac-ssh-keys", RowTable).focus()
        await pilot.press("down")  # to the older key, the laptop
        await pilot.press("x")  # remove it
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "MacBook 笔记本" in dialog.question and "SHA256:uNiV…tD2s" in dialog.question
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert app.screen is screen
        assert ssh_rows(backend_ctx) == [LAPTOP, DESKTOP]
        await pilot.press("delete")  # remove it after all
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")  # yes
        await settle(pilot)
        assert app.screen is screen
        assert ssh_rows(backend_ctx) == [DESKTOP]
        table = screen.query_one("#ac-ssh-keys", RowTable)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[1]) == short_fingerprint(DESKTOP)
        await pilot.press("x")  # and the last one
        await settle(pilot)
        await pilot.press("y")  # yes
        await settle(pilot)
        assert ssh_rows(backend_ctx) == []
        assert not table.display
        assert "ssh -p 2222" in text_of(screen, "#ac-ssh-status")
        await pilot.press("x")  # nothing left to remove: no question
        await settle(pilot)
        assert app.screen is screen


async def test_a_key_removed_elsewhere_meanwhile_just_leaves_the_list(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    link_keys(backend_ctx)
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        for key in ssh_keys.list_keys(backend_ctx, 1)["items"]:
            ssh_keys.unlink_key(backend_ctx, 1, key["id"])  # from another session
        await pilot.press("x")  # remove the highlighted key
        await settle(pilot)
        await pilot.press("y")  # yes
        await settle(pilot)
        assert app.screen is screen
        assert "ssh -p 2222" in text_of(screen, "#ac-ssh-status")


async def test_no_keys_explains_how_one_gets_linked(make_app: MakeApp, demo_token: str) -> None:
    app = make_app(token=demo_token, open_target="account")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.query_one("#ac-ssh-keys").display
        assert "Log in once over ssh -p 2222 host" in text_of(screen, "#ac-ssh-status")


# --- snapshots ---------------------------------------------------------------------------


def snap(snap_compare: SnapCompare, app: KshopApp, size: tuple[int, int]) -> bool:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


class TestSshKeySnapshots:
    @pytest.mark.parametrize("size", SIZES)
    def test_with_keys(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
    ) -> None:
        link_keys(backend_ctx)
        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, size)

    def test_with_keys_chinese(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        link_keys(backend_ctx)
        app = make_app(lang="zh_CN", token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24))

    def test_empty(self, snap_compare: SnapCompare, make_app: MakeApp, demo_token: str) -> None:
        app = make_app(token=demo_token, open_target="account")
        assert snap(snap_compare, app, (80, 24))

    def test_remove_question(
        self, snap_compare: SnapCompare, make_app: MakeApp, backend_ctx: Ctx, demo_token: str
    ) -> None:
        link_keys(backend_ctx)
        app = make_app(token=demo_token, open_target="account")

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("x")  # remove the highlighted (newest) key
            await settle(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
