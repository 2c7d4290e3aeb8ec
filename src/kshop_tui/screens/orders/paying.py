"""Paying an unpaid order from the list or its screen: the payment area's flow (route
"pay"), then where its result screen asked to go."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kshop_tui.screen_base import ShopScreen
    from kshop_tui.shop.flows.payment import PayResult


async def pay_and_follow(
    screen: ShopScreen, order_id: int, total_fen: int, *, on_its_detail: bool
) -> None:
    """Pays the order, then opens its detail or browse as asked; asking for the detail
    from that very detail, or simply leaving, stays. Call from a worker of `screen`."""
    result: PayResult = await screen.open_for_result("pay", order_id, total_fen)
    if result.next == "browse":
        # Later, by the app: browse pops `screen`, whose worker (this one) Textual would
        # cancel while it awaits the pop, cancelling the pop and the app's message loop.
        screen.app.call_later(screen.app.run_action, "app.browse")
    elif result.next == "detail" and not on_its_detail:
        screen.open("order", order_id)
