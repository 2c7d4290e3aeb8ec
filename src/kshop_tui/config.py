"""Settings from `config.toml` (platformdirs' user config dir, or KSHOP_CONFIG_FILE).

A bad file never stops the app: each problem becomes a warning naming the key (and the
line, for syntax errors) and that setting keeps its default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir, user_log_dir

APP_NAME = "kshop"
KNOWN_LANGUAGES = ("zh_CN", "en")


@dataclass
class DemoLimits:
    max_sessions: int = 20
    idle_timeout_s: int = 900
    connections_per_minute: int = 30
    # SSH connections still logging in (no shop open yet): per address, and in all.
    waiting_per_address: int = 4
    max_waiting: int = 64


@dataclass
class Settings:
    backend_url: str | None = None
    language: str | None = None
    theme: str = "textual-dark"
    keys: dict[str, str] = field(default_factory=dict)
    demo: DemoLimits = field(default_factory=DemoLimits)
    warnings: list[str] = field(default_factory=list)


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
        settings.warnings.append(f"{path}: {error.strerror}")
        return settings
    import tomllib  # only when there is a file: most starts have none

    try:
        document = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        settings.warnings.append(f"{path}: {error}")
        return settings
    _apply(settings, document, path, raw)
    return settings


def _line_of(raw: str, key: str) -> int | None:
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip().split("=")[0].strip().strip('"') == key:
            return number
    return None


def _apply(settings: Settings, document: dict[str, object], path: Path, raw: str) -> None:
    def warn(key: str, problem: str) -> None:
        line = _line_of(raw, key.split(".")[-1])
        where = f"{path}:{line}" if line else str(path)
        settings.warnings.append(f"{where}: `{key}` {problem}")

    for key, value in document.items():
        if key == "backend_url":
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                settings.backend_url = value
            elif value != "":
                warn(key, "must be an http:// or https:// URL")
        elif key == "language":
            if isinstance(value, str) and value in KNOWN_LANGUAGES + ("zh", "en_US"):
                settings.language = value
            else:
                warn(key, f"must be one of {', '.join(KNOWN_LANGUAGES)}")
        elif key == "theme":
            if isinstance(value, str) and value:
                settings.theme = value
            else:
                warn(key, "must be a theme name")
        elif key == "keys":
            if not isinstance(value, dict):
                warn(key, "must be a table of binding id = key")
                continue
            for binding_id, keys in value.items():
                if isinstance(keys, str) and keys:
                    settings.keys[binding_id] = keys
                else:
                    warn(f"keys.{binding_id}", 'must be a key name such as "ctrl+o"')
        elif key == "demo":
            if not isinstance(value, dict):
                warn(key, "must be a table")
                continue
            for name, number in value.items():
                if name not in DemoLimits.__dataclass_fields__:
                    warn(f"demo.{name}", "is not a known setting")
                elif not isinstance(number, int) or isinstance(number, bool) or number < 1:
                    warn(f"demo.{name}", "must be a positive whole number")
                else:
                    setattr(settings.demo, name, number)
        else:
            warn(key, "is not a known setting")
