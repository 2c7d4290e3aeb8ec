"""Start-up to first screen: kshop against a bare Textual app (goal: ratio ≤ 1.3).

Each app runs in a fresh 80×24 pseudo-terminal, the two taking turns, and the clock stops
when the terminal has been sent all of the app's marker texts (Textual writes a frame in
one go). The first screen is the first frame with the app's real content: the bare app's
table rows; kshop's search box and the frame of its results list (the rows themselves come
from the backend, in a worker, after it). The time until each footer shows its keys is
printed too, for both apps, but is not the bar.

Both apps start as an installed app does: with Python's bytecode cache (kept in the run's
temporary directory, filled by a first, unmeasured start of each). `--no-bytecode-cache`
compiles every module of kshop and of the bare app's script on every start instead, which
no installed copy does but an environment with PYTHONDONTWRITEBYTECODE set would.

Run: python bench/startup.py [--runs 15] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 20.0

# name → (command, first screen's markers, footer keys' markers)
Subject = tuple[list[str], tuple[bytes, ...], tuple[bytes, ...]]
SUBJECTS: dict[str, Subject] = {
    "bare Textual app": (
        [sys.executable, str(HERE / "bare_app.py")],
        (b"baseline-row-0",),
        (b"palette",),
    ),
    "kshop": (
        [sys.executable, "-m", "kshop_tui", "--lang", "en"],
        # The search box's placeholder and the results list's column header.
        (b"Search products", b"Product"),
        (b"Filters",),
    ),
}


def marker_seconds(
    command: list[str], marker_sets: dict[str, tuple[bytes, ...]], env: dict[str, str]
) -> dict[str, float]:
    """Seconds from the start of `command` until each set of markers had all been sent to
    the terminal."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True
    )
    os.close(follower)
    seen = b""
    times: dict[str, float] = {}
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                seen += chunk
                now = time.perf_counter() - started
                for name, markers in marker_sets.items():
                    if name not in times and all(marker in seen for marker in markers):
                        times[name] = now
                if len(times) == len(marker_sets):
                    return times
        raise RuntimeError(f"no frame with {marker_sets!r} from {command}: {seen[-300:]!r}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(leader)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bytecode-cache", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(
            os.environ,
            TERM="xterm-256color",
            COLORTERM="truecolor",
            KSHOP_DATA_DIR=f"{home}/data",
            KSHOP_CONFIG_FILE=f"{home}/none.toml",
            LANG="en_US.UTF-8",
        )
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = f"{home}/pycache"
        marker_sets = {
            name: {"screen": screen, "footer": footer}
            for name, (_, screen, footer) in SUBJECTS.items()
        }
        # The first kshop start seeds its database and each first start fills the bytecode
        # cache: measure warm starts, as a user has them.
        for name, (command, _, _) in SUBJECTS.items():
            marker_seconds(command, marker_sets[name], env)
        results: dict[str, dict[str, list[float]]] = {
            name: {"screen": [], "footer": []} for name in SUBJECTS
        }
        loads = []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            for name, (command, _, _) in SUBJECTS.items():
                for kind, seconds in marker_seconds(command, marker_sets[name], env).items():
                    results[name][kind].append(seconds)
    bare = statistics.median(results["bare Textual app"]["screen"])
    cache = "none" if args.no_bytecode_cache else "warm"
    print(
        f"Start-up to first screen, 80×24 pty, {args.runs} interleaved runs each, bytecode "
        f"cache {cache}, 1-minute load average {statistics.median(loads):.2f} "
        f"({min(loads):.2f}–{max(loads):.2f})"
    )
    print()
    print("| app | first screen: median | min | max | ratio | footer keys: median | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, kinds in results.items():
        screen, footer = kinds["screen"], kinds["footer"]
        median = statistics.median(screen)
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(screen) * 1000:.0f} ms | "
            f"{max(screen) * 1000:.0f} ms | {median / bare:.2f} | "
            f"{statistics.median(footer) * 1000:.0f} ms | {statistics.median(footer) / bare:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
