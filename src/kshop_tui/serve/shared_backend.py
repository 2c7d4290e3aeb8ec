"""One backend for every served session, so all of them see one database: the bundled
backend under uvicorn in a subprocess, on 127.0.0.1 and a port the OS picks.

The parent binds the socket and hands its descriptor to the subprocess, so the port is
known before the backend has even imported FastAPI, and nothing else can take it. The
subprocess exits when its standard input closes: a parent that dies, however it dies,
takes its backend with it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

READY_TIMEOUT_S = 120.0  # the first start seeds the demo catalogue
STOP_TIMEOUT_S = 10.0
PROBE_PATH = "/api/v1/categories"
GATEWAY_SECRET_ENV = "KSHOP_GATEWAY_SECRET"


class BackendFailed(RuntimeError):
    """The bundled backend did not start."""


@contextlib.contextmanager
def shared_backend(data_dir: Path, merchant: str, gateway_secret: str) -> Iterator[str]:
    """Runs the bundled backend on `data_dir`/shop.sqlite3 (the same database the shop
    uses locally) and yields its URL; stops it on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "kshop_tui.serve.shared_backend",
        "--fd",
        str(listener.fileno()),
        "--db",
        str(data_dir / "shop.sqlite3"),
        "--merchant",
        merchant,
    ]
    env = {**os.environ, GATEWAY_SECRET_ENV: gateway_secret}
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, env=env, pass_fds=(listener.fileno(),)
    )
    listener.close()  # the subprocess holds its own copy
    try:
        _wait_until_ready(process, url)
        yield url
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BackendFailed(f"the bundled backend exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + PROBE_PATH, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise BackendFailed(f"the bundled backend did not answer within {READY_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _serve(fd: int, db_path: Path, merchant: str) -> int:
    """The subprocess: uvicorn on the inherited socket until stdin closes or a signal."""
    import uvicorn

    from fake_backend.app import create_app, prepare_routes

    secret = os.environ.get(GATEWAY_SECRET_ENV) or None
    mode: Literal["auto", "manual"] = "auto" if merchant == "auto" else "manual"
    # Only served sessions use this backend: its every request comes from a visitor.
    app = create_app(db_path, merchant=mode, gateway_secret=secret, public_demo=True)
    prepare_routes(app)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))

    def stop_when_parent_goes() -> None:
        sys.stdin.buffer.read()
        server.should_exit = True

    threading.Thread(target=stop_when_parent_goes, daemon=True).start()
    server.run(sockets=[socket.socket(fileno=fd)])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kshop-shared-backend", description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="a listening socket to serve on")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--merchant", choices=("auto", "manual"), default="auto")
    args = parser.parse_args(argv)
    return _serve(args.fd, args.db, args.merchant)


if __name__ == "__main__":
    sys.exit(main())
