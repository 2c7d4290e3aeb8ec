"""Every third-party module the code imports is a dependency that pyproject.toml declares
itself: one that only arrives through another package's requirements disappears when
that package changes its own, and the installed shop breaks on import."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata

from tests.packaging.tree import PACKAGED, ROOT, tracked_files

OWN_PACKAGES = {"kshop_tui", "fake_backend", "kshop_rules"}


def canonical(distribution: str) -> str:
    """PEP 503's form of a distribution name (`Pillow` = `pillow`, `a_b` = `a-b`)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def declared() -> set[str]:
    """The distributions in [project] dependencies, without versions or markers."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    return {
        canonical(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0])
        for line in project["dependencies"]
    }


def imported_modules() -> dict[str, set[str]]:
    """Top-level module → the files importing it, for every absolute import anywhere in
    the code (inside functions and TYPE_CHECKING blocks too)."""
    found: dict[str, set[str]] = {}
    for name in tracked_files(*PACKAGED):
        if not name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"), name)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.partition(".")[0], set()).add(name)
    return found


def test_the_scan_finds_imports_of_both_packages() -> None:
    modules = imported_modules()
    assert "src/kshop_tui/serve/web.py" in modules["aiohttp"]
    assert any(name.startswith("fake_backend/") for name in modules["fastapi"])


def test_every_third_party_import_is_a_declared_dependency() -> None:
    providers = metadata.packages_distributions()
    wanted = declared()
    undeclared = {}
    for module, files in imported_modules().items():
        if module in sys.stdlib_module_names or module in OWN_PACKAGES:
            continue
        distributions = {canonical(name) for name in providers.get(module, [module])}
        if not distributions & wanted:
            undeclared[module] = sorted(files)
    assert undeclared == {}, "imported but not in [project] dependencies"
