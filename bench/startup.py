"""Start-up to first screen: kshop against a bare Textual app (goal: ratio ≤ 1.3).

Each app runs in a fresh 80×24 pseudo-terminal; the clock stops when the first frame
containing the app's marker text has been written (Textual writes a frame in one go).
Run: python bench/startup.py [--runs 10]
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


def first_frame_seconds(command: list[str], marker: bytes, env: dict[str, str]) -> float:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True
    )
    os.close(follower)
    seen = b""
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                seen += chunk
                if marker in seen:
                    return time.perf_counter() - started
        raise RuntimeError(f"no first frame with {marker!r} from {command}: {seen[-300:]!r}")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(leader)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
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
        # The first kshop start seeds its database; measure warm starts, as a user has them.
        subjects = {
            "bare Textual app": ([sys.executable, str(HERE / "bare_app.py")], b"baseline-row-0"),
            "kshop": ([sys.executable, "-m", "kshop_tui", "--lang", "en"], b"Filters"),
        }
        first_frame_seconds(*subjects["kshop"], env=env)
        results: dict[str, list[float]] = {name: [] for name in subjects}
        for _ in range(args.runs):
            for name, (command, marker) in subjects.items():
                results[name].append(first_frame_seconds(command, marker, env))
    bare = statistics.median(results["bare Textual app"])
    print(f"Start-up to first screen, 80×24 pty, {args.runs} runs each (median / min / max)")
    print()
    print("| app | median | min | max | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, times in results.items():
        median = statistics.median(times)
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(times) * 1000:.0f} ms | "
            f"{max(times) * 1000:.0f} ms | {median / bare:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
