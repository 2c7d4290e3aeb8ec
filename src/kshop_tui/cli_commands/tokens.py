"""The CLI's login: the shop's own token store, so `kshop login` also logs in the shop."""

from __future__ import annotations

from pathlib import Path

from kshop_tui.shop.tokens import TokenStore


def token_store(data_dir: Path, *, demo: bool) -> TokenStore:
    """The keyring, or `token` (0600) under the data dir. A `--demo` backend is new on
    every run, so its login lives in memory and never replaces the stored one."""
    return TokenStore(data_dir / "token", persistent=not demo)
