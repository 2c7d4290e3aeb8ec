"""Uploads no after-sale names yet are limited per user (20 and 50 MB: 429 UPLOAD_QUOTA)
and deleted a day after upload on the backend clock; naming them in an after-sale
(created or resubmitted) keeps them and frees the quota."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from fake_backend.clock import Clock
from fake_backend.context import Ctx
from fake_backend.errors import ApiError
from fake_backend.services import after_sale_merchant, after_sale_requests, sweeper, uploads
from fake_backend.services.after_sale_requests import Request
from fake_backend.storage.db import Database
from tests.backend.conftest import error_code
from tests.backend.test_after_sales_rules import (
    JACKET,
    T_SHIRT,
    delivered,
    item_ids,
    place_paid_order,
)
from tests.conftest import DEMO_USER_ID

API = "/api/v1"
MB = 1024 * 1024


def png(size: int = 0) -> bytes:
    """A valid PNG, padded after its end to `size` bytes (decoders ignore the padding)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 160, 90)).save(buffer, format="PNG")
    data = buffer.getvalue()
    return data + b"\0" * max(0, size - len(data))


def upload(ctx: Ctx, data: bytes, user_id: int = DEMO_USER_ID) -> int:
    upload_id: int = uploads.save(ctx, user_id, "photo.png", data)["id"]
    return upload_id


def quota_refusal(ctx: Ctx, data: bytes, user_id: int = DEMO_USER_ID) -> ApiError:
    with pytest.raises(ApiError) as caught:
        uploads.save(ctx, user_id, "photo.png", data)
    return caught.value


def stored(ctx: Ctx) -> set[int]:
    return {row["id"] for row in ctx.db.all("SELECT id FROM uploads")}


def test_twenty_unattached_uploads_then_429(ctx: Ctx) -> None:
    for _ in range(uploads.MAX_UNATTACHED_UPLOADS):
        upload(ctx, png())
    before = stored(ctx)
    error = quota_refusal(ctx, png())
    assert (error.code, error.status) == ("UPLOAD_QUOTA", 429)
    # Room comes back when the oldest is deleted: a day after it was uploaded.
    assert error.retry_after == uploads.UNATTACHED_LIFETIME
    assert error.details["unattached_count"] == 20 and error.details["max_count"] == 20
    assert error.message("en").startswith("Too many unused photos (at most 20, 50 MB in all)")
    assert "最多 20 张、共 50 MB" in error.message("zh")
    assert stored(ctx) == before
    # Another user has a quota of their own.
    with ctx.db.tx():
        other = ctx.db.insert(
            "INSERT INTO users(phone, nickname, created_at) VALUES ('13900000001', 'x', 0)"
        )
    upload(ctx, png(), user_id=other)


def test_fifty_megabytes_of_unattached_uploads_then_429(ctx: Ctx) -> None:
    # The trust issue: 20 x 5 MB accepted. Now 10 x 5 MB fill the 50 MB.
    for _ in range(10):
        upload(ctx, png(uploads.MAX_UPLOAD_BYTES))
    error = quota_refusal(ctx, png(uploads.MAX_UPLOAD_BYTES))
    assert error.code == "UPLOAD_QUOTA"
    assert error.details["unattached_bytes"] == 50 * MB
    assert error.details["max_bytes"] == uploads.MAX_UNATTACHED_BYTES
    assert quota_refusal(ctx, png()).code == "UPLOAD_QUOTA"  # not one byte more
    assert ctx.db.scalar("SELECT SUM(size) FROM uploads") == 50 * MB


def test_photos_named_by_an_after_sale_leave_the_quota_and_are_kept(ctx: Ctx) -> None:
    photos = [upload(ctx, png()) for _ in range(uploads.MAX_UNATTACHED_UPLOADS)]
    assert quota_refusal(ctx, png()).code == "UPLOAD_QUOTA"
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    request = Request("refund_only", item_ids(ctx, order_id), "damaged", "", 100, "original", [])
    request.photo_ids.extend(photos[:9])
    after_sale_requests.create(ctx, DEMO_USER_ID, order_id, request, "zh")
    attached = ctx.db.scalar("SELECT COUNT(*) FROM uploads WHERE attached_at IS NOT NULL")
    assert attached == 9
    for _ in range(9):
        upload(ctx, png())
    assert quota_refusal(ctx, png()).code == "UPLOAD_QUOTA"
    # A day later the unattached ones are deleted, rows and bytes; the attached are kept.
    ctx.clock.advance(uploads.UNATTACHED_LIFETIME)
    sweeper.run(ctx)
    assert stored(ctx) == set(photos[:9])
    assert upload(ctx, png())


