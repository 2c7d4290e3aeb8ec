"""`kshop config path | show | check | edit`: the settings file (docs/api.md §5). A bad file
never stops the shop; these commands show what it makes of it, naming each mistake with
its file and line on stderr, and exit 2 (the CLI's usage error) while there is one."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from kshop_tui import i18n
from kshop_tui.cli_commands.output import Output
from kshop_tui.cli_commands.runtime import OK, USAGE, add_json
from kshop_tui.config import ConfigProblem, config_path, data_dir, load_settings
from kshop_tui.i18n import t

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands

TEMPLATE = """\
# kshop settings; every one is optional (`kshop config check` checks them).
# backend_url = "http://127.0.0.1:8000"   # an API server instead of the bundled shop
# language = "zh_CN"                      # or "en"
# theme = "textual-dark"
#
# [keys]                                  # binding id = key
# "app.search" = "ctrl+f"
#
# [demo]                                  # limits of `kshop serve`
# max_sessions = 20
# idle_timeout_s = 900
# connections_per_minute = 30
"""


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    group = commands.add_parser("config", help=t("cli.config.config"))
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    path = actions.add_parser("path", help=t("cli.config.path"))
    path.set_defaults(offline=path_command)
    show = actions.add_parser("show", help=t("cli.config.show"))
    add_json(show)
    show.set_defaults(offline=show_command)
    check = actions.add_parser("check", help=t("cli.config.check"))
    check.set_defaults(offline=check_command)
    edit = actions.add_parser("edit", help=t("cli.config.edit"))
    edit.set_defaults(offline=edit_command)


def path_command(args: argparse.Namespace, out: Output) -> int:
    out.line(str(config_path()))
    return OK


def show_command(args: argparse.Namespace, out: Output) -> int:
    path = config_path()
    settings = load_settings(path)
    backend, backend_source = _backend(args, settings.backend_url)
    if args.lang:
        language, language_source = i18n.normalize(args.lang), "--lang"
    elif settings.language:
        language, language_source = i18n.normalize(settings.language), "config"
    else:
        language, language_source = i18n.detect_language(), "locale"
    if out.json_mode:
        answer: dict[str, Any] = {
            "path": str(path),
            "exists": path.exists(),
            "data_dir": str(data_dir()),
            "backend_url": backend,
            "backend_source": backend_source,
            "language": language,
            "language_source": language_source,
            "theme": settings.theme,
            "keys": settings.keys,
            "demo": asdict(settings.demo),
            "warnings": [problem.describe() for problem in settings.problems],
        }
        out.json(answer)
        return _report(settings.problems, out)
    fields = [
        (
            "cli.field.config_file",
            str(path) + ("" if path.exists() else " (not created; defaults)"),
        ),
        ("cli.field.data_dir", str(data_dir())),
        ("cli.field.backend", f"{backend or 'bundled (in this process)'} [{backend_source}]"),
        ("cli.field.language", f"{language} [{language_source}]"),
        ("cli.field.theme", settings.theme),
        (
            "cli.field.key_bindings",
            ", ".join(f"{k} = {v}" for k, v in settings.keys.items()) or "defaults",
        ),
        (
            "cli.field.demo_limits",
            ", ".join(f"{k} = {v}" for k, v in asdict(settings.demo).items()),
        ),
    ]
    out.fields(fields)
    return _report(settings.problems, out)


def check_command(args: argparse.Namespace, out: Output) -> int:
    path = config_path()
    problems = load_settings(path).problems
    if problems:
        return _report(problems, out)
    out.line(f"{path}: OK" + ("" if path.exists() else " (not created; defaults)"))
    return OK


def edit_command(args: argparse.Namespace, out: Output) -> int:
    path = config_path()
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        out.line(str(path))
        out.note("No $VISUAL or $EDITOR set: edit the file above with any editor.")
        return OK
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(TEMPLATE, encoding="utf-8")
    try:
        finished = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as error:
        out.error(f"cannot start the editor {editor!r}: {error.strerror or error}")
        return USAGE
    if finished.returncode != 0:
        out.error(f"the editor {editor!r} exited with status {finished.returncode}")
        return USAGE
    problems = load_settings(path).problems
    if problems:
        return _report(problems, out)
    out.line(f"{path}: OK")
    return OK


def _report(problems: list[ConfigProblem], out: Output) -> int:
    """Each problem on stderr, once; exit 2 while there is one."""
    if not problems:
        return OK
    for problem in problems:
        out.error(f"warning: {problem.describe()}")
    out.error("those settings keep their defaults until fixed (`kshop config edit`)")
    return USAGE


def _backend(args: argparse.Namespace, configured: str | None) -> tuple[str | None, str]:
    if args.backend:
        return args.backend, "--backend"
    from_env = os.environ.get("KSHOP_BACKEND_URL")
    if from_env:
        return from_env, "KSHOP_BACKEND_URL"
    if configured:
        return configured, "config"
    return None, "default"
