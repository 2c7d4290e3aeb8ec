"""Scrolling a 100 000-product result set to the end: the work of every frame (goal: under
16 ms) and the app's memory on the way (goal: flat, RSS ≤ 120 MB).

`kshop` runs as a person runs it: in a 120×40 pseudo-terminal, on the bundled backend
in-process, its data dir holding a copy of the `seed --products 100000` database that
bench/search_tui.py builds (same file, same code). The browse list starts unfiltered
("100,000 found") and page-down (or `--key end`) is pressed until the cursor is on the
last product; the list asks the server for the next 50 rows whenever the cursor comes
near the end of what it has reached, and keeps only a window of pages around the cursor
(widgets/product_list.py). The next key goes when the previous one's frame has been
painted, so the run goes as fast as the app allows.

Why a pty and not `App.run_test()`: under the headless driver `App._display` returns
before `CompositorUpdate.render_segments`, the step that turns the changed lines into
terminal bytes, so a headless frame is not the same work. Instead the child is kshop
started through this file (`--probe FIFO ARGS`), which times the entry points of a
Textual frame, `Screen._on_timer_update`, `Screen._refresh_layout` and
`Screen._compositor_refresh` (layout when needed, the compositor's update, `render_line`
of the changed lines, `App._display`), counting only calls that painted, and writes each
frame's work with the list's cursor, reached-row count and held-row count to a FIFO the
bench reads. The
work is given as the event-loop thread's CPU time (what the frame costs, whatever else
runs on the machine) and as wall time (what it took on this machine at this load). Key
handling and page loads run outside these calls; the time to reach the end covers them.

RSS is the child's VmRSS (app + in-process backend) at the start, every `--every` rows
and at the end, with its VmHWM (peak so far). After the last sample the bench asks the
child (SIGUSR1) for the deep size of the rows the list holds (`ProductList.rows`, its
window of pages).

Run: python bench/scroll.py [--db PATH] [--products 100000] [--key pagedown|end]
     [--rows N]
"""

from __future__ import annotations

import argparse
import gc
import os
import select
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from search_tui import PAGE_DOWN, Terminal, ensure_database, found, percentile

if TYPE_CHECKING:
    from kshop_tui.widgets.product_list import ProductList

END = b"\x1b[F"
KEYS = {"pagedown": PAGE_DOWN, "end": END}
FRAME_BUDGET_MS = 16.0
RSS_GOAL_MB = 120.0
STEP_TIMEOUT_S = 30.0


# --- the child: kshop with its frames timed ---------------------------------------------


def run_probed_kshop(fifo: str, kshop_arguments: list[str]) -> int:
    from textual.app import App
    from textual.screen import Screen

    from kshop_tui.cli import main as kshop_main
    from kshop_tui.widgets.product_list import ProductList

    report = open(fifo, "w", buffering=1)  # noqa: SIM115 (open for the app's whole life)
    depth = 0
    painted = False
    lists: list[ProductList] = []
    collecting_since = 0
    gc_ns = 0
    full_collections = 0

    def note_paint(method: Callable[..., None]) -> Callable[..., None]:
        def wrapper(app: App[Any], screen: Screen[Any], renderable: Any) -> None:
            nonlocal painted
            painted = painted or renderable is not None
            method(app, screen, renderable)

        return wrapper

    def timed(method: Callable[..., None]) -> Callable[..., None]:
        def wrapper(screen: Screen[Any], *args: Any, **kwargs: Any) -> None:
            nonlocal depth, painted, gc_ns, full_collections
            if depth:  # called inside a frame already being timed
                method(screen, *args, **kwargs)
                return
            depth, painted = 1, False
            gc_ns = full_collections = 0
            wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
            try:
                method(screen, *args, **kwargs)
            finally:
                cpu, wall = time.thread_time_ns() - cpu, time.perf_counter_ns() - wall
                depth = 0
                if painted:
                    report_frame(screen, wall, cpu)

        return wrapper

    def report_frame(screen: Screen[Any], wall_ns: int, cpu_ns: int) -> None:
        if not lists:
            lists.extend(screen.query(ProductList).results())
        if lists:
            product_list = lists[0]
            cursor, reached = product_list.cursor, product_list.extent
            held = sum(len(page) for page in product_list.pages.values())
            more = int(product_list.has_more)
            report.write(
                f"F {wall_ns} {cpu_ns} {gc_ns} {full_collections} {cursor} {reached} {more}"
                f" {held}\n"
            )

    def note_collection(phase: str, info: dict[str, int]) -> None:
        nonlocal collecting_since, gc_ns, full_collections
        if not depth:
            return
        if phase == "start":
            collecting_since = time.thread_time_ns()
            return
        gc_ns += time.thread_time_ns() - collecting_since
        full_collections += info["generation"] == 2

    def report_rows(signal_number: int, frame: FrameType | None) -> None:
        rows = lists[0].rows if lists else []
        report.write(f"R {len(rows)} {deep_size(rows)}\n")

    App._display = note_paint(App._display)  # type: ignore[method-assign]
    for name in ("_on_timer_update", "_refresh_layout", "_compositor_refresh"):
        setattr(Screen, name, timed(getattr(Screen, name)))
    gc.callbacks.append(note_collection)
    signal.signal(signal.SIGUSR1, report_rows)
    return kshop_main(kshop_arguments)


