"""Time rules that fire without anyone asking: unpaid orders cancel after 30 minutes,
unanswered after-sales are approved after 24 h, an exchange's replacement counts as
received 10 days after it was shipped, stale QR payments expire, delivered
orders are confirmed automatically, services the merchant never marked done complete a day
after their slot, uses older than every limit's window are forgotten, uploads no
after-sale used within a day are deleted, subscriptions place their due periods. Runs
before requests (at most once per second of backend clock) and on every clock advance."""

from __future__ import annotations

from fake_backend.context import Ctx
from fake_backend.services import (
    after_sale_merchant,
    appointments,
    limits,
    order_states,
    payments,
    subscriptions,
    uploads,
)

# Each `rule(ctx) -> None`, in this order.
RULES = (
    payments.expire_stale,
    order_states.cancel_unpaid,
    order_states.auto_confirm_delivered,
    appointments.auto_complete,
    after_sale_merchant.auto_approve_overdue,
    after_sale_merchant.auto_complete_replacements,
    limits.forget_expired,
    uploads.collect_unattached,
    subscriptions.place_due,
)


def run(ctx: Ctx) -> None:
    ctx.last_sweep = ctx.now()
    for rule in RULES:
        rule(ctx)


def maybe_run(ctx: Ctx) -> None:
    """Requests run in worker threads, many at once: one of them sweeps, the others go on
    (they would only repeat its work, each waiting for the writer in turn)."""
    if ctx.now() - ctx.last_sweep >= 1.0 and ctx.sweeping.acquire(blocking=False):
        try:
            if ctx.now() - ctx.last_sweep >= 1.0:
                run(ctx)
        finally:
            ctx.sweeping.release()
