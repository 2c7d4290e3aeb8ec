"""The account (`/me`) over HTTP: profile, two-step switch, real-name verification,
login password change, payment password."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fake_backend.clock import iso
from fake_backend.context import Ctx
from fake_backend.services.rules import china_date, id_check_char, verify_secret
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID, FROZEN_START

MakeUser = Callable[..., tuple[int, dict[str, str]]]
DEMO_PHONE = "13800138000"


def fields(response: Any) -> dict[str, str]:
    return {
        name: value["code"] for name, value in response.json()["error"]["details"]["fields"].items()
    }


# 11010519491231002X is the usual example of a resident ID whose check character is X.
ID_ENDING_IN_X = "11010519491231002X"
ID_BAD_CHECK = "110105194912310020"


def valid_id(first17: str = "44030419850615123") -> str:
    return first17 + id_check_char(first17)


def test_the_id_fixtures_are_what_they_claim() -> None:
    assert id_check_char(ID_ENDING_IN_X[:17]) == "X"
    assert valid_id()[-1].isdigit()


def login(client: TestClient, password: str, phone: str = DEMO_PHONE) -> Any:
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": password})


# GET /me


def test_me_answers_the_profile_of_the_demo_user(
    client: TestClient, demo_headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/me", headers=demo_headers)
    assert response.status_code == 200
    me = response.json()
    assert set(me) == {
        "id", "phone", "phone_masked", "nickname", "real_name_verified", "real_name_masked",
        "id_number_masked", "two_factor_enabled", "has_payment_password", "created_at",
        "linked_logins", "guest",
    }  # fmt: skip
    assert me["guest"] is False
    assert me["id"] == DEMO_USER_ID and me["phone"] == DEMO_PHONE
    assert me["phone_masked"] == "138****8000"
    assert me["real_name_verified"] is True and me["real_name_masked"] == "张*"
    assert me["id_number_masked"] is not None
    assert me["id_number_masked"].startswith("330") and "*" * 11 in me["id_number_masked"]
    assert me["two_factor_enabled"] is False and me["has_payment_password"] is True
    assert me["linked_logins"] == []


def test_me_needs_a_valid_token(client: TestClient) -> None:
    assert error_code(client.get("/api/v1/me")) == "UNAUTHENTICATED"
    bogus = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bogus.status_code == 401 and error_code(bogus) == "UNAUTHENTICATED"


def test_me_is_the_caller_own_account(
    client: TestClient, demo_headers: dict[str, str], make_user: MakeUser
) -> None:
    user_id, headers = make_user("13711112222")
    mine = client.get("/api/v1/me", headers=headers).json()
    assert mine["id"] == user_id and mine["phone"] == "13711112222"
    assert mine["nickname"] == "用户2222" and mine["real_name_verified"] is False
    assert mine["real_name_masked"] is None and mine["id_number_masked"] is None
    assert mine["has_payment_password"] is False
    assert mine["created_at"] == iso(FROZEN_START)
    assert client.get("/api/v1/me", headers=demo_headers).json()["id"] == DEMO_USER_ID


# two-step verification switch


def test_two_factor_switch_is_stored(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    on = client.put("/api/v1/me/two-factor", json={"enabled": True}, headers=demo_headers)
    assert on.status_code == 200 and on.json()["two_factor_enabled"] is True
    assert app_ctx.db.scalar("SELECT two_factor_enabled FROM users WHERE id = 1") == 1
    off = client.put(
        "/api/v1/me/two-factor",
        json={"enabled": False, "password": "demo1234"},
        headers=demo_headers,
    )
    assert off.json()["two_factor_enabled"] is False


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"enabled": "yes"}, {"enabled": "not_boolean"}),
        ({"enabled": 1}, {"enabled": "not_boolean"}),
        ({}, {"enabled": "required"}),
        ({"enabled": True, "method": "sms"}, {"method": "unknown_field"}),
    ],
)
def test_two_factor_switch_validates(
    client: TestClient, demo_headers: dict[str, str], body: dict[str, Any], expected: dict[str, str]
) -> None:
    response = client.put("/api/v1/me/two-factor", json=body, headers=demo_headers)
    assert response.status_code == 422 and fields(response) == expected


def test_two_factor_needs_login(client: TestClient) -> None:
    assert client.put("/api/v1/me/two-factor", json={"enabled": True}).status_code == 401


# real-name verification


def test_real_name_verification_stores_only_the_masked_id(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    user_id, headers = make_user()
    id_number = valid_id()
    response = client.put(
        "/api/v1/me/real-name", json={"name": "王小明", "id_number": id_number}, headers=headers
    )
    assert response.status_code == 200
    me = response.json()
    assert me["real_name_verified"] is True and me["real_name_masked"] == "王**"
    assert me["id_number_masked"] == f"440***********{id_number[-4:]}"
    row = app_ctx.db.one("SELECT real_name, id_number_masked FROM users WHERE id = ?", (user_id,))
    assert row is not None and row["real_name"] == "王小明"
    assert id_number not in str(tuple(row))


def test_real_name_accepts_a_lowercase_x_check_character(
    client: TestClient, make_user: MakeUser
) -> None:
    _, headers = make_user()
    id_number = ID_ENDING_IN_X
    response = client.put(
        "/api/v1/me/real-name",
        json={"name": "欧阳·娜娜", "id_number": id_number.lower()},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["id_number_masked"].endswith(id_number[-4:])


@pytest.mark.parametrize(
    ("name", "id_number", "expected"),
    [
        ("王小明", ID_BAD_CHECK, {"id_number": "bad_id_number"}),
        ("王小明", "11010519491231002", {"id_number": "bad_id_number"}),
        ("王小明", "11010519491231002Y", {"id_number": "bad_id_number"}),
        ("Wang Xiaoming", None, {"name": "bad_name"}),
        ("王", None, {"name": "bad_name"}),
        ("王小明\n", None, {"name": "bad_name"}),
        ("王小明", "１１０１０５１９４９１２３１００２X", {"id_number": "bad_id_number"}),
        # The check character is right; the birth date is month 13, day 99.
        ("王小明", "110101199913991231", {"id_number": "bad_id_number"}),
        ("王小明", valid_id("11010118991231123"), {"id_number": "bad_id_number"}),
        ("王小明", valid_id("11010120230229123"), {"id_number": "bad_id_number"}),
        ("王小明1", "12345", {"name": "bad_name", "id_number": "bad_id_number"}),
    ],
)
def test_real_name_refuses_bad_names_and_check_digits(
    client: TestClient,
    make_user: MakeUser,
    app_ctx: Ctx,
    name: str,
    id_number: str | None,
    expected: dict[str, str],
) -> None:
    user_id, headers = make_user()
    response = client.put(
        "/api/v1/me/real-name",
        json={"name": name, "id_number": id_number or valid_id()},
        headers=headers,
    )
    assert response.status_code == 422 and fields(response) == expected
    assert app_ctx.db.scalar("SELECT real_name FROM users WHERE id = ?", (user_id,)) is None


def test_real_name_refuses_a_birth_date_after_the_backend_clock_s_today(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    today = china_date(app_ctx.now()).date()
    tomorrow = today + datetime.timedelta(days=1)
    _, headers = make_user()
    for born, status in ((tomorrow, 422), (today, 200)):
        id_number = valid_id(f"110101{born:%Y%m%d}123")
        response = client.put(
            "/api/v1/me/real-name", json={"name": "王小明", "id_number": id_number}, headers=headers
        )
        assert response.status_code == status, born


def test_real_name_twice_is_409_and_changes_nothing(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    response = client.put(
        "/api/v1/me/real-name", json={"name": "李四", "id_number": valid_id()}, headers=demo_headers
    )
    assert response.status_code == 409 and error_code(response) == "ALREADY_VERIFIED"
    assert app_ctx.db.scalar("SELECT real_name FROM users WHERE id = 1") == "张三"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "王" * 41, "id_number": "x"}, {"name": "too_long"}),
        ({"name": "王小明", "id_number": "1" * 33}, {"id_number": "too_long"}),
        ({"name": "王小明"}, {"id_number": "required"}),
        ({"name": "王小明", "id_number": "1", "gender": "m"}, {"gender": "unknown_field"}),
    ],
)
def test_real_name_body_bounds(
    client: TestClient, make_user: MakeUser, body: dict[str, Any], expected: dict[str, str]
) -> None:
    _, headers = make_user()
    response = client.put("/api/v1/me/real-name", json=body, headers=headers)
    assert response.status_code == 422 and fields(response) == expected


# login password change


def test_password_change_keeps_this_session_and_ends_the_others(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    other = {"Authorization": f"Bearer {login(client, 'demo1234').json()['token']}"}
    response = client.put(
        "/api/v1/me/password",
        json={"current_password": "demo1234", "new_password": "better2026"},
        headers=demo_headers,
    )
    assert response.status_code == 200 and response.json()["id"] == DEMO_USER_ID
    assert client.get("/api/v1/me", headers=demo_headers).status_code == 200
    assert error_code(client.get("/api/v1/me", headers=other)) == "UNAUTHENTICATED"
    assert login(client, "demo1234").status_code == 401
    assert login(client, "better2026").status_code == 200
    stored = app_ctx.db.scalar("SELECT password_hash FROM users WHERE id = 1")
    assert "better2026" not in stored and verify_secret("better2026", stored)


def test_password_change_refusals(client: TestClient, demo_headers: dict[str, str]) -> None:
    wrong = client.put(
        "/api/v1/me/password",
        json={"current_password": "guess1234", "new_password": "better2026"},
        headers=demo_headers,
    )
    assert wrong.status_code == 403 and error_code(wrong) == "WRONG_PASSWORD"
    assert wrong.json()["error"]["details"]["attempts_left"] == 4
    weak = client.put(
        "/api/v1/me/password",
        json={"current_password": "demo1234", "new_password": "onlyletters"},
        headers=demo_headers,
    )
    assert weak.status_code == 422 and fields(weak) == {"new_password": "weak_password"}
    same = client.put(
        "/api/v1/me/password",
        json={"current_password": "demo1234", "new_password": "demo1234"},
        headers=demo_headers,
    )
    assert same.status_code == 422 and fields(same) == {"new_password": "same_as_current"}
    too_long = client.put(
        "/api/v1/me/password",
        json={"current_password": "demo1234", "new_password": "a1" * 33},
        headers=demo_headers,
    )
    assert too_long.status_code == 422 and fields(too_long) == {"new_password": "too_long"}
    assert login(client, "demo1234").status_code == 200


def test_wrong_current_passwords_lock_like_logins(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    body = {"current_password": "guess1234", "new_password": "better2026"}
    for _ in range(4):
        assert client.put("/api/v1/me/password", json=body, headers=demo_headers).status_code == 403
    locked = client.put("/api/v1/me/password", json=body, headers=demo_headers)
    assert locked.status_code == 429 and error_code(locked) == "LOCKED"
    right = {"current_password": "demo1234", "new_password": "better2026"}
    assert client.put("/api/v1/me/password", json=right, headers=demo_headers).status_code == 429
    assert login(client, "demo1234").status_code == 429
    app_ctx.clock.advance(15 * 60)
    assert client.put("/api/v1/me/password", json=right, headers=demo_headers).status_code == 200


# payment password


def test_first_payment_password_needs_no_current_one(
    client: TestClient, make_user: MakeUser, app_ctx: Ctx
) -> None:
    user_id, headers = make_user()
    response = client.put(
        "/api/v1/me/payment-password", json={"payment_password": "246810"}, headers=headers
    )
    assert response.status_code == 200 and response.json()["has_payment_password"] is True
    stored = app_ctx.db.scalar("SELECT payment_password_hash FROM users WHERE id = ?", (user_id,))
    assert "246810" not in stored and verify_secret("246810", stored)


@pytest.mark.parametrize("password", ["12345", "1234567", "12345a", "１２３４５６", "123456\n", ""])
def test_payment_password_must_be_six_digits(
    client: TestClient, make_user: MakeUser, password: str
) -> None:
    _, headers = make_user()
    response = client.put(
        "/api/v1/me/payment-password", json={"payment_password": password}, headers=headers
    )
    assert response.status_code == 422
    assert fields(response) == {"payment_password": "bad_payment_password"}


def test_changing_the_payment_password_needs_the_current_one(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    missing = client.put(
        "/api/v1/me/payment-password", json={"payment_password": "654321"}, headers=demo_headers
    )
    assert missing.status_code == 422 and fields(missing) == {
        "current_payment_password": "required"
    }
    wrong = client.put(
        "/api/v1/me/payment-password",
        json={"payment_password": "654321", "current_payment_password": "000000"},
        headers=demo_headers,
    )
    assert wrong.status_code == 403 and error_code(wrong) == "WRONG_PAYMENT_PASSWORD"
    assert wrong.json()["error"]["details"]["attempts_left"] == 4
    same = client.put(
        "/api/v1/me/payment-password",
        json={"payment_password": "123456", "current_payment_password": "123456"},
        headers=demo_headers,
    )
    assert same.status_code == 422 and fields(same) == {"payment_password": "same_as_current"}
    ok = client.put(
        "/api/v1/me/payment-password",
        json={"payment_password": "654321", "current_payment_password": "123456"},
        headers=demo_headers,
    )
    assert ok.status_code == 200
    stored = app_ctx.db.one(
        "SELECT payment_password_hash, pay_failures FROM users WHERE id = ?", (DEMO_USER_ID,)
    )
    assert stored is not None and verify_secret("654321", stored["payment_password_hash"])
    assert stored["pay_failures"] == 0


def test_five_wrong_current_payment_passwords_lock_payment_passwords(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    body = {"payment_password": "654321", "current_payment_password": "000000"}
    for attempts_left in (4, 3, 2, 1):
        wrong = client.put("/api/v1/me/payment-password", json=body, headers=demo_headers)
        assert wrong.json()["error"]["details"]["attempts_left"] == attempts_left
    locked = client.put("/api/v1/me/payment-password", json=body, headers=demo_headers)
    assert locked.status_code == 429 and error_code(locked) == "LOCKED"
    assert locked.headers["Retry-After"] == "900"
    right = {"payment_password": "654321", "current_payment_password": "123456"}
    assert (
        client.put("/api/v1/me/payment-password", json=right, headers=demo_headers).status_code
        == 429
    )
    assert login(client, "demo1234").status_code == 200  # login is a separate lock
    app_ctx.clock.advance(15 * 60)
    assert (
        client.put("/api/v1/me/payment-password", json=right, headers=demo_headers).status_code
        == 200
    )


def test_payment_password_body_bounds(client: TestClient, demo_headers: dict[str, str]) -> None:
    too_long = client.put(
        "/api/v1/me/payment-password",
        json={"payment_password": "1" * 33, "current_payment_password": "1" * 33},
        headers=demo_headers,
    )
    assert too_long.status_code == 422
    assert fields(too_long) == {
        "payment_password": "too_long",
        "current_payment_password": "too_long",
    }
    extra = client.put(
        "/api/v1/me/payment-password",
        json={"payment_password": "654321", "hint": "birthday"},
        headers=demo_headers,
    )
    assert extra.status_code == 422 and fields(extra) == {"hint": "unknown_field"}
    assert (
        client.put("/api/v1/me/payment-password", json={"payment_password": "654321"}).status_code
        == 401
    )
