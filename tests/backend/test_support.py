"""Customer support: threads, messages, the simulated merchant, escalation, closing."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.schemas.orders import OrderStatus
from fake_backend.services import support
from tests.backend.conftest import error_code
from tests.backend.test_wallet import insert_order
from tests.conftest import DEMO_USER_ID

MakeUser = Callable[..., tuple[int, dict[str, str]]]
THREADS = "/api/v1/support/threads"


def open_thread(
    client: TestClient, headers: dict[str, str], message: str = "你好", **extra: Any
) -> dict[str, Any]:
    response = client.post(
        THREADS, json={"subject": "咨询", "message": message, **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    thread: dict[str, Any] = response.json()
    return thread


def say(client: TestClient, headers: dict[str, str], thread_id: int, text: str) -> None:
    response = client.post(f"{THREADS}/{thread_id}/messages", json={"text": text}, headers=headers)
    assert response.status_code == 201


def answer_after_delay(ctx: Ctx) -> None:
    ctx.clock.advance(ctx.delays["support_reply"])
    support.simulate(ctx)


def messages_of(client: TestClient, headers: dict[str, str], thread_id: int) -> list[Any]:
    items: list[Any] = client.get(f"{THREADS}/{thread_id}/messages", headers=headers).json()[
        "items"
    ]
    return items


def test_open_a_thread_and_get_an_answer(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    thread = open_thread(client, demo_headers, "请问这款有现货吗？")
    assert thread["status"] == "open" and thread["order_id"] is None
    assert thread["order_no"] is None and thread["subject"] == "咨询"
    assert [(m["sender"], m["text"]) for m in thread["messages"]] == [
        ("user", "请问这款有现货吗？")
    ]
    assert thread["last_message"]["text"] == "请问这款有现货吗？"

    app_ctx.clock.advance(app_ctx.delays["support_reply"] - 1)
    support.simulate(app_ctx)
    assert len(messages_of(client, demo_headers, thread["id"])) == 1  # too early
    app_ctx.clock.advance(1)
    support.simulate(app_ctx)
    support.simulate(app_ctx)  # answered once only
    messages = messages_of(client, demo_headers, thread["id"])
    assert [m["sender"] for m in messages] == ["user", "merchant"]
    assert messages[1]["text"] == support.GENERIC_ANSWER

    follow_up = client.post(
        f"{THREADS}/{thread['id']}/messages", json={"text": "好的谢谢"}, headers=demo_headers
    )
    assert follow_up.status_code == 201 and follow_up.json()["sender"] == "user"
    newer = client.get(
        f"{THREADS}/{thread['id']}/messages?after_id={messages[1]['id']}", headers=demo_headers
    ).json()["items"]
    assert [m["text"] for m in newer] == ["好的谢谢"]

    [listed] = client.get(THREADS, headers=demo_headers).json()["items"]
    assert listed["id"] == thread["id"]
    assert listed["last_message"]["sender"] == "user"
    assert listed["last_message"]["text"] == "好的谢谢"


def test_shipping_question_about_an_order_mentions_its_state(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    order_id = insert_order(app_ctx, DEMO_USER_ID, total_fen=9900, paid_at=app_ctx.now())
    order_no = app_ctx.db.scalar("SELECT order_no FROM orders WHERE id = ?", (order_id,))
    thread = open_thread(client, demo_headers, "什么时候发货？", order_id=order_id)
    assert thread["order_id"] == order_id and thread["order_no"] == order_no
    answer_after_delay(app_ctx)
    reply = messages_of(client, demo_headers, thread["id"])[-1]
    assert reply["sender"] == "merchant"
    assert order_no in reply["text"] and "备货" in reply["text"]

    with app_ctx.db.tx():
        app_ctx.db.execute(
            "UPDATE orders SET status = 'shipped', carrier = '顺丰速运',"
            " tracking_no = 'SF1234567890' WHERE id = ?",
            (order_id,),
        )
    say(client, demo_headers, thread["id"], "快递到哪了")
    answer_after_delay(app_ctx)
    reply = messages_of(client, demo_headers, thread["id"])[-1]
    assert "SF1234567890" in reply["text"] and "已发货" in reply["text"]


@pytest.mark.parametrize("status", typing.get_args(OrderStatus))
def test_a_shipping_question_about_an_order_in_any_status_names_the_order(
    ctx: Ctx, status: str
) -> None:
    """Whatever the order's status (a service awaiting its visit, a refunded and closed
    order too), the merchant answers about that order, never "tell us its number"."""
    order_id = insert_order(ctx, DEMO_USER_ID, total_fen=9900, status=status)
    order_no = ctx.db.scalar("SELECT order_no FROM orders WHERE id = ?", (order_id,))
    thread = support.create_thread(ctx, DEMO_USER_ID, order_id, "问题", "什么时候发货？")
    answer_after_delay(ctx)
    messages = support.list_messages(ctx, DEMO_USER_ID, thread["id"], 0, None, 20)["items"]
    assert messages[-1]["sender"] == "merchant"
    assert order_no in messages[-1]["text"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("物流一直没更新", support.SHIPPING_WITHOUT_ORDER),
        ("我想退货", support.AFTER_SALE_ANSWER),
        ("怎么申请售后", support.AFTER_SALE_ANSWER),
        ("能开发票吗", support.INVOICE_ANSWER),
        ("在吗", support.GENERIC_ANSWER),
    ],
)
def test_replies_follow_the_keywords(ctx: Ctx, question: str, answer: str) -> None:
    thread = support.create_thread(ctx, DEMO_USER_ID, None, "问题", question)
    answer_after_delay(ctx)
    messages = support.list_messages(ctx, DEMO_USER_ID, thread["id"], 0, None, 20)["items"]
    assert messages[-1]["text"] == answer and messages[-1]["sender"] == "merchant"


def test_escalate_brings_the_platform_in(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    thread = open_thread(client, demo_headers, "商家不理我")
    response = client.post(f"{THREADS}/{thread['id']}/escalate", headers=demo_headers)
    assert response.status_code == 200
    escalated = response.json()
    assert escalated["status"] == "escalated"
    assert escalated["messages"][-1]["sender"] == "platform"
    assert escalated["messages"][-1]["text"].startswith("平台客服已介入")
    again = client.post(f"{THREADS}/{thread['id']}/escalate", headers=demo_headers)
    assert again.status_code == 409 and error_code(again) == "INVALID_STATE"

    say(client, demo_headers, thread["id"], "我要退款")
    answer_after_delay(app_ctx)
    senders = [m["sender"] for m in messages_of(client, demo_headers, thread["id"])]
    # the first message and the refund question are answered together, by the platform
    assert senders == ["user", "platform", "user", "platform"]
    assert messages_of(client, demo_headers, thread["id"])[-1]["text"] == support.AFTER_SALE_ANSWER


def test_a_closed_thread_takes_no_more_messages(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    thread = open_thread(client, demo_headers)
    closed = client.post(f"{THREADS}/{thread['id']}/close", headers=demo_headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    for path, body in (
        (f"{THREADS}/{thread['id']}/messages", {"text": "还在吗"}),
        (f"{THREADS}/{thread['id']}/escalate", None),
        (f"{THREADS}/{thread['id']}/close", None),
    ):
        response = client.post(path, json=body, headers=demo_headers)
        assert response.status_code == 409 and error_code(response) == "INVALID_STATE"
    answer_after_delay(app_ctx)  # nobody answers a closed thread
    assert len(messages_of(client, demo_headers, thread["id"])) == 1


def test_another_users_thread_and_order_are_404(
    client: TestClient, demo_headers: dict[str, str], make_user: MakeUser, app_ctx: Ctx
) -> None:
    thread = open_thread(client, demo_headers)
    other_id, other_headers = make_user()
    for method, path, body in (
        ("GET", f"{THREADS}/{thread['id']}", None),
        ("GET", f"{THREADS}/{thread['id']}/messages", None),
        ("POST", f"{THREADS}/{thread['id']}/messages", {"text": "hi"}),
        ("POST", f"{THREADS}/{thread['id']}/escalate", None),
        ("POST", f"{THREADS}/{thread['id']}/close", None),
    ):
        response = client.request(method, path, json=body, headers=other_headers)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", path
    assert client.get(THREADS, headers=other_headers).json() == {"items": [], "next_cursor": None}
    assert client.get(f"{THREADS}/{thread['id']}", headers=demo_headers).json()["status"] == "open"

    demo_order = insert_order(app_ctx, DEMO_USER_ID, total_fen=100)
    response = client.post(
        THREADS,
        json={"subject": "s", "message": "m", "order_id": demo_order},
        headers=other_headers,
    )
    assert response.status_code == 404 and error_code(response) == "NOT_FOUND"
    assert (
        app_ctx.db.scalar("SELECT COUNT(*) FROM support_threads WHERE user_id = ?", (other_id,))
        == 0
    )


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "", "message": "m"},
        {"subject": "s" * 61, "message": "m"},
        {"subject": "   ", "message": "m"},
        {"subject": "s", "message": ""},
        {"subject": "s", "message": "m" * 1001},
        {"subject": "s", "message": "\n\t "},
        {"subject": "s"},
        {"subject": "s", "message": "m", "order_id": 0},
        {"subject": "s", "message": "m", "priority": "high"},
    ],
)
def test_bad_thread_input_is_422(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx, body: dict[str, Any]
) -> None:
    response = client.post(THREADS, json=body, headers=demo_headers)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM support_threads") == 0


def test_bad_message_input_is_422(client: TestClient, demo_headers: dict[str, str]) -> None:
    thread = open_thread(client, demo_headers)
    path = f"{THREADS}/{thread['id']}/messages"
    for body in ({"text": ""}, {"text": "x" * 1001}, {"text": "  "}, {}):
        assert client.post(path, json=body, headers=demo_headers).status_code == 422
    assert client.get(f"{path}?after_id=-1", headers=demo_headers).status_code == 422
    assert client.post(path, json={"text": "x" * 1000}, headers=demo_headers).status_code == 201


def test_text_is_stored_as_typed(client: TestClient, demo_headers: dict[str, str]) -> None:
    text = "[bold]hi[/bold] [@click=app.quit]x[/] \x1b[31m<b>"
    thread = open_thread(client, demo_headers, text)
    assert thread["messages"][0]["text"] == text
    assert messages_of(client, demo_headers, thread["id"])[0]["text"] == text


def test_threads_page_most_recent_first(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    ids = []
    for index in range(5):
        app_ctx.clock.advance(10)
        ids.append(open_thread(client, demo_headers, f"问题{index}")["id"])
    app_ctx.clock.advance(10)
    client.post(f"{THREADS}/{ids[0]}/messages", json={"text": "再问一下"}, headers=demo_headers)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(THREADS, params=params, headers=demo_headers).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ids[0], ids[4], ids[3], ids[2], ids[1]]
    for params in ({"cursor": "%%%"}, {"limit": 0}, {"limit": 101}):
        assert client.get(THREADS, params=params, headers=demo_headers).status_code == 422


def test_support_needs_login(client: TestClient) -> None:
    assert client.get(THREADS).status_code == 401
    assert client.post(THREADS, json={"subject": "s", "message": "m"}).status_code == 401


def test_service_refuses_blank_text_and_unknown_threads(ctx: Ctx) -> None:
    with pytest.raises(ApiError) as blank:
        support.create_thread(ctx, DEMO_USER_ID, None, "s", "   ")
    assert blank.value.status == 422
    with pytest.raises(ApiError) as missing:
        support.post_message(ctx, DEMO_USER_ID, 12345, "hi")
    assert missing.value.status == 404
