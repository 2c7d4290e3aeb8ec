"""How the wallet's screens and dialogs show things: signed amounts, accounts, kinds of
entry, cards, history rows, and pay-later's figures and status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from kshop_tui.i18n import t
from kshop_tui.shop.flows.wallet import BNPL_STEPS
from kshop_tui.text import money, short_time, signed_money
from kshop_tui.widgets.row_table import tone

if TYPE_CHECKING:
    from textual.app import App

    from kshop_tui.api.models import BankCard, Bnpl, Transaction


def account_name(account: str) -> str:
    key = f"wallet.account.{account}"
    name = t(key)
    return account if name == key else name


def kind_name(kind: str) -> str:
    key = f"wallet.kind.{kind}"
    name = t(key)
    return kind if name == key else name


def card_label(card: BankCard) -> str:
    return f"{card.bank} ••{card.last4}"


def append_bnpl_figures(text: Text, bnpl: Bnpl) -> None:
    """Pay-later's limit, what is used of it and what is left, on one line."""
    text.append(t("wallet.bnpl.limit") + " ", style="dim")
    text.append(money(bnpl.limit_fen), style="bold")
    text.append("   " + t("wallet.bnpl.used") + " ", style="dim")
    text.append(money(bnpl.used_fen), style="bold")
    text.append("   " + t("wallet.bnpl.available") + " ", style="dim")
    text.append(money(bnpl.available_fen), style="bold")


def bnpl_status(bnpl: Bnpl, app: App[Any]) -> Text:
    """Pay-later on (its figures), or off: its offer and what still blocks it, each with
    the way there."""
    status = Text()
    if bnpl.enabled:
        status.append("✓ " + t("wallet.bnpl.enabled") + "\n", style=tone(app, "success"))
        append_bnpl_figures(status, bnpl)
        return status
    status.append(t("wallet.bnpl.not_enabled") + "\n", style="bold")
    status.append(t("wallet.bnpl.limit_offer", amount=money(bnpl.limit_fen)) + "\n")
    for need in BNPL_STEPS:
        missing = need in bnpl.missing
        mark = "✗ " if missing else "✓ "
        style = tone(app, "error" if missing else "success")
        status.append(mark + t(f"wallet.bnpl.need.{need}"), style=style)
        if missing:
            status.append("  " + t(f"wallet.bnpl.how.{need}"), style="dim")
        status.append("\n")
    status.rstrip()
    return status


def history_cells(item: Transaction, app: App[Any], now: float) -> tuple[Text, Text, Text, Text]:
    """A row of the history: when, which account and what, the note, the amount."""
    when = Text(short_time(item.at, now), style="dim")
    what = Text(f"{account_name(item.account)} · {kind_name(item.kind)}")
    note = Text(item.note, no_wrap=True, overflow="ellipsis")
    if item.order_id is not None:
        note.append(("  " if item.note else "") + t("wallet.order", id=item.order_id), "dim")
    colour = tone(app, "success" if item.amount_fen > 0 else "error")
    amount = Text(signed_money(item.amount_fen), style=colour, justify="right")
    return when, what, note, amount
