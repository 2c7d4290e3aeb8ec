"""Peak memory of the backend when a client sends a huge chunked body (no Content-Length).

Starts `python -m fake_backend` (uvicorn, a fresh seeded database in a temporary folder)
on a free loopback port, reads its peak RSS (VmHWM, Linux), sends POST /api/v1/auth/login
with the demo login padded with `--mb` MB of JSON whitespace in 64 KiB chunks, and prints
the answer's status and code, the bytes sent, the time, and the peak RSS before and after.

    python bench/chunked_body.py --mb 400
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

CHUNK = b" " * (64 * 1024)
HEAD = b'{"phone": "13800138000", "password": "demo1234"'
START_TIMEOUT = 120.0


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the backend exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)  # waiting for the server to open its socket
    raise SystemExit("the backend did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=400, help="padding, in MB")
    args = parser.parse_args()
    chunks = args.mb * 1024 * 1024 // len(CHUNK)
    with tempfile.TemporaryDirectory(prefix="kshop-bench-") as folder:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "fake_backend", "--db", f"{folder}/b.sqlite3"]
            + ["--port", str(port), "--merchant", "manual"]
        )
        try:
            wait_until_up(port, process)
            before = peak_rss_mb(process.pid)
            sent = 0

            def body() -> Iterator[bytes]:
                nonlocal sent
                for part in (HEAD, *([CHUNK] * chunks), b"}"):
                    sent += len(part)
                    yield part

            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request(
                "POST",
                "/api/v1/auth/login",
                body=body(),
                headers={"Content-Type": "application/json"},
                encode_chunked=True,
            )
            response = connection.getresponse()
            payload = json.loads(response.read())
            elapsed = time.perf_counter() - started
            connection.close()
            after = peak_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait()
    code = payload["error"]["code"] if "error" in payload else "login succeeded"
    print(f"body {sent / 2**20:.0f} MB chunked -> {response.status} {code} in {elapsed:.1f} s")
    print(f"backend peak RSS: {before:.0f} MB before the request, {after:.0f} MB after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
