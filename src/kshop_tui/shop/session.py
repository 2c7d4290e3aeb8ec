"""The shop session: one open backend, who is logged in, and the one way screens call the
API. It knows no Textual: what it must show (a login, a notice, the outage banner) it asks
of its host, the App, through `ShopHost`.

- `run_api` runs a call; a needed or expired login asks for one and carries on, a dead
  backend raises the banner, other refusals reach the caller (who knows which field
  they concern), and `LoginCancelled` means the user backed out of logging in.
- `attempt` is `run_api` for callers whose failures each take one step: a refusal is
  shown (as a notice unless the caller says where) and the answer is None.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from kshop_tui import i18n
from kshop_tui.api import errors
from kshop_tui.api.clock import ServerClock
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t, tn
from kshop_tui.shop.error_words import error_words
from kshop_tui.shop.options import AppOptions

if TYPE_CHECKING:
    from kshop_tui.api.backend import Backend
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.models import Cart, User
    from kshop_tui.shop.cart_outbox import CartChange, CartOutbox
    from kshop_tui.shop.tokens import TokenStore

T = TypeVar("T")
Severity = Literal["information", "warning", "error"]
# Before a backend is open there is no server time to go by.
_LOCAL_CLOCK = ServerClock()


class StartupFailed(Exception):
    """The shop's own database cannot be used: no banner can help, the app stops."""


class ShopHost(Protocol):
    """What the session needs from the App that shows it."""

    def current_user(self) -> User | None: ...

    def set_user(self, user: User | None) -> None: ...

    def set_cart_count(self, count: int) -> None: ...

    def set_backend_down(self, down: bool) -> None: ...

    async def ask_login(self, *, expired: bool) -> bool:
        """Shows the login; True once the user has logged in."""
        ...

    def tell(self, message: str, *, severity: Severity = "information", title: str = "") -> None:
        """A notice, shown as plain text (never markup)."""
        ...

    def in_background(self, work: Callable[[], Awaitable[None]], *, group: str) -> None:
        """Runs `work` without waiting for it."""
        ...


