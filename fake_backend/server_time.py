"""Every answer says what time it is on the backend's clock.

Clients count down deadlines (the merchant's 24 h, the unpaid order's auto-cancel, a QR
code's expiry) against this clock, not their own: the backend's clock can be frozen or
moved on by `/_dev/clock/advance`, and a client's wall clock can simply be wrong.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_backend.clock import Clock

SERVER_TIME_HEADER = b"x-server-time"
# Sent only while the clock stands still, so a client knows not to tick between answers.
SERVER_CLOCK_HEADER = b"x-server-clock"


class ServerTime:
    """ASGI middleware adding `X-Server-Time` (epoch seconds) to every HTTP answer, and
    `X-Server-Clock: frozen` when the clock is frozen."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((SERVER_TIME_HEADER, f"{self.clock.now():.3f}".encode()))
                if self.clock.frozen:
                    headers.append((SERVER_CLOCK_HEADER, b"frozen"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_time)
