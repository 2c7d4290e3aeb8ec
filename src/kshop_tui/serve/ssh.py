"""`kshop serve ssh`: the shop over SSH (asyncssh). Every connection gets its own shop,
a `kshop --served` subprocess on a pty of its own: its own login, cart and screens,
never a shell. The bytes go both ways untouched (no line editor, no encoding).

What was measured (docs/pitfalls.md): the child must be a session leader with the pty as its
controlling terminal (forkpty does both) or resizes never reach it; it must not inherit
ignored SIGHUP/SIGINT/SIGQUIT; and it is killed and reaped when the channel closes, or
it lingers and spins.

Identity: any public key is accepted (asyncssh checks the signature) and so is a client
without one (keyboard-interactive with no questions). A key already linked to an
account starts the session logged in: the server trades the key's fingerprint for a
token with the backend's gateway endpoint, using a secret only it and the backend know.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import datetime
import fcntl
import os
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncssh

from kshop_tui import i18n
from kshop_tui.config import DemoLimits, data_dir
from kshop_tui.deep_links import parse as parse_deep_link
from kshop_tui.serve.limits import Refusal, SessionGate, WaitingRoom, idle_farewell

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient

HOST_KEY_NAME = "ssh_host_ed25519_key"
READ_CHUNK = 65536
# Input the child has not read yet, past which the client is asked to wait.
INPUT_HIGH_WATER = 64 * 1024
HANGUP_GRACE_S = 2.0
# From connecting to logging in, and again from logging in to opening the shop (OpenSSH's
# LoginGraceTime): a person's client needs milliseconds; a silent socket gets no longer.
LOGIN_GRACE_S = 10.0
MAX_TARGET_CHARS = 200
# A window this size is plenty; a client claiming more would make the child allocate it.
MAX_COLUMNS, MAX_ROWS = 1000, 500
DEFAULT_TERM = "xterm-256color"
# A child killed mid-frame cannot tidy the client's terminal: reset colours, mouse
# reports, bracketed paste and the cursor, and leave the alternate screen.
TERMINAL_RESET = (
    b"\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?25h\x1b[?1049l"
)
# What the child inherits from the server's environment: nothing about the server's own
# terminal (TERM, COLUMNS, COLORTERM, TMUX ...), and no secret.
SERVER_ENV_KEEP = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "TZ", "PYTHONPATH", "PYTHONHOME",
     "VIRTUAL_ENV", "KSHOP_CONFIG_FILE", "KSHOP_LOG_DIR", "ESCDELAY"}
)  # fmt: skip
SERVER_ENV_PREFIXES = ("XDG_", "TEXTUAL_")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANG")
# What a client may set with SendEnv/SetEnv.
CLIENT_ENV_KEEP = frozenset({*LOCALE_VARIABLES, "COLORTERM"})
MAX_CLIENT_ENV_CHARS = 64


@dataclass
class SshServeOptions:
    backend_url: str
    limits: DemoLimits = field(default_factory=DemoLimits)
    # Forces the UI language; otherwise the client's locale (SendEnv LANG), then ours.
    language: str | None = None
    # Lets the server log a linked key in; None: keys are linked but never log in.
    gateway_secret: str | None = None
    host_key_path: Path = field(default_factory=lambda: data_dir() / HOST_KEY_NAME)
    login_grace_s: float = LOGIN_GRACE_S


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's identity: made once, then kept (clients remember it)."""
    try:
        return asyncssh.read_private_key(path)
    except FileNotFoundError:
        pass
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.export_private_key())
    key.write_public_key(str(path) + ".pub")
    return key


def deep_link(command: str | None) -> str | None:
    """`ssh host -t search red shoes` → "search red shoes": printable, one line, short."""
    if not command:
        return None
    words = "".join(ch if ch.isprintable() else " " for ch in command).split()
    target = " ".join(words)[:MAX_TARGET_CHARS]
    return target or None


def say(language: str, key: str, **params: object) -> str:
    """`t()` in a given language: one server speaks to every session in its own."""
    template = i18n.LANGUAGES[language].get(key) or i18n.LANGUAGES["en"][key]
    return template.format(**params) if params else template


class PtyChild:
    """A process on a pty of its own, driven from the event loop."""

    def __init__(self, pid: int, master: int) -> None:
        self.pid = pid
        self.master = master
        self.exit_code: int | None = None
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
        return cls(pid, master)

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
        if not self._closed:
            self.pause()
            self._loop.remove_writer(self.master)
            self._closed = True
            os.close(self.master)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGHUP)
        deadline: float | None = time.monotonic() + HANGUP_GRACE_S
        delay = 0.005
        while self.exit_code is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                self.exit_code = -1
                break
            if pid:
                self.exit_code = os.waitstatus_to_exitcode(status)
                break
            if deadline is not None and time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
                deadline = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        return self.exit_code


