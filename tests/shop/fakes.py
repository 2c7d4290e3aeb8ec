"""Plain stand-ins for the shop session and the API client: each call answers what the
test scripted for it, in order, and is recorded with its arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

from kshop_tui.api.errors import LoginCancelled


class FakeApi:
    def __init__(self, **answers: list[Any]) -> None:
        """`answers[name]`: what each call of `name` answers, in order; an exception in
        the list is raised instead."""
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name not in self.answers:
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, {"args": args, **kwargs}))
            answer = self.answers[name].pop(0)
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return call

    def keys(self, name: str) -> list[str]:
        """The Idempotency-Keys the calls of `name` carried."""
        return [kwargs["idempotency_key"] for call, kwargs in self.calls if call == name]


class FakeShop:
    """`run_api` as the session runs it, without a login to ask for."""

    def __init__(self, api: FakeApi, *, has_payment_password: bool = True) -> None:
        self.api = api
        self.user = SimpleNamespace(has_payment_password=has_payment_password, guest=False)
        self.cancel_login = False

    async def run_api(self, action: Callable[[FakeApi], Awaitable[Any]], **_: Any) -> Any:
        if self.cancel_login:
            raise LoginCancelled()
        return await action(self.api)
