"""POST /uploads: PNG or JPEG judged by content, at most 5 MB, owned by the uploader."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import uploads
from tests.backend.conftest import error_code
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
Headers = dict[str, str]


def image_bytes(kind: str, size: tuple[int, int] = (16, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_a_real_image_is_stored_for_its_uploader(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx, kind: str, content_type: str
) -> None:
    data = image_bytes(kind)
    # The declared type and the name do not matter: the content does.
    response = client.post(
        f"{API}/uploads",
        files={"file": ("photo.bin", data, "application/octet-stream")},
        headers=demo_headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == content_type
    assert body["size"] == len(data) and body["filename"] == "photo.bin"
    row = app_ctx.db.one(
        "SELECT user_id, data, content_type FROM uploads WHERE id = ?", (body["id"],)
    )
    assert row is not None
    assert row["user_id"] == DEMO_USER_ID and bytes(row["data"]) == data


def test_a_text_file_named_png_is_not_an_image(
    client: TestClient, demo_headers: Headers, app_ctx: Ctx
) -> None:
    response = client.post(
        f"{API}/uploads",
        files={"file": ("evidence.png", b"definitely not a picture\n", "image/png")},
        headers=demo_headers,
    )
    assert response.status_code == 422 and error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["details"]["fields"]["file"]["code"] == "not_an_image"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM uploads") == 0


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(image_bytes("PNG")[:40], id="truncated-png"),
        pytest.param(image_bytes("GIF"), id="gif"),
        pytest.param(b"", id="empty"),
    ],
)
def test_broken_or_other_images_are_refused(
    client: TestClient, demo_headers: Headers, data: bytes
) -> None:
    response = client.post(
        f"{API}/uploads", files={"file": ("x.png", data, "image/png")}, headers=demo_headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"]["file"]["code"] == "not_an_image"


def test_over_5_mb_is_413(client: TestClient, demo_headers: Headers, app_ctx: Ctx) -> None:
    png = image_bytes("PNG")
    too_big = png + b"\0" * (uploads.MAX_UPLOAD_BYTES + 1 - len(png))
    response = client.post(
        f"{API}/uploads", files={"file": ("big.png", too_big, "image/png")}, headers=demo_headers
    )
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM uploads") == 0


def test_exactly_5_mb_of_a_valid_png_is_accepted(ctx: Ctx) -> None:
    png = image_bytes("PNG")
    # Bytes after the IEND chunk are ignored by decoders: still a valid PNG.
    padded = png + b"\0" * (uploads.MAX_UPLOAD_BYTES - len(png))
    stored = uploads.save(ctx, DEMO_USER_ID, "big.png", padded)
    assert stored["size"] == uploads.MAX_UPLOAD_BYTES
    with pytest.raises(ApiError) as caught:
        uploads.save(ctx, DEMO_USER_ID, "big.png", padded + b"\0")
    assert caught.value.status == 413


def test_upload_needs_a_login_and_a_file(client: TestClient, demo_headers: Headers) -> None:
    anonymous = client.post(
        f"{API}/uploads", files={"file": ("a.png", image_bytes("PNG"), "image/png")}
    )
    assert anonymous.status_code == 401
    missing = client.post(f"{API}/uploads", data={"other": "x"}, headers=demo_headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"]["fields"]["file"]["code"] == "required"


def test_file_names_keep_only_their_last_part(ctx: Ctx) -> None:
    stored = uploads.save(
        ctx, DEMO_USER_ID, "C:\\Users\\me/../../etc/照片\x1b[31m.png", image_bytes("PNG")
    )
    assert stored["filename"] == "照片[31m.png"
    unnamed = uploads.save(ctx, DEMO_USER_ID, None, image_bytes("JPEG"))
    assert unnamed["filename"] == "photo.jpg"
    long_name = uploads.save(ctx, DEMO_USER_ID, "长" * 500 + ".png", image_bytes("PNG"))
    assert len(long_name["filename"]) == uploads.MAX_FILENAME_LENGTH
