"""Pasting a whole address into the address form (智能识别, docs/api.md §7.4): the
backend reads it, the fields fill themselves and are shown for a check; nothing is saved
until the user saves."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Select

from fake_backend.context import Ctx
from kshop_tui.app import KshopApp
from kshop_tui.i18n import t
from kshop_tui.screens.account.address_form import AddressFormModal
from tests.tui.helpers import settle, text_of

MakeApp = Callable[..., KshopApp]
PASTED = "收货人：王建国，手机号码：139-1111-2222，北京海淀区中关村大街27号"


def addresses(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM addresses WHERE deleted = 0"))


async def paste(pilot: object, form: AddressFormModal, text: str) -> None:
    field = form.query_one("#af-paste", Input)
    field.focus()
    field.value = text


async def test_a_pasted_address_fills_the_form_for_a_check_then_saves(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    before = addresses(backend_ctx)
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = AddressFormModal()
        await app.push_screen(form)
        await settle(pilot)
        await paste(pilot, form, PASTED)
        await pilot.press("enter")  # read it
        await settle(pilot)
        assert app.screen is form  # filled, not saved
        assert addresses(backend_ctx) == before
        assert form.query_one("#af-name", Input).value == "王建国"
        assert form.query_one("#af-phone", Input).value == "13911112222"
        assert form.query_one("#af-province", Select).value == "北京市"
        assert form.query_one("#af-city", Select).value == "北京市"
        assert form.query_one("#af-district", Select).value == "海淀区"
        assert form.query_one("#af-detail", Input).value == "中关村大街27号"
        assert t("address.paste.filled") in text_of(form, "#af-paste-hint")
        await pilot.press("ctrl+s")  # the user checked: save
        await settle(pilot)
        assert app.screen is not form
    row = backend_ctx.db.one("SELECT * FROM addresses ORDER BY id DESC LIMIT 1")
    assert row is not None and row["district"] == "海淀区" and row["phone"] == "13911112222"
    assert addresses(backend_ctx) == before + 1


async def test_a_partial_paste_says_what_it_missed_and_keeps_what_was_typed(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(lang="zh_CN", token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = AddressFormModal()
        await app.push_screen(form)
        await settle(pilot)
        form.query_one("#af-phone", Input).value = "13700001111"
        await paste(pilot, form, "李四 浙江杭州西湖区文三路100号 周末送")
        await pilot.press("enter")  # read it
        await settle(pilot)
        hint = text_of(form, "#af-paste-hint")
        assert "手机号" in hint and "已自动填写" in hint
        assert form.query_one("#af-phone", Input).value == "13700001111"  # kept
        assert form.query_one("#af-district", Select).value == "西湖区"
        assert form.query_one("#af-detail", Input).value == "文三路100号 周末送"


async def test_a_paste_with_nothing_to_read_fills_nothing(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = AddressFormModal()
        await app.push_screen(form)
        await settle(pilot)
        await paste(pilot, form, "[bold]hello[/bold]")
        await pilot.press("enter")
        await settle(pilot)
        assert t("address.paste.nothing") in text_of(form, "#af-paste-hint")
        assert form.query_one("#af-name", Input).value == ""
