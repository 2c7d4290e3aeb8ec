"""The repository's tracked files, and a wheel built from them alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What goes into the distribution: the packages, and the files pyproject.toml reads.
PACKAGED = ("src/kshop_tui", "fake_backend", "kshop_rules")
BUILD_INPUTS = ("pyproject.toml", "README.md", *PACKAGED)


def tracked_files(*paths: str) -> list[str]:
    """The repository's files under `paths` (what a clean clone has), relative to it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *paths],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sorted(name for name in listed.split("\0") if name)


def build_wheel(tree: Path, out: Path) -> Path:
    """Copies the tracked build inputs into `tree` and builds the wheel into `out`.

    Built from a copy: a build in the work tree writes build/ and *.egg-info there, which
    parallel test runs would trip over. No index and no isolation: the build uses this
    venv's setuptools and never reaches a registry."""
    for name in tracked_files(*BUILD_INPUTS):
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "-q", "-w", str(out), str(tree)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout}\n{built.stderr}"
    (wheel,) = out.glob("kshop_tui-*.whl")
    return wheel
