"""What every command gets: the open backend and its client, the login token, the
output, and the seams to the outside world (prompts, sleeping, which backend to open)
that tests replace."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kshop_tui import config, i18n
from kshop_tui.api import errors
from kshop_tui.api.backend import Backend, open_backend
from kshop_tui.api.client import KshopClient
from kshop_tui.api.intent import Intent
from kshop_tui.cli_commands.output import Output
from kshop_tui.i18n import t
from kshop_tui.shop.tokens import TokenStore

T = TypeVar("T")

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

OK = 0
USAGE = 2
AUTH = 3
REFUSED = 4
BACKEND_DOWN = 5
INTERRUPTED = 130  # the shells' 128 + SIGINT

# A personal access token (`kshop token create`), as the backend makes them.
ACCESS_TOKEN_PREFIX = "kspat_"
# A token for scripts: when set, commands use it instead of the stored login.
TOKEN_ENV = "KSHOP_TOKEN"

# An intent (place an order, pay, ask for a refund) is retried this often, with the
# same idempotency key, when the backend did not answer or was still busy with it.
INTENT_ATTEMPTS = 3
INTENT_BACKOFF_SECONDS = (0.5, 1.5)


class UsageError(Exception):
    """Arguments that parse but make no sense (exit 2)."""


class NotLoggedIn(Exception):
    """A command that needs an account, run without a login (exit 3)."""


@dataclass(frozen=True)
class BackendChoice:
    url: str | None
    demo: bool
    data_dir: Path
    merchant: str


BackendFactory = Callable[[BackendChoice], Awaitable[Backend]]


async def open_chosen_backend(choice: BackendChoice) -> Backend:
    return await open_backend(
        url=choice.url,
        demo=choice.demo,
        data_dir=choice.data_dir,
        language=i18n.http_language,
        merchant=choice.merchant,
    )


def ask_on_terminal(prompt: str) -> str:
    """`input`, but with the prompt on stderr: stdout is for answers."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\r\n")


@dataclass
class Runtime:
    """The CLI's ties to the world; tests hand in their own backend and prompts."""

    open_backend: BackendFactory = open_chosen_backend
    data_dir: Path = field(default_factory=config.data_dir)
    ask: Callable[[str], str] = ask_on_terminal
    secret: Callable[[str], str] = getpass.getpass
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@dataclass
class Cli:
    """One command's run: its arguments, the backend and the stored login."""

    args: argparse.Namespace
    runtime: Runtime
    backend: Backend
    tokens: TokenStore
    out: Output

    @property
    def client(self) -> KshopClient:
        return self.backend.client

    def require_login(self) -> KshopClient:
        if not self.client.token:
            raise NotLoggedIn("not logged in: run `kshop login` first")
        return self.client

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        """Asks at the terminal (`secret`: without echo). An empty answer or the end of
        input is a usage error; Ctrl+C stops the command at once."""
        read = self.runtime.secret if secret else self.runtime.ask
        with _interruptible():
            try:
                answer = read(prompt)
            except EOFError:
                answer = ""
        if not answer.strip():
            raise UsageError(f"nothing given at the prompt {prompt.strip()!r}")
        return answer

    def stdin_line(self, what: str) -> str:
        """The first line of stdin (`--password-stdin` and friends), which must not be empty."""
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError(f"expected the {what} on stdin")
        return line

    async def intent(self, request: Callable[[str], Awaitable[T]]) -> T:
        """Sends `request(key)` as one intent (`api.intent.Intent`: one key throughout),
        again after a lost answer or while the backend is still busy with the same request."""
        intent = Intent()
        attempt = 0
        while True:
            try:
                return await intent.send(request)
            except errors.ApiError as error:
                # A server error leaves the intent pending too; the command reports it at
                # once (exit 5) rather than repeat what the server has just failed at.
                if (
                    attempt + 1 >= INTENT_ATTEMPTS
                    or not intent.pending
                    or isinstance(error, errors.ServerError)
                ):
                    raise
            await self.runtime.sleep(INTENT_BACKOFF_SECONDS[attempt])
            attempt += 1


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """asyncio.run turns the first Ctrl+C into a cancellation, which a prompt blocked on
    the terminal never notices; while one waits, Ctrl+C interrupts as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_code_for(error: errors.ApiError) -> int:
    """0 ok, 2 usage, 3 auth, 4 refused by the server, 5 backend down."""
    if isinstance(error, errors.BackendUnreachable | errors.ServerError):
        return BACKEND_DOWN
    if isinstance(error, errors.AuthExpired | errors.CredentialsRejected | errors.Forbidden):
        return AUTH
    if isinstance(error, errors.RateLimited) and error.code == "LOCKED":
        return AUTH  # locked out after wrong passwords
    return REFUSED


OnlineHandler = Callable[[Cli], Awaitable[int]]
"""A command that talks to the backend (set as `online` on its parser)."""
OfflineHandler = Callable[[argparse.Namespace, Output], int]
"""A command that does not (set as `offline`): `kshop config ...`."""


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=t("cli.runtime.parser.json"))
