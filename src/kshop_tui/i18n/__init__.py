"""Every user-facing string goes through `t(key, **params)`, or `tn(key, count, **params)`
for words that change with a number.

Catalogues are Python dicts (`en.py`, `zh_CN.py`) with the same keys; a test keeps them
complete. `set_language` switches at start-up (`--lang`, config, then the locale).

Plurals follow CLDR's categories: English says "one" of 1 and "other" of every other
number; Chinese has "other" only. A message's plain key holds its "other" form; a
language that has more forms adds them as `key#one` (so `en.py` has
`"product.review_count#one": "{count} review"` besides `"product.review_count"`, and
`zh_CN.py` only the latter).
"""

from __future__ import annotations

import importlib
import locale
import os
from collections.abc import Iterator, Mapping, Sequence

from kshop_tui.i18n import en


class _Catalogues(Mapping[str, dict[str, str]]):
    """Language → catalogue, each module imported when first asked for: a start in one
    language never loads (or compiles) the other's thousand lines."""

    NAMES = ("en", "zh_CN")

    def __init__(self) -> None:
        self._loaded: dict[str, dict[str, str]] = {"en": en.MESSAGES}

    def __getitem__(self, language: str) -> dict[str, str]:
        try:
            return self._loaded[language]
        except KeyError:
            if language not in self.NAMES:
                raise
        messages: dict[str, str] = importlib.import_module(f"kshop_tui.i18n.{language}").MESSAGES
        self._loaded[language] = messages
        return messages

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


LANGUAGES: Mapping[str, dict[str, str]] = _Catalogues()
_current = "zh_CN"


def set_language(language: str) -> str:
    """Selects a catalogue (`en`, `zh`, `zh_CN`, `en_US.UTF-8` …); answers the one chosen."""
    global _current
    _current = normalize(language)
    return _current


LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANG")
"""The environment variables a process's locale is read from."""


def normalize(language: str) -> str:
    return "zh_CN" if language.lower().replace("-", "_").startswith("zh") else "en"


def language() -> str:
    return _current


def http_language() -> str:
    """The Accept-Language header for the backend."""
    return "zh-CN" if _current == "zh_CN" else "en"


def named_language(
    env: Mapping[str, str], variables: Sequence[str] = ("LC_ALL", "LC_MESSAGES", "LANG")
) -> str | None:
    """The language the first of `variables` set in `env` names; None when none names
    one (unset, or the C locale)."""
    for variable in variables:
        value = env.get(variable)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return normalize(value)
    return None


def detect_language() -> str:
    """From the environment's locale; Chinese unless it says otherwise."""
    named = named_language(os.environ)
    if named is not None:
        return named
    try:
        found = locale.getlocale()[0]
    except ValueError:
        found = None
    return normalize(found) if found else "zh_CN"


def t(key: str, /, **params: object) -> str:
    """The message `key` in the current language, with `{params}` filled in."""
    return translate(_current, key, **params)


def translate(language: str, key: str, /, **params: object) -> str:
    """The message `key` in `language` (`en`, `zh_CN`), whatever the current one."""
    template = LANGUAGES[language].get(key) or en.MESSAGES.get(key) or key
    return template.format(**params) if params else template


PLURAL_FORM_SEPARATOR = "#"


def plural_category(language: str, count: int) -> str:
    """The CLDR plural category of `count` in `language`: `one` or `other`."""
    return "one" if language == "en" and count == 1 else "other"


def tn(key: str, count: int, /, **params: object) -> str:
    """The message `key` in the form that fits `count` (`1 review`, `2 reviews`), with
    `{count}` and the other `{params}` filled in."""
    return translate_plural(_current, key, count, **params)


def translate_plural(language: str, key: str, count: int, /, **params: object) -> str:
    """`tn` in `language`, whatever the current one. `params` may give `count` as it is
    to be shown (`1,234`); the form is chosen by the number."""
    form = f"{key}{PLURAL_FORM_SEPARATOR}{plural_category(language, count)}"
    params.setdefault("count", count)
    return translate(language, form if form in LANGUAGES[language] else key, **params)
