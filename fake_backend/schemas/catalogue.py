"""The catalogue on the wire: category tree, brands, product lists and pages, reviews."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MAX_ID = 2**62
MAX_PRICE_FEN = 10**12
MAX_QUERY_LENGTH = 200
MAX_BRAND_LENGTH = 50
MAX_CURSOR_LENGTH = 200

ProductSort = Literal["relevance", "sales_desc", "sales_asc", "price_asc", "price_desc", "newest"]


class CategoryNode(BaseModel):
    id: int
    name: str = Field(description="In the request's language.")
    parent_id: int | None
    children: list[CategoryNode]
    product_count: int = Field(description="Products in this category and all below it.")


class CategoryTree(BaseModel):
    items: list[CategoryNode]


class BrandCount(BaseModel):
    name: str
    product_count: int


class BrandList(BaseModel):
    items: list[BrandCount]


ProductKind = Literal["physical", "virtual", "service"]


class Slot(BaseModel):
    id: str = Field(description="<product_id>-<YYYYMMDDHH>, the start in Asia/Shanghai.")
    starts_at: str
    ends_at: str = Field(description="Two hours after starts_at.")
    capacity_left: int = Field(description="Bookings the slot still takes; 0: full.")


class SlotList(BaseModel):
    items: list[Slot] = Field(
        description="The day's slots that have not started (08:00–20:00, 2 h each)."
    )


class ProductSummary(BaseModel):
    id: int
    name: str
    brand: str
    category_id: int
    price_fen: int = Field(
        description="The lowest price of a SKU in stock (of any SKU while none is in stock)."
    )
    price_varies: bool = Field(
        description="The SKUs differ in price: `price_fen` is a starting price (¥60起)."
    )
    original_price_fen: int | None = Field(
        description="The list price before a price cut; only when above `price_fen`."
    )
    sales: int
    stock: int = Field(description="The sum of the SKUs' stock.")
    rating: float
    review_count: int
    image: str | None = Field(description="URL path of the first image.")
    returnable: bool
    kind: ProductKind = Field(
        description="physical: shipped; virtual: codes delivered on payment; service: booked"
        " for a 2-hour slot (GET /products/{id}/slots)."
    )


class FoundProduct(ProductSummary):
    highlights: list[list[int]] = Field(
        description="[start, end) character offsets of the parts of `name` the query matched"
        " (for a pinyin term, the Chinese words it spells); sorted, merged; [] without `q`."
    )


class ProductList(BaseModel):
    items: list[FoundProduct]
    total: int = Field(description="Products matching the filters, over all pages.")
    next_cursor: str | None
    terms: list[str] = Field(
        description="The query's terms as they were matched (创意工坊保温杯 → 创意, 工坊,"
        " 保温杯); [] without `q`."
    )


class Sku(BaseModel):
    id: int
    specs: dict[str, str] = Field(description="{axis: value}, e.g. {颜色: 黑色, 尺码: M}.")
    price_fen: int
    stock: int


class SpecOption(BaseModel):
    name: str
    values: list[str]


class Promotion(BaseModel):
    type: str
    label: str = Field(description="In the request's language.")


class CategoryRef(BaseModel):
    id: int
    name: str


class ProductDetail(ProductSummary):
    skus: list[Sku]
    spec_options: list[SpecOption] = Field(description="The spec axes in order, with values.")
    images: list[str] = Field(description="URL paths of the images, in order.")
    description: str
    promotions: list[Promotion]
    return_window_days: int
    non_returnable_reason: Literal["customised", "perishable", "virtual", "service"] | None
    category_path: list[CategoryRef] = Field(description="From the top-level category down.")


class Review(BaseModel):
    id: int
    author: str = Field(description="Masked, e.g. 王**.")
    rating: int = Field(ge=1, le=5)
    text: str
    specs: dict[str, str]
    created_at: str


class ReviewList(BaseModel):
    items: list[Review]
    next_cursor: str | None
    total: int
    rating_breakdown: dict[str, int] = Field(description='Reviews per star rating, "5" to "1".')
