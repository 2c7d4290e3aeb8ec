"""A guest's order placed straight through the backend's services, for the lookup tests."""

from __future__ import annotations

from typing import Any

from fake_backend.context import Ctx
from fake_backend.services import addresses, sessions
from fake_backend.storage import users
from tests.backend.kinds_helpers import create, physical_sku

GUEST_PHONE = "13712345678"
ADDRESS = addresses.AddressInput(
    name="张三",
    phone="13800138001",
    province="浙江省",
    city="杭州市",
    district="西湖区",
    detail="文三路100号",
)


def guest_order(ctx: Ctx, phone: str = GUEST_PHONE) -> Any:
    """An unpaid order a guest with `phone` placed to an address typed for it."""
    with ctx.db.tx():
        guest_id = users.insert_guest(
            ctx.db, sessions.GUEST_PHONE_PREFIX + phone, f"游客{phone[-4:]}", ctx.now()
        )
    sku = physical_sku(ctx)
    return create(
        ctx,
        [(sku["id"], 1)],
        user_id=guest_id,
        payment_method="alipay",
        inline_address=ADDRESS,
        guest_phone=phone,
    )


def latest_code(ctx: Ctx, phone: str) -> str:
    code = ctx.db.scalar(
        "SELECT code FROM sms_codes WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,)
    )
    assert code is not None
    return str(code)
