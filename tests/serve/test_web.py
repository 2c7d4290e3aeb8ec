"""`kshop serve web`: the page works offline, each tab runs the shop, and the public-demo
limits hold (session cap, per-address rate, Origin). Real sockets on 127.0.0.1, a real
backend under uvicorn, real shop processes; every wait is bounded."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
import uvicorn
from PIL import Image

from fake_backend.app import create_app
from fake_backend.clock import Clock
from kshop_tui import i18n
from kshop_tui.config import DemoLimits
from kshop_tui.serve import web
from kshop_tui.serve.command import build_parser
from kshop_tui.serve.web import (
    MAX_COLUMNS,
    MAX_ROWS,
    ShopWebServer,
    bounded_terminal_size,
    shop_command,
)
from tests.serve.conftest import children_of

# A shop process starts in well under a second here; a loaded 2-core CI box gets far more.
WAIT_S = 90.0
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")

StartWeb = Callable[..., Awaitable[ShopWebServer]]


@pytest.fixture(autouse=True)
def shop_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The shop processes the server starts inherit this: their own config and data."""
    monkeypatch.setenv("KSHOP_CONFIG_FILE", str(tmp_path / "config.toml"))
    monkeypatch.setenv("KSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
async def backend_url(db_path: Path, clock: Clock) -> AsyncIterator[str]:
    app = create_app(db_path, clock, merchant="manual", dev=False, seed=None)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT_S):
        while not server.started:
            await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def start_web(backend_url: str) -> AsyncIterator[StartWeb]:
    servers: list[ShopWebServer] = []

    async def start(
        limits: DemoLimits | None = None,
        command: str | None = None,
        allowed_hosts: tuple[str, ...] = (),
    ) -> ShopWebServer:
        server = ShopWebServer(
            host="127.0.0.1",
            port=0,
            backend_url=backend_url,
            language="en",
            limits=limits or DemoLimits(),
            command=command,
            allowed_hosts=allowed_hosts,
        )
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def base_url(server: ShopWebServer) -> str:
    return f"http://127.0.0.1:{server.bound_port}"


async def read_screen_until(websocket: aiohttp.ClientWebSocketResponse, text: str) -> str:
    """Everything the session shows (escape sequences removed) until `text` appears."""
    shown = b""
    async with asyncio.timeout(WAIT_S):
        while text.encode() not in ESCAPES.sub(b"", shown):
            message = await websocket.receive()
            assert message.type == aiohttp.WSMsgType.BINARY, (message, shown[-500:])
            shown += message.data
    return ESCAPES.sub(b"", shown).decode(errors="replace")


async def wait_until_free(server: ShopWebServer) -> None:
    async with asyncio.timeout(WAIT_S):
        while server.gate.active:
            await asyncio.sleep(0.05)


class TestPage:
    async def test_the_page_fetches_nothing_from_the_internet(self, start_web: StartWeb) -> None:
        server = await start_web()
        async with aiohttp.ClientSession() as http, http.get(base_url(server) + "/") as page:
            assert page.status == 200
            html = await page.text()
        assert "googleapis" not in html
        assert "fonts.g" not in html
        for url in re.findall(r"(?:https?|wss?)://[^\s\"'<>)]+", html):
            assert urlsplit(url).hostname in ("127.0.0.1", "localhost"), url
        assert 'data-session-websocket-url="/ws"' in html
        assert "kshop" in html

    async def test_every_asset_the_page_names_answers_locally(self, start_web: StartWeb) -> None:
        server = await start_web()
        async with aiohttp.ClientSession(base_url(server)) as http:
            async with http.get("/") as page:
                html = await page.text()
            assets = set(re.findall(r'(?:src|href)="([^"]+)"|url\("([^"]+)"\)', html))
            paths = {path for pair in assets for path in pair if path}
            # The stylesheet, the terminal's script, both fonts and the background.
            assert len(paths) >= 5, paths
            for path in sorted(paths):
                assert path.startswith("/static/") or path == web.FAVICON_PATH, path
                async with http.get(path) as asset:
                    assert asset.status == 200, path
                    assert len(await asset.read()) > 100, path


