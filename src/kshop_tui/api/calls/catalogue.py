"""The catalogue: categories, brands, products, reviews, images; search suggestions and
history; coupons and check-in."""

from __future__ import annotations

from kshop_tui.api import models
from kshop_tui.api.calls.base import API, ApiCalls


class CatalogueCalls(ApiCalls):
    """Catalogue calls of `KshopClient`."""

    async def categories(self) -> list[models.Category]:
        return await self._get_items(f"{API}/categories", models.Category)

    async def brands(self, category: int | None = None) -> list[models.Brand]:
        return await self._get_items(f"{API}/brands", models.Brand, category=category)

    async def search_products(
        self,
        *,
        q: str = "",
        category: int | None = None,
        brand: str | None = None,
        price_min_fen: int | None = None,
        price_max_fen: int | None = None,
        in_stock: bool | None = None,
        sort: str = "sales_desc",
        cursor: str | None = None,
        limit: int = 50,
    ) -> models.ProductPage:
        """`sort`: sales_desc, sales_asc, price_asc, price_desc, newest or relevance (the
        closest match first; with no words in `q` the same as sales_desc)."""
        return await self._get(
            f"{API}/products",
            models.ProductPage,
            q=q or None,
            category=category,
            brand=brand or None,
            price_min_fen=price_min_fen,
            price_max_fen=price_max_fen,
            in_stock=in_stock,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )

    async def product(self, product_id: int) -> models.ProductDetail:
        return await self._get(f"{API}/products/{product_id}", models.ProductDetail)

    async def service_slots(self, product_id: int, day: str | None = None) -> list[models.Slot]:
        """A service's 2-hour slots of `day` (YYYY-MM-DD, today to 13 days ahead; None:
        today) that have not started, each with the bookings it still takes."""
        return await self._get_items(f"{API}/products/{product_id}/slots", models.Slot, date=day)

    async def reviews(self, product_id: int, cursor: str | None = None) -> models.ReviewPage:
        return await self._get(
            f"{API}/products/{product_id}/reviews", models.ReviewPage, cursor=cursor, limit=10
        )

    async def image(self, path: str) -> bytes:
        """Image bytes from a path the backend gave (e.g. `/api/v1/images/3.png`)."""
        data: bytes = await self._call("GET", path, raw=True)
        return data

    async def claimable_coupons(
        self, product_id: int | None = None
    ) -> list[models.ClaimableCoupon]:
        return await self._get_items(
            f"{API}/coupons/available", models.ClaimableCoupon, product_id=product_id
        )

    async def claim_coupon(self, template_id: int) -> models.Coupon:
        """Claims a coupon of the claim centre (`ClaimableCoupon.id` is its template id)."""
        return await self._send("POST", f"{API}/coupons/{template_id}/claim", models.Coupon)

    async def coupons(
        self, status: models.CouponStatus = "usable", cursor: str | None = None, limit: int = 20
    ) -> models.CouponPage:
        """Usable ones expiring soonest first; used and expired ones newest first."""
        return await self._get(
            f"{API}/coupons", models.CouponPage, status=status, cursor=cursor, limit=limit
        )

    async def check_in(self) -> models.CheckIn:
        """Today's check-in (签到); a second one the same day raises `Conflict`."""
        return await self._send("POST", f"{API}/check-in", models.CheckIn)

    async def check_in_status(self) -> models.CheckInStatus:
        return await self._get(f"{API}/check-in", models.CheckInStatus)

    # --- search suggestions and history ------------------------------------------------

    async def search_suggest(self, q: str, limit: int = 8) -> models.Suggestions:
        """Completions of what is typed (its last term; pinyin too), or, when nothing
        completes and it finds nothing, the closest searches that do (`closest`)."""
        return await self._get(f"{API}/search/suggest", models.Suggestions, q=q, limit=limit)

    async def search_history(self) -> list[models.SearchHistoryEntry]:
        """The user's last searches, newest first (login needed)."""
        return await self._get_items(f"{API}/search/history", models.SearchHistoryEntry)

    async def record_search(self, q: str) -> None:
        """Remembers a search the user submitted; the same one again moves to the front."""
        await self._call("POST", f"{API}/search/history", json={"q": q})

    async def clear_search_history(self) -> None:
        await self._call("DELETE", f"{API}/search/history")
