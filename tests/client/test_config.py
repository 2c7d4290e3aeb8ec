"""A bad config names the key and the line, and the app keeps its defaults."""

from __future__ import annotations

from pathlib import Path

from kshop_tui.config import load_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none.toml")
    assert settings.backend_url is None and settings.warnings == []


def test_valid_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'backend_url = "http://127.0.0.1:8700"\nlanguage = "en"\ntheme = "nord"\n'
        '[keys]\n"app.cart" = "ctrl+k"\n[demo]\nmax_sessions = 5\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.warnings == []
    assert settings.backend_url == "http://127.0.0.1:8700"
    assert settings.language == "en" and settings.theme == "nord"
    assert settings.keys == {"app.cart": "ctrl+k"}
    assert settings.demo.max_sessions == 5


def test_bad_values_name_key_and_line_and_keep_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "nord"\nbackend_url = "ftp://x"\ncolour = 1\n[demo]\nmax_sessions = -1\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.theme == "nord"
    assert settings.backend_url is None
    assert settings.demo.max_sessions == 20
    joined = "\n".join(settings.warnings)
    assert f"{path}:2: `backend_url`" in joined
    assert f"{path}:3: `colour`" in joined
    assert "`demo.max_sessions`" in joined


def test_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\nlanguage = \n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.theme == "textual-dark"
    assert len(settings.warnings) == 1 and "line 2" in settings.warnings[0]
