"""Secrets stay secret (issue 8): after a scripted run through the real server
(register, log in, payment password, bank card, pay, change password, a crash with
passwords in the body) no password, payment password, full card number or token appears
in any text of the database, in a plain fast hash there, in any log line or traceback,
or in any answer; phone numbers in the backend's logs are masked. The login token goes
to the keyring when one exists and otherwise to a file that is 0600 from its first byte;
the CLI's --json output and the config never carry the token or a password.

Legitimately stored: the fake SMS outbox (`sms_codes.code`) holds the codes it sent in
clear, because it stands in for the user's phone (`GET /_dev/sms-outbox`); the codes
appear nowhere else."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring
import keyring.backend
import keyring.errors
import pytest
from fastapi import FastAPI

from fake_backend.app import create_app
from fake_backend.clock import Clock
from fake_backend.seed_data import DEMO_PASSWORD, DEMO_PAYMENT_PASSWORD, DEMO_PHONE
from fake_backend.services import account as account_service
from fake_backend.services.idempotency import body_hash
from fake_backend.services.rules import verify_secret
from kshop_tui.api.backend import IN_PROCESS_URL, Backend
from kshop_tui.api.client import KshopClient
from kshop_tui.cli_commands import Runtime, run
from kshop_tui.cli_commands.runtime import BackendChoice
from kshop_tui.shop import tokens as token_session
from kshop_tui.shop.tokens import TokenStore
from tests.faults.harness import serve_in_thread

PHONE = "13912345678"
PASSWORD = "Kq7-first-secret"
NEW_PASSWORD = "Zr4-second-secret"
CRASH_PASSWORD = "Wm9-third-secret"
PAYMENT_PASSWORD = "739164"
WRONG_PAYMENT_PASSWORD = "402817"
CARD = "6222028736150426"  # Luhn-valid, 工商银行's BIN
UNMASKED_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class Capture(logging.Handler):
    """Every record, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def backend_app(db_path: Path, clock: Clock) -> FastAPI:
    return create_app(db_path, clock, merchant="manual", dev=True, seed=None)


@pytest.fixture
def logs() -> Iterator[Capture]:
    capture = Capture()
    names = ("", "fake_backend", "uvicorn", "uvicorn.error", "uvicorn.access")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    yield capture
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(capture)
        logger.setLevel(level)


