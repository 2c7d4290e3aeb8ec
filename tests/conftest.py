"""Fixtures shared by every test: no KSHOP_* variable from the shell, a seeded backend per
test, on a frozen clock."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_backend.clock import Clock, parse_iso
from fake_backend.context import Ctx
from fake_backend.seed import ensure_seeded
from fake_backend.storage.db import Database
from tests import route_building

route_building.install()

# Every test starts at the same instant of backend time.
FROZEN_START = parse_iso("2026-11-24T02:00:00Z")
DEMO_USER_ID = 1


# The collector's thresholds for the test process. With the defaults (700, 10, 10) a pilot
# test ran ~2 full collections, each walking the ~400 000 objects of the imported libraries
# (~0.2 s each): a quarter of a pilot test's CPU. A young generation of 20 000 lets most of
# a test's short-lived cycles die young, and full collections become rare; each test's app
# is still collected (peak RSS of a worker +60 MB over 28 pilot tests). Timing only: what
# is collected, and every finalizer, stay the same.
TEST_GC_THRESHOLDS = (20_000, 10, 10)


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*TEST_GC_THRESHOLDS)


def kshop_variables() -> list[str]:
    """The KSHOP_* variables in this process's environment."""
    return sorted(name for name in os.environ if name.startswith("KSHOP_"))


@pytest.fixture(scope="session", autouse=True)
def no_kshop_environment_for_the_session() -> Iterator[None]:
    """Session- and module-scoped fixtures (a backend subprocess, say) start before any
    test's own fixtures: the shell's KSHOP_* variables are gone for them too."""
    with pytest.MonkeyPatch.context() as patch:
        for name in kshop_variables():
            patch.delenv(name)
        yield


@pytest.fixture(autouse=True)
def no_kshop_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KSHOP_* variable of the developer's shell (KSHOP_GATEWAY_SECRET, KSHOP_BACKEND_URL,
    KSHOP_TOKEN, KSHOP_LANG...) changes a result: every test starts without any, and sets
    (with monkeypatch) those it means to test. Autouse fixtures of the conftests below
    this one run after it, so the ones they set stay."""
    for name in kshop_variables():
        monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def crash_logs_of_the_test(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_kshop_environment: None
) -> None:
    """A crash (of the app in a test, or of a shop a test starts) reports in the test's
    own folder, never in the developer's log dir."""
    monkeypatch.setenv("KSHOP_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded database file per test session; each test copies it. Without the demo
    account's history: tests start from a demo account with no orders."""
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite3"
    ctx = Ctx(db=Database(path), clock=Clock(FROZEN_START, frozen=True))
    ensure_seeded(ctx, seed=42, history=False)
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
