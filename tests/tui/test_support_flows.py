"""Pilot tests of customer support: a thread opened from the list, a chat round trip with
the merchant simulator's reply arriving by the poll, a send while the backend is down
(the text stays, retry sends it once), escalation and closed threads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fake_backend.context import Ctx
from fake_backend.services import support
from kshop_tui.api.backend import Backend
from kshop_tui.app import KshopApp
from kshop_tui.screens.confirm import ConfirmModal
from kshop_tui.screens.support.chat import ChatBubble, SupportChatScreen
from kshop_tui.screens.support.new_thread import NewThreadModal
from kshop_tui.screens.support.threads import SupportScreen
from tests.tui.helpers import settle, wait_until

MakeApp = Callable[..., KshopApp]


async def wait_for_bubbles(pilot: Pilot[None], count: int) -> None:
    """Until the chat shows `count` messages (the poll runs on its own timer); fails if it
    never does."""
    await wait_until(
        pilot,
        lambda: len(pilot.app.screen.query(ChatBubble)) >= count,
        what=f"{count} messages in the chat",
    )


def senders(app: KshopApp) -> list[str]:
    return [bubble.message.sender for bubble in app.screen.query(ChatBubble)]


async def test_open_a_thread_and_get_the_merchants_reply_live(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SupportChatScreen, "POLL_SECONDS", 0.1)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.action_support()  # the command palette's "Customer support"
        await settle(pilot)
        assert isinstance(app.screen, SupportScreen)
        await pilot.press("n")  # a new thread
        await pilot.pause()
        assert isinstance(app.screen, NewThreadModal)
        await pilot.press(*"where is it", "enter")  # the subject, on to the message
        await pilot.press(*"when do you ship", "enter")  # the first message: send
        await pilot.pause()
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, SupportChatScreen)
        thread_id = backend_ctx.db.scalar("SELECT id FROM support_threads WHERE user_id = 1")
        assert chat.thread_id == thread_id
        await pilot.press(*"any news", "enter")  # a second message
        await settle(pilot)
        assert senders(app) == ["user", "user"]
        assert chat.query_one("#chat-input", Input).value == ""
        texts = [
            row["text"]
            for row in backend_ctx.db.all(
                "SELECT text FROM support_messages WHERE thread_id = ? ORDER BY id", (thread_id,)
            )
        ]
        assert texts == ["when do you ship", "any news"]

        backend_ctx.clock.advance(3)
        support.simulate(backend_ctx)  # the merchant answers
        await wait_for_bubbles(pilot, 3)
        assert senders(app) == ["user", "user", "merchant"]
        reply = backend_ctx.db.scalar(
            "SELECT text FROM support_messages WHERE thread_id = ? AND sender = 'merchant'",
            (thread_id,),
        )
        assert chat.query(ChatBubble).last().message.text == reply


async def test_a_send_while_the_backend_is_down_keeps_the_text(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    from kshop_tui.api import errors
    from kshop_tui.api.client import KshopClient

    backend.client.token = demo_token
    thread = await backend.client.open_thread("发票", "请开发票")
    app = make_app(token=demo_token)

    async def down(self: KshopClient, thread_id: int, text: str) -> object:
        raise errors.BackendUnreachable("ConnectError: connection refused")

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(SupportChatScreen(thread.id))
        await settle(pilot)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(KshopClient, "send_message", down)
            await pilot.press(*"hello again", "enter")  # send: the backend is away
            await settle(pilot)
            chat = app.screen
            assert chat.query_one("#chat-input", Input).value == "hello again"
            assert "Not sent" in str(chat.query_one("#send-status", Static).render())
            assert chat.query_one("#chat-retry").display
        await pilot.click("#chat-retry")  # the backend is back: retry
        await settle(pilot)
        assert chat.query_one("#chat-input", Input).value == ""
        assert not chat.query_one("#chat-retry").display
        count = backend_ctx.db.scalar(
            "SELECT COUNT(*) FROM support_messages WHERE text = 'hello again'"
        )
        assert count == 1


async def test_escalate_after_confirming(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    backend.client.token = demo_token
    thread = await backend.client.open_thread("质量问题", "杯子漏水")
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(SupportChatScreen(thread.id))
        await settle(pilot)
        await pilot.press("ctrl+t")  # complain to the platform: asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")  # yes
        await settle(pilot)
        status = backend_ctx.db.scalar(
            "SELECT status FROM support_threads WHERE id = ?", (thread.id,)
        )
        assert status == "escalated"
        assert senders(app) == ["user", "platform"]


async def test_a_closed_thread_is_read_only(
    make_app: MakeApp, backend: Backend, backend_ctx: Ctx, demo_token: str
) -> None:
    backend.client.token = demo_token
    thread = await backend.client.open_thread("已解决", "谢谢")
    await backend.client.close_thread(thread.id)
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(SupportChatScreen(thread.id))
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", Input)
        assert chat_input.disabled
        assert not app.screen.query_one("#chat-send").display


async def test_a_new_thread_without_a_subject_is_refused_next_to_the_field(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    app = make_app(token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(SupportScreen())
        await settle(pilot)
        await pilot.press("n")  # a new thread
        await pilot.pause()
        modal = app.screen
        await pilot.press("ctrl+s")  # send it empty
        await pilot.pause()
        assert "Enter a subject" in str(modal.query_one("#new-subject-hint", Static).render())
        assert backend_ctx.db.scalar("SELECT COUNT(*) FROM support_threads") == 0


async def test_a_long_chat_shows_the_newest_and_pages_back_on_demand(
    make_app: MakeApp, backend_ctx: Ctx, demo_token: str
) -> None:
    thread = support.create_thread(backend_ctx, 1, None, "Long talk", "message 1")
    for number in range(2, 46):
        support.post_message(backend_ctx, 1, thread["id"], f"message {number}")
    app = make_app(token=demo_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(SupportChatScreen(thread["id"]))
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, SupportChatScreen)
        shown = [bubble.message.text for bubble in chat.query(ChatBubble)]
        assert shown == [f"message {n}" for n in range(26, 46)]
        assert chat.query_one("#chat-older").display
        for _ in range(20):
            await pilot.press("pageup")  # scrolls back; at the top it loads the 20 before
            await settle(pilot)
            if len(chat.query(ChatBubble)) > 20:
                break
        shown = [bubble.message.text for bubble in chat.query(ChatBubble)]
        assert shown == [f"message {n}" for n in range(6, 46)]
        await pilot.click("#chat-older")  # the row at the top loads the rest
        await settle(pilot)
        shown = [bubble.message.text for bubble in chat.query(ChatBubble)]
        assert shown == [f"message {n}" for n in range(1, 46)]
        assert not chat.query_one("#chat-older").display
        assert chat.check_action("older", ()) is False


async def test_an_open_list_shows_its_close_key_in_the_ui_language(
    make_app: MakeApp, demo_token: str
) -> None:
    from textual.widgets import Select

    app = make_app(lang="zh_CN", token=demo_token)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(SupportScreen())
        await settle(pilot)
        await pilot.press("n")  # a new thread
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, NewThreadModal)
        modal.query_one(Select).focus()
        await pilot.pause()
        await pilot.press("enter")  # open the order list
        await pilot.pause()
        descriptions = {key: a.binding.description for key, a in modal.active_bindings.items()}
        assert descriptions["escape"] == "收起列表"  # Textual's own words are "Dismiss menu"
