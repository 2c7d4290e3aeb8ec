"""Settings from `config.toml` (platformdirs' user config dir, or KSHOP_CONFIG_FILE).

A bad file never stops the app: each mistake becomes a `ConfigProblem` naming the file,
the line and the setting, and that setting keeps its default. The app shows them once at
start; `kshop config show` and `kshop config check` print them and exit 2.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_config_dir, user_data_dir, user_log_dir

from kshop_tui import i18n

APP_NAME = "kshop"
KNOWN_LANGUAGES = ("zh_CN", "en")
# Also taken: what people write for those two (`--lang zh`, a locale's `en_US`).
LANGUAGE_SPELLINGS = (*KNOWN_LANGUAGES, "zh", "en_US")
DEFAULT_THEME = "textual-dark"
SETTINGS = ("backend_url", "language", "theme", "keys", "demo")


@dataclass
class DemoLimits:
    max_sessions: int = 20
    idle_timeout_s: int = 900
    connections_per_minute: int = 30
    # SSH connections still logging in (no shop open yet): per address, and in all.
    waiting_per_address: int = 4
    max_waiting: int = 64


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in the settings file. The message is a catalogue key, so the app can
    say it in the UI language and the command line in English."""

    path: Path
    line: int | None
    setting: str | None  # as TOML writes it: `demo.max_sessions`, `keys."app.cart"`
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def describe(self, language: str = "en") -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        what = i18n.translate(language, self.message, **self.params)
        return f"{where}: `{self.setting}` {what}" if self.setting else f"{where}: {what}"


@dataclass
class Settings:
    backend_url: str | None = None
    language: str | None = None
    theme: str = DEFAULT_THEME
    keys: dict[str, str] = field(default_factory=dict)
    demo: DemoLimits = field(default_factory=DemoLimits)
    problems: list[ConfigProblem] = field(default_factory=list)


