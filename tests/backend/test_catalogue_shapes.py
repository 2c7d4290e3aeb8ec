"""The catalogue service answers TypedDicts: each one names exactly the fields of the
response model the router declares, and what the service answers has exactly those keys."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from fake_backend.context import Ctx
from fake_backend.schemas import catalogue as schemas
from fake_backend.services import catalogue
from tests.backend.shapes import assert_shape, same_fields

PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (catalogue.CategoryNode, schemas.CategoryNode),
    (catalogue.CategoryTree, schemas.CategoryTree),
    (catalogue.CategoryRef, schemas.CategoryRef),
    (catalogue.BrandCount, schemas.BrandCount),
    (catalogue.BrandList, schemas.BrandList),
    (catalogue.ProductSummary, schemas.ProductSummary),
    (catalogue.ProductPage, schemas.ProductList),
    (catalogue.SkuView, schemas.Sku),
    (catalogue.SpecOption, schemas.SpecOption),
    (catalogue.PromotionView, schemas.Promotion),
    (catalogue.ProductDetail, schemas.ProductDetail),
    (catalogue.ReviewView, schemas.Review),
    (catalogue.ReviewPage, schemas.ReviewList),
]


@pytest.mark.parametrize(("shape", "model"), PAIRS, ids=lambda item: item.__name__)
def test_each_answer_type_names_the_fields_of_its_response_model(
    shape: Any, model: type[BaseModel]
) -> None:
    same_fields(shape, model)


def test_what_the_catalogue_answers_has_exactly_those_keys(ctx: Ctx) -> None:
    tree = catalogue.category_tree(ctx, "en")
    assert any(node["children"] for node in tree)
    assert_shape({"items": tree}, catalogue.CategoryTree)
    brands = catalogue.brands(ctx, None)
    assert brands
    assert_shape({"items": brands}, catalogue.BrandList)
    page = catalogue.search_products(ctx, limit=5)
    assert page["items"] and page["next_cursor"] is not None
    assert_shape(page, catalogue.ProductPage)
    reviewed = next(
        item for item in catalogue.search_products(ctx, limit=100)["items"] if item["review_count"]
    )
    detail = catalogue.product_detail(ctx, reviewed["id"], "zh")
    assert detail["skus"] and detail["category_path"]
    assert_shape(detail, catalogue.ProductDetail)
    schemas.ProductDetail.model_validate(detail)
    reviews = catalogue.product_reviews(ctx, reviewed["id"])
    assert reviews["items"]
    assert_shape(reviews, catalogue.ReviewPage)
