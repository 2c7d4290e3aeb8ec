"""How issue 17's shorter ways look: the checkout on arrival with each method's digit and
the digit group in the footer, after `1` chose Alipay; and the command palette finding
账号与安全 by the alias 账户 — at 80×24 and 120×40, in Chinese and English."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from tests.tui.conftest import SIZES
from tests.tui.helpers import poll_until, settle
from tests.tui.test_checkout_flows import settle_debounced
from tests.tui.test_snapshots_checkout import checkout

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
LANGUAGES = ["zh_CN", "en"]


class TestFewerKeysSnapshots:
    @pytest.mark.parametrize("lang", LANGUAGES)
    @pytest.mark.parametrize("size", SIZES)
    def test_checkout_after_digit_one(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend_ctx: Ctx,
        demo_token: str,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        open_it = checkout(backend_ctx)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_it(pilot)
            await pilot.press("1")  # Alipay, with the focus still on "Pay with"
            await settle_debounced(pilot)  # the re-quote the choice debounced

        app = make_app(lang=lang, token=demo_token)
        assert snap_compare(app, terminal_size=size, run_before=run_before)

    @pytest.mark.parametrize(
        ("lang", "query"), [("zh_CN", "账户"), ("en", "profile")], ids=["zh_CN", "en"]
    )
    @pytest.mark.parametrize("size", SIZES)
    def test_palette_finds_a_command_by_another_name(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        size: tuple[int, int],
        lang: str,
        query: str,
    ) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await poll_until(
                pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette"
            )
            await pilot.press(*query)
            await settle(pilot)

        app = make_app(lang=lang)
        assert snap_compare(app, terminal_size=size, run_before=run_before)
