from __future__ import annotations

from fake_backend.context import Ctx


def simulate(ctx: Ctx) -> None:
    return None


def cancel_unpaid(ctx: Ctx) -> None:
    return None


def auto_confirm_delivered(ctx: Ctx) -> None:
    return None
