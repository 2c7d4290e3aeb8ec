"""Warm shops: `kshop serve ssh --warm N` keeps N shops started before anyone comes, each
forked by the zygote on a pty of its own at 80×24 and already showing its first screen,
so that a burst of visitors (a link posted in a chat) is served by shops that are ready
instead of a hundred starts at once on two cores.

A visitor whose shop would start as a warm one did (the same command line and
environment but for the locale, and a locale that names the shop's language: no deep
link, no key logged in, a terminal of the same colours) takes one: its pty becomes the
visitor's, what the shop drew while it waited is sent to the visitor first (the
terminal's modes and the first screen), the pty takes the visitor's size (a different
one redraws), and the shop hears on its attach pipe who the visitor is (their address,
their key: `shop.visitor`). Any other visitor's shop starts as before. A replacement
speaks the language of the visitor who took its predecessor, and a visitor who found none
in their language has one of another language replaced by one in theirs: the warm shops
follow the visitors' languages. New warm shops are started once arrivals have paused, a
few at a time, and one a second while visitors type, so that they never compete with
the visitors they are for.

What it costs: each warm shop holds its memory (about 21 MB) while it waits, and its
first screen shows the catalogue as it was when it started: a shop waiting longer than
WARM_MAX_AGE_S is replaced."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from kshop_tui.i18n import LOCALE_VARIABLES
from kshop_tui.serve.pty_child import PtyChild
from kshop_tui.serve.zygote import Zygote, ZygoteFailed
from kshop_tui.shop import visitor

WARM_SIZE = (80, 24)
# Warm shops are started once no visitor has taken one for this long.
QUIET_BEFORE_STARTING_S = 1.0
# How many are started together (each drawing its first screen before the next few)...
STARTED_TOGETHER = os.cpu_count() or 1
# ...and while visitors are typing: one at a time, this long apart (their keys come first).
BUSY_PAUSE_S = 1.0
# What a waiting shop may draw; one that draws more (it should be idle) is replaced.
MAX_RECORDED = 1 << 20
WARM_MAX_AGE_S = 600.0
# How often the old ones are looked for when nothing else happens.
AGE_CHECK_S = 60.0
# After a zygote failure, the next try.
RETRY_S = 1.0
# The part of a shop's environment that is its own, not its shape: its data dir; its
# locale, which is its language, part of the shape on its own; and its terminal's names,
# of which Textual reads only the colours they stand for (`terminal`).
OWN_ENVIRONMENT = ("KSHOP_DATA_DIR", *LOCALE_VARIABLES, "TERM", "COLORTERM")


@dataclass
class WarmShop:
    child: PtyChild
    workdir: Path
    attach: int
    """The write end of the shop's attach pipe (-1 once closed)."""
    started_at: float
    language: str
    recorded: bytearray = field(default_factory=bytearray)
    ready: bool = False


def shape(arguments: Sequence[str], env: Mapping[str, str]) -> tuple[object, ...]:
    """What a shop must have been started with to serve a visitor, besides its language:
    everything but its own data dir and its locale, its terminal by what it shows."""
    kept = {name: value for name, value in env.items() if name not in OWN_ENVIRONMENT}
    return (tuple(arguments), tuple(sorted(kept.items())), terminal(env))


def terminal(env: Mapping[str, str]) -> tuple[str | None, bool]:
    """What a shop makes of its terminal from `env` (TERM, COLORTERM): the colours Rich
    gives the App's console, as Textual makes it, and whether the terminal is dumb. A
    visitor in tmux (`tmux-256color`) is served as one in xterm (`xterm-256color`)."""
    console = Console(_environ=dict(env), force_terminal=True, file=io.StringIO())
    return console.color_system, console.is_dumb_terminal


