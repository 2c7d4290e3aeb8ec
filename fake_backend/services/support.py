from __future__ import annotations

from fake_backend.context import Ctx


def simulate(ctx: Ctx) -> None:
    return None
