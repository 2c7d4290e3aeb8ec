"""`ShopSession.attempt` without a screen: a fake host records what it was asked to show,
a fake client action answers or fails as each test scripts it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kshop_tui.api import errors
from kshop_tui.i18n import t
from kshop_tui.shop.options import AppOptions
from kshop_tui.shop.session import ShopSession
from tests.shop.fakes import FakeApi


class FakeHost:
    """A `ShopHost` that records notices and the banner; a login asked for is answered
    as `login_answer` says (logging in as a plain user when True)."""

    def __init__(self, *, user: Any = None, login_answer: bool = False) -> None:
        self.user = user
        self.login_answer = login_answer
        self.logins_asked = 0
        self.told: list[tuple[str, str]] = []
        self.banner: list[bool] = []

    def current_user(self) -> Any:
        return self.user

    def set_user(self, user: Any) -> None:
        self.user = user

    def set_cart_count(self, count: int) -> None:
        pass

    def set_backend_down(self, down: bool) -> None:
        self.banner.append(down)

    async def ask_login(self, *, expired: bool) -> bool:
        self.logins_asked += 1
        if self.login_answer:
            self.user = SimpleNamespace(id=1)
        return self.login_answer

    def tell(self, message: str, *, severity: str = "information", title: str = "") -> None:
        self.told.append((severity, message))

    def in_background(self, work: Any, *, group: str) -> None:
        raise AssertionError("nothing runs in the background here")


async def open_session(host: FakeHost, api: FakeApi, tmp_path: Path) -> ShopSession:
    api.token = None
    backend: Any = SimpleNamespace(client=api)
    options = AppOptions(backend=backend, data_dir=tmp_path, persistent_tokens=False)
    session = ShopSession(host, options)
    assert await session.connect()
    return session


class Recorder:
    """Stands in for a screen's `on_refusal` / `on_login_cancelled`."""

    def __init__(self) -> None:
        self.refusals: list[errors.ApiError] = []
        self.cancelled = 0

    def refused(self, error: errors.ApiError) -> None:
        self.refusals.append(error)

    def login_cancelled(self) -> None:
        self.cancelled += 1


async def test_the_answer_passes_through_and_the_banner_comes_down(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1))
    api = FakeApi(wallet=["the wallet"])
    shop = await open_session(host, api, tmp_path)
    recorder = Recorder()
    answer = await shop.attempt(
        lambda api: api.wallet(),
        needs_login=True,
        on_refusal=recorder.refused,
        on_login_cancelled=recorder.login_cancelled,
    )
    assert answer == "the wallet"
    assert (recorder.refusals, recorder.cancelled, host.told) == ([], 0, [])
    assert host.banner == [False]


async def test_a_refusal_goes_to_on_refusal_and_nothing_is_told(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1))
    refusal = errors.Conflict("库存不足")
    shop = await open_session(host, FakeApi(wallet=[refusal]), tmp_path)
    recorder = Recorder()
    answer = await shop.attempt(lambda api: api.wallet(), on_refusal=recorder.refused)
    assert answer is None
    assert recorder.refusals == [refusal]
    assert host.told == []


async def test_without_on_refusal_a_refusal_is_a_cleaned_notice(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1))
    shop = await open_session(host, FakeApi(wallet=[errors.Conflict("库存\x1b[2J不足")]), tmp_path)
    assert await shop.attempt(lambda api: api.wallet()) is None
    assert host.told == [("error", "库存不足")]
    assert host.banner == []


async def test_an_outage_raises_the_banner_and_reaches_on_refusal(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1))
    outage = errors.BackendUnreachable("connection refused")
    shop = await open_session(host, FakeApi(wallet=[outage]), tmp_path)
    recorder = Recorder()
    assert await shop.attempt(lambda api: api.wallet(), on_refusal=recorder.refused) is None
    assert host.banner == [True]
    assert recorder.refusals == [outage]
    assert host.told == []


async def test_without_on_refusal_an_outage_is_told_in_our_words(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1))
    outage = errors.BackendUnreachable("connection refused")
    shop = await open_session(host, FakeApi(wallet=[outage]), tmp_path)
    assert await shop.attempt(lambda api: api.wallet()) is None
    assert host.banner[-1] is True
    assert host.told == [("error", t("backend.unreachable"))]


async def test_backing_out_of_the_login_goes_to_on_login_cancelled(tmp_path: Path) -> None:
    host = FakeHost(login_answer=False)
    api = FakeApi(wallet=["the wallet"])
    shop = await open_session(host, api, tmp_path)
    recorder = Recorder()
    answer = await shop.attempt(
        lambda api: api.wallet(),
        needs_login=True,
        on_refusal=recorder.refused,
        on_login_cancelled=recorder.login_cancelled,
    )
    assert answer is None
    assert host.logins_asked == 1
    assert recorder.cancelled == 1
    assert recorder.refusals == []
    assert api.calls == []  # the action never ran
    assert host.told == []


async def test_backing_out_of_the_login_by_default_does_nothing(tmp_path: Path) -> None:
    host = FakeHost(login_answer=False)
    api = FakeApi(wallet=["the wallet"])
    shop = await open_session(host, api, tmp_path)
    assert await shop.attempt(lambda api: api.wallet(), needs_login=True) is None
    assert (host.told, host.banner, api.calls) == ([], [], [])


async def test_a_login_given_carries_the_action_on(tmp_path: Path) -> None:
    host = FakeHost(login_answer=True)
    shop = await open_session(host, FakeApi(wallet=["the wallet"]), tmp_path)
    recorder = Recorder()
    answer = await shop.attempt(
        lambda api: api.wallet(), needs_login=True, on_login_cancelled=recorder.login_cancelled
    )
    assert answer == "the wallet"
    assert host.logins_asked == 1
    assert recorder.cancelled == 0


async def test_an_expired_login_not_renewed_counts_as_backing_out(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1), login_answer=False)
    api = FakeApi(wallet=[errors.AuthExpired("expired", code="TOKEN_EXPIRED")])
    shop = await open_session(host, api, tmp_path)
    recorder = Recorder()
    answer = await shop.attempt(
        lambda api: api.wallet(),
        needs_login=True,
        on_refusal=recorder.refused,
        on_login_cancelled=recorder.login_cancelled,
    )
    assert answer is None
    assert recorder.cancelled == 1
    assert recorder.refusals == []
    assert host.user is None
    assert host.told == [("warning", t("login.expired"))]


async def test_what_is_not_an_api_error_is_not_swallowed(tmp_path: Path) -> None:
    host = FakeHost(user=SimpleNamespace(id=1))
    shop = await open_session(host, FakeApi(wallet=[ValueError("a bug")]), tmp_path)
    recorder = Recorder()
    with pytest.raises(ValueError, match="a bug"):
        await shop.attempt(lambda api: api.wallet(), on_refusal=recorder.refused)
    assert recorder.refusals == []
