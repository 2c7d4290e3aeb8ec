"""The merchant simulator (`--merchant auto`, dev mode only): every second it lets each
area make the moves a merchant, a courier, the platform or the user's phone app would
(see each service's `simulate`)."""

from __future__ import annotations

import asyncio
import logging

from fake_backend.context import Ctx
from fake_backend.services import (
    after_sale_merchant,
    appointments,
    auth,
    logistics,
    payments,
    support,
    sweeper,
)

log = logging.getLogger("fake_backend.simulator")

MOVES = (
    auth.simulate,
    payments.simulate,
    logistics.simulate,
    appointments.simulate,
    after_sale_merchant.simulate,
    support.simulate,
)
TICK_SECONDS = 1.0


def step(ctx: Ctx) -> None:
    """One round of merchant moves; `/_dev` and tests call it directly too."""
    sweeper.run(ctx)
    for move in MOVES:
        move(ctx)


async def run_forever(ctx: Ctx) -> None:
    while True:
        await asyncio.sleep(TICK_SECONDS)
        try:
            # In a thread: the loop serves requests (in the bundled mode, draws the TUI).
            await asyncio.to_thread(step, ctx)
        except Exception:  # a bad move must not stop the simulator for the rest
            log.exception("merchant simulator step failed")