def text_of_database(path: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text or blob value in every table."""
    connection = sqlite3.connect(path)
    found: list[tuple[str, str, str]] = []
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                for (value,) in connection.execute(
                    f'SELECT "{column}" FROM "{table}" WHERE typeof("{column}") IN ("text", "blob")'
                ):
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    found.append((table, column, text))
    finally:
        connection.close()
    return found


def fast_hashes(secret: str) -> set[str]:
    data = secret.encode()
    return {hashlib.new(name, data).hexdigest() for name in ("md5", "sha1", "sha256", "sha512")}


def test_a_scripted_run_leaves_no_secret_in_the_database_logs_or_answers(
    backend_app: FastAPI, db_path: Path, monkeypatch: pytest.MonkeyPatch, logs: Capture
) -> None:
    answers: list[str] = []
    tokens: list[str] = []
    codes: list[str] = []
    with serve_in_thread(backend_app, log_level="debug") as port:
        # uvicorn configured its loggers as it started: capture them from here on.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).addHandler(logs)
            logging.getLogger(name).setLevel(logging.DEBUG)
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30.0)

        def call(method: str, path: str, expect: int, **kwargs: Any) -> Any:
            response = http.request(method, path, **kwargs)
            answers.append(response.text)
            assert response.status_code == expect, response.text
            return response.json() if response.content else None

        def sms_code(purpose: str) -> str:
            call("POST", "/auth/sms-codes", 200, json={"phone": PHONE, "purpose": purpose})
            outbox = http.get(f"http://127.0.0.1:{port}/_dev/sms-outbox", params={"phone": PHONE})
            code = str(outbox.json()["messages"][-1]["code"])
            codes.append(code)
            return code

        def authed(token: str, key: bool = False) -> dict[str, str]:
            headers = {"Authorization": f"Bearer {token}"}
            return {**headers, "Idempotency-Key": str(uuid.uuid4())} if key else headers

        code = sms_code("register")
        body = {"phone": PHONE, "code": code, "password": PASSWORD}
        tokens.append(call("POST", "/auth/register", 201, json=body)["token"])
        login = call("POST", "/auth/login", 200, json={"phone": PHONE, "password": PASSWORD})
        token = login["token"]
        tokens.append(token)
        call(
            "PUT",
            "/me/payment-password",
            200,
            headers=authed(token),
            json={"payment_password": PAYMENT_PASSWORD},
        )
        card = call(
            "POST",
            "/wallet/bank-cards",
            201,
            headers=authed(token),
            json={"card_number": CARD, "holder_name": "王小明"},
        )
        assert card["last4"] == CARD[-4:]
        call(
            "POST",
            "/wallet/topup",
            201,
            headers=authed(token, key=True),
            json={
                "amount_fen": 100_000,
                "bank_card_id": card["id"],
                "payment_password": PAYMENT_PASSWORD,
            },
        )
        call(
            "POST",
            "/addresses",
            201,
            headers=authed(token),
            json={
                "name": "王小明",
                "phone": PHONE,
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "detail": "文三路 90 号",
                "is_default": True,
            },
        )
        sku = backend_app.state.ctx.db.scalar(
            "SELECT id FROM skus WHERE stock > 5 AND price_fen < 50000 ORDER BY id LIMIT 1"
        )
        order = call(
            "POST",
            "/orders",
            201,
            headers=authed(token, key=True),
            json={"items": [{"sku_id": sku, "qty": 1}], "payment_method": "balance"},
        )
        pay_path = f"/orders/{order['id']}/pay"
        call(
            "POST",
            pay_path,
            403,
            headers=authed(token, key=True),
            json={"method": "balance", "payment_password": WRONG_PAYMENT_PASSWORD},
        )
        pay_body = {"method": "balance", "payment_password": PAYMENT_PASSWORD}
        call("POST", pay_path, 201, headers=authed(token, key=True), json=pay_body)
        call(
            "PUT",
            "/me/password",
            200,
            headers=authed(token),
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        call("POST", "/auth/login", 401, json={"phone": PHONE, "password": PASSWORD})
        tokens.append(
            call("POST", "/auth/login", 200, json={"phone": PHONE, "password": NEW_PASSWORD})[
                "token"
            ]
        )
        http.post(f"http://127.0.0.1:{port}/_dev/clock/advance", json={"seconds": 61})
        code = sms_code("login")  # a minute later: the SMS rate limit allows another
        tokens.append(
            call("POST", "/auth/login", 200, json={"phone": PHONE, "code": code})["token"]
        )

        # A crash while the body carries passwords: a 500 in words, logged with its traceback.
        def crash(*args: object, **kwargs: object) -> Any:
            raise RuntimeError("simulated fault while changing a password")

        monkeypatch.setattr(account_service, "change_password", crash)
        crashed = call(
            "PUT",
            "/me/password",
            500,
            headers=authed(token),
            json={"current_password": NEW_PASSWORD, "new_password": CRASH_PASSWORD},
        )
        assert crashed["error"]["code"] == "INTERNAL"
        http.close()

    # Guessable secrets must not be stored even as a fast hash; tokens (256 random bits)
    # are kept as their SHA-256 by design, never in clear.
    guessable = [PASSWORD, NEW_PASSWORD, CRASH_PASSWORD, PAYMENT_PASSWORD, WRONG_PAYMENT_PASSWORD]
    guessable += [CARD, " ".join(CARD[i : i + 4] for i in range(0, 16, 4))]
    secrets = [*guessable, *tokens]

    # The database: hashes and last4 only; the SMS codes only in the fake outbox.
    stored = text_of_database(db_path)
    for table, column, value in stored:
        for secret in secrets:
            assert secret not in value, (table, column)
        for secret in guessable:
            for digest in fast_hashes(secret):
                assert digest not in value, (table, column, "a fast hash of a secret")
        for code in codes:
            if code in value:
                assert (table, column) == ("sms_codes", "code"), (table, column)
    pay_fingerprint = body_hash(f"POST {pay_path}", {**pay_body, "bank_card_id": None})
    assert pay_fingerprint not in {value for _, _, value in stored}
    db = backend_app.state.ctx.db
    password_hash = db.scalar("SELECT password_hash FROM users WHERE phone = ?", (PHONE,))
    assert verify_secret(NEW_PASSWORD, password_hash) and not verify_secret(PASSWORD, password_hash)
    card_row = db.one("SELECT last4, card_hash FROM bank_cards WHERE id = ?", (card["id"],))
    assert card_row is not None and card_row["last4"] == CARD[-4:]
    assert verify_secret(CARD, card_row["card_hash"])  # salted and slow, like a password

    # The answers, the logs and the tracebacks.
    for answer in answers:
        for secret in guessable:
            assert secret not in answer
    log_text = "\n".join(logs.lines)
    assert "RuntimeError: simulated fault" in log_text  # the traceback was captured
    assert "sms-outbox" in log_text  # so was the access log
    for secret in secrets:
        assert secret not in log_text
    backend_lines = [line for line in logs.lines if line.startswith(("fake_backend", "uvicorn"))]
    unmasked = [line for line in backend_lines if UNMASKED_PHONE.search(line)]
    assert unmasked == []
    assert any("139****5678" in line for line in backend_lines)


def test_the_same_card_bound_by_two_users_is_stored_differently(backend_app: FastAPI) -> None:
    from fake_backend.errors import ApiError
    from fake_backend.services import wallet

    ctx = backend_app.state.ctx
    with ctx.db.tx():
        other = ctx.db.insert(
            "INSERT INTO users(phone, nickname, balance_fen, created_at) VALUES (?,?,?,?)",
            (PHONE, "另一位", 0, ctx.now()),
        )
    wallet.add_card(ctx, other, CARD, "王小明", "en")
    demo_holder = ctx.db.scalar("SELECT real_name FROM users WHERE id = 1")
    wallet.add_card(ctx, 1, CARD, demo_holder, "en")
    hashes = [
        row["card_hash"]
        for row in ctx.db.all("SELECT card_hash FROM bank_cards WHERE last4 = ?", (CARD[-4:],))
    ]
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    assert not fast_hashes(CARD) & set(hashes)
    with pytest.raises(ApiError) as again:
        wallet.add_card(ctx, other, CARD, "王小明", "en")  # still recognised as bound
    assert again.value.code == "CARD_ALREADY_BOUND"


# --- where the token lives -------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self, *, broken: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.broken = broken
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken:
            raise keyring.errors.PasswordSetError("the keyring is locked")
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def system_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


def files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_with_a_keyring_the_token_never_touches_a_file(
    system_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    stale = tmp_path / "data" / "token"
    stale.parent.mkdir()
    stale.write_text("an-older-token")
    store = TokenStore(stale)
    assert store.save("tok-in-keyring", remember=True) == "keyring"
    assert system_keyring.passwords == {("kshop", "token"): "tok-in-keyring"}
    assert not stale.exists()  # the file of an earlier, keyring-less run is gone
    assert files_holding(tmp_path, "tok-in-keyring") == []
    assert TokenStore(stale).load() == "tok-in-keyring"
    store.clear()
    assert system_keyring.passwords == {} and TokenStore(stale).load() is None


def test_without_remembering_or_when_served_the_token_stays_in_memory(
    system_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    for store in (
        TokenStore(tmp_path / "token"),
        TokenStore(tmp_path / "token", persistent=False),
    ):
        remember = not store.persistent
        assert store.save("tok-memory", remember=remember) == "memory"
        assert store.load() == ("tok-memory" if not store.persistent else None)
    assert system_keyring.passwords == {} and files_holding(tmp_path, "tok-memory") == []


def test_a_broken_keyring_falls_back_to_a_private_file(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring(broken=True))
    try:
        store = TokenStore(tmp_path / "data" / "token")
        assert store.save("tok-in-file", remember=True) == "file" and store.fell_back
    finally:
        keyring.set_keyring(previous)
    assert (tmp_path / "data" / "token").stat().st_mode & 0o777 == 0o600


def test_the_fallback_file_is_private_before_the_token_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_session, "_keyring", lambda: None)
    path = tmp_path / "token"
    path.write_text("old")
    path.chmod(0o644)  # left readable by something else
    modes_at_write: list[int] = []
    real_fdopen = os.fdopen

    def watching_fdopen(descriptor: int, *args: Any, **kwargs: Any) -> Any:
        modes_at_write.append(os.fstat(descriptor).st_mode & 0o777)
        return real_fdopen(descriptor, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", watching_fdopen)
    assert TokenStore(path).save("tok-private", remember=True) == "file"
    assert modes_at_write == [0o600]
    assert path.stat().st_mode & 0o777 == 0o600 and path.read_text() == "tok-private"


# --- the CLI's output and the config ---------------------------------------------------


def test_cli_json_output_and_config_never_carry_the_token_or_passwords(
    backend_app: FastAPI,
    system_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KSHOP_CONFIG_FILE", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("KSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KSHOP_BACKEND_URL", raising=False)
    client = KshopClient(
        IN_PROCESS_URL, transport=httpx.ASGITransport(app=backend_app), language=lambda: "en"
    )
    backend = Backend(client=client, in_process=True, description="test")

    async def open_backend(choice: BackendChoice) -> Backend:
        return backend

    runtime = Runtime(
        open_backend=open_backend,
        data_dir=tmp_path / "data",
        ask=lambda prompt: "",
        secret=lambda prompt: DEMO_PASSWORD,
    )
    outputs: list[str] = []

    def kshop(*argv: str, stdin: str = "") -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = run(["--lang", "en", *argv], runtime)
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
        assert code == 0, captured

    kshop("login", DEMO_PHONE)
    token = system_keyring.passwords[("kshop", "token")]
    kshop("whoami", "--json")
    sku = backend_app.state.ctx.db.scalar("SELECT id FROM skus WHERE stock > 5 ORDER BY id")
    kshop(
        "order",
        "place",
        "--sku",
        str(sku),
        "--pay",
        "balance",
        "--payment-password-stdin",
        "--json",
        stdin=DEMO_PAYMENT_PASSWORD + "\n",
    )
    kshop("orders", "list", "--json")
    kshop("config", "show", "--json")
    for output in outputs:
        for secret in (token, DEMO_PASSWORD, DEMO_PAYMENT_PASSWORD):
            assert secret not in output
    for secret in (token, DEMO_PASSWORD, DEMO_PAYMENT_PASSWORD):
        assert files_holding(tmp_path, secret) == []
