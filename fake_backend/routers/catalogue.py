"""The catalogue (no login needed): categories, brands, search, product pages, images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from fake_backend.deps import CtxDep, LangDep
from fake_backend.schemas.catalogue import (
    MAX_BRAND_LENGTH,
    MAX_CURSOR_LENGTH,
    MAX_ID,
    MAX_PRICE_FEN,
    MAX_QUERY_LENGTH,
    BrandList,
    CategoryTree,
    ProductDetail,
    ProductList,
    ProductSort,
    ReviewList,
    SlotList,
)
from fake_backend.schemas.common import errors
from fake_backend.services import catalogue, service_slots

router = APIRouter(tags=["catalogue"])

ProductId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page."),
]
Limit = Annotated[int, Query(ge=1, le=catalogue.MAX_LIMIT)]
CategoryId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="A category id; includes its descendants.")
]
PriceFen = Annotated[int | None, Query(ge=0, le=MAX_PRICE_FEN)]


@router.get("/categories", response_model=CategoryTree)
def list_categories(ctx: CtxDep, lang: LangDep) -> catalogue.CategoryTree:
    """The category tree; names in the request's language."""
    return {"items": catalogue.category_tree(ctx, lang)}


@router.get("/brands", response_model=BrandList, responses=errors(404))
def list_brands(ctx: CtxDep, category: CategoryId = None) -> catalogue.BrandList:
    """Brands with their number of products, within a category when given."""
    return {"items": catalogue.brands(ctx, category)}


@router.get("/products", response_model=ProductList, responses=errors(404))
def search_products(
    ctx: CtxDep,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="What the shopper typed: split on spaces and punctuation, Chinese"
            " cut into the catalogue's words; every term must match the name, the brand or"
            " the category, or (letters) start the pinyin of one of their words.",
        ),
    ] = None,
    category: CategoryId = None,
    brand: Annotated[
        str | None, Query(max_length=MAX_BRAND_LENGTH, description="A brand's exact name.")
    ] = None,
    price_min_fen: PriceFen = None,
    price_max_fen: PriceFen = None,
    in_stock: Annotated[bool | None, Query(description="true hides sold-out products.")] = None,
    sort: Annotated[
        ProductSort | None,
        Query(description="Default: `relevance` when `q` has words, else `sales_desc`."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = catalogue.DEFAULT_LIMIT,
) -> catalogue.ProductPage:
    """Search and filter the catalogue, one keyset page at a time."""
    return catalogue.search_products(
        ctx,
        q=q,
        category=category,
        brand=brand,
        price_min_fen=price_min_fen,
        price_max_fen=price_max_fen,
        in_stock=in_stock,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


@router.get("/products/{product_id}", response_model=ProductDetail, responses=errors(404))
def product_detail(product_id: ProductId, ctx: CtxDep, lang: LangDep) -> catalogue.ProductDetail:
    return catalogue.product_detail(ctx, product_id, lang)


@router.get("/products/{product_id}/reviews", response_model=ReviewList, responses=errors(404))
def product_reviews(
    product_id: ProductId,
    ctx: CtxDep,
    cursor: Cursor = None,
    limit: Limit = catalogue.DEFAULT_LIMIT,
) -> catalogue.ReviewPage:
    """A product's reviews, newest first."""
    return catalogue.product_reviews(ctx, product_id, cursor, limit)


@router.get("/products/{product_id}/slots", response_model=SlotList, responses=errors(404, 409))
def product_slots(
    product_id: ProductId,
    ctx: CtxDep,
    date: Annotated[
        str | None,
        Query(
            max_length=10,
            description="YYYY-MM-DD (Asia/Shanghai), today to 13 days ahead; omitted: today.",
        ),
    ] = None,
) -> service_slots.SlotList:
    """A service's 2-hour slots of one day that have not started, with the bookings each
    still takes; 409 NOT_A_SERVICE for other products."""
    return service_slots.list_slots(ctx, product_id, date)


@router.get(
    "/images/{image_id}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The PNG picture."},
        **errors(404),
    },
)
def product_image(image_id: Annotated[int, Path(ge=1, le=MAX_ID)], ctx: CtxDep) -> Response:
    """A product picture; cacheable for a day (images never change under an id)."""
    return Response(
        catalogue.image_png(ctx, image_id),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
