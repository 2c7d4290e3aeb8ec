"""Textual CSS parsed once per process, not once per app and screen.

Textual keeps parsed rules in a cache of each `Stylesheet` holding 64 sources, and the
shop's first screen alone has about 90 (every widget class's DEFAULT_CSS and the .tcss
files): each of the several parses before a first frame found the cache evicted and
parsed every source again, and every screen with a stylesheet of its own re-parsed all
of them into a fresh `Stylesheet` (`reparse`). About 15 ms of CPU to a first frame, and
more on every screen opened. Here the parsed rules of a source are kept for the life of
the process, per set of theme variables (rules depend on them), shared by every app and
stylesheet in it; `preparse` fills it before a fork, so that a served session's child
starts with every source already parsed (`serve.zygote`).

Parsed rules are never changed once made (Textual's own cache hands the same rules to
each parse), so sharing them between stylesheets is safe. Written against Textual 8.2.8
(pinned): `_parse_rules` and `reparse` are its.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation
from textual.dom import DOMNode

_PARSED: dict[tuple[Any, ...], list[RuleSet]] = {}
"""Rules by (theme variables, source and how it is read)."""


class SharedStylesheet(Stylesheet):
    """A `Stylesheet` whose parsed sources are the process's (see the module)."""

    _keyed_variables: tuple[Mapping[str, str], tuple[tuple[str, str], ...]] | None = None

    def _variables_key(self) -> tuple[tuple[str, str], ...]:
        """The theme variables as a key of `_PARSED`, sorted once for each mapping the
        stylesheet is given (Textual replaces the mapping, never changes it)."""
        keyed = self._keyed_variables
        if keyed is None or keyed[0] is not self._variables:
            keyed = self._keyed_variables = (
                self._variables,
                tuple(sorted(self._variables.items())),
            )
        return keyed[1]

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (
            self._variables_key(),
            css,
            read_from,
            is_default_rules,
            tie_breaker,
            scope,
        )
        rules = _PARSED.get(key)
        if rules is None:
            # Errors are raised as Textual's own are, and nothing is kept of them.
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if not any(rule.errors for rule in rules):
                _PARSED[key] = rules
        return rules

    def reparse(self) -> None:
        """Textual's `reparse` (new variables, a screen's stylesheet added) parses into a
        fresh plain `Stylesheet`; this one into a fresh shared one."""
        stylesheet = SharedStylesheet(variables=self._variables)
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            stylesheet.add_source(
                css,
                read_from=read_from,
                is_default_css=is_defaults,
                tie_breaker=tie_breaker,
                scope=scope,
            )
        try:
            stylesheet.parse()
        except Exception:
            self._invalid_css.update(stylesheet._invalid_css)
            raise
        self._rules = stylesheet.rules
        self._rules_map = None
        self.source = stylesheet.source
        self._require_parse = False


def preparse(variables: dict[str, str], css_files: Iterable[Path]) -> int:
    """Parses, with these theme variables, every CSS file given and the DEFAULT_CSS of
    every widget and screen class imported so far, as an app would add them; answers how
    many sources were parsed. A source that does not parse is left to the app that uses
    it (it will say what is wrong)."""
    stylesheet = SharedStylesheet(variables=variables)
    sources: list[tuple[str, CSSLocation, bool, int, str]] = []
    for path in css_files:
        # As `Stylesheet.read` names a file.
        absolute = os.path.abspath(os.path.expanduser(path))
        sources.append((Path(absolute).read_text(encoding="utf-8"), (absolute, ""), False, 0, ""))
    for node_class in _node_classes():
        bare = node_class.__new__(node_class)  # `_get_default_css` reads only the class
        for read_from, css, tie_breaker, scope in bare._get_default_css():
            sources.append((css, read_from, True, tie_breaker, scope))
    parsed = 0
    for css, read_from, is_default, tie_breaker, scope in dict.fromkeys(sources):
        try:
            stylesheet._parse_rules(css, read_from, is_default, tie_breaker, scope)
        except Exception:  # noqa: BLE001, S112 - see the docstring
            continue
        parsed += 1
    return parsed


def _node_classes() -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        node_class = pending.pop()
        found.append(node_class)
        pending.extend(node_class.__subclasses__())
    return found
