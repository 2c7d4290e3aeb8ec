"""A process on a pty of its own, driven from the event loop: each SSH visitor's shop,
forked by the zygote (`fork`) or, without one, a new interpreter (`spawn`).

What was measured (docs/pitfalls.md): the child must be a session leader with the pty as its
controlling terminal (forkpty does both) or resizes never reach it; it must not inherit
ignored SIGHUP/SIGINT/SIGQUIT; and it is killed and reaped when the channel closes, or
it lingers and spins.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kshop_tui.serve.zygote import Zygote

READ_CHUNK = 65536
HANGUP_GRACE_S = 2.0


class PtyChild:
    """A process on a pty of its own, driven from the event loop."""

    def __init__(
        self,
        pid: int,
        master: int,
        environment: Mapping[str, str],
        exited: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.pid = pid
        self.master = master
        self.environment = dict(environment)
        """What the child was started with (and all it has): its environment."""
        self.exit_code: int | None = None
        # How its end is learnt: from its parent the zygote, or (ours) by reaping it here.
        self._exited = exited or self._reaped
        self._loop = asyncio.get_running_loop()
        self._pending = b""
        self._reading = False
        self._closed = False
        self._on_output: Callable[[bytes], None] = lambda data: None
        self._on_end: Callable[[], None] = lambda: None
        self.on_drained: Callable[[], None] = lambda: None

    @classmethod
    def spawn(cls, argv: list[str], env: Mapping[str, str], columns: int, rows: int) -> PtyChild:
        window = struct.pack("HHHH", rows, columns, 0, 0)
        environment = dict(env)
        pid, master = os.forkpty()
        if pid == 0:  # the child: a session leader whose controlling terminal is the pty
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                for number in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
                    signal.signal(number, signal.SIG_DFL)
                fcntl.ioctl(0, termios.TIOCSWINSZ, window)
                os.execve(argv[0], argv, environment)
            finally:
                os._exit(127)
        # The child sets the size before it starts; this makes it true here at once too.
        fcntl.ioctl(master, termios.TIOCSWINSZ, window)
        os.set_blocking(master, False)
        return cls(pid, master, environment)

    @classmethod
    async def fork(
        cls,
        zygote: Zygote,
        arguments: Sequence[str],
        env: Mapping[str, str],
        columns: int,
        rows: int,
        *,
        attach: int | None = None,
        started: Callable[[], None] | None = None,
    ) -> PtyChild:
        """A child forked by the zygote (`kshop ARGUMENTS…`, already imported) on a new pty
        whose follower becomes its controlling terminal; its size is set before it starts.
        `attach` and `started`: as `Zygote.spawn` (a warm shop's)."""
        master, follower = os.openpty()
        try:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            pid = await zygote.spawn(
                arguments, env, [follower], tty=True, attach=attach, started=started
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            # The child has its own copy: ours must go, or the pty never tells of its end.
            os.close(follower)
        os.set_blocking(master, False)

        async def exited() -> int:
            try:
                return await zygote.wait(pid)
            finally:
                zygote.forget(pid)

        return cls(pid, master, env, exited)

    def start(self, on_output: Callable[[bytes], None], on_end: Callable[[], None]) -> None:
        """Output goes to `on_output`; `on_end` runs once the child has closed the pty."""
        self._on_output = on_output
        self._on_end = on_end
        self.resume()

    def pause(self) -> None:
        if self._reading:
            self._loop.remove_reader(self.master)
            self._reading = False

    def resume(self) -> None:
        if not self._reading and not self._closed:
            self._loop.add_reader(self.master, self._read)
            self._reading = True

    def _read(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: the child has closed the pty (it ended)
            data = b""
        if data:
            self._on_output(data)
            return
        self.pause()
        self._on_end()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def write(self, data: bytes) -> None:
        if self._closed:
            return
        if self._pending:
            self._pending += data
            return
        self._pending = data
        self._flush()

    def _flush(self) -> None:
        try:
            written = os.write(self.master, self._pending)
        except BlockingIOError:
            written = 0
        except OSError:  # the child is gone; its input does not matter any more
            written = len(self._pending)
        self._pending = self._pending[written:]
        if self._pending:
            self._loop.add_writer(self.master, self._flush)
            return
        self._loop.remove_writer(self.master)
        self.on_drained()

    def resize(self, columns: int, rows: int) -> None:
        """Sets the pty's size; the kernel sends SIGWINCH to the child."""
        if not self._closed:
            window = struct.pack("HHHH", rows, columns, 0, 0)
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, window)

    def size(self) -> tuple[int, int]:
        """(columns, rows) as the child sees them."""
        rows, columns, _, _ = struct.unpack(
            "HHHH", fcntl.ioctl(self.master, termios.TIOCGWINSZ, b"\0" * 8)
        )
        return columns, rows

    async def end(self) -> int:
        """Hangs up (closing the pty sends SIGHUP), kills what is left after a grace
        period, and reaps the child. Answers its exit code (negative: killed by signal)."""
        if self.exit_code is not None:
            return self.exit_code
        if not self._closed:
            self.pause()
            self._loop.remove_writer(self.master)
            self._closed = True
            os.close(self.master)
        self._signal(signal.SIGHUP)
        ending = asyncio.ensure_future(self._exited())
        try:
            self.exit_code = await asyncio.wait_for(asyncio.shield(ending), HANGUP_GRACE_S)
        except TimeoutError:
            self._signal(signal.SIGKILL)
            self.exit_code = await ending
        return self.exit_code

    def _signal(self, number: int) -> None:
        """To the child's process group; to the child alone while it has none yet (a
        forked child just started may not have made its session yet)."""
        try:
            os.killpg(self.pid, number)
        except ProcessLookupError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, number)
        except PermissionError:
            pass

    async def _reaped(self) -> int:
        """Reaps our own child (one `spawn` started), polling with a growing pause."""
        delay = 0.005
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                return -1
            if pid:
                return os.waitstatus_to_exitcode(status)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
