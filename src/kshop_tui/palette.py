"""The command palette in the shop's words: its placeholders and "no matches" line in the
UI language, and commands found by their other names as well as their titles — the other
language's title, the aliases in the catalogue (`cmd.account.aliases`: 账户|帐户|…), and
the pinyin of the Chinese ones, whole (`zhanghao`) or by initials (`zhaq`).

Imported when the palette first opens (Textual's own command module is loaded with the
App anyway); pypinyin is imported then, off the event loop, in the provider's start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from rich.align import Align
from rich.text import Text
from textual.command import (
    CommandList,
    CommandPalette,
    DiscoveryHit,
    Hit,
    Hits,
    Provider,
    ProviderSource,
)
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import Screen
from textual.widgets.option_list import Option

from kshop_tui import i18n
from kshop_tui.gone import WorkUntilGone
from kshop_tui.i18n import t

ALIAS_SEPARATOR = "|"
# How much a match on another name counts against the same match on the title: the
# title first, then the aliases, then the other language, then pinyin.
ALIAS_WEIGHT = 0.9
OTHER_LANGUAGE_WEIGHT = 0.85
PINYIN_WEIGHT = 0.8


@dataclass(frozen=True)
class PaletteCommand:
    """One command: `key` is the catalogue key of its title; `{key}.help` says what it
    does and `{key}.aliases` its other names, `|`-separated."""

    key: str
    callback: Callable[[], Any]

    @property
    def title(self) -> str:
        return t(self.key)

    @property
    def help(self) -> str:
        return t(f"{self.key}.help")

    def other_names(self) -> Iterator[tuple[str, float]]:
        """(name, weight): the aliases in the UI language, then the title and aliases in
        the other one."""
        current = i18n.language()
        for language in i18n.LANGUAGES:
            weight = ALIAS_WEIGHT if language == current else OTHER_LANGUAGE_WEIGHT
            if language != current:
                yield i18n.translate(language, self.key), weight
            aliases = i18n.translate(language, f"{self.key}.aliases")
            for alias in aliases.split(ALIAS_SEPARATOR):
                if alias.strip():
                    yield alias.strip(), weight


class CommandSource(Protocol):
    """The App: the commands the palette offers on `screen`."""

    def palette_commands(self, screen: Screen[Any]) -> list[PaletteCommand]: ...


@dataclass(frozen=True)
class Spelling:
    """A Chinese name in pinyin: whole (`zhanghaoyuanquan`) and by initials (`zhyaq`)."""

    whole: str
    initials: str

    def matches(self, query: str) -> bool:
        return query in self.whole or query in self.initials


def spell(names: Iterable[str]) -> dict[str, Spelling]:
    """The pinyin of every name that has Chinese characters in it (imports pypinyin:
    called in a thread)."""
    from pypinyin import Style, lazy_pinyin

    spellings: dict[str, Spelling] = {}
    for name in names:
        if not any("\u4e00" <= char <= "\u9fff" for char in name):
            continue
        syllables = [s.lower() for s in lazy_pinyin(name) if s.isascii() and s.isalpha()]
        initials = lazy_pinyin(name, style=Style.FIRST_LETTER)
        spellings[name] = Spelling(
            "".join(syllables), "".join(i.lower() for i in initials if i.isascii())
        )
    return spellings


def pinyin_query(query: str) -> str:
    """The query as pinyin is compared: lower case, without spaces or apostrophes."""
    return "".join(char for char in query.lower() if char.isascii() and char.isalpha())


class ShopCommands(Provider):
    """The shop's commands, found by title, by their other names and by pinyin."""

    def __init__(self, screen: Screen[Any], match_style: Any = None) -> None:
        super().__init__(screen, match_style)
        self._spellings: dict[str, Spelling] = {}

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        assert hasattr(app, "palette_commands")
        source: CommandSource = app
        return source.palette_commands(self.screen)

    async def startup(self) -> None:
        names = [
            name
            for command in self._commands()
            for name in (command.title, *(n for n, _ in command.other_names()))
        ]
        self._spellings = await asyncio.to_thread(spell, names)

    async def discover(self) -> Hits:
        for command in sorted(self._commands(), key=lambda command: command.title):
            yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        spelled_query = pinyin_query(query)
        for command in self._commands():
            hit = self._best_hit(command, matcher, spelled_query)
            if hit is not None:
                yield hit

    def _best_hit(self, command: PaletteCommand, matcher: Matcher, spelled: str) -> Hit | None:
        """The command's best match on any of its names. It is shown as its title:
        highlighted where the query matched the title, else followed by the other name
        it was found by."""
        title = command.title
        by_title = max(matcher.match(title), self._by_pinyin(title, spelled, 1.0))
        by_other, other = 0.0, ""
        for name, weight in command.other_names():
            found = max(matcher.match(name) * weight, self._by_pinyin(name, spelled, weight))
            if found > by_other:
                by_other, other = found, name
        score = max(by_title, by_other)
        if score <= 0:
            return None
        if by_title > 0:
            shown = matcher.highlight(title) if matcher.match(title) > 0 else Content(title)
        else:
            shown = self._found_by(title, other, matcher)
        return Hit(score, shown, command.callback, text=title, help=command.help)

    def _by_pinyin(self, name: str, spelled: str, weight: float) -> float:
        """The score of a name whose pinyin holds the query (two letters at least)."""
        spelling = self._spellings.get(name)
        if len(spelled) >= 2 and spelling is not None and spelling.matches(spelled):
            return PINYIN_WEIGHT * weight
        return 0.0

    @staticmethod
    def _found_by(title: str, name: str, matcher: Matcher) -> Content:
        shown = matcher.highlight(name) if matcher.match(name) > 0 else Content(name)
        return Content.assemble(title, ("  · ", "dim"), shown)


class ShopCommandPalette(WorkUntilGone, CommandPalette):
    """Textual's palette with its own words in the UI language. Its search stops once it
    is gone: the too-small message closes it at once, and Textual's worker then went on
    to fill a command list already taken away (`NoMatches`: the app ended)."""

    def __init__(
        self,
        providers: ProviderSource | None = None,
        *,
        placeholder: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(providers, placeholder=placeholder or t("palette.placeholder"), id=id)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """Textual's countdown to its "No matches found" line, with the line in the UI
        language (Textual 8.2 writes the English words inside this method)."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(t("palette.no_matches"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