class TestPageConventions:
    """What a visitor expects of a page: keys work at once, the footer shows the keys
    from the first frame, the tab has an icon, and the server logs a line a request."""

    async def test_the_terminal_takes_the_focus_once_its_socket_is_open(
        self, start_web: StartWeb
    ) -> None:
        server = await start_web()
        async with aiohttp.ClientSession() as http, http.get(base_url(server) + "/") as page:
            html = await page.text()
        # No browser here: the page's script is read. xterm.js takes keys through its
        # helper textarea; focusing it sends the shop a "focus" on the open socket.
        opened = html.index('addEventListener("open"')
        assert html.index(".xterm-helper-textarea", opened) < html.index(".focus()", opened)

    async def test_the_first_frame_shows_the_footer_s_keys(self, start_web: StartWeb) -> None:
        server = await start_web()
        url = base_url(server)
        footer_keys = [i18n.translate("en", key) for key in ("key.quit", "key.filters")]
        async with aiohttp.ClientSession() as http:
            # Like a browser that has not said "focus" yet: only the size.
            tab = await http.ws_connect(url.replace("http:", "ws:") + "/ws?width=80&height=24")
            first_frame = await read_screen_until(tab, "Search products")
            for words in footer_keys:
                assert words in first_frame
            await tab.close()
        await wait_until_free(server)

    async def test_the_tab_s_icon_is_served_from_the_package(self, start_web: StartWeb) -> None:
        server = await start_web()
        async with aiohttp.ClientSession(base_url(server)) as http:
            async with http.get("/") as page:
                html = await page.text()
            assert f'<link rel="icon" type="image/png" href="{web.FAVICON_PATH}" />' in html
            for path, kind, image_format in (
                (web.FAVICON_PATH, "image/png", "PNG"),
                ("/favicon.ico", "image/x-icon", "ICO"),
            ):
                async with http.get(path) as icon:
                    assert icon.status == 200 and icon.content_type == kind
                    with Image.open(io.BytesIO(await icon.read())) as image:
                        assert image.format == image_format and image.size[0] >= 16

    async def test_the_access_log_is_one_short_line_a_request(self, start_web: StartWeb) -> None:
        server = await start_web()
        written = io.StringIO()
        handler = web.log_handler(written)
        access = logging.getLogger(web.ACCESS_LOGGER)
        level = access.level
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        browser = (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0.0.0 Safari/537.36"
        )
        try:
            async with aiohttp.ClientSession(base_url(server)) as http:
                for path in ("/", "/favicon.ico", "/static/css/xterm.css"):
                    async with http.get(path, headers={"User-Agent": browser}) as answer:
                        await answer.read()
        finally:
            access.removeHandler(handler)
            access.setLevel(level)
        lines = written.getvalue().splitlines()
        assert len(lines) == 3, lines
        for line, path in zip(lines, ("/", "/favicon.ico", "/static/css/xterm.css"), strict=True):
            assert f'"GET {path} HTTP/1.1" 200 ' in line
            assert len(line) <= 80, line
            assert "Mozilla" not in line


