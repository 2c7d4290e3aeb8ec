"""The zygote: one process that has imported Textual, the shop, its screens and its
stylesheets once, and forks a ready child for each session instead of starting an
interpreter per visitor (issue 16: 48 MB and 0.34 s per interpreter; a burst of a hundred
visitors meant a hundred interpreters importing Textual on two cores).

Forking is only safe from a process with one thread and no event loop: a lock held by
another thread at the fork stays held for ever in the child, and a loop's selector and
self-pipe would be shared by every child. So the zygote is its own small process (`main`
here, `python -m kshop_tui.serve.zygote`), never the server: it waits in `select` on a
Unix socket to the server and on a pipe that SIGCHLD writes to, and nothing else.

The conversation (SOCK_SEQPACKET, one JSON object a message):
- server → zygote: `{"id", "argv", "env", "tty", "standard", "attach"}` with the child's
  standard descriptors attached (SCM_RIGHTS): one pty follower (`tty`: it becomes the
  controlling terminal) or three pipes, then the pipe on which the child says that its
  first frame is on the screen (its descriptor 3, `KSHOP_FIRST_FRAME_FD`), and with
  `attach` the pipe on which a warm shop hears of its visitor (descriptor 4,
  `KSHOP_ATTACH_FD`: serve/warm.py). The server keeps the other ends.
- zygote → server: `{"ready"}` once, after the imports; `{"id", "pid"}` or
  `{"id", "error"}` for each request; `{"exited": pid, "code"}` for each child reaped
  (negative code: killed by that signal).

The server (`Zygote`, on its event loop) restarts a zygote that dies; the children of a
dead one live on (their ptys are the server's) and their ends are seen by their pid.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import errno
import fcntl
import gc
import importlib
import json
import locale
import os
import pkgutil
import runpy
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kshop_tui.config import Settings

MAX_MESSAGE = 256 * 1024
MAX_FDS = 4
FIRST_FRAME_FD = 3
ATTACH_FD = 4
READY_TIMEOUT_S = 120.0
# Shops starting at once (forked, first frame not yet drawn). A burst of visitors waits its
# turn: with two cores shared by a hundred starts, every first screen would come at the
# end; a few at a time, they come one after another, the first ones soon.
STARTING_AT_ONCE = 2 * (os.cpu_count() or 1)
# A shop that has not drawn its first frame by then no longer holds up the next.
FIRST_FRAME_WAIT_S = 3.0
# A zygote that dies again sooner than this after starting is not restarted at once.
RESTART_BACKOFF_S = 1.0
# How often a child of a zygote that died is looked for (its end is no longer reported).
ORPHAN_POLL_S = 0.1
# Not imported ahead: the servers themselves (asyncssh, aiohttp) and the operator commands.
NOT_PRELOADED = ("kshop_tui.serve", "kshop_tui.cli_commands", "kshop_tui.__main__")
# What a session still imported by itself (seen in one's sys.modules): httpx's transport
# on asyncio, imported at the first request, and what Textual imports as it lays out.
ALSO_PRELOADED = (
    "textual.drivers.linux_driver",
    "textual.drivers.web_driver",
    "textual.drivers.headless_driver",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "textual.pilot",
    "httpcore",
    "httpcore._backends.anyio",
    "anyio._backends._asyncio",
    "anyio.streams.tls",
    "anyio.to_thread",
    "concurrent.futures.thread",
    "tomllib",
)
# The rehearsal (`rehearse`): a first screen at the size most SSH clients open with, in
# each language a visitor may choose; it ends once the app has connected and its workers
# are done, or after REHEARSAL_MAX_PAUSES × REHEARSAL_PAUSE_S whatever happened.
REHEARSAL_SIZE = (80, 24)
REHEARSAL_LANGUAGES = ("zh_CN", "en")
REHEARSAL_PAUSE_S = 0.01
REHEARSAL_MAX_PAUSES = 200
_NOT_FOUND = b'{"error": {"code": "not_found", "message": "rehearsal"}}'
REHEARSAL_ANSWER = (
    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_NOT_FOUND), _NOT_FOUND)
)


class ZygoteFailed(OSError):
    """The zygote could not start a child (or is not there to)."""


# --- the zygote process --------------------------------------------------------------


def preload() -> None:
    """Imports what every session needs and makes what they can share, before any fork:
    every module of the shop (screens and widgets too), Textual's drivers and layouts,
    httpx with its transport, the TLS context its clients share, the parsed stylesheets,
    and what a session's start leaves behind (`rehearse`)."""
    import kshop_tui

    for module in pkgutil.walk_packages(kshop_tui.__path__, "kshop_tui."):
        if not module.name.startswith(NOT_PRELOADED):
            importlib.import_module(module.name)
    for name in ALSO_PRELOADED:
        importlib.import_module(name)
    from rich._unicode_data import load as load_cell_widths

    from kshop_tui.api.client import tls_context

    load_cell_widths()  # the table of the zygote's UNICODE_VERSION (a session loads its own)
    tls_context()
    _preparse_stylesheets(Path(kshop_tui.__file__).parent)
    rehearse()


