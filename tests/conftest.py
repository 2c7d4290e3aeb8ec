"""Fixtures shared by every test: a seeded backend per test, on a frozen clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_backend.clock import Clock, parse_iso
from fake_backend.context import Ctx
from fake_backend.seed import ensure_seeded
from fake_backend.storage.db import Database

# Every test starts at the same instant of backend time.
FROZEN_START = parse_iso("2026-11-24T02:00:00Z")
DEMO_USER_ID = 1


@pytest.fixture(autouse=True)
def crash_logs_of_the_test(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A crash (of the app in a test, or of a shop a test starts) reports in the test's
    own folder, never in the developer's log dir."""
    monkeypatch.setenv("KSHOP_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded database file per test session; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite3"
    ctx = Ctx(db=Database(path), clock=Clock(FROZEN_START, frozen=True))
    ensure_seeded(ctx, seed=42)
    ctx.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.db.close()
    return path


@pytest.fixture
def db_path(seeded_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "backend.sqlite3"
    shutil.copyfile(seeded_template, path)
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(FROZEN_START, frozen=True)


@pytest.fixture
def ctx(db_path: Path, clock: Clock) -> Iterator[Ctx]:
    """A service-level context (no HTTP), merchant simulator in manual mode."""
    context = Ctx(db=Database(db_path), clock=clock, merchant="manual")
    yield context
    context.db.close()
