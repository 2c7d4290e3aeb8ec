"""Limits on requests anyone can make without an account and that cost something: an SMS
sent to a phone, a QR login waiting to be scanned. Each limit is a sliding window on the
backend clock (so `/_dev/clock/advance` moves it) over the uses it accepted; refused
requests do not count.

The client is the HTTP peer's address (`deps.ClientDep`). Everything the in-process
backend serves comes from one client; so do all visitors of `kshop serve`, whose shop
processes talk to the bundled backend from 127.0.0.1 and so share one client's limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.storage import limits as store

# The client of a request whose peer the server does not name (a Unix socket), and of a
# service call that names none: all of them are one client.
UNNAMED_CLIENT = "unknown"


@dataclass(frozen=True)
class Limit:
    bucket: str
    """`rate_events.bucket`."""
    uses: int
    """Allowed per window."""
    window: float
    """Seconds of backend clock."""
    code: str
    """The 429 code of `errors.MESSAGES` when the window is full."""


# SMS codes asked for by one client, over any phones (the 300-phones-in-0.3-s flood).
SMS_PER_CLIENT = Limit("sms_client", 10, 600, "SMS_CLIENT_LIMIT")
# SMS codes sent to one phone, from any clients (besides one per 60 s: auth.send_sms_code).
SMS_PER_PHONE = Limit("sms_phone", 5, 3600, "SMS_PHONE_LIMIT")
# QR logins started by one client (each is a device code waiting 5 minutes).
QR_LOGINS_PER_CLIENT = Limit("qr_login_client", 20, 600, "QR_LOGIN_LIMIT")
LIMITS = (SMS_PER_CLIENT, SMS_PER_PHONE, QR_LOGINS_PER_CLIENT)


def take(ctx: Ctx, limit: Limit, subject: str) -> None:
    """Counts one use of `limit` by `subject`, or raises its 429 (Retry-After: when the
    oldest use in the window leaves it). Joins the caller's transaction, so a refusal
    later in the same request takes the use back."""
    with ctx.db.tx():
        now = ctx.now()
        used, oldest = store.uses_since(ctx.db, limit.bucket, subject, now - limit.window)
        if used >= limit.uses:
            assert oldest is not None  # a full window holds at least one use
            raise ApiError(
                limit.code,
                retry_after=max(1, math.ceil(oldest + limit.window - now)),
                limit=limit.uses,
                window_min=round(limit.window / 60),
                details={"limit": limit.uses, "window_seconds": int(limit.window)},
            )
        store.record_use(ctx.db, limit.bucket, subject, now)


def forget_expired(ctx: Ctx) -> None:
    """Sweeper rule: uses older than the longest window no longer count; drop them."""
    cutoff = ctx.now() - max(limit.window for limit in LIMITS)
    # The sweeper runs every second: take the write lock only when there is work.
    if store.any_before(ctx.db, cutoff):
        with ctx.db.tx():
            store.forget_before(ctx.db, cutoff)
