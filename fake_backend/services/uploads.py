"""Photos users upload as evidence for after-sales: PNG or JPEG (judged by content, never
by the file name), at most 5 MB; only the uploader may attach one."""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error
from fake_backend.storage import after_sales as store

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_FILENAME_LENGTH = 120
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
EXTENSIONS = {"PNG": ".png", "JPEG": ".jpg"}


def image_format(data: bytes) -> str | None:
    """`PNG` or `JPEG` when `data` is a well-formed image of that kind, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
    # Pillow reports a broken or foreign file with many exception types; any is a "no".
    except Exception:
        return None
    return kind if kind in CONTENT_TYPES else None


def _clean_filename(filename: str | None, kind: str) -> str:
    """The last path part, without control characters, bounded; a default when empty."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:MAX_FILENAME_LENGTH] or f"photo{EXTENSIONS[kind]}"


def save(ctx: Ctx, user_id: int, filename: str | None, data: bytes) -> dict[str, Any]:
    """POST /uploads: stores one image of the user's; 413 when too big, 422 when not one."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError("PAYLOAD_TOO_LARGE", limit="5 MB", details={"max_bytes": MAX_UPLOAD_BYTES})
    kind = image_format(data)
    if kind is None:
        raise field_error("file", "not_an_image")
    name = _clean_filename(filename, kind)
    with ctx.db.tx():
        upload_id = store.insert_upload(
            ctx.db,
            user_id=user_id,
            content_type=CONTENT_TYPES[kind],
            size=len(data),
            filename=name,
            data=data,
            now=ctx.now(),
        )
    return {
        "id": upload_id,
        "filename": name,
        "size": len(data),
        "content_type": CONTENT_TYPES[kind],
    }