class ShopSession:
    def __init__(self, host: ShopHost, options: AppOptions) -> None:
        self.host = host
        self.options = options
        self.backend: Backend | None = None
        self.tokens: TokenStore | None = None
        self.cart_outbox: CartOutbox | None = None
        self._ready = asyncio.Event()
        self._login_gate = asyncio.Lock()
        # A session that starts logged in by its key has nothing left to link.
        self._ssh_key_to_link = None if options.session_token else options.ssh_fingerprint

    def visitor_came(
        self, address: str | None, fingerprint: str | None, key_label: str | None
    ) -> None:
        """A warm shop (serve/warm.py), started before anyone came, now serves a visitor:
        their address goes with every request from now on, and their key is the one to
        link after a login (a warm shop never starts logged in by a key)."""
        self.options.visitor_address = address
        self.options.ssh_fingerprint = fingerprint
        if key_label:
            self.options.ssh_key_label = key_label
        self._ssh_key_to_link = fingerprint
        if self.backend is not None:
            self.backend.client.visitor = address

    @property
    def user(self) -> User | None:
        """Who is logged in, or None."""
        return self.host.current_user()

    @user.setter
    def user(self, user: User | None) -> None:
        self.host.set_user(user)

    @property
    def clock(self) -> ServerClock:
        """The backend's "now", which every countdown reads (the local clock until the
        backend has answered once)."""
        return self.backend.client.clock if self.backend is not None else _LOCAL_CLOCK

    # --- start-up ------------------------------------------------------------------

    async def connect(self) -> bool:
        """Opens the backend and restores a remembered login. False when no backend
        could be opened (said to the user, banner up); raises `StartupFailed` when the
        shop's own database is broken."""
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
                raise StartupFailed(str(error)) from None
            except Exception as error:  # a broken data dir or URL: say so, keep the UI up
                self.host.set_backend_down(True)
                self.host.tell(str(error), title=t("backend.failed"), severity="error")
                return False
        self.backend = backend
        if self.options.visitor_address:
            # A warm shop's visitor may have come while the backend was opening.
            backend.client.visitor = self.options.visitor_address
        from kshop_tui.shop.cart_outbox import CartOutbox
        from kshop_tui.shop.tokens import TokenStore

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
        self._ready.set()
        return True

    async def client(self) -> KshopClient:
        """The API client, once connected."""
        await self._ready.wait()
        assert self.backend is not None
        return self.backend.client

    async def close(self) -> None:
        """Closes a backend this session opened (one handed in stays open)."""
        if self.backend is not None and self.options.backend is None:
            await self.backend.close()

    # --- calling the API -----------------------------------------------------------

    async def run_api(
        self,
        action: Callable[[KshopClient], Awaitable[T]],
        *,
        needs_login: bool = False,
    ) -> T:
        """Runs `action` with the client. A needed or expired login shows the login
        screen and then carries on; a dead backend raises the banner. Other API errors
        reach the caller. Raises `LoginCancelled` when the user backs out of logging in.
        Call from a worker."""
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
            self.host.set_backend_down(True)
            raise
        self.host.set_backend_down(False)
        return result

    async def attempt(
        self,
        action: Callable[[KshopClient], Awaitable[T]],
        *,
        needs_login: bool = False,
        on_refusal: Callable[[errors.ApiError], object] | None = None,
        on_login_cancelled: Callable[[], object] | None = None,
    ) -> T | None:
        """`run_api` for a caller whose failures each take one step: a refusal or an
        outage goes to `on_refusal` (by default a notice, `show_error`), the user backing
        out of logging in to `on_login_cancelled` (by default nothing). Either answers
        None, so an action whose answer may be None cannot be told apart: use `run_api`."""
        try:
            return await self.run_api(action, needs_login=needs_login)
        except LoginCancelled:
            if on_login_cancelled is not None:
                on_login_cancelled()
            return None
        except errors.ApiError as error:
            (on_refusal or self.show_error)(error)
            return None

    def show_error(self, error: Exception) -> None:
        """An API error as a notice, in the user's words (never as markup)."""
        if isinstance(error, errors.BackendUnreachable):
            self.host.set_backend_down(True)
        self.host.tell(error_words(error, unreachable=t("backend.unreachable")), severity="error")

    async def backend_answers(self) -> bool:
        """The banner's retry: one cheap request decides whether we are back."""
        client = await self.client()
        try:
            await client.categories()
        except errors.ApiError:
            self.host.set_backend_down(True)
            self.host.tell(t("backend.still_down"), severity="warning")
            return False
        self.host.set_backend_down(False)
        self.host.tell(t("backend.back"))
        if self.user is not None:
            await self.sync_cart_outbox()
            await self.refresh_cart_count()
        return True

    # --- logging in and out --------------------------------------------------------

    async def ensure_login(self, *, expired: bool = False) -> bool:
        """Asks for a login unless logged in; True once logged in."""
        async with self._login_gate:
            if self.user is not None:
                return True
            if expired:
                self.host.tell(t("login.expired"), severity="warning")
            return await self.host.ask_login(expired=expired) and self.user is not None

    async def logged_in(self, token: str, user: User, *, remember: bool) -> None:
        """Called by the login screens when a login succeeded."""
        assert self.backend is not None and self.tokens is not None
        self.backend.client.token = token
        self.host.set_user(user)
        where = await asyncio.to_thread(self.tokens.save, token, remember=remember)
        if where == "file" and self.tokens.fell_back:
            self.host.tell(t("login.token_in_file", path=str(self.tokens.fallback_file)))
        await self.refresh_cart_count()
        fingerprint = self._ssh_key_to_link
        if fingerprint:
            self._ssh_key_to_link = None
            self.host.in_background(lambda: self._link_ssh_key(fingerprint), group="ssh-key")

    async def _link_ssh_key(self, fingerprint: str) -> None:
        """Over SSH: the key of this connection logs this account in from now on."""
        client = await self.client()
        try:
            await client.link_ssh_key(fingerprint, self.options.ssh_key_label)
        except errors.ApiError as error:
            reason = t("serve.ssh_key_link_failed", reason=error_words(error))
            self.host.tell(reason, severity="warning")
            return
        self.host.tell(t("serve.ssh_key_linked"))

    def forget_login(self) -> None:
        if self.backend is not None:
            self.backend.client.token = None
        if self.tokens is not None:
            self.tokens.clear()
        self.host.set_user(None)
        self.host.set_cart_count(0)

    async def log_out(self) -> None:
        """Ends the login here whatever the backend says."""
        client = await self.client()
        with contextlib.suppress(errors.ApiError):
            await client.logout()
        self.forget_login()

    async def refresh_account(self, *, quiet: bool = False) -> None:
        """Reloads who is logged in (and the cart count) from the backend."""
        if self.backend is None:
            return
        if self.user is not None and self.user.guest:
            # A guest has no account to reload (GET /me is an account's).
            await self.refresh_cart_count()
            return
        try:
            self.host.set_user(await self.backend.client.me())
        except errors.AuthExpired:
            self.forget_login()
            return
        except errors.ApiError as error:
            if not quiet:
                self.show_error(error)
            if isinstance(error, errors.BackendUnreachable):
                self.host.set_backend_down(True)
            return
        await self.refresh_cart_count()

    # --- the cart ------------------------------------------------------------------

    async def refresh_cart_count(self) -> None:
        if self.backend is None or self.user is None:
            self.host.set_cart_count(0)
            return
        try:
            cart = await self.backend.client.cart()
        except errors.ApiError:
            return
        self.host.set_cart_count(cart.count)

    def cart_changed(self, cart: Cart) -> None:
        """A screen loaded the cart: the header's count follows it."""
        self.host.set_cart_count(cart.count)

    async def change_cart(self, change: CartChange) -> Cart | None:
        """Applies a cart change (logging in first if needed). While the backend is down
        the change is kept in the outbox and replayed later; answers the new cart, or
        None when it was queued. Other refusals raise for the caller to show."""
        try:
            cart = await self.run_api(change.apply, needs_login=True)
        except errors.BackendUnreachable:
            assert self.cart_outbox is not None
            self.cart_outbox.add(change)
            self.host.tell(t("cart.queued_offline"), severity="warning")
            return None
        self.host.set_cart_count(cart.count)
        return cart

    async def sync_cart_outbox(self) -> None:
        """Replays cart changes made while the backend was down."""
        if self.cart_outbox is None or not self.cart_outbox.pending or self.user is None:
            return
        assert self.backend is not None
        applied, refused = await self.cart_outbox.flush(self.backend.client)
        if applied:
            self.host.tell(tn("cart.synced", applied))
        for message in refused:
            self.host.tell(t("cart.sync_refused", reason=message), severity="warning")
        await self.refresh_cart_count()


def shop_of(app: object) -> ShopSession:
    """The session of the App a screen or widget belongs to."""
    shop = getattr(app, "shop", None)
    assert isinstance(shop, ShopSession), "not the kshop App"
    return shop
