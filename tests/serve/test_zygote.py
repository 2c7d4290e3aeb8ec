"""The pre-forked session server (`kshop_tui.serve.zygote`): a child's crash leaves the
zygote serving, a zygote that dies is replaced, every child is reaped, and a session's
environment, size and language are what its child has, not the zygote's.

The children here run a probe instead of the shop: a `sitecustomize` module on the
zygote's PYTHONPATH (imported when the zygote starts, as any interpreter's would be)
replaces `kshop_tui.cli.main` with a function that reports what the child sees."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kshop_tui.serve import zygote as zygote_module
from kshop_tui.serve.command import build_parser
from kshop_tui.serve.pty_child import PtyChild
from kshop_tui.serve.ssh_session import zygote_environment
from kshop_tui.serve.zygote import Zygote
from tests.serve.conftest import (
    ANSI,
    GUEST_HEADER,
    TIMEOUT,
    StartServer,
    children_of,
    connect,
    gone,
    open_shop,
    the_child,
    until,
)

PROBE = """
import json, os, signal, sys

import kshop_tui.cli


def report(argv=None):
    import textual.constants

    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "crash":
        os.kill(os.getpid(), 9)
    if argv and argv[0] == "wait":
        signal.pause()
    columns, rows = os.get_terminal_size(0)
    attached = os.read(4, 100).decode() if "KSHOP_ATTACH_FD" in os.environ else None
    seen = {
        "attached": attached,
        "argv": argv,
        "env": dict(os.environ),
        "size": [columns, rows],
        "session_leader": os.getsid(0) == os.getpid(),
        "controlling_tty": os.ttyname(0),
        "color_system": textual.constants.COLOR_SYSTEM,
        "stdout_encoding": sys.__stdout__.encoding,
    }
    print("PROBE" + json.dumps(seen) + "END", flush=True)
    return 7


