"""The merchant simulator (`--merchant auto`): every second it lets each area make the
moves a merchant, a courier or the platform would (see each service's `simulate`)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable

from fake_backend.context import Ctx
from fake_backend.services import sweeper

log = logging.getLogger("fake_backend.simulator")

STEPS: tuple[str, ...] = (
    "fake_backend.services.auth",
    "fake_backend.services.payments",
    "fake_backend.services.logistics",
    "fake_backend.services.after_sales",
    "fake_backend.services.support",
)
TICK_SECONDS = 1.0


def steps() -> list[Callable[[Ctx], None]]:
    return [importlib.import_module(name).simulate for name in STEPS]


def step(ctx: Ctx) -> None:
    """One round of merchant moves; `/_dev` and tests call it directly too."""
    sweeper.run(ctx)
    for move in steps():
        move(ctx)


async def run_forever(ctx: Ctx) -> None:
    while True:
        await asyncio.sleep(TICK_SECONDS)
        try:
            step(ctx)
        except Exception:  # a bad move must not stop the simulator for the rest
            log.exception("merchant simulator step failed")