class TestSessions:
    async def test_a_tab_gets_the_shop_and_the_cap_refuses_the_next(
        self, start_web: StartWeb
    ) -> None:
        server = await start_web(DemoLimits(max_sessions=1))
        url = base_url(server)
        ws_url = url.replace("http:", "ws:") + "/ws?width=80&height=24"
        async with aiohttp.ClientSession() as http:
            # A browser sends the page's own origin.
            first = await http.ws_connect(ws_url, origin=url)
            screen = await read_screen_until(first, "Search products")
            assert "kshop" in screen
            assert server.gate.active == 1
            # The browser window changes: absurdly big (cut to a sane size), then tiny.
            await first.send_json(["resize", {"width": 100_000, "height": 100_000}])
            await first.send_json(["resize", {"width": 10, "height": 5}])
            await read_screen_until(first, "Too small")

            second = await http.ws_connect(ws_url, origin=url)
            refused = await second.receive()
            assert refused.type == aiohttp.WSMsgType.BINARY
            assert b"The shop is full right now" in refused.data
            closing = await second.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert closing.data == 1013  # try again later
            assert str(closing.extra).startswith("The shop is full")
            assert server.gate.active == 1

            # Closing the first tab ends its shop process and frees its place.
            await first.close()
            await wait_until_free(server)
            third = await http.ws_connect(ws_url, origin=url)
            await read_screen_until(third, "Search products")
            await third.send_json(["stdin", "\x11"])  # ctrl+q: the shop quits, the tab closes
            async with asyncio.timeout(WAIT_S):
                while (message := await third.receive()).type == aiohttp.WSMsgType.BINARY:
                    pass
            assert message.type == aiohttp.WSMsgType.CLOSE
        await wait_until_free(server)

    async def test_a_tab_s_shop_is_forked_by_the_zygote_and_reaped(
        self, start_web: StartWeb
    ) -> None:
        server = await start_web()
        assert server.zygote is not None and server.zygote.pid is not None
        zygote = server.zygote.pid
        url = base_url(server)
        async with aiohttp.ClientSession() as http:
            tab = await http.ws_connect(url.replace("http:", "ws:") + "/ws", origin=url)
            await read_screen_until(tab, "Search products")
            (shop,) = children_of(zygote)
            await tab.close()
        await wait_until_free(server)
        assert children_of(zygote) == {}  # ended and reaped, not a zombie
        with pytest.raises(ProcessLookupError):
            os.kill(shop, 0)

    async def test_too_many_new_sessions_from_one_address_are_refused(
        self, start_web: StartWeb
    ) -> None:
        server = await start_web(DemoLimits(max_sessions=5, connections_per_minute=1))
        # This address's one connection of the minute, made and ended before ours.
        assert server.gate.admit("127.0.0.1") is None
        server.gate.release()
        async with aiohttp.ClientSession() as http:
            websocket = await http.ws_connect(base_url(server).replace("http:", "ws:") + "/ws")
            refused = await websocket.receive()
            assert b"Too many new sessions from your address" in refused.data
            closing = await websocket.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert closing.data == 1013
        assert server.gate.active == 0

    async def test_a_process_that_will_not_quit_is_killed_and_its_place_freed(
        self, start_web: StartWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(web, "STOP_GRACE_S", 0.5)
        pid_file = tmp_path / "stuck.pid"
        # Says it is a Textual app, then ignores the "quit" it is sent.
        stuck = (
            f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid()));"
            " print('__GANGLION__', flush=True); time.sleep(600)"
        )
        server = await start_web(command="exec " + shlex.join([sys.executable, "-c", stuck]))
        async with aiohttp.ClientSession() as http:
            websocket = await http.ws_connect(base_url(server).replace("http:", "ws:") + "/ws")
            async with asyncio.timeout(WAIT_S):
                while not pid_file.exists() or not pid_file.read_text():
                    await asyncio.sleep(0.05)
            assert server.gate.active == 1
            await websocket.close()
        await wait_until_free(server)
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text()), 0)

    async def test_a_tab_nobody_types_in_is_closed_and_its_place_freed(
        self, start_web: StartWeb
    ) -> None:
        server = await start_web(DemoLimits(max_sessions=1, idle_timeout_s=2))
        async with aiohttp.ClientSession() as http:
            websocket = await http.ws_connect(base_url(server).replace("http:", "ws:") + "/ws")
            assert server.gate.active == 1
            async with asyncio.timeout(WAIT_S):
                while (message := await websocket.receive()).type == aiohttp.WSMsgType.BINARY:
                    pass
            assert message.type == aiohttp.WSMsgType.CLOSE
            assert "No key pressed for 2 s" in message.extra
        await wait_until_free(server)

    @pytest.mark.parametrize(
        "origin",
        [
            "http://evil.example",
            "http://127.0.0.1:1",  # the right host, another port: another site
            "https://127.0.0.1",
            "null",  # a sandboxed iframe or a file:// page
        ],
    )
    async def test_a_page_from_elsewhere_cannot_open_a_session(
        self, start_web: StartWeb, origin: str
    ) -> None:
        server = await start_web()
        ws_url = base_url(server).replace("http:", "ws:") + "/ws"
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url, origin=origin)
        assert refused.value.status == 403
        assert server.gate.active == 0


