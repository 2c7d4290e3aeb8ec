"""Cursor paging of the lists that used to answer everything at once: pay-later bills,
the user's coupons, and a support thread's messages (a chat pages backwards)."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import coupons, ledger, support, wallet
from tests.backend.test_wallet import insert_order
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
Headers = dict[str, str]


def walk(
    client: TestClient, headers: Headers, path: str, limit: int, **params: Any
) -> list[list[dict[str, Any]]]:
    """Every page of a list, following `next_cursor` until it is null."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"{API}{path}", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def field_reason(response: Any, field: str) -> str:
    assert response.status_code == 422, response.text
    reason: str = response.json()["error"]["details"]["fields"][field]["code"]
    return reason


def open_bills(ctx: Ctx, count: int) -> list[int]:
    """`count` pay-later bills of the demo user, a minute apart; answers their ids."""
    wallet.enable_bnpl(ctx, DEMO_USER_ID, "zh")
    bill_ids = []
    for number in range(count):
        order_id = insert_order(
            ctx, DEMO_USER_ID, total_fen=1000 + number, paid_at=ctx.now(), payment_method="bnpl"
        )
        bill_ids.append(ledger.bnpl_charge(ctx, DEMO_USER_ID, order_id, 1000 + number))
        ctx.clock.advance(60)
    return bill_ids


def give_coupons(ctx: Ctx, count: int, *, expires_in: float, status: str = "usable") -> None:
    """`count` more coupons of the demo user on the first template, expiring one hour apart
    after `expires_in` seconds (all claimed at the same instant)."""
    now = ctx.now()
    with ctx.db.tx():
        for number in range(count):
            ctx.db.insert(
                "INSERT INTO user_coupons(user_id, template_id, status, claimed_at, expires_at)"
                " VALUES (?, 1, ?, ?, ?)",
                (DEMO_USER_ID, status, now, now + expires_in + 3600 * (number % 3)),
            )


# --- bills -----------------------------------------------------------------------------


