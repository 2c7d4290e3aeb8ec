"""The kshop App: global keys, the backend connection, login state, and the way every
screen calls the API (`run_api`), which turns an expired login into a login screen and
an unreachable backend into a banner.

Start-up paints the browse screen first and imports httpx, pydantic, keyring and the
bundled backend afterwards, in a worker (docs/pitfalls.md: those imports cost ~0.5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from kshop_tui import i18n
from kshop_tui.api.clock import ServerClock
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.config import Settings, data_dir
from kshop_tui.i18n import t
from kshop_tui.i18n.bindings import localize_bindings

if TYPE_CHECKING:
    from kshop_tui.api.backend import Backend
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Cart, User
    from kshop_tui.cart_outbox import CartChange, CartOutbox
    from kshop_tui.crash import CrashLog
    from kshop_tui.session import TokenStore

T = TypeVar("T")
# Before a backend is open there is no server time to go by.
_LOCAL_CLOCK = ServerClock()

CONFIG_NOTICE_SECONDS = 20


@dataclass
class AppOptions:
    language: str = "zh_CN"
    backend_url: str | None = None
    demo: bool = False
    open_target: str | None = None
    data_dir: Path = field(default_factory=data_dir)
    settings: Settings = field(default_factory=Settings)
    # Over SSH or the web the token must stay in memory, per session.
    persistent_tokens: bool = True
    merchant: str = "auto"
    # `kshop --served` (over SSH or the web): nothing may touch the server's desktop.
    served: bool = False
    # Where a served session's visitor connected from (the SSH server says).
    visitor_address: str | None = None
    # Over SSH: a login the server made for a linked key, and the key to link after login.
    session_token: str | None = None
    ssh_fingerprint: str | None = None
    ssh_key_label: str = "ssh key"
    # Tests hand in an already-open backend instead of opening one.
    backend: Backend | None = None


class KshopApp(App[None]):
    # The browse screen is the default screen, which Textual gives no CSS_PATH of its own:
    # its stylesheet is read with the app's, in the one parse before the first frame.
    CSS_PATH = ["app.tcss", "screens/browse.tcss"]
    TITLE = "kshop"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("slash", "search", "key.search", id="app.search"),
        Binding("b", "browse", "key.browse", show=False, id="app.browse"),
        Binding("c", "cart", "key.cart", id="app.cart"),
        Binding("o", "orders", "key.orders", id="app.orders"),
        Binding("w", "wallet", "key.wallet", id="app.wallet"),
        Binding("question_mark", "help", "key.help", id="app.help"),
        Binding("ctrl+q", "quit", "key.quit", id="app.quit", priority=True),
    ]

    user: reactive[User | None] = reactive(None)
    """Who is logged in, or None."""
    cart_count: reactive[int] = reactive(0)
    """Items in the cart (sum of quantities), for the header."""
    backend_down: reactive[bool] = reactive(False)
    """True while the backend does not answer; screens show a banner."""
    connected: reactive[bool] = reactive(False)
    """True once the API client exists."""

    def __init__(self, options: AppOptions | None = None) -> None:
        self.options = options or AppOptions()
        i18n.set_language(self.options.language)
        super().__init__()
        localize_bindings(self)
        if self.options.settings.theme != self.theme:
            # Assigning the theme reparses every stylesheet: only when it really changes.
            self.theme = self.options.settings.theme
        self.backend: Backend | None = None
        self.startup_error: str | None = None
        """Why the app stopped at start (the bundled backend's database), for `kshop`."""
        self.tokens: TokenStore | None = None
        self.cart_outbox: CartOutbox | None = None
        self._backend_ready = asyncio.Event()
        self._login_gate = asyncio.Lock()
        self._crash_log: CrashLog | None = None
        # A session that starts logged in by its key has nothing left to link.
        self._ssh_key_to_link = None if self.options.session_token else self.options.ssh_fingerprint
        if self.options.settings.keys:
            self.set_keymap(self.options.settings.keys)

    # --- start-up ------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        # Not a MODES entry: installing a mode re-parses every stylesheet twice, and the
        # mode's first frame, painted inside Textual's start-up batch, is thrown away.
        return _browse_screen()

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
        # Connect only once the first frame is out: the imports behind it are heavy.
        self.call_after_refresh(self.connect)

    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        """Opens the backend, restores a remembered login, then runs `--open`."""
        backend = self.options.backend
        if backend is None:
            # httpx, pydantic and FastAPI load in a thread so the UI keeps painting.
            backend_module = await asyncio.to_thread(
                importlib.import_module, "kshop_tui.api.backend"
            )
            try:
                backend = await backend_module.open_backend(
                    url=self.options.backend_url,
                    demo=self.options.demo,
                    data_dir=self.options.data_dir,
                    language=i18n.http_language,
                    merchant=self.options.merchant,
                    served=self.options.served,
                    visitor=self.options.visitor_address,
                )
            except backend_module.BackendUnusable as error:
                # The shop's own database is broken: no banner can help; stop and say why.
                self.startup_error = str(error)
                self.exit(return_code=1)
                return
            except Exception as error:  # a broken data dir or URL: say so, keep the UI up
                self.backend_down = True
                self.notify(str(error), title=t("backend.failed"), severity="error", markup=False)
                return
        self.backend = backend
        from kshop_tui.cart_outbox import CartOutbox
        from kshop_tui.session import TokenStore

        persistent = self.options.persistent_tokens
        self.tokens = TokenStore(self.options.data_dir / "token", persistent=persistent)
        self.cart_outbox = CartOutbox(
            self.options.data_dir / "cart-outbox.json" if persistent else None
        )
        # A client handed in already logged in (an SSH key's session, tests) keeps its token.
        token = (
            backend.client.token
            or self.options.session_token
            or await asyncio.to_thread(self.tokens.load)
        )
        if token:
            backend.client.token = token
            await self.refresh_account(quiet=True)
            await self.sync_cart_outbox()
        self.connected = True
        self._backend_ready.set()
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
        """The backend's "now", which every countdown reads (the local clock until the
        backend has answered once)."""
        return self.backend.client.clock if self.backend is not None else _LOCAL_CLOCK

    async def client(self) -> KshopClient:
        """The API client, once connected."""
        await self._backend_ready.wait()
        assert self.backend is not None
        return self.backend.client

    async def on_unmount(self) -> None:
        if self.backend is not None and self.options.backend is None:
            await self.backend.close()

    def on_resize(self) -> None:
        from kshop_tui.screens.too_small import follow_terminal_size

        # Later: App's own resize handler, which records the new size, runs after this one.
        self.call_later(follow_terminal_size, self)

    # --- calling the API -----------------------------------------------------------

    async def run_api(
        self,
        action: Callable[[KshopClient], Awaitable[T]],
        *,
        needs_login: bool = False,
    ) -> T:
        """Runs `action` with the client. A needed or expired login shows the login
        screen and then carries on; a dead backend raises the banner. Other API errors
        reach the caller, who knows which field they concern. Raises `LoginCancelled`
        when the user backs out of logging in. Call from a worker."""
        from kshop_tui.api import errors

        client = await self.client()
        if needs_login and self.user is None and not await self.ensure_login():
            raise LoginCancelled()
        try:
            result = await action(client)
        except errors.AuthExpired:
            was_logged_in = self.user is not None
            if not (needs_login or was_logged_in):
                raise  # a guest asking for something optional: let the caller skip it
            self.forget_login()
            if not await self.ensure_login(expired=was_logged_in):
                raise LoginCancelled() from None
            result = await action(client)
        except errors.BackendUnreachable:
            self.backend_down = True
            raise
        self.backend_down = False
        return result

    async def ensure_login(self, *, expired: bool = False) -> bool:
        """Shows the login screen unless logged in; True once logged in."""
        async with self._login_gate:
            if self.user is not None:
                return True
            from kshop_tui.screens.login import LoginScreen

            if expired:
                self.notify(t("login.expired"), severity="warning")
            result = await self.push_screen_wait(LoginScreen())
            return bool(result) and self.user is not None

    async def logged_in(self, token: str, user: User, *, remember: bool) -> None:
        """Called by the login screen when a login succeeded."""
        assert self.backend is not None and self.tokens is not None
        self.backend.client.token = token
        self.user = user
        where = await asyncio.to_thread(self.tokens.save, token, remember=remember)
        if where == "file" and self.tokens.fell_back:
            self.notify(t("login.token_in_file", path=str(self.tokens.fallback_file)), markup=False)
        await self.refresh_cart_count()
        if self._ssh_key_to_link:
            self.link_ssh_key(self._ssh_key_to_link)
            self._ssh_key_to_link = None

    @work(group="ssh-key")
    async def link_ssh_key(self, fingerprint: str) -> None:
        """Over SSH: the key of this connection logs this account in from now on."""
        from kshop_tui.api import errors

        client = await self.client()
        try:
            await client.link_ssh_key(fingerprint, self.options.ssh_key_label)
        except errors.ApiError as error:
            reason = t("serve.ssh_key_link_failed", reason=error.message)
            self.notify(reason, severity="warning", markup=False)
            return
        self.notify(t("serve.ssh_key_linked"))

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

    def forget_login(self) -> None:
        if self.backend is not None:
            self.backend.client.token = None
        if self.tokens is not None:
            self.tokens.clear()
        self.user = None
        self.cart_count = 0

    async def refresh_account(self, *, quiet: bool = False) -> None:
        """Reloads who is logged in (and the cart count) from the backend."""
        from kshop_tui.api import errors

        if self.backend is None:
            return
        try:
            self.user = await self.backend.client.me()
        except errors.AuthExpired:
            self.forget_login()
            return
        except errors.ApiError as error:
            if not quiet:
                self.show_error(error)
            if isinstance(error, errors.BackendUnreachable):
                self.backend_down = True
            return
        await self.refresh_cart_count()

    async def refresh_cart_count(self) -> None:
        from kshop_tui.api import errors

        if self.backend is None or self.user is None:
            self.cart_count = 0
            return
        try:
            cart = await self.backend.client.cart()
        except errors.ApiError:
            return
        self.cart_count = cart.count

    async def change_cart(self, change: CartChange) -> Cart | None:
        """Applies a cart change (logging in first if needed). While the backend is down
        the change is kept in the outbox and replayed later; answers the new cart, or
        None when it was queued. Other refusals raise for the caller to show."""
        from kshop_tui.api import errors

        try:
            cart = await self.run_api(change.apply, needs_login=True)
        except errors.BackendUnreachable:
            assert self.cart_outbox is not None
            self.cart_outbox.add(change)
            self.notify(t("cart.queued_offline"), severity="warning")
            return None
        self.cart_count = cart.count
        return cart

    async def sync_cart_outbox(self) -> None:
        """Replays cart changes made while the backend was down."""
        if self.cart_outbox is None or not self.cart_outbox.pending or self.user is None:
            return
        assert self.backend is not None
        applied, refused = await self.cart_outbox.flush(self.backend.client)
        if applied:
            self.notify(t("cart.synced", count=applied))
        for message in refused:
            self.notify(t("cart.sync_refused", reason=message), severity="warning", markup=False)
        await self.refresh_cart_count()

    def show_error(self, error: Exception) -> None:
        """An API error as a notification, in the backend's words (never as markup)."""
        from kshop_tui.api import errors

        if isinstance(error, errors.BackendUnreachable):
            self.backend_down = True
            self.notify(t("backend.unreachable"), severity="error")
        elif isinstance(error, errors.ApiError):
            self.notify(error.message, severity="error", markup=False)
        else:
            self.notify(str(error), severity="error", markup=False)

    @work(exclusive=True, group="retry")
    async def retry_backend(self) -> None:
        """The banner's retry: one cheap request decides whether we are back."""
        from kshop_tui.api import errors

        client = await self.client()
        try:
            await client.categories()
        except errors.ApiError:
            self.backend_down = True
            self.notify(t("backend.still_down"), severity="warning")
            return
        self.backend_down = False
        self.notify(t("backend.back"))
        if self.user is not None:
            await self.sync_cart_outbox()
            await self.refresh_cart_count()

    # --- navigation ----------------------------------------------------------------

    async def action_search(self) -> None:
        from kshop_tui.screens.browse import BrowseScreen

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

    async def action_cart(self) -> None:
        from kshop_tui.screens.cart import CartScreen

        await self._end_pending_login()
        if not isinstance(self.screen, CartScreen):
            await self.push_screen(CartScreen())

    async def _end_pending_login(self) -> None:
        """Leaving a login for another screen ends it as cancelled: popping it without
        dismissing would leave the action that waits on it (`ensure_login`) waiting."""
        login = sys.modules.get("kshop_tui.screens.login")
        if login is None or not any(isinstance(s, login.LoginScreen) for s in self.screen_stack):
            return
        while not isinstance(self.screen, login.LoginScreen):
            await self.pop_screen()
        await self.screen.dismiss(False)

    async def action_wallet(self) -> None:
        from kshop_tui.screens.wallet import WalletScreen

        await self._end_pending_login()
        if not isinstance(self.screen, WalletScreen):
            await self.push_screen(WalletScreen())

    async def action_coupons(self, check_in: bool = False) -> None:
        from kshop_tui.screens.coupons import CouponsScreen

        await self._end_pending_login()
        if not isinstance(self.screen, CouponsScreen):
            await self.push_screen(CouponsScreen(check_in=check_in))
        elif check_in:
            self.screen.check_in()

    async def action_check_in(self) -> None:
        await self.action_coupons(check_in=True)

    async def action_account(self) -> None:
        from kshop_tui.screens.account import AccountScreen

        await self._end_pending_login()
        if not isinstance(self.screen, AccountScreen):
            await self.push_screen(AccountScreen())

    async def action_orders(self) -> None:
        from kshop_tui.screens.orders import OrdersScreen

        await self._end_pending_login()
        if not isinstance(self.screen, OrdersScreen):
            await self.push_screen(OrdersScreen())

    async def open_order(self, order_id: int) -> None:
        from kshop_tui.screens.order_detail import OrderDetailScreen

        await self._end_pending_login()
        await self.push_screen(OrderDetailScreen(order_id))

    async def action_track_parcel(self) -> None:
        from kshop_tui.screens.logistics import TrackParcelScreen

        await self._end_pending_login()
        if not isinstance(self.screen, TrackParcelScreen):
            await self.push_screen(TrackParcelScreen())

    async def action_insights(self) -> None:
        from kshop_tui.screens.insights import InsightsScreen

        await self._end_pending_login()
        if not isinstance(self.screen, InsightsScreen):
            await self.push_screen(InsightsScreen())

    def action_help(self) -> None:
        from kshop_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_product(self, product_id: int) -> None:
        from kshop_tui.screens.product import ProductScreen

        self.push_screen(ProductScreen(product_id))

    def open_target(self, target: str) -> None:
        """Deep links (`kshop_tui.deep_links`); unknown ones say so and stay home."""
        from kshop_tui.deep_links import parse
        from kshop_tui.screens.browse import BrowseScreen

        link = parse(target)
        if link is None:
            self.notify(t("deeplink.unknown", target=target), severity="warning", markup=False)
        elif link.place == "search":
            browse = self.screen_stack[0]
            if isinstance(browse, BrowseScreen):
                browse.search_for(link.argument)
        elif link.place == "product":
            self.open_product(int(link.argument))
        elif link.place == "order":
            self.call_later(self.open_order, int(link.argument))
        elif link.place == "track":
            self.call_later(self.action_track_parcel)
        else:  # cart, orders, wallet, coupons, account, insights, browse
            self.call_later(getattr(self, f"action_{link.place}"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand(t("cmd.browse"), t("cmd.browse.help"), self.action_browse)
        yield SystemCommand(t("cmd.search"), t("cmd.search.help"), self.action_search)
        yield SystemCommand(t("cmd.cart"), t("cmd.cart.help"), self.action_cart)
        yield SystemCommand(t("orders.cmd.orders"), t("orders.cmd.orders.help"), self.action_orders)
        yield SystemCommand(
            t("orders.cmd.track"), t("orders.cmd.track.help"), self.action_track_parcel
        )
        yield SystemCommand(
            t("orders.cmd.insights"), t("orders.cmd.insights.help"), self.action_insights
        )
        yield SystemCommand(t("cmd.wallet"), t("cmd.wallet.help"), self.action_wallet)
        yield SystemCommand(t("cmd.coupons"), t("cmd.coupons.help"), self.action_coupons)
        yield SystemCommand(t("cmd.check_in"), t("cmd.check_in.help"), self.action_check_in)
        yield SystemCommand(t("cmd.account"), t("cmd.account.help"), self.action_account)
        yield SystemCommand(t("as.cmd"), t("as.cmd.help"), self.action_after_sales)
        yield SystemCommand(t("cs.cmd"), t("cs.cmd.help"), self.action_support)
        yield SystemCommand(t("cmd.help"), t("cmd.help.help"), self.action_help)
        if self.user is None:
            yield SystemCommand(t("cmd.login"), t("cmd.login.help"), self.action_login)
        else:
            yield SystemCommand(t("cmd.logout"), t("cmd.logout.help"), self.action_logout)
        yield SystemCommand(t("cmd.theme"), t("cmd.theme.help"), self.action_change_theme)
        yield SystemCommand(t("cmd.quit"), t("cmd.quit.help"), self.action_quit)

    def action_after_sales(self) -> None:
        from kshop_tui.screens.after_sales import AfterSalesScreen

        self.push_screen(AfterSalesScreen())

    def action_support(self) -> None:
        from kshop_tui.screens.support import SupportScreen

        self.push_screen(SupportScreen())

    @work(group="login")
    async def action_login(self) -> None:
        await self.ensure_login()

    @work(group="login")
    async def action_logout(self) -> None:
        from kshop_tui.api import errors

        client = await self.client()
        # The token is forgotten here whatever the backend says.
        with contextlib.suppress(errors.ApiError):
            await client.logout()
        self.forget_login()
        self.notify(t("login.logged_out"))


def _browse_screen() -> Screen[Any]:
    from kshop_tui.screens.browse import BrowseScreen

    return BrowseScreen()
