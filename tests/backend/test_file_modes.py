"""The database is its owner's only: the data folder 0700, the database and its -wal and
-shm 0600 (uploaded photos live in the database), whether new or made by an older
version with the umask's 0644/0755."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_backend import cli
from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.storage.db import Database
from kshop_tui.api.backend import open_backend


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022, with which files are made 0644 and folders 0755 unless asked."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def side_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]


def test_a_new_database_and_its_new_folder_are_private(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "new-folder" / "backend.sqlite3"
    app = create_app(path, clock, merchant="manual", seed=42)
    ctx = app.state.ctx
    with ctx.db.tx():  # a write, so the write-ahead log has something in it
        ctx.db.execute("UPDATE users SET nickname = nickname")
    assert mode(path.parent) == 0o700
    assert all(side.exists() for side in side_files(path))
    assert {file.name: mode(file) for file in (path, *side_files(path))} == {
        "backend.sqlite3": 0o600,
        "backend.sqlite3-wal": 0o600,
        "backend.sqlite3-shm": 0o600,
    }
    ctx.db.close()


def test_an_existing_world_readable_database_is_made_private(db_path: Path, tmp_path: Path) -> None:
    # As an older version left it: 0644 files (with a live -wal and -shm) in a 0755 folder.
    holder = Database(db_path)
    with holder.tx():
        holder.execute("UPDATE users SET nickname = nickname")
    for file in (db_path, *side_files(db_path)):
        file.chmod(0o644)
    tmp_path.chmod(0o755)
    db = Database(db_path)
    assert [mode(file) for file in (db_path, *side_files(db_path))] == [0o600] * 3
    # A folder the user chose (`--db`) is theirs: left as it is.
    assert mode(tmp_path) == 0o755
    db.close()
    holder.close()


def test_kshop_backend_makes_its_default_data_folder_private(
    tmp_path: Path, seeded_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    default = cli.default_db_path()
    default.parent.mkdir(parents=True, mode=0o755)
    shutil.copyfile(seeded_template, default)
    default.chmod(0o644)
    app = cli.build_app(cli.parse_args(["--merchant", "manual"]))
    assert app.state.ctx.db.path == str(default)
    assert mode(default.parent) == 0o700 and mode(default) == 0o600
    app.state.ctx.db.close()


async def test_the_bundled_backend_of_kshop_makes_its_data_folder_private(
    tmp_path: Path, seeded_template: Path
) -> None:
    data_dir = tmp_path / "kshop-data"
    data_dir.mkdir(mode=0o755)
    shop = data_dir / "shop.sqlite3"
    shutil.copyfile(seeded_template, shop)
    shop.chmod(0o644)
    backend = await open_backend(url=None, demo=False, data_dir=data_dir, language="en")
    try:
        assert mode(data_dir) == 0o700 and mode(shop) == 0o600
    finally:
        await backend.close()
