"""A message to the merchant about one order (a new customer-service thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopModal
from kshop_tui.widgets.footer import ShopFooter
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.models import Order

SUBJECT_MAX = 60
MESSAGE_MAX = 1000


class ContactSupportDialog(ShopModal):
    """A message to the merchant about this order; dismisses True once sent."""

    CSS_PATH = "detail.tcss"
    BINDINGS = [Binding("ctrl+s", "send", "orders.key.send", id="orders.support.send")]

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="support-dialog") as dialog:
            dialog.border_title = t("orders.support.title", order_no=self.order.order_no)
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.support.subject"), classes="dialog-label")
                yield TextBox(
                    t("orders.support.default_subject", order_no=self.order.order_no),
                    max_length=SUBJECT_MAX,
                    id="support-subject",
                )
            yield Static(id="support-subject-error", classes="field-error")
            with Horizontal(classes="dialog-row"):
                yield Static(t("orders.support.message"), classes="dialog-label")
                yield TextBox(
                    placeholder=t("orders.support.placeholder"),
                    max_length=MESSAGE_MAX,
                    id="support-message",
                )
            yield Static(id="support-message-error", classes="field-error")
            yield Static(Text(t("orders.support.hint")), classes="dialog-hint")
        yield ShopFooter()

    def on_mount(self) -> None:
        self.query_one("#support-message", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        self.send()

    @work(exclusive=True, group="support-send")
    async def send(self) -> None:

        subject = self.query_one("#support-subject", Input).value.strip()
        message = self.query_one("#support-message", Input).value.strip()
        subject_error = self.query_one("#support-subject-error", Static)
        message_error = self.query_one("#support-message-error", Static)
        subject_error.update(Text(t("valid.required")) if not subject else "")
        message_error.update(Text(t("valid.required")) if not message else "")
        if not subject or not message:
            return
        order_id = self.order.id
        try:
            await self.shop.run_api(
                lambda api: api.open_thread(subject, message, order_id), needs_login=True
            )
        except errors.ValidationFailed as error:
            fields = error.fields
            subject_error.update(Text(fields.get("subject", "")))
            message_error.update(Text(fields.get("message") or error.message))
            return
        except errors.ApiError as error:
            message_error.update(Text(error.message))
            return
        self.dismiss(True)
