"""The simulator's own controls (`/_dev`): the clock, a reset and one merchant step.
Each area's own `/_dev` endpoints live in its router's `dev_router`."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from fake_backend import seed as seeding
from fake_backend import simulator
from fake_backend.clock import iso
from fake_backend.deps import CtxDep
from fake_backend.schemas.common import StrictModel
from fake_backend.services import sweeper

router = APIRouter()
dev_router = APIRouter()


class ClockAdvance(StrictModel):
    seconds: float = Field(gt=0, le=366 * 86400)


class ResetBody(StrictModel):
    seed: int = Field(default=42, ge=0, le=2**31)


@dev_router.get("/clock")
def clock_now(ctx: CtxDep) -> dict[str, object]:
    return {"now": iso(ctx.now()), "epoch": ctx.now()}


@dev_router.post("/clock/advance")
def clock_advance(body: ClockAdvance, ctx: CtxDep) -> dict[str, object]:
    ctx.clock.advance(body.seconds)
    sweeper.run(ctx)
    return {"now": iso(ctx.now()), "epoch": ctx.now()}


@dev_router.get("/simulator")
def simulator_mode(ctx: CtxDep) -> dict[str, str]:
    """How the simulator plays the other side: `auto` (it pays QR codes, approves QR
    logins, ships and answers by itself) or `manual` (only `/_dev` moves things); clients
    word their demo hints by it."""
    return {"merchant": ctx.merchant}


@dev_router.post("/simulator/step")
def simulator_step(ctx: CtxDep) -> dict[str, bool]:
    simulator.step(ctx)
    return {"ok": True}


@dev_router.post("/reset")
def reset(ctx: CtxDep, body: ResetBody | None = None) -> dict[str, object]:
    seed = body.seed if body is not None else 42
    seeding.reset(ctx, seed=seed)
    return {"ok": True, "seed": seed}