def test_a_resubmitted_after_sale_attaches_its_new_photos(ctx: Ctx) -> None:
    order_id = place_paid_order(ctx, [(T_SHIRT, 1), (JACKET, 1)])
    delivered(ctx, order_id)
    items = item_ids(ctx, order_id)
    first = Request("return_refund", items[:1], "changed_mind", "", 100, "original", [])
    created = after_sale_requests.create(ctx, DEMO_USER_ID, order_id, first, "zh")
    after_sale_merchant.reject(ctx, created["id"], "吊牌已剪")
    photo = upload(ctx, png())
    again = Request("return_refund", items[:1], "quality_problem", "", 100, "original", [photo])
    after_sale_requests.modify(ctx, DEMO_USER_ID, created["id"], again, "zh")
    ctx.clock.advance(uploads.UNATTACHED_LIFETIME + 1)
    sweeper.run(ctx)
    assert stored(ctx) == {photo}


def test_unattached_uploads_are_deleted_a_day_after_upload_on_the_backend_clock(
    ctx: Ctx,
) -> None:
    old = upload(ctx, png(MB))
    ctx.clock.advance(3600)
    newer = upload(ctx, png())
    ctx.clock.advance(uploads.UNATTACHED_LIFETIME - 3600 - 1)
    sweeper.run(ctx)
    assert stored(ctx) == {old, newer}
    ctx.clock.advance(1)
    sweeper.run(ctx)
    assert stored(ctx) == {newer}
    # A deleted upload cannot be named any more: 404, nothing created.
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    request = Request("refund_only", item_ids(ctx, order_id), "damaged", "", 100, "original", [old])
    with pytest.raises(ApiError) as caught:
        after_sale_requests.create(ctx, DEMO_USER_ID, order_id, request, "zh")
    assert caught.value.code == "NOT_FOUND" and caught.value.details == {"resource": "upload"}
    assert ctx.db.scalar("SELECT COUNT(*) FROM after_sales") == 0
    ctx.clock.advance(3600)
    sweeper.run(ctx)
    assert stored(ctx) == set()


def test_over_http_the_quota_is_429_with_retry_after(
    client: TestClient, demo_headers: dict[str, str], app_ctx: Ctx
) -> None:
    for _ in range(uploads.MAX_UNATTACHED_UPLOADS):
        response = client.post(
            f"{API}/uploads", files={"file": ("a.png", png(), "image/png")}, headers=demo_headers
        )
        assert response.status_code == 201
    refused = client.post(
        f"{API}/uploads",
        files={"file": ("a.png", png(), "image/png")},
        headers={**demo_headers, "Accept-Language": "en"},
    )
    assert refused.status_code == 429 and error_code(refused) == "UPLOAD_QUOTA"
    assert refused.headers["Retry-After"] == str(uploads.UNATTACHED_LIFETIME)
    assert app_ctx.db.scalar("SELECT COUNT(*) FROM uploads") == 20


def test_upgrading_a_database_attaches_the_photos_after_sales_already_name(
    db_path: Path, tmp_path: Path, clock: Clock
) -> None:
    """Migration 005 on a database made before it: named photos attached, others not."""
    old_path = tmp_path / "before-005.sqlite3"
    shutil.copyfile(db_path, old_path)
    ctx = Ctx(db=Database(old_path), clock=clock, merchant="manual")
    order_id = place_paid_order(ctx, [(T_SHIRT, 1)])
    photos = [upload(ctx, png()) for _ in range(3)]
    after_sale_requests.create(
        ctx,
        DEMO_USER_ID,
        order_id,
        Request("refund_only", item_ids(ctx, order_id), "damaged", "", 100, "original", []),
        "zh",
    )
    with ctx.db.tx():
        ctx.db.execute("UPDATE after_sales SET photo_ids = ?", (f"[{photos[0]}, {photos[2]}]",))
    # Back to the schema before migration 005 (and so before 006's search tables and
    # 007's payment polls and 010's guests).
    ctx.db.execute("DROP INDEX orders_guest_phone")
    ctx.db.execute("ALTER TABLE orders DROP COLUMN guest_phone")
    ctx.db.execute("ALTER TABLE users DROP COLUMN guest")
    ctx.db.execute("ALTER TABLE payments DROP COLUMN polled_at")
    for table in ("products_terms", "search_words", "search_chars", "search_history"):
        ctx.db.execute(f"DROP TABLE {table}")
    ctx.db.execute("DROP INDEX uploads_unattached")
    ctx.db.execute("ALTER TABLE uploads DROP COLUMN attached_at")
    ctx.db.execute("PRAGMA user_version = 4")
    ctx.db.close()
    upgraded = Database(old_path)
    rows = upgraded.all("SELECT id, attached_at FROM uploads ORDER BY id")
    upgraded.close()
    uploaded_at = clock.now()
    assert [(row["id"], row["attached_at"]) for row in rows] == [
        (photos[0], uploaded_at),
        (photos[1], None),
        (photos[2], uploaded_at),
    ]