class ShopSshServer:
    """The listening server: its sessions, its limits, and the way to the backend."""

    def __init__(self, options: SshServeOptions) -> None:
        self.options = options
        self.gate = SessionGate(options.limits)
        self.waiting = WaitingRoom(options.limits)
        self.sessions: set[ShopSession] = set()
        self.host_key: asyncssh.SSHKey | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._api: KshopClient | None = None

    async def start(self, host: str, port: int) -> int:
        """Starts listening; answers the port (useful when `port` is 0)."""
        self.host_key = await asyncio.to_thread(load_or_create_host_key, self.options.host_key_path)
        self._acceptor = await asyncssh.create_server(
            lambda: _Connection(self),
            host,
            port,
            server_host_keys=[self.host_key],
            line_editor=False,
            encoding=None,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            login_timeout=self.options.login_grace_s,
            keepalive_interval=30,
            keepalive_count_max=3,
        )
        return self._acceptor.get_port()

    async def close(self) -> None:
        """Stops listening and ends every session (their children killed and reaped)."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        await asyncio.gather(*(session.end() for session in list(self.sessions)))
        if self._api is not None:
            await self._api.aclose()

    async def token_for(self, fingerprint: str) -> str | None:
        """A login token for the account this key is linked to, if any."""
        secret = self.options.gateway_secret
        if not secret:
            return None
        from kshop_tui.api import errors
        from kshop_tui.api.client import KshopClient

        if self._api is None:
            self._api = KshopClient(self.options.backend_url.rstrip("/"), language=lambda: "en")
        try:
            result = await self._api.ssh_session(fingerprint, secret)
        except errors.ApiError:
            # NotFound: no account has this key yet. Anything else: log in by hand.
            return None
        return result.token


class _Connection(asyncssh.SSHServer):
    """One SSH connection: who it is (the key, if any) and whether it was let in.

    Until its shop opens it waits (`ShopSshServer.waiting`: a few per address, a bounded
    number in all, `login_grace_s` for each step); only a shop holds a place in the
    session cap, so connections that never log in cannot fill the shop."""

    def __init__(self, server: ShopSshServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.ip = "?"
        self.refusal: Refusal | None = None
        self.key: asyncssh.SSHKey | None = None
        self._waiting = False
        self._holds_slot = False
        # One shop per connection; a refused sftp or forwarding request does not count.
        self.shop_started = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.ip = str(peer[0]) if peer else "?"
        self._waiting = self.server.waiting.enter(self.ip)
        if not self._waiting:
            # Dropped before a byte is read. Soon, not now: asyncssh sends its version
            # line after this returns, on a transport that must still be open.
            asyncio.get_running_loop().call_soon(conn.abort)
            return
        self.refusal = self.server.gate.count(self.ip)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_waiting()
        self.release_slot()

    def stop_waiting(self) -> None:
        if self._waiting:
            self._waiting = False
            self.server.waiting.leave(self.ip)

    def take_slot(self) -> Refusal | None:
        """A place in the session cap for this connection's shop, or "full"."""
        refusal = self.server.gate.take()
        self._holds_slot = refusal is None
        return refusal

    def release_slot(self) -> None:
        if self._holds_slot:
            self._holds_slot = False
            self.server.gate.release()

    def begin_auth(self, username: str) -> bool:
        return True  # "none" is not enough: a key, if the client has one, is how we know it

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the offer and again for the signed request; the last call before
        # success is the key that logged in (a keyboard-interactive success clears it).
        self.key = key
        return True

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        self.key = None
        return True  # no questions: a key-less client is a guest who logs in by SMS

    def password_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        # Logged in: now the shop must open (ssh -N never opens one), or a refused one
        # (full, too often, no pty) be left.
        asyncio.get_running_loop().call_later(
            self.server.options.login_grace_s, self._close_if_still_waiting
        )

    def _close_if_still_waiting(self) -> None:
        if self._waiting and self.conn is not None:
            self.conn.close()

    def session_requested(self) -> ShopSession | bool:
        return False if self.shop_started else ShopSession(self.server, self)

    def fingerprint(self) -> str | None:
        return self.key.get_fingerprint("sha256") if self.key is not None else None

    def key_label(self) -> str:
        assert self.key is not None
        kind = self.key.get_algorithm().removeprefix("ssh-")
        return f"ssh {kind} from {self.ip}, {datetime.date.today().isoformat()}"


