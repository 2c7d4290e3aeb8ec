"""The login screen's form: a tab per way of logging in, each field with its hint line,
and the side panel shown on wide terminals."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static, TabbedContent, TabPane

from kshop_tui.i18n import t
from kshop_tui.widgets.strength import StrengthMeter
from kshop_tui.widgets.text_box import TextBox
from kshop_tui.widgets.toggles import Checkbox


def login_body() -> ComposeResult:
    with Horizontal(id="login-body"):
        with Vertical(id="login-card") as card:
            card.border_title = t("login.card_title")
            with TabbedContent(id="methods", initial="tab-sms"):
                with TabPane(t("login.tab.sms"), id="tab-sms"):
                    yield from _sms_fields()
                with TabPane(t("login.tab.password"), id="tab-password"):
                    yield from _password_fields()
                with TabPane(t("login.tab.register"), id="tab-register"):
                    yield from _register_fields()
                with TabPane(t("login.tab.guest"), id="tab-guest"):
                    yield from _guest_fields()
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


def _sms_fields() -> ComposeResult:
    yield from _field("sms-phone", "login.phone", _phone_input("sms-phone"))
    yield from _field("sms-code", "login.code", _code_input("sms-code"), _send_button("sms-send"))


def _password_fields() -> ComposeResult:
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


def _register_fields() -> ComposeResult:
    yield from _field("reg-phone", "login.phone", _phone_input("reg-phone"))
    yield from _field("reg-code", "login.code", _code_input("reg-code"), _send_button("reg-send"))
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


def _guest_fields() -> ComposeResult:
    """Buying without an account (docs/api.md §7.4): a phone and its code."""
    yield from _field("guest-phone", "login.phone", _phone_input("guest-phone"))
    yield from _field(
        "guest-code", "login.code", _code_input("guest-code"), _send_button("guest-send")
    )
    yield Static(t("login.guest_note"), classes="muted guest-note", markup=False)
    with Horizontal(classes="guest-lookup-row"):
        yield Button(t("lookup.open"), id="guest-lookup", compact=True)


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
    return TextBox(
        placeholder=t("login.phone_placeholder"),
        id=input_id,
        restrict=r"[0-9]*",
        max_length=11,
        compact=True,
    )


def _code_input(input_id: str) -> Input:
    return TextBox(
        placeholder=t("login.code_placeholder"),
        id=input_id,
        restrict=r"[0-9]*",
        max_length=6,
        compact=True,
    )


def _password_input(input_id: str, placeholder_key: str) -> Input:
    return TextBox(
        placeholder=t(placeholder_key), id=input_id, password=True, max_length=64, compact=True
    )


def _send_button(button_id: str) -> Button:
    return Button(t("login.send_code"), id=button_id, classes="send-code", compact=True)
