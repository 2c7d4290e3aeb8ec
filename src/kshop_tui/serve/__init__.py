"""Serving the shop to other people: `kshop serve ssh` (asyncssh, one pty subprocess per
connection) and `kshop serve web` (textual-serve), sharing one backend and the same
public-demo limits (`SessionGate`).

Importing this package quiets asyncssh's import-time DSA notices before any of its modules
(ssh.py, ssh_connection.py, ssh_session.py) imports asyncssh: asyncssh 2.x names
cryptography's DSA types in five annotations, and cryptography ≥ 44 warns about each one
at every `kshop serve ssh` start. kshop offers no DSA host keys; nothing is hidden but
those five lines. pyproject.toml's pytest `filterwarnings` holds the same filter.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# Only cryptography's DSA deprecation, only from asyncssh's crypto modules.
ASYNCSSH_DSA_MESSAGE = r"DSA is deprecated"
ASYNCSSH_CRYPTO_MODULES = r"asyncssh\.crypto\."


def quiet_asyncssh_dsa_warnings() -> None:
    warnings.filterwarnings(
        "ignore",
        message=ASYNCSSH_DSA_MESSAGE,
        category=CryptographyDeprecationWarning,
        module=ASYNCSSH_CRYPTO_MODULES,
    )


quiet_asyncssh_dsa_warnings()
