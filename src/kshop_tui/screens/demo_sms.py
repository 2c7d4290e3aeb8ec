"""The bundled backend's SMS outbox stands in for the user's phone: once a code was sent,
the demo shows it in a toast (the login screen and the guest order lookup share this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kshop_tui.shop.flows import login as login_flow

if TYPE_CHECKING:
    from kshop_tui.screen_base import ShopScreen

DEMO_SMS_SECONDS = 20


async def show_demo_sms(screen: ShopScreen, phone: str, purpose: str) -> None:
    """Toasts the code just sent to `phone` for `purpose` when the backend is the bundled
    one (a served demo withholds an existing account's codes and says so)."""
    from kshop_tui.api import errors

    backend = screen.shop.backend
    if backend is None or not backend.simulated:
        return
    try:
        messages = await screen.shop.run_api(lambda api: api.dev_sms_codes(phone))
    except errors.ApiError:
        return  # a backend without /_dev: the code went to a real phone
    notice = login_flow.demo_sms(messages, purpose, served=screen.shop.options.served)
    if notice is None:
        return
    if notice.withheld:
        screen.notify(notice.message, severity="warning", timeout=DEMO_SMS_SECONDS)
    else:
        screen.notify(notice.message, markup=False, timeout=DEMO_SMS_SECONDS)
