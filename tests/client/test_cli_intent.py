"""`Cli.intent`: how `kshop order place | pay` and `kshop after-sale create` repeat one
intent: the same key after a lost answer or while the backend is still busy with it,
never after an answer (a refusal, or a server error, which the command reports at once)."""

from __future__ import annotations

import argparse

import pytest

from kshop_tui.api import errors
from kshop_tui.cli_commands.runtime import INTENT_BACKOFF_SECONDS, Cli, Runtime

IN_FLIGHT = errors.Conflict("still working on it", code="IDEMPOTENCY_IN_FLIGHT", status=409)


class Answers:
    """Each request gets the next outcome (an exception is raised); keys are recorded."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.keys: list[str] = []

    async def request(self, key: str) -> object:
        self.keys.append(key)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def cli(slept: list[float]) -> Cli:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    # Only the runtime's sleep is used by `intent`.
    return Cli(
        args=argparse.Namespace(),
        runtime=Runtime(sleep=sleep),
        backend=None,  # type: ignore[arg-type]
        tokens=None,  # type: ignore[arg-type]
        out=None,  # type: ignore[arg-type]
    )


async def test_a_lost_answer_and_a_busy_backend_are_repeated_with_the_same_key(
    cli: Cli, slept: list[float]
) -> None:
    answers = Answers(errors.BackendUnreachable("ReadError"), IN_FLIGHT, "the order")
    assert await cli.intent(answers.request) == "the order"
    assert len(answers.keys) == 3 and len(set(answers.keys)) == 1
    assert slept == list(INTENT_BACKOFF_SECONDS)


async def test_no_answer_at_all_gives_up_after_three_tries(cli: Cli, slept: list[float]) -> None:
    lost = [errors.BackendUnreachable("ConnectError") for _ in range(3)]
    answers = Answers(*lost)
    with pytest.raises(errors.BackendUnreachable) as caught:
        await cli.intent(answers.request)
    assert caught.value is lost[-1]
    assert len(answers.keys) == 3 and len(set(answers.keys)) == 1
    assert slept == list(INTENT_BACKOFF_SECONDS)


@pytest.mark.parametrize(
    "answer",
    [
        errors.ServerError("Something went wrong", status=500),
        errors.Conflict("out of stock", code="OUT_OF_STOCK", status=409),
        errors.InsufficientFunds("balance too low", status=402),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_an_answer_is_not_repeated(
    cli: Cli, slept: list[float], answer: errors.ApiError
) -> None:
    answers = Answers(answer, "never reached")
    with pytest.raises(type(answer)):
        await cli.intent(answers.request)
    assert len(answers.keys) == 1 and slept == []


async def test_each_call_is_a_new_intent(cli: Cli) -> None:
    answers = Answers("first", "second")
    await cli.intent(answers.request)
    await cli.intent(answers.request)
    assert answers.keys[0] != answers.keys[1]
