from __future__ import annotations

import zipfile

import pytest

from tests.packaging.tree import build_wheel


@pytest.fixture(scope="session")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The names of the files in a wheel built once per test session from the tracked
    files, as a user's `pip install` gets it (no editable install, no stray files)."""
    wheel = build_wheel(tmp_path_factory.mktemp("tree"), tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())
