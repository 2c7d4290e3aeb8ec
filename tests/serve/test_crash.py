"""A crash ends the shop with a short apology and a non-zero exit status, the traceback
in a file under the log dir and never on the screen (docs/api.md §7.7): locally (`kshop` on a
pty of its own) and served (a visitor's SSH session). The crash is a real one, in a
screen of the real program: the help screen's building raises, put there by a
`sitecustomize` module on the PYTHONPATH the shop inherits."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from kshop_tui.serve.pty_child import PtyChild
from tests.serve.conftest import ANSI, GUEST_HEADER, TIMEOUT, StartServer, connect, open_shop

# Locals of the failing frame: Textual's own crash report printed them on the screen.
PROVOKED = """
import kshop_tui.screens.help as help_screen


def compose_body(self):
    password_being_typed = "hunter2-on-the-stack"
    raise RuntimeError(f"provoked for a test (password {password_being_typed!r})")


help_screen.HelpScreen.compose_body = compose_body
"""
APOLOGY_EN = "Sorry: kshop ran into an unexpected error and had to close."
APOLOGY_SERVED_EN = "Sorry: the shop ran into an unexpected error and this session had to close."
APOLOGY_SERVED_ZH = "抱歉：商店遇到意外错误，本次会话已结束。"


@pytest.fixture
def log_dir() -> Path:
    """Where the shops a test starts report crashes (tests/conftest.py points it)."""
    return Path(os.environ["KSHOP_LOG_DIR"])


@pytest.fixture
def provoked_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Shops started from now on crash when the help screen opens."""
    folder = tmp_path / "provoked"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PROVOKED)
    inherited = os.environ.get("PYTHONPATH")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(folder), *([inherited] if inherited else [])])
    )


def the_crash_report(log_dir: Path) -> str:
    (report,) = log_dir.iterdir()
    assert report.name.startswith("crash-") and report.suffix == ".log"
    assert report.stat().st_mode & 0o077 == 0  # the user's alone
    text = report.read_text()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: provoked for a test" in text
    assert "compose_body" in text
    return str(report)


class Screen:
    """What a terminal shows of a child on a pty, and the moment the child ends."""

    def __init__(self) -> None:
        self.raw = bytearray()
        self.changed = asyncio.Event()
        self.ended = False

    def output(self, data: bytes) -> None:
        self.raw += data
        self.changed.set()

    def end(self) -> None:
        self.ended = True
        self.changed.set()

    def text(self) -> str:
        return ANSI.sub(b"", bytes(self.raw)).decode("utf-8", errors="replace")


async def wait_for(screen: Screen, needle: str | None, what: str) -> None:
    """Until `needle` is on the screen (None: until the child has ended), bounded."""
    try:
        async with asyncio.timeout(TIMEOUT):
            while not (screen.ended if needle is None else needle in screen.text()):
                if needle is not None and screen.ended:
                    raise AssertionError(f"ended before {what}: {screen.text()[-800:]}")
                screen.changed.clear()
                await screen.changed.wait()
    except TimeoutError:
        raise AssertionError(f"no {what} within {TIMEOUT} s: {screen.text()[-800:]}") from None


@pytest.mark.usefixtures("provoked_crash")
async def test_a_local_crash_apologises_names_its_log_and_exits_non_zero(
    backend_url: str, log_dir: Path
) -> None:
    argv = [sys.executable, "-m", "kshop_tui", "--lang", "en", "--backend", backend_url]
    env = {**os.environ, "TERM": "xterm-256color"}
    screen = Screen()
    child = PtyChild.spawn(argv, env, 100, 30)
    try:
        child.start(screen.output, screen.end)
        await wait_for(screen, GUEST_HEADER, "the first screen")
        child.write(b"?")  # help: its screen raises while it is built
        await wait_for(screen, None, "the end of the shop")
    finally:
        status = await child.end()
    assert status == 1
    report = the_crash_report(log_dir)
    shown = screen.text()
    assert APOLOGY_EN in shown
    # Locally the path is of use: it is the user's own machine. (The apology may wrap.)
    assert report in shown.replace("\r\n", "")
    assert "Traceback" not in shown and "hunter2" not in shown
    assert "compose_body" not in shown


@pytest.mark.usefixtures("provoked_crash")
@pytest.mark.parametrize(
    ("lang", "apology"), [("en", APOLOGY_SERVED_EN), ("zh_CN", APOLOGY_SERVED_ZH)]
)
async def test_a_served_crash_shows_the_visitor_an_apology_and_nothing_of_the_server(
    start_server: StartServer, log_dir: Path, lang: str, apology: str
) -> None:
    _, port = await start_server(language=lang)
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for("未登录" if lang == "zh_CN" else GUEST_HEADER)
        shop.process.stdin.write(b"?")  # help: its screen raises while it is built
        status = await shop.wait_closed()
    assert status == 1
    report = the_crash_report(log_dir)
    shown = shop.text()
    assert apology in shown
    assert "Traceback" not in shown and "hunter2" not in shown and "RuntimeError" not in shown
    # No path of the server's: not the log, not the code, not the interpreter.
    for path in (report, str(log_dir), str(Path(__file__).parents[2]), sys.prefix):
        assert path not in shown, path
