"""The kshop App: global keys, the route table, and the Textual side of the shop session
(`shop.session.ShopSession`, which holds the backend and the login): it shows the login,
the notices and the outage banner the session asks for.

Start-up paints the browse screen first and imports httpx, pydantic, keyring and the
bundled backend afterwards, in a worker (docs/pitfalls.md: those imports cost ~0.5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual import actions, events, work
from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.driver import Driver
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import WorkerCancelled, WorkerFailed

from kshop_tui import i18n
from kshop_tui.api.clock import ServerClock
from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings
from kshop_tui.navigation import Open
from kshop_tui.routes import ROUTES, Flow
from kshop_tui.shop.options import AppOptions
from kshop_tui.shop.session import Severity, ShopSession, StartupFailed
from kshop_tui.stylesheets import SharedStylesheet

if TYPE_CHECKING:
    from textual.command import Provider

    from kshop_tui.api.models import User
    from kshop_tui.crash import CrashLog
    from kshop_tui.palette import PaletteCommand
    from kshop_tui.shop.flows.subscriptions import NoticeMemory

CONFIG_NOTICE_SECONDS = 20


@runtime_checkable
class SaysWhyNot(Protocol):
    """A screen whose keys come and go (`ShopScreen`): it can say why one does nothing."""

    def refusal(self, action: str) -> str | None:
        """Why `action` does not apply now, in the user's words; None when it does."""


def _shop_commands() -> type[Provider]:
    """The palette's commands, imported when it first opens."""
    from kshop_tui.palette import ShopCommands

    return ShopCommands


