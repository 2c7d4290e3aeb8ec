"""`kshop serve ssh` for real: an asyncssh server on 127.0.0.1 (an ephemeral port) in
front of the bundled backend in its subprocess, and real clients (asyncssh, and once the
OpenSSH `ssh` binary). Every session is a real `kshop --served` child on a pty; the
tests read what a person's terminal would get (the byte stream, escapes stripped)."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import stat
import subprocess
import webbrowser
from pathlib import Path

import asyncssh
import pytest

from fake_backend.clock import Clock
from fake_backend.storage.db import Database
from kshop_tui.api.client import KshopClient
from kshop_tui.app import KshopApp
from kshop_tui.deep_links import parse as parse_deep_link
from kshop_tui.serve.command import run_serve
from kshop_tui.serve.ssh import ShopSshServer
from kshop_tui.serve.ssh_options import SshServeOptions
from kshop_tui.serve.ssh_session import TERMINAL_RESET, deep_link
from tests.serve.conftest import (
    ANSI,
    DEMO_PHONE_MASKED,
    GUEST_HEADER,
    SECRET,
    TIMEOUT,
    StartServer,
    child_pids,
    codes_sent_to,
    connect,
    dropped,
    environment_of,
    gone,
    open_shop,
    refused,
    served_options,
    silent_connection,
    the_child,
    until,
)

# --- a session ------------------------------------------------------------------------


async def test_first_screen_arrives_and_ctrl_q_ends_the_session(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's own terminal and secrets stay the server's.
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("KSHOP_GATEWAY_SECRET", SECRET)
    monkeypatch.setenv("TERM", "screen")
    server, port = await start_server()
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        await shop.wait_for("Search products")
        pid = the_child(server)
        env = environment_of(server, pid)
        assert env["TERM"] == "xterm-256color"  # the client's
        assert "COLORTERM" not in env
        assert not [name for name in env if "SECRET" in name or "TOKEN" in name]
        session_dir = Path(env["KSHOP_DATA_DIR"])
        assert session_dir.is_dir()
        shop.process.stdin.write(b"\x11")  # ctrl+q
        assert await shop.wait_closed() == 0
    await until(lambda: gone(pid), "the child reaped")
    assert server.sessions == set()
    assert server.gate.active == 0
    assert not session_dir.exists()


async def test_resize_reaches_the_child_and_it_redraws(start_server: StartServer) -> None:
    server, port = await start_server()
    async with await connect(port) as conn:
        shop = await open_shop(conn, size=(80, 24))
        await shop.wait_for(GUEST_HEADER)
        (session,) = server.sessions
        assert session.child is not None and session.child.size() == (80, 24)
        mark = shop.mark()
        shop.process.change_terminal_size(120, 40)
        resized = (120, 40)
        await until(lambda: session.child is not None and session.child.size() == resized, "120×40")
        # The app repaints for 40 rows: it moves the cursor to row 40.
        await shop.wait_until(lambda: b"\x1b[40;" in shop.raw[mark:], "a frame 40 rows high")
        mark = shop.mark()
        shop.process.change_terminal_size(80, 24)
        await shop.wait_for(GUEST_HEADER, since=mark)
        assert session.child.size() == (80, 24)


async def test_ctrl_q_ends_only_that_session(start_server: StartServer) -> None:
    server, port = await start_server()
    async with await connect(port) as first_conn, await connect(port) as second_conn:
        first = await open_shop(first_conn)
        await first.wait_for(GUEST_HEADER)
        first_pid = the_child(server)
        second = await open_shop(second_conn)
        await second.wait_for(GUEST_HEADER)
        (second_pid,) = child_pids(server) - {first_pid}
        first.process.stdin.write(b"\x11")  # ctrl+q in the first session only
        assert await first.wait_closed() == 0
        await until(lambda: gone(first_pid), "the first child reaped")
        assert not gone(second_pid)
        mark = second.mark()
        await second.press("c")  # the cart: a guest is asked to log in
        await second.wait_for("Log in to kshop", since=mark)
        assert child_pids(server) == {second_pid}


async def test_closing_the_connection_kills_and_reaps_the_child(start_server: StartServer) -> None:
    server, port = await start_server()
    conn = await connect(port)
    shop = await open_shop(conn)
    await shop.wait_for(GUEST_HEADER)
    pid = the_child(server)
    conn.close()
    await conn.wait_closed()
    await until(lambda: gone(pid), "the child reaped")
    await until(lambda: not server.sessions and server.gate.active == 0, "the slot freed")


async def test_closing_only_the_channel_ends_the_shop(start_server: StartServer) -> None:
    server, port = await start_server()
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        pid = the_child(server)
        shop.process.close()
        await until(lambda: gone(pid), "the child reaped")
        await until(lambda: server.gate.active == 0, "the slot freed")
        with pytest.raises(asyncssh.ChannelOpenError):  # one shop per connection
            await open_shop(conn)


async def test_no_pty_gets_a_one_line_message(start_server: StartServer) -> None:
    server, port = await start_server()
    async with await connect(port) as conn:
        status, said = await refused(conn, command="cart")
    assert status == 1
    assert said.startswith("kshop needs a terminal: ssh -t -p ")
    assert said.count("\n") == 1
    assert server.sessions == set()


async def test_no_sftp_no_forwarding_no_shell(start_server: StartServer, tmp_path: Path) -> None:
    server, port = await start_server()
    marker = tmp_path / "pwned"
    async with await connect(port) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.start_sftp_client()
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", port)
        # A command with a pty is a place to open, never something to run.
        shop = await open_shop(conn, f"touch {marker}")
        await shop.wait_for("Unknown place to open: touch")
    assert not marker.exists()


# --- deep links -----------------------------------------------------------------------


async def test_unknown_deep_link_says_so_then_home(start_server: StartServer) -> None:
    _, port = await start_server()
    async with await connect(port) as conn:
        shop = await open_shop(conn, "frobnicate the widgets")
        await shop.wait_for("Unknown place to open: frobnicate the widgets")
        await shop.wait_for("Search products")  # the home (browse) screen


@pytest.mark.parametrize("command", ["--help", "--backend=http://127.0.0.1:9", "-h cart"])
async def test_a_deep_link_that_looks_like_an_option_is_only_an_unknown_place(
    start_server: StartServer, command: str
) -> None:
    """`ssh host -t -- --help`: the words reach the shop as the place to open, one
    argument, never as an option of its command line; the session goes on."""
    server, port = await start_server()
    async with await connect(port) as conn:
        shop = await open_shop(conn, command)
        await shop.wait_for(f"Unknown place to open: {command}")
        await shop.wait_for("Search products")  # the home (browse) screen
        (session,) = server.sessions
        assert f"--open={command}" in session._arguments()
        mark = shop.mark()
        await shop.press("c")  # still a shop: the cart asks a guest to log in
        await shop.wait_for("Log in to kshop", since=mark)


def test_deep_links_are_known_places() -> None:
    assert str(parse_deep_link("  search   red\tshoes ")) == "search red shoes"
    assert str(parse_deep_link("product 12")) == "product 12"
    assert str(parse_deep_link("cart please")) == "cart"
    assert str(parse_deep_link("")) == str(parse_deep_link("home")) == "browse"
    for unknown in ("--help", "-h cart", "search", "product twelve", "order -1", "rm -rf /"):
        assert parse_deep_link(unknown) is None, unknown


def test_deep_link_is_one_printable_line() -> None:
    assert deep_link("  search   red\tshoes ") == "search red shoes"
    assert deep_link("cart\x1b[31m\x00") == "cart [31m"
    assert deep_link("") is None
    assert deep_link(None) is None
    assert deep_link("\x07\x08") is None
    assert len(deep_link("x" * 5000) or "") == 200


# --- limits ---------------------------------------------------------------------------


async def test_over_max_sessions_the_shop_is_full(start_server: StartServer) -> None:
    server, port = await start_server(max_sessions=2)
    async with await connect(port) as a_conn, await connect(port) as b_conn:
        a = await open_shop(a_conn)
        b = await open_shop(b_conn)
        await a.wait_for(GUEST_HEADER)
        await b.wait_for(GUEST_HEADER)
        async with await connect(port) as c_conn:
            status, said = await refused(c_conn, term_type="xterm-256color")
        assert status == 1
        assert "The shop is full right now. Please try again in a minute." in said
        a.process.stdin.write(b"\x11")  # one leaves ...
        assert await a.wait_closed() == 0
        async with await connect(port) as d_conn:  # ... and the next one gets in
            d = await open_shop(d_conn)
            await d.wait_for(GUEST_HEADER)
            assert server.gate.active == 2


async def test_silent_connections_neither_fill_the_shop_nor_keep_a_visitor_out(
    start_server: StartServer,
) -> None:
    """Connections that never log in hold no place in the shop. One address holds a few
    at most (the rest are dropped at once), and a visitor from elsewhere gets in."""
    # A grace far longer than the test: the silent ones stay for as long as it runs.
    server, port = await start_server(login_grace_s=TIMEOUT * 10, max_sessions=20)
    silent = []
    for n in range(2, 8):  # six addresses, four each: more than the shop's 20 places
        silent += [await silent_connection(port, f"127.0.0.{n}") for _ in range(4)]
    async with await connect(port) as conn:  # a visitor from 127.0.0.1
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        assert server.gate.active == 1
    # Two more from an address that already holds four: dropped.
    for _ in range(2):
        reader, writer = await silent_connection(port, "127.0.0.2")
        assert await dropped(reader)
        writer.close()
    assert all(not reader.at_eof() for reader, _ in silent)
    assert server.waiting.count("127.0.0.2") == 4 and server.waiting.total == 24
    for _, writer in silent:
        writer.close()
    await until(lambda: server.waiting.total == 0, "the silent connections forgotten")


async def test_connections_that_do_not_open_a_shop_in_time_are_closed(
    start_server: StartServer,
) -> None:
    server, port = await start_server(login_grace_s=0.5)
    reader, writer = await silent_connection(port, "127.0.0.2")  # says nothing
    conn = await connect(port)  # logs in, opens no session (ssh -N)
    assert await dropped(reader)
    writer.close()
    async with asyncio.timeout(TIMEOUT):
        await conn.wait_closed()
    await until(lambda: server.waiting.total == 0, "no connection waiting")


async def test_an_address_that_connects_too_often_is_turned_away(
    start_server: StartServer,
) -> None:
    server, port = await start_server(connections_per_minute=2)
    for _ in range(2):
        async with await connect(port):
            pass
    async with await connect(port) as conn:
        status, said = await refused(conn, term_type="xterm-256color")
    assert status == 1
    assert "Too many connections from your address" in said
    assert server.sessions == set()


async def test_idle_session_is_told_and_closed(start_server: StartServer) -> None:
    server, port = await start_server(idle_timeout_s=2)
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        pid = the_child(server)
        await shop.wait_for("No key pressed for 2 s, so this session has ended.")
        assert await shop.wait_closed() == 0
    # The terminal was reset (out of the alternate screen) before the last word.
    farewell = bytes(shop.raw).rindex(b"No key pressed")
    assert bytes(shop.raw).rindex(TERMINAL_RESET) < farewell
    await until(lambda: gone(pid), "the child reaped")


# --- bad input ------------------------------------------------------------------------


def noise_that_is_no_key(rng: random.Random, size: int) -> bytes:
    """Bytes no keyboard sends: broken UTF-8, NULs, malformed and unfinished escapes."""
    pieces = [
        lambda: bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randrange(1, 8))),
        lambda: b"\x00" * rng.randrange(1, 4),
        lambda: b"\x1b[" + bytes(rng.choice(b"0123456789;?<>=") for _ in range(12)) + b"\xff",
        lambda: b"\x1b]" + bytes(rng.randrange(0x80, 0x100) for _ in range(8)) + b"\xfe",
        lambda: b"\x1bP" + bytes(rng.randrange(0x80, 0x100) for _ in range(6)),
    ]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(pieces)()
    return bytes(out)


async def test_garbage_on_the_channel_does_not_crash(start_server: StartServer) -> None:
    server, port = await start_server()
    rng = random.Random(7)
    async with await connect(port) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)
        pid = the_child(server)
        shop.process.stdin.write(noise_that_is_no_key(rng, 16 * 1024))
        await shop.process.stdin.drain()
        # Still alive and still drawing: a resize is answered with a new frame.
        mark = shop.mark()
        shop.process.change_terminal_size(100, 30)
        await shop.wait_until(lambda: b"\x1b[30;" in shop.raw[mark:], "a frame 30 rows high")
        assert not gone(pid)
        assert not shop.ended
        # Random bytes are also random keys: whatever the shop makes of them, closing
        # the connection still takes its child with it.
        shop.process.stdin.write(bytes(b for b in rng.randbytes(2048) if b != 0x11))
    await until(lambda: gone(pid), "the child reaped")
    # Garbage on the TCP port itself: the server shrugs and serves the next client.
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\n\r\n" + bytes(range(256)) * 4)
        async with await connect(port) as conn:
            shop = await open_shop(conn)
            await shop.wait_for(GUEST_HEADER)


async def test_terminal_size_claims_are_bounded(start_server: StartServer) -> None:
    server, port = await start_server()
    async with await connect(port) as conn:
        await open_shop(conn, size=(60000, 60000))
        await until(lambda: any(s.child is not None for s in server.sessions), "a child")
        (session,) = server.sessions
        assert session.child is not None and session.child.size() == (1000, 500)
        pid = session.child.pid
    await until(lambda: gone(pid), "the child reaped")


# --- host key -------------------------------------------------------------------------


async def test_host_key_is_private_and_kept(backend_url: str, tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ssh_host_ed25519_key"
    fingerprints = []
    for _ in range(2):
        server = ShopSshServer(SshServeOptions(backend_url=backend_url, host_key_path=path))
        port = await server.start("127.0.0.1", 0)
        async with await connect(port) as conn:
            seen = conn.get_server_host_key()
            assert seen is not None
            fingerprints.append(seen.get_fingerprint("sha256"))
        await server.close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fingerprints[0] == fingerprints[1]
    assert asyncssh.read_private_key(path).get_fingerprint("sha256") == fingerprints[0]


# --- SSH identity ---------------------------------------------------------------------


async def test_key_is_linked_after_login_and_then_logs_in(
    start_server: StartServer, backend_url: str, backend_db: Database
) -> None:
    _, port = await start_server()
    key = asyncssh.generate_private_key("ssh-ed25519")
    fingerprint = key.get_fingerprint("sha256")
    async with await connect(port, key) as conn:
        shop = await open_shop(conn, "cart")
        await shop.wait_for("Log in to kshop")  # an unknown key: a guest
        mark = shop.mark()
        await shop.press("13800138000")  # the phone field has the focus
        await shop.wait_for("13800138000", since=mark)
        mark = shop.mark()
        await shop.press(b"\x07")  # ctrl+g: get a code (then the code field has the focus)
        await shop.wait_for("Code sent to", since=mark)
        code = codes_sent_to(backend_db, "13800138000")[-1]  # the demo account's phone
        mark = shop.mark()
        await shop.press(code)
        await shop.wait_for(code, since=mark)
        mark = shop.mark()
        await shop.press("\r")
        await shop.wait_for("This SSH key is now linked", since=mark)
        await shop.wait_for("Your cart is empty", since=mark)  # and the cart it asked for
    api = KshopClient(backend_url)
    try:
        login = await api.login_with_password("13800138000", "demo1234")
        api.token = login.token
        linked = await api.ssh_keys()
    finally:
        await api.aclose()
    assert [k.fingerprint for k in linked] == [fingerprint]
    assert linked[0].label.startswith("ssh ed25519 from 127.0.0.1, ")
    # The next connection with that key starts logged in, deep link and all.
    async with await connect(port, key) as conn:
        shop = await open_shop(conn, "cart")
        await shop.wait_for(DEMO_PHONE_MASKED)
        await shop.wait_for("Your cart is empty")
        assert "Log in to kshop" not in shop.text()
    # Another key is still a stranger.
    async with await connect(port, asyncssh.generate_private_key("ssh-ed25519")) as conn:
        shop = await open_shop(conn)
        await shop.wait_for(GUEST_HEADER)


@pytest.mark.skipif(
    shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="no OpenSSH client (ssh, ssh-keygen) on this machine",
)
async def test_openssh_client_with_a_key(start_server: StartServer, tmp_path: Path) -> None:
    _, port = await start_server()
    key_file = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_file)], check=True)
    # Nothing of the user's own: no ~/.ssh/config nor /etc/ssh/ssh_config (-F /dev/null),
    # no known_hosts, no agent, only this key, never a prompt.
    ssh = await asyncio.create_subprocess_exec(
        "ssh", "-F", "/dev/null", "-tt", "-p", str(port), "-i", str(key_file),
        "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
        "-o", "LogLevel=ERROR", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
        "demo@127.0.0.1", "cart",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "TERM": "xterm-256color"},
    )  # fmt: skip
    assert ssh.stdin is not None and ssh.stdout is not None and ssh.stderr is not None
    received = bytearray()
    try:
        async with asyncio.timeout(TIMEOUT):
            while b"Log in to kshop" not in ANSI.sub(b"", bytes(received)):
                chunk = await ssh.stdout.read(65536)
                if not chunk:
                    said = (await ssh.stderr.read()).decode(errors="replace")
                    raise AssertionError(
                        f"ssh ended early: {bytes(received)[-500:]!r}; stderr: {said}"
                    )
                received += chunk
            ssh.stdin.write(b"\x11")  # ctrl+q
            await ssh.stdin.drain()
            await ssh.stdout.read()
            assert await ssh.wait() == 0
    except TimeoutError:
        raise AssertionError(
            f"no login screen over ssh within {TIMEOUT} s: {bytes(received)[-500:]!r}"
        ) from None
    finally:
        if ssh.returncode is None:
            ssh.kill()
            await ssh.wait()


# --- the served app itself -------------------------------------------------------------


@pytest.fixture
def served_app(db_path: Path, clock: Clock, tmp_path: Path) -> KshopApp:
    return KshopApp(served_options(db_path, clock, tmp_path, {"language": lambda: "en"}))


async def test_served_app_shows_urls_instead_of_opening_a_browser(
    served_app: KshopApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url))
    async with served_app.run_test(size=(80, 24)) as pilot:
        served_app.open_url("https://pay.example/qr/123")
        await pilot.pause()
        messages = [n.message for n in served_app._notifications]
    assert opened == []
    assert "https://pay.example/qr/123" in messages


async def test_served_app_has_no_screenshot_command(served_app: KshopApp) -> None:
    async with served_app.run_test(size=(80, 24)):
        titles = [c.title.lower() for c in served_app.get_system_commands(served_app.screen)]
    assert titles
    assert not [title for title in titles if "screenshot" in title]


def test_serve_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_serve([]) == 2
    assert run_serve(["telnet"]) == 2
    assert run_serve(["ssh", "--port", "twenty-two"]) == 2
