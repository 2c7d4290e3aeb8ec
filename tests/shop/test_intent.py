"""`api.intent.Intent`: one idempotency key per user intent, kept while no answer came and
dropped on a definite one (docs/api.md §4.4). Plain objects, no backend."""

from __future__ import annotations

import uuid

import pytest

from kshop_tui.api import errors
from kshop_tui.api.intent import Intent, new_intent_key, unanswered

IN_FLIGHT = "IDEMPOTENCY_IN_FLIGHT"

NO_ANSWER = [
    errors.BackendUnreachable("ConnectError: connection refused"),
    errors.ServerError("Something went wrong", status=500),
    errors.Conflict("still working on it", code=IN_FLIGHT, status=409),
]
REFUSALS = [
    errors.ApiError("HTTP 418", status=418),
    errors.BadRequest("malformed", status=400),
    errors.AuthExpired("log in again", code="TOKEN_EXPIRED", status=401),
    errors.CredentialsRejected("wrong code", code="BAD_CODE", status=401),
    errors.InsufficientFunds("balance too low", code="INSUFFICIENT_BALANCE", status=402),
    errors.Forbidden("wrong payment password", code="BAD_PAYMENT_PASSWORD", status=403),
    errors.NotFound("no such order", code="NOT_FOUND", status=404),
    errors.Conflict("out of stock", code="OUT_OF_STOCK", status=409),
    errors.PayloadTooLarge("too big", status=413),
    errors.ValidationFailed("invalid", code="VALIDATION_FAILED", status=422),
    errors.RateLimited("slow down", retry_after=30, code="RATE_LIMITED", status=429),
]


def named(error: errors.ApiError) -> str:
    return f"{type(error).__name__}-{error.code or error.status}"


@pytest.mark.parametrize("error", NO_ANSWER, ids=named)
def test_no_answer_is_unanswered(error: errors.ApiError) -> None:
    assert unanswered(error)


@pytest.mark.parametrize("error", REFUSALS, ids=named)
def test_a_refusal_is_an_answer(error: errors.ApiError) -> None:
    assert not unanswered(error)


def test_a_cancelled_login_is_not_a_lost_answer() -> None:
    assert not unanswered(errors.LoginCancelled())


def test_every_error_family_is_classified_here() -> None:
    families = {type(error) for error in NO_ANSWER + REFUSALS}
    assert families == {errors.ApiError, *_subclasses(errors.ApiError)}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_keys_are_new_uuids() -> None:
    keys = [new_intent_key() for _ in range(50)]
    assert len(set(keys)) == 50
    assert all(str(uuid.UUID(key)) == key for key in keys)


def test_the_key_is_made_once_and_reused_until_settled() -> None:
    intent = Intent()
    assert not intent.pending and intent.key is None
    key = intent.begin()
    assert intent.pending and intent.key == key
    assert intent.begin() == key


@pytest.mark.parametrize("error", NO_ANSWER, ids=named)
def test_no_answer_keeps_the_key(error: errors.ApiError) -> None:
    intent = Intent()
    key = intent.begin()
    intent.settle(error)
    assert intent.pending and intent.begin() == key


@pytest.mark.parametrize("error", REFUSALS, ids=named)
def test_a_refusal_ends_the_intent(error: errors.ApiError) -> None:
    intent = Intent()
    key = intent.begin()
    intent.settle(error)
    assert not intent.pending
    assert intent.begin() != key


def test_success_ends_the_intent() -> None:
    intent = Intent()
    key = intent.begin()
    intent.settle()
    assert not intent.pending
    assert intent.begin() != key


def test_forget_ends_the_intent() -> None:
    intent = Intent()
    key = intent.begin()
    intent.settle(errors.BackendUnreachable("ReadError"))
    intent.forget()
    assert not intent.pending
    assert intent.begin() != key


def test_an_intent_can_resume_a_kept_key() -> None:
    intent = Intent("kept-key")
    assert intent.pending and intent.begin() == "kept-key"


class Backend:
    """Answers each request with the next outcome (an exception is raised), recording keys."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.keys: list[str] = []

    async def request(self, key: str) -> object:
        self.keys.append(key)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


async def test_send_passes_the_key_and_ends_on_success() -> None:
    intent, backend = Intent(), Backend("order 1")
    assert await intent.send(backend.request) == "order 1"
    assert len(backend.keys) == 1 and uuid.UUID(backend.keys[0])
    assert not intent.pending


async def test_send_after_a_lost_answer_repeats_the_same_key() -> None:
    lost = errors.BackendUnreachable("ReadError: connection reset by peer")
    intent, backend = Intent(), Backend(lost, errors.ServerError("HTTP 502"), "order 1")
    with pytest.raises(errors.BackendUnreachable) as caught:
        await intent.send(backend.request)
    assert caught.value is lost and intent.pending
    with pytest.raises(errors.ServerError):
        await intent.send(backend.request)
    assert intent.pending
    assert await intent.send(backend.request) == "order 1"
    assert backend.keys == [backend.keys[0]] * 3
    assert not intent.pending


async def test_send_after_a_refusal_is_a_new_intent() -> None:
    refused = errors.Conflict("out of stock", code="OUT_OF_STOCK", status=409)
    intent, backend = Intent(), Backend(refused, "order 1")
    with pytest.raises(errors.Conflict):
        await intent.send(backend.request)
    assert not intent.pending
    assert await intent.send(backend.request) == "order 1"
    assert backend.keys[0] != backend.keys[1]


async def test_each_intent_after_a_success_gets_its_own_key() -> None:
    intent, backend = Intent(), Backend("order 1", "order 2")
    await intent.send(backend.request)
    await intent.send(backend.request)
    assert backend.keys[0] != backend.keys[1]
