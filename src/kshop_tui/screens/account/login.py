"""Logging in: by SMS code, by password (with the two-step code when the account asks for
it), or registering a new account; WeChat/QQ QR logins open `QrLoginScreen`. The rules
(what each way asks for, the resend wait, where a refusal goes) are
`kshop_tui.shop.flows.login`'s; the form is built in `login_form`.

The app pushes this screen with `push_screen_wait` when something needs an account; it
dismisses True once the session has logged in, False when the user backs out (the action
that wanted the login is abandoned, nothing else is lost).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input, Static, TabbedContent

from kshop_tui.i18n import t, tn
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.account.login_form import login_body
from kshop_tui.screens.demo_sms import show_demo_sms
from kshop_tui.shop.flows import login as login_flow
from kshop_tui.text import mask_phone
from kshop_tui.widgets.strength import StrengthMeter
from kshop_tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError

TABS = ("tab-sms", "tab-password", "tab-register", "tab-guest")
METHOD_OF_TAB: dict[str, login_flow.Method] = {
    "tab-sms": "sms",
    "tab-password": "password",
    "tab-register": "register",
    "tab-guest": "guest",
}
# Per tab: each field → the input that holds it.
INPUTS: dict[str, dict[str, str]] = {
    "tab-sms": {"phone": "sms-phone", "code": "sms-code"},
    "tab-password": {"phone": "pw-phone", "password": "pw-password", "code": "pw-code"},
    "tab-register": {
        "phone": "reg-phone",
        "code": "reg-code",
        "password": "reg-password",
        "confirm": "reg-confirm",
    },
    "tab-guest": {"phone": "guest-phone", "code": "guest-code"},
}
FIELD_OF_INPUT = {
    input_id: (tab, name) for tab, inputs in INPUTS.items() for name, input_id in inputs.items()
}
# Each send button sends a code to its tab's phone, for this purpose.
SEND_BUTTONS = {
    "sms-send": ("tab-sms", "login"),
    "pw-send": ("tab-password", "login"),
    "reg-send": ("tab-register", "register"),
    "guest-send": ("tab-guest", "guest"),
}
SEND_BUTTON_OF_TAB = {tab: button_id for button_id, (tab, _) in SEND_BUTTONS.items()}
SUBMIT_LABELS = {"tab-register": "login.submit_register", "tab-guest": "login.submit_guest"}
# The card (76) and the side panel (40 + 2) side by side.
WIDE_ENOUGH_FOR_ASIDE = 118


class LoginScreen(ShopScreen):
    CSS_PATH = "login.tcss"
    BINDINGS = [
        # f2 too: a browser keeps ctrl+t (new tab) for itself when the shop is served on the web.
        Binding("ctrl+t,f2", "next_method", "key.login_method", id="login.method"),
        Binding("ctrl+g", "send_code", "key.send_code", id="login.send_code"),
        Binding("ctrl+o", "qr('wechat')", "key.qr_login", id="login.qr"),
        Binding("ctrl+l", "look_up_order", "lookup.key", id="login.look_up_order"),
        # Leaving for another screen while the app waits on this one would strand the
        # action that asked for the login; escape is the way out.
        Binding("slash,b,c", "stay", show=False, id="login.stay"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._resends = login_flow.CodeResends()
        self._sending: set[str] = set()
        self._two_factor = False

    def where(self) -> str:
        return t("login.title")

    def compose_body(self) -> ComposeResult:
        yield from login_body()

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
        hint, aside = login_flow.demo_hints(served=self.shop.options.served)
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
        if action == "look_up_order":
            return self._active_tab() == "tab-guest"
        return True

    def refusal(self, action: str) -> str | None:
        if action == "look_up_order" and self._active_tab() != "tab-guest":
            return t("lookup.why_not.not_guest_tab")
        if action == "send_code" and not self.check_action(action, ()):
            return t("login.why_not.send_code")
        return None

    def action_send_code(self) -> None:
        self.send_code(SEND_BUTTON_OF_TAB[self._active_tab()])

    def action_qr(self, provider: str) -> None:
        self.open("qr_login", provider, remember=self._remember(), callback=self._qr_done)

    def action_look_up_order(self) -> None:
        """A guest's order by its number and phone (the phone typed here comes along)."""
        self.open("order_lookup", phone=self._value("guest-phone") or self._last_phone(None))

    @on(Button.Pressed, "#guest-lookup")
    def _lookup_pressed(self) -> None:
        self.action_look_up_order()

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
        self.query_one("#submit", Button).label = t(SUBMIT_LABELS.get(tab, "login.submit"))
        # A guest session is never remembered: the choice would mean nothing there.
        self.query_one("#remember", Checkbox).display = tab != "tab-guest"
        self._show_general("")
        # ctrl+t has focused the new tab already; a click on the tab has not.
        if self.focused is None or event.pane not in self.focused.ancestors_with_self:
            self._first_field_to_fill(tab).focus()

    def _first_field_to_fill(self, tab: str) -> Input | Button:
        """The first empty or wrong field of `tab` (its phone filled from the last one
        typed), or the submit button when all are good."""
        phone = self.query_one(f"#{INPUTS[tab]['phone']}", Input)
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
        names = login_flow.fields_to_check(METHOD_OF_TAB[tab], two_factor=self._two_factor)
        return [INPUTS[tab][name] for name in names]

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def _values(self, tab: str) -> dict[str, str]:
        return {name: self._value(input_id) for name, input_id in INPUTS[tab].items()}

    def _check_field(self, field_id: str, *, loud: bool) -> bool:
        """Shows the field's problem under it (quietly while typing); True if it has one.
        An empty field says nothing until the user submits."""
        tab, name = FIELD_OF_INPUT[field_id]
        problem = login_flow.field_problem(METHOD_OF_TAB[tab], name, self._values(tab))
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
        for inputs in INPUTS.values():
            if inputs["phone"] != exclude and self._value(inputs["phone"]):
                return self._value(inputs["phone"])
        return ""

    # --- sending codes -------------------------------------------------------------

    def _show_send_buttons(self) -> None:
        for button_id, (tab, _) in SEND_BUTTONS.items():
            if button_id in self._sending:
                continue
            button = self.query_one(f"#{button_id}", Button)
            phone = self._value(INPUTS[tab]["phone"])
            wait = self._resends.seconds_left(phone, self.shop.clock)
            button.label = t("login.resend_in", seconds=wait) if wait else t("login.send_code")
            button.disabled = wait > 0

    @work(exclusive=True, group="send-code")
    async def send_code(self, button_id: str) -> None:
        from kshop_tui.api import errors

        tab, purpose = SEND_BUTTONS[button_id]
        phone_id, code_id = INPUTS[tab]["phone"], INPUTS[tab]["code"]
        if self._check_field(phone_id, loud=True):
            self.query_one(f"#{phone_id}", Input).focus()
            return
        phone = self._value(phone_id)
        if self._resends.seconds_left(phone, self.shop.clock):
            return
        button = self.query_one(f"#{button_id}", Button)
        button.disabled = True
        button.label = t("login.sending")
        self._sending.add(button_id)
        try:
            sent = await self.shop.run_api(lambda api: api.send_sms_code(phone, purpose))
        except errors.RateLimited as error:
            self._resends.wait(phone, error.retry_after, self.shop.clock)
            self._show_hint(code_id, t("login.resend_wait", seconds=error.retry_after), "-error")
            return
        except errors.ApiError as error:
            self._show_refusal(error, tab)
            return
        else:
            self._resends.wait(phone, sent.retry_after, self.shop.clock)
        finally:
            self._sending.discard(button_id)
            self._show_send_buttons()
        self._show_hint(
            code_id,
            tn("login.code_sent", max(1, sent.expires_in // 60), phone=mask_phone(phone)),
            "",
        )
        self.query_one(f"#{code_id}", Input).focus()
        await show_demo_sms(self, phone, purpose)

    # --- submitting ----------------------------------------------------------------

    @work(exclusive=True, group="submit")
    async def submit(self, tab: str) -> None:
        from kshop_tui.api import errors

        request = login_flow.login_request(
            METHOD_OF_TAB[tab], self._values(tab), two_factor=self._two_factor
        )
        button = self.query_one("#submit", Button)
        label = button.label
        button.disabled = True
        button.label = t("login.working")
        self._show_general("")
        try:
            result = await self.shop.run_api(request)
        except errors.ApiError as error:
            self._show_refusal(error, tab)
            return
        finally:
            button.disabled = False
            button.label = label
        # The demo SMS toast has done its job; it would only cover what comes next.
        self.app.clear_notifications()
        if tab == "tab-guest":
            # A guest session lasts a day and is this terminal's only: never remembered.
            await self.shop.logged_in(result.token, result.user, remember=False)
            self.notify(t("login.guest_welcome", phone=result.user.phone_masked), markup=False)
            self.dismiss(True)
            return
        await self.shop.logged_in(result.token, result.user, remember=self._remember())
        if tab == "tab-register":
            # Offered, not required: whatever the answer, the login itself is done. The
            # welcome goes on the verification card, not in a toast over its fields.
            welcome = t("login.registered", phone=result.user.phone_masked)
            self.open("real_name", offer_skip=True, welcome=welcome, callback=self._real_name_done)
            return
        self.notify(t("login.welcome", phone=result.user.phone_masked), markup=False)
        self.dismiss(True)

    def _real_name_done(self, verified: bool | None) -> None:
        self.dismiss(True)

    def _show_refusal(self, error: ApiError, tab: str) -> None:
        """Puts a refusal where `login_flow.place_refusal` says it goes."""
        refusal = login_flow.place_refusal(error, METHOD_OF_TAB[tab], two_factor=self._two_factor)
        inputs = INPUTS[tab]
        if refusal.ask_two_factor:
            self._reveal_two_factor()
        for name, words in refusal.fields.items():
            self._show_hint(inputs[name], words, "-error")
        if refusal.offer_register:
            self.query_one("#reg-phone", Input).value = self._value(inputs["phone"])
        if refusal.general is not None:
            self._show_general(refusal.general, error=refusal.general_is_error)
        if refusal.focus is not None:
            self.query_one(f"#{inputs[refusal.focus]}", Input).focus()

    def _reveal_two_factor(self) -> None:
        self._two_factor = True
        for widget in self.query(".pw-code-part"):
            widget.display = True
        self.refresh_bindings()
