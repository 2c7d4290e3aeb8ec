"""Textual's own words in the UI language (issue 17): the footer's palette key, the command
palette's placeholders and "no matches" line, the descriptions of Textual's keys in the
help screen; and the palette finding commands by their other names and by pinyin."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator

import pytest
import textual.containers
import textual.widgets
from textual.app import App
from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget

from fake_backend.context import Ctx
from kshop_tui import i18n
from kshop_tui.app import KshopApp
from kshop_tui.i18n import translate
from kshop_tui.i18n.bindings import TEXTUAL_DESCRIPTIONS
from kshop_tui.screens.help import HelpScreen
from kshop_tui.screens.orders.detail import OrderDetailScreen
from kshop_tui.widgets.footer import ShopFooter
from tests.tui.helpers import poll_until, settle, shown_text, wait_until
from tests.tui.test_orders import order_in_state, skus_in_stock

MakeApp = Callable[..., KshopApp]


def _textual_classes() -> Iterator[type]:
    for module in (textual.widgets, textual.containers):
        for name in getattr(module, "__all__", dir(module)):
            value = getattr(module, name, None)
            if inspect.isclass(value) and issubclass(value, Widget):
                yield value
    yield from (Screen, App, CommandPalette)
    from textual.widgets._select import SelectOverlay
    from textual.widgets._tabbed_content import ContentTabs

    yield from (SelectOverlay, ContentTabs)


def textual_descriptions() -> set[str]:
    """Every description Textual 8 gives the keys of its widgets, screens and palette."""
    found: set[str] = set()
    for cls in _textual_classes():
        for klass in cls.__mro__:
            for binding in klass.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.description:
                    found.add(binding.description)
    return found


def test_every_textual_key_description_has_chinese_words() -> None:
    missing = textual_descriptions() - set(TEXTUAL_DESCRIPTIONS)
    assert not missing, f"Textual descriptions without a catalogue key: {sorted(missing)}"
    for english, key in TEXTUAL_DESCRIPTIONS.items():
        chinese = translate("zh_CN", key)
        assert chinese != key and any("\u4e00" <= char <= "\u9fff" for char in chinese), english
        if key.startswith("textual."):
            assert translate("en", key) == english  # English keeps Textual's own words


@pytest.mark.parametrize(("lang", "word"), [("zh_CN", "命令面板"), ("en", "palette")])
async def test_the_footer_names_the_palette_in_the_ui_language(
    make_app: MakeApp, lang: str, word: str
) -> None:
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(ShopFooter)
        await wait_until(pilot, lambda: footer.line.palette is not None, what="the palette key")
        palette_key = footer.line.palette
        assert palette_key is not None
        assert palette_key.description == word
        assert word in footer.render_line(0).text  # drawn on the right


def option_texts(command_list: CommandList) -> str:
    """The words of the palette's lines (a centred line is an `Align` of its text)."""
    return "\n".join(
        str(getattr(option.prompt, "renderable", option.prompt)) for option in command_list.options
    )


async def open_palette(pilot: Pilot[None]) -> CommandPalette:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await poll_until(
        pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette"
    )
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    return palette


async def test_the_chinese_palette_says_its_words_in_chinese(make_app: MakeApp) -> None:
    app = make_app(lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        palette = await open_palette(pilot)
        assert palette.query_one(CommandInput).placeholder == "搜索命令…"
        await pilot.press(*"xyzzy")
        command_list = palette.query_one(CommandList)
        await poll_until(
            pilot,
            lambda: "没有找到匹配的命令" in option_texts(command_list),
            what="the no-matches line",
        )
        assert "No matches" not in option_texts(command_list)
        await pilot.press("escape")
        await poll_until(pilot, lambda: not isinstance(app.screen, CommandPalette), what="closed")
        app.action_change_theme()  # the palette's "切换主题"
        await poll_until(
            pilot,
            lambda: isinstance(app.screen, CommandPalette) and bool(app.screen.query(CommandInput)),
            what="the themes",
        )
        assert app.screen.query_one(CommandInput).placeholder == "搜索主题…"


async def test_the_english_palette_keeps_textual_words(make_app: MakeApp) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        palette = await open_palette(pilot)
        assert palette.query_one(CommandInput).placeholder == "Search for commands…"


async def test_the_chinese_help_describes_textual_scroll_keys_in_chinese(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    order_id = order_in_state(backend_ctx, "completed", skus_in_stock(backend_ctx, 1)[0])
    app = make_app(lang="zh_CN", token=demo_token, open_target=f"order {order_id}")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, OrderDetailScreen) and app.screen.order is not None,
        )
        assert app.focused is not None and app.focused.id == "detail-body"  # a VerticalScroll
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = "\n".join(shown_text(static) for static in app.screen.query(".help-table"))
        for chinese in ("向左滚动", "向右滚动", "向左翻页", "向右翻页", "命令面板"):
            assert chinese in text
        for english in ("Scroll Left", "Scroll Right", "Page Left", "Page Right", "palette"):
            assert english not in text


async def hits_for(pilot: Pilot[None], query: str) -> list[str]:
    """The palette's lines for `query`, typed into a fresh palette."""
    palette = await open_palette(pilot)
    await pilot.press(*query)
    await settle(pilot)  # every keystroke's search has ended: the list is the whole query's
    command_list = palette.query_one(CommandList)
    await poll_until(pilot, lambda: command_list.option_count > 0, what=f"hits for {query!r}")
    lines = [line.strip() for line in shown_text(command_list).splitlines() if line.strip()]
    await pilot.press("escape")
    await poll_until(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette), what="closed")
    return lines


@pytest.mark.parametrize(
    ("lang", "query", "title"),
    [
        ("zh_CN", "账户", "账号与安全"),  # an alias
        ("zh_CN", "zhanghao", "账号与安全"),  # the title's pinyin
        ("zh_CN", "zhyaq", "账号与安全"),  # its initials
        ("zh_CN", "kuaidi", "物流查询"),  # an alias's pinyin
        ("zh_CN", "account", "账号与安全"),  # the English title
        ("en", "profile", "Account and security"),  # an English alias
        ("en", "账户", "Account and security"),  # a Chinese alias in the English app
        ("en", "refund", "After-sales"),
        ("en", "token", "Account and security"),  # where access tokens are made
        ("zh_CN", "令牌", "账号与安全"),
        ("zh_CN", "周期购", "我的周期购"),
    ],
)
async def test_the_palette_finds_commands_by_their_other_names(
    make_app: MakeApp, lang: str, query: str, title: str
) -> None:
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        lines = await hits_for(pilot, query)
        assert lines and lines[0].startswith(title), lines


async def test_a_title_match_comes_before_an_alias_match(make_app: MakeApp) -> None:
    app = make_app(lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        # 账号 is in the title 账号与安全 and an alias of nothing else; 设置 only an alias.
        lines = await hits_for(pilot, "账号")
        assert lines[0] == i18n.translate("zh_CN", "cmd.account")  # no "· alias" after it
        lines = await hits_for(pilot, "设置")
        assert lines[0] == f"{i18n.translate('zh_CN', 'cmd.account')}  · 设置"
