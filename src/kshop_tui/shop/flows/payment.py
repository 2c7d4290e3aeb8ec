"""Paying an order: how an attempt ended and where the user goes next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NextStep = Literal["detail", "browse", "another", "back"]


@dataclass(frozen=True)
class PayOutcome:
    """How one payment attempt ended: paid, or why not."""

    paid: bool
    failure: str = ""
    insufficient: bool = False


@dataclass(frozen=True)
class PayResult:
    """What the payment flow (route "pay") answers: whether the order got paid, and where
    the user asked to go from the result screen (`back` when they simply left)."""

    paid: bool
    next: NextStep
