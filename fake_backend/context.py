"""What every service call needs: the database, the clock and the mode."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from fake_backend.clock import Clock
from fake_backend.storage.db import Database

MerchantMode = Literal["auto", "manual"]


@dataclass
class Ctx:
    db: Database
    clock: Clock
    dev: bool = True
    merchant: MerchantMode = "auto"
    # Shared with the SSH gateway; None: `/auth/ssh-session` refuses everyone.
    gateway_secret: str | None = None
    # Serving the public (`kshop serve`): the demo SMS outbox shows visitors only the codes
    # for registering a new phone, as it does for every request a served session marks.
    public_demo: bool = False
    # Seconds of backend clock the merchant simulator waits before each move.
    delays: dict[str, float] = field(
        default_factory=lambda: {
            "qr_pay": 4.0,
            "ship": 8.0,
            "logistics_step": 10.0,
            "after_sale_answer": 6.0,
            "return_receive": 10.0,
            "reship": 6.0,
            "support_reply": 2.0,
            "appeal": 8.0,
            "oauth_approve": 5.0,
        }
    )

    # When the sweeper last ran, on the backend clock; held by the thread sweeping.
    last_sweep: float = float("-inf")
    sweeping: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Without dev mode nothing may approve, pay, ship or answer by itself: the merchant
        # simulator is a demo of the other side, and a real client cannot tell it is fake.
        if self.merchant == "auto" and not self.dev:
            raise ValueError("the merchant simulator (merchant 'auto') needs dev mode")

    def now(self) -> float:
        return self.clock.now()
