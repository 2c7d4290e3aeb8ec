"""`kshop config path | show | edit`: the settings file, its problems named by key and
line, and $EDITOR (a tiny Python script standing in for one)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kshop_tui.cli_commands import run

GOOD = """\
backend_url = "http://127.0.0.1:8000"
language = "en"
theme = "nord"

[keys]
"app.search" = "ctrl+f"

[demo]
max_sessions = 5
"""

BAD = """\
language = "klingon"
theme = "nord"

[demo]
max_sessions = -1
"""


@pytest.fixture
def config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("KSHOP_CONFIG_FILE", str(path))
    monkeypatch.setenv("KSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("KSHOP_BACKEND_URL", "VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    return path


def editor(tmp_path: Path, body: str | None, status: int = 0) -> str:
    """An $EDITOR command that writes `body` into the file it is given."""
    script = tmp_path / "editor.py"
    write = f"open(sys.argv[1], 'w', encoding='utf-8').write({body!r})\n" if body else ""
    script.write_text(f"import sys\n{write}sys.exit({status})\n", encoding="utf-8")
    return f"{sys.executable} {script}"


def test_path_prints_the_file_in_use(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "path"]) == 0
    assert capsys.readouterr().out == f"{config_file}\n"


def test_show_without_a_file_gives_the_defaults(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wide enough that a long temporary path does not wrap the table's words.
    monkeypatch.setenv("COLUMNS", "300")
    assert run(["config", "show", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["path"] == str(config_file) and answer["exists"] is False
    assert answer["backend_url"] is None and answer["backend_source"] == "default"
    assert answer["theme"] == "textual-dark" and answer["keys"] == {}
    assert answer["demo"] == {
        "max_sessions": 20,
        "idle_timeout_s": 900,
        "connections_per_minute": 30,
        "waiting_per_address": 4,
        "max_waiting": 64,
    }
    assert answer["warnings"] == []
    assert run(["config", "show"]) == 0
    assert "not created; defaults" in capsys.readouterr().out


def test_show_reads_the_file_and_says_where_each_setting_comes_from(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.parent.mkdir()
    config_file.write_text(GOOD, encoding="utf-8")
    assert run(["config", "show", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["backend_url"], answer["backend_source"]) == ("http://127.0.0.1:8000", "config")
    assert (answer["language"], answer["language_source"]) == ("en", "config")
    assert answer["theme"] == "nord" and answer["keys"] == {"app.search": "ctrl+f"}
    assert answer["demo"]["max_sessions"] == 5

    monkeypatch.setenv("KSHOP_BACKEND_URL", "http://127.0.0.1:9000")
    assert run(["config", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend_source"] == "KSHOP_BACKEND_URL"
    assert run(["--backend", "http://127.0.0.1:7000", "--lang", "zh", "config", "show"]) == 0
    table = capsys.readouterr().out
    assert "http://127.0.0.1:7000 [--backend]" in table
    assert "zh_CN [--lang]" in table and "app.search = ctrl+f" in table


def test_show_names_each_bad_key_and_its_line_once_and_exits_2(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.parent.mkdir()
    config_file.write_text(BAD, encoding="utf-8")
    # The settings in effect (the shop starts with the defaults), then the mistakes.
    assert run(["config", "show"]) == 2
    captured = capsys.readouterr()
    assert "Theme" in captured.out and "nord" in captured.out
    assert "warning" not in captured.out
    assert captured.err.splitlines() == [
        f'kshop: warning: {config_file}:1: `language` must be "zh_CN", "en"',
        f"kshop: warning: {config_file}:5: `demo.max_sessions` must be a whole number, 1 or more",
        "kshop: those settings keep their defaults until fixed (`kshop config edit`)",
    ]
    assert run(["config", "show", "--json"]) == 2
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert len(answer["warnings"]) == 2 and answer["demo"]["max_sessions"] == 20
    assert f"{config_file}:1: `language`" in captured.err


def test_show_exits_2_for_each_kind_of_mistake(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.parent.mkdir()
    mistakes = [
        'theme = "nope"',
        '[keys]\n"app.nothing" = "x"',
        '[keys]\n"app.cart" = "ctrl+nope"',
        'backend_url = "http://"',
        "colour = 1",
        "theme = 1",
        'theme = "nord',
    ]
    for mistake in mistakes:
        config_file.write_text(mistake + "\n", encoding="utf-8")
        assert run(["config", "show"]) == 2, mistake
        err = capsys.readouterr().err
        assert err.count(f"kshop: warning: {config_file}:") == 1, (mistake, err)


def test_a_broken_toml_file_is_named_with_its_line(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.parent.mkdir()
    config_file.write_text('theme = "nord"\nlanguage = \n', encoding="utf-8")
    assert run(["config", "show"]) == 2
    assert f"{config_file}:2: is not valid TOML: Invalid value" in capsys.readouterr().err


def test_check_says_ok_or_names_the_problems(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["config", "check"]) == 0
    assert capsys.readouterr().out == f"{config_file}: OK (not created; defaults)\n"
    config_file.parent.mkdir()
    config_file.write_text(GOOD, encoding="utf-8")
    assert run(["config", "check"]) == 0
    assert capsys.readouterr().out == f"{config_file}: OK\n"
    config_file.write_text(BAD, encoding="utf-8")
    assert run(["config", "check"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("kshop: warning: ") == 2


def test_edit_without_an_editor_prints_the_path(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["config", "edit"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{config_file}\n" and "$EDITOR" in captured.err
    assert not config_file.exists()


def test_edit_starts_from_a_commented_template_and_checks_the_result(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, None))
    assert run(["config", "edit"]) == 0
    assert "# backend_url" in config_file.read_text(encoding="utf-8")
    assert capsys.readouterr().out == f"{config_file}: OK\n"

    monkeypatch.setenv("EDITOR", editor(tmp_path, GOOD))
    assert run(["config", "edit"]) == 0
    assert config_file.read_text(encoding="utf-8") == GOOD


def test_edit_reports_what_the_edit_broke(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VISUAL", editor(tmp_path, BAD))
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")  # $VISUAL wins
    assert run(["config", "edit"]) == 2
    err = capsys.readouterr().err
    assert f"{config_file}:1: `language`" in err and "keep their defaults" in err


def test_an_editor_that_fails_or_is_missing_exits_2(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, None, status=1))
    assert run(["config", "edit"]) == 2
    assert "exited with status 1" in capsys.readouterr().err
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    assert run(["config", "edit"]) == 2
    assert "cannot start the editor" in capsys.readouterr().err
