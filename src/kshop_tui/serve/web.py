"""`kshop serve web`: the shop in a browser, through textual-serve.

Every browser tab gets its own `kshop --served` process (its own login, cart and screens)
talking to the shared backend, forked by the zygote (`serve.zygote`) that has imported
the shop once. textual-serve brings the page, the terminal emulator and
the WebSocket plumbing; this module adds what a public demo needs and it lacks: a page
with no asset fetched from the internet, a Host check on every request and an Origin
check on the socket, the session cap and per-IP rate limit (`SessionGate`), bounded
terminal sizes, and children that always end.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import shlex
import signal
import sys
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int
from yarl import URL

from kshop_tui import i18n
from kshop_tui.config import DemoLimits
from kshop_tui.serve.limits import SessionGate, idle_farewell
from kshop_tui.serve.zygote import Zygote

log = logging.getLogger("kshop.serve.web")

TEMPLATES = Path(__file__).with_name("templates")
FAVICON = Path(__file__).with_name("static") / "favicon.png"
FAVICON_PATH = "/favicon.png"
# One short line per request: who, what, the answer, its size and time. No user agent or
# referer (long, and the visitor's business); a line that fits 80 columns stays one line.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'
ACCESS_LOGGER = "aiohttp.access"
ICON_CACHING = {"Cache-Control": "public, max-age=86400"}
# A browser asking for a terminal bigger than this gets this; a page needs no more, and a
# 100 000-column "terminal" would make its process render for nothing.
MAX_COLUMNS = 400
MAX_ROWS = 150
# How long a closing tab's process gets to quit before it is killed.
STOP_GRACE_S = 10.0
# The WebSocket close code for "the server is overloaded, come back later" (RFC 6455 §7.4).
TRY_AGAIN_LATER = 1013
# Names the server always answers to, besides the address it listens on.
LOCAL_NAMES = ("localhost", "127.0.0.1")
WILDCARD_ADDRESSES = ("", "0.0.0.0", "::")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def host_name(authority: str) -> str | None:
    """ "Shop.Example:8000" → "shop.example", "[::1]:80" → "::1"; None if malformed."""
    try:
        name = URL.build(scheme="http", authority=authority).host
    except ValueError:
        return None
    return name.lower().rstrip(".") if name else None


def allowed_host_names(listen_host: str, extra: Iterable[str]) -> frozenset[str]:
    """The host names a request may name: the listen address (unless it is a wildcard,
    which names no host), localhost, 127.0.0.1, and those configured."""
    names = {*LOCAL_NAMES, *extra}
    if listen_host not in WILDCARD_ADDRESSES:
        names.add(listen_host)
    return frozenset(name.lower().strip("[]").rstrip(".") for name in names)


def shop_arguments(backend_url: str, language: str | None) -> list[str]:
    """Each tab's shop's command line (after `kshop`)."""
    words = ["--served", "--backend", backend_url]
    if language:
        words += ["--lang", language]
    return words


def shop_command(backend_url: str, language: str | None) -> str:
    """The shell command each tab runs without a zygote. textual-serve starts it through
    the shell; `exec` makes the shop the process it holds, so killing it ends the shop."""
    words = [sys.executable, "-m", "kshop_tui", *shop_arguments(backend_url, language)]
    return "exec " + shlex.join(words)


class ForkedProcess:
    """A tab's shop forked by the zygote on three pipes: as much of an asyncio
    `Process` as textual-serve and `ShopAppService` use."""

    def __init__(
        self,
        pid: int,
        zygote: Zygote,
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._zygote = zygote
        self._ended = asyncio.ensure_future(self._wait_for_end())

    @classmethod
    async def start(
        cls, zygote: Zygote, arguments: Sequence[str], env: Mapping[str, str]
    ) -> ForkedProcess:
        loop = asyncio.get_running_loop()
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        ours = (stdin_write, stdout_read, stderr_read)
        try:
            pid = await zygote.spawn(
                arguments, env, [stdin_read, stdout_write, stderr_write], tty=False
            )
        except BaseException:
            for descriptor in ours:
                os.close(descriptor)
            raise
        finally:
            for descriptor in (stdin_read, stdout_write, stderr_write):
                os.close(descriptor)

        async def reader(descriptor: int) -> asyncio.StreamReader:
            stream = asyncio.StreamReader(limit=2**16)
            pipe: IO[bytes] = open(descriptor, "rb", buffering=0)  # noqa: SIM115 - the transport's
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), pipe)
            return stream

        pipe: IO[bytes] = open(stdin_write, "wb", buffering=0)  # noqa: SIM115 - the transport's
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, pipe)
        stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        return cls(pid, zygote, stdin, await reader(stdout_read), await reader(stderr_read))

    async def _wait_for_end(self) -> int:
        try:
            self.returncode = await self._zygote.wait(self.pid)
        finally:
            self._zygote.forget(self.pid)
        return self.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class OneLineFormatter(logging.Formatter):
    """The server's log as plain lines: an access line is the time and the request; any
    other record says its level and logger too. textual-serve's rich handler padded each
    record with a level column and wrapped it at the terminal's width, two to five lines
    a request at 80 columns."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        self._style._fmt = (
            "%(asctime)s %(message)s"
            if record.name == ACCESS_LOGGER
            else "%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        return super().format(record)


