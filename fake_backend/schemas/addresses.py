"""Addresses and regions on the wire.

Request strings carry generous hard caps here; the exact rules (name 1–20 characters,
detail 4–120, a mainland mobile, a real region) are checked by the service so that every
problem of a form comes back at once.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from fake_backend.schemas.common import StrictModel


class AddressIn(StrictModel):
    name: str = Field(max_length=64, description="1–20 characters.")
    phone: str = Field(max_length=32, description="Mainland mobile, 11 digits.")
    province: str = Field(max_length=32, description="A province from GET /regions.")
    city: str = Field(max_length=32, description="A city of that province.")
    district: str = Field(max_length=32, description="A district of that city.")
    detail: str = Field(max_length=500, description="4–120 characters.")
    is_default: bool | None = Field(
        default=None, description="True makes it the default; omitted leaves it as it is."
    )


class Address(BaseModel):
    id: int
    name: str
    phone: str
    phone_masked: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool
    created_at: str


class AddressList(BaseModel):
    items: list[Address]


class RegionCity(BaseModel):
    name: str
    districts: list[str]


class RegionProvince(BaseModel):
    name: str
    cities: list[RegionCity]


class RegionList(BaseModel):
    items: list[RegionProvince]


class AddressParseRequest(StrictModel):
    text: str = Field(
        min_length=1,
        max_length=500,
        examples=["张三 13800138000 浙江省杭州市西湖区文三路100号"],
        description="An address as pasted: name, phone and address in any order.",
    )


class ParsedAddress(BaseModel):
    """The parts found; null where nothing fitted. Check them before saving."""

    name: str | None
    phone: str | None
    province: str | None = Field(description="As GET /regions names it")
    city: str | None
    district: str | None
    detail: str | None
    unparsed: str = Field(description="What fitted no field, space-separated")


class AddressInline(StrictModel):
    """An address given with an order, kept on the order only (docs/api.md §7.4)."""

    name: str = Field(max_length=64, description="1–20 characters.")
    phone: str = Field(max_length=32, description="Mainland mobile, 11 digits.")
    province: str = Field(max_length=32, description="A province from GET /regions.")
    city: str = Field(max_length=32, description="A city of that province.")
    district: str = Field(max_length=32, description="A district of that city.")
    detail: str = Field(max_length=500, description="4–120 characters.")