kshop_tui.cli.main = report
"""


class Pty:
    """What a child writes to its pty, and whether it has closed it."""

    def __init__(self, child: PtyChild) -> None:
        self.child = child
        self.raw = bytearray()
        self.ended = False
        self.changed = asyncio.Event()
        child.start(self._output, self._end)

    def _output(self, data: bytes) -> None:
        self.raw += data
        self.changed.set()

    def _end(self) -> None:
        self.ended = True
        self.changed.set()

    async def closed(self) -> None:
        """Until the child has closed the pty (it has ended by itself)."""
        async with asyncio.timeout(TIMEOUT):
            while not self.ended:
                self.changed.clear()
                await self.changed.wait()

    async def report(self) -> dict[str, object]:
        text = ""
        async with asyncio.timeout(TIMEOUT):
            while "END" not in (text := ANSI.sub(b"", bytes(self.raw)).decode()):
                assert not self.ended, text
                self.changed.clear()
                await self.changed.wait()
        found: dict[str, object] = json.loads(text.split("PROBE", 1)[1].split("END", 1)[0])
        return found


@pytest.fixture
async def zygote(tmp_path: Path) -> AsyncIterator[Zygote]:
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PROBE)
    env = zygote_environment()
    env["PYTHONPATH"] = os.pathsep.join(
        [str(folder), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    )
    started = Zygote(env)
    await started.start()
    yield started
    await started.close()


def zombies_of(parent: int) -> list[int]:
    return [pid for pid, state in children_of(parent).items() if state == "Z"]


async def test_the_session_s_environment_size_and_language_reach_the_child(
    zygote: Zygote,
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "TERM": "xterm-256color",
        "LANG": "zh_CN.UTF-8",
        "KSHOP_VISITOR_ADDRESS": "127.0.0.9",
        "TEXTUAL_COLOR_SYSTEM": "256",
    }
    arguments = ["--served", "--backend", "http://127.0.0.1:9"]
    child = await PtyChild.fork(zygote, arguments, env, 123, 45)
    pty = Pty(child)
    seen = await pty.report()
    await pty.closed()
    assert await child.end() == 7
    assert seen["argv"] == arguments
    # Exactly the session's (nothing of the zygote's or the server's), and the pipe on
    # which the shop says its first frame is drawn.
    assert seen["env"] == {**env, "KSHOP_FIRST_FRAME_FD": "3"}
    assert seen["size"] == [123, 45]
    assert seen["session_leader"] is True
    assert str(seen["controlling_tty"]).startswith("/dev/pts/")
    # What Textual read from the zygote's environment at import is read again.
    assert seen["color_system"] == "256"
    assert seen["stdout_encoding"] == "utf-8"


async def test_a_warm_shop_hears_of_its_visitor_on_descriptor_4(zygote: Zygote) -> None:
    env = {"PATH": os.environ["PATH"], "TERM": "xterm-256color"}
    attach_read, attach_write = os.pipe()
    os.write(attach_write, b"the visitor")
    os.close(attach_write)
    try:
        child = await PtyChild.fork(zygote, ["--served"], env, 80, 24, attach=attach_read)
    finally:
        os.close(attach_read)
    pty = Pty(child)
    seen = await pty.report()
    await pty.closed()
    assert await child.end() == 7
    assert seen["env"] == {**env, "KSHOP_FIRST_FRAME_FD": "3", "KSHOP_ATTACH_FD": "4"}
    assert seen["attached"] == "the visitor"


async def test_a_crashed_child_leaves_the_zygote_serving_and_is_reaped(zygote: Zygote) -> None:
    crashed = await PtyChild.fork(zygote, ["crash"], {"PATH": os.environ["PATH"]}, 80, 24)
    await Pty(crashed).closed()
    assert await crashed.end() == -signal.SIGKILL
    assert zygote.pid is not None and not gone(zygote.pid)
    await until(lambda: gone(crashed.pid), "the crashed child reaped")
    child = await PtyChild.fork(zygote, [], {"PATH": os.environ["PATH"]}, 80, 24)
    pty = Pty(child)
    assert (await pty.report())["size"] == [80, 24]
    await pty.closed()
    assert await child.end() == 7
    await until(lambda: gone(child.pid), "the child reaped")
    assert zombies_of(zygote.pid) == []
    assert zygote.restarts == 0


async def test_a_hung_up_child_is_reaped(zygote: Zygote) -> None:
    """A child waiting for its visitor is hung up on when the session ends."""
    child = await PtyChild.fork(zygote, ["wait"], {"PATH": os.environ["PATH"]}, 80, 24)
    Pty(child)
    assert await child.end() == -signal.SIGHUP
    await until(lambda: gone(child.pid), "the child reaped")
    assert zygote.pid is not None and zombies_of(zygote.pid) == []


async def test_a_killed_zygote_is_replaced_and_its_children_still_end(zygote: Zygote) -> None:
    env = {"PATH": os.environ["PATH"]}
    survivor = await PtyChild.fork(zygote, ["wait"], env, 80, 24)
    Pty(survivor)
    first = zygote.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    await until(lambda: zygote.restarts == 1 and zygote.pid not in (None, first), "a new zygote")
    child = await PtyChild.fork(zygote, [], env, 100, 30)
    pty = Pty(child)
    assert (await pty.report())["size"] == [100, 30]
    await pty.closed()
    assert await child.end() == 7
    # The survivor's parent is gone: its end is still seen (its code no longer is).
    assert await survivor.end() == -1
    await until(lambda: gone(survivor.pid), "the orphan ended")


async def test_a_burst_waits_for_first_frames_not_for_a_timeout(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One shop starting at a time, and no timeout to free its place: the second visitor's
    shop starts only because the first one said it had drawn its first frame."""
    monkeypatch.setattr(zygote_module, "STARTING_AT_ONCE", 1)
    monkeypatch.setattr(zygote_module, "FIRST_FRAME_WAIT_S", 3600.0)
    _, port = await start_server()
    async with await connect(port) as first_conn, await connect(port) as second_conn:
        first, second = await asyncio.gather(open_shop(first_conn), open_shop(second_conn))
        await asyncio.gather(first.wait_for(GUEST_HEADER), second.wait_for(GUEST_HEADER))