class WarmShops:
    """The server's warm shops (on its event loop)."""

    def __init__(
        self,
        zygote: Zygote,
        count: int,
        arguments: Sequence[str],
        environment: Callable[[Path, str], dict[str, str]],
        language: str,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        """`environment(workdir, language)`: a shop's, speaking `language`, the one the
        first ones speak."""
        self._zygote = zygote
        self.count = count
        self._arguments = list(arguments)
        self._environment = environment
        self._busy = busy
        self._shape = shape(self._arguments, environment(Path(""), language))
        # The languages the next shops started speak, first first; then `language`.
        self._languages: list[str] = []
        self._language = language
        self._shops: list[WarmShop] = []
        self._starting = 0
        self._last_taken = 0.0
        self._wanted = asyncio.Event()
        self._closing = False
        self._keeper: asyncio.Task[None] | None = None
        self._full = False
        self._dropping: set[asyncio.Task[None]] = set()
        self.on_full: Callable[[], None] = lambda: None
        """Called each time every warm shop is ready again (the server says so)."""

    @property
    def ready(self) -> int:
        """How many wait, their first screen drawn."""
        return sum(shop.ready for shop in self._shops)

    def start(self) -> None:
        self._wanted.set()
        self._keeper = asyncio.get_running_loop().create_task(self._keep_filled())

    def take(
        self, arguments: Sequence[str], env: Mapping[str, str], language: str | None
    ) -> WarmShop | None:
        """A warm shop for a visitor whose shop would start with `arguments` and `env`
        and speak `language` (None: their locale does not say), or None (none waits, or
        theirs would start differently). The caller owns it."""
        if language is None or shape(arguments, env) != self._shape:
            return None
        spoken = [shop for shop in self._shops if shop.language == language]
        self._last_taken = time.monotonic()
        self._full = False
        if not spoken:
            others = [shop for shop in self._shops if shop.ready]
            if others:  # the oldest of another language makes way for one in theirs
                self._replace(min(others, key=lambda shop: shop.started_at), language)
            else:
                self._speak_next(language)
            return None
        shop = ([shop for shop in spoken if shop.ready] or spoken)[0]
        self._shops.remove(shop)
        self._speak_next(language)
        self._wanted.set()
        return shop

    def _speak_next(self, language: str) -> None:
        """The next shop started speaks `language` (after those already asked for)."""
        self._languages = [*self._languages, language][-self.count :]

    async def close(self) -> None:
        self._closing = True
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
        shops, self._shops = self._shops, []
        await asyncio.gather(*(_drop(shop) for shop in shops), *self._dropping)

    async def _keep_filled(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wanted.wait(), AGE_CHECK_S)
            self._wanted.clear()
            while (quiet := time.monotonic() - self._last_taken) < QUIET_BEFORE_STARTING_S:
                await asyncio.sleep(QUIET_BEFORE_STARTING_S - quiet)
            together = 1 if self._busy() else STARTED_TOGETHER
            # A few at a time, each replaced before the next go: never all at once.
            await self._drop_old(together)
            missing = self.count - len(self._shops) - self._starting
            if missing <= 0:
                if self.ready >= self.count and not self._full:
                    self._full = True
                    self.on_full()
                continue
            started = await asyncio.gather(
                *(self._start_one() for _ in range(min(missing, together)))
            )
            if not all(started):
                await asyncio.sleep(RETRY_S)
            elif self._busy():
                await asyncio.sleep(BUSY_PAUSE_S)
            self._wanted.set()

    async def _drop_old(self, most: int) -> None:
        now = time.monotonic()
        old = [shop for shop in self._shops if now - shop.started_at > WARM_MAX_AGE_S][:most]
        for shop in old:
            self._retire(shop)
        await asyncio.gather(*(_drop(shop) for shop in old))

    async def _start_one(self) -> bool:
        """Starts a warm shop; True once it has drawn its first screen (or ended)."""
        self._starting += 1
        language = self._languages.pop(0) if self._languages else self._language
        workdir = Path(tempfile.mkdtemp(prefix="kshop-ssh-"))
        attach_read, attach_write = os.pipe()
        drawn: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def started() -> None:
            if not drawn.done():
                drawn.set_result(None)

        try:
            child = await PtyChild.fork(
                self._zygote,
                self._arguments,
                self._environment(workdir, language),
                *WARM_SIZE,
                attach=attach_read,
                started=started,
            )
        except BaseException as error:  # the server closing cancels it too
            os.close(attach_write)
            shutil.rmtree(workdir, ignore_errors=True)
            self._starting -= 1
            if isinstance(error, OSError | ZygoteFailed):
                return False
            raise
        finally:
            os.close(attach_read)
        shop = WarmShop(child, workdir, attach_write, time.monotonic(), language)
        child.start(lambda data: self._record(shop, data), lambda: self._ended(shop))
        self._shops.append(shop)
        self._starting -= 1
        await drawn
        shop.ready = True
        return True

    def _record(self, shop: WarmShop, data: bytes) -> None:
        shop.recorded += data
        if len(shop.recorded) > MAX_RECORDED:
            self._replace(shop)

    def _ended(self, shop: WarmShop) -> None:
        """A waiting shop ended by itself (it crashed): another takes its place."""
        self._replace(shop)

    def _retire(self, shop: WarmShop, language: str | None = None) -> bool:
        """Takes a shop out of those waiting (False: it was not one); the next one started
        speaks `language`, else the shop's own."""
        if shop not in self._shops:
            return False
        self._shops.remove(shop)
        self._speak_next(language or shop.language)
        return True

    def _replace(self, shop: WarmShop, language: str | None = None) -> None:
        """Drops a waiting shop; another, in `language` (else in its own), takes its place."""
        if self._retire(shop, language):
            dropping = asyncio.get_running_loop().create_task(_drop(shop))
            self._dropping.add(dropping)
            dropping.add_done_callback(self._dropping.discard)
            self._wanted.set()


def attach(shop: WarmShop, came: visitor.Visitor) -> None:
    """Tells a taken shop who its visitor is (and closes its attach pipe)."""
    with contextlib.suppress(OSError):
        os.write(shop.attach, visitor.encode(came))
    _close_attach(shop)


def _close_attach(shop: WarmShop) -> None:
    if shop.attach >= 0:
        with contextlib.suppress(OSError):
            os.close(shop.attach)
        shop.attach = -1


async def _drop(shop: WarmShop) -> None:
    _close_attach(shop)
    await shop.child.end()
    await asyncio.to_thread(shutil.rmtree, shop.workdir, True)
