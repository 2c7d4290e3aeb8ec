"""A database that cannot serve stops the backend at start with one line naming the file
and what to do, and a non-zero exit: a corrupt file (it was a raw traceback without the
path) and a read-only one (it started, then answered every write with 500). Both for
`kshop-backend` and for `kshop`'s bundled backend (the shop, and the operator CLI).

File modes do not stop root: run as root, the read-only file is also made immutable
(`chattr +i`, undone afterwards), which does."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fake_backend.storage.db import Database, DatabaseUnusable

REPO_ROOT = Path(__file__).resolve().parents[2]
# A child that would start serving instead of stopping must fail the test, not hang it.
CHILD_TIMEOUT = 120
CORRUPT_ADVICE = "move it aside to start with a fresh one, or restore it from a backup"
READ_ONLY_ADVICE = "make the file and its folder writable for this user, or use another file"
MakeReadOnly = Callable[[Path], None]


def run(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python ARGV` from the repository, with a config, home and keyring of the test's."""
    return subprocess.run(
        [sys.executable, *argv],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "HOME": str(tmp_path),
            "KSHOP_CONFIG_FILE": str(tmp_path / "config.toml"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            **env,
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=CHILD_TIMEOUT,
    )


@pytest.fixture
def make_read_only() -> Iterator[MakeReadOnly]:
    frozen: list[Path] = []

    def make(path: Path) -> None:
        path.chmod(0o444)
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip(f"root, and chattr +i does not work here: {done.stderr!r}")
            frozen.append(path)

    try:
        yield make
    finally:
        for path in frozen:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def corrupt(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\0" + bytes(range(256)) * 64)


def read_only_copy(seeded_template: Path, path: Path, make_read_only: MakeReadOnly) -> str:
    """A seeded database that may be read but not written; answers its content's hash."""
    shutil.copyfile(seeded_template, path)
    make_read_only(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_line(stderr: str) -> str:
    """The line after the terminal's own output (the shop draws on stderr too)."""
    return stderr.strip().splitlines()[-1].rsplit("\x1b[?1006l", 1)[-1]


# ---- the rule, without processes -------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "header-only"])
def test_opening_a_corrupt_file_raises_a_typed_error_naming_it(
    seeded_template: Path, tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "backend.sqlite3"
    if damage == "garbage":
        corrupt(path)
    elif damage == "truncated":
        data = seeded_template.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(b"SQLite format 3\0garbage")
    with pytest.raises(DatabaseUnusable) as caught:
        Database(path)
    assert caught.value.path == str(path)
    message = str(caught.value)
    assert message.startswith(f"{path} is not a usable SQLite database (")
    assert message.endswith(CORRUPT_ADVICE) and "\n" not in message


def test_opening_a_read_only_file_raises_a_typed_error_and_writes_nothing(
    seeded_template: Path, tmp_path: Path, make_read_only: MakeReadOnly
) -> None:
    path = tmp_path / "backend.sqlite3"
    before = read_only_copy(seeded_template, path, make_read_only)
    with pytest.raises(DatabaseUnusable) as caught:
        Database(path)
    assert str(caught.value) == (
        f"{path} is read-only (attempt to write a readonly database): {READ_ONLY_ADVICE}"
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_folder_given_as_the_database_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnusable, match="cannot be opened"):
        Database(tmp_path)


# ---- kshop-backend ----------------------------------------------------------------------


def test_kshop_backend_stops_on_a_corrupt_database_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "backend.sqlite3"
    corrupt(path)
    result = run(tmp_path, "-m", "fake_backend", "--db", str(path), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"kshop-backend: {path} is not a usable SQLite database (file is not a database):"
        f" {CORRUPT_ADVICE}"
    ]


def test_kshop_backend_stops_on_a_read_only_database_and_leaves_it_alone(
    tmp_path: Path, seeded_template: Path, make_read_only: MakeReadOnly
) -> None:
    path = tmp_path / "backend.sqlite3"
    before = read_only_copy(seeded_template, path, make_read_only)
    result = run(tmp_path, "-m", "fake_backend", "--db", str(path), "--port", "0")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"kshop-backend: {path} is read-only (attempt to write a readonly database):"
        f" {READ_ONLY_ADVICE}"
    ]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# ---- kshop: the shop and the operator CLI on the bundled backend ------------------------


@pytest.fixture
def shop_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    return folder


def test_kshop_stops_on_a_corrupt_database_with_one_line(tmp_path: Path, shop_data: Path) -> None:
    path = shop_data / "shop.sqlite3"
    corrupt(path)
    result = run(tmp_path, "-m", "kshop_tui", KSHOP_DATA_DIR=str(shop_data))
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        f"kshop: {path} is not a usable SQLite database (file is not a database): {CORRUPT_ADVICE}"
    )
    assert "Traceback" not in result.stderr


def test_kshop_stops_on_a_read_only_database_with_one_line(
    tmp_path: Path, shop_data: Path, seeded_template: Path, make_read_only: MakeReadOnly
) -> None:
    path = shop_data / "shop.sqlite3"
    read_only_copy(seeded_template, path, make_read_only)
    result = run(tmp_path, "-m", "kshop_tui", KSHOP_DATA_DIR=str(shop_data))
    assert result.returncode == 1
    assert last_line(result.stderr) == (
        f"kshop: {path} is read-only (attempt to write a readonly database): {READ_ONLY_ADVICE}"
    )


def test_kshop_commands_say_so_in_one_line_too(
    tmp_path: Path, shop_data: Path, seeded_template: Path, make_read_only: MakeReadOnly
) -> None:
    path = shop_data / "shop.sqlite3"
    read_only_copy(seeded_template, path, make_read_only)
    result = run(tmp_path, "-m", "kshop_tui", "whoami", KSHOP_DATA_DIR=str(shop_data))
    assert result.returncode == 5  # the backend is not there to answer
    assert result.stderr.splitlines() == [
        f"kshop: cannot open the backend: {path} is read-only (attempt to write a readonly"
        f" database): {READ_ONLY_ADVICE}"
    ]