def test_bills_page_newest_first_without_gaps(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers
) -> None:
    bill_ids = open_bills(app_ctx, 5)
    pages = walk(client, demo_headers, "/wallet/bnpl/bills", 2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [bill["id"] for page in pages for bill in page] == bill_ids[::-1]
    one_page = walk(client, demo_headers, "/wallet/bnpl/bills", 100)
    assert len(one_page) == 1 and len(one_page[0]) == 5


def test_bills_service_pages(ctx: Ctx) -> None:
    bill_ids = open_bills(ctx, 3)
    first = wallet.list_bills(ctx, DEMO_USER_ID, None, 2)
    assert [bill["id"] for bill in first["items"]] == bill_ids[:0:-1]
    rest = wallet.list_bills(ctx, DEMO_USER_ID, first["next_cursor"], 2)
    assert [bill["id"] for bill in rest["items"]] == [bill_ids[0]] and rest["next_cursor"] is None


# --- coupons ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", get_args(coupons.CouponStatus))
def test_coupons_page_in_their_order_without_gaps(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers, status: coupons.CouponStatus
) -> None:
    expires_in = -7200.0 if status == "expired" else 86400.0
    give_coupons(app_ctx, 7, expires_in=expires_in, status="used" if status == "used" else "usable")
    everything = coupons.list_coupons(app_ctx, DEMO_USER_ID, status, "zh", None, 100)["items"]
    pages = walk(client, demo_headers, "/coupons", 3, status=status)
    paged = [coupon for page in pages for coupon in page]
    assert [coupon["id"] for coupon in paged] == [coupon["id"] for coupon in everything]
    assert len({coupon["id"] for coupon in paged}) == len(paged) >= 7
    assert all(coupon["status"] == status for coupon in paged)
    if status == "usable":
        keys = [(coupon["expires_at"], coupon["id"]) for coupon in paged]
        assert keys == sorted(keys)
    elif status == "expired":
        keys = [(coupon["expires_at"], coupon["id"]) for coupon in paged]
        assert keys == sorted(keys, reverse=True)


# --- support messages --------------------------------------------------------------------


def chat(ctx: Ctx, count: int) -> tuple[int, list[int]]:
    """A thread of the demo user with `count` messages; answers (thread id, message ids)."""
    thread = support.create_thread(ctx, DEMO_USER_ID, None, "咨询", "第1条")
    for number in range(2, count + 1):
        support.post_message(ctx, DEMO_USER_ID, thread["id"], f"第{number}条")
    rows = ctx.db.all(
        "SELECT id FROM support_messages WHERE thread_id = ? ORDER BY id", (thread["id"],)
    )
    return thread["id"], [row["id"] for row in rows]


def test_a_chat_pages_backwards_from_the_newest(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers
) -> None:
    thread_id, ids = chat(app_ctx, 25)
    path = f"{API}/support/threads/{thread_id}/messages"
    newest = client.get(path, params={"limit": 10}, headers=demo_headers).json()
    assert [m["id"] for m in newest["items"]] == ids[15:]
    older = client.get(
        path, params={"limit": 10, "cursor": newest["next_cursor"]}, headers=demo_headers
    ).json()
    assert [m["id"] for m in older["items"]] == ids[5:15]
    oldest = client.get(
        path, params={"limit": 10, "cursor": older["next_cursor"]}, headers=demo_headers
    ).json()
    assert [m["id"] for m in oldest["items"]] == ids[:5] and oldest["next_cursor"] is None
    assert oldest["items"][0]["text"] == "第1条"


def test_polling_after_an_id_answers_at_most_a_page(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers
) -> None:
    thread_id, ids = chat(app_ctx, 8)
    path = f"{API}/support/threads/{thread_id}/messages"
    first = client.get(path, params={"after_id": ids[1], "limit": 4}, headers=demo_headers)
    assert [m["id"] for m in first.json()["items"]] == ids[2:6]
    assert first.json()["next_cursor"] is None
    rest = client.get(path, params={"after_id": ids[5], "limit": 4}, headers=demo_headers).json()
    assert [m["id"] for m in rest["items"]] == ids[6:]
    both = client.get(
        path,
        params={"after_id": ids[0], "cursor": first.json()["next_cursor"] or "WzVd"},
        headers=demo_headers,
    )
    assert field_reason(both, "cursor") == "not_with"


def test_a_thread_carries_only_its_newest_messages(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers
) -> None:
    thread_id, ids = chat(app_ctx, support.DETAIL_MESSAGES + 3)
    detail = client.get(f"{API}/support/threads/{thread_id}", headers=demo_headers).json()
    assert [m["id"] for m in detail["messages"]] == ids[3:]
    assert detail["last_message"]["text"] == f"第{len(ids)}条"
    older = client.get(
        f"{API}/support/threads/{thread_id}/messages",
        params={"cursor": detail["messages_next_cursor"]},
        headers=demo_headers,
    ).json()
    assert [m["id"] for m in older["items"]] == ids[:3] and older["next_cursor"] is None
    short_id, _ = chat(app_ctx, 2)
    short = client.get(f"{API}/support/threads/{short_id}", headers=demo_headers).json()
    assert len(short["messages"]) == 2 and short["messages_next_cursor"] is None


def test_messages_service_rules(ctx: Ctx) -> None:
    thread_id, ids = chat(ctx, 4)
    page = support.list_messages(ctx, DEMO_USER_ID, thread_id, 0, None, 3)
    assert [m["id"] for m in page["items"]] == ids[1:]
    with pytest.raises(ApiError) as caught:
        support.list_messages(ctx, DEMO_USER_ID, thread_id, ids[0], page["next_cursor"], 3)
    assert caught.value.details["fields"]["cursor"][0] == "not_with"
    with pytest.raises(ApiError) as missing:
        support.list_messages(ctx, DEMO_USER_ID + 1, thread_id, 0, None, 3)
    assert missing.value.code == "NOT_FOUND"


# --- every paged list --------------------------------------------------------------------

PAGED_LISTS = [
    "/orders",
    "/after-sales",
    "/wallet/transactions",
    "/wallet/transactions?account=red_packet",
    "/wallet/bnpl/bills",
    "/coupons?status=usable",
    "/coupons?status=used",
    "/support/threads",
    "/products",
    "/products/1/reviews",
]


@pytest.mark.parametrize("path", PAGED_LISTS)
def test_every_list_bounds_its_page_and_refuses_a_foreign_cursor(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers, path: str
) -> None:
    join = "&" if "?" in path else "?"
    for limit, reason in (("0", "too_small"), ("101", "too_large")):
        response = client.get(f"{API}{path}{join}limit={limit}", headers=demo_headers)
        assert field_reason(response, "limit") == reason
    bad = client.get(f"{API}{path}{join}cursor=not-a-cursor", headers=demo_headers)
    assert field_reason(bad, "cursor") == "bad_cursor"
    english = client.get(
        f"{API}{path}{join}cursor=not-a-cursor", headers={**demo_headers, "Accept-Language": "en"}
    )
    assert "load the first page again" in english.json()["error"]["message"]
    page = client.get(f"{API}{path}{join}limit=1", headers=demo_headers).json()
    assert set(page) >= {"items", "next_cursor"} and len(page["items"]) <= 1


def test_messages_refuse_a_foreign_cursor(
    client: TestClient, app_ctx: Ctx, demo_headers: Headers
) -> None:
    thread_id, _ = chat(app_ctx, 2)
    response = client.get(
        f"{API}/support/threads/{thread_id}/messages?cursor=WzEsMl0", headers=demo_headers
    )
    assert field_reason(response, "cursor") == "bad_cursor"
