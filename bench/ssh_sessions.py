"""Concurrent SSH sessions: keystroke-to-screen latency and memory per session.

Starts `kshop serve ssh` (its bundled backend on a fresh seeded database, demo limits
raised in a config file of its own), then for each count in `--sessions` opens that many
asyncssh sessions at once (80×24, TERM xterm-256color), waits for every first screen,
and has every session type search words into the search box at the same time. One
keystroke is timed from the moment it is written to the channel until the terminal has
received the search box showing it (the word so far, escapes stripped); the session then
waits until its screen has been quiet for a moment (the search's results have arrived) before
the next key, as a person would. Memory is each `kshop --served` child's VmRSS
(/proc/PID/status) while all sessions are open; the server and backend are shown apart.

Goal (issue 7): p95 keystroke-to-screen ≤ 100 ms.

Run: python bench/ssh_sessions.py [--sessions 10 50] [--words 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

TIMEOUT_S = 180.0
QUIET_S = 0.3
ANSWER_S = 5.0
WORDS = ("phone", "shirt", "tea", "lamp", "book")
ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


@dataclass
class Session:
    process: asyncssh.SSHClientProcess[bytes]
    raw: bytearray = field(default_factory=bytearray)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    last_output: float = 0.0

    async def read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.raw += data
            self.last_output = time.perf_counter()
            self.changed.set()

    def text(self, since: int) -> str:
        return ANSI.sub(b"", bytes(self.raw[since:])).decode("utf-8", errors="replace")

    async def wait_for(self, needle: str, since: int) -> None:
        while needle not in self.text(since):
            self.changed.clear()
            await self.changed.wait()

    async def settle(self, since: int) -> None:
        """Waits for the answer to what was sent at `since` (if any comes), then for a
        quiet screen."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ANSWER_S):
                while len(self.raw) <= since:
                    self.changed.clear()
                    await self.changed.wait()
        while (idle := time.perf_counter() - self.last_output) < QUIET_S:
            await asyncio.sleep(QUIET_S - idle)

    async def send_and_settle(self, keys: bytes) -> None:
        mark = len(self.raw)
        self.process.stdin.write(keys)
        await self.settle(mark)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
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


async def open_session(port: int) -> Session:
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
    return session


async def type_words(session: Session, words: list[str]) -> list[float]:
    """Latencies (s) of the letters typed into the search box. A word's first letter is
    not timed: alone it is no proof (the box's placeholder has most letters)."""
    latencies = []
    await session.send_and_settle(b"/")  # focus the search box
    for word in words:
        await session.send_and_settle(word[0].encode())
        for typed in range(2, len(word) + 1):
            mark = len(session.raw)
            started = time.perf_counter()
            session.process.stdin.write(word[typed - 1].encode())
            await session.wait_for(word[:typed], mark)
            latencies.append(time.perf_counter() - started)
            await session.settle(mark)
        await session.send_and_settle(b"\x7f" * len(word))  # clear the box (not timed)
    return latencies


async def run_round(port: int, server_pid: int, count: int, words: int) -> dict[str, float]:
    started = time.perf_counter()
    sessions = await asyncio.gather(*(open_session(port) for _ in range(count)))

    async def first_screen(session: Session) -> float:
        await session.wait_for("Search products", 0)
        seconds = time.perf_counter() - started
        await session.wait_for(" found", 0)  # the first page of products is in
        return seconds

    first = await asyncio.wait_for(asyncio.gather(*(first_screen(s) for s in sessions)), TIMEOUT_S)
    served = [pid for pid, command in children(server_pid) if "--served" in command]
    others = [pid for pid, command in children(server_pid) if "--served" not in command]
    per_session_kib = statistics.mean(rss_kib(pid) for pid in served)
    await asyncio.gather(*(s.settle(len(s.raw)) for s in sessions))
    plan = [[WORDS[(i + n) % len(WORDS)] for n in range(words)] for i in range(count)]
    typed = await asyncio.wait_for(
        asyncio.gather(*(type_words(s, p) for s, p in zip(sessions, plan, strict=True))),
        TIMEOUT_S,
    )
    latencies = sorted(ms * 1000 for per_session in typed for ms in per_session)
    for session in sessions:
        session.process.stdin.write(b"\x11")  # ctrl+q
    await asyncio.wait_for(asyncio.gather(*(s.process.wait_closed() for s in sessions)), TIMEOUT_S)
    return {
        "sessions": count,
        "children": len(served),
        "first_p50": statistics.median(first),
        "first_max": max(first),
        "keys": len(latencies),
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, round(len(latencies) * 0.95) - 1)],
        "max": latencies[-1],
        "rss_session": per_session_kib / 1024,
        "rss_server": rss_kib(server_pid) / 1024,
        "rss_backend": sum(rss_kib(pid) for pid in others) / 1024,
    }


async def bench(counts: list[int], words: int) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="kshop-bench-ssh-") as home:
        config = Path(home) / "config.toml"
        most = max(counts)
        config.write_text(
            f"[demo]\nmax_sessions = {most}\nconnections_per_minute = {most * 10}\n"
            "idle_timeout_s = 3600\n"
        )
        port = free_port()
        env = dict(
            os.environ,
            KSHOP_DATA_DIR=f"{home}/data",
            KSHOP_CONFIG_FILE=str(config),
            LANG="en_US.UTF-8",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "kshop_tui", "serve", "ssh", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            ready = await asyncio.to_thread(server.stdout.readline)
            if "ssh -p" not in ready:
                raise RuntimeError(f"the server did not start: {ready!r}")
            rows = []
            for count in counts:
                rows.append(await run_round(port, server.pid, count, words))
            return rows
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, nargs="+", default=[20])
    parser.add_argument("--words", type=int, default=3, help="words each session types")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = asyncio.run(bench(args.sessions, args.words))
    print(
        f"kshop serve ssh: concurrent sessions, 80×24, {os.cpu_count()} CPUs, "
        f"1-minute load before {load_before:.2f}"
    )
    print()
    print(
        "| sessions | first screen p50 / max | keystrokes | p50 | p95 | max "
        "| RSS per session | server RSS | backend RSS |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['sessions']:.0f} | {row['first_p50']:.1f} s / {row['first_max']:.1f} s "
            f"| {row['keys']:.0f} | {row['p50']:.0f} ms | {row['p95']:.0f} ms "
            f"| {row['max']:.0f} ms | {row['rss_session']:.0f} MB | {row['rss_server']:.0f} MB "
            f"| {row['rss_backend']:.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
