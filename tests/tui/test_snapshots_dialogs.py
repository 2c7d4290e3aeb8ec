"""How the screens several areas share look on their own: the confirm dialogs (the
account's and wallet's `ConfirmDialog`, after-sales' and support's `ConfirmModal`), the
secret prompt (payment or login password), and the demo SMS toast (the bundled backend's
outbox standing in for the phone) — at 80×24 and 120×40, in English and Chinese."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from kshop_tui.api.backend import Backend
from kshop_tui.api.clock import ServerClock
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.account.login import LoginScreen
from kshop_tui.screens.confirm import ConfirmDialog, ConfirmModal
from kshop_tui.screens.secret_prompt import SecretPromptModal
from tests.tui.helpers import settle

MakeApp = Callable[..., KshopApp]
SnapCompare = Callable[..., bool]
DEMO_PHONE = "13800138000"
FIXED_CODE = 246810
STILL = 1000.0

SIZES_AND_LANGUAGES = [
    pytest.param((80, 24), "en", id="80x24-en"),
    pytest.param((120, 40), "en", id="120x40-en"),
    pytest.param((80, 24), "zh_CN", id="80x24-zh"),
    pytest.param((120, 40), "zh_CN", id="120x40-zh"),
]


def over_browse(dialog: Callable[[], Screen[Any]]) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Opens `dialog` over the loaded browse screen."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.app.push_screen(dialog())
        await settle(pilot)

    return run_before


async def never_called(secret: str) -> None:
    raise AssertionError("the snapshot submits nothing")


def confirm_dialog() -> ConfirmDialog:
    question = t("account.ssh.remove_question", name="work laptop", fingerprint="SHA256:AbCd…")
    return ConfirmDialog(question, confirm_label=t("account.ssh.remove"), danger=True)


def confirm_modal() -> ConfirmModal:
    return ConfirmModal(t("as.cancel.question"), t("as.cancel.yes"))


def secret_prompt() -> SecretPromptModal:
    question = t("bnpl.repay_question", amount="¥128.00", order="KS261207000001", balance="¥500.00")
    return SecretPromptModal(
        question, kind="payment", confirm_label=t("bnpl.repay"), attempt=never_called
    )


# Made once the app runs: their words are in its language.
DIALOGS: dict[str, Callable[[], Screen[Any]]] = {
    "confirm_dialog": confirm_dialog,  # the account's and wallet's; a dangerous answer
    "confirm_modal": confirm_modal,  # after-sales' and support's
    "secret_prompt": secret_prompt,  # a payment password
}


@pytest.mark.parametrize(("size", "lang"), SIZES_AND_LANGUAGES)
class TestDialogs:
    @pytest.mark.parametrize("dialog", DIALOGS)
    def test_shared_dialog_over_browse(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        size: tuple[int, int],
        lang: str,
        dialog: str,
    ) -> None:
        app = make_app(lang=lang)
        assert snap_compare(app, terminal_size=size, run_before=over_browse(DIALOGS[dialog]))

    def test_demo_sms_code_shown_on_login(
        self,
        snap_compare: SnapCompare,
        make_app: MakeApp,
        backend: Backend,
        monkeypatch: pytest.MonkeyPatch,
        size: tuple[int, int],
        lang: str,
    ) -> None:
        # The code is random, and the resend countdown runs on the local clock: a fixed code
        # and a clock that stands still keep the screen the same from run to run.
        monkeypatch.setattr(secrets, "randbelow", lambda _: FIXED_CODE)
        backend.client.clock = ServerClock(monotonic=lambda: STILL)
        app = make_app(lang=lang)

        async def run_before(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.app.push_screen(LoginScreen())
            await settle(pilot)
            await pilot.press(*DEMO_PHONE)
            await pilot.press("ctrl+g")  # get a code: the demo shows it in a toast
            await settle(pilot)

        assert snap_compare(app, terminal_size=size, run_before=run_before)
