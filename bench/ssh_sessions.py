"""Many SSH visitors at once, as they come: the first screens of a burst, keystroke to
screen while a share of them type, and the memory it all takes.

Starts `kshop serve ssh` (its bundled backend on a fresh seeded database, demo limits
raised in a config file of its own), then for each count in `--sessions`:

1. **The burst**: that many asyncssh clients connect at the same moment (80×24, TERM
   xterm-256color), as when a link is posted in a chat. A session's first screen is timed
   from the moment it started connecting until its terminal has received the search box
   and the results list's header; "full" until the first page of products is in.
2. **Memory** with every session open: the proportional set size (PSS,
   /proc/PID/smaps_rollup: a page shared by k processes counts 1/k in each) of each
   session's process, and of everything the server runs (sessions, zygote, server,
   backend).
3. **The load**: for `--seconds`, a share of the sessions (`--typing`) type words into
   the search box at a person's pace (a key every 200 ms, a second's pause between
   words, the box cleared after each); of the rest half read (an arrow key every 3 s) and
   half sit idle. A keystroke is timed from the moment it is written to the channel until
   the terminal has received the search box showing it (the word so far). The typists
   start one after another, evenly over `--start-spread` seconds, and the readers over
   their 3 s, as people who happen to be there at the same time do; `--lockstep` starts
   them all at the same moment: the typists' first letters (each a search at once) then
   come together for as long as their words keep in step, and the readers' arrow keys
   come together every 3 s (90 of them at 200 connected): the worst case.

Then `--all-typing` sessions repeat the load with every one of them typing (the worst
case), and `--single` sessions connect one after another, alone, to compare connect →
first screen with a bare Textual app started locally in a pty (bench/startup.py).

With `--warm N` the server keeps N shops started ahead (`kshop serve ssh --warm N`,
serve/warm.py), and each burst (and each lone connect) comes once the server has said
that all N are ready again: a burst arriving at a server that had a moment to prepare.
Their memory is in "PSS in all" (and in the per-session mean, as the warm shops still
waiting are sessions' processes too).

Goals (issue 16): a 100-visitor burst all on screen within 6 s (p50 ≤ 3 s); 200
connected, 10 % typing: p95 ≤ 100 ms and all first screens of the 200-visitor burst
within 12 s; PSS per session ≤ 30 MB; one connect → first screen ≤ 1.5× the bare app.

Run: python bench/ssh_sessions.py [--sessions 50 100 200] [--typing 0.1]
     [--all-typing 50] [--single 10] [--seconds 20] [--start-spread 2] [--lockstep]
     [--interpreter-per-session] [--warm N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import SUBJECTS, marker_seconds  # noqa: E402 - the bench next door

TIMEOUT_S = 300.0
WARM_READY = "Warm shops ready"  # the server says so each time its warm shops are all ready
KEY_INTERVAL_S = 0.2  # a person typing five keys a second
WORD_PAUSE_S = 1.0
READ_INTERVAL_S = 3.0
WORDS = ("phone", "shirt", "tea", "lamp", "book")
FIRST_SCREEN = ("Search products", "Product")
FULL_SCREEN = " found"
ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


@dataclass
class Session:
    process: asyncssh.SSHClientProcess[bytes]
    raw: bytearray = field(default_factory=bytearray)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.raw += data
            self.changed.set()

    def text(self, since: int) -> str:
        return ANSI.sub(b"", bytes(self.raw[since:])).decode("utf-8", errors="replace")

    async def wait_for(self, *needles: str, since: int = 0) -> None:
        while not all(needle in self.text(since) for needle in needles):
            self.changed.clear()
            await self.changed.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def children(parent: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append((int(entry.name), command))
    return found


class ServerOutput:
    """The server's output lines as they come (a thread reads them)."""

    def __init__(self, server: subprocess.Popen[str]) -> None:
        assert server.stdout is not None
        self._stdout = server.stdout
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._loop.run_in_executor(None, self._read)

    def _read(self) -> None:
        for line in self._stdout:
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)

    async def line(self) -> str:
        return await asyncio.wait_for(self._lines.get(), TIMEOUT_S)

    async def until(self, text: str) -> None:
        while text not in await self.line():
            pass


def session_pids(server_pid: int) -> tuple[list[int], list[int]]:
    """(the sessions' processes, the server's helpers: zygote and backend)."""
    helpers, sessions = [], []
    for pid, command in children(server_pid):
        if "--served" in command:  # an interpreter per session
            sessions.append(pid)
        else:
            helpers.append(pid)
            if "serve.zygote" in command:
                sessions += [child for child, _ in children(pid)]
    return sessions, helpers


