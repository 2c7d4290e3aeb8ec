"""`kshop login | logout | whoami`. The password is read without echo (or from stdin for
scripts), sent once, and never printed or stored; the token goes to the shop's store.
`kshop login --token-stdin` stores a personal access token (`kshop token create`) instead."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kshop_tui.api import errors, models
from kshop_tui.cli_commands import args as types
from kshop_tui.cli_commands.output import when
from kshop_tui.cli_commands.runtime import (
    ACCESS_TOKEN_PREFIX,
    BACKEND_DOWN,
    OK,
    Cli,
    UsageError,
    add_json,
)
from kshop_tui.i18n import t
from kshop_tui.text import mask_phone

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Commands


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    login = commands.add_parser("login", parents=[common], help=t("cli.auth.login"))
    login.add_argument("phone", nargs="?", type=types.phone, help=t("cli.auth.login.phone"))
    login.add_argument("--sms", action="store_true", help=t("cli.auth.login.sms"))
    login.add_argument(
        "--guest",
        action="store_true",
        help=t("cli.auth.login.guest"),
    )
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help=t("cli.auth.login.password_stdin"),
    )
    login.add_argument(
        "--token-stdin",
        action="store_true",
        help=t("cli.auth.login.token_stdin"),
    )
    login.set_defaults(online=login_command)

    logout = commands.add_parser("logout", parents=[common], help=t("cli.auth.logout"))
    logout.set_defaults(online=logout_command)

    whoami = commands.add_parser("whoami", parents=[common], help=t("cli.auth.whoami"))
    add_json(whoami)
    whoami.set_defaults(online=whoami_command)


async def login_command(cx: Cli) -> int:
    if cx.args.token_stdin:
        return await _login_with_access_token(cx)
    phone = cx.args.phone or _ask_phone(cx)
    client = cx.client
    client.token = None  # a login request carries no earlier session
    if cx.args.guest:
        return await _guest_login(cx, phone)
    if cx.args.sms:
        await send_code(cx, phone, "login")
        result = await client.login_with_code(phone, ask_code(cx))
    else:
        password = _password(cx)
        try:
            result = await client.login_with_password(phone, password)
        except errors.CredentialsRejected as error:
            if error.code != "TWO_FACTOR_REQUIRED":
                raise
            cx.out.note(error.message)
            await send_code(cx, phone, "login")
            result = await client.login_with_password(phone, password, ask_code(cx))
    client.token = result.token
    where = cx.tokens.save(result.token, remember=True)
    cx.out.line(f"Logged in as {result.user.nickname} ({result.user.phone_masked}).")
    _say_where(cx, where)
    return OK


async def _login_with_access_token(cx: Cli) -> int:
    """Checks the token with `/me` (every scope reads) before keeping it."""
    if cx.args.phone or cx.args.sms or cx.args.password_stdin:
        raise UsageError("--token-stdin takes no phone, --sms or --password-stdin")
    token = cx.stdin_line("access token").strip()
    if not token.startswith(ACCESS_TOKEN_PREFIX):
        raise UsageError(
            f"an access token starts with {ACCESS_TOKEN_PREFIX} (`kshop token create`)"
        )
    cx.client.token = token
    user = await cx.client.me()
    where = cx.tokens.save(token, remember=True)
    cx.out.line(f"Logged in with an access token as {user.nickname} ({user.phone_masked}).")
    _say_where(cx, where)
    return OK


def _say_where(cx: Cli, where: str) -> None:
    if where == "file":
        cx.out.note(f"No system keyring: the login is kept in {cx.tokens.fallback_file} (0600).")
    elif where == "memory":
        cx.out.note("--demo: the demo shop is new on every run, so this login is not kept.")


async def _guest_login(cx: Cli, phone: str) -> int:
    """docs/api.md §7.4: a guest may order (with an inline address) and pay by QR or card."""
    if cx.args.sms or cx.args.password_stdin:
        raise UsageError("--guest logs in with an SMS code only")
    await send_code(cx, phone, "guest")
    result = await cx.client.guest_login(phone, ask_code(cx))
    cx.client.token = result.token
    where = cx.tokens.save(result.token, remember=True)
    cx.out.line(
        f"Ordering as a guest ({result.user.phone_masked}) until {when(result.expires_at)}."
        " Pay with alipay, wechat_pay or bank_card; register this phone to keep the orders."
    )
    if where == "file":
        cx.out.note(f"No system keyring: the login is kept in {cx.tokens.fallback_file} (0600).")
    return OK


async def logout_command(cx: Cli) -> int:
    if not cx.client.token:
        cx.out.line("Not logged in.")
        return OK
    if cx.client.token.startswith(ACCESS_TOKEN_PREFIX):
        # An access token cannot log itself out: it lives until it is revoked or expires.
        cx.tokens.clear()
        cx.out.line("Forgot the access token here.")
        cx.out.note(
            "It stays valid until it expires or is revoked (`kshop token revoke ID`, logged in)."
        )
        return OK
    try:
        await cx.client.logout()
    except errors.AuthExpired:
        pass  # the backend had already ended it
    except errors.BackendUnreachable as error:
        cx.tokens.clear()
        cx.out.error(
            f"logged out here, but the backend did not answer ({error.message}): "
            "the session stays valid there until it expires"
        )
        return BACKEND_DOWN
    cx.tokens.clear()
    cx.out.line("Logged out.")
    return OK


async def whoami_command(cx: Cli) -> int:
    user = await cx.require_login().me()
    if cx.out.json_mode:
        cx.out.model(user)
        return OK
    cx.out.fields(_user_fields(user))
    return OK


def _user_fields(user: models.User) -> list[tuple[str, str]]:
    return [
        ("cli.field.nickname", user.nickname),
        ("cli.field.phone", user.phone_masked),
        ("cli.field.user_id", str(user.id)),
        ("cli.field.real_name", user.real_name_masked or "not verified"),
        ("cli.field.two_step_login", "on" if user.two_factor_enabled else "off"),
        ("cli.field.payment_password", "set" if user.has_payment_password else "not set"),
    ]


def _ask_phone(cx: Cli) -> str:
    try:
        return types.phone(cx.ask("Phone: "))
    except argparse.ArgumentTypeError as error:
        raise UsageError(str(error)) from None


def _password(cx: Cli) -> str:
    if cx.args.password_stdin:
        return cx.stdin_line("password")
    return cx.ask("Password: ", secret=True)


def ask_code(cx: Cli) -> str:
    return cx.ask("SMS code: ").strip()


async def send_code(cx: Cli, phone: str, purpose: str) -> None:
    """Sends an SMS code of `purpose`; the bundled backend's code is shown (its outbox
    stands in for the phone)."""
    await cx.client.send_sms_code(phone, purpose)
    cx.out.note(f"An SMS code was sent to {mask_phone(phone)}.")
    if not cx.backend.simulated:
        return
    messages = await cx.client.dev_sms_codes(phone)
    codes = [message.code for message in messages if message.purpose == purpose]
    if codes:
        cx.out.note(f"Demo shop: the code is {codes[-1]}.")
