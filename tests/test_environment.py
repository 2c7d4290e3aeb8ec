"""The developer's shell cannot change a result: tests/conftest.py removes every KSHOP_*
variable before any fixture or test sees the environment (and then points KSHOP_LOG_DIR,
the one it sets itself, into the test's own folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import kshop_variables

ROOT = Path(__file__).resolve().parent.parent
FROM_THE_SHELL = {
    "KSHOP_GATEWAY_SECRET": "the-shells-secret",
    "KSHOP_BACKEND_URL": "http://127.0.0.1:9",
    "KSHOP_TOKEN": "the-shells-token",
    "KSHOP_LANG": "zh_CN",
    "KSHOP_CONFIG_FILE": "/nonexistent/config.toml",
    "KSHOP_DATA_DIR": "/nonexistent/data",
    "KSHOP_LOG_DIR": "/nonexistent/logs",
}


@pytest.fixture(scope="module")
def seen_by_a_module_fixture() -> list[str]:
    """What a module-scoped fixture (one that starts a backend, say) would inherit."""
    return kshop_variables()


def test_no_kshop_variable_reaches_a_test(tmp_path: Path) -> None:
    assert kshop_variables() == ["KSHOP_LOG_DIR"]
    assert Path(os.environ["KSHOP_LOG_DIR"]).is_relative_to(tmp_path)


def test_no_kshop_variable_reaches_a_module_fixture(seen_by_a_module_fixture: list[str]) -> None:
    assert seen_by_a_module_fixture == []


def test_a_shell_with_kshop_variables_changes_nothing() -> None:
    """pytest run again with KSHOP_* variables set, as in a developer's shell: the two
    tests above still find none."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env.update(FROM_THE_SHELL)
    here = Path(__file__).relative_to(ROOT)
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:xdist",
            f"{here}::test_no_kshop_variable_reaches_a_test",
            f"{here}::test_no_kshop_variable_reaches_a_module_fixture",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