class KshopApp(App[None]):
    # The browse screen is the default screen, which Textual gives no CSS_PATH of its own:
    # its stylesheet is read with the app's, in the one parse before the first frame.
    CSS_PATH = ["app.tcss", "screens/catalogue/browse.tcss"]
    TITLE = "kshop"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {_shop_commands}
    BINDINGS = [
        Binding("slash", "search", "key.search", id="app.search"),
        Binding("b", "browse", "key.browse", show=False, id="app.browse"),
        Binding("c", "cart", "key.cart", id="app.cart"),
        Binding("o", "orders", "key.orders", id="app.orders"),
        Binding("w", "wallet", "key.wallet", id="app.wallet"),
        Binding("question_mark", "help", "key.help", id="app.help"),
        Binding("ctrl+q", "quit", "key.quit", id="app.quit", priority=True),
        # Priority, so the focus moves before the next key is handed to the focused
        # widget: Textual runs other bindings only once the key has bubbled back up from
        # that widget, and keys arriving in one packet (SSH) would overtake the Tab.
        Binding("tab", "focus_next", show=False, priority=True, id="app.focus_next"),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id="app.focus_previous"),
    ]

    # The app paints nothing of its own: what shows these, watches them. (A reactive that
    # repaints would repaint the whole screen on each change: a full frame, at start too.)
    user: reactive[User | None] = reactive(None, repaint=False)
    """Who is logged in, or None."""
    cart_count: reactive[int] = reactive(0, repaint=False)
    """Items in the cart (sum of quantities), for the header."""
    backend_down: reactive[bool] = reactive(False, repaint=False)
    """True while the backend does not answer; screens show a banner."""
    connected: reactive[bool] = reactive(False, repaint=False)
    """True once the API client exists."""

    def __init__(self, options: AppOptions | None = None) -> None:
        self.options = options or AppOptions()
        i18n.set_language(self.options.language)
        super().__init__()
        # Before any source is added: parsed CSS is the process's (kshop_tui.stylesheets).
        self.stylesheet = SharedStylesheet(variables=self.get_css_variables())
        localize_bindings(self)
        if self.options.settings.theme != self.theme:
            # Assigning the theme reparses every stylesheet: only when it really changes.
            self.theme = self.options.settings.theme
        self.shop = ShopSession(self, self.options)
        self.startup_error: str | None = None
        """Why the app stopped at start (the bundled backend's database), for `kshop`."""
        self._crash_log: CrashLog | None = None
        self._start_blur_seen = False
        self._notice_memory: NoticeMemory | None = None
        if self.options.settings.keys:
            self.set_keymap(self.options.settings.keys)

    # --- start-up ------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        # Not a MODES entry: installing a mode re-parses every stylesheet twice, and the
        # mode's first frame, painted inside Textual's start-up batch, is thrown away.
        return _browse_screen()

    def on_ready(self) -> None:
        """The first frame is on the screen. A served session says so to its server, which
        starts the next waiting visitor's shop now (a burst of visitors then sees first
        screens one after another, instead of all of them at the end). Only now does the
        shop connect: the imports behind that are heavy.

        Not `call_after_refresh` from `on_mount`: that callback waits on the first screen,
        and a key typed ahead (`o` with the first keys of an SSH session) covers that
        screen before it runs; it then ran only once the visitor came back to it, and
        until then every call waited for a backend that was never opened."""
        descriptor, self.options.first_frame_fd = self.options.first_frame_fd, None
        if descriptor is not None:
            with contextlib.suppress(OSError):
                os.write(descriptor, b".")
            with contextlib.suppress(OSError):
                os.close(descriptor)
        attach, self.options.attach_fd = self.options.attach_fd, None
        if attach is not None:
            self._wait_for_visitor(attach)
        self.connect()

    def _wait_for_visitor(self, descriptor: int) -> None:
        """A warm shop (serve/warm.py) is started before anyone comes; its server says
        who the visitor is on this pipe when one takes it, then closes it."""
        from kshop_tui.shop import visitor

        loop = asyncio.get_running_loop()
        received = bytearray()

        def readable() -> None:
            try:
                chunk = os.read(descriptor, visitor.MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if chunk and len(received) < visitor.MAX_MESSAGE:
                received.extend(chunk)
                return
            loop.remove_reader(descriptor)
            with contextlib.suppress(OSError):
                os.close(descriptor)
            came = visitor.decode(bytes(received))
            if came is not None:
                self.shop.visitor_came(came.address, came.ssh_fingerprint, came.ssh_key_label)

        os.set_blocking(descriptor, False)
        loop.add_reader(descriptor, readable)

    def on_app_blur(self, event: events.AppBlur) -> None:
        """Textual's web driver reports the app blurred as it starts, before the browser
        has said anything, and a blurred app's footer stays empty: the visitor would see
        no keys until a first click. The page focuses the terminal as it loads
        (serve/templates/app_index.html), so that first blur is not the visitor's and is
        dropped before Textual's own handler sees it; a later one (the visitor leaves
        the tab) is the browser's and stands."""
        if self._start_blur_seen or self._driver is None or not self._driver.is_web:
            return
        self._start_blur_seen = True
        event.prevent_default()

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if sys.platform != "win32":
            from textual.drivers.linux_driver import LinuxDriver

            if driver is LinuxDriver:
                # Its input thread sleeps until a key comes (kshop_tui.quiet_driver).
                from kshop_tui.quiet_driver import QuietLinuxDriver

                return QuietLinuxDriver
        return driver

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and self._search_box_took(event)
        ):
            return
        await super().on_event(event)

    def _search_box_took(self, key: events.Key) -> bool:
        """The search key on the browse screen gives the search box the focus before the
        next key is handed on. Through the binding alone, the focus moved only once the
        key had gone down to the focused widget and back up: the letters typed with it
        (one read, one SSH packet: `/tea`) had gone to the results list by then."""
        from kshop_tui.screens.catalogue.browse import BrowseScreen

        screen = self.screen
        if not isinstance(screen, BrowseScreen):
            return False
        bound = self._bindings.key_to_bindings.get(key.key, [])
        if not any(binding.action == "search" for binding in bound):
            return False
        # A widget with a use of its own for the key keeps it (a text box types a slash).
        for node in screen.focused.ancestors_with_self if screen.focused else [screen]:
            if node is self:
                break
            if key.key in node._bindings.key_to_bindings:
                return False
            if isinstance(node, Widget) and node.check_consume_key(key.key, key.character):
                return False
        return screen.focus_search_now()

    def on_mount(self) -> None:
        problems = self.options.settings.problems
        if problems:
            # One notice for the whole file, up longer than the usual notice: a line of
            # it may name a file path and a list of choices.
            text = "\n".join(problem.describe(i18n.language()) for problem in problems)
            self.notify(
                text,
                title=t("config.invalid"),
                severity="warning",
                markup=False,
                timeout=CONFIG_NOTICE_SECONDS,
            )

    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        """Opens the backend, restores a remembered login, then runs `--open`."""
        try:
            if not await self.shop.connect():
                return
        except StartupFailed as error:
            # The shop's own database is broken: no banner can help; stop and say why.
            self.startup_error = str(error)
            self.exit(return_code=1)
            return
        self.connected = True
        if self.options.open_target:
            self.open_target(self.options.open_target)
        if self.options.backend is None:
            # The app and the bundled backend hold ~150 000 long-lived objects that every full
            # collection walked (~100 ms: a dropped frame in 40 while scrolling). Frozen once
            # the first screen has loaded, the collector walks only what is made afterwards.
            # Not for a backend handed in (tests make many apps; frozen cycles stay for good).
            first_screen = [worker for worker in self.workers if worker.node is self.screen]
            # One by one: `wait_for_complete([])` would wait for every worker, this one too
            # (a DeadlockError when the screen up by now has none, a login say), and it
            # raises for a worker that a newer one replaced (`--open "search …"` replaces
            # the first load). Over either way; a worker's own failure is Textual's to
            # report.
            for worker in first_screen:
                with contextlib.suppress(WorkerCancelled, WorkerFailed):
                    await worker.wait()
            gc.freeze()

    @property
    def clock(self) -> ServerClock:
        """The backend's "now" (`ShopSession.clock`)."""
        return self.shop.clock

    async def on_unmount(self) -> None:
        await self.shop.close()

    def on_resize(self) -> None:
        from kshop_tui.screens.too_small import follow_terminal_size

        # Later: App's own resize handler, which records the new size, runs after this one.
        self.call_later(follow_terminal_size, self)

    def watch_user(self, was: User | None, user: User | None) -> None:
        """Someone logged in (at start, a remembered login; or later): the periods of their
        subscriptions that failed since they were last told."""
        if user is not None and not user.guest and (was is None or was.id != user.id):
            self.tell_missed_periods()

    @work(exclusive=True, group="subscription-notice")
    async def tell_missed_periods(self) -> None:
        from kshop_tui.api import errors
        from kshop_tui.shop.flows.subscriptions import NoticeMemory, missed_periods, notice_text

        if self._notice_memory is None:
            # Served sessions keep it in memory: a visitor must not write the server's disk.
            persistent = self.options.persistent_tokens
            path = self.options.data_dir / "subscription-notices.json" if persistent else None
            self._notice_memory = NoticeMemory(path)
        try:
            missed = await missed_periods(self.shop, self._notice_memory)
        except errors.ApiError:
            return  # told at the next start instead; the subscriptions screen shows them
        if missed:
            self.notify(
                notice_text(missed),
                title=t("subs.notice.title"),
                severity="warning",
                markup=False,
                timeout=max(CONFIG_NOTICE_SECONDS, self.NOTIFICATION_TIMEOUT),
            )

    # --- what the shop session asks of the App (`shop.session.ShopHost`) ------------

    def current_user(self) -> User | None:
        return self.user

    def set_user(self, user: User | None) -> None:
        self.user = user

    def set_cart_count(self, count: int) -> None:
        self.cart_count = count

    def set_backend_down(self, down: bool) -> None:
        self.backend_down = down

    async def ask_login(self, *, expired: bool) -> bool:
        from kshop_tui.screens.account.login import LoginScreen

        return bool(await self.push_screen_wait(LoginScreen()))

    def tell(self, message: str, *, severity: Severity = "information", title: str = "") -> None:
        self.notify(message, title=title, severity=severity, markup=False)

    def in_background(self, work: Callable[[], Awaitable[None]], *, group: str) -> None:
        self.run_worker(work(), group=group)

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled error ends the app, as in Textual, but with the traceback in a
        log file and a short apology on the screen (`kshop_tui.crash`), and exit status 1.
        Textual's own would print the traceback, locals and all, on a screen that is a
        visitor's when the shop is served."""
        from rich.text import Text

        from kshop_tui.crash import CrashLog, apology

        self._return_code = 1
        if self._exception is None:  # what `run_test` re-raises for a test to see
            self._exception = error
            self._exception_event.set()
        if self._crash_log is None:
            self._crash_log = CrashLog()
            log = self._crash_log.write(error)
            self.panic(Text(apology(served=self.options.served, log=log)))
        else:  # a second error while closing: the same file, one apology
            self._crash_log.write(error)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        # Served over SSH, a browser opened here would open on the server, not the viewer's.
        if self.options.served and not (self._driver is not None and self._driver.is_web):
            self.notify(url, title=t("serve.open_url"), markup=False)
            return
        super().open_url(url, new_tab=new_tab)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Runs an action, as Textual does; but a screen's key that does not apply now
        says why (the screen's `refusal`) instead of doing nothing. Its key stays out of
        the footer all the same: the screen's `check_action` hides it."""
        if isinstance(action, str) and isinstance(default_namespace, SaysWhyNot):
            destination, name, _ = actions.parse(action)
            reason = None if destination else default_namespace.refusal(name)
            if reason is not None:
                self.notify(reason, severity="warning", markup=False)
                return True
        return await super().run_action(action, default_namespace, namespaces)

    @work(exclusive=True, group="retry")
    async def action_retry_backend(self) -> None:
        """The banner's retry (ctrl+r on every screen)."""
        await self.shop.backend_answers()

    # --- navigation ----------------------------------------------------------------

    async def on_open(self, message: Open) -> None:
        """A screen asks for a place of the route table."""
        await self.show(
            message.route,
            *message.args,
            reply=message.reply,
            callback=message.callback,
            replace=message.replace,
            **message.kwargs,
        )

    async def show(
        self,
        route_name: str,
        *args: Any,
        reply: asyncio.Future[Any] | None = None,
        callback: Callable[[Any], Any] | None = None,
        replace: bool = False,
        **kwargs: Any,
    ) -> Screen[Any] | None:
        """Opens a place of the route table (`kshop_tui.routes`); answers the screen
        shown, or None when it was already on top. `reply` or `callback` gets what the
        new screen is dismissed with."""
        route = ROUTES[route_name]
        if route.ends_login:
            await self._end_pending_login()
        if route.flow:
            self._run_flow(route.flow_function(), args, kwargs, reply)
            return None
        screen_class = route.screen_class()
        if route.single and isinstance(self.screen, screen_class):
            if reply is not None:
                reply.set_result(None)
            return None
        screen = screen_class(*args, **kwargs)
        if reply is not None:
            callback = _settle(reply)
        if replace:
            await self.switch_screen(screen)
            if reply is not None:
                reply.set_result(None)
        else:
            await self.push_screen(screen, callback=callback)
        return screen

    @work(group="flow")
    async def _run_flow(
        self,
        flow: Flow,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        reply: asyncio.Future[Any] | None,
    ) -> None:
        """A flow route waits on the screens it opens, so it runs in a worker of its own.
        A failure goes to the screen that waits for the answer, if one does."""
        try:
            result = await flow(self, *args, **kwargs)
        except asyncio.CancelledError:
            if reply is not None:
                reply.cancel()
            raise
        except Exception as error:
            if reply is None or reply.done():
                raise
            reply.set_exception(error)
            return
        if reply is not None and not reply.done():
            reply.set_result(result)

    async def action_search(self) -> None:
        from kshop_tui.screens.catalogue.browse import BrowseScreen

        browse = await self._bring_browse()
        if isinstance(browse, BrowseScreen):
            browse.focus_search()

    async def action_browse(self) -> None:
        await self._bring_browse()

    async def _bring_browse(self) -> Screen[Any]:
        """Back to the browse screen at the bottom of the stack (its filters kept)."""
        await self._end_pending_login()
        while len(self.screen_stack) > 1 and not self.screen.is_modal:
            await self.pop_screen()
        return self.screen

    async def _end_pending_login(self) -> None:
        """Leaving a login for another screen ends it as cancelled: popping it without
        dismissing would leave the action that waits on it (`ensure_login`) waiting."""
        login = sys.modules.get("kshop_tui.screens.account.login")
        if login is None or not any(isinstance(s, login.LoginScreen) for s in self.screen_stack):
            return
        while not isinstance(self.screen, login.LoginScreen):
            await self.pop_screen()
        await self.screen.dismiss(False)

    async def action_cart(self) -> None:
        await self.show("cart")

    async def action_wallet(self) -> None:
        await self.show("wallet")

    async def action_coupons(self, check_in: bool = False) -> None:
        shown = await self.show("coupons", check_in=check_in)
        if shown is None and check_in:
            self.screen.check_in()  # type: ignore[attr-defined]

    async def action_check_in(self) -> None:
        await self.action_coupons(check_in=True)

    async def action_account(self) -> None:
        await self.show("account")

    async def action_orders(self) -> None:
        await self.show("orders")

    async def action_subscriptions(self) -> None:
        await self.show("subscriptions")

    async def action_track_parcel(self) -> None:
        await self.show("track")

    async def action_insights(self) -> None:
        await self.show("insights")

    async def action_help(self) -> None:
        await self.show("help", self.screen)

    async def action_after_sales(self) -> None:
        await self.show("after_sales")

    async def action_support(self) -> None:
        await self.show("support")

    def open_target(self, target: str) -> None:
        """Deep links (`kshop_tui.deep_links`); unknown ones say so and stay home."""
        from kshop_tui.deep_links import parse
        from kshop_tui.screens.catalogue.browse import BrowseScreen

        link = parse(target)
        if link is None:
            self.notify(t("deeplink.unknown", target=target), severity="warning", markup=False)
        elif link.place == "search":
            browse = self.screen_stack[0]
            if isinstance(browse, BrowseScreen):
                browse.search_for(link.argument)
        elif link.place in ("product", "order"):
            self.call_later(self.show, link.place, int(link.argument))
        elif link.place == "track":
            self.call_later(self.action_track_parcel)
        else:  # cart, orders, wallet, coupons, account, insights, browse
            self.call_later(getattr(self, f"action_{link.place}"))

    def palette_commands(self, screen: Screen[Any]) -> list[PaletteCommand]:
        """The command palette's commands (`kshop_tui.palette`: found by title, other
        names and pinyin)."""
        from kshop_tui.palette import PaletteCommand

        commands: list[tuple[str, Callable[[], Any]] | None] = [
            ("cmd.browse", self.action_browse),
            ("cmd.search", self.action_search),
            ("cmd.cart", self.action_cart),
            ("orders.cmd.orders", self.action_orders),
            ("subs.cmd", self.action_subscriptions),
            ("orders.cmd.track", self.action_track_parcel),
            ("orders.cmd.insights", self.action_insights),
            ("cmd.wallet", self.action_wallet),
            ("cmd.coupons", self.action_coupons),
            ("cmd.check_in", self.action_check_in),
            ("cmd.account", self.action_account),
            ("as.cmd", self.action_after_sales),
            ("cs.cmd", self.action_support),
            ("cmd.help", self.action_help),
            ("cmd.login", self.action_login) if self.user is None else None,
            ("cmd.logout", self.action_logout) if self.user is not None else None,
            ("cmd.theme", self.action_change_theme),
            ("cmd.quit", self.action_quit),
        ]
        return [PaletteCommand(key, callback) for key, callback in filter(None, commands)]

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in self.palette_commands(screen):
            yield SystemCommand(command.title, command.help, command.callback)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from kshop_tui.palette import ShopCommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(ShopCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        from textual.theme import ThemeProvider

        from kshop_tui.palette import ShopCommandPalette

        self.push_screen(
            ShopCommandPalette(providers=[ThemeProvider], placeholder=t("palette.themes"))
        )

    @work(group="login")
    async def action_login(self) -> None:
        await self.shop.ensure_login()

    @work(group="login")
    async def action_logout(self) -> None:
        await self.shop.log_out()
        self.notify(t("login.logged_out"))


def _browse_screen() -> Screen[Any]:
    from kshop_tui.screens.catalogue.browse import BrowseScreen

    return BrowseScreen()


def _settle(reply: asyncio.Future[Any]) -> Callable[[Any], None]:
    def settle(result: Any) -> None:
        if not reply.done():
            reply.set_result(result)

    return settle
