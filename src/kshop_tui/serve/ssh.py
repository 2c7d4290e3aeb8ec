"""`kshop serve ssh`: the shop over SSH (asyncssh). Every connection gets its own shop,
a `kshop --served` process on a pty of its own (forked by the zygote, `serve.zygote`):
its own login, cart and screens, never a shell. Here: the listening server, its limits,
its zygote and its way to the backend; a connection is `ssh_connection`, a shop on it
`ssh_session`, its process `pty_child`.

Identity: any public key is accepted (asyncssh checks the signature) and so is a client
without one (keyboard-interactive with no questions). A key already linked to an
account starts the session logged in: the server trades the key's fingerprint for a
token with the backend's gateway endpoint, using a secret only it and the backend know.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh

from kshop_tui import i18n
from kshop_tui.config import DemoLimits
from kshop_tui.serve.limits import SessionGate, WaitingRoom
from kshop_tui.serve.ssh_connection import SshConnection
from kshop_tui.serve.ssh_options import SshServeOptions
from kshop_tui.serve.ssh_session import (
    DEFAULT_TERM,
    SshSession,
    say,
    shop_arguments,
    shop_environment,
    shop_language,
    speaking,
    zygote_environment,
)
from kshop_tui.serve.warm import WarmShops
from kshop_tui.serve.zygote import Zygote

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient

# A visitor who pressed a key this recently is typing: warm shops start slower meanwhile.
BUSY_INPUT_S = 1.0
# Open descriptors a session, a connection waiting or a warm shop may hold (its socket or
# attach pipe, its pty, a pipe while it starts), and the server's own besides.
DESCRIPTORS_EACH = 4
DESCRIPTORS_OWN = 64


def enough_descriptors(wanted: int) -> int:
    """Raises the soft limit on open descriptors to `wanted` (at most the hard limit):
    a common default of 1 024 runs out at a few hundred sessions and warm shops. Answers
    the limit now."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


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


class ShopSshServer:
    """The listening server: its sessions, its limits, and the way to the backend."""

    def __init__(self, options: SshServeOptions) -> None:
        self.options = options
        self.gate = SessionGate(options.limits)
        self.waiting = WaitingRoom(options.limits)
        self.sessions: set[SshSession] = set()
        self.host_key: asyncssh.SSHKey | None = None
        self.zygote: Zygote | None = None
        self.warm: WarmShops | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._api: KshopClient | None = None

    async def start(self, host: str, port: int) -> int:
        """Starts listening; answers the port (useful when `port` is 0)."""
        self.host_key = await asyncio.to_thread(load_or_create_host_key, self.options.host_key_path)
        limits = self.options.limits
        held = limits.max_sessions + limits.max_waiting + self.options.warm
        enough_descriptors(DESCRIPTORS_EACH * held + DESCRIPTORS_OWN)
        if self.options.preforked:
            self.zygote = Zygote(zygote_environment())
            await self.zygote.start()
        try:
            self._acceptor = await asyncssh.create_server(
                lambda: SshConnection(self),
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
        except OSError:
            if self.zygote is not None:
                await self.zygote.close()
            raise
        if self.zygote is not None and self.options.warm:
            # No more than can be served at once; first in the language of a visitor
            # who sends no locale (then the visitors' languages).
            count = min(self.options.warm, self.options.limits.max_sessions)
            arguments = shop_arguments(self.options)
            server_env = shop_environment({}, DEFAULT_TERM, Path())
            self.warm = WarmShops(
                self.zygote,
                count,
                arguments,
                lambda workdir, language: speaking(
                    shop_environment({}, DEFAULT_TERM, workdir), language
                ),
                shop_language(arguments, server_env) or i18n.normalize(i18n.detect_language()),
                busy=self._visitors_typing,
            )
            self.warm.start()
        return self._acceptor.get_port()

    def _visitors_typing(self) -> bool:
        """Whether any visitor has pressed a key within the last second."""
        recent = time.monotonic() - BUSY_INPUT_S
        return any(session.last_input > recent for session in self.sessions)

    async def close(self) -> None:
        """Stops listening and ends every session (their children killed and reaped)."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        await asyncio.gather(*(session.end() for session in list(self.sessions)))
        if self.warm is not None:
            await self.warm.close()
        if self.zygote is not None:
            await self.zygote.close()
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
    if server.warm is not None:
        count = server.warm.count
        server.warm.on_full = lambda: print(
            say(language, "serve.warm_ready", count=count), flush=True
        )
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
    preforked: bool = True,
    warm: int = 0,
) -> int:
    options = SshServeOptions(
        backend_url=backend_url,
        limits=limits,
        language=language,
        gateway_secret=gateway_secret,
        preforked=preforked,
        warm=warm,
    )
    return asyncio.run(serve_forever(options, host, port))
