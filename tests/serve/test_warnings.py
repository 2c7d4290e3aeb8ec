"""asyncssh names cryptography's DSA types at import time and cryptography warns five
times: `kshop serve ssh` and pytest's summary must show none of it, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
from _pytest.config import parse_warning_filter
from cryptography.utils import CryptographyDeprecationWarning

import kshop_tui.serve

DSA_NOTICE = "DSA is deprecated and support will be removed in a future release."


def _import_in_fresh_python(module: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    return done.stderr


@pytest.mark.parametrize("module", ["kshop_tui.serve.ssh", "kshop_tui.serve.command"])
def test_importing_the_ssh_server_prints_no_warning(module: str) -> None:
    stderr = _import_in_fresh_python(module)
    assert "CryptographyDeprecationWarning" not in stderr
    assert "Warning" not in stderr


def _recorded(install_filters: object, category: type[Warning], module: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert callable(install_filters)
        install_filters()
        warnings.warn_explicit(DSA_NOTICE, category, "dsa.py", 38, module=module)
    return [str(warning.message) for warning in caught]


def _pytest_filters(pytestconfig: pytest.Config) -> object:
    def install() -> None:
        for line in pytestconfig.getini("filterwarnings"):
            warnings.filterwarnings(*parse_warning_filter(line, escape=False))

    return install


def test_the_app_filter_quiets_only_asyncssh_dsa_notices() -> None:
    install = kshop_tui.serve.quiet_asyncssh_dsa_warnings
    category = CryptographyDeprecationWarning
    assert _recorded(install, category, "asyncssh.crypto.dsa") == []
    assert _recorded(install, category, "asyncssh.crypto.misc") == []
    # Another module's notice, or another kind of warning, still shows.
    assert _recorded(install, category, "kshop_tui.serve.ssh") == [DSA_NOTICE]
    assert _recorded(install, UserWarning, "asyncssh.crypto.dsa") == [DSA_NOTICE]


def test_pytest_config_quiets_only_asyncssh_dsa_notices(pytestconfig: pytest.Config) -> None:
    install = _pytest_filters(pytestconfig)
    category = CryptographyDeprecationWarning
    assert _recorded(install, category, "asyncssh.crypto.dsa") == []
    assert _recorded(install, category, "asyncssh.crypto.misc") == []
    assert _recorded(install, category, "kshop_tui.serve.ssh") == [DSA_NOTICE]
    assert _recorded(install, UserWarning, "asyncssh.crypto.dsa") == [DSA_NOTICE]
