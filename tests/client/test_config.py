"""A bad config names each mistake once, with its file and line, and that setting keeps its
default; the app starts all the same and says so once, in the UI language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_backend.app import create_app
from fake_backend.clock import Clock
from kshop_tui import i18n
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.config import ConfigProblem, load_settings
from kshop_tui.shop.options import AppOptions


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def where(problems: list[ConfigProblem]) -> list[tuple[int | None, str | None, str]]:
    """(line, setting, message key) of each problem, in the file's order."""
    return [(problem.line, problem.setting, problem.message) for problem in problems]


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "none.toml")
    assert settings.backend_url is None and settings.problems == []


def test_valid_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'backend_url = "http://127.0.0.1:8700"\nlanguage = "en"\ntheme = "nord"\n'
        '[keys]\n"app.cart" = "ctrl+k"\n"app.help" = "?, f1"\n[demo]\nmax_sessions = 5\n',
    )
    settings = load_settings(path)
    assert settings.problems == []
    assert settings.backend_url == "http://127.0.0.1:8700"
    assert settings.language == "en" and settings.theme == "nord"
    # Spelled as Textual's keymap spells them: a lone "?" is the key "question_mark".
    assert settings.keys == {"app.cart": "ctrl+k", "app.help": "question_mark,f1"}
    assert settings.demo.max_sessions == 5


def test_bad_values_name_key_and_line_and_keep_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'theme = "nord"\nbackend_url = "ftp://x"\ncolour = 1\n[demo]\nmax_sessions = -1\n',
    )
    settings = load_settings(path)
    assert settings.theme == "nord"
    assert settings.backend_url is None
    assert settings.demo.max_sessions == 20
    assert where(settings.problems) == [
        (2, "backend_url", "config.backend_url"),
        (3, "colour", "config.unknown"),
        (5, "demo.max_sessions", "config.demo_number"),
    ]
    joined = "\n".join(problem.describe() for problem in settings.problems)
    assert f"{path}:2: `backend_url` must be an http:// or https:// URL" in joined
    assert f"{path}:3: `colour` is not a setting here" in joined


def test_an_unknown_theme_keeps_the_default_and_names_the_themes(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, 'language = "en"\ntheme = "nope"\n'))
    assert settings.theme == "textual-dark"
    (problem,) = settings.problems
    assert (problem.line, problem.setting) == (2, "theme")
    assert '"nope" is not a theme; the themes: ' in problem.describe()
    assert "nord" in problem.describe() and "textual-light" in problem.describe()


def test_wrong_types_are_named(tmp_path: Path) -> None:
    text = 'theme = 5\nlanguage = ["en"]\nbackend_url = 8700\nkeys = "ctrl+k"\ndemo = 3\n'
    settings = load_settings(write(tmp_path, text))
    assert where(settings.problems) == [
        (1, "theme", "config.theme_type"),
        (2, "language", "config.language"),
        (3, "backend_url", "config.backend_url"),
        (4, "keys", "config.keys_table"),
        (5, "demo", "config.demo_table"),
    ]
    assert settings.theme == "textual-dark" and settings.language is None


@pytest.mark.parametrize(
    "url",
    ["http://", "https:///api", "127.0.0.1:8700", "http://host:99999", "http://a b", "http://h:x"],
)
def test_a_backend_url_without_a_host_or_with_a_bad_port_is_refused(
    tmp_path: Path, url: str
) -> None:
    settings = load_settings(write(tmp_path, f'backend_url = "{url}"\n'))
    assert settings.backend_url is None
    assert where(settings.problems) == [(1, "backend_url", "config.backend_url")]


def test_a_bad_language_is_named(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, 'language = "klingon"\n'))
    assert settings.language is None
    assert settings.problems[0].describe().endswith('`language` must be "zh_CN", "en"')


def test_unknown_settings_and_sections_are_named_where_they_are(tmp_path: Path) -> None:
    text = "# comment\n[them]\nx = 1\n[demo]\nmax_session = 5\nidle_timeout_s = 60\n"
    settings = load_settings(write(tmp_path, text))
    assert where(settings.problems) == [
        (2, "them", "config.unknown_close"),
        (5, "demo.max_session", "config.unknown_close"),
    ]
    assert "did you mean `theme`?" in settings.problems[0].describe()
    assert "did you mean `max_sessions`?" in settings.problems[1].describe()
    assert settings.demo.idle_timeout_s == 60