def config_path() -> Path:
    override = os.environ.get("KSHOP_CONFIG_FILE")
    if override:
        return Path(override)
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def data_dir() -> Path:
    override = os.environ.get("KSHOP_DATA_DIR")
    return Path(override) if override else Path(user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Where crash reports go (KSHOP_LOG_DIR, else platformdirs' user log dir)."""
    override = os.environ.get("KSHOP_LOG_DIR")
    return Path(override) if override else Path(user_log_dir(APP_NAME, appauthor=False))


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    settings = Settings()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return settings
    except OSError as error:
        reason = {"reason": error.strerror or str(error)}
        settings.problems.append(ConfigProblem(path, None, None, "config.unreadable", reason))
        return settings
    except UnicodeDecodeError:
        settings.problems.append(ConfigProblem(path, None, None, "config.not_utf8"))
        return settings
    import tomllib  # only when there is a file: most starts have none

    try:
        document = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        settings.problems.append(_syntax_problem(path, raw, str(error)))
        return settings
    _Reader(settings, path, _key_lines(raw)).read(document)
    return settings


def _syntax_problem(path: Path, raw: str, error: str) -> ConfigProblem:
    """tomllib says where only in its message: "… (at line 3, column 7)"."""
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", error)
    if found:
        line: int | None = int(found[1])
        error = error[: found.start()]
    elif error.endswith("(at end of document)"):
        line = max(1, len(raw.splitlines()))
        error = error.removesuffix("(at end of document)").rstrip()
    else:
        line = None
    return ConfigProblem(path, line, None, "config.syntax", {"reason": error})


# A key as TOML writes it (bare, "basic" or 'literal'), dotted keys, and the table headers.
_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_TABLE = re.compile(rf"\s*\[\[?\s*({_DOTTED})\s*\]")
_ASSIGNMENT = re.compile(rf"\s*({_DOTTED})\s*=")
_MULTI_LINE_QUOTES = ('"""', "'''")


def _key_lines(raw: str) -> dict[tuple[str, ...], int]:
    """The line where each key (full dotted path) or table is first written. tomllib
    answers values only; a file it has parsed is well-formed, so a line-by-line look at
    the keys is enough, skipping the inside of multi-line strings."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    open_string: str | None = None
    for number, line in enumerate(raw.splitlines(), start=1):
        if open_string:
            if line.count(open_string) % 2:
                open_string = None
            continue
        if header := _TABLE.match(line):
            table = written = _key_parts(header[1])
        elif assignment := _ASSIGNMENT.match(line):
            written = table + _key_parts(assignment[1])
            value = line[assignment.end() :]
            open_string = next((q for q in _MULTI_LINE_QUOTES if value.count(q) % 2), None)
        else:
            continue
        # `[a.b]` or `a.b = 1` also makes the table `a` where it first appears.
        for end in range(1, len(written) + 1):
            lines.setdefault(written[:end], number)
    return lines


def _key_parts(dotted: str) -> tuple[str, ...]:
    import tomllib

    # A quoted part is decoded by TOML's own rules (escapes and all).
    return tuple(
        tomllib.loads(f"k = {part}")["k"] if part[0] in "\"'" else part
        for part in re.findall(_PART, dotted)
    )


def _toml_key(path: tuple[str, ...]) -> str:
    return ".".join(part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"' for part in path)


class _Reader:
    """Takes each setting that is right into `settings`; names each one that is not."""

    def __init__(self, settings: Settings, path: Path, lines: dict[tuple[str, ...], int]) -> None:
        self.settings = settings
        self.path = path
        self.lines = lines

    def problem(self, where: tuple[str, ...], message: str, **params: str) -> None:
        # An inline table's keys have no line of their own: the nearest enclosing one.
        line = next(
            (self.lines[where[:n]] for n in range(len(where), 0, -1) if where[:n] in self.lines),
            None,
        )
        self.settings.problems.append(
            ConfigProblem(self.path, line, _toml_key(where), message, params)
        )

    def unknown(self, where: tuple[str, ...], known: tuple[str, ...]) -> None:
        close = _suggest(where[-1], known)
        if close:
            self.problem(where, "config.unknown_close", suggestion=close)
        else:
            self.problem(where, "config.unknown", known=", ".join(known))

    def read(self, document: dict[str, Any]) -> None:
        for key, value in document.items():
            if key == "backend_url":
                self.backend_url(value)
            elif key == "language":
                if isinstance(value, str) and value in LANGUAGE_SPELLINGS:
                    self.settings.language = value
                else:
                    choices = ", ".join(f'"{name}"' for name in KNOWN_LANGUAGES)
                    self.problem((key,), "config.language", choices=choices)
            elif key == "theme":
                self.theme(value)
            elif key == "keys":
                self.keys(value)
            elif key == "demo":
                self.demo(value)
            else:
                self.unknown((key,), SETTINGS)

    def backend_url(self, value: object) -> None:
        if value == "":  # written out, but empty: the bundled backend, as without it
            return
        if isinstance(value, str) and _is_http_url(value):
            self.settings.backend_url = value
        else:
            self.problem(("backend_url",), "config.backend_url")

    def theme(self, value: object) -> None:
        if not isinstance(value, str) or not value:
            self.problem(("theme",), "config.theme_type")
            return
        from textual.theme import BUILTIN_THEMES

        if value in BUILTIN_THEMES:
            self.settings.theme = value
        else:
            themes = ", ".join(sorted(BUILTIN_THEMES))
            self.problem(("theme",), "config.theme_unknown", theme=value, themes=themes)

    def keys(self, table: object) -> None:
        if not isinstance(table, dict):
            self.problem(("keys",), "config.keys_table")
            return
        from kshop_tui.keymap import BINDING_IDS, normalize_keys

        for binding_id, keys in table.items():
            where = ("keys", binding_id)
            if binding_id not in BINDING_IDS:
                close = _suggest(binding_id, BINDING_IDS)
                if close:
                    self.problem(where, "config.binding_close", suggestion=close)
                else:
                    self.problem(where, "config.binding_unknown")
            elif not isinstance(keys, str):
                self.problem(where, "config.key_type")
            else:
                normalized, bad = normalize_keys(keys)
                if bad:
                    self.problem(where, bad.message, **bad.params)
                else:
                    self.settings.keys[binding_id] = normalized

    def demo(self, table: object) -> None:
        if not isinstance(table, dict):
            self.problem(("demo",), "config.demo_table")
            return
        limits = tuple(DemoLimits.__dataclass_fields__)
        for name, number in table.items():
            if name not in limits:
                self.unknown(("demo", name), limits)
            elif not isinstance(number, int) or isinstance(number, bool) or number < 1:
                self.problem(("demo", name), "config.demo_number")
            else:
                setattr(self.settings.demo, name, number)


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        port = parts.port  # a port that is not a number, or out of range, raises
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and port != 0
        and not any(character.isspace() for character in value)
    )


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to a misspelt `word`, if one is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return close[0] if close else None