class ShopSession(asyncssh.SSHServerSession[bytes]):
    """One shop on one channel: a pty child, its input, output, size and idle clock."""

    def __init__(self, server: ShopSshServer, connection: _Connection) -> None:
        self.server = server
        self.connection = connection
        self.channel: asyncssh.SSHServerChannel[bytes] | None = None
        self.child: PtyChild | None = None
        self._term: str | None = None
        self._size = (80, 24)
        self._command: str | None = None
        self._early_input = b""
        self._input_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._last_input = time.monotonic()
        self._channel_open = False
        self._ending: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._workdir: Path | None = None

    # --- what the client asks for --------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.channel = chan
        self._channel_open = True

    def pty_requested(
        self,
        term_type: str,
        term_size: tuple[int, int, int, int],
        term_modes: Mapping[int, int],
    ) -> bool:
        self._term = term_type or DEFAULT_TERM
        if term_size[0] and term_size[1]:  # 0×0: the client does not know (ssh -tt < file)
            self._size = _clamp(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        # Never run: the command names a screen (`ssh host -t cart`).
        self._command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False  # no sftp, nothing else

    def session_started(self) -> None:
        self._spawn_task(self._start())

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self._last_input = time.monotonic()
        # Textual decodes its input as strict UTF-8: one stray byte would end the app.
        data = self._input_decoder.decode(data).encode()
        if self.child is None:
            self._early_input = (self._early_input + data)[-INPUT_HIGH_WATER:]
            return
        self.child.write(data)
        if self.child.pending > INPUT_HIGH_WATER and self.channel is not None:
            self.channel.pause_reading()

    def eof_received(self) -> bool:
        return True  # a pty session ends when the shop ends or the channel closes

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if not (width and height):
            return
        self._size = _clamp(width, height)
        if self.child is not None:
            self.child.resize(*self._size)

    def pause_writing(self) -> None:
        if self.child is not None:
            self.child.pause()

    def resume_writing(self) -> None:
        if self.child is not None:
            self.child.resume()

    def connection_lost(self, exc: Exception | None) -> None:
        self._channel_open = False
        self._spawn_task(self.end())

    # --- the session's life ---------------------------------------------------------

    async def _start(self) -> None:
        assert self.channel is not None
        if self.connection.shop_started:
            self.channel.close()
            return
        self.connection.shop_started = True
        language = self._language()
        refusal = self.connection.refusal
        if refusal is not None:
            self._refuse(say(language, f"serve.{refusal}"))
            return
        if self._term is None:
            host, port = self.channel.get_extra_info("sockname")[:2]
            self._refuse(say(language, "serve.no_pty", port=port, host=host))
            return
        if self.connection.take_slot() is not None:
            self._refuse(say(language, "serve.full"))
            return
        self.connection.stop_waiting()
        fingerprint = self.connection.fingerprint()
        token = await self.server.token_for(fingerprint) if fingerprint else None
        if not self._channel_open or self._ending is not None:
            return  # gone (or sent away) while the backend answered
        self._workdir = Path(tempfile.mkdtemp(prefix="kshop-ssh-"))
        try:
            self.child = PtyChild.spawn(self._argv(), self._env(fingerprint, token), *self._size)
        except OSError:  # out of ptys or processes: as good as full
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._refuse(say(language, "serve.full"))
            return
        self.server.sessions.add(self)
        self._last_input = time.monotonic()  # idle from now: starting up is not idling
        self.child.on_drained = self.channel.resume_reading
        self.child.start(self._output, lambda: self._spawn_task(self.end()))
        if self._early_input:
            self.child.write(self._early_input)
            self._early_input = b""
        self._spawn_task(self._watch_idle())

    def _refuse(self, message: str) -> None:
        assert self.channel is not None
        self.channel.write_stderr(message.encode() + b"\r\n")
        self.channel.exit(1)
        self.connection.release_slot()

    def _output(self, data: bytes) -> None:
        if self._channel_open and self.channel is not None:
            self.channel.write(data)

    async def _watch_idle(self) -> None:
        limit = self.server.options.limits.idle_timeout_s
        while True:
            remaining = self._last_input + limit - time.monotonic()
            if remaining <= 0:
                break
            await asyncio.sleep(remaining)
        await self.end(farewell=idle_farewell(limit, i18n.LANGUAGES[self._language()]))

    async def end(self, farewell: str | None = None) -> None:
        """Ends the shop: the child killed and reaped, the channel closed (with a last
        word after the terminal is reset, when there is one). Safe to call again."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end(farewell))
        await asyncio.shield(self._ending)

    async def _end(self, farewell: str | None) -> None:
        code = await self.child.end() if self.child is not None else 0
        self.server.sessions.discard(self)
        if self._workdir is not None:
            await asyncio.to_thread(shutil.rmtree, self._workdir, True)
        if self._channel_open and self.channel is not None:
            if farewell:
                self.channel.write(TERMINAL_RESET + b"\r\n" + farewell.encode() + b"\r\n")
            # Sent away by the server (idle) is a normal end; a child killed by a signal not.
            status = 0 if farewell else (code if 0 <= code <= 255 else 1)
            with contextlib.suppress(OSError, asyncssh.Error):
                self.channel.exit(status)
        self.connection.release_slot()
        for task in list(self._tasks):
            if task is not asyncio.current_task() and task is not self._ending:
                task.cancel()

    def _spawn_task(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the child's command line and environment -----------------------------------

    def _client_env(self) -> dict[str, str]:
        if self.channel is None:
            return {}
        sent = self.channel.get_environment()
        return {
            name: value
            for name, value in sent.items()
            if name in CLIENT_ENV_KEEP
            and len(value) <= MAX_CLIENT_ENV_CHARS
            and value.isprintable()
        }

    def _language(self) -> str:
        forced = self.server.options.language
        if forced:
            return i18n.normalize(forced)
        client = self._client_env()
        for name in LOCALE_VARIABLES:
            value = client.get(name)
            if value and value not in ("C", "POSIX") and not value.startswith("C."):
                return i18n.normalize(value)
        return i18n.detect_language()

    def _argv(self) -> list[str]:
        argv = [sys.executable, "-m", "kshop_tui", "--served"]
        argv += ["--backend", self.server.options.backend_url]
        if self.server.options.language:
            argv += ["--lang", self.server.options.language]
        target = deep_link(self._command)
        if target:
            # One argument with the option in it: a place starting with "-" stays a place.
            # An unknown one goes as typed, and the shop says it does not know it.
            link = parse_deep_link(target)
            argv.append(f"--open={link or target}")
        return argv

    def _env(self, fingerprint: str | None, token: str | None) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if name in SERVER_ENV_KEEP or name.startswith(SERVER_ENV_PREFIXES)
        }
        client = self._client_env()
        # The client's locale, when it sent one, replaces ours as a whole.
        if not any(name in client for name in LOCALE_VARIABLES):
            env.update({n: os.environ[n] for n in LOCALE_VARIABLES if n in os.environ})
        env.update(client)
        env["TERM"] = self._term or DEFAULT_TERM
        assert self._workdir is not None
        env["KSHOP_DATA_DIR"] = str(self._workdir)
        env["KSHOP_VISITOR_ADDRESS"] = self.connection.ip
        if fingerprint:
            env["KSHOP_SSH_FINGERPRINT"] = fingerprint
            env["KSHOP_SSH_KEY_LABEL"] = self.connection.key_label()
        if token:
            env["KSHOP_SESSION_TOKEN"] = token
        return env


def _clamp(columns: int, rows: int) -> tuple[int, int]:
    return max(1, min(columns, MAX_COLUMNS)), max(1, min(rows, MAX_ROWS))


async def serve_forever(options: SshServeOptions, host: str, port: int) -> int:
    """Runs the server until SIGINT/SIGTERM; prints where it listens."""
    server = ShopSshServer(options)
    try:
        bound = await server.start(host, port)
    except OSError as error:
        print(f"kshop serve ssh: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 1
    assert server.host_key is not None
    language = i18n.normalize(options.language or i18n.detect_language())
    fingerprint = server.host_key.get_fingerprint("sha256")
    print(say(language, "serve.listening", port=bound, host=host), flush=True)
    print(say(language, "serve.host_key", fingerprint=fingerprint, path=options.host_key_path))
    print(say(language, "serve.backend", url=options.backend_url))
    print(say(language, "serve.stop_hint"), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0


def run_ssh_server(
    *,
    host: str,
    port: int,
    backend_url: str,
    language: str | None,
    limits: DemoLimits,
    gateway_secret: str | None,
) -> int:
    options = SshServeOptions(
        backend_url=backend_url,
        limits=limits,
        language=language,
        gateway_secret=gateway_secret,
    )
    return asyncio.run(serve_forever(options, host, port))
