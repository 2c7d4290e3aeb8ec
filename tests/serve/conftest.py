"""What the SSH storefront's tests share: one bundled backend per module (a subprocess
on its own copy of the seeded database, exactly as `kshop serve ssh` starts it), a
server factory, real asyncssh clients, and a terminal that reads the screen stream."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import httpx
import pytest

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.storage.db import Database
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.config import DemoLimits, Settings
from kshop_tui.serve.shared_backend import shared_backend
from kshop_tui.serve.ssh import ShopSshServer
from kshop_tui.serve.ssh_options import SshServeOptions
from kshop_tui.shop.options import AppOptions

SECRET = "gateway-secret-for-tests"
# Generous: a loaded 2-core machine starts a Textual child in seconds, not milliseconds.
TIMEOUT = 60.0
GUEST_HEADER = "Not logged in"
DEMO_PHONE_MASKED = "138****8000"
ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)

StartServer = Callable[..., Awaitable[tuple[ShopSshServer, int]]]


@pytest.fixture(scope="module")
def backend_folder(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path) -> Path:
    """The module's backend's data dir, holding its own copy of the seeded database."""
    folder = tmp_path_factory.mktemp("serve-backend")
    shutil.copyfile(seeded_template, folder / "shop.sqlite3")
    return folder


@pytest.fixture(scope="module")
def backend_url(backend_folder: Path) -> Iterator[str]:
    """One bundled backend (subprocess, its own copy of the seeded database) per module,
    exactly as `kshop serve ssh` starts it."""
    with shared_backend(backend_folder, "manual", SECRET) as url:
        yield url


@pytest.fixture(scope="module")
def backend_db(backend_folder: Path, backend_url: str) -> Iterator[Database]:
    """The running backend's database, to read what the sessions did (rows, fen)."""
    database = Database(backend_folder / "shop.sqlite3")
    yield database
    database.close()


@pytest.fixture(autouse=True)
def child_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Children inherit these: no animations, a config file of the test's own."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("KSHOP_CONFIG_FILE", str(tmp_path / "config.toml"))


@pytest.fixture
async def start_server(backend_url: str, tmp_path: Path) -> AsyncIterator[StartServer]:
    servers: list[ShopSshServer] = []

    async def start(
        language: str = "en",
        login_grace_s: float | None = None,
        preforked: bool = True,
        warm: int = 0,
        **limits: int,
    ) -> tuple[ShopSshServer, int]:
        options = SshServeOptions(
            backend_url=backend_url,
            limits=DemoLimits(**limits),
            language=language,
            gateway_secret=SECRET,
            host_key_path=tmp_path / "host_key",
            preforked=preforked,
            warm=warm,
        )
        if login_grace_s is not None:
            options.login_grace_s = login_grace_s
        server = ShopSshServer(options)
        port = await server.start("127.0.0.1", 0)
        servers.append(server)
        return server, port

    yield start
    for server in servers:
        await server.close()


def served_options(
    db_path: Path, clock: Clock, tmp_path: Path, client: dict[str, Any], **options: Any
) -> AppOptions:
    """A served shop's options, in English, on a backend of its own in the process
    (`client`: its client's options besides the transport)."""
    backend_app = create_app(db_path, clock, merchant="manual", dev=True, seed=None)
    transport = httpx.ASGITransport(app=backend_app)
    api = KshopClient(IN_PROCESS_URL, transport=transport, **client)
    return AppOptions(
        language="en",
        backend=Backend(client=api, in_process=True, description="test"),
        data_dir=tmp_path / "data",
        settings=Settings(),
        served=True,
        persistent_tokens=False,
        **options,
    )


