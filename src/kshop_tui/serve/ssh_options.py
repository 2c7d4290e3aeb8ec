"""How `kshop serve ssh` runs: its backend, its limits, its language, its host key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kshop_tui.config import DemoLimits, data_dir

HOST_KEY_NAME = "ssh_host_ed25519_key"
# From connecting to logging in, and again from logging in to opening the shop (OpenSSH's
# LoginGraceTime): a person's client needs milliseconds; a silent socket gets no longer.
LOGIN_GRACE_S = 10.0


@dataclass
class SshServeOptions:
    backend_url: str
    limits: DemoLimits = field(default_factory=DemoLimits)
    # Forces the UI language; otherwise the client's locale (SendEnv LANG), then ours.
    language: str | None = None
    # Lets the server log a linked key in; None: keys are linked but never log in.
    gateway_secret: str | None = None
    host_key_path: Path = field(default_factory=lambda: data_dir() / HOST_KEY_NAME)
    login_grace_s: float = LOGIN_GRACE_S
    # Sessions forked by a zygote that has imported the shop once (`serve.zygote`);
    # False: a new interpreter for each, as before (kept to measure the difference).
    preforked: bool = True
    # Shops started ahead for visitors who come at once (`serve.warm`); 0: none.
    warm: int = 0
