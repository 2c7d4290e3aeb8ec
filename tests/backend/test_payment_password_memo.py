"""A right payment password is derived once per process and stored hash (issue 16: 18 ms
of PBKDF2 per payment); wrong ones always cost the derivation and count as before."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import account, rules
from fake_backend.storage.db import Database
from tests.conftest import DEMO_USER_ID

RIGHT = "123456"
WRONG = "000000"


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The secrets that went through PBKDF2 (rules.verify_secret), in order."""
    seen: list[str] = []
    derive = rules.verify_secret

    def counted(secret: str, stored: str | None) -> bool:
        seen.append(secret)
        return derive(secret, stored)

    monkeypatch.setattr(rules, "verify_secret", counted)
    return seen


def test_a_right_secret_is_derived_once_then_remembered(derivations: list[str]) -> None:
    stored = rules.hash_secret(RIGHT)
    matches = rules.RememberedMatches(clock=Ticks())
    assert matches.verify(RIGHT, stored)
    assert matches.verify(RIGHT, stored)
    assert derivations == [RIGHT]


def test_a_wrong_secret_is_derived_every_time_and_never_remembered(
    derivations: list[str],
) -> None:
    stored = rules.hash_secret(RIGHT)
    matches = rules.RememberedMatches(clock=Ticks())
    assert matches.verify(RIGHT, stored)
    for _ in range(3):
        assert not matches.verify(WRONG, stored)
    assert derivations == [RIGHT, WRONG, WRONG, WRONG]


def test_a_new_stored_hash_of_the_same_secret_is_derived_again(derivations: list[str]) -> None:
    """A changed password gets a new salt: what was remembered for the old hash is not
    taken for the new one, nor for another user's hash of the same secret."""
    matches = rules.RememberedMatches(clock=Ticks())
    old, new = rules.hash_secret(RIGHT), rules.hash_secret(RIGHT)
    assert matches.verify(RIGHT, old)
    assert matches.verify(RIGHT, new)
    assert not matches.verify(RIGHT, rules.hash_secret(WRONG))
    assert derivations == [RIGHT, RIGHT, RIGHT]


def test_a_remembered_match_is_forgotten_after_its_lifetime(derivations: list[str]) -> None:
    ticks = Ticks()
    stored = rules.hash_secret(RIGHT)
    matches = rules.RememberedMatches(lifetime=60.0, clock=ticks)
    assert matches.verify(RIGHT, stored)
    ticks.now = 59.0
    assert matches.verify(RIGHT, stored)
    ticks.now = 60.0
    assert matches.verify(RIGHT, stored)
    assert derivations == [RIGHT, RIGHT]


def test_only_the_newest_matches_are_kept(derivations: list[str]) -> None:
    matches = rules.RememberedMatches(size=2, clock=Ticks())
    first, second, third = (rules.hash_secret(RIGHT) for _ in range(3))
    for stored in (first, second, third):
        assert matches.verify(RIGHT, stored)
    assert matches.verify(RIGHT, third) and matches.verify(RIGHT, second)
    assert matches.verify(RIGHT, first)
    assert derivations == [RIGHT, RIGHT, RIGHT, RIGHT]


def test_no_stored_hash_matches_nothing(derivations: list[str]) -> None:
    matches = rules.RememberedMatches(clock=Ticks())
    assert not matches.verify(RIGHT, None)
    assert not matches.verify(RIGHT, "")


def counted_transactions(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the write transactions the context's database opens from now on."""
    opened: list[int] = []
    tx: Callable[[], AbstractContextManager[Database]] = ctx.db.tx

    def counting() -> AbstractContextManager[Database]:
        opened.append(1)
        return tx()

    monkeypatch.setattr(ctx.db, "tx", counting)
    return opened


@pytest.fixture
def fresh_memo(monkeypatch: pytest.MonkeyPatch) -> Iterator[rules.RememberedMatches]:
    memo = rules.RememberedMatches(clock=Ticks())
    monkeypatch.setattr(account, "PAYMENT_PASSWORD_MATCHES", memo)
    yield memo


def test_a_right_payment_password_with_nothing_to_reset_writes_nothing(
    ctx: Ctx,
    monkeypatch: pytest.MonkeyPatch,
    fresh_memo: rules.RememberedMatches,
    derivations: list[str],
) -> None:
    opened = counted_transactions(ctx, monkeypatch)
    account.verify_payment_password(ctx, DEMO_USER_ID, RIGHT)
    account.verify_payment_password(ctx, DEMO_USER_ID, RIGHT)
    assert opened == []
    assert derivations == [RIGHT]


def test_a_remembered_payment_password_still_resets_the_count_and_obeys_the_lock(
    ctx: Ctx, fresh_memo: rules.RememberedMatches, derivations: list[str]
) -> None:
    account.verify_payment_password(ctx, DEMO_USER_ID, RIGHT)
    with pytest.raises(ApiError):
        account.verify_payment_password(ctx, DEMO_USER_ID, WRONG)
    account.verify_payment_password(ctx, DEMO_USER_ID, RIGHT)  # remembered: no derivation
    failures = ctx.db.scalar("SELECT pay_failures FROM users WHERE id = ?", (DEMO_USER_ID,))
    assert failures == 0
    for _ in range(account.MAX_FAILURES):
        with pytest.raises(ApiError):
            account.verify_payment_password(ctx, DEMO_USER_ID, WRONG)
    with pytest.raises(ApiError) as locked:
        account.verify_payment_password(ctx, DEMO_USER_ID, RIGHT)
    assert locked.value.code == "LOCKED"
    assert derivations == [RIGHT] + [WRONG] * (1 + account.MAX_FAILURES)
