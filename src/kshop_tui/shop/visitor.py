"""Who a warm shop serves: the message its server sends on the shop's attach pipe when a
visitor takes it (serve/warm.py writes it, the app reads it): one JSON object, then the
end of the pipe."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

MAX_MESSAGE = 4096
"""A message is well under this, and under PIPE_BUF: it arrives whole."""


@dataclass(frozen=True)
class Visitor:
    address: str | None
    ssh_fingerprint: str | None
    ssh_key_label: str | None


def encode(visitor: Visitor) -> bytes:
    return json.dumps(asdict(visitor)).encode()


def decode(data: bytes) -> Visitor | None:
    """The visitor a message names; None for anything else (a warm shop dropped unused
    sees only the end of its pipe)."""
    try:
        fields = json.loads(data.decode())
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(fields, dict):
        return None
    address, fingerprint, label = (
        fields.get(k) for k in ("address", "ssh_fingerprint", "ssh_key_label")
    )
    if not all(value is None or isinstance(value, str) for value in (address, fingerprint, label)):
        return None
    return Visitor(address, fingerprint, label)
