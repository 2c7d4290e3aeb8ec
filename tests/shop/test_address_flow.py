"""Address rules without a form: what is checked before a save, and making one the
default."""

from __future__ import annotations

from typing import Any

from kshop_tui.api.models import Address
from kshop_tui.i18n import t
from kshop_tui.shop.flows.address import DETAIL_MIN, address_problems, made_default

GOOD: dict[str, Any] = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "detail": "科技园南区 1 号",
    "is_default": False,
}


def test_a_complete_address_has_no_problem() -> None:
    assert address_problems(GOOD) == {}


def test_each_problem_is_named_under_its_field() -> None:
    fields = {**GOOD, "name": "", "phone": "12345", "detail": "1号"}
    assert address_problems(fields) == {
        "name": t("valid.required"),
        "phone": t("valid.phone"),
        "detail": t("address.detail_short", count=DETAIL_MIN),
    }


def test_a_region_names_only_its_first_missing_part() -> None:
    assert address_problems({**GOOD, "city": "", "district": ""}) == {
        "city": t("address.choose_region")
    }
    assert address_problems({**GOOD, "province": "", "city": ""}) == {
        "province": t("address.choose_region")
    }


def test_making_an_address_the_default_sends_it_back_whole() -> None:
    address = Address(
        id=7,
        name="李四",
        phone="13900139000",
        phone_masked="139****9000",
        province="北京市",
        city="北京市",
        district="朝阳区",
        detail="建国路 88 号",
    )
    assert made_default(address) == {
        "name": "李四",
        "phone": "13900139000",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "detail": "建国路 88 号",
        "is_default": True,
    }
