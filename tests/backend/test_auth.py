"""Auth over HTTP: SMS codes, code and password logins, lockout, two-step verification,
registration, password reset, token expiry, logging out, QR logins."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.services import auth
from fake_backend.services.rules import sha256
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID, FROZEN_START

DEMO_PHONE = "13800138000"
NEW_PHONE = "13912345678"
DAY = 86400


def request_code(client: TestClient, phone: str, purpose: str) -> str:
    """Asks for a code and reads it from the fake outbox."""
    sent = client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose})
    assert sent.status_code == 200, sent.json()
    messages = client.get("/_dev/sms-outbox", params={"phone": phone}).json()["messages"]
    assert messages[-1]["purpose"] == purpose
    return str(messages[-1]["code"])


def login_password(client: TestClient, password: str, phone: str = DEMO_PHONE) -> Any:
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": password})


def other_code(code: str) -> str:
    """A well-formed code that is surely not `code`."""
    return "000000" if code != "000000" else "111111"


def bearer(response: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['token']}"}


def fields(response: Any) -> dict[str, str]:
    """details.fields as {field: reason code}."""
    return {
        name: value["code"] for name, value in response.json()["error"]["details"]["fields"].items()
    }


# SMS codes


def test_sms_code_is_six_digits_in_the_outbox(client: TestClient) -> None:
    response = client.post("/api/v1/auth/sms-codes", json={"phone": DEMO_PHONE, "purpose": "login"})
    assert response.status_code == 200
    assert response.json() == {"sent": True, "expires_in": 300, "retry_after": 60}
    outbox = client.get("/_dev/sms-outbox", params={"phone": DEMO_PHONE}).json()["messages"]
    assert len(outbox) == 1
    assert outbox[0]["phone"] == DEMO_PHONE and outbox[0]["purpose"] == "login"
    assert outbox[0]["code"].isdigit() and len(outbox[0]["code"]) == 6
    assert outbox[0]["sent_at"] == iso(FROZEN_START)


def test_outbox_is_newest_last_and_lists_all_phones_without_a_filter(
    client: TestClient, app_ctx: Ctx
) -> None:
    request_code(client, DEMO_PHONE, "login")
    app_ctx.clock.advance(60)
    request_code(client, NEW_PHONE, "register")
    app_ctx.clock.advance(60)
    request_code(client, DEMO_PHONE, "reset")
    everyone = client.get("/_dev/sms-outbox").json()["messages"]
    assert [(m["phone"], m["purpose"]) for m in everyone] == [
        (DEMO_PHONE, "login"),
        (NEW_PHONE, "register"),
        (DEMO_PHONE, "reset"),
    ]
    demo_only = client.get("/_dev/sms-outbox", params={"phone": DEMO_PHONE}).json()["messages"]
    assert [m["purpose"] for m in demo_only] == ["login", "reset"]


def test_one_code_per_phone_per_minute_then_allowed_after_the_clock_moves(
    client: TestClient,
) -> None:
    body = {"phone": DEMO_PHONE, "purpose": "login"}
    assert client.post("/api/v1/auth/sms-codes", json=body).status_code == 200
    again = client.post("/api/v1/auth/sms-codes", json={**body, "purpose": "reset"})
    assert again.status_code == 429 and error_code(again) == "RATE_LIMITED"
    assert again.headers["Retry-After"] == "60"
    assert again.json()["error"]["details"]["retry_after"] == 60
    other_phone = client.post("/api/v1/auth/sms-codes", json={**body, "phone": NEW_PHONE})
    assert other_phone.status_code == 200

    client.post("/_dev/clock/advance", json={"seconds": 45})
    later = client.post("/api/v1/auth/sms-codes", json=body)
    assert later.status_code == 429 and later.headers["Retry-After"] == "15"
    client.post("/_dev/clock/advance", json={"seconds": 15})
    assert client.post("/api/v1/auth/sms-codes", json=body).status_code == 200
    outbox = client.get("/_dev/sms-outbox", params={"phone": DEMO_PHONE}).json()["messages"]
    assert len(outbox) == 2


def test_register_code_for_a_registered_phone_is_409_and_nothing_is_sent(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/v1/auth/sms-codes", json={"phone": DEMO_PHONE, "purpose": "register"}
    )
    assert response.status_code == 409 and error_code(response) == "PHONE_TAKEN"
    assert client.get("/_dev/sms-outbox").json()["messages"] == []


@pytest.mark.parametrize(
    "phone",
    [
        "1380013800",
        "12800138000",
        "1380013800a",
        "",
        "138 0013 8000",
        "13800138000\n",
        "１３８００１３８０００",
    ],
)
def test_sms_code_refuses_a_bad_phone(client: TestClient, phone: str) -> None:
    response = client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": "login"})
    assert response.status_code == 422
    assert fields(response) == {"phone": "bad_phone"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"phone": DEMO_PHONE, "purpose": "spam"}, {"purpose": "not_one_of"}),
        ({"phone": DEMO_PHONE}, {"purpose": "required"}),
        (
            {"phone": DEMO_PHONE, "purpose": "login", "channel": "voice"},
            {"channel": "unknown_field"},
        ),
        ({"phone": "1" * 33, "purpose": "login"}, {"phone": "too_long"}),
    ],
)
def test_sms_code_validates_its_body(
    client: TestClient, body: dict[str, Any], expected: dict[str, str]
) -> None:
    response = client.post("/api/v1/auth/sms-codes", json=body)
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert fields(response) == expected


# Logging in with a code


def test_code_login_answers_a_token_and_the_me_shape(client: TestClient) -> None:
    code = request_code(client, DEMO_PHONE, "login")
    response = client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": code})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["expires_at"] == iso(FROZEN_START + 7 * DAY)
    assert body["user"]["id"] == DEMO_USER_ID and body["user"]["phone_masked"] == "138****8000"
    me = client.get("/api/v1/me", headers=bearer(response))
    assert me.status_code == 200 and me.json() == body["user"]


def test_a_code_works_only_once(client: TestClient) -> None:
    code = request_code(client, DEMO_PHONE, "login")
    body = {"phone": DEMO_PHONE, "code": code}
    assert client.post("/api/v1/auth/login", json=body).status_code == 200
    again = client.post("/api/v1/auth/login", json=body)
    assert again.status_code == 401 and error_code(again) == "INVALID_CREDENTIALS"
    assert again.json()["error"]["details"]["attempts_left"] == 4


def test_a_code_expires_after_five_minutes(client: TestClient, app_ctx: Ctx) -> None:
    code = request_code(client, DEMO_PHONE, "login")
    app_ctx.clock.advance(299)
    assert (
        client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": code}).status_code
        == 200
    )

    app_ctx.clock.advance(60)
    late_code = request_code(client, DEMO_PHONE, "login")
    app_ctx.clock.advance(300)
    late = client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": late_code})
    assert late.status_code == 401 and error_code(late) == "INVALID_CREDENTIALS"


def test_a_code_is_bound_to_its_purpose(client: TestClient, app_ctx: Ctx) -> None:
    reset_code = request_code(client, DEMO_PHONE, "reset")
    wrong_purpose = client.post(
        "/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": reset_code}
    )
    assert wrong_purpose.status_code == 401 and error_code(wrong_purpose) == "INVALID_CREDENTIALS"

    login_code = request_code(client, NEW_PHONE, "login")
    register = client.post(
        "/api/v1/auth/register",
        json={"phone": NEW_PHONE, "code": login_code, "password": "abc12345"},
    )
    assert register.status_code == 422 and fields(register) == {"code": "wrong_code"}
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM users WHERE phone = ?", (NEW_PHONE,)) == 0


def test_a_newer_code_supersedes_the_older_one(
    client: TestClient, app_ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter([123456, 654321])
    monkeypatch.setattr(secrets, "randbelow", lambda _: next(drawn))
    first = request_code(client, DEMO_PHONE, "login")
    app_ctx.clock.advance(60)
    second = request_code(client, DEMO_PHONE, "login")
    assert (first, second) == ("123456", "654321")
    old = client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": first})
    assert old.status_code == 401
    assert (
        client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": second}).status_code
        == 200
    )


def test_code_login_for_an_unregistered_phone_says_so(client: TestClient) -> None:
    code = request_code(client, NEW_PHONE, "login")
    response = client.post(
        "/api/v1/auth/login",
        json={"phone": NEW_PHONE, "code": code},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 401 and error_code(response) == "NOT_REGISTERED"
    assert (
        response.json()["error"]["message"] == "This phone number is not registered; register first"
    )
    spent = client.post("/api/v1/auth/login", json={"phone": NEW_PHONE, "code": code})
    assert error_code(spent) == "INVALID_CREDENTIALS"


# Logging in with a password, and the lockout


def test_password_login_and_wrong_password(client: TestClient) -> None:
    ok = login_password(client, "demo1234")
    assert ok.status_code == 200 and ok.json()["user"]["nickname"] == "快乐购物的张三"
    wrong = login_password(client, "demo12345")
    assert wrong.status_code == 401 and error_code(wrong) == "INVALID_CREDENTIALS"
    assert wrong.json()["error"]["details"] == {"attempts_left": 4}
    assert "4" in wrong.json()["error"]["message"]
    unknown = login_password(client, "demo1234", phone=NEW_PHONE)
    assert unknown.status_code == 401 and error_code(unknown) == "INVALID_CREDENTIALS"


def test_five_wrong_passwords_lock_the_phone_for_fifteen_minutes(
    client: TestClient, app_ctx: Ctx
) -> None:
    for attempts_left in (4, 3, 2, 1):
        wrong = login_password(client, "nope1234")
        assert wrong.status_code == 401
        assert wrong.json()["error"]["details"]["attempts_left"] == attempts_left
    fifth = login_password(client, "nope1234")
    assert fifth.status_code == 429 and error_code(fifth) == "LOCKED"
    assert fifth.headers["Retry-After"] == "900"
    assert fifth.json()["error"]["details"]["retry_after"] == 900

    right_while_locked = login_password(client, "demo1234")
    assert right_while_locked.status_code == 429 and error_code(right_while_locked) == "LOCKED"
    code_while_locked = client.post(
        "/api/v1/auth/login",
        json={"phone": DEMO_PHONE, "code": request_code(client, DEMO_PHONE, "login")},
    )
    assert code_while_locked.status_code == 429
    other_phone = login_password(client, "wrong123", phone=NEW_PHONE)
    assert other_phone.status_code == 401

    app_ctx.clock.advance(899)
    still = login_password(client, "demo1234")
    assert still.status_code == 429 and still.headers["Retry-After"] == "1"
    client.post("/_dev/clock/advance", json={"seconds": 1})
    assert login_password(client, "demo1234").status_code == 200
    after = login_password(client, "nope1234")
    assert after.json()["error"]["details"]["attempts_left"] == 4


def test_wrong_codes_count_towards_the_same_lockout(client: TestClient) -> None:
    for _ in range(3):
        client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": "000000"})
    login_password(client, "nope1234")
    fifth = client.post("/api/v1/auth/login", json={"phone": DEMO_PHONE, "code": "111111"})
    assert fifth.status_code == 429 and error_code(fifth) == "LOCKED"


def test_a_success_resets_the_failure_count(client: TestClient) -> None:
    for _ in range(4):
        login_password(client, "nope1234")
    assert login_password(client, "demo1234").status_code == 200
    again = login_password(client, "nope1234")
    assert again.status_code == 401 and again.json()["error"]["details"]["attempts_left"] == 4


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"phone": DEMO_PHONE}, {"code": "code_or_password", "password": "code_or_password"}),
        ({"phone": "12345", "password": "demo1234"}, {"phone": "bad_phone"}),
        ({"phone": DEMO_PHONE, "code": "12ab56"}, {"code": "bad_code"}),
        ({"phone": DEMO_PHONE, "code": "123456\n"}, {"code": "bad_code"}),
        (
            {"phone": DEMO_PHONE, "password": "demo1234", "remember": True},
            {"remember": "unknown_field"},
        ),
        ({"phone": DEMO_PHONE, "password": "x" * 65}, {"password": "too_long"}),
        ({"phone": DEMO_PHONE, "code": "1" * 33}, {"code": "too_long"}),
    ],
)
def test_login_validates_its_body_without_counting_a_failure(
    client: TestClient, body: dict[str, Any], expected: dict[str, str]
) -> None:
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422 and fields(response) == expected
    wrong = login_password(client, "nope1234")
    assert wrong.json()["error"]["details"]["attempts_left"] == 4


def test_code_and_password_together_without_two_factor_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"phone": DEMO_PHONE, "password": "demo1234", "code": "123456"}
    )
    assert response.status_code == 422 and fields(response) == {"code": "code_or_password"}


# Two-step verification


def test_two_factor_login_needs_password_and_sms_code(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    turned_on = client.put("/api/v1/me/two-factor", json={"enabled": True}, headers=demo_headers)
    assert turned_on.status_code == 200 and turned_on.json()["two_factor_enabled"] is True

    needs_code = login_password(client, "demo1234")
    assert needs_code.status_code == 401 and error_code(needs_code) == "TWO_FACTOR_REQUIRED"
    wrong_password = login_password(client, "nope1234")
    assert error_code(wrong_password) == "INVALID_CREDENTIALS"

    code = request_code(client, DEMO_PHONE, "login")
    wrong_code = client.post(
        "/api/v1/auth/login",
        json={"phone": DEMO_PHONE, "password": "demo1234", "code": other_code(code)},
    )
    assert wrong_code.status_code == 401 and error_code(wrong_code) == "INVALID_CREDENTIALS"
    assert wrong_code.json()["error"]["details"]["attempts_left"] == 3
    ok = client.post(
        "/api/v1/auth/login", json={"phone": DEMO_PHONE, "password": "demo1234", "code": code}
    )
    assert ok.status_code == 200 and ok.json()["user"]["two_factor_enabled"] is True

    turned_off = client.put(
        "/api/v1/me/two-factor",
        json={"enabled": False, "password": "demo1234"},
        headers=demo_headers,
    )
    assert turned_off.json()["two_factor_enabled"] is False
    assert login_password(client, "demo1234").status_code == 200


# Registration


def test_register_creates_the_account_with_a_new_user_coupon(
    client: TestClient, app_ctx: Ctx
) -> None:
    code = request_code(client, NEW_PHONE, "register")
    response = client.post(
        "/api/v1/auth/register", json={"phone": NEW_PHONE, "code": code, "password": "abc12345"}
    )
    assert response.status_code == 201
    user = response.json()["user"]
    assert user["phone"] == NEW_PHONE and user["nickname"] == "用户5678"
    assert user["real_name_verified"] is False and user["has_payment_password"] is False
    assert user["created_at"] == iso(FROZEN_START)
    assert client.get("/api/v1/me", headers=bearer(response)).json()["id"] == user["id"]
    stored = app_ctx.db.one("SELECT password_hash FROM users WHERE id = ?", (user["id"],))
    assert stored is not None and "abc12345" not in stored["password_hash"]
    assert login_password(client, "abc12345", phone=NEW_PHONE).status_code == 200
    coupons = app_ctx.db.scalar(
        "SELECT COUNT(*) FROM user_coupons c JOIN coupon_templates t ON t.id = c.template_id"
        " WHERE c.user_id = ? AND t.kind = 'new_user'",
        (user["id"],),
    )
    assert coupons >= 1


def test_register_refuses_weak_password_bad_phone_and_bad_code_together(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register", json={"phone": "23912345678", "code": "12", "password": "abcdefgh"}
    )
    assert response.status_code == 422
    assert fields(response) == {
        "phone": "bad_phone",
        "code": "bad_code",
        "password": "weak_password",
    }
    digits_only = client.post(
        "/api/v1/auth/register", json={"phone": NEW_PHONE, "code": "123456", "password": "12345678"}
    )
    assert fields(digits_only) == {"password": "weak_password"}


def test_register_with_a_wrong_code_counts_an_attempt_and_creates_nothing(
    client: TestClient, app_ctx: Ctx
) -> None:
    code = request_code(client, NEW_PHONE, "register")
    response = client.post(
        "/api/v1/auth/register",
        json={"phone": NEW_PHONE, "code": other_code(code), "password": "abc12345"},
    )
    assert response.status_code == 422 and fields(response) == {"code": "wrong_code"}
    assert response.json()["error"]["details"]["attempts_left"] == 4
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM users WHERE phone = ?", (NEW_PHONE,)) == 0
    ok = client.post(
        "/api/v1/auth/register", json={"phone": NEW_PHONE, "code": code, "password": "abc12345"}
    )
    assert ok.status_code == 201


def test_register_for_a_taken_phone_is_409(
    client: TestClient, make_user: Callable[..., tuple[int, dict[str, str]]]
) -> None:
    code = request_code(client, NEW_PHONE, "register")
    make_user(NEW_PHONE)  # someone registered it meanwhile
    response = client.post(
        "/api/v1/auth/register", json={"phone": NEW_PHONE, "code": code, "password": "abc12345"}
    )
    assert response.status_code == 409 and error_code(response) == "PHONE_TAKEN"


# Password reset


def test_password_reset_sets_the_password_and_logs_out_everywhere(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    code = request_code(client, DEMO_PHONE, "reset")
    response = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": DEMO_PHONE, "code": code, "new_password": "fresh2026"},
    )
    assert response.status_code == 200 and response.json() == {"ok": True}
    revoked = client.get("/api/v1/me", headers=demo_headers)
    assert revoked.status_code == 401 and error_code(revoked) == "UNAUTHENTICATED"
    assert login_password(client, "demo1234").status_code == 401
    assert login_password(client, "fresh2026").status_code == 200


def test_password_reset_refusals(client: TestClient, app_ctx: Ctx) -> None:
    weak = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": DEMO_PHONE, "code": "123456", "new_password": "short1"},
    )
    assert weak.status_code == 422 and fields(weak) == {"new_password": "weak_password"}
    login_code = request_code(client, DEMO_PHONE, "login")
    wrong_purpose = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": DEMO_PHONE, "code": login_code, "new_password": "fresh2026"},
    )
    assert wrong_purpose.status_code == 422 and fields(wrong_purpose) == {"code": "wrong_code"}
    assert login_password(client, "demo1234").status_code == 200

    app_ctx.clock.advance(60)
    stranger_code = request_code(client, NEW_PHONE, "reset")
    stranger = client.post(
        "/api/v1/auth/password-reset",
        json={"phone": NEW_PHONE, "code": stranger_code, "new_password": "fresh2026"},
    )
    assert stranger.status_code == 401 and error_code(stranger) == "NOT_REGISTERED"


# Sessions


def test_a_token_expires_after_seven_days(client: TestClient, app_ctx: Ctx) -> None:
    headers = bearer(login_password(client, "demo1234"))
    app_ctx.clock.advance(7 * DAY - 1)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    app_ctx.clock.advance(1)
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401 and error_code(expired) == "TOKEN_EXPIRED"


def test_logout_revokes_only_the_calling_token(client: TestClient, app_ctx: Ctx) -> None:
    first = bearer(login_password(client, "demo1234"))
    second = bearer(login_password(client, "demo1234"))
    assert client.post("/api/v1/auth/logout", headers=first).json() == {"ok": True}
    assert error_code(client.get("/api/v1/me", headers=first)) == "UNAUTHENTICATED"
    assert client.get("/api/v1/me", headers=second).status_code == 200
    token = first["Authorization"].removeprefix("Bearer ")
    assert (
        app_ctx.db.scalar("SELECT revoked FROM sessions WHERE token_hash = ?", (sha256(token),))
        == 1
    )
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_logout_all_revokes_every_session_of_the_user_only(
    client: TestClient, make_user: Callable[..., tuple[int, dict[str, str]]]
) -> None:
    first = bearer(login_password(client, "demo1234"))
    second = bearer(login_password(client, "demo1234"))
    _, other_user = make_user()
    assert client.post("/api/v1/auth/logout-all", headers=second).json() == {"ok": True}
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 401
    assert client.get("/api/v1/me", headers=other_user).status_code == 200


# QR logins


def test_oauth_start_answers_a_device_code_and_qr_payload(client: TestClient) -> None:
    response = client.post("/api/v1/auth/oauth/wechat/start")
    assert response.status_code == 200
    body = response.json()
    assert body["interval"] == 2 and body["expires_in"] == 300
    assert body["qr_payload"] == f"kshop-oauth://wechat/{body['device_code']}"
    qq = client.post("/api/v1/auth/oauth/qq/start").json()
    assert (
        qq["qr_payload"].startswith("kshop-oauth://qq/")
        and qq["device_code"] != body["device_code"]
    )
    unknown = client.post("/api/v1/auth/oauth/weibo/start")
    assert unknown.status_code == 404 and error_code(unknown) == "NOT_FOUND"


def test_oauth_poll_pending_then_approved_then_consumed(client: TestClient) -> None:
    device_code = client.post("/api/v1/auth/oauth/wechat/start").json()["device_code"]
    pending = client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code})
    assert pending.status_code == 202 and pending.json() == {"status": "pending"}

    approved = client.post(f"/_dev/oauth/{device_code}/approve")
    assert approved.status_code == 200
    done = client.post(
        "/api/v1/auth/oauth/poll",
        json={"device_code": device_code},
        headers={"Accept-Language": "en"},
    )
    assert done.status_code == 200 and done.json()["user"]["id"] == DEMO_USER_ID
    assert done.json()["user"]["linked_logins"] == [
        {"provider": "wechat", "label": "WeChat", "created_at": iso(FROZEN_START)}
    ]
    assert client.get("/api/v1/me", headers=bearer(done)).status_code == 200

    used = client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code})
    assert used.status_code == 409 and error_code(used) == "CONFLICT"
    assert client.post(f"/_dev/oauth/{device_code}/approve").status_code == 409


def test_oauth_approval_links_the_provider_for_the_given_phone(
    client: TestClient, app_ctx: Ctx, make_user: Callable[..., tuple[int, dict[str, str]]]
) -> None:
    user_id, headers = make_user(NEW_PHONE)
    device_code = client.post("/api/v1/auth/oauth/qq/start").json()["device_code"]
    assert (
        client.post(f"/_dev/oauth/{device_code}/approve", json={"phone": NEW_PHONE}).status_code
        == 200
    )
    twice = client.post(f"/_dev/oauth/{device_code}/approve", json={"phone": NEW_PHONE})
    assert twice.status_code == 409
    done = client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code})
    assert done.json()["user"]["id"] == user_id
    link = app_ctx.db.one(
        "SELECT provider, external_id FROM linked_logins WHERE user_id = ?", (user_id,)
    )
    assert link is not None and tuple(link) == ("qq", f"qq-openid-{user_id}")
    me = client.get("/api/v1/me", headers=headers).json()
    assert [(x["provider"], x["label"]) for x in me["linked_logins"]] == [("qq", "QQ")]


def test_oauth_errors(client: TestClient, app_ctx: Ctx) -> None:
    unknown = client.post("/api/v1/auth/oauth/poll", json={"device_code": "no-such-code"})
    assert unknown.status_code == 404 and error_code(unknown) == "NOT_FOUND"
    assert client.post("/_dev/oauth/no-such-code/approve").status_code == 404
    too_long = client.post("/api/v1/auth/oauth/poll", json={"device_code": "x" * 65})
    assert too_long.status_code == 422 and fields(too_long) == {"device_code": "too_long"}
    extra = client.post("/api/v1/auth/oauth/poll", json={"device_code": "abc", "scope": "all"})
    assert extra.status_code == 422 and fields(extra) == {"scope": "unknown_field"}

    device_code = client.post("/api/v1/auth/oauth/wechat/start").json()["device_code"]
    no_user = client.post(f"/_dev/oauth/{device_code}/approve", json={"phone": NEW_PHONE})
    assert no_user.status_code == 404
    bad_phone = client.post(f"/_dev/oauth/{device_code}/approve", json={"phone": "123"})
    assert bad_phone.status_code == 422 and fields(bad_phone) == {"phone": "bad_phone"}

    app_ctx.clock.advance(299)
    still = client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code})
    assert still.status_code == 202
    app_ctx.clock.advance(1)
    expired = client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code})
    assert expired.status_code == 409 and error_code(expired) == "QR_EXPIRED"
    late_approval = client.post(f"/_dev/oauth/{device_code}/approve")
    assert late_approval.status_code == 409 and error_code(late_approval) == "QR_EXPIRED"


def test_the_simulator_approves_pending_qr_codes_as_the_demo_user(
    client: TestClient, app_ctx: Ctx
) -> None:
    device_code = client.post("/api/v1/auth/oauth/wechat/start").json()["device_code"]
    delay = app_ctx.delays["oauth_approve"]
    app_ctx.clock.advance(delay - 1)
    auth.simulate(app_ctx)
    assert (
        client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code}).status_code == 202
    )
    app_ctx.clock.advance(1)
    auth.simulate(app_ctx)
    done = client.post("/api/v1/auth/oauth/poll", json={"device_code": device_code})
    assert done.status_code == 200 and done.json()["user"]["id"] == DEMO_USER_ID

    expired_code = client.post("/api/v1/auth/oauth/qq/start").json()["device_code"]
    app_ctx.clock.advance(301)
    auth.simulate(app_ctx)
    stale = client.post("/api/v1/auth/oauth/poll", json={"device_code": expired_code})
    assert error_code(stale) == "QR_EXPIRED"


def test_openapi_documents_the_auth_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    poll = schema["paths"]["/api/v1/auth/oauth/poll"]["post"]["responses"]
    assert {"200", "202", "404", "409"} <= set(poll)
    assert "201" in schema["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
