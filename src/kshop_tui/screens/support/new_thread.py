"""A new support thread: subject, first message and (optionally) the order it is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.screens.support.common import MAX_MESSAGE
from kshop_tui.shop.error_words import error_words
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import OrderSummary

MAX_SUBJECT = 60


class NewThreadModal(ShopModal):
    """Subject, first message and (optionally) the order it is about; answers the new
    thread, or None."""

    BINDINGS = [Binding("ctrl+s", "send", "cs.key.send", id="support_new.send")]
    DEFAULT_CSS = """
    NewThreadModal { align: center middle; }
    NewThreadModal > Vertical {
        width: 72; max-width: 100%; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
        border-title-color: $text-primary; border-title-style: bold;
    }
    NewThreadModal .row { height: 1; }
    NewThreadModal .field-label { width: 10; color: $text-muted; }
    NewThreadModal Input, NewThreadModal Select { width: 1fr; }
    NewThreadModal .hint { height: auto; padding-left: 10; color: $text-error; }
    NewThreadModal #new-general { height: auto; color: $text-error; }
    NewThreadModal #new-actions { height: 1; align-horizontal: right; margin-top: 1; }
    """

    def __init__(self, order_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id

    def compose(self) -> ComposeResult:
        with Vertical() as dialog:
            dialog.border_title = t("cs.new.title")
            with Horizontal(classes="row"):
                yield Label(t("cs.new.order"), classes="field-label")
                yield Select[int]([], id="new-order", prompt=t("cs.new.no_order"), compact=True)
            yield Static(id="new-order-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("cs.new.subject"), classes="field-label")
                yield TextBox(
                    placeholder=t("cs.new.subject_placeholder"),
                    id="new-subject",
                    max_length=MAX_SUBJECT,
                    compact=True,
                )
            yield Static(id="new-subject-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("cs.new.message"), classes="field-label")
                yield TextBox(
                    placeholder=t("cs.new.message_placeholder"),
                    id="new-message",
                    max_length=MAX_MESSAGE,
                    compact=True,
                )
            yield Static(id="new-message-hint", classes="hint", markup=False)
            yield Static(id="new-general", markup=False)
            with Horizontal(id="new-actions"):
                yield Button(t("cs.new.send"), id="new-send", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#new-subject", Input).focus()
        self.load_orders()

    @work(exclusive=True, group="cs-orders")
    async def load_orders(self) -> None:
        """The user's recent orders to choose from (the one asked about first)."""

        page = await self.shop.attempt(
            lambda api: api.orders(limit=20),
            needs_login=True,
            on_refusal=lambda error: self._hint("new-order-hint", error_words(error)),
        )
        if page is None:
            return
        options = [(_order_label(order), order.id) for order in page.items]
        wanted = self.order_id
        if wanted is not None and all(order.id != wanted for order in page.items):
            asked_about = wanted
            try:
                order = await self.shop.run_api(lambda api: api.order(asked_about))
            except errors.ApiError:
                wanted = None
            else:
                options.insert(0, (Text(order.order_no), order.id))
        select = self.query_one("#new-order", Select)
        select.set_options(options)
        if wanted is not None:
            select.value = wanted

    def action_send(self) -> None:
        self._send()

    @on(Button.Pressed, "#new-send")
    @on(Input.Submitted, "#new-message")
    def _send(self) -> None:
        subject = self.query_one("#new-subject", Input).value.strip()
        message = self.query_one("#new-message", Input).value.strip()
        self._hint("new-subject-hint", "" if subject else t("cs.new.subject_required"))
        self._hint("new-message-hint", "" if message else t("cs.new.message_required"))
        if not subject:
            self.query_one("#new-subject", Input).focus()
        elif not message:
            self.query_one("#new-message", Input).focus()
        else:
            order = self.query_one("#new-order", Select).value
            self.create(subject, message, order if isinstance(order, int) else None)

    @on(Input.Submitted, "#new-subject")
    def _subject_done(self) -> None:
        self.query_one("#new-message", Input).focus()

    @work(exclusive=True, group="cs-create")
    async def create(self, subject: str, message: str, order_id: int | None) -> None:

        self._hint("new-general", t("cs.sending"))
        thread = await self.shop.attempt(
            lambda api: api.open_thread(subject, message, order_id),
            needs_login=True,
            on_refusal=self._show_refusal,
            on_login_cancelled=lambda: self._hint("new-general", ""),
        )
        if thread is None:
            return
        self.dismiss(thread)

    def _show_refusal(self, error: ApiError) -> None:

        hints = {"subject": "new-subject-hint", "message": "new-message-hint"}
        if isinstance(error, errors.ValidationFailed) and error.fields:
            self._hint("new-general", "")
            for name, words in error.fields.items():
                self._hint(hints.get(name, "new-general"), words)
        else:
            self._hint("new-general", error_words(error, unreachable=t("backend.unreachable")))

    def _hint(self, hint_id: str, message: str) -> None:
        self.query_one(f"#{hint_id}", Static).update(Text(message))


def _order_label(order: OrderSummary) -> Text:
    words = order.order_no
    if order.first_item is not None:
        words += "  " + order.first_item.name
    return Text(words, no_wrap=True, overflow="ellipsis")