async def open_session(port: int) -> tuple[Session, float]:
    """A session and the moment it started connecting."""
    started = time.perf_counter()
    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username="bench",
        known_hosts=None,
        agent_path=None,
        public_key_auth=False,
        password="guest",
    )
    process = await conn.create_process(
        term_type="xterm-256color", term_size=(80, 24), encoding=None
    )
    session = Session(process)
    asyncio.get_running_loop().create_task(session.read())
    return session, started


async def arrive(port: int) -> tuple[Session, float, float]:
    """Connects; answers the session, seconds to its first screen and to its full one."""
    session, started = await open_session(port)
    await session.wait_for(*FIRST_SCREEN)
    first = time.perf_counter() - started
    await session.wait_for(FULL_SCREEN)
    return session, first, time.perf_counter() - started


async def type_for(session: Session, offset: int, until: float, start: float) -> list[float]:
    """Types words at a person's pace from `start` seconds on until `until`; answers the
    keystrokes' latencies. A word's first letter is not timed: alone it is no proof (the
    box's placeholder has most letters)."""
    latencies = []
    await asyncio.sleep(start)
    session.process.stdin.write(b"/")  # focus the search box
    await asyncio.sleep(WORD_PAUSE_S)
    turn = offset
    while time.perf_counter() < until:
        word = WORDS[turn % len(WORDS)]
        turn += 1
        session.process.stdin.write(word[0].encode())
        await asyncio.sleep(KEY_INTERVAL_S)
        for typed in range(2, len(word) + 1):
            mark = len(session.raw)
            started = time.perf_counter()
            session.process.stdin.write(word[typed - 1].encode())
            await session.wait_for(word[:typed], since=mark)
            took = time.perf_counter() - started
            latencies.append(took)
            await asyncio.sleep(max(0.0, KEY_INTERVAL_S - took))
        session.process.stdin.write(b"\x7f" * len(word))  # clear the box (not timed)
        await asyncio.sleep(WORD_PAUSE_S)
    return latencies


async def read_for(session: Session, until: float, start: float) -> None:
    """Moves down the results now and then from `start` seconds on, as someone reading
    them."""
    await asyncio.sleep(start)
    while time.perf_counter() < until:
        session.process.stdin.write(b"\x1b[B")
        await asyncio.sleep(READ_INTERVAL_S)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


async def run_round(
    port: int, server_pid: int, count: int, typing: float, seconds: float, spread: float
) -> dict[str, float]:
    load_before = os.getloadavg()[0]
    arrivals = await asyncio.wait_for(
        asyncio.gather(*(arrive(port) for _ in range(count))), TIMEOUT_S
    )
    sessions = [session for session, _, _ in arrivals]
    first = [seconds for _, seconds, _ in arrivals]
    full = [seconds for _, _, seconds in arrivals]
    served, helpers = session_pids(server_pid)
    per_session = [pss_kib(pid) for pid in served]
    everything = sum(per_session) + sum(pss_kib(pid) for pid in [*helpers, server_pid])
    typists = max(1, round(count * typing))
    until = time.perf_counter() + seconds
    work = [type_for(s, i, until, spread * i / typists) for i, s in enumerate(sessions[:typists])]
    reading = sessions[typists:][::2]
    readers = [
        read_for(s, until, 0.0 if spread == 0 else READ_INTERVAL_S * i / len(reading))
        for i, s in enumerate(reading)
    ]
    typed = await asyncio.wait_for(asyncio.gather(*work, *readers), seconds + TIMEOUT_S)
    latencies = [ms * 1000 for per_session in typed[:typists] for ms in per_session]
    load_after = os.getloadavg()[0]
    for session in sessions:
        session.process.stdin.write(b"\x11")  # ctrl+q
    await asyncio.wait_for(asyncio.gather(*(s.process.wait_closed() for s in sessions)), TIMEOUT_S)
    return {
        "sessions": count,
        "typing": typists,
        "children": len(served),
        "first_p50": statistics.median(first),
        "first_max": max(first),
        "full_max": max(full),
        "keys": len(latencies),
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
        "pss_session": statistics.mean(per_session) / 1024,
        "pss_total": everything / 1024,
        "load_before": load_before,
        "load_after": load_after,
    }


async def alone(port: int, runs: int, prepared: Callable[[], Awaitable[None]]) -> list[float]:
    """Connect → first screen of one session with nobody else there, `runs` times (each
    once the server is prepared again)."""
    times = []
    for run in range(runs):
        if run:
            await prepared()
        session, first, _ = await arrive(port)
        times.append(first)
        session.process.stdin.write(b"\x11")
        await asyncio.wait_for(session.process.wait_closed(), TIMEOUT_S)
    return times


