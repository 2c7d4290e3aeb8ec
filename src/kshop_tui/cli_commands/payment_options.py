"""The payment options of the commands that pay (`order place`, `order pay`, `order
import`), and the payment password, asked before anything is sent."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, get_args

from kshop_tui.api import models
from kshop_tui.cli_commands import args as types
from kshop_tui.i18n import t
from kshop_tui.shop.flows.payment import PASSWORD_METHODS

if TYPE_CHECKING:
    from kshop_tui.cli_commands.runtime import Cli

METHODS: tuple[str, ...] = get_args(models.PaymentMethod)
QR_LIFETIME_SECONDS = 15 * 60
__all__ = ["METHODS", "PASSWORD_METHODS", "add_payment_options", "payment_password"]


def add_payment_options(parser: argparse.ArgumentParser, *, wait: bool = True) -> None:
    """`--pay METHOD` and `--payment-password-stdin`; with `wait`, `--wait` and
    `--timeout` for a QR method."""
    parser.add_argument(
        "--pay",
        choices=METHODS,
        required=True,
        metavar="METHOD",
        help=t("cli.orders.parser.pay", methods=", ".join(METHODS)),
    )
    parser.add_argument(
        "--payment-password-stdin",
        action="store_true",
        help=t("cli.orders.parser.payment_password_stdin"),
    )
    if not wait:
        return
    parser.add_argument("--wait", action="store_true", help=t("cli.orders.parser.wait"))
    parser.add_argument(
        "--timeout",
        type=types.positive_int,
        default=QR_LIFETIME_SECONDS,
        metavar="SECONDS",
        help=t("cli.orders.parser.timeout"),
    )


def payment_password(cx: Cli, method: str) -> str | None:
    """Balance, bank card and pay-later settle at once and need the payment password;
    Alipay and WeChat Pay answer a QR code to scan. Asked before anything is sent, so a
    script without it fails before ordering."""
    if method not in PASSWORD_METHODS:
        return None
    if cx.args.payment_password_stdin:
        return cx.stdin_line("payment password")
    return cx.ask("Payment password: ", secret=True)
