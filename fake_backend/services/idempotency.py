"""docs/api.md §4 idempotency: same key + same body replays, a different body is refused,
a request still running answers 409, refusals are not remembered, keys live 24 h.

A claimed request's effect and its stored answer commit in one transaction (`perform`),
so a crash leaves both or neither: never an effect whose key still looks unused.
A key in flight names the process running it; when that process is gone (killed
mid-request, so nothing of its effect committed), the key is claimed afresh and the
client's retry after a restart runs once.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error
from fake_backend.storage import idempotency as store

KEY_LIFETIME = 24 * 3600
MAX_KEY_LENGTH = 100
# Tells this run of the server from an earlier one that had the same process id.
_BOOT = secrets.token_hex(8)

Result = TypeVar("Result")


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: Any


def body_hash(endpoint: str, body: Any) -> str:
    canonical = json.dumps([endpoint, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def begin(ctx: Ctx, user_id: int, key: str, endpoint: str, body: Any) -> Replay | None:
    """Claims `key` for this request, or answers the stored response to replay."""
    if not key:
        raise field_error("Idempotency-Key", "required")
    if len(key) > MAX_KEY_LENGTH:
        raise field_error("Idempotency-Key", "too_long")
    digest = body_hash(endpoint, body)
    now = ctx.now()
    with ctx.db.tx():
        store.delete_expired_key(ctx.db, user_id, key, now - KEY_LIFETIME)
        row = store.key_row(ctx.db, user_id, key)
        if row is None:
            store.claim_key(ctx.db, user_id, key, endpoint, digest, now, process_owner())
            return None
        if row["state"] == "in_flight" and row["body_hash"] == digest and _gone(row["owner"]):
            store.reclaim_key(ctx.db, user_id, key, now, process_owner())
            return None
    if row["body_hash"] != digest:
        raise ApiError("IDEMPOTENCY_KEY_REUSED")
    if row["state"] == "in_flight":
        raise ApiError("IDEMPOTENCY_IN_FLIGHT")
    return Replay(status_code=row["status_code"], body=json.loads(row["response"]))


def perform(
    ctx: Ctx,
    user_id: int,
    key: str,
    status_code: int,
    action: Callable[[], Result],
    shape: Callable[[Result], Any],
    prepare: Callable[[], None] | None = None,
) -> Any:
    """Runs the request `begin` claimed and answers its stored body.

    `prepare` runs first, on its own: checks whose refusal must still commit something
    (the payment password's failure count). Then `action`, `shape` (its answer as sent)
    and the stored answer run in one transaction: an error or a crash anywhere in it
    undoes the effect with the answer. A refusal forgets the key (docs/api.md §4)."""
    try:
        if prepare is not None:
            prepare()
        with ctx.db.tx():
            body = shape(action())
            finish(ctx, user_id, key, status_code, body)
    except BaseException:
        abandon(ctx, user_id, key)
        raise
    return body


def finish(ctx: Ctx, user_id: int, key: str, status_code: int, body: Any) -> None:
    """Stores the answer of a key this process holds in flight; joins `perform`'s
    transaction, and fails it (so undoes the effect) if the key is no longer held."""
    with ctx.db.tx():
        response = json.dumps(body, ensure_ascii=False)
        stored = store.store_answer(ctx.db, user_id, key, process_owner(), status_code, response)
        if stored != 1:
            raise RuntimeError(f"idempotency key of user {user_id} is no longer held")


def abandon(ctx: Ctx, user_id: int, key: str) -> None:
    """Forgets a key whose request was refused, so a corrected retry can use it."""
    with ctx.db.tx():
        store.forget_in_flight(ctx.db, user_id, key, process_owner())


def process_owner() -> str:
    return f"{os.getpid()}:{_BOOT}"


def _gone(owner: str | None) -> bool:
    """True when the process that claimed a key no longer runs."""
    if owner == process_owner():
        return False
    pid_text = (owner or "").partition(":")[0]
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return True  # no owner recorded, or an earlier run with this process id
    if sys.platform == "win32":
        return False  # os.kill(pid, 0) would end the process there
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, under another user
    return False