def test_binding_ids_and_keys_are_checked_and_a_bad_one_keeps_its_default(
    tmp_path: Path,
) -> None:
    text = (
        "[keys]\n"
        '"app.cart" = "ctrl+k"\n'
        '"app.crat" = "ctrl+j"\n'
        '"nothing.here" = "x"\n'
        '"app.search" = "cmd+f"\n'
        '"app.orders" = "ctrl+nope"\n'
        '"app.wallet" = "shift+ctrl+w"\n'
        '"app.help" = "ctrl+/"\n'
        '"app.quit" = 7\n'
        '"app.browse" = "b,,n"\n'
    )
    settings = load_settings(write(tmp_path, text))
    assert settings.keys == {"app.cart": "ctrl+k"}
    assert where(settings.problems) == [
        (3, 'keys."app.crat"', "config.binding_close"),
        (4, 'keys."nothing.here"', "config.binding_unknown"),
        (5, 'keys."app.search"', "config.key_modifier"),
        (6, 'keys."app.orders"', "config.key_name"),
        (7, 'keys."app.wallet"', "config.key_spelling"),
        (8, 'keys."app.help"', "config.key_spelling"),
        (9, 'keys."app.quit"', "config.key_type"),
        (10, 'keys."app.browse"', "config.key_empty"),
    ]
    said = [problem.describe() for problem in settings.problems]
    assert said[0].endswith('did you mean "app.cart"?')
    assert '"cmd" is not a modifier' in said[2]
    assert 'no key is called "nope"' in said[3]
    assert said[4].endswith('write "ctrl+shift+w"')
    assert said[5].endswith('write "ctrl+slash"')


def test_lines_are_found_for_dotted_quoted_and_inline_keys(tmp_path: Path) -> None:
    text = (
        'theme = """\nnot = "a key"\n"""\n'  # a multi-line string: its lines are no keys
        'keys.app.cart = "ctrl+k"\n'  # a dotted key: the id is "app", a table
        "demo = { max_sessions = 0 }\n"
    )
    settings = load_settings(write(tmp_path, text))
    assert where(settings.problems) == [
        (1, "theme", "config.theme_unknown"),
        (4, "keys.app", "config.binding_unknown"),
        (5, "demo.max_sessions", "config.demo_number"),
    ]


def test_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\nlanguage = \n')
    settings = load_settings(path)
    assert settings.theme == "textual-dark"
    (problem,) = settings.problems
    assert problem.line == 2 and problem.setting is None
    assert problem.describe() == f"{path}:2: is not valid TOML: Invalid value"


def test_a_file_ending_too_soon_is_reported_at_its_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\nlanguage = "en')
    (problem,) = load_settings(path).problems
    assert problem.line == 2 and problem.message == "config.syntax"


def test_a_file_that_is_not_text_or_not_a_file_is_named(tmp_path: Path) -> None:
    (problem,) = load_settings(write(tmp_path, b'theme = "\xff"\n')).problems
    assert problem.describe() == f"{tmp_path / 'config.toml'}: is not UTF-8 text"
    (problem,) = load_settings(tmp_path).problems  # a directory
    assert problem.message == "config.unreadable" and str(tmp_path) in problem.describe()


def test_problems_are_told_in_the_ui_language(tmp_path: Path) -> None:
    (problem,) = load_settings(write(tmp_path, 'theme = "nope"\n')).problems
    assert "不是主题" in problem.describe("zh_CN")
    assert "is not a theme" in problem.describe("en")


# --- the app -----------------------------------------------------------------------


@pytest.fixture
def backend(db_path: Path, clock: Clock) -> Iterator[Backend]:
    app = create_app(db_path, clock, merchant="manual", dev=True, seed=None)
    client = KshopClient(IN_PROCESS_URL, transport=httpx.ASGITransport(app=app))
    yield Backend(client=client, in_process=True, description="test")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_app_starts_with_a_bad_file_and_says_so_once(
    tmp_path: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    path = write(tmp_path, 'theme = "nope"\n[keys]\n"app.cart" = "cmd+k"\n')
    options = AppOptions(
        language=language,
        backend=backend,
        data_dir=tmp_path / "data",
        settings=load_settings(path),
        persistent_tokens=False,
    )
    app = KshopApp(options)
    # Every notice posted, kept here: the toasts themselves expire on a slow machine.
    posted: list[tuple[str, str]] = []
    notify = app.notify

    def record(message: str, *, title: str = "", **kwargs: Any) -> None:
        posted.append((title, message))
        notify(message, title=title, **kwargs)

    monkeypatch.setattr(app, "notify", record)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        # Once the first screen has loaded, nothing has said it a second time.
        await app.workers.wait_for_complete()
        await pilot.pause()
    ((title, message),) = posted
    assert title == i18n.translate(language, "config.invalid")
    lines = message.splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:1", f"{path}:3"]
    assert ("is not a theme" if language == "en" else "不是主题") in lines[0]
