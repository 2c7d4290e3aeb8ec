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