def rehearse() -> list[str]:
    """A session's start played through before any fork, headless, in each language: the
    app composes, lays out and paints its first screen at 80×24 and asks its backend for
    the first products, a stand-in on this process's own loop that answers every request
    "not found" at once (no traffic leaves the zygote, whatever the server's backend).
    A child then starts with the bytecode of the code every start runs already
    specialised by the interpreter, and Textual's and Rich's caches (styles, colours,
    cell widths, handlers' signatures) filled: each of those would otherwise be written
    in every child, its own CPU and its own copy of the page. Measured on 48 forked
    children at 80×24, alternated: page faults to the first results 5 190 → 4 750, CPU
    mean 129 → 119 ms (median 117 → 115); a session's PSS in a 100-visitor burst 22.4 →
    21.1 MB. Nothing of a visitor is here: the app has no data and a temporary data dir,
    and it is gone, its loop and threads with it, before the first fork.

    Answers the request lines the stand-in was sent, in order."""
    import tempfile

    from kshop_tui.config import load_settings

    settings = load_settings()
    asked: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kshop-rehearsal-") as data:
        for language in REHEARSAL_LANGUAGES:
            asyncio.run(_rehearsal(language, settings, Path(data), asked))
    return asked


async def _rehearsal(language: str, settings: Settings, data: Path, asked: list[str]) -> None:
    from kshop_tui.app import KshopApp
    from kshop_tui.shop.options import AppOptions

    async def not_found(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")  # a start's requests are GETs: no body
            asked.append(head.split(b"\r\n", 1)[0].decode("ascii", "replace"))
            writer.write(REHEARSAL_ANSWER)
            await writer.drain()
        writer.close()

    stand_in = await asyncio.start_server(not_found, "127.0.0.1", 0)
    port = stand_in.sockets[0].getsockname()[1]
    options = AppOptions(
        language=language,
        backend_url=f"http://127.0.0.1:{port}",
        data_dir=data,
        settings=settings,
        served=True,
        persistent_tokens=False,
    )
    app = KshopApp(options)
    async with stand_in, app.run_test(size=REHEARSAL_SIZE, notifications=True) as pilot:
        for _ in range(REHEARSAL_MAX_PAUSES):
            if app.connected and not any(worker.is_running for worker in app.workers):
                break
            await pilot.pause(REHEARSAL_PAUSE_S)
        await pilot.pause()


def _preparse_stylesheets(package: Path) -> None:
    """Every stylesheet a session may use, parsed with the theme its settings give (the
    server's config), so that no child parses one (`kshop_tui.stylesheets`)."""
    from kshop_tui.app import KshopApp
    from kshop_tui.config import load_settings
    from kshop_tui.shop.options import AppOptions
    from kshop_tui.stylesheets import preparse

    variables = KshopApp(AppOptions(settings=load_settings())).get_css_variables()
    preparse(variables, sorted(package.rglob("*.tcss")))


def serve(control: socket.socket) -> int:
    """The zygote's loop: a child per request, a report per child reaped. Ends when the
    server closes its end (it has gone: its children are hung up on with it)."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    # A handler (doing nothing) so that SIGCHLD is delivered and wakes `select`.
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    children: set[int] = set()
    _send(control, {"ready": True, "pid": os.getpid()})
    while True:
        readable, _, _ = select.select([control.fileno(), wake_read], [], [])
        if wake_read in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(wake_read, 512):
                    pass
        _report_reaped(control, children)
        if control.fileno() not in readable:
            continue
        message, descriptors = _receive(control)
        if message is None:
            break
        pid = _fork_child(message, descriptors, control, (wake_read, wake_write))
        for descriptor in descriptors:
            os.close(descriptor)
        if pid is None:
            _send(control, {"id": message.get("id"), "error": "fork failed"})
            continue
        children.add(pid)
        _send(control, {"id": message.get("id"), "pid": pid})
    for pid in children:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGHUP)
    return 0


def _report_reaped(control: socket.socket, children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        _send(control, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def _fork_child(
    message: dict[str, Any],
    descriptors: list[int],
    control: socket.socket,
    wake: tuple[int, int],
) -> int | None:
    standard_count = int(message.get("standard", len(descriptors)))
    attach = bool(message.get("attach"))
    first_frames = len(descriptors) - standard_count - attach
    if standard_count not in (1, 3) or first_frames not in (0, 1):
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    code = 1
    try:  # the child: never returns to the zygote's loop
        signal.set_wakeup_fd(-1)
        control.close()
        for descriptor in wake:
            os.close(descriptor)
        standard = descriptors[:standard_count] * (3 // standard_count)
        extra = dict(
            zip(
                [FIRST_FRAME_FD] * first_frames + [ATTACH_FD] * attach,
                descriptors[standard_count:],
                strict=True,
            )
        )
        env = dict(message["env"])
        if FIRST_FRAME_FD in extra:
            env["KSHOP_FIRST_FRAME_FD"] = str(FIRST_FRAME_FD)
        if ATTACH_FD in extra:
            env["KSHOP_ATTACH_FD"] = str(ATTACH_FD)
        become_session(standard, bool(message.get("tty")), env, extra)
        code = run_shop(message["argv"])
    except BaseException:  # noqa: BLE001 - whatever happens, the zygote's loop is not ours
        with contextlib.suppress(Exception):
            import traceback

            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def become_session(
    standard: Sequence[int],
    tty: bool,
    env: Mapping[str, str],
    extra: Mapping[int, int] | None = None,
) -> None:
    """In a fresh child: its signals as a new interpreter's, a session of its own (with
    the pty as its controlling terminal, or resizes never reach it), the given standard
    descriptors, each `extra` descriptor at its number (target → descriptor: the
    first-frame pipe at 3, a warm shop's attach pipe at 4), the session's environment,
    and what Textual read from the zygote's."""
    extra = dict(extra or {})
    for number in (signal.SIGCHLD, signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.setsid()
    if tty:
        import termios

        try:
            fcntl.ioctl(standard[0], termios.TIOCSCTTY, 0)
        except OSError as error:
            if error.errno != errno.EIO:
                raise
            # The visitor hung up before the session began: it ends as a hung-up one does.
            os.kill(os.getpid(), signal.SIGHUP)
    received = {*standard, *extra.values()}
    # Each received descriptor first moves above the numbers it is going to: one that
    # arrived as 3 or 4 would otherwise be overwritten before it was moved.
    moved = {descriptor: fcntl.fcntl(descriptor, fcntl.F_DUPFD, 10) for descriptor in received}
    for descriptor in received:
        os.close(descriptor)
    targets = {**dict(enumerate(standard)), **extra}
    for target, descriptor in targets.items():
        os.dup2(moved[descriptor], target)
    for descriptor in moved.values():
        os.close(descriptor)
    os.environ.clear()
    os.environ.update(env)
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    _fresh_standard_streams(tty)
    # Textual reads its switches (the driver, the colours, the frame rate, ESCDELAY) from
    # the environment when it is imported: the zygote's, which is not the session's.
    import textual.constants

    importlib.reload(textual.constants)


def _fresh_standard_streams(tty: bool) -> None:
    """Standard streams on the session's descriptors, as a new interpreter makes them
    (UTF-8, line-buffered on a terminal); the zygote's stay behind, empty."""

    def stream(fd: int, mode: str, errors: str) -> IO[str]:
        line_buffered = tty and mode == "w"
        return open(  # noqa: SIM115 - the process's own, for as long as it lives
            fd,
            mode,
            buffering=1 if line_buffered else -1,
            encoding="utf-8",
            errors=errors,
            closefd=False,
        )

    # The driver writes to sys.__stderr__ and the App to sys.__stdout__, not sys.stdout.
    sys.stdin = sys.__stdin__ = stream(0, "r", "surrogateescape")  # type: ignore[misc,assignment]
    sys.stdout = sys.__stdout__ = stream(1, "w", "surrogateescape")  # type: ignore[misc,assignment]
    sys.stderr = sys.__stderr__ = stream(2, "w", "backslashreplace")  # type: ignore[misc,assignment]


def run_shop(argv: Sequence[str]) -> int:
    """`kshop ARGV…` in this process: `python -m kshop_tui ARGV…`, minus the interpreter's
    start and the imports, which the zygote has done."""
    sys.argv = ["kshop", *argv]
    try:
        runpy.run_module("kshop_tui", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def _send(control: socket.socket, message: Mapping[str, Any], fds: Sequence[int] = ()) -> None:
    data = json.dumps(message).encode()
    if fds:
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        control.sendmsg([data], ancillary)
    else:
        control.send(data)


def _receive(control: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """One message and the descriptors that came with it; (None, []) at the end."""
    try:
        data, ancillary, _, _ = control.recvmsg(
            MAX_MESSAGE, socket.CMSG_SPACE(MAX_FDS * array.array("i").itemsize)
        )
    except ConnectionResetError:
        return None, []
    descriptors = _descriptors(ancillary)
    if not data:
        for descriptor in descriptors:
            os.close(descriptor)
        return None, []
    return json.loads(data), descriptors


def _descriptors(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    received = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            whole = len(payload) - len(payload) % received.itemsize
            received.frombytes(payload[:whole])
    return list(received)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kshop-zygote", description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="the socket to the server")
    args = parser.parse_args(argv)
    control = socket.socket(fileno=args.fd)
    preload()
    # What start-up made lives as long as the zygote: out of the collector's reach, its
    # pages stay shared with every child (a collection writes to every object it visits).
    gc.collect()
    gc.freeze()
    if threading.active_count() != 1:
        raise SystemExit("kshop zygote: a preloaded module started a thread; forking is unsafe")
    return serve(control)


# --- the server's side ---------------------------------------------------------------


class Zygote:
    """The server's handle on its zygote (on the server's event loop): starts it, asks it
    for children, hears of their ends, and starts a new one if it dies."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready: asyncio.Future[None] | None = None
        self._requests: dict[int, asyncio.Future[int]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._orphans: set[int] = set()
        self._next_id = 0
        self._closing = False
        self._started_at = 0.0
        self._restarting: asyncio.Task[None] | None = None
        self._starting = asyncio.Semaphore(STARTING_AT_ONCE)
        self.pid: int | None = None
        self.restarts = 0

    async def start(self) -> None:
        """Starts the zygote and waits until it has imported everything."""
        loop = asyncio.get_running_loop()
        server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with zygote_end:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "kshop_tui.serve.zygote", "--fd", str(zygote_end.fileno())],
                env=self._env,
                stdin=subprocess.DEVNULL,
                pass_fds=(zygote_end.fileno(),),
            )
        server_end.setblocking(False)
        self._control = server_end
        self._started_at = time.monotonic()
        self._ready = loop.create_future()
        loop.add_reader(server_end, self._read, server_end)
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), READY_TIMEOUT_S)
        except TimeoutError:
            raise ZygoteFailed(f"the zygote did not start within {READY_TIMEOUT_S:.0f} s") from None

    async def spawn(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        fds: Sequence[int],
        *,
        tty: bool,
        attach: int | None = None,
        started: Callable[[], None] | None = None,
    ) -> int:
        """A child running `kshop ARGV…` on `fds` (a pty follower, or stdin/stdout/stderr)
        with exactly `env`; answers its pid once the zygote has forked it, when fewer than
        STARTING_AT_ONCE others are still drawing their first frame. `attach`: the read end
        of a warm shop's attach pipe (its descriptor 4). `started` is called once the child
        no longer counts as starting. The caller may close `fds` and `attach` once this
        returns."""
        await self._starting.acquire()
        first_frame_read, first_frame_write = os.pipe()
        sent = [*fds, first_frame_write, *([] if attach is None else [attach])]
        try:
            pid = await self._request(argv, env, sent, len(fds), tty, attach is not None)
        except BaseException:
            os.close(first_frame_read)
            self._starting.release()
            raise
        finally:
            os.close(first_frame_write)
        self._until_first_frame(first_frame_read, started)
        return pid

    def _until_first_frame(self, descriptor: int, started: Callable[[], None] | None) -> None:
        """Frees the child's place among those starting once it has drawn its first frame
        (a byte on the pipe), ended (the pipe closes) or taken too long."""
        loop = asyncio.get_running_loop()
        freed = False

        def free() -> None:
            nonlocal freed
            if not freed:
                freed = True
                loop.remove_reader(descriptor)
                os.close(descriptor)
                timer.cancel()
                self._starting.release()
                if started is not None:
                    started()

        timer = loop.call_later(FIRST_FRAME_WAIT_S, free)
        loop.add_reader(descriptor, free)

    async def _request(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        fds: Sequence[int],
        standard: int,
        tty: bool,
        attach: bool = False,
    ) -> int:
        if self._restarting is not None:
            await asyncio.shield(self._restarting)
        if self._ready is not None and not self._ready.done():
            await asyncio.shield(self._ready)
        control = self._control
        if control is None or self._closing:
            raise ZygoteFailed("no zygote")
        self._next_id += 1
        request_id = self._next_id
        reply: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._requests[request_id] = reply
        message = {
            "id": request_id,
            "argv": list(argv),
            "env": dict(env),
            "tty": tty,
            "standard": standard,
            "attach": attach,
        }
        try:
            # A request is a few kilobytes and the zygote reads them as they come: a full
            # socket buffer means it is stuck, which is a failure, not a reason to wait.
            control.setblocking(True)
            control.settimeout(5.0)
            _send(control, message, fds)
        except OSError as error:
            self._requests.pop(request_id, None)
            raise ZygoteFailed(f"the zygote did not take the request: {error}") from None
        finally:
            if self._control is control:
                control.setblocking(False)
        return await reply

    async def wait(self, pid: int) -> int:
        """The exit code of a child (negative: the signal that killed it)."""
        return await asyncio.shield(self._exit_future(pid))

    def _exit_future(self, pid: int) -> asyncio.Future[int]:
        future = self._exits.get(pid)
        if future is None:
            future = self._exits[pid] = asyncio.get_running_loop().create_future()
        return future

    def forget(self, pid: int) -> None:
        """The server has what it wanted to know of this child."""
        self._exits.pop(pid, None)
        self._orphans.discard(pid)

    def _read(self, control: socket.socket) -> None:
        try:
            message, descriptors = _receive(control)
        except BlockingIOError:
            return
        for descriptor in descriptors:  # the zygote never sends any
            os.close(descriptor)
        if message is None:
            self._lost(control)
            return
        if "ready" in message:
            self.pid = int(message["pid"])
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
        elif "exited" in message:
            # Only a child the server knows of: one whose request was given up on is not.
            future = self._exits.get(int(message["exited"]))
            if future is not None and not future.done():
                future.set_result(int(message["code"]))
        else:
            reply = self._requests.pop(int(message["id"]), None)
            if reply is None or reply.done():
                return
            if "pid" in message:
                reply.set_result(int(message["pid"]))
                self._exit_future(int(message["pid"]))
            else:
                reply.set_exception(ZygoteFailed(str(message.get("error"))))

    def _lost(self, control: socket.socket) -> None:
        """The zygote has gone. Its children live on, theirs to end; their ends are no
        longer reported, so they are watched by pid; a new zygote is started."""
        loop = asyncio.get_running_loop()
        loop.remove_reader(control)
        control.close()
        self._control = None
        process, self._process = self._process, None
        if process is not None:
            loop.run_in_executor(None, process.wait)
        for reply in self._requests.values():
            if not reply.done():
                reply.set_exception(ZygoteFailed("the zygote ended"))
        self._requests.clear()
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(ZygoteFailed("the zygote ended while starting"))
            self._ready.exception()  # retrieved: `start` reports it
        pending = [pid for pid, future in self._exits.items() if not future.done()]
        if pending:
            self._orphans.update(pending)
            if len(self._orphans) == len(pending):
                loop.create_task(self._watch_orphans())
        if not self._closing:
            self._restarting = loop.create_task(self._restart())

    async def _restart(self) -> None:
        wait = self._started_at + RESTART_BACKOFF_S - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self.restarts += 1
        try:
            await self.start()
        except ZygoteFailed:
            pass  # `_lost` has been called again and schedules the next try
        finally:
            self._restarting = None

    async def _watch_orphans(self) -> None:
        while self._orphans:
            for pid in list(self._orphans):
                if not _alive(pid):
                    self._orphans.discard(pid)
                    future = self._exits.get(pid)
                    if future is not None and not future.done():
                        future.set_result(-1)  # its parent, the zygote, died: code unknown
            await asyncio.sleep(ORPHAN_POLL_S)

    async def close(self) -> None:
        """Stops the zygote (its children are the sessions' to end, before this)."""
        self._closing = True
        if self._restarting is not None:
            self._restarting.cancel()
            with contextlib.suppress(asyncio.CancelledError, ZygoteFailed):
                await self._restarting
        control, self._control = self._control, None
        if control is not None:
            asyncio.get_running_loop().remove_reader(control)
            control.close()  # the zygote sees the end of its socket and exits
        process, self._process = self._process, None
        if process is not None:
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), 10.0)
            except TimeoutError:
                process.kill()
                await asyncio.to_thread(process.wait)


def _alive(pid: int) -> bool:
    """False once `pid` has ended (gone, or a zombie its new parent has not reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


if __name__ == "__main__":
    sys.exit(main())
