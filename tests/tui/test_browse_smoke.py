from __future__ import annotations

from kshop_tui.widgets.product_list import ProductList


async def test_browse_shows_first_page(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        results = app.screen.query_one(ProductList)
        print(len(results.rows), results.has_more)
        assert results.rows
