"""One shop on one SSH channel: a `kshop --served` child on a pty of its own (`PtyChild`,
forked by the server's zygote), its command line and environment, its input, output,
size and idle clock. The bytes go both ways untouched (no line editor, no encoding)."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import asyncssh

from kshop_tui import i18n
from kshop_tui.deep_links import parse as parse_deep_link
from kshop_tui.i18n import LOCALE_VARIABLES
from kshop_tui.serve.limits import idle_farewell
from kshop_tui.serve.pty_child import PtyChild

if TYPE_CHECKING:
    from kshop_tui.serve.limits import Refusal
    from kshop_tui.serve.ssh_options import SshServeOptions
    from kshop_tui.serve.warm import WarmShop, WarmShops
    from kshop_tui.serve.zygote import Zygote

# Input the child has not read yet, past which the client is asked to wait.
INPUT_HIGH_WATER = 64 * 1024
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
# The locale a warm shop is started with to speak each language (serve/warm.py).
LOCALES = {"zh_CN": "zh_CN.UTF-8", "en": "en_US.UTF-8"}
# What a client may set with SendEnv/SetEnv.
CLIENT_ENV_KEEP = frozenset({*LOCALE_VARIABLES, "COLORTERM"})
MAX_CLIENT_ENV_CHARS = 64


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


class SessionServer(Protocol):
    """What a session needs of the server (`ssh.ShopSshServer`)."""

    options: SshServeOptions
    sessions: set[SshSession]
    zygote: Zygote | None
    warm: WarmShops | None

    async def token_for(self, fingerprint: str) -> str | None: ...


class SessionConnection(Protocol):
    """What a session needs of its connection (`ssh_connection.SshConnection`)."""

    ip: str
    refusal: Refusal | None
    shop_started: bool

    def take_slot(self) -> Refusal | None: ...

    def stop_waiting(self) -> None: ...

    def release_slot(self) -> None: ...

    def fingerprint(self) -> str | None: ...

    def key_label(self) -> str: ...


class SshSession(asyncssh.SSHServerSession[bytes]):
    """One shop on one channel: a pty child, its input, output, size and idle clock."""

    def __init__(self, server: SessionServer, connection: SessionConnection) -> None:
        self.server = server
        self.connection = connection
        self.channel: asyncssh.SSHServerChannel[bytes] | None = None
        self.child: PtyChild | None = None
        self._term: str | None = None
        self._size = (80, 24)
        self._command: str | None = None
        self._early_input = b""
        self._input_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.last_input = time.monotonic()
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
        self.last_input = time.monotonic()
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
        warm = self._warm_shop(token)
        if warm is not None:
            self._start_warm(warm, fingerprint)
            return
        self._workdir = Path(tempfile.mkdtemp(prefix="kshop-ssh-"))
        env = self._env(fingerprint, token)
        try:
            if self.server.zygote is not None:
                child = await PtyChild.fork(self.server.zygote, self._arguments(), env, *self._size)
            else:
                argv = [sys.executable, "-m", "kshop_tui", *self._arguments()]
                child = PtyChild.spawn(argv, env, *self._size)
        except OSError:  # out of ptys or processes, or no zygote: as good as full
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._refuse(say(language, "serve.full"))
            return
        if not self._channel_open or self._ending is not None:
            await child.end()  # gone while the child was forked: it goes too
            await asyncio.to_thread(shutil.rmtree, self._workdir, True)
            self.connection.release_slot()
            return
        self._run(child)

    def _run(self, child: PtyChild, drawn: bytes = b"") -> None:
        """The session's shop is `child`; `drawn`: what it drew before the visitor came."""
        assert self.channel is not None
        self.child = child
        self.server.sessions.add(self)
        self.last_input = time.monotonic()  # idle from now: starting up is not idling
        self.child.on_drained = self.channel.resume_reading
        if drawn:
            self._output(drawn)
        self.child.start(self._output, lambda: self._spawn_task(self.end()))
        if self._early_input:
            self.child.write(self._early_input)
            self._early_input = b""
        self._spawn_task(self._watch_idle())

    def _warm_shop(self, token: str | None) -> WarmShop | None:
        """A warm shop that starts as this visitor's would (`serve.warm`), if one waits.
        Not for a key that logs in: its shop starts logged in."""
        warm = self.server.warm
        if warm is None or token:
            return None
        arguments = self._arguments()
        env = shop_environment(self._client_env(), self._term or DEFAULT_TERM, Path())
        return warm.take(arguments, env, shop_language(arguments, env))

    def _start_warm(self, shop: WarmShop, fingerprint: str | None) -> None:
        from kshop_tui.serve.warm import WARM_SIZE, attach
        from kshop_tui.shop.visitor import Visitor

        self._workdir = shop.workdir
        key_label = self.connection.key_label() if fingerprint else None
        attach(shop, Visitor(self.connection.ip, fingerprint, key_label))
        if self._size != WARM_SIZE:
            shop.child.resize(*self._size)
        self._run(shop.child, bytes(shop.recorded))

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
            remaining = self.last_input + limit - time.monotonic()
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
        return i18n.named_language(self._client_env(), LOCALE_VARIABLES) or i18n.detect_language()

    def _arguments(self) -> list[str]:
        """The shop's command line (after `kshop`)."""
        return shop_arguments(self.server.options, deep_link(self._command))

    def _env(self, fingerprint: str | None, token: str | None) -> dict[str, str]:
        assert self._workdir is not None
        env = shop_environment(self._client_env(), self._term or DEFAULT_TERM, self._workdir)
        env["KSHOP_VISITOR_ADDRESS"] = self.connection.ip
        if fingerprint:
            env["KSHOP_SSH_FINGERPRINT"] = fingerprint
            env["KSHOP_SSH_KEY_LABEL"] = self.connection.key_label()
        if token:
            env["KSHOP_SESSION_TOKEN"] = token
        return env