def log_handler(stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter())
    return handler


def favicon_ico(png: bytes) -> bytes:
    """The page's icon as the ICO a browser asks /favicon.ico for, made from the PNG."""
    from PIL import Image

    converted = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.save(converted, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return converted.getvalue()


def bounded_terminal_size(width: int, height: int) -> tuple[int, int]:
    return max(1, min(width, MAX_COLUMNS)), max(1, min(height, MAX_ROWS))


class ShopAppService(AppService):
    """One tab's shop process: sizes bounded, the time of the visitor's last key kept
    (for the idle timeout), and a process that will not quit is killed, so a closed tab
    always frees its place."""

    last_input = 0.0
    """`loop.time()` of the last key or paste from the browser."""
    zygote: Zygote | None = None
    """Forks the shop when there is one; else `command` runs in a new interpreter."""
    arguments: Sequence[str] = ()
    """The shop's command line (after `kshop`) for the zygote."""

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        if self.zygote is None:
            return await super()._open_app_process(width, height)
        environment = self._build_environment(width=width, height=height)
        forked = await ForkedProcess.start(self.zygote, self.arguments, environment)
        # Duck-typed: textual-serve uses its streams, `wait`, `returncode` and `kill`.
        self._process = process = cast(Process, forked)
        self._stdin = forked.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        self.last_input = asyncio.get_running_loop().time()
        await super().start(*bounded_terminal_size(width, height))

    async def set_terminal_size(self, width: int, height: int) -> None:
        await super().set_terminal_size(*bounded_terminal_size(width, height))

    async def send_bytes(self, data: bytes) -> bool:
        self.last_input = asyncio.get_running_loop().time()
        return await super().send_bytes(data)

    async def run(self) -> None:
        await super().run()
        # A process that ended on its own (a crash, the idle timeout) closes its tab's
        # socket too, so the tab says so and its place in the cap is freed.
        await self.remote_close()

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_GRACE_S
        # textual-serve's reader swallows its cancellation, so a timeout here may end
        # quietly: whether the process is still there decides, not an exception.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(super().stop(), STOP_GRACE_S)
        process = self._process
        if process is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), max(0.0, deadline - loop.time()))
        if process.returncode is None:
            log.warning("a shop process did not quit in %.0f s: killing it", STOP_GRACE_S)
            process.kill()
            await process.wait()
        self._task = None