class TestHostNames:
    """DNS rebinding: a page on evil.example, whose name the attacker then points at
    127.0.0.1, is same-origin with itself and sends Host and Origin to match. Only host
    names the server was told are its own are answered, on every request."""

    @pytest.mark.parametrize("path", ["/", "/static/css/xterm.css", "/ws"])
    async def test_a_name_the_server_does_not_know_is_refused(
        self, start_web: StartWeb, path: str
    ) -> None:
        server = await start_web()
        rebound = f"evil.example:{server.bound_port}"
        headers = {"Host": rebound, "Origin": f"http://{rebound}"}
        async with (
            aiohttp.ClientSession() as http,
            http.get(base_url(server) + path, headers=headers) as answer,
        ):
            assert answer.status == 400
            assert "evil.example" not in await answer.text()
        assert server.gate.active == 0

    async def test_a_rebound_page_cannot_open_a_session(self, start_web: StartWeb) -> None:
        server = await start_web()
        rebound = f"evil.example:{server.bound_port}"
        ws_url = base_url(server).replace("http:", "ws:") + "/ws"
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url, origin=f"http://{rebound}", headers={"Host": rebound})
        assert refused.value.status == 400
        assert server.gate.active == 0

    @pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "LocalHost"])
    async def test_the_listen_address_and_localhost_are_known(
        self, start_web: StartWeb, name: str
    ) -> None:
        server = await start_web()
        async with aiohttp.ClientSession() as http:
            headers = {"Host": f"{name}:{server.bound_port}"}
            async with http.get(base_url(server) + "/", headers=headers) as page:
                assert page.status == 200

    async def test_an_allowed_host_gets_the_page_and_a_session(self, start_web: StartWeb) -> None:
        server = await start_web(allowed_hosts=("shop.example",))
        site = f"shop.example:{server.bound_port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(base_url(server) + "/", headers={"Host": site}) as page:
                assert page.status == 200
            ws_url = base_url(server).replace("http:", "ws:") + "/ws?width=80&height=24"
            websocket = await http.ws_connect(
                ws_url, origin=f"http://{site}", headers={"Host": site}
            )
            await read_screen_until(websocket, "Search products")
            await websocket.close()
            # Its own name in Host, and a page of another known name: another site.
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(
                    ws_url, origin=f"http://127.0.0.1:{server.bound_port}", headers={"Host": site}
                )
            assert refused.value.status == 403
        await wait_until_free(server)


def test_allowed_hosts_come_from_the_command_line() -> None:
    args = build_parser().parse_args(
        ["web", "--allowed-host", "shop.example", "--allowed-host", "Demo.Example"]
    )
    assert args.allowed_host == ["shop.example", "Demo.Example"]
    assert build_parser().parse_args(["web"]).allowed_host == []


def test_each_tab_runs_the_served_shop_on_the_shared_backend() -> None:
    command = shop_command("http://127.0.0.1:8700", "zh_CN")
    assert command.startswith("exec ")  # the shell becomes the shop: killing it ends the shop
    assert " -m kshop_tui --served --backend http://127.0.0.1:8700 --lang zh_CN" in command
    assert "--lang" not in shop_command("http://127.0.0.1:8700", None)


def test_a_huge_terminal_is_cut_to_a_sane_size() -> None:
    assert bounded_terminal_size(100_000, 100_000) == (MAX_COLUMNS, MAX_ROWS)
    assert bounded_terminal_size(-5, 0) == (1, 1)
    assert bounded_terminal_size(120, 40) == (120, 40)
