"""Snapshots of the guest and confirmation screens (docs/api.md §7.4–7.5) at 80×24, in
English and Chinese: the login screen's guest tab, the address form after a paste, a
guest's card payment, and the login password asked to turn two-step verification off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kshop_tui.app import KshopApp
from kshop_tui.screens.account.address_form import AddressFormModal
from kshop_tui.screens.payment.guest_card import GuestCardModal
from kshop_tui.shop.flows.payment import guest_method_options
from tests.tui.helpers import settle
from tests.tui.test_snapshots_login import snap

SnapCompare = Callable[..., bool]
LANGS = [pytest.param("en", id="en"), pytest.param("zh_CN", id="zh")]
SSH = (80, 24)
PASTED = "收货人：张三，手机号码：13800138000，浙江省杭州市西湖区文三路100号 周末送货"


@pytest.mark.parametrize("lang", LANGS)
def test_login_guest_tab(
    snap_compare: SnapCompare, make_app: Callable[..., KshopApp], lang: str
) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+t", "ctrl+t", "ctrl+t")  # to the guest tab
        await pilot.press(*"13712345678")  # a phone

    assert snap(snap_compare, make_app(lang=lang), SSH, steps)


@pytest.mark.parametrize("lang", LANGS)
def test_address_form_after_a_paste(
    snap_compare: SnapCompare, make_app: Callable[..., KshopApp], demo_token: str, lang: str
) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        form = pilot.app.screen
        paste = form.query_one("#af-paste", Input)
        paste.focus()
        paste.value = PASTED
        await pilot.press("enter")  # read it: the fields fill themselves
        await settle(pilot)

    app = make_app(lang=lang, token=demo_token)
    assert snap(snap_compare, app, SSH, steps, screen=AddressFormModal)


@pytest.mark.parametrize("lang", LANGS)
def test_guest_card_payment(
    snap_compare: SnapCompare, make_app: Callable[..., KshopApp], lang: str
) -> None:
    def card_modal() -> Any:
        card = next(o for o in guest_method_options() if o.method == "bank_card")
        return GuestCardModal(1, card, 9490)

    async def steps(pilot: Pilot[None]) -> None:
        await pilot.press(*"6225")  # a card number begun
        await pilot.press("enter")  # too short: said so

    assert snap(snap_compare, make_app(lang=lang), SSH, steps, screen=card_modal)


@pytest.mark.parametrize("lang", LANGS)
def test_two_step_off_asks_the_login_password(
    snap_compare: SnapCompare,
    make_app: Callable[..., KshopApp],
    demo_token: str,
    backend_ctx: Any,
    lang: str,
) -> None:
    backend_ctx.db.execute("UPDATE users SET two_factor_enabled = 1 WHERE id = 1")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("t")  # two-step verification off: the password is asked for
        await settle(pilot)
        await pilot.press(*"wrong999", "enter")  # a wrong one
        await settle(pilot)

    app = make_app(lang=lang, token=demo_token, open_target="account")
    assert snap_compare(app, terminal_size=SSH, run_before=run_before)