async def test_a_served_session_runs_in_a_child_of_the_zygote(start_server: StartServer) -> None:
    server, port = await start_server()
    assert server.zygote is not None and server.zygote.pid is not None
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        pid = the_child(server)
        status = Path(f"/proc/{pid}/status").read_text()
        assert f"PPid:\t{server.zygote.pid}\n" in status
        shop.process.stdin.write(b"\x11")  # ctrl+q
        assert await shop.wait_closed() == 0
    await until(lambda: gone(pid), "the child reaped")
    assert zombies_of(server.zygote.pid) == []


async def test_without_a_zygote_each_session_is_a_new_interpreter(
    start_server: StartServer,
) -> None:
    server, port = await start_server(preforked=False)
    assert server.zygote is None
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        pid = the_child(server)
        assert f"PPid:\t{os.getpid()}\n" in Path(f"/proc/{pid}/status").read_text()
        assert b"--served" in Path(f"/proc/{pid}/cmdline").read_bytes()
        shop.process.stdin.write(b"\x11")  # ctrl+q
        assert await shop.wait_closed() == 0
    await until(lambda: gone(pid), "the child reaped")


def test_the_old_way_is_one_option_away() -> None:
    for server in ("ssh", "web"):
        assert build_parser().parse_args([server]).interpreter_per_session is False
        chosen = build_parser().parse_args([server, "--interpreter-per-session"])
        assert chosen.interpreter_per_session is True


def run_python(script: str) -> subprocess.CompletedProcess[str]:
    """`script` in a fresh interpreter (the zygote's own steps, away from this test
    process's threads and loop), which must end well."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_visitor_gone_before_the_session_began_ends_it_as_a_hang_up() -> None:
    """The pty's far end closed before the child took it as its terminal (CI once saw the
    child die of an EIO traceback, exit 1): the child ends as a hung-up session does."""
    script = (
        "import os\n"
        "from kshop_tui.serve.zygote import become_session\n"
        "master, follower = os.openpty()\n"
        "os.close(master)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    become_session([follower], True, dict(os.environ))\n"
        "    os._exit(0)\n"
        "print(os.waitpid(pid, 0)[1])\n"
    )
    done = run_python(script)
    status = int(done.stdout)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGHUP, done.stderr
    assert "Traceback" not in done.stderr


def test_the_rehearsal_plays_a_first_screen_in_each_language_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    """Before any fork the zygote plays a session's start through (its children then start
    on specialised bytecode and filled caches): the first screen asks its backend, a
    stand-in of the zygote's own, for the first products in each language; and the
    zygote is left as it was, with one thread, no loop and no new descriptor or file."""
    script = (
        "import asyncio, json, os, tempfile, threading\n"
        f"tempfile.tempdir = {str(tmp_path)!r}\n"
        "from kshop_tui.serve import zygote\n"
        "descriptors = len(os.listdir('/proc/self/fd'))\n"
        "asked = zygote.rehearse()\n"
        "try:\n"
        "    asyncio.get_running_loop()\n"
        "    loop = True\n"
        "except RuntimeError:\n"
        "    loop = False\n"
        "print(json.dumps({'asked': asked, 'threads': threading.active_count(), 'loop': loop,\n"
        "    'new_descriptors': len(os.listdir('/proc/self/fd')) - descriptors,\n"
        "    'files': os.listdir(tempfile.tempdir)}))\n"
    )
    seen = json.loads(run_python(script).stdout.strip().splitlines()[-1])
    paths = [line.split()[1].split("?")[0] for line in seen["asked"]]
    languages = len(zygote_module.REHEARSAL_LANGUAGES)
    assert paths == ["/_dev/simulator", "/api/v1/products"] * languages
    assert seen["threads"] == 1 and seen["loop"] is False
    assert seen["new_descriptors"] == 0 and seen["files"] == []
