"""Every user-facing string goes through `t(key, **params)`.

Catalogues are Python dicts (`en.py`, `zh_CN.py`) with the same keys; a test keeps them
complete. `set_language` switches at start-up (`--lang`, config, then the locale).
"""

from __future__ import annotations

import importlib
import locale
import os
from collections.abc import Iterator, Mapping

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


def normalize(language: str) -> str:
    return "zh_CN" if language.lower().replace("-", "_").startswith("zh") else "en"


def language() -> str:
    return _current


def http_language() -> str:
    """The Accept-Language header for the backend."""
    return "zh-CN" if _current == "zh_CN" else "en"


def detect_language() -> str:
    """From the environment's locale; Chinese unless it says otherwise."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return normalize(value)
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