def bare_app_seconds(runs: int) -> list[float]:
    command, screen, _ = SUBJECTS["bare Textual app"]
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
    marker_seconds(command, {"screen": screen}, env)  # fills the bytecode cache
    return [marker_seconds(command, {"screen": screen}, env)["screen"] for _ in range(runs)]


async def bench(args: argparse.Namespace) -> tuple[list[dict[str, float]], list[float]]:
    spread = 0.0 if args.lockstep else args.start_spread
    with tempfile.TemporaryDirectory(prefix="kshop-bench-ssh-") as home:
        config = Path(home) / "config.toml"
        most = max([*args.sessions, args.all_typing, 1])
        config.write_text(
            f"[demo]\nmax_sessions = {most}\nconnections_per_minute = {most * 10}\n"
            f"waiting_per_address = {most}\nmax_waiting = {most}\nidle_timeout_s = 3600\n"
        )
        port = free_port()
        env = dict(
            os.environ,
            KSHOP_DATA_DIR=f"{home}/data",
            KSHOP_CONFIG_FILE=str(config),
            LANG="en_US.UTF-8",
        )
        command = [sys.executable, "-m", "kshop_tui", "serve", "ssh", "--port", str(port)]
        if args.interpreter_per_session:
            command.append("--interpreter-per-session")
        if args.warm:
            command += ["--warm", str(args.warm)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        try:
            output = ServerOutput(server)
            ready = await output.line()
            if "ssh -p" not in ready:
                raise RuntimeError(f"the server did not start: {ready!r}")

            async def prepared() -> None:
                if args.warm:
                    await output.until(WARM_READY)

            await prepared()
            single = await alone(port, args.single, prepared) if args.single else []
            rows = []
            for count in args.sessions:
                await prepared()
                rows.append(
                    await run_round(port, server.pid, count, args.typing, args.seconds, spread)
                )
            if args.all_typing:
                await prepared()
                rows.append(
                    await run_round(port, server.pid, args.all_typing, 1.0, args.seconds, spread)
                )
            return rows, single
        finally:
            server.terminate()
            server.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, nargs="*", default=[50, 100, 200])
    parser.add_argument("--typing", type=float, default=0.1, help="share of sessions typing")
    parser.add_argument("--all-typing", type=int, default=50, help="sessions, all typing (0: none)")
    parser.add_argument("--single", type=int, default=10, help="lone connects timed (0: none)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long they type")
    parser.add_argument(
        "--start-spread", type=float, default=2.0, help="seconds over which the typists start"
    )
    parser.add_argument(
        "--lockstep", action="store_true", help="all typists start at once (the worst case)"
    )
    parser.add_argument(
        "--interpreter-per-session", action="store_true", help="the server's old way, to compare"
    )
    parser.add_argument(
        "--warm", type=int, default=0, help="shops the server starts ahead (kshop serve --warm)"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows, single = asyncio.run(bench(args))
    mode = "a new interpreter each" if args.interpreter_per_session else "forked by the zygote"
    if args.warm:
        mode += f", {args.warm} warm"
    typists = "in lockstep" if args.lockstep else f"starting over {args.start_spread:g} s"
    print(
        f"kshop serve ssh, sessions {mode}: 80×24, {os.cpu_count()} CPUs, typists {typists}, "
        f"1-minute load average before {load_before:.2f}"
    )
    if single:
        bare = statistics.median(bare_app_seconds(len(single)))
        lone = statistics.median(single)
        print(
            f"\nOne visitor alone, connect → first screen: median {lone * 1000:.0f} ms over "
            f"{len(single)}; a bare Textual app started locally: {bare * 1000:.0f} ms; "
            f"ratio {lone / bare:.2f} (goal ≤ 1.5)"
        )
    print()
    print(
        "| connected | typing | burst: first screen p50 / max | full max | keystrokes "
        "| p50 | p95 | max | PSS per session | PSS in all | load before → after |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['sessions']:.0f} | {row['typing']:.0f} "
            f"| {row['first_p50']:.1f} s / {row['first_max']:.1f} s | {row['full_max']:.1f} s "
            f"| {row['keys']:.0f} | {row['p50']:.0f} ms | {row['p95']:.0f} ms "
            f"| {row['max']:.0f} ms | {row['pss_session']:.1f} MB | {row['pss_total']:.0f} MB "
            f"| {row['load_before']:.1f} → {row['load_after']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