class ShopWebServer(Server):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        backend_url: str,
        language: str | None,
        limits: DemoLimits,
        command: str | None = None,
        allowed_hosts: Iterable[str] = (),
        preforked: bool = True,
    ) -> None:
        # A command of one's own (tests) runs as given, in an interpreter of its own.
        self.preforked = preforked and command is None
        self.arguments = shop_arguments(backend_url, language)
        self.zygote: Zygote | None = None
        super().__init__(
            command or shop_command(backend_url, language),
            host=host,
            port=port,
            title="kshop",
            templates_path=TEMPLATES,
        )
        self.messages = i18n.LANGUAGES[i18n.normalize(language or i18n.detect_language())]
        self.gate = SessionGate(limits)
        self.allowed_hosts = allowed_host_names(host, allowed_hosts)
        self.idle_timeout_s = limits.idle_timeout_s
        self.bound_port: int | None = None
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._favicon: tuple[bytes, bytes] | None = None

    # --- running ---------------------------------------------------------------------

    async def start(self) -> int:
        """Listens; answers the port (useful when asked for port 0)."""
        if self.preforked:
            # The tabs' environment (textual-serve's, from ours) less what each sets.
            self.zygote = Zygote(os.environ)
            await self.zygote.start()
        self._runner = web.AppRunner(
            await self._make_app(), handle_signals=False, access_log_format=ACCESS_LOG_FORMAT
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            if self.zygote is not None:
                await self.zygote.close()
            raise
        self.bound_port = int(self._runner.addresses[0][1])
        return self.bound_port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.zygote is not None:
            await self.zygote.close()
            self.zygote = None

    async def serve_until_signal(self) -> None:
        port = await self.start()
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stopped.set)
        host = f"[{self.host}]" if ":" in self.host else self.host
        print(f"kshop web: serving on http://{host}:{port}/ (ctrl+c stops)", flush=True)
        try:
            await stopped.wait()
        finally:
            await self.stop()

    def initialize_logging(self) -> None:
        """One line a record on stderr (textual-serve's own wraps and pads them)."""
        logging.basicConfig(
            level="DEBUG" if self.debug else "INFO", handlers=[log_handler()], force=True
        )

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._check_host)
        app.router.add_get(FAVICON_PATH, self.handle_favicon)
        app.router.add_get("/favicon.ico", self.handle_favicon)
        return app

    async def handle_favicon(self, request: web.Request) -> web.Response:
        """The tab's icon, from the package: nothing is fetched from elsewhere."""
        if self._favicon is None:
            png = FAVICON.read_bytes()
            self._favicon = (png, favicon_ico(png))
        png, ico = self._favicon
        if request.path == FAVICON_PATH:
            return web.Response(body=png, content_type="image/png", headers=ICON_CACHING)
        return web.Response(body=ico, content_type="image/x-icon", headers=ICON_CACHING)

    @web.middleware
    async def _check_host(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """DNS rebinding: a page on a name its owner points at this server's address is
        same-origin with itself, so the browser lets it read the pages and open sockets,
        with Host and Origin to match. Answering only our own names stops that."""
        if host_name(request.host) not in self.allowed_hosts:
            raise web.HTTPBadRequest(
                text="Unknown host name; see kshop serve web --allowed-host.\n"
            )
        return await handler(request)

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its banner here; `serve_until_signal` says where we are."""

    async def on_shutdown(self, app: web.Application) -> None:
        # Closing the sockets ends their handlers, which stop their shop processes.
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY)

    # --- the page --------------------------------------------------------------------

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        # Paths only: the page's script turns the socket path into ws:// or wss:// on
        # whatever host and scheme the browser used, so no absolute URL is baked in.
        return {
            "font_size": max(6, min(to_int(request.query.get("fontsize", "16"), 16), 48)),
            "websocket_path": str(request.app.router["websocket"].url_for()),
            "config": {"static": {"url": "/static/"}},
            "favicon_path": FAVICON_PATH,
            "application": {"name": self.title},
            "session_ended": self.messages["web.session_ended"],
            "restart": self.messages["web.restart"],
        }

    # --- the sessions ----------------------------------------------------------------

    def origin_allowed(self, request: web.Request) -> bool:
        """Browsers let any web page open a WebSocket to any server, cookies or not (no
        same-origin policy applies to WebSockets). Without this check, a page elsewhere
        could spawn shop processes from every visitor's browser and fill the session
        cap with them, or drive a session the visitor never sees. So a browser's socket
        must come from a page this server served: the same scheme's host and port as the
        request's Host, which `_check_host` has found to be one of ours. Clients that are
        not browsers send no Origin (and could forge one); they are held by the session
        cap and rate limit."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        try:
            page = URL(origin)
            served = URL.build(scheme=page.scheme, authority=request.host)
        except ValueError:
            return False
        if page.scheme not in ("http", "https") or not page.host or not served.host:
            return False
        if host_name(page.authority) not in self.allowed_hosts:
            return False
        return (page.host.lower(), page.port) == (served.host.lower(), served.port)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self.origin_allowed(request):
            raise web.HTTPForbidden(text="This page's origin may not open a shop session.\n")
        # The peer's address, not X-Forwarded-For: anyone can write that header. Behind a
        # proxy every visitor shares the proxy's address and its limits.
        refusal = self.gate.admit(request.remote or "")
        if refusal is not None:
            return await self._refuse(request, refusal)
        try:
            return await self._run_session(request)
        finally:
            self.gate.release()

    async def _refuse(self, request: web.Request, reason: str) -> web.WebSocketResponse:
        """A polite no, shown in the terminal and (as the close reason) on the page."""
        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        message = self.messages["web.full" if reason == "full" else "web.rate"]
        with contextlib.suppress(ConnectionError):
            await websocket.send_bytes(f"\x1b[2J\x1b[H\r\n  {message}\r\n".encode())
            # A close reason is at most 123 bytes.
            close_reason = message.encode()[:123].decode(errors="ignore").encode()
            await websocket.close(code=TRY_AGAIN_LATER, message=close_reason)
        return websocket

    async def _run_session(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's session handler, with our AppService and socket bookkeeping."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: ShopAppService | None = None

        async def close() -> None:
            await websocket.close()

        self._sockets.add(websocket)
        try:
            await websocket.prepare(request)
            app_service = ShopAppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            app_service.zygote = self.zygote
            app_service.arguments = self.arguments
            await app_service.start(width, height)
            idle_watch = asyncio.create_task(self._end_when_idle(websocket, app_service))
            try:
                await self._process_messages(websocket, app_service)
            finally:
                idle_watch.cancel()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("a web session ended with an error")
        finally:
            self._sockets.discard(websocket)
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def _end_when_idle(
        self, websocket: web.WebSocketResponse, app_service: ShopAppService
    ) -> None:
        """Closes a tab nobody has typed in for `idle_timeout_s`, saying why, so an
        abandoned tab does not hold a place in the session cap."""
        loop = asyncio.get_running_loop()
        while True:
            idle_for = loop.time() - app_service.last_input
            if idle_for >= self.idle_timeout_s:
                break
            await asyncio.sleep(self.idle_timeout_s - idle_for)
        message = idle_farewell(self.idle_timeout_s, self.messages)
        with contextlib.suppress(ConnectionError):
            close_reason = message.encode()[:123].decode(errors="ignore").encode()
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=close_reason)


def run_web_server(
    *,
    host: str,
    port: int,
    backend_url: str,
    language: str | None,
    limits: DemoLimits,
    allowed_hosts: Iterable[str] = (),
    preforked: bool = True,
) -> int:
    """Serves the shop to browsers until ctrl+c; answers the exit status."""
    server = ShopWebServer(
        host=host,
        port=port,
        backend_url=backend_url,
        language=language,
        limits=limits,
        allowed_hosts=allowed_hosts,
        preforked=preforked,
    )
    server.initialize_logging()
    try:
        asyncio.run(server.serve_until_signal())
    except OSError as error:
        print(f"kshop serve web: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 1
    return 0