def deep_size(rows: list[Any]) -> int:
    """Bytes held by the list, its tuples and their fields (shared objects counted once)."""
    seen: set[int] = set()
    total = sys.getsizeof(rows)
    for row in rows:
        for item in (row, *row):
            if id(item) not in seen:
                seen.add(id(item))
                total += sys.getsizeof(item)
    return total


# --- the bench ---------------------------------------------------------------------------


@dataclass
class Frame:
    wall_ms: float
    cpu_ms: float
    gc_ms: float
    full_collections: int
    cursor: int
    loaded: int
    """Rows the list spans (reached), not the rows it holds."""
    has_more: bool
    held: int


@dataclass
class Checkpoint:
    rows: int
    seconds: float
    rss_mb: float
    peak_mb: float
    frames: list[Frame] = field(default_factory=list)


class ProbedApp:
    """kshop in a pty with the frame report read from a FIFO."""

    def __init__(self, data: Path, fifo: Path) -> None:
        os.mkfifo(fifo)
        self.report = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        # Our own writer keeps the FIFO from reading as closed before the child opens it.
        self._keep_open = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        env = dict(
            os.environ,
            TERM="xterm-256color",
            COLORTERM="truecolor",
            LANG="en_US.UTF-8",
            KSHOP_DATA_DIR=str(data),
            KSHOP_CONFIG_FILE=str(data / "none.toml"),
        )
        command = [sys.executable, __file__, "--probe", str(fifo)]
        command += ["--lang", "en", "--merchant", "manual"]
        self.terminal = Terminal(command, env)  # 120×40, as bench/search_tui.py
        self.pending = b""
        self.screen_tail = b""
        self.frame = Frame(0.0, 0.0, 0.0, 0, 0, 0, True, 0)
        self.rows_reported: tuple[int, int] | None = None

    def frames_until(self, done: Callable[[Frame], bool]) -> list[Frame]:
        """Reads frames (and drains the terminal) until one satisfies `done`."""
        frames = self.read(STEP_TIMEOUT_S, lambda: done(self.frame))
        if not frames or not done(self.frame):
            alive = self.terminal.process.poll() is None
            raise RuntimeError(
                f"no progress in {STEP_TIMEOUT_S:.0f} s (app alive: {alive}); last {self.frame};"
                f" terminal: {self.screen_tail.decode(errors='replace')}"
            )
        return frames

    def idle(self, seconds: float) -> None:
        self.read(seconds, lambda: False)

    def rows_size(self) -> tuple[int, int]:
        """(rows, bytes) of ProductList.rows, measured in the app on request."""
        os.kill(self.terminal.process.pid, signal.SIGUSR1)
        self.read(STEP_TIMEOUT_S, lambda: self.rows_reported is not None)
        if self.rows_reported is None:
            raise RuntimeError("the app did not report its rows")
        return self.rows_reported

    def read(self, seconds: float, done: Callable[[], bool]) -> list[Frame]:
        frames: list[Frame] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.terminal.leader, self.report], [], [], 0.1)
            if self.terminal.leader in ready:
                output = os.read(self.terminal.leader, 1 << 16)
                self.screen_tail = (self.screen_tail + output)[-4000:]
            if self.report not in ready:
                continue
            self.pending += os.read(self.report, 1 << 16)
            *lines, self.pending = self.pending.split(b"\n")
            for line in lines:
                kind, *fields = line.split()
                values = [int(value) for value in fields]
                if kind == b"R":
                    self.rows_reported = (values[0], values[1])
                    continue
                wall_ns, cpu_ns, gc_ns, full, cursor, loaded, more, held = values
                self.frame = Frame(
                    wall_ns / 1e6, cpu_ns / 1e6, gc_ns / 1e6, full, cursor, loaded, bool(more), held
                )
                frames.append(self.frame)
            if done():
                break
        return frames

    def status_mb(self, field_name: str) -> float:
        status = Path(f"/proc/{self.terminal.process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith(field_name))
        return int(line.split()[1]) / 1024

    def checkpoint(self, rows: int, started: float) -> Checkpoint:
        return Checkpoint(
            rows, time.perf_counter() - started, self.status_mb("VmRSS"), self.status_mb("VmHWM")
        )

    def close(self) -> None:
        self.terminal.close()
        os.close(self.report)
        os.close(self._keep_open)


def scroll(app: ProbedApp, key: bytes, target: int, every: int) -> list[Checkpoint]:
    """Presses `key` until row `target` (1-based) has the cursor; a checkpoint every
    `every` rows."""
    started = time.perf_counter()
    checkpoints = [app.checkpoint(0, started)]
    frames: list[Frame] = []
    next_sample = every
    while True:
        before = app.frame
        if before.cursor == before.loaded - 1 and before.has_more:
            # At the last loaded row: a key would do nothing until the next page is in.
            frames += app.frames_until(more_loaded_than(before.loaded))
        else:
            app.terminal.send(key)
            frames += app.frames_until(cursor_moved_from(before.cursor))
        reached = app.frame.cursor + 1
        last = reached >= target or (reached == app.frame.loaded and not app.frame.has_more)
        if reached >= next_sample or last:
            checkpoints.append(app.checkpoint(reached, started))
            checkpoints[-1].frames, frames = frames, []
            next_sample = (reached // every + 1) * every
        if last:
            return checkpoints


def more_loaded_than(loaded: int) -> Callable[[Frame], bool]:
    return lambda frame: frame.loaded > loaded


def cursor_moved_from(cursor: int) -> Callable[[Frame], bool]:
    return lambda frame: frame.cursor != cursor


def product_count(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        count: int = connection.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    return count


def spread(values: list[float]) -> str:
    """p50 / p95 / max."""
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f} / {max(values):.1f}"


def main() -> int:
    if sys.argv[1:2] == ["--probe"]:
        return run_probed_kshop(sys.argv[2], sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_db = Path(tempfile.gettempdir()) / "kshop-100k.sqlite3"
    parser.add_argument("--db", type=Path, default=default_db, help="built if missing")
    parser.add_argument("--products", type=int, default=100_000, help="when building --db")
    parser.add_argument("--key", choices=sorted(KEYS), default="pagedown")
    parser.add_argument("--rows", type=int, default=0, help="stop at this row (default: end)")
    parser.add_argument("--every", type=int, default=10_000, help="rows between RSS samples")
    args = parser.parse_args()
    ensure_database(args.db, args.products)
    total = product_count(args.db)
    target = min(args.rows or total, total)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as home:
        data = Path(home) / "data"
        data.mkdir()
        shutil.copyfile(args.db, data / "shop.sqlite3")
        app = ProbedApp(data, Path(home) / "frames")
        try:
            app.terminal.wait_for(found(total))
            app.idle(1.0)  # let the filters and the first page settle
            checkpoints = scroll(app, KEYS[args.key], target, args.every)
            app.idle(1.0)
            end = app.checkpoint(checkpoints[-1].rows, 0.0)
            rows, rows_bytes = app.rows_size()
        finally:
            app.close()
    load = f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    print(f"Scrolling {total:,} products to row {target:,} with {args.key}, 120×40 pty; {load}")
    print()
    print_report(checkpoints, end, rows, rows_bytes)
    return 0


def print_report(checkpoints: list[Checkpoint], end: Checkpoint, rows: int, size: int) -> None:
    print(
        "| rows reached | frames | full GCs | frame work CPU ms p50 / p95 / max"
        " | wall ms p50 / p95 / max | RSS MB | peak MB | elapsed s |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for checkpoint in checkpoints:
        print(
            f"| {checkpoint.rows:,} | {len(checkpoint.frames):,} | "
            f"{sum(frame.full_collections for frame in checkpoint.frames)} | "
            f"{spread([frame.cpu_ms for frame in checkpoint.frames])} | "
            f"{spread([frame.wall_ms for frame in checkpoint.frames])} | "
            f"{checkpoint.rss_mb:.0f} | {checkpoint.peak_mb:.0f} | {checkpoint.seconds:.1f} |"
        )
    frames = [frame for checkpoint in checkpoints for frame in checkpoint.frames]
    cpu = [frame.cpu_ms for frame in frames]
    wall = [frame.wall_ms for frame in frames]
    collected = [frame for frame in frames if frame.full_collections]
    budget = f"< {FRAME_BUDGET_MS:.0f} ms"
    print()
    print("| measure | value | goal |")
    print("| --- | ---: | --- |")
    print(
        f"| frames | {len(frames):,} ({sum(ms >= FRAME_BUDGET_MS for ms in cpu)} over "
        f"{FRAME_BUDGET_MS:.0f} ms CPU, {sum(ms >= FRAME_BUDGET_MS for ms in wall)} wall) | |"
    )
    print(f"| frame work CPU p50 / p95 / max | {spread(cpu)} ms | {budget} |")
    without = [frame.cpu_ms for frame in frames if not frame.full_collections]
    print(f"| … frames without a full GC | {spread(without)} ms | {budget} |")
    print(
        f"| … {len(collected)} frames with a full GC (gen 2) | "
        f"{spread([frame.cpu_ms for frame in collected])} ms, of which GC "
        f"{spread([frame.gc_ms for frame in collected])} ms | {budget} |"
    )
    print(f"| frame work wall p50 / p95 / max | {spread(wall)} ms | {budget} |")
    print(
        f"| RSS start / peak / end | {checkpoints[0].rss_mb:.0f} / {end.peak_mb:.0f} / "
        f"{end.rss_mb:.0f} MB | flat, ≤ {RSS_GOAL_MB:.0f} MB |"
    )
    print(f"| rows the list held at the end | {rows:,} rows, {size / 2**20:.1f} MB | |")
    print(f"| most rows the list held | {max((frame.held for frame in frames), default=0):,} | |")
    print(f"| time to reach row {checkpoints[-1].rows:,} | {checkpoints[-1].seconds:.1f} s | |")


if __name__ == "__main__":
    raise SystemExit(main())
