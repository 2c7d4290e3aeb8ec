"""The request size limit holds for bodies that do not say their size: a chunked body
(no Content-Length) is counted as it arrives and refused with 413 once it passes
`app.MAX_BODY_BYTES`, without reading the rest and without doing what it asked."""

from __future__ import annotations

import http.client
import io
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from fake_backend.app import MAX_BODY_BYTES
from fake_backend.context import Ctx
from tests.backend.conftest import error_code
from tests.faults.harness import BackendProcess, free_port

API = "/api/v1"
CHUNK = b" " * (64 * 1024)
# The trust issue's body: 400 MB of JSON whitespace around a valid demo login.
HUGE_CHUNKS = 400 * 1024 * 1024 // len(CHUNK)
LOGIN_HEAD = b'{"phone": "13800138000", "password": "demo1234"'


class ChunkedBody:
    """A body made lazily, chunk by chunk, that counts how much of it was taken."""

    def __init__(self, head: bytes, chunks: int, tail: bytes) -> None:
        self.head, self.chunks, self.tail = head, chunks, tail
        self.taken = 0

    def _parts(self) -> Iterator[bytes]:
        yield self.head
        for _ in range(self.chunks):
            yield CHUNK
        yield self.tail

    def __iter__(self) -> Iterator[bytes]:
        for part in self._parts():
            self.taken += len(part)
            yield part

    async def stream(self) -> AsyncIterator[bytes]:
        """For httpx's AsyncClient (an async iterable body is sent chunked)."""
        for part in self:
            yield part


def sessions_count(ctx: Ctx) -> int:
    return int(ctx.db.scalar("SELECT COUNT(*) FROM sessions"))


def multipart_head() -> tuple[bytes, bytes, str]:
    """The start and end of a multipart upload of a PNG followed by a huge filler part."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 20, 20)).save(buffer, format="PNG")
    boundary = "kshop-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + buffer.getvalue()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, f"multipart/form-data; boundary={boundary}"


def request_for(
    route: str, chunks: int, demo_headers: dict[str, str]
) -> tuple[str, ChunkedBody, dict[str, str]]:
    """(path, body, headers): a login, or an upload, padded with `chunks` chunks."""
    if route == "login":
        body = ChunkedBody(LOGIN_HEAD, chunks, b"}")
        return f"{API}/auth/login", body, {"Content-Type": "application/json"}
    head, tail, content_type = multipart_head()
    body = ChunkedBody(head, chunks, tail)
    return f"{API}/uploads", body, {**demo_headers, "Content-Type": content_type}


@pytest.mark.parametrize("route", ["login", "upload"])
async def test_a_chunked_body_is_counted_as_it_arrives_and_refused_past_the_limit(
    app: FastAPI, app_ctx: Ctx, demo_headers: dict[str, str], route: str
) -> None:
    path, body, headers = request_for(route, HUGE_CHUNKS, demo_headers)
    before = sessions_count(app_ctx)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kshop") as client:
        response = await client.post(path, content=body.stream(), headers=headers)
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 413, response.text[:200]
        assert error_code(response) == "PAYLOAD_TOO_LARGE"
        # Reading stopped at the chunk that crossed the limit.
        assert body.taken <= MAX_BODY_BYTES + len(CHUNK)
        # Nothing was done: no login, no upload; and the app answers the next request.
        assert sessions_count(app_ctx) == before
        assert app_ctx.db.scalar("SELECT COUNT(*) FROM uploads") == 0
        path, body, headers = request_for(route, MAX_BODY_BYTES // len(CHUNK) + 1, demo_headers)
        english = await client.post(
            path, content=body.stream(), headers={**headers, "Accept-Language": "en"}
        )
        assert english.status_code == 413
        assert english.json()["error"]["message"] == "The file is too large (at most 5 MB)"
        assert (await client.get(f"{API}/categories")).status_code == 200


async def test_a_chunked_body_under_the_limit_is_read_whole(app: FastAPI, app_ctx: Ctx) -> None:
    body = ChunkedBody(LOGIN_HEAD, (MAX_BODY_BYTES - 1024) // len(CHUNK), b"}")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kshop") as client:
        response = await client.post(
            f"{API}/auth/login", content=body.stream(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 200, response.text[:200]
    assert "token" in response.json()


def peak_rss_bytes(pid: int) -> int:
    """The process's resident-set high-water mark (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def backend(db_path: Path, tmp_path: Path) -> Iterator[BackendProcess]:
    process = BackendProcess(db=db_path, port=free_port(), log_dir=tmp_path)
    try:
        process.start()
        yield process
    finally:
        process.stop()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc for memory")
def test_over_a_real_socket_a_chunked_login_is_refused_without_holding_it(
    backend: BackendProcess,
) -> None:
    # 64 MB: enough to see whether the server holds the body (it held 3x the body before),
    # small enough to send quickly on a busy machine.
    chunks = 64 * 1024 * 1024 // len(CHUNK)
    assert backend.process is not None
    pid = backend.process.pid
    peak_before = peak_rss_bytes(pid)
    connection = http.client.HTTPConnection("127.0.0.1", backend.port)
    try:
        body = ChunkedBody(LOGIN_HEAD, chunks, b"}")
        connection.request(
            "POST",
            f"{API}/auth/login",
            body=iter(body),
            headers={"Content-Type": "application/json", "Accept-Language": "en"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        envelope = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413
    assert envelope["error"]["code"] == "PAYLOAD_TOO_LARGE"
    # The server kept at most the limit and a little: not the 64 MB.
    assert peak_rss_bytes(pid) - peak_before < 32 * 1024 * 1024
