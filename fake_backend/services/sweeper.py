"""Time rules that fire without anyone asking: unpaid orders cancel after 30 minutes,
unanswered after-sales are approved after 24 h, stale QR payments expire, delivered
orders are confirmed automatically. Runs before requests (at most once per second of
backend clock) and on every clock advance."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from fake_backend.context import Ctx

# (module, function) pairs, each `fn(ctx) -> None`, run in this order.
RULES: tuple[tuple[str, str], ...] = (
    ("fake_backend.services.payments", "expire_stale"),
    ("fake_backend.services.orders", "cancel_unpaid"),
    ("fake_backend.services.orders", "auto_confirm_delivered"),
    ("fake_backend.services.after_sales", "auto_approve_overdue"),
)


def _rules() -> list[Callable[[Ctx], None]]:
    found = []
    for module_name, function_name in RULES:
        module = importlib.import_module(module_name)
        found.append(getattr(module, function_name))
    return found


def run(ctx: Ctx) -> None:
    ctx.last_sweep = ctx.now()
    for rule in _rules():
        rule(ctx)


def maybe_run(ctx: Ctx) -> None:
    if ctx.now() - ctx.last_sweep >= 1.0:
        run(ctx)
