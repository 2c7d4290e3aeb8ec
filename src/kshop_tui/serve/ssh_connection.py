"""One connection to `kshop serve ssh`: who it is (its key, or a guest without one) and
whether it was let in; its one shop is an `SshSession`."""

from __future__ import annotations

import asyncio
import datetime
from typing import Protocol

import asyncssh

from kshop_tui.serve.limits import Refusal, SessionGate, WaitingRoom
from kshop_tui.serve.ssh_session import SessionServer, SshSession


class ConnectionServer(SessionServer, Protocol):
    """What a connection needs of the server (`ssh.ShopSshServer`)."""

    gate: SessionGate
    waiting: WaitingRoom


class SshConnection(asyncssh.SSHServer):
    """One SSH connection: who it is (the key, if any) and whether it was let in.

    Until its shop opens it waits (`ShopSshServer.waiting`: a few per address, a bounded
    number in all, `login_grace_s` for each step); only a shop holds a place in the
    session cap, so connections that never log in cannot fill the shop."""

    def __init__(self, server: ConnectionServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.ip = "?"
        self.refusal: Refusal | None = None
        self.key: asyncssh.SSHKey | None = None
        self._waiting = False
        self._holds_slot = False
        # One shop per connection; a refused sftp or forwarding request does not count.
        self.shop_started = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.ip = str(peer[0]) if peer else "?"
        self._waiting = self.server.waiting.enter(self.ip)
        if not self._waiting:
            # Dropped before a byte is read. Soon, not now: asyncssh sends its version
            # line after this returns, on a transport that must still be open.
            asyncio.get_running_loop().call_soon(conn.abort)
            return
        self.refusal = self.server.gate.count(self.ip)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_waiting()
        self.release_slot()

    def stop_waiting(self) -> None:
        if self._waiting:
            self._waiting = False
            self.server.waiting.leave(self.ip)

    def take_slot(self) -> Refusal | None:
        """A place in the session cap for this connection's shop, or "full"."""
        refusal = self.server.gate.take()
        self._holds_slot = refusal is None
        return refusal

    def release_slot(self) -> None:
        if self._holds_slot:
            self._holds_slot = False
            self.server.gate.release()

    def begin_auth(self, username: str) -> bool:
        return True  # "none" is not enough: a key, if the client has one, is how we know it

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the offer and again for the signed request; the last call before
        # success is the key that logged in (a keyboard-interactive success clears it).
        self.key = key
        return True

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        self.key = None
        return True  # no questions: a key-less client is a guest who logs in by SMS

    def password_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        # Logged in: now the shop must open (ssh -N never opens one), or a refused one
        # (full, too often, no pty) be left.
        asyncio.get_running_loop().call_later(
            self.server.options.login_grace_s, self._close_if_still_waiting
        )

    def _close_if_still_waiting(self) -> None:
        if self._waiting and self.conn is not None:
            self.conn.close()

    def session_requested(self) -> SshSession | bool:
        return False if self.shop_started else SshSession(self.server, self)

    def fingerprint(self) -> str | None:
        return self.key.get_fingerprint("sha256") if self.key is not None else None

    def key_label(self) -> str:
        assert self.key is not None
        kind = self.key.get_algorithm().removeprefix("ssh-")
        return f"ssh {kind} from {self.ip}, {datetime.date.today().isoformat()}"
