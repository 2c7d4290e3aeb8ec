"""Appeals: after a rejection the user asks the platform to step in, and the platform
decides (§7.3): siding with the buyer sends a return or an exchange back to `approved`
(the goods must still come back) and refunds a refund only; upholding the merchant's
answer closes the after-sale."""

from __future__ import annotations

from fake_backend.context import Ctx
from fake_backend.errors import field_error
from fake_backend.services import order_records
from fake_backend.services.after_sale_states import (
    accept,
    get_after_sale,
    move,
    own_after_sale,
    refund,
    require_status,
)
from fake_backend.services.after_sale_views import AfterSaleView, view
from fake_backend.storage import after_sales as store


def appeal(ctx: Ctx, user_id: int, after_sale_id: int, reason: str, lang: str) -> AfterSaleView:
    """POST /after-sales/{id}/appeal: the platform steps in after a rejection."""
    if len(reason.strip()) < 5:
        raise field_error("reason", "too_short")
    with ctx.db.tx():
        row = own_after_sale(ctx, user_id, after_sale_id)
        require_status(row, "rejected")
        store.update_after_sale(ctx.db, after_sale_id, appeal_reason=reason)
        move(ctx, row, "appealed", "user", note=reason)
        return view(ctx, after_sale_id, lang)


def platform_decide(ctx: Ctx, after_sale_id: int, *, approve: bool, note: str = "") -> None:
    """`/_dev/after-sales/{id}/platform-decide`: the platform's answer to an appeal."""
    if approve:
        platform_approve(ctx, after_sale_id)
    else:
        platform_reject(ctx, after_sale_id, note)


def platform_approve(ctx: Ctx, after_sale_id: int) -> None:
    """The platform sides with the buyer: appealed → refunded for a refund only, else
    → approved → awaiting_return (the goods must still be sent back)."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "appealed")
        store.update_after_sale(ctx.db, after_sale_id, appeal_outcome="approved")
        if row["type"] == "refund_only":
            refund(ctx, row, "platform")
        else:
            accept(ctx, row, "platform", note_key="platform_approved")


def platform_reject(ctx: Ctx, after_sale_id: int, note: str = "") -> None:
    """appealed → closed: the platform upholds the merchant's answer."""
    with ctx.db.tx():
        row = get_after_sale(ctx, after_sale_id)
        require_status(row, "appealed")
        store.update_after_sale(ctx.db, after_sale_id, appeal_outcome="upheld")
        note_key = None if note.strip() else "platform_closed"
        move(ctx, row, "closed", "platform", note=note, note_key=note_key)
        store.set_order_after_sale_status(ctx.db, row["order_id"], "closed")
        order_records.add_event(ctx, row["order_id"], "after_sale_closed", "after_sale_upheld")
