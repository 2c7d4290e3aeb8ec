"""How one run of the shop is set up: language, which backend, where its data lives, and
whether it is served to visitors (`kshop serve`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kshop_tui.config import Settings, data_dir

if TYPE_CHECKING:
    from kshop_tui.api.backend import Backend


@dataclass
class AppOptions:
    language: str = "zh_CN"
    backend_url: str | None = None
    demo: bool = False
    open_target: str | None = None
    data_dir: Path = field(default_factory=data_dir)
    settings: Settings = field(default_factory=Settings)
    # Over SSH or the web the token must stay in memory, per session.
    persistent_tokens: bool = True
    merchant: str = "auto"
    # `kshop --served` (over SSH or the web): nothing may touch the server's desktop.
    served: bool = False
    # Where a served session's visitor connected from (the SSH server says).
    visitor_address: str | None = None
    # A served session's pipe to its server, written once the first frame is on the screen
    # (the server starts the next visitor's shop then: `serve.zygote`).
    first_frame_fd: int | None = None
    # A warm shop's pipe from its server, on which it hears of its visitor (serve/warm.py).
    attach_fd: int | None = None
    # Over SSH: a login the server made for a linked key, and the key to link after login.
    session_token: str | None = None
    ssh_fingerprint: str | None = None
    ssh_key_label: str = "ssh key"
    # Tests hand in an already-open backend instead of opening one.
    backend: Backend | None = None
