"""Logging in: by SMS code, by password (with the two-step code when the account asks for
it), or registering a new account; WeChat/QQ QR logins open `QrLoginScreen`.

The app pushes this screen with `push_screen_wait` when something needs an account; it
dismisses True once `KshopApp.logged_in` has run, False when the user backs out (the
action that wanted the login is abandoned, nothing else is lost).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static, TabbedContent, TabPane

from kshop_tui import validation
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.qr_login import QrLoginScreen
from kshop_tui.screens.real_name import RealNameScreen
from kshop_tui.text import clean
from kshop_tui.widgets.strength import StrengthMeter

if TYPE_CHECKING:
    from kshop_tui.api.client import KshopClient
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import LoginResult

TABS = ("tab-sms", "tab-password", "tab-register")
# Per tab: the backend's field names → the inputs that hold them.
FIELD_INPUTS: dict[str, dict[str, str]] = {
    "tab-sms": {"phone": "sms-phone", "code": "sms-code"},
    "tab-password": {"phone": "pw-phone", "password": "pw-password", "code": "pw-code"},
    "tab-register": {"phone": "reg-phone", "code": "reg-code", "password": "reg-password"},
}
# Which send button sends a code for which phone, and for what purpose.
SEND_BUTTONS: dict[str, tuple[str, str]] = {
    "sms-send": ("sms-phone", "login"),
    "pw-send": ("pw-phone", "login"),
    "reg-send": ("reg-phone", "register"),
}
CODE_INPUT_OF_SEND = {"sms-send": "sms-code", "pw-send": "pw-code", "reg-send": "reg-code"}
DEMO_SMS_SECONDS = 20
# The card (76) and the side panel (40 + 2) side by side.
WIDE_ENOUGH_FOR_ASIDE = 118


class LoginScreen(ShopScreen):
    CSS_PATH = "login.tcss"
    BINDINGS = [
        Binding("ctrl+t", "next_method", "key.login_method", id="login.method"),
        Binding("ctrl+g", "send_code", "key.send_code", id="login.send_code"),
        Binding("ctrl+o", "qr('wechat')", "key.qr_login", id="login.qr"),
        # Leaving for another screen while the app waits on this one would strand the
        # action that asked for the login; escape is the way out.
        Binding("slash,b,c", "stay", show=False, id="login.stay"),
    ]

    def __init__(self) -> None:
        super().__init__()
        # phone -> the backend-clock time when it lets us send that phone another code
        self._resend_at: dict[str, float] = {}
        self._sending: set[str] = set()
        self._two_factor = False

    def where(self) -> str:
        return t("login.title")

    # --- building ------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="login-body"):
            with Vertical(id="login-card") as card:
                card.border_title = t("login.card_title")
                with TabbedContent(id="methods", initial="tab-sms"):
                    with TabPane(t("login.tab.sms"), id="tab-sms"):
                        yield from self._sms_fields()
                    with TabPane(t("login.tab.password"), id="tab-password"):
                        yield from self._password_fields()
                    with TabPane(t("login.tab.register"), id="tab-register"):
                        yield from self._register_fields()
                yield Checkbox(t("login.remember"), id="remember", compact=True)
                yield Static(id="general", markup=False)
                with Horizontal(id="actions"):
                    yield Button(t("login.submit"), id="submit", variant="primary", compact=True)
                    yield Static(id="actions-gap")
                    yield Label(t("login.scan_with"), id="scan-label")
                    yield Button(t("login.wechat"), id="qr-wechat", compact=True)
                    yield Button(t("login.qq"), id="qr-qq", compact=True)
                yield Static(id="demo-hint", classes="muted", markup=False)
            with Vertical(id="login-aside"):
                yield Static(t("login.aside_title"), classes="section-title")
                yield Static(t("login.aside_browse"), classes="aside-line")
                yield Static(t("login.aside_register"), classes="aside-line")
                yield Static(t("login.aside_keys"), classes="aside-line")
                yield Static(id="aside-demo", classes="aside-line muted", markup=False)

    def _sms_fields(self) -> ComposeResult:
        yield from _field("sms-phone", "login.phone", _phone_input("sms-phone"))
        yield from _field(
            "sms-code", "login.code", _code_input("sms-code"), _send_button("sms-send")
        )

    def _password_fields(self) -> ComposeResult:
        yield from _field("pw-phone", "login.phone", _phone_input("pw-phone"))
        yield from _field(
            "pw-password",
            "login.password",
            _password_input("pw-password", "login.password_placeholder"),
        )
        yield from _field(
            "pw-code",
            "login.two_factor_code",
            _code_input("pw-code"),
            _send_button("pw-send"),
            hidden=True,
        )

    def _register_fields(self) -> ComposeResult:
        yield from _field("reg-phone", "login.phone", _phone_input("reg-phone"))
        yield from _field(
            "reg-code", "login.code", _code_input("reg-code"), _send_button("reg-send")
        )
        yield from _field(
            "reg-password",
            "login.new_password",
            _password_input("reg-password", "login.new_password_placeholder"),
            StrengthMeter(id="strength"),
        )
        yield from _field(
            "reg-confirm",
            "login.confirm_password",
            _password_input("reg-confirm", "login.confirm_placeholder"),
        )

    def on_mount(self) -> None:
        persistent = self.shop.options.persistent_tokens
        remember = self.query_one("#remember", Checkbox)
        remember.value = persistent
        if not persistent:
            remember.label = t("login.remember_session_only")
            remember.disabled = True
        self._fit_layout()
        self.query_one("#sms-phone", Input).focus()
        self.set_interval(1.0, self._show_send_buttons)
        self.show_demo_hint()

    def on_resize(self) -> None:
        self._fit_layout()

    def _fit_layout(self) -> None:
        self.set_class(self.size.width >= WIDE_ENOUGH_FOR_ASIDE, "-wide")

    @work(group="demo-hint")
    async def show_demo_hint(self) -> None:
        """Where the bundled backend runs, say how to get in without a real phone."""
        await self.shop.client()
        backend = self.shop.backend
        if backend is None or not backend.simulated:
            return
        # Served, the backend shows a visitor only the codes for registering a new phone.
        if self.shop.options.served:
            hint, aside = t("login.demo_hint_served"), t("login.aside_demo_served")
        else:
            hint, aside = t("login.demo_hint"), t("login.aside_demo")
        self.query_one("#demo-hint", Static).update(Text(hint))
        self.query_one("#aside-demo", Static).update(Text(aside))

    # --- actions -------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(False)

    def action_stay(self) -> None:
        """Swallows the navigation keys while the login is open."""

    def action_next_method(self) -> None:
        methods = self.query_one(TabbedContent)
        methods.active = TABS[(TABS.index(methods.active) + 1) % len(TABS)]
        # At once, not when TabActivated arrives: by the time the new tab is painted, keys
        # typed at it must land in its field, not in the hidden tab's.
        self.set_focus(self._first_field_to_fill(methods.active))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_code":
            # A password login only needs a code once the account asks for one.
            return self._active_tab() != "tab-password" or self._two_factor
        return True

    def action_send_code(self) -> None:
        self.send_code(self._send_button_of_tab())

    def action_qr(self, provider: str) -> None:
        self.app.push_screen(QrLoginScreen(provider, remember=self._remember()), self._qr_done)

    def _qr_done(self, logged_in: bool | None) -> None:
        if logged_in:
            self.dismiss(True)

    def _submit_form(self) -> None:
        tab = self._active_tab()
        fields = self._fields_to_check(tab)
        problems = [field for field in fields if self._check_field(field, loud=True)]
        if problems:
            self._show_general("")
            self.query_one(f"#{problems[0]}", Input).focus()
            return
        self.submit(tab)

    # --- reacting ------------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#methods")
    def _method_changed(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or "tab-sms"
        self.refresh_bindings()
        self.query_one("#submit", Button).label = t(
            "login.submit_register" if tab == "tab-register" else "login.submit"
        )
        self._show_general("")
        # ctrl+t has focused the new tab already; a click on the tab has not.
        if self.focused is None or event.pane not in self.focused.ancestors_with_self:
            self._first_field_to_fill(tab).focus()

    def _first_field_to_fill(self, tab: str) -> Input | Button:
        """The first empty or wrong field of `tab` (its phone filled from the last one
        typed), or the submit button when all are good."""
        phone = self.query_one(f"#{FIELD_INPUTS[tab]['phone']}", Input)
        if not phone.value:
            phone.value = self._last_phone(exclude=phone.id)
        for field_id in self._fields_to_check(tab):
            field = self.query_one(f"#{field_id}", Input)
            if not field.value or self._check_field(field_id, loud=False):
                return field
        return self.query_one("#submit", Button)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        field_id = event.input.id or ""
        if field_id == "reg-password":
            self.query_one(StrengthMeter).show(event.value)
            confirm = self.query_one("#reg-confirm", Input)
            if confirm.value:
                self._check_field("reg-confirm", loud=False)
        if field_id.endswith("-phone"):
            self._show_send_buttons()
        self._check_field(field_id, loud=False)

    @on(Input.Submitted)
    def _entered(self) -> None:
        self._submit_form()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self._submit_form()

    @on(Button.Pressed, ".send-code")
    def _send_pressed(self, event: Button.Pressed) -> None:
        self.send_code(event.button.id or "")

    @on(Button.Pressed, "#qr-wechat")
    def _wechat_pressed(self) -> None:
        self.action_qr("wechat")

    @on(Button.Pressed, "#qr-qq")
    def _qq_pressed(self) -> None:
        self.action_qr("qq")

    # --- field checks and messages -------------------------------------------------

    def _active_tab(self) -> str:
        return self.query_one(TabbedContent).active or "tab-sms"

    def _fields_to_check(self, tab: str) -> list[str]:
        if tab == "tab-sms":
            return ["sms-phone", "sms-code"]
        if tab == "tab-password":
            return ["pw-phone", "pw-password"] + (["pw-code"] if self._two_factor else [])
        return ["reg-phone", "reg-code", "reg-password", "reg-confirm"]

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def _problem(self, field_id: str) -> str | None:
        """The i18n key of what is wrong with a field, or None."""
        value = self._value(field_id)
        if field_id.endswith("-phone"):
            return validation.check_phone(value)
        if field_id.endswith("-code"):
            return validation.check_code(value)
        if field_id == "reg-password":
            return validation.check_password(value)
        if field_id == "reg-confirm":
            return validation.check_confirmation(self._value("reg-password"), value)
        return None if value else "valid.required"

    def _check_field(self, field_id: str, *, loud: bool) -> bool:
        """Shows the field's problem under it (quietly while typing); True if it has one.
        An empty field says nothing until the user submits."""
        problem = self._problem(field_id)
        if problem is None:
            # A password being typed for login has no rule of its own to confirm.
            self._show_hint(field_id, "" if field_id == "pw-password" else "✓", "-ok")
        elif loud:
            self._show_hint(field_id, t(problem), "-error")
        elif not self._value(field_id):
            self._show_hint(field_id, "", "")
        else:
            self._show_hint(field_id, t(problem), "")
        return problem is not None

    def _show_hint(self, field_id: str, message: str, state: str) -> None:
        hint = self.query_one(f"#{field_id}-hint", Static)
        hint.update(Text(message))
        hint.set_class(state == "-error", "-error")
        hint.set_class(state == "-ok", "-ok")

    def _show_general(self, message: str, *, error: bool = True) -> None:
        line = self.query_one("#general", Static)
        line.update(Text(message))
        line.set_class(error, "-error")

    def _remember(self) -> bool:
        return self.query_one("#remember", Checkbox).value

    def _last_phone(self, exclude: str | None) -> str:
        for inputs in FIELD_INPUTS.values():
            if inputs["phone"] != exclude and self._value(inputs["phone"]):
                return self._value(inputs["phone"])
        return ""

    def _send_button_of_tab(self) -> str:
        tab = self._active_tab()
        if tab == "tab-password":
            return "pw-send"
        return "reg-send" if tab == "tab-register" else "sms-send"

    # --- sending codes -------------------------------------------------------------

    def _wait_seconds(self, phone: str) -> int:
        resend_at = self._resend_at.get(phone)
        if resend_at is None:
            return 0
        return max(0, math.ceil(self.shop.clock.seconds_until(resend_at)))

    def _show_send_buttons(self) -> None:
        for button_id, (phone_id, _) in SEND_BUTTONS.items():
            if button_id in self._sending:
                continue
            button = self.query_one(f"#{button_id}", Button)
            wait = self._wait_seconds(self._value(phone_id))
            button.label = t("login.resend_in", seconds=wait) if wait else t("login.send_code")
            button.disabled = wait > 0

    @work(exclusive=True, group="send-code")
    async def send_code(self, button_id: str) -> None:
        from kshop_tui.api import errors

        phone_id, purpose = SEND_BUTTONS[button_id]
        code_id = CODE_INPUT_OF_SEND[button_id]
        if self._check_field(phone_id, loud=True):
            self.query_one(f"#{phone_id}", Input).focus()
            return
        phone = self._value(phone_id)
        if self._wait_seconds(phone):
            return
        button = self.query_one(f"#{button_id}", Button)
        button.disabled = True
        button.label = t("login.sending")
        self._sending.add(button_id)
        try:
            sent = await self.shop.run_api(lambda api: api.send_sms_code(phone, purpose))
        except errors.RateLimited as error:
            self._resend_at[phone] = self.shop.clock.now() + error.retry_after
            self._show_hint(code_id, t("login.resend_wait", seconds=error.retry_after), "-error")
            return
        except errors.ApiError as error:
            self._show_error(error, _tab_of(phone_id))
            return
        else:
            self._resend_at[phone] = self.shop.clock.now() + sent.retry_after
        finally:
            self._sending.discard(button_id)
            self._show_send_buttons()
        self._show_hint(
            code_id,
            t("login.code_sent", phone=_mask(phone), minutes=max(1, sent.expires_in // 60)),
            "",
        )
        self.query_one(f"#{code_id}", Input).focus()
        await self._show_demo_sms(phone, purpose)

    async def _show_demo_sms(self, phone: str, purpose: str) -> None:
        """The bundled backend's SMS outbox stands in for the user's phone."""
        from kshop_tui.api import errors

        backend = self.shop.backend
        if backend is None or not backend.simulated:
            return
        try:
            messages = await self.shop.run_api(lambda api: api.dev_sms_codes(phone))
        except errors.ApiError:
            return  # a backend without /_dev: the code went to a real phone
        codes = [message.code for message in messages if message.purpose == purpose]
        if codes:
            self.notify(
                t("login.demo_sms", code=codes[-1]),
                markup=False,
                timeout=DEMO_SMS_SECONDS,
            )
        elif self.shop.options.served:
            # The backend kept an existing account's code from a visitor: say why.
            self.notify(t("login.demo_sms_withheld"), severity="warning", timeout=DEMO_SMS_SECONDS)

    # --- submitting ----------------------------------------------------------------

    @work(exclusive=True, group="submit")
    async def submit(self, tab: str) -> None:
        from kshop_tui.api import errors

        phone = self._value(FIELD_INPUTS[tab]["phone"])
        attempt = self._attempt(tab, phone)
        button = self.query_one("#submit", Button)
        label = button.label
        button.disabled = True
        button.label = t("login.working")
        self._show_general("")
        try:
            result = await self.shop.run_api(attempt)
        except errors.ApiError as error:
            self._show_error(error, tab)
            return
        finally:
            button.disabled = False
            button.label = label
        # The demo SMS toast has done its job; it would only cover what comes next.
        self.app.clear_notifications()
        await self.shop.logged_in(result.token, result.user, remember=self._remember())
        if tab == "tab-register":
            self.notify(
                t("login.registered", phone=result.user.phone_masked),
                title=t("login.new_user_coupon_title"),
                markup=False,
            )
            # Offered, not required: whatever the answer, the login itself is done.
            self.app.push_screen(RealNameScreen(offer_skip=True), self._real_name_done)
            return
        self.notify(t("login.welcome", phone=result.user.phone_masked), markup=False)
        self.dismiss(True)

    def _real_name_done(self, verified: bool | None) -> None:
        self.dismiss(True)

    def _attempt(self, tab: str, phone: str) -> Callable[[KshopClient], Awaitable[LoginResult]]:
        if tab == "tab-sms":
            code = self._value("sms-code")
            return lambda api: api.login_with_code(phone, code)
        if tab == "tab-password":
            password = self._value("pw-password")
            two_factor_code = self._value("pw-code") if self._two_factor else None
            return lambda api: api.login_with_password(phone, password, two_factor_code)
        code = self._value("reg-code")
        new_password = self._value("reg-password")
        return lambda api: api.register(phone, code, new_password)

    def _show_error(self, error: ApiError, tab: str) -> None:
        """Puts a refusal next to the field it concerns, else on the general line."""
        from kshop_tui.api import errors

        inputs = FIELD_INPUTS[tab]
        message = clean(error.message)
        if isinstance(error, errors.ValidationFailed) and error.fields:
            attempts = error.details.get("attempts_left")
            for name, field_message in error.fields.items():
                words = clean(field_message)
                if name == "code" and isinstance(attempts, int):
                    words = t("login.with_attempts", message=words, count=attempts)
                if name in inputs and (name != "code" or tab != "tab-password" or self._two_factor):
                    self._show_hint(inputs[name], words, "-error")
                else:
                    self._show_general(words)
            return
        if isinstance(error, errors.CredentialsRejected):
            self._show_rejection(error, tab, message)
        elif isinstance(error, errors.RateLimited) and error.code == "LOCKED":
            self._show_general(t("login.locked", minutes=max(1, math.ceil(error.retry_after / 60))))
        elif isinstance(error, errors.Conflict) and error.code == "PHONE_TAKEN":
            self._show_hint(inputs["phone"], message, "-error")
            self._show_general(t("login.phone_taken_hint"), error=False)
        elif isinstance(error, errors.BackendUnreachable):
            self._show_general(t("backend.unreachable"))
        else:
            self._show_general(message)

    def _show_rejection(self, error: ApiError, tab: str, message: str) -> None:
        inputs = FIELD_INPUTS[tab]
        if error.code == "TWO_FACTOR_REQUIRED":
            self._reveal_two_factor()
            self._show_general(message, error=False)
            self.query_one("#pw-code", Input).focus()
        elif error.code == "NOT_REGISTERED":
            self._show_hint(inputs["phone"], message, "-error")
            self.query_one("#reg-phone", Input).value = self._value(inputs["phone"])
            self._show_general(t("login.register_instead"), error=False)
        elif tab == "tab-sms":
            self._show_hint("sms-code", message, "-error")
            self.query_one("#sms-code", Input).focus()
        elif tab == "tab-password" and not self._two_factor:
            self._show_hint("pw-password", message, "-error")
            self.query_one("#pw-password", Input).focus()
        else:
            self._show_general(message)

    def _reveal_two_factor(self) -> None:
        self._two_factor = True
        for widget in self.query(".pw-code-part"):
            widget.display = True
        self.refresh_bindings()


def _tab_of(input_id: str) -> str:
    prefix = input_id.split("-", 1)[0]
    return {"sms": "tab-sms", "pw": "tab-password", "reg": "tab-register"}[prefix]


def _mask(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _field(
    field_id: str,
    label_key: str,
    field: Input,
    extra: Button | StrengthMeter | None = None,
    *,
    hidden: bool = False,
) -> ComposeResult:
    """A labelled one-line field, something beside it, and its hint line under it."""
    classes = "pw-code-part" if hidden else ""
    row = Horizontal(classes=f"field-row {classes}")
    hint = Static(id=f"{field_id}-hint", classes=f"hint {classes}", markup=False)
    if hidden:
        row.display = False
        hint.display = False
    with row:
        yield Label(t(label_key), classes="field-label")
        yield field
        if extra is not None:
            yield extra
    yield hint


def _phone_input(input_id: str) -> Input:
    return Input(
        placeholder=t("login.phone_placeholder"),
        id=input_id,
        restrict=r"[0-9]*",
        max_length=11,
        compact=True,
    )


def _code_input(input_id: str) -> Input:
    return Input(
        placeholder=t("login.code_placeholder"),
        id=input_id,
        restrict=r"[0-9]*",
        max_length=6,
        compact=True,
    )


def _password_input(input_id: str, placeholder_key: str) -> Input:
    return Input(
        placeholder=t(placeholder_key), id=input_id, password=True, max_length=64, compact=True
    )


def _send_button(button_id: str) -> Button:
    return Button(t("login.send_code"), id=button_id, classes="send-code", compact=True)
