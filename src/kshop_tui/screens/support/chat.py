"""One support thread as a chat. It polls for messages after the last one it has while
it is on screen, and pages back to older ones. A message that fails to send stays in the
input with a retry; escalating (投诉) asks first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Static

from kshop_tui.api import errors
from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.screen_base import ShopScreen
from kshop_tui.screens.confirm import ConfirmModal
from kshop_tui.screens.support.common import (
    MAX_MESSAGE,
    PAGE_SIZE,
    status_style,
    thread_status_name,
)
from kshop_tui.shop.error_words import error_words
from kshop_tui.text import short_time
from kshop_tui.widgets.text_box import TextBox

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import SupportMessage, SupportThreadDetail

# The most new messages one poll brings; the next poll brings the rest.
POLL_LIMIT = 100


class ChatBubble(Static):
    """One message, labelled with who wrote it and when."""

    def __init__(self, message: SupportMessage, now: float) -> None:
        self.message = message
        text = Text(t(f"cs.sender.{message.sender}"), style="bold")
        text.append("  " + short_time(message.created_at, now), style="dim")
        text.append("\n")
        text.append(message.text)
        super().__init__(text, classes=f"bubble -{message.sender}")


class SupportChatScreen(ShopScreen):
    CSS_PATH = "support.tcss"
    POLL_SECONDS = 2.0
    BINDINGS = [
        # f2 too: a browser keeps ctrl+t (new tab) for itself when the shop is served on the web.
        Binding("ctrl+t,f2", "escalate", "cs.key.escalate", id="support_chat.escalate"),
        Binding("pageup", "older", "cs.key.older", id="support_chat.older"),
    ]

    def __init__(self, thread_id: int) -> None:
        super().__init__()
        self.thread_id = thread_id
        self.thread: SupportThreadDetail | None = None
        self.last_id = 0
        self.older_cursor: str | None = None
        self._shown: set[int] = set()
        self._poller: Timer | None = None

    def where(self) -> str:
        return t("cs.chat.where_loading")

    def compose_body(self) -> ComposeResult:
        yield Static(id="chat-meta", markup=False)
        with VerticalScroll(id="messages"):
            yield Button(t("cs.chat.older"), id="chat-older", compact=True)
        yield Static(id="send-status", markup=False)
        with Horizontal(id="composer"):
            yield TextBox(
                placeholder=t("cs.chat.placeholder"),
                id="chat-input",
                max_length=MAX_MESSAGE,
                compact=True,
            )
            yield Button(t("cs.chat.send"), id="chat-send", variant="primary", compact=True)
            yield Button(t("cs.chat.retry"), id="chat-retry", compact=True)

    def on_mount(self) -> None:
        self.query_one("#chat-retry").display = False
        self.query_one("#chat-older").display = False
        self.query_one("#chat-input", Input).focus()
        self.load()

    def on_screen_suspend(self) -> None:
        if self._poller is not None:
            self._poller.pause()

    def on_screen_resume(self) -> None:
        if self._poller is not None:
            self._poller.resume()

    # --- loading and drawing -------------------------------------------------------

    @work(exclusive=True, group="cs-chat")
    async def load(self) -> None:

        meta = self.query_one("#chat-meta", Static)
        meta.update(Text(t("as.loading"), style="dim"))
        thread = await self.shop.attempt(
            lambda api: api.support_thread(self.thread_id),
            needs_login=True,
            on_refusal=lambda error: meta.update(Text(error_words(error), style="bold red")),
            on_login_cancelled=self.action_back,
        )
        if thread is None:
            return
        self._show_thread(thread)
        if self._poller is None:
            self._poller = self.set_interval(self.POLL_SECONDS, self.poll)

    def _show_thread(self, thread: SupportThreadDetail) -> None:
        self.thread = thread
        self.set_where(t("cs.chat.where", subject=thread.subject))
        meta = Text()
        if thread.order_no:
            meta.append(t("cs.chat.order", order_no=thread.order_no) + "  ·  ", style="dim")
        meta.append(thread_status_name(thread.status), style=status_style(thread.status))
        if thread.status == "open":
            meta.append("  ·  " + t("cs.chat.escalate_hint"), style="dim")
        elif thread.status == "escalated":
            meta.append("  ·  " + t("cs.chat.escalated_hint"), style="dim")
        self.query_one("#chat-meta", Static).update(meta)
        if not self._shown:
            self._show_older_button(thread.messages_next_cursor)
        self._add_messages(thread.messages)
        closed = thread.status == "closed"
        chat_input = self.query_one("#chat-input", Input)
        chat_input.disabled = closed
        self.query_one("#chat-send").display = not closed
        if closed:
            chat_input.placeholder = t("cs.chat.closed")
        self.refresh_bindings()

    def _add_messages(self, messages: list[SupportMessage]) -> None:
        new = [message for message in messages if message.id not in self._shown]
        if not new:
            return
        box = self.query_one("#messages", VerticalScroll)
        now = self.shop.clock.now()
        for message in new:
            self._shown.add(message.id)
            self.last_id = max(self.last_id, message.id)
            row = Horizontal(ChatBubble(message, now), classes=f"bubble-row -{message.sender}")
            box.mount(row)
        box.call_after_refresh(box.scroll_end, animate=False)

    async def poll(self) -> None:
        """New replies since the last message shown; quiet when the backend is away
        (the banner says so)."""
        if self.thread is None or not self.is_current:
            return
        self.fetch_new()

    @work(exclusive=True, group="cs-poll")
    async def fetch_new(self) -> None:

        after = self.last_id
        try:
            page = await self.shop.run_api(
                lambda api: api.thread_messages(self.thread_id, after_id=after, limit=POLL_LIMIT)
            )
        except (errors.ApiError, LoginCancelled):
            return
        messages = page.items
        if self.thread is not None and any(m.sender == "platform" for m in messages):
            # The platform joining changes the thread's status: fetch it whole.
            self.load()
            return
        self._add_messages(messages)

    # --- older messages: a chat pages backwards ------------------------------------

    def _show_older_button(self, cursor: str | None) -> None:
        self.older_cursor = cursor
        self.query_one("#chat-older").display = cursor is not None
        self.refresh_bindings()

    @on(Button.Pressed, "#chat-older")
    def _older_pressed(self) -> None:
        self.load_older()

    def action_older(self) -> None:
        """Scrolls back; at the top, the messages before the first one shown."""
        box = self.query_one("#messages", VerticalScroll)
        if box.scroll_y > 0 or self.older_cursor is None:
            box.scroll_page_up(animate=False)
        else:
            self.load_older()

    @work(exclusive=True, group="cs-older")
    async def load_older(self) -> None:

        cursor = self.older_cursor
        if cursor is None:
            return
        button = self.query_one("#chat-older", Button)
        button.label = t("as.loading")
        try:
            page = await self.shop.attempt(
                lambda api: api.thread_messages(self.thread_id, cursor=cursor, limit=PAGE_SIZE),
                needs_login=True,
            )
        finally:
            button.label = t("cs.chat.older")
        if page is None:
            return
        older = [message for message in page.items if message.id not in self._shown]
        self._shown.update(message.id for message in older)
        box = self.query_one("#messages", VerticalScroll)
        now = self.shop.clock.now()
        await box.mount_all(
            [Horizontal(ChatBubble(m, now), classes=f"bubble-row -{m.sender}") for m in older],
            after=button,
        )
        self._show_older_button(page.next_cursor)
        box.call_after_refresh(box.scroll_home, animate=False)

    # --- sending -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escalate":
            return self.thread is not None and self.thread.status == "open"
        if action == "older":
            return self.older_cursor is not None
        return True

    @on(Input.Submitted, "#chat-input")
    @on(Button.Pressed, "#chat-send")
    @on(Button.Pressed, "#chat-retry")
    def _send_pressed(self) -> None:
        self.action_send_input()

    def action_send_input(self) -> None:
        text = self.query_one("#chat-input", Input).value.strip()
        if not text or self.thread is None or self.thread.status == "closed":
            return
        self.send(text)

    @work(exclusive=True, group="cs-send")
    async def send(self, text: str) -> None:

        status = self.query_one("#send-status", Static)
        status.set_class(False, "-error")
        status.update(Text(t("cs.sending"), style="dim"))
        message = await self.shop.attempt(
            lambda api: api.send_message(self.thread_id, text),
            needs_login=True,
            on_refusal=self._send_failed,
            on_login_cancelled=lambda: status.update(""),
        )
        if message is None:
            return
        self.query_one("#chat-retry").display = False
        status.update("")
        chat_input = self.query_one("#chat-input", Input)
        if chat_input.value.strip() == text:
            chat_input.value = ""
        self._add_messages([message])

    def _send_failed(self, error: ApiError) -> None:
        """The text stays in the input; the retry button (or enter) sends it again."""

        reason = error_words(error, unreachable=t("backend.unreachable"))
        status = self.query_one("#send-status", Static)
        status.update(Text(t("cs.chat.not_sent", reason=reason)))
        status.set_class(True, "-error")
        self.query_one("#chat-retry").display = True
        if isinstance(error, errors.Conflict):
            self.load()

    # --- escalating ----------------------------------------------------------------

    def action_escalate(self) -> None:
        if self.thread is not None and self.thread.status == "open":
            self.escalate()

    @work(exclusive=True, group="cs-escalate")
    async def escalate(self) -> None:

        confirmed = await self.app.push_screen_wait(
            ConfirmModal(t("cs.escalate.question"), t("cs.escalate.yes"))
        )
        if not confirmed:
            return
        thread = await self.shop.attempt(
            lambda api: api.escalate_thread(self.thread_id), needs_login=True
        )
        if thread is None:
            return
        self._show_thread(thread)
        self.notify(t("cs.escalated"))
