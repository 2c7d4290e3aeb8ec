"""Photos users upload as evidence for after-sales: PNG or JPEG (judged by content, never
by the file name), at most 5 MB; only the uploader may attach one.

An upload no after-sale names yet is "unattached": a user may hold at most
MAX_UNATTACHED_UPLOADS of them, MAX_UNATTACHED_BYTES in all (429 `UPLOAD_QUOTA`), and the
sweeper deletes them UNATTACHED_LIFETIME after upload, on the backend clock. Creating or
resubmitting an after-sale attaches its photos (`storage.after_sales.attach_uploads`)."""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

from PIL import Image

from fake_backend.context import Ctx
from fake_backend.errors import ApiError, field_error
from fake_backend.storage import after_sales as store

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNATTACHED_UPLOADS = 20
MAX_UNATTACHED_BYTES = 50 * 1024 * 1024
# Long enough to fill in an after-sale at leisure; then a photo nobody used is rubbish.
UNATTACHED_LIFETIME = 24 * 3600
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
    """POST /uploads: stores one image of the user's; 413 when too big, 422 when not one,
    429 `UPLOAD_QUOTA` when it would pass the user's unattached quota."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError("PAYLOAD_TOO_LARGE", limit="5 MB", details={"max_bytes": MAX_UPLOAD_BYTES})
    kind = image_format(data)
    if kind is None:
        raise field_error("file", "not_an_image")
    name = _clean_filename(filename, kind)
    with ctx.db.tx():
        _check_quota(ctx, user_id, len(data))
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


def _check_quota(ctx: Ctx, user_id: int, size: int) -> None:
    count, total, oldest = store.unattached_uploads(ctx.db, user_id)
    if count < MAX_UNATTACHED_UPLOADS and total + size <= MAX_UNATTACHED_BYTES:
        return
    assert oldest is not None  # one 5 MB upload alone fits: some are held
    # Room comes back when the oldest is attached or collected.
    retry_after = max(1, math.ceil(oldest + UNATTACHED_LIFETIME - ctx.now()))
    raise ApiError(
        "UPLOAD_QUOTA",
        retry_after=retry_after,
        max_count=MAX_UNATTACHED_UPLOADS,
        max_size=f"{MAX_UNATTACHED_BYTES // (1024 * 1024)} MB",
        hours=UNATTACHED_LIFETIME // 3600,
        details={
            "max_count": MAX_UNATTACHED_UPLOADS,
            "max_bytes": MAX_UNATTACHED_BYTES,
            "unattached_count": count,
            "unattached_bytes": total,
        },
    )


def collect_unattached(ctx: Ctx) -> None:
    """Sweeper rule: uploads no after-sale named within UNATTACHED_LIFETIME are deleted."""
    cutoff = ctx.now() - UNATTACHED_LIFETIME
    # The sweeper runs every second: take the write lock only when there is work.
    if store.any_unattached_before(ctx.db, cutoff):
        with ctx.db.tx():
            store.delete_unattached_before(ctx.db, cutoff)
