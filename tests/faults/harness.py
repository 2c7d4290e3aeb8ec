"""Fault injection for kshop's tests: an httpx transport that fails on purpose, a TCP
proxy that cuts, delays or replaces the backend's answers, the backend on uvicorn in a
thread, and the backend as a real process that can be SIGKILLed mid-request.

Run as `python -m tests.faults.harness ARGS` it is `kshop-backend ARGS`, optionally with
one service function wrapped by a fault (env `KSHOP_FAULT_PAUSE_IN=module:function`
blocks that call forever after touching `KSHOP_FAULT_MARKER`, so a test knows the
request is inside it; `KSHOP_FAULT_CRASH_IN=module:function` makes it raise).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
POLL_INTERVAL = 0.05
PAUSE_ENV = "KSHOP_FAULT_PAUSE_IN"
CRASH_ENV = "KSHOP_FAULT_CRASH_IN"
MARKER_ENV = "KSHOP_FAULT_MARKER"


# --- an httpx transport with faults ------------------------------------------------------

FaultKind = Literal["refuse", "status", "cut", "timeout"]


@dataclass
class Fault:
    """What happens to the next request matching `method` and `path` (a substring).

    refuse: no connection (ConnectError), nothing reaches the server.
    status: a proxy's answer (`status`, HTML body), nothing reaches the server.
    cut: the server handles it, the answer is cut off (RemoteProtocolError).
    timeout: the server handles it, the answer comes too late (ReadTimeout)."""

    kind: FaultKind
    method: str = ""
    path: str = ""
    status: int = 503
    times: int = 1

    def matches(self, request: httpx.Request) -> bool:
        return (not self.method or request.method == self.method) and self.path in str(
            request.url.path
        )


@dataclass
class FaultTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; `fail(...)` queues faults, `down`/`up()` switch the network."""

    inner: httpx.AsyncBaseTransport
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, what happened) of every request."""

    def fail(self, kind: FaultKind, method: str = "", path: str = "", **options: Any) -> None:
        self.faults.append(Fault(kind, method, path, **options))

    def down(self) -> None:
        """Every request is refused until `up()`."""
        self.faults = [Fault("refuse", times=10**9)]

    def up(self) -> None:
        self.faults = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = next((f for f in self.faults if f.times > 0 and f.matches(request)), None)
        what = fault.kind if fault else "ok"
        self.seen.append((request.method, request.url.path, what))
        if fault is None:
            return await self.inner.handle_async_request(request)
        fault.times -= 1
        if fault.kind == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if fault.kind == "status":
            body = f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>"
            return httpx.Response(fault.status, html=body, request=request)
        response = await self.inner.handle_async_request(request)
        await response.aread()  # the server finished its work; the client never hears of it
        await response.aclose()
        if fault.kind == "cut":
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        raise httpx.ReadTimeout("timed out", request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# --- a TCP proxy with faults -------------------------------------------------------------

ProxyMode = Literal["pass", "cut", "delay", "status"]


class TcpFaultProxy:
    """127.0.0.1:port → upstream. Modes: pass; cut (the answer stops after `cut_after`
    bytes and the connection closes); delay (the answer waits `delay` seconds); status
    (answers `status` itself with an HTML page, like a reverse proxy whose upstream is
    down). `requests` counts requests that reached the proxy."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode: ProxyMode = "pass"
        self.times: int | None = None
        self.status = 503
        self.cut_after = 20
        self.delay = 30.0
        self.requests = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fault(self, mode: ProxyMode, times: int | None = None, **options: Any) -> None:
        """`mode` for the next `times` requests (None: until changed), then pass."""
        self.mode, self.times = mode, times
        for name, value in options.items():
            setattr(self, name, value)

    def _next_mode(self) -> ProxyMode:
        if self.times is None:
            return self.mode
        if self.times <= 0:
            return "pass"
        self.times -= 1
        return self.mode

    async def __aenter__(self) -> TcpFaultProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._one_connection(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _one_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            request = await _read_http_message(reader)
            if request is None:
                return
            self.requests += 1
            mode = self._next_mode()
            if mode == "status":
                page = f"<html><h1>{self.status} Bad Gateway</h1></html>".encode()
                writer.write(
                    f"HTTP/1.1 {self.status} Upstream Down\r\nContent-Type: text/html\r\n"
                    f"Content-Length: {len(page)}\r\nConnection: close\r\n\r\n".encode()
                    + page
                )
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            try:
                up_writer.write(request)
                await up_writer.drain()
                answer = await _read_http_message(up_reader)
            finally:
                up_writer.close()
            if answer is None:
                return
            if mode == "delay":
                await asyncio.sleep(self.delay)
            if mode == "cut":
                writer.write(answer[: self.cut_after])
                await writer.drain()
                return
            writer.write(answer)
            await writer.drain()


async def _read_http_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 request or response with a Content-Length body (all kshop sends)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head + body


# --- the backend on uvicorn in a thread --------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_in_thread(app: Any, *, log_level: str = "warning") -> Iterator[int]:
    """Serves `app` on a free loopback port; yields the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for the socket to open
    assert server.started, "uvicorn did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT)
        listener.close()


# --- the backend as a real process -------------------------------------------------------


@dataclass
class BackendProcess:
    """`kshop-backend --db DB --port PORT --merchant manual` in a child process."""

    db: Path
    port: int
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, pause_in: str | None = None, crash_in: str | None = None) -> None:
        """Starts it and waits until it answers. `pause_in`: "module:function" that
        blocks (after touching `marker`); `crash_in`: one that raises."""
        assert self.process is None, "already running"
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        for name, value in ((PAUSE_ENV, pause_in), (CRASH_ENV, crash_in)):
            env.pop(name, None)
            if value:
                env[name] = value
        env[MARKER_ENV] = str(self.marker)
        with contextlib.suppress(FileNotFoundError):
            self.marker.unlink()
        self.starts += 1
        log = (self.log_dir / f"backend-{self.starts}.log").open("wb")
        argv = ["--db", str(self.db), "--port", str(self.port), "--merchant", "manual"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.harness", *argv],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/api/v1/categories", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(POLL_INTERVAL)  # waiting for a process to open its socket
        raise AssertionError("the backend did not start:\n" + self.output())

    @property
    def marker(self) -> Path:
        return self.log_dir / "paused"

    def wait_paused(self) -> None:
        """Waits until a request is inside the paused function."""
        deadline = time.monotonic() + START_TIMEOUT
        while not self.marker.exists():
            assert time.monotonic() < deadline, "the request never reached the paused call"
            assert self.process is not None and self.process.poll() is None, self.output()
            time.sleep(POLL_INTERVAL)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no checkpoint, whatever was in flight is lost."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
            self.process = None

    def output(self) -> str:
        """Everything every run of it printed (stdout and stderr)."""
        return "".join(
            path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(self.log_dir.glob("backend-*.log"))
        )


# --- the launcher (a child process) ------------------------------------------------------


def _wrap(target: str, fault: Callable[[], None]) -> None:
    module_name, _, function_name = target.partition(":")
    module = importlib.import_module(module_name)
    real = getattr(module, function_name)

    @functools.wraps(real)
    def faulty(*args: Any, **kwargs: Any) -> Any:
        fault()
        return real(*args, **kwargs)

    setattr(module, function_name, faulty)


def _pause_forever() -> None:
    Path(os.environ[MARKER_ENV]).touch()
    time.sleep(3600)  # until SIGKILL


def _crash() -> None:
    raise RuntimeError("simulated fault inside the service")


def main(argv: list[str]) -> int:
    from fake_backend import cli

    if os.environ.get(PAUSE_ENV):
        _wrap(os.environ[PAUSE_ENV], _pause_forever)
    if os.environ.get(CRASH_ENV):
        _wrap(os.environ[CRASH_ENV], _crash)
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