def shop_arguments(options: SshServeOptions, target: str | None = None) -> list[str]:
    """A shop's command line (after `kshop`), opening `target` if there is one."""
    argv = ["--served"]
    argv += ["--backend", options.backend_url]
    if options.language:
        argv += ["--lang", options.language]
    if target:
        # One argument with the option in it: a place starting with "-" stays a place.
        # An unknown one goes as typed, and the shop says it does not know it.
        link = parse_deep_link(target)
        argv.append(f"--open={link or target}")
    return argv


def shop_language(arguments: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The language a shop started with `arguments` and `env` speaks, when they say it:
    `--lang`, else the first locale variable the shop reads (`i18n.detect_language`), if
    it names a language; None when the shop would fall back on its process's locale."""
    if "--lang" in arguments[:-1]:
        return i18n.normalize(arguments[arguments.index("--lang") + 1])
    return i18n.named_language(env)


def speaking(env: Mapping[str, str], language: str) -> dict[str, str]:
    """`env` with a locale that says `language` instead of its own."""
    spoken = {name: value for name, value in env.items() if name not in LOCALE_VARIABLES}
    spoken["LANG"] = LOCALES[language]
    return spoken


def shop_environment(client: Mapping[str, str], term: str, workdir: Path) -> dict[str, str]:
    """A shop's environment before anything about its visitor: the server's, the client's
    locale and COLORTERM (`client`), its terminal, and its data dir."""
    env = server_environment()
    # The client's locale, when it sent one, replaces ours as a whole.
    if not any(name in client for name in LOCALE_VARIABLES):
        env.update({n: os.environ[n] for n in LOCALE_VARIABLES if n in os.environ})
    env.update(client)
    env["TERM"] = term
    env["KSHOP_DATA_DIR"] = str(workdir)
    return env


def server_environment() -> dict[str, str]:
    """What a session (and the zygote that forks it) keeps of the server's environment."""
    return {
        name: value
        for name, value in os.environ.items()
        if name in SERVER_ENV_KEEP or name.startswith(SERVER_ENV_PREFIXES)
    }


def zygote_environment() -> dict[str, str]:
    """The zygote's: the sessions' common part, with the server's locale."""
    env = server_environment()
    env.update({name: os.environ[name] for name in LOCALE_VARIABLES if name in os.environ})
    return env


def _clamp(columns: int, rows: int) -> tuple[int, int]:
    return max(1, min(columns, MAX_COLUMNS)), max(1, min(rows, MAX_ROWS))
