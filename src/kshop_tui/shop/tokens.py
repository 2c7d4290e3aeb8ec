"""Where the login token lives: the system keyring; a 0600 file when no keyring exists
(a headless server — said once); only memory when "remember this device" is off or the
app is served over SSH/web. Passwords are never stored anywhere."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import ModuleType
from typing import Literal

SERVICE = "kshop"
ACCOUNT = "token"
Storage = Literal["keyring", "file", "memory"]


class TokenStore:
    def __init__(self, fallback_file: Path, *, persistent: bool = True) -> None:
        self.fallback_file = fallback_file
        self.persistent = persistent
        self.storage: Storage = "memory"
        self.fell_back = False
        self._memory: str | None = None

    def load(self) -> str | None:
        if not self.persistent:
            return self._memory
        keyring = _keyring()
        if keyring is not None:
            try:
                token = keyring.get_password(SERVICE, ACCOUNT)
            except Exception:  # any keyring backend failure means: use the file
                token = None
            else:
                if token:
                    self.storage = "keyring"
                    return str(token)
        try:
            token = self.fallback_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        self.storage = "file"
        return token or None

    def save(self, token: str, *, remember: bool) -> Storage:
        """Keeps `token`; answers where it went."""
        self._memory = token
        if not (remember and self.persistent):
            self._forget_persistent()
            self.storage = "memory"
            return self.storage
        keyring = _keyring()
        if keyring is not None:
            try:
                keyring.set_password(SERVICE, ACCOUNT, token)
            except Exception:  # NoKeyringError and friends: fall back to the file
                pass
            else:
                self._remove_file()
                self.storage = "keyring"
                return self.storage
        self._write_file(token)
        self.fell_back = True
        self.storage = "file"
        return self.storage

    def clear(self) -> None:
        self._memory = None
        self._forget_persistent()

    def _forget_persistent(self) -> None:
        if not self.persistent:
            return
        keyring = _keyring()
        if keyring is not None:
            with contextlib.suppress(Exception):
                keyring.delete_password(SERVICE, ACCOUNT)
        self._remove_file()

    def _write_file(self, token: str) -> None:
        self.fallback_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.fallback_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        # An existing file keeps its mode through os.open: private before the token goes in.
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)
        else:
            os.chmod(self.fallback_file, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token)

    def _remove_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fallback_file.unlink()


def _keyring() -> ModuleType | None:
    """The keyring module when a usable backend exists (imported lazily: it is slow)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    if isinstance(keyring.get_keyring(), fail.Keyring):
        return None
    return keyring
