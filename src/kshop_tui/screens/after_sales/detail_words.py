"""How one after-sale is told on its screen: its status, what was asked, the refund, the
merchant's deadline, where the goods go back, and the timelines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from kshop_tui.i18n import t, tn
from kshop_tui.shop.flows.after_sale import PROBLEM_STATES, status_tone
from kshop_tui.text import local_time, money, short_time
from kshop_tui.widgets.status_badge import after_sale_status_name, time_left
from kshop_tui.widgets.timeline import TimelineEntry, Tone

if TYPE_CHECKING:
    from kshop_tui.api.models import AfterSale, Tracking

SELECT_WIDTH = 32
STATUS_STYLES = {"problem": "bold red", "refunded": "bold green", "open": "bold yellow"}


def one_line_text(words: str) -> Text:
    """A choice that fits one line of a narrow select (measured in cells)."""
    text = Text(words, no_wrap=True)
    text.truncate(SELECT_WIDTH, overflow="ellipsis")
    return text


def status_line(after_sale: AfterSale) -> Text:
    status = Text(t(f"as.type.{after_sale.type}"), style="bold")
    status.append("  ·  ")
    status.append(
        after_sale_status_name(after_sale.status),
        style=STATUS_STYLES[status_tone(after_sale.status)],
    )
    if after_sale.type != "exchange":  # an exchange moves no money
        status.append("   " + money(after_sale.amount_fen), style="bold")
        status.append("  " + t(f"as.refund_to_short.{after_sale.refund_to}"), style="dim")
    return status


def appeal_outcome_words(outcome: str) -> Text:
    """What came of the appeal, in words of what happens next."""
    style = "bold red" if outcome == "upheld" else "bold"
    return Text(t(f"as.appeal_outcome.{outcome}"), style=style)


def replacement_note(after_sale: AfterSale) -> Text:
    """The replacement's parcel, and when it counts as received by itself."""
    parcel = after_sale.replacement
    if parcel is None:
        return Text()
    return Text(
        t(
            "as.replacement_note",
            carrier=parcel.carrier,
            number=parcel.tracking_no,
            at=local_time(after_sale.replacement_confirm_by),
        ),
        style="bold",
    )


def refund_note(after_sale: AfterSale) -> Text:
    """Where the money went, once refunded."""
    account = after_sale.refund_account or after_sale.refund_to
    return Text(
        t(
            "as.refunded_note",
            amount=money(after_sale.amount_fen),
            account=_account_name(account),
            at=local_time(after_sale.refunded_at),
        ),
        style="bold",
    )


def deadline_words(after_sale: AfterSale, seconds_left: float) -> Text:
    if seconds_left > 0:
        words = t(
            "as.deadline", at=local_time(after_sale.deadline_at), left=time_left(seconds_left)
        )
    else:
        words = t("as.deadline_passed")
    return Text(words, style="yellow")


def return_address(after_sale: AfterSale) -> Text:
    """Where the goods go back, and who pays the shipping."""
    address = after_sale.return_address
    words = Text(t("as.return_to"), style="bold")
    if address is not None:
        words.append(f"{address.name} {address.phone}\n{address.one_line()}")
    shipping = "merchant" if after_sale.merchant_pays_return_shipping else "buyer"
    words.append("\n" + t(f"as.return_shipping.{shipping}"), style="dim")
    return words


def rejection(after_sale: AfterSale) -> Text:
    words = Text(t("as.rejected_because"), style="bold")
    words.append(after_sale.merchant_note or t("as.no_reason_given"))
    return words


def _account_name(account: str) -> str:
    key = f"as.account.{account}"
    name = t(key)
    return account if name == key else name


def summary(after_sale: AfterSale) -> Text:
    text = Text()
    wanted = {entry.item_id: entry for entry in after_sale.exchange_items}
    for item in after_sale.items:
        specs = "/".join(item.specs.values())
        text.append("• " + item.name)
        text.append(f"  {specs} × {item.qty}" if specs else f"  × {item.qty}", style="dim")
        replacement = wanted.get(item.item_id)
        if replacement is not None:
            new_specs = "/".join(replacement.specs.values()) or item.name
            text.append("  " + t("as.exchange_for", specs=new_specs), style="bold")
        text.append("\n")
    text.append(t("as.review.reason") + ": ", style="dim")
    text.append(after_sale.reason_label)
    if after_sale.photo_ids:
        text.append("   " + tn("as.review.photo_count", len(after_sale.photo_ids)), style="dim")
    if after_sale.description:
        text.append("\n")
        text.append(after_sale.description, style="italic")
    if after_sale.appeal_reason:
        text.append("\n" + t("as.appealed_with") + " ", style="dim")
        text.append(after_sale.appeal_reason)
    if after_sale.pickup is not None:
        text.append("\n" + t("as.pickup.booked", slot=after_sale.pickup.slot), style="dim")
    return text


def timeline(after_sale: AfterSale, now: float) -> tuple[TimelineEntry, ...]:
    """Newest first, the last step lit (red when it ended the request)."""
    entries = []
    last = len(after_sale.timeline) - 1
    for index, event in enumerate(after_sale.timeline):
        actor = t(f"as.actor.{event.actor}")
        title = f"{after_sale_status_name(event.status)} · {actor}"
        tone: Tone = "normal"
        if index == last:
            tone = "problem" if event.status in PROBLEM_STATES else "current"
        entries.append(
            TimelineEntry(at=short_time(event.at, now), title=title, detail=event.note, tone=tone)
        )
    return tuple(reversed(entries))


def parcel_title(tracking: Tracking, *, replacement: bool = False) -> Text:
    key = f"as.parcel.status.{tracking.status}"
    name = t(key)
    status = tracking.status if name == key else name
    return Text(
        t(
            "as.parcel.replacement_title" if replacement else "as.parcel.title",
            carrier=tracking.carrier_name,
            number=tracking.tracking_no,
            status=status,
        )
    )


def parcel_timeline(tracking: Tracking, now: float) -> tuple[TimelineEntry, ...]:
    return tuple(
        TimelineEntry(
            at=short_time(event.at, now),
            title=event.text,
            detail=event.location,
            tone="current" if index == 0 else "normal",
        )
        for index, event in enumerate(tracking.events)
    )
