"""Logging in by scanning a QR code with the WeChat or QQ app (the device-code flow):
start, draw the code, poll every `interval` seconds until it is approved or expires.

Dismisses True once the session has logged in, None when the user cancels.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static

from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.text import clean
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.qr import QrCode

PROVIDERS = ("wechat", "qq")


class QrLoginScreen(ShopModal):
    CSS_PATH = "qr_login.tcss"
    BINDINGS = [
        Binding("r", "refresh", "key.qr_refresh", id="qr.refresh"),
        Binding("w", "switch('wechat')", "key.qr_wechat", id="qr.wechat"),
        Binding("q", "switch('qq')", "key.qr_qq", id="qr.qq"),
    ]

    def __init__(self, provider: str = "wechat", *, remember: bool = True) -> None:
        super().__init__()
        self.provider = provider if provider in PROVIDERS else PROVIDERS[0]
        self.remember = remember
        self._device_code: str | None = None
        self._deadline = 0.0
        self._expired = False
        self._poll_timer: Timer | None = None

    @property
    def device_code(self) -> str | None:
        """The code being shown and polled for, None while there is none."""
        return self._device_code

    def compose(self) -> ComposeResult:
        with Vertical(id="qr-dialog"), Horizontal(id="qr-body"):
            yield QrCode(id="qr")
            with Vertical(id="qr-side"):
                yield Static(id="qr-steps")
                yield Static(id="qr-status")
                yield Static(id="qr-expiry")
                yield Static(id="qr-demo", classes="muted")
        yield ShopFooter()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_expiry)
        self.start()

    # --- actions -------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.start()

    def action_switch(self, provider: str) -> None:
        if provider != self.provider:
            self.provider = provider
            self.start()

    # --- the flow ------------------------------------------------------------------

    def _show_provider(self) -> None:
        name = t(f"qr.provider.{self.provider}")
        self.query_one("#qr-dialog").border_title = t("qr.title", provider=name)
        self.query_one("#qr-steps", Static).update(Text(t("qr.steps", provider=name)))

    def _show_status(self, message: str, *, problem: bool = False) -> None:
        status = self.query_one("#qr-status", Static)
        status.update(Text(message))
        status.set_class(problem, "-problem")

    @work(exclusive=True, group="qr-start")
    async def start(self) -> None:
        """Asks for a new code (the first, or after a refresh or a provider switch)."""
        from kshop_tui.api import errors

        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._device_code = None
        self._show_provider()
        self._show_status(t("qr.getting"))
        self.query_one("#qr-expiry", Static).update("")
        provider = self.provider
        try:
            started = await self.shop.run_api(lambda api: api.oauth_start(provider))
        except errors.ApiError as error:
            words = clean(error.message)
            if isinstance(error, errors.BackendUnreachable):
                words = t("backend.unreachable")
            self._show_status(t("qr.start_failed", reason=words), problem=True)
            return
        if provider != self.provider:
            return  # switched provider meanwhile; that start draws its own code
        self._device_code = started.device_code
        self._deadline = self.shop.clock.now() + started.expires_in
        self._expired = False
        qr = self.query_one(QrCode)
        qr.payload = started.qr_payload
        qr.faded = False
        self._show_status(t("qr.waiting"))
        self._show_expiry()
        backend = self.shop.backend
        if backend is not None and backend.simulated:
            hint = (
                t("qr.demo_hint")
                if backend.simulator_pays
                else t("qr.demo_hint_manual", device_code=started.device_code)
            )
            self.query_one("#qr-demo", Static).update(Text(hint))
        self._poll_timer = self.set_interval(max(1, started.interval), self.poll)

    def _show_expiry(self) -> None:
        if self._device_code is None or self._expired:
            return
        left = max(0, math.ceil(self.shop.clock.seconds_until(self._deadline)))
        if left == 0:
            self._expire()
            return
        minutes, seconds = divmod(left, 60)
        self.query_one("#qr-expiry", Static).update(
            Text(t("qr.expires_in", time=f"{minutes}:{seconds:02d}"))
        )

    def _expire(self, reason: str = "") -> None:
        self._expired = True
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self.query_one(QrCode).faded = True
        self.query_one("#qr-expiry", Static).update("")
        self._show_status(reason or t("qr.expired"), problem=True)

    @work(exclusive=True, group="qr-poll")
    async def poll(self) -> None:
        """One look at whether the phone has approved the code."""
        from kshop_tui.api import errors

        device_code = self._device_code
        if device_code is None or self._expired:
            return
        try:
            result = await self.shop.run_api(lambda api: api.oauth_poll(device_code))
        except (errors.Conflict, errors.NotFound) as error:
            if device_code == self._device_code:
                self._expire(t("qr.expired_reason", reason=clean(error.message)))
            return
        except errors.BackendUnreachable:
            self._show_status(t("qr.server_quiet"), problem=True)
            return
        except errors.ApiError as error:
            self._show_status(clean(error.message), problem=True)
            return
        if device_code != self._device_code:
            return  # an answer about a code that has since been replaced
        if result is None:
            self._show_status(t("qr.waiting"))
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._device_code = None
        self.app.clear_notifications()
        await self.shop.logged_in(result.token, result.user, remember=self.remember)
        self.notify(t("login.welcome", phone=result.user.phone_masked), markup=False)
        self.dismiss(True)
