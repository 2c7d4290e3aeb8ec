"""The TUI tests' own KSHOP_* variables survive the root conftest's clean-up (its autouse
fixture runs first), so no test reads the developer's config or data."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import kshop_variables


def test_only_the_tests_own_kshop_variables_are_set(tmp_path: Path) -> None:
    assert kshop_variables() == ["KSHOP_CONFIG_FILE", "KSHOP_DATA_DIR", "KSHOP_LOG_DIR"]
    assert Path(os.environ["KSHOP_CONFIG_FILE"]).is_relative_to(tmp_path)
    assert Path(os.environ["KSHOP_DATA_DIR"]).is_relative_to(tmp_path)
