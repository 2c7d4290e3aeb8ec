"""Customer support (客服): the user's threads, a new thread (optionally about an order),
and a chat per thread where the merchant's and the platform's replies appear live.

The chat polls for messages after the last one it has while it is on screen. A message
that fails to send stays in the input with a retry; escalating (投诉) asks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static
from textual.widgets.data_table import ColumnKey

from kshop_tui.api.errors import LoginCancelled
from kshop_tui.i18n import t
from kshop_tui.paged_screen import PagedListScreen
from kshop_tui.screen_base import ShopModal, ShopScreen
from kshop_tui.text import local_time
from kshop_tui.widgets.confirm import ConfirmModal
from kshop_tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from kshop_tui.api.errors import ApiError
    from kshop_tui.api.models import (
        OrderSummary,
        SupportMessage,
        SupportThread,
        SupportThreadDetail,
    )

PAGE_SIZE = 20
# The most new messages one poll brings; the next poll brings the rest.
POLL_LIMIT = 100
MAX_SUBJECT = 60
MAX_MESSAGE = 1000
ORDER_WIDTH = 16
STATUS_WIDTH = 8
TIME_WIDTH = 11


def thread_status_name(status: str) -> str:
    key = f"cs.status.{status}"
    name = t(key)
    return status if name == key else name


class SupportScreen(PagedListScreen["SupportThread"]):
    """The threads list."""

    CSS_PATH = "support.tcss"
    BINDINGS = [
        Binding("enter", "open", "key.open", id="support.open"),
        Binding("n", "new_thread", "cs.key.new", id="support.new"),
        Binding("r", "reload", "as.key.refresh", id="support.refresh"),
    ]
    EMPTY_ID = "threads-empty"
    TABLE_ID = "threads-table"
    EMPTY_KEY = "cs.empty"

    def __init__(self) -> None:
        super().__init__()
        self._last_width = 0

    def where(self) -> str:
        return t("cs.title")

    def make_table(self) -> PagedTable[SupportThread]:
        return PagedTable(
            lambda api, cursor: api.support_threads(cursor=cursor, limit=PAGE_SIZE),
            self._cells,
            lambda thread: thread.id,
            id=self.TABLE_ID,
        )

    def add_columns(self, table: PagedTable[SupportThread]) -> None:
        table.add_column(Text(t("cs.col.subject")), key="subject")
        table.add_column(Text(t("cs.col.order")), key="order", width=ORDER_WIDTH)
        table.add_column(Text(t("cs.col.status")), key="status", width=STATUS_WIDTH)
        table.add_column(Text(t("cs.col.last")), key="last")
        table.add_column(Text(t("cs.col.updated")), key="updated", width=TIME_WIDTH)

    def size_columns(self, table: PagedTable[SupportThread]) -> None:
        # The table's margins and each column's padding, then the fixed columns.
        free = max(24, self.size.width - 2 - 2 * 5 - ORDER_WIDTH - STATUS_WIDTH - TIME_WIDTH)
        subject_width = max(12, free * 2 // 5)
        self._last_width = free - subject_width
        for key, width in (("subject", subject_width), ("last", self._last_width)):
            column = table.columns[ColumnKey(key)]
            column.width = width
            column.auto_width = False

    def _cells(self, thread: SupportThread) -> tuple[Text, ...]:
        last = Text("")
        if thread.last_message is not None:
            who = t(f"cs.sender.{thread.last_message.sender}")
            last = Text(f"{who}: ", style="dim")
            last.append(" ".join(thread.last_message.text.split()))
            last.truncate(self._last_width, overflow="ellipsis")
        return (
            Text(thread.subject, overflow="ellipsis", no_wrap=True),
            Text(thread.order_no or "—", style="" if thread.order_no else "dim"),
            Text(thread_status_name(thread.status), style=_status_style(thread.status)),
            last,
            Text(local_time(thread.updated_at, "%m-%d %H:%M")),
        )

    def open_entry(self, entry: SupportThread) -> None:
        self.app.push_screen(SupportChatScreen(entry.id))

    def action_new_thread(self) -> None:
        self.new_thread()

    @work(group="cs-new")
    async def new_thread(self) -> None:
        thread = await self.app.push_screen_wait(NewThreadModal())
        if thread is not None:
            self.app.push_screen(SupportChatScreen(thread.id))


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
                yield Input(
                    placeholder=t("cs.new.subject_placeholder"),
                    id="new-subject",
                    max_length=MAX_SUBJECT,
                    compact=True,
                )
            yield Static(id="new-subject-hint", classes="hint", markup=False)
            with Horizontal(classes="row"):
                yield Label(t("cs.new.message"), classes="field-label")
                yield Input(
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
        from kshop_tui.api import errors

        try:
            page = await self.shop.run_api(lambda api: api.orders(limit=20), needs_login=True)
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self._hint("new-order-hint", error.message)
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
        from kshop_tui.api import errors

        self._hint("new-general", t("cs.sending"))
        try:
            thread = await self.shop.run_api(
                lambda api: api.open_thread(subject, message, order_id), needs_login=True
            )
        except LoginCancelled:
            self._hint("new-general", "")
            return
        except errors.ApiError as error:
            self._show_refusal(error)
            return
        self.dismiss(thread)

    def _show_refusal(self, error: ApiError) -> None:
        from kshop_tui.api import errors

        hints = {"subject": "new-subject-hint", "message": "new-message-hint"}
        if isinstance(error, errors.ValidationFailed) and error.fields:
            self._hint("new-general", "")
            for name, words in error.fields.items():
                self._hint(hints.get(name, "new-general"), words)
        elif isinstance(error, errors.BackendUnreachable):
            self._hint("new-general", t("backend.unreachable"))
        else:
            self._hint("new-general", error.message)

    def _hint(self, hint_id: str, message: str) -> None:
        self.query_one(f"#{hint_id}", Static).update(Text(message))


def _order_label(order: OrderSummary) -> Text:
    words = order.order_no
    if order.first_item is not None:
        words += "  " + order.first_item.name
    return Text(words, no_wrap=True, overflow="ellipsis")


class ChatBubble(Static):
    """One message, labelled with who wrote it and when."""

    def __init__(self, message: SupportMessage) -> None:
        self.message = message
        text = Text(t(f"cs.sender.{message.sender}"), style="bold")
        text.append("  " + local_time(message.created_at, "%m-%d %H:%M"), style="dim")
        text.append("\n")
        text.append(message.text)
        super().__init__(text, classes=f"bubble -{message.sender}")


class SupportChatScreen(ShopScreen):
    CSS_PATH = "support.tcss"
    POLL_SECONDS = 2.0
    BINDINGS = [
        Binding("ctrl+t", "escalate", "cs.key.escalate", id="support_chat.escalate"),
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
            yield Input(
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
        from kshop_tui.api import errors

        meta = self.query_one("#chat-meta", Static)
        meta.update(Text(t("as.loading"), style="dim"))
        try:
            thread = await self.shop.run_api(
                lambda api: api.support_thread(self.thread_id), needs_login=True
            )
        except LoginCancelled:
            self.action_back()
            return
        except errors.ApiError as error:
            meta.update(Text(error.message, style="bold red"))
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
        meta.append(thread_status_name(thread.status), style=_status_style(thread.status))
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
        for message in new:
            self._shown.add(message.id)
            self.last_id = max(self.last_id, message.id)
            row = Horizontal(ChatBubble(message), classes=f"bubble-row -{message.sender}")
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
        from kshop_tui.api import errors

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
        from kshop_tui.api import errors

        cursor = self.older_cursor
        if cursor is None:
            return
        button = self.query_one("#chat-older", Button)
        button.label = t("as.loading")
        try:
            page = await self.shop.run_api(
                lambda api: api.thread_messages(self.thread_id, cursor=cursor, limit=PAGE_SIZE),
                needs_login=True,
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        finally:
            button.label = t("cs.chat.older")
        older = [message for message in page.items if message.id not in self._shown]
        self._shown.update(message.id for message in older)
        box = self.query_one("#messages", VerticalScroll)
        await box.mount_all(
            [Horizontal(ChatBubble(m), classes=f"bubble-row -{m.sender}") for m in older],
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
        from kshop_tui.api import errors

        status = self.query_one("#send-status", Static)
        status.set_class(False, "-error")
        status.update(Text(t("cs.sending"), style="dim"))
        try:
            message = await self.shop.run_api(
                lambda api: api.send_message(self.thread_id, text), needs_login=True
            )
        except LoginCancelled:
            status.update("")
            return
        except errors.ApiError as error:
            self._send_failed(error)
            return
        self.query_one("#chat-retry").display = False
        status.update("")
        chat_input = self.query_one("#chat-input", Input)
        if chat_input.value.strip() == text:
            chat_input.value = ""
        self._add_messages([message])

    def _send_failed(self, error: ApiError) -> None:
        """The text stays in the input; the retry button (or enter) sends it again."""
        from kshop_tui.api import errors

        reason = (
            t("backend.unreachable")
            if isinstance(error, errors.BackendUnreachable)
            else error.message
        )
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
        from kshop_tui.api import errors

        confirmed = await self.app.push_screen_wait(
            ConfirmModal(t("cs.escalate.question"), t("cs.escalate.yes"))
        )
        if not confirmed:
            return
        try:
            thread = await self.shop.run_api(
                lambda api: api.escalate_thread(self.thread_id), needs_login=True
            )
        except LoginCancelled:
            return
        except errors.ApiError as error:
            self.shop.show_error(error)
            return
        self._show_thread(thread)
        self.notify(t("cs.escalated"))


def _status_style(status: str) -> str:
    if status == "escalated":
        return "bold yellow"
    if status == "closed":
        return "dim"
    return "bold green"
