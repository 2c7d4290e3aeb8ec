"""The address book (login required); the region tree it picks from and the reading of
a pasted address (public)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.exceptions import HTTPException as StarletteHTTPException

from fake_backend.deps import CtxDep, UserDep
from fake_backend.regions import region_tree
from fake_backend.schemas.addresses import (
    Address,
    AddressIn,
    AddressList,
    AddressParseRequest,
    ParsedAddress,
    RegionList,
)
from fake_backend.schemas.cart import MAX_ID
from fake_backend.schemas.common import AUTH_ERRORS, Ok, errors
from fake_backend.services import address_parser, addresses
from fake_backend.services.addresses import AddressInput

router = APIRouter(tags=["addresses"])

AddressId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _fields(body: AddressIn) -> AddressInput:
    return AddressInput(
        name=body.name,
        phone=body.phone,
        province=body.province,
        city=body.city,
        district=body.district,
        detail=body.detail,
    )


@router.get("/regions", response_model=RegionList)
def list_regions() -> dict[str, Any]:
    """Province → city → districts for the address form."""
    return {"items": region_tree()}


@router.post("/addresses/parse", response_model=ParsedAddress)
def parse_address(body: AddressParseRequest) -> dict[str, Any]:
    """智能识别: reads an address pasted as people write it (name, phone, province, city,
    district, detail; any order, with or without separators, short names such as 浙江 /
    杭州). Saves nothing; no login needed."""
    return address_parser.parse_address(body.text)


@router.api_route(
    "/addresses/parse", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
def parse_other_methods(request: Request) -> None:
    """`/addresses/parse` is POST only; without this the address routes below would read
    `parse` as an address id (422) rather than answer 405 like any other path."""
    raise StarletteHTTPException(status_code=405, headers={"Allow": "POST"})


@router.get("/addresses", response_model=AddressList, responses=AUTH_ERRORS)
def list_addresses(ctx: CtxDep, user: UserDep) -> dict[str, Any]:
    """The default address first, then the newest."""
    return addresses.list_addresses(ctx, user.id)


@router.post("/addresses", response_model=Address, status_code=201, responses=AUTH_ERRORS)
def create_address(body: AddressIn, ctx: CtxDep, user: UserDep) -> dict[str, Any]:
    """The first address becomes the default; at most 20 addresses."""
    return addresses.create_address(ctx, user.id, _fields(body), bool(body.is_default))


@router.put(
    "/addresses/{address_id}",
    response_model=Address,
    responses={**AUTH_ERRORS, **errors(404)},
)
def update_address(
    address_id: AddressId, body: AddressIn, ctx: CtxDep, user: UserDep
) -> dict[str, Any]:
    return addresses.update_address(ctx, user.id, address_id, _fields(body), body.is_default)


@router.delete(
    "/addresses/{address_id}", response_model=Ok, responses={**AUTH_ERRORS, **errors(404)}
)
def delete_address(address_id: AddressId, ctx: CtxDep, user: UserDep) -> dict[str, Any]:
    """Soft delete (orders keep their snapshot); a deleted default passes to the newest."""
    return addresses.delete_address(ctx, user.id, address_id)