async def silent_connection(
    port: int, source: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection from `source` (an address of 127.0.0.0/8) that says nothing; once
    this returns, the server has taken it in (it has sent its version line)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        async with asyncio.timeout(TIMEOUT):
            version = await reader.readline()
    except TimeoutError:
        raise AssertionError(f"no SSH version line within {TIMEOUT} s") from None
    assert version.startswith(b"SSH-2.0-"), version
    return reader, writer


async def dropped(reader: asyncio.StreamReader) -> bool:
    """Waits (bounded) until the server ends the connection; True once it has."""
    try:
        async with asyncio.timeout(TIMEOUT):
            return await reader.read() == b""
    except TimeoutError:
        raise AssertionError(f"the server kept a connection for {TIMEOUT} s") from None


async def connect(port: int, key: asyncssh.SSHKey | None = None) -> asyncssh.SSHClientConnection:
    """A client with that key, or without any (then keyboard-interactive, which asyncssh
    only tries when it has a password to offer; the server asks nothing)."""
    if key is None:
        return await asyncssh.connect(
            "127.0.0.1",
            port,
            username="demo",
            known_hosts=None,
            agent_path=None,
            public_key_auth=False,
            password="guest",
        )
    return await asyncssh.connect(
        "127.0.0.1", port, username="demo", known_hosts=None, agent_path=None, client_keys=[key]
    )


class Terminal:
    """One SSH session with a pty, as the person's terminal receives it."""

    def __init__(self, process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.process = process
        self.raw = bytearray()
        self.ended = False
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while data := await self.process.stdout.read(65536):
            self.raw += data
            self._changed.set()
        self.ended = True
        self._changed.set()

    def mark(self) -> int:
        return len(self.raw)

    def text(self, since: int = 0) -> str:
        return ANSI.sub(b"", bytes(self.raw[since:])).decode("utf-8", errors="replace")

    async def wait_until(self, seen: Callable[[], bool], what: str) -> None:
        try:
            async with asyncio.timeout(TIMEOUT):
                while not seen():
                    if self.ended:
                        raise AssertionError(f"session ended before {what}: {self.text()[-800:]}")
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no {what} within {TIMEOUT} s: {self.text()[-800:]}") from None

    async def wait_for(self, needle: str, since: int = 0) -> None:
        await self.wait_until(lambda: needle in self.text(since), repr(needle))

    async def wait_for_output(self, since: int) -> None:
        await self.wait_until(lambda: len(self.raw) > since, "output")

    async def press(self, keys: str | bytes) -> None:
        """Sends keys and waits until the screen has answered them."""
        mark = self.mark()
        self.process.stdin.write(keys.encode() if isinstance(keys, str) else keys)
        await self.wait_for_output(mark)

    async def wait_closed(self) -> int | None:
        async with asyncio.timeout(TIMEOUT):
            await self.process.wait_closed()
            await self._reader
        return self.process.exit_status


async def open_shop(
    conn: asyncssh.SSHClientConnection, command: str | None = None, size: tuple[int, int] = (80, 24)
) -> Terminal:
    process = await conn.create_process(
        command, term_type="xterm-256color", term_size=size, encoding=None
    )
    return Terminal(process)


async def refused(conn: asyncssh.SSHClientConnection, **options: Any) -> tuple[int | None, str]:
    """A session that the server turns away: (exit status, what it said on stderr)."""
    result = await asyncio.wait_for(conn.run(encoding=None, **options), TIMEOUT)
    stderr = result.stderr if isinstance(result.stderr, bytes) else b""
    return result.exit_status, stderr.decode()


def child_pids(server: ShopSshServer) -> set[int]:
    return {session.child.pid for session in server.sessions if session.child is not None}


def the_child(server: ShopSshServer) -> int:
    (pid,) = child_pids(server)
    return pid


async def until(condition: Callable[[], bool], what: str) -> None:
    """Polls a condition on the server's side (a pid, a pty size) for up to TIMEOUT."""
    try:
        async with asyncio.timeout(TIMEOUT):
            while not condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"no {what} within {TIMEOUT} s") from None


def gone(pid: int) -> bool:
    """True once the process no longer exists (the server has reaped it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def children_of(parent: int) -> dict[int, str]:
    """The processes whose parent is `parent`, with their state ("Z": ended, not reaped)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found[int(entry.name)] = fields[0]
    return found


def environment_of(server: ShopSshServer, pid: int) -> dict[str, str]:
    """The environment the server gave its child `pid`: all it has (a forked child's
    /proc/PID/environ still shows the zygote's; test_zygote shows the child's own is this)."""
    (child,) = [s.child for s in server.sessions if s.child is not None and s.child.pid == pid]
    return child.environment


async def sms_code(backend_url: str, phone: str) -> str:
    """The demo SMS gateway's last code for `phone` as a visitor sees it (the backend's
    /_dev outbox): only a code to register a phone that has no account yet."""
    api = KshopClient(backend_url)
    try:
        messages = await api.dev_sms_codes(phone)
    finally:
        await api.aclose()
    return messages[-1].code


def codes_sent_to(db: Database, phone: str) -> list[str]:
    """Every code the fake SMS gateway sent to `phone`, oldest first: what the phone's
    owner has received (the outbox keeps existing accounts' codes from visitors)."""
    rows = db.all("SELECT code FROM sms_codes WHERE phone = ? ORDER BY id", (phone,))
    return [str(row["code"]) for row in rows]
