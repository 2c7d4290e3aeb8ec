"""The conventions a command line is expected to keep (issue 17): shell completion made
from the real command tree, a description for every option, help and table headers in
the user's language, and an unknown command's error that names every command."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kshop_tui import cli
from kshop_tui.cli_commands import build_parser, run
from kshop_tui.cli_commands.completion import SHELLS, command_tree
from kshop_tui.i18n import translate
from tests.client.test_cli import (  # noqa: F401 (fixtures)
    Shell,
    backend_app,
    backend_ctx,
    isolated,
    kshop,
    shell_for,
    shopper,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _parsers(
    parser: argparse.ArgumentParser, path: str = "kshop"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def _described(language: str) -> Iterator[tuple[str, str, str | None]]:
    """(command, option or sub-command, its description) over the whole tree in
    `language`, `kshop`'s own parser included; what --help hides is left out."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kshop_tui.i18n._current", language)
        trees = [("kshop", cli.build_parser()), *_parsers(build_parser())]
    for path, parser in trees:
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    yield path, choice.dest, choice.help
            else:
                yield path, "/".join(action.option_strings) or action.dest, action.help


def _command_paths() -> list[str]:
    return [path for path, _ in _parsers(build_parser())][1:]


def test_the_tree_has_serve_and_completion_and_kshop_help_names_every_command() -> None:
    paths = _command_paths()
    for expected in ("kshop serve ssh", "kshop serve web", "kshop completion", "kshop token"):
        assert expected in paths
    top = [path.split()[1] for path in paths if len(path.split()) == 2]
    assert list(cli.COMMANDS) == top


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_option_and_command_has_a_description(language: str) -> None:
    described = list(_described(language))
    assert len(described) > 150
    missing = [f"{path} {name}" for path, name, text in described if not (text or "").strip()]
    assert missing == []


def test_every_description_is_in_chinese_under_zh_cn() -> None:
    untranslated = [
        f"{path} {name}: {text}"
        for path, name, text in _described("zh_CN")
        if not CJK.search(text or "")
    ]
    assert untranslated == []


def test_help_follows_lang(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--lang", "zh_CN", "orders", "list", "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(translate("zh_CN", "cli.usage"))
    for key in ("cli.help", "cli.orders.list.status", "cli.arg.limit", "cli.opt.lang"):
        assert translate("zh_CN", key) in shown
    assert "show this help" not in shown and "options:" not in shown

    assert run(["--lang", "en", "orders", "list", "--help"]) == 0
    assert translate("en", "cli.orders.list.status") in capsys.readouterr().out

    with pytest.raises(SystemExit):
        cli.main(["--lang", "zh_CN", "--help"])
    shown = capsys.readouterr().out
    assert translate("zh_CN", "cli.opt.version") in shown and "serve" in shown


def test_table_headers_follow_lang(kshop: Shell) -> None:  # noqa: F811
    # The fixture puts `--lang en` first; the last --lang wins, as argparse has it.
    chinese = kshop("products", "search", "保温杯", "--limit", "3", "--lang", "zh_CN")
    assert chinese.code == 0
    header = chinese.out.splitlines()[1]
    for key in ("cli.col.name", "cli.col.brand", "cli.col.price", "cli.col.stock"):
        assert translate("zh_CN", key) in header
    english = kshop("products", "search", "保温杯", "--limit", "3")
    assert "Name" in english.out and "Brand" in english.out and "名称" not in english.out


def test_field_labels_follow_lang(shopper: Shell) -> None:  # noqa: F811
    chinese = shopper("whoami", "--lang", "zh_CN")
    assert chinese.code == 0
    for key in ("cli.field.nickname", "cli.field.phone", "cli.field.payment_password"):
        assert translate("zh_CN", key) in chinese.out
    english = shopper("whoami")
    assert "Nickname" in english.out and translate("zh_CN", "cli.field.nickname") not in english.out


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_an_unknown_command_names_every_command(
    capsys: pytest.CaptureFixture[str], language: str
) -> None:
    assert run(["--lang", language, "teleport"]) == 2
    error = capsys.readouterr().err
    assert "teleport" in error
    for command in cli.COMMANDS:
        assert re.search(rf"\b{re.escape(command)}\b", error), command
    # Through the `kshop` entry point too, which dispatches `serve` itself.
    assert cli.main(["--lang", language, "teleport"]) == 2
    assert "serve" in capsys.readouterr().err


# --- shell completion ------------------------------------------------------------------


def _script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert run(["--lang", "en", "completion", shell]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("shell", SHELLS)
def test_each_completion_script_names_every_command_and_option(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script(shell, capsys)
    assert "kshop" in script and "http" not in script
    tree = command_tree(build_parser())
    for node in tree.walk():
        for name in node.commands:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", script), (shell, name)
        for option in node.options:
            long_flag = option.flags[-1]
            spelled = long_flag[2:] if shell == "fish" else long_flag
            assert spelled in script, (shell, node.path, long_flag)
    assert {"--version", "--open"} <= {f for o in tree.options for f in o.flags}


def _bash_completions(script: Path, line: str) -> list[str]:
    """What bash offers after `line` (a trailing space: a new word), as COMP_WORDS has it."""
    program = (
        f"source {script}\n"
        'read -ra COMP_WORDS <<< "$LINE"\n'
        '[[ "$LINE" == *" " ]] && COMP_WORDS+=("")\n'
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        "_kshop\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", program],
        env={"LINE": line, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_and_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "kshop.bash"
    script.write_text(_script("bash", capsys))
    assert _bash_completions(script, "kshop ") == list(cli.COMMANDS)
    assert _bash_completions(script, "kshop or") == ["orders", "order"]
    assert _bash_completions(script, "kshop --lang en se") == ["serve"]
    assert _bash_completions(script, "kshop serve ") == ["ssh", "web"]
    assert "--allowed-host" in _bash_completions(script, "kshop serve web --")
    assert _bash_completions(script, "kshop orders list --st") == ["--status"]
    assert "pending_payment" in _bash_completions(script, "kshop orders list --status ")
    assert _bash_completions(script, "kshop order place --pay b") == [
        "bank_card",
        "balance",
        "bnpl",
    ]
    assert _bash_completions(script, "kshop completion ") == list(SHELLS)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_parses_and_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "_kshop"
    script.write_text(_script("zsh", capsys))
    # compsys's own functions stand in as printers of what they are handed.
    program = (
        "compdef() { :; }\n"
        '_describe() { print -l -- "${(@P)4}"; }\n'
        f"source {script}\n"
        'words=(kshop orders ""); CURRENT=3; _kshop\n'
    )
    done = subprocess.run(
        ["zsh", "-f", "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[0] == f"list:{translate('en', 'cli.orders.list')}"


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_script_parses_and_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "kshop.fish"
    script.write_text(_script("fish", capsys))
    program = f"source {script}; complete -C 'kshop serve '"
    done = subprocess.run(
        ["fish", "--no-config", "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    offered = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert offered == ["ssh", "web"]
